"""Turns raw reasoning deltas into the text of ``reasoning`` events (sse.md §4.1): chunks that end on word
boundaries and, as far as a streaming filter can tell, hold no raw tool names, UUIDs, code fences or JSON.

Deltas arrive cut anywhere (mid-word, mid-UUID); the buffer holds back the text after the last whitespace,
so every filter below sees whole words.
"""

from __future__ import annotations

import re

_FENCE = "```"
_UUID = re.compile(r"\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b")
_TOOL_NAME = re.compile(r"\bstori_([a-z0-9_]+)\b")
_JSON_OBJECT = re.compile(r"\{[^{}]*\}|\[[^\[\]]*\"[^\[\]]*\]")  # innermost objects, arrays of strings
_JSONISH_WORD = re.compile(r"\S*[{}]\S*|\S*\":\S*")  # what is left of a JSON span cut across chunks
_SPACES = re.compile(r"[ \t]{2,}")
_LONG_WORD = 400  # a "word" this long is released anyway, so one giant token cannot stall the stream


def humanise_tool_name(match: re.Match[str]) -> str:
    """``stori_add_midi_track`` → ``add midi track``: the musician reads what happens, not the API."""
    return match.group(1).replace("_", " ")


class ReasoningBuffer:
    def __init__(self) -> None:
        self._pending = ""
        self._in_fence = False

    def push(self, text: str) -> str:
        """Take a delta; return the text that is ready to show ("" when none is yet)."""
        self._pending += text
        cut = max(self._pending.rfind(" "), self._pending.rfind("\n"), self._pending.rfind("\t"))
        if cut < 0:
            if len(self._pending) < _LONG_WORD:
                return ""
            cut = len(self._pending) - 1
        ready, self._pending = self._pending[: cut + 1], self._pending[cut + 1 :]
        return self._clean(ready)

    def flush(self) -> str:
        """The rest, at the end of the turn."""
        ready, self._pending = self._pending, ""
        text = self._clean(ready)
        self._in_fence = False
        return text

    def _clean(self, text: str) -> str:
        kept: list[str] = []
        for number, part in enumerate(text.split(_FENCE)):
            if number > 0:
                self._in_fence = not self._in_fence
            if not self._in_fence:
                kept.append(part)
        text = "".join(kept)
        text = _UUID.sub("", text)
        text = _TOOL_NAME.sub(humanise_tool_name, text)
        previous = None
        while previous != text:  # nested JSON: strip innermost spans until none is left
            previous, text = text, _JSON_OBJECT.sub("", text)
        text = _JSONISH_WORD.sub("", text)
        text = _SPACES.sub(" ", text)
        return text if text.strip() else ""

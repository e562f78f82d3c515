"""One-line YAML rendering of prompt fields (http-api.md §4.3): the ``sections`` of a template and the
flat STORI PROMPT built from them, written so that the text parses back to the same values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

HEADER = "STORI PROMPT"
SECTION_ORDER = ("Mode", "Section", "Style", "Key", "Tempo", "Role", "Constraints", "Vibe", "Request")
# Plain (unquoted) only when YAML would read the text back unchanged in flow context; the rest is quoted.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9 #&'./+\-]*")
_YAML_WORDS = {"true", "false", "null", "~"}


class Wire(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class PromptSection(Wire):
    heading: str
    content: str


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = " ".join(str(value).split())
    if (
        _PLAIN.fullmatch(text)
        and not text.endswith(" ")
        and " #" not in text
        and text.lower() not in _YAML_WORDS
    ):
        return text
    return quoted(text)


def quoted(text: str) -> str:
    """A double-quoted YAML scalar (JSON string syntax is valid YAML)."""
    return json.dumps(text, ensure_ascii=False)


def flow_list(items: Sequence[Any]) -> str:
    return "[" + ", ".join(scalar(item) for item in items) + "]"


def flow_map(pairs: Mapping[str, Any]) -> str:
    def value(v: Any) -> str:
        if isinstance(v, list | tuple):
            return flow_list(v)
        if isinstance(v, dict):
            return flow_map(v)
        return scalar(v)

    return "{" + ", ".join(f"{scalar(k)}: {value(v)}" for k, v in pairs.items()) + "}"


@dataclass(slots=True)
class PromptFields:
    """The fields a template is made of; ``None`` leaves a section out."""

    style: str
    key: str | None = None
    tempo: float | None = None
    roles: list[str] = field(default_factory=list)
    constraints: dict[str, Any] = field(default_factory=dict)
    vibe: list[str] = field(default_factory=list)
    request: str | None = None
    section: str | None = None
    mode: str = "compose"

    def sections(self) -> list[PromptSection]:
        content: dict[str, str | None] = {
            "Mode": self.mode,
            "Section": scalar(self.section) if self.section else None,
            "Style": scalar(self.style),
            "Key": scalar(self.key) if self.key else None,
            "Tempo": scalar(self.tempo) if self.tempo is not None else None,
            "Role": flow_list(self.roles) if self.roles else None,
            "Constraints": flow_map(self.constraints) if self.constraints else None,
            "Vibe": flow_list(self.vibe) if self.vibe else None,
            "Request": quoted(" ".join(self.request.split())) if self.request else None,
        }
        return [PromptSection(heading=h, content=c) for h in SECTION_ORDER if (c := content[h]) is not None]


def flat_prompt(sections: Sequence[PromptSection]) -> str:
    """``STORI PROMPT`` then one ``<heading>: <content>`` line per section."""
    return "\n".join([HEADER, *(f"{s.heading}: {s.content}" for s in sections)])

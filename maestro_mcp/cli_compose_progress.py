"""The terminal view of a compose stream: one line per thing a person waiting for the song cares about (the
plan, each step as it ends with ✓ or ✗, each instrument agent's notes, warnings, the final summary).

Plain lines, no cursor tricks, so the output reads the same in a terminal, a log file or CI. A stream
that cannot encode ✓/✗ (a non-UTF-8 terminal) gets ASCII marks instead.
"""

from __future__ import annotations

from typing import Any, TextIO

_UNICODE_MARKS = {"completed": "✓", "failed": "✗", "skipped": "–", "agent": "♪"}
_ASCII_MARKS = {"completed": "ok", "failed": "XX", "skipped": "--", "agent": "*"}


def _marks(stream: TextIO) -> dict[str, str]:
    try:
        "".join(_UNICODE_MARKS.values()).encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return _ASCII_MARKS
    return _UNICODE_MARKS


class Progress:
    """``await progress(event)`` for every wire event of a stream, in order."""

    def __init__(self, out: TextIO) -> None:
        self._out = out
        self._marks = _marks(out)
        self._labels: dict[str, str] = {}  # stepId -> label
        self._roles: dict[str, str] = {}  # agentId -> role
        self.steps_failed = 0

    def _line(self, text: str) -> None:
        print(text, file=self._out, flush=True)

    async def __call__(self, event: dict[str, Any]) -> None:
        handler = getattr(self, "_on_" + event["type"].replace(".", "_"), None)
        if handler is not None:
            handler(event)

    def _on_state(self, e: dict[str, Any]) -> None:
        self._line(f"understood as {e['state']} ({e['intent']})")

    def _on_status(self, e: dict[str, Any]) -> None:
        self._line(f"  {e['message']}")

    def _on_plan(self, e: dict[str, Any]) -> None:
        self._labels = {s["stepId"]: s["label"] for s in e["steps"]}
        count = len(e["steps"])
        self._line(f"plan: {e['title']} ({count} step{'s' if count != 1 else ''})")

    def _on_preflight(self, e: dict[str, Any]) -> None:
        self._roles[e["agentId"]] = e["agentRole"]

    def _on_planStepUpdate(self, e: dict[str, Any]) -> None:
        status = e["status"]
        if status == "active":
            return
        self.steps_failed += status == "failed"
        label = self._labels.get(e["stepId"], f"step {e['stepId']}")
        result = f": {e['result']}" if e.get("result") and status != "skipped" else ""
        suffix = " (skipped)" if status == "skipped" else ""
        self._line(f"  {self._marks[status]} {label}{result}{suffix}")

    def _on_generatorComplete(self, e: dict[str, Any]) -> None:
        section = f" [{e['sectionName']}]" if e.get("sectionName") else ""
        self._line(
            f"    {self._marks['agent']} {e['role']}{section}: {e['noteCount']} notes in {e['durationMs']} ms"
        )

    def _on_agentComplete(self, e: dict[str, Any]) -> None:
        role = self._roles.get(e["agentId"], "instrument")
        if not e["success"]:
            self._line(f"  {self._marks['failed']} {role} agent failed")

    def _on_toolError(self, e: dict[str, Any]) -> None:
        self._line(f"    {self._marks['failed']} {e['name']}: {e['error']}")

    def _on_error(self, e: dict[str, Any]) -> None:
        if not e["fatal"]:  # fatal errors end the command with their own message
            self._line(f"warning: {e['message']}")

    def _on_content(self, e: dict[str, Any]) -> None:
        self._line(e["content"])

    def _on_summary_final(self, e: dict[str, Any]) -> None:
        if e.get("text"):
            self._line(f"summary: {e['text']}")

    def _on_meta(self, e: dict[str, Any]) -> None:
        counts = e.get("noteCounts") or {}
        self._line(f"variation: {len(e.get('affectedTracks') or [])} tracks, +{counts.get('added', 0)} notes")

    def _on_complete(self, e: dict[str, Any]) -> None:
        for warning in e.get("warnings") or []:
            self._line(f"warning: {warning}")

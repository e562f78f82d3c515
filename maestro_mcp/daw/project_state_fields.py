"""Field readers for project snapshots (``project_state``): typed accessors that record an error item with
its path instead of raising, and the per-event readers (notes, CC, pitch bend, aftertouch)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.errors import MAX_ERRORS, ErrorCode, ErrorItem

from .model import AftertouchEvent, CCEvent, Note, PitchBendEvent


class Stop(Exception):
    """Enough errors collected: stop walking a huge snapshot."""


@dataclass
class Reader:
    errors: list[ErrorItem] = field(default_factory=list)
    clamped: list[ErrorItem] = field(default_factory=list)

    def fail(self, code: ErrorCode, path: str, message: str) -> None:
        self.errors.append(ErrorItem(code, path, message))
        if len(self.errors) >= MAX_ERRORS:
            raise Stop

    def clamp(self, path: str, message: str) -> None:
        if len(self.clamped) < MAX_ERRORS:
            self.clamped.append(ErrorItem(ErrorCode.VALUE_OUT_OF_RANGE, path, message))

    # -- typed accessors: return None (after recording the error) when the value is unusable -----------

    def number(self, obj: dict[str, Any], key: str, path: str, *, required: bool = False) -> float | None:
        value = obj.get(key)
        if value is None:
            if required:
                self.fail(ErrorCode.MISSING_REQUIRED, path, "is required")
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be a number (got {type(value).__name__})")
            return None
        if not math.isfinite(value):
            self.fail(ErrorCode.TYPE_MISMATCH, path, "must be a finite number")
            return None
        return float(value)

    def integer(self, obj: dict[str, Any], key: str, path: str, low: int, high: int) -> int | None:
        number = self.number(obj, key, path)
        if number is None:
            return None
        if number != int(number):
            self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be an integer (got {number:g})")
            return None
        if not low <= number <= high:
            self.fail(
                ErrorCode.VALUE_OUT_OF_RANGE, path, f"must be between {low} and {high} (got {number:g})"
            )
            return None
        return int(number)

    def ranged(self, obj: dict[str, Any], key: str, path: str, low: float, high: float) -> float | None:
        number = self.number(obj, key, path)
        if number is not None and not low <= number <= high:
            self.fail(
                ErrorCode.VALUE_OUT_OF_RANGE, path, f"must be between {low:g} and {high:g} (got {number:g})"
            )
            return None
        return number

    def string(
        self, obj: dict[str, Any], key: str, path: str, *, max_length: int | None = None
    ) -> str | None:
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be a string (got {type(value).__name__})")
            return None
        if max_length is not None and len(value.strip()) > max_length:
            self.fail(ErrorCode.VALUE_OUT_OF_RANGE, path, f"must be at most {max_length} characters")
            return None
        return value

    def boolean(self, obj: dict[str, Any], key: str, path: str) -> bool | None:
        value = obj.get(key)
        if value is None or isinstance(value, bool):
            return value
        self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be a boolean (got {type(value).__name__})")
        return None

    def objects(self, obj: dict[str, Any], key: str, path: str) -> list[Any] | None:
        """A list value (None when absent or null); its items are checked by the caller."""
        value = obj.get(key)
        if value is None:
            return None
        if not isinstance(value, list):
            self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be an array (got {type(value).__name__})")
            return None
        return value

    def mapping(self, value: Any, path: str) -> dict[str, Any] | None:
        if isinstance(value, dict):
            return value
        self.fail(ErrorCode.TYPE_MISMATCH, path, f"must be an object (got {type(value).__name__})")
        return None


def read_note(r: Reader, item: Any, path: str) -> Note | None:
    obj = r.mapping(item, path)
    if obj is None:
        return None
    pitch = r.integer(obj, "pitch", f"{path}.pitch", 0, 127)
    start = r.ranged(obj, "startBeat", f"{path}.startBeat", 0, math.inf)
    duration = r.number(obj, "durationBeats", f"{path}.durationBeats", required=True)
    if duration is not None and duration <= 0:
        r.fail(
            ErrorCode.VALUE_OUT_OF_RANGE,
            f"{path}.durationBeats",
            f"must be greater than 0 (got {duration:g})",
        )
        duration = None
    velocity = r.integer(obj, "velocity", f"{path}.velocity", 0, 127)
    if velocity == 0:
        r.clamp(f"{path}.velocity", "clamped from 0 to 1")
        velocity = 1
    channel = r.integer(obj, "channel", f"{path}.channel", 0, 15)
    if pitch is None or start is None or duration is None:
        if "pitch" not in obj:
            r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.pitch", "is required")
        if "startBeat" not in obj:
            r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.startBeat", "is required")
        return None
    return Note.model_construct(
        pitch=pitch, start_beat=start, duration_beats=duration,
        velocity=100 if velocity is None else velocity, channel=channel or 0,
    )  # fmt: skip


def read_cc(r: Reader, item: Any, path: str) -> CCEvent | None:
    obj = r.mapping(item, path)
    if obj is None:
        return None
    cc = r.integer(obj, "cc", f"{path}.cc", 0, 127)
    beat = r.ranged(obj, "beat", f"{path}.beat", 0, math.inf)
    value = r.integer(obj, "value", f"{path}.value", 0, 127)
    if cc is None or beat is None or value is None:
        require(r, obj, path, "cc", "beat", "value")
        return None
    return CCEvent.model_construct(cc=cc, beat=beat, value=value)


def read_bend(r: Reader, item: Any, path: str) -> PitchBendEvent | None:
    obj = r.mapping(item, path)
    if obj is None:
        return None
    beat = r.ranged(obj, "beat", f"{path}.beat", 0, math.inf)
    value = r.integer(obj, "value", f"{path}.value", -8192, 8191)
    if beat is None or value is None:
        require(r, obj, path, "beat", "value")
        return None
    return PitchBendEvent.model_construct(beat=beat, value=value)


def read_aftertouch(r: Reader, item: Any, path: str) -> AftertouchEvent | None:
    obj = r.mapping(item, path)
    if obj is None:
        return None
    beat = r.ranged(obj, "beat", f"{path}.beat", 0, math.inf)
    value = r.integer(obj, "value", f"{path}.value", 0, 127)
    pitch = r.integer(obj, "pitch", f"{path}.pitch", 0, 127)
    if beat is None or value is None:
        require(r, obj, path, "beat", "value")
        return None
    return AftertouchEvent.model_construct(beat=beat, value=value, pitch=pitch)


def require(r: Reader, obj: dict[str, Any], path: str, *keys: str) -> None:
    for key in keys:
        if obj.get(key) is None:
            r.fail(ErrorCode.MISSING_REQUIRED, f"{path}.{key}", "is required")

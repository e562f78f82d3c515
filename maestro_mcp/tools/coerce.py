"""The coercions of tools.md §2.3 and the JSON-type validators (integer, number, boolean, string).

Deliberately not a library's lax mode: the wire allows exactly the coercions of §2.3 (integral floats and
numeric strings for numbers, "true"/"false" for booleans) and nothing else, and every failure must carry a
stable code and a field path. Each validator records its errors in an ``Issues`` collector and returns the
normalised value, or ``INVALID`` when the value cannot be used.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.errors import ErrorCode, ErrorItem
from maestro_mcp.tools.params import Param


class _Invalid:
    def __repr__(self) -> str:
        return "INVALID"


INVALID: Any = _Invalid()


class ConversionError(ValueError):
    """Raised by a converting alias (``Param.convert``) when the value has no canonical equivalent."""

    def __init__(self, code: ErrorCode, message: str):
        super().__init__(message)
        self.code = code


@dataclass
class Issues:
    errors: list[ErrorItem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Unknown keys by wildcard path ("notes[*].id") so 128 notes with a stray key give one warning.
    _unknown: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def error(self, code: ErrorCode, path: str, message: str) -> Any:
        self.errors.append(ErrorItem(code, path, message))
        return INVALID

    def unknown(self, path: str) -> None:
        self._unknown[re.sub(r"\[\d+\]", "[*]", path)].append(path)

    def flush_unknown(self) -> None:
        for pattern, paths in self._unknown.items():
            if len(paths) == 1:
                self.warnings.append(f"ignored unknown parameter '{paths[0]}'")
            else:
                self.warnings.append(f"ignored unknown parameter '{pattern}' ({len(paths)} items)")
        self._unknown.clear()


def join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list | tuple):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def mismatch(issues: Issues, path: str, expected: str, value: Any) -> Any:
    return issues.error(ErrorCode.TYPE_MISMATCH, path, f"must be {expected} (got {json_type(value)})")


def fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else repr(float(x))


# -- Values --------------------------------------------------------------------------------------------

_NUMERIC = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def as_number(value: Any) -> float | int | None:
    """A JSON number, or a numeric string read as one; None for anything else (booleans included)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str) and _NUMERIC.match(value.strip()):
        text = value.strip()
        return int(text) if re.fullmatch(r"[+-]?\d+", text) else float(text)
    return None


def _check_range(p: Param, x: float, path: str, issues: Issues) -> bool:
    lo, hi = p.minimum, p.maximum
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        if lo is not None and hi is not None:
            bound = f"between {fmt(lo)} and {fmt(hi)}"
        elif lo is not None:
            bound = f"at least {fmt(lo)}"
        else:
            bound = f"at most {fmt(hi)}"  # type: ignore[arg-type]
        issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, f"must be {bound} (got {fmt(x)})")
        return False
    return True


def integer(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if type(value) is int:  # the common case (every note's pitch, velocity): no parsing, no float checks
        return value if _check_range(p, value, path, issues) else INVALID
    x = as_number(value)
    if x is None:
        return mismatch(issues, path, "an integer", value)
    if not math.isfinite(x):
        return issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, "must be a finite number")
    if not float(x).is_integer():
        return mismatch(issues, path, "an integer", x)
    return int(x) if _check_range(p, x, path, issues) else INVALID


def number(p: Param, value: Any, path: str, issues: Issues) -> Any:
    x = value if type(value) is int or type(value) is float else as_number(value)
    if x is None:
        return mismatch(issues, path, "a number", value)
    if not math.isfinite(x):
        return issues.error(ErrorCode.VALUE_OUT_OF_RANGE, path, "must be a finite number")
    if not _check_range(p, x, path, issues):
        return INVALID
    return round(x, 1) if p.name in ROUNDED_DB else x


# Volume and send levels are kept to 0.1 dB (spec README, wire convention 2).
ROUNDED_DB = frozenset({"volumeDb", "levelDb", "volume"})


def boolean(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return mismatch(issues, path, "a boolean", value)


def string(p: Param, value: Any, path: str, issues: Issues) -> Any:
    if not isinstance(value, str):
        return mismatch(issues, path, "a string", value)
    text = value.strip()
    if p.choices is not None:
        hit = p.choices.lookup(text)
        if hit is None:
            return issues.error(
                ErrorCode.INVALID_ENUM, path, f"must be one of {p.choices.listing()} (got '{value}')"
            )
        return hit
    if p.min_length and len(text) < p.min_length:
        return issues.error(ErrorCode.INVALID_VALUE, path, "must not be empty")
    if p.max_length is not None and len(text) > p.max_length:
        return issues.error(
            ErrorCode.VALUE_OUT_OF_RANGE, path, f"must be at most {p.max_length} characters (got {len(text)})"
        )
    return text



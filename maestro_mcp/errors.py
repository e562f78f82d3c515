"""Error values shared by every layer: the stable codes of spec/tools.md §2.2 and the error item shape.

A tool error travels as ``ToolError`` inside the server and leaves as a result with ``isError`` (MCP),
a 422/200 body (REST) or an ``error`` event (SSE); it never leaves as a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    MISSING_REQUIRED = "MISSING_REQUIRED"
    TYPE_MISMATCH = "TYPE_MISMATCH"
    VALUE_OUT_OF_RANGE = "VALUE_OUT_OF_RANGE"
    INVALID_ENUM = "INVALID_ENUM"
    INVALID_VALUE = "INVALID_VALUE"
    INVALID_REFERENCE = "INVALID_REFERENCE"
    ENTITY_NOT_FOUND = "ENTITY_NOT_FOUND"
    AMBIGUOUS_ENTITY = "AMBIGUOUS_ENTITY"
    SHORTHAND_REJECTED = "SHORTHAND_REJECTED"
    UNKNOWN_TOOL = "UNKNOWN_TOOL"
    TOOL_NOT_ALLOWED = "TOOL_NOT_ALLOWED"
    DEPENDENCY_FAILED = "DEPENDENCY_FAILED"
    DAW_TIMEOUT = "DAW_TIMEOUT"
    DAW_UNAVAILABLE = "DAW_UNAVAILABLE"
    DAW_ERROR = "DAW_ERROR"
    GENERATION_FAILED = "GENERATION_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


MAX_ERRORS = 20


@dataclass(frozen=True, slots=True)
class ErrorItem:
    code: ErrorCode
    field: str  # dotted path with [index] into the arguments, "" for the whole call
    message: str

    def to_wire(self) -> dict[str, Any]:
        return {"code": self.code.value, "field": self.field, "message": self.message}

    def render(self) -> str:
        return f"{self.field}: {self.message} [{self.code.value}]" if self.field else f"{self.message} [{self.code.value}]"


class ToolError(Exception):
    """One or more errors of one validation or execution stage."""

    def __init__(self, errors: list[ErrorItem], executed_by: str | None = None, daw_result: dict[str, Any] | None = None):
        self.errors = errors[:MAX_ERRORS]
        self.executed_by = executed_by
        self.daw_result = daw_result
        super().__init__("; ".join(e.render() for e in self.errors))

    @classmethod
    def one(cls, code: ErrorCode, field: str, message: str, executed_by: str | None = None) -> ToolError:
        return cls([ErrorItem(code, field, message)], executed_by=executed_by)

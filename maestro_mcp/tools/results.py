"""The result envelope of tools.md §2.1, and its text rendering.

A success carries every documented field of its tool (``null`` where there is no value); an error carries
exactly ``ok``, ``tool``, ``errors``, ``executedBy``, ``dawResult``. Both validate against the tool's
output schema (``ToolSpec.output_schema``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from maestro_mcp.errors import MAX_ERRORS, ErrorItem, ToolError
from maestro_mcp.tools.spec_types import ToolSpec
from maestro_mcp.tools.stages import stage_of


def compact_json(payload: Any) -> str:
    """UTF-8 unescaped, no spaces, no NaN (spec README, wire convention 6)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def render_errors(errors: Iterable[ErrorItem]) -> str:
    """``<field>: <message> [<code>]`` (or ``<message> [<code>]``) joined by "; " (tools.md §2.2)."""
    return "; ".join(e.render() for e in errors)


def success_payload(
    spec: ToolSpec,
    fields: dict[str, Any],
    executed_by: str,
    warnings: Iterable[str] = (),
    daw_result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The success shape: common fields, then the tool's documented fields in declaration order."""
    payload: dict[str, Any] = {
        "ok": True,
        "tool": spec.canonical,
        "executedBy": executed_by,
        "warnings": list(warnings),
        "dawResult": daw_result,
    }
    for name in spec.result_names:
        payload[name] = fields.get(name)
    return payload


def error_payload(
    tool: str,
    errors: Iterable[ErrorItem],
    executed_by: str | None = None,
    daw_result: dict[str, Any] | None = None,
) -> dict[str, Any]:
    return {
        "ok": False,
        "tool": tool,
        "errors": [e.to_wire() for e in list(errors)[:MAX_ERRORS]],
        "executedBy": executed_by,
        "dawResult": daw_result,
    }


@dataclass(frozen=True)
class ToolResult:
    is_error: bool
    payload: dict[str, Any]  # the full structured content
    text: str  # compact JSON for a success; the rendered errors for an error
    # For errors: the tools.md §2.2 stage that failed (REST maps 2-6 to 422, 7 to a 200 result).
    stage: int | None = None
    # The normalised arguments the call ran with (canonical names, defaults filled; before the DAW layer
    # resolves names and mints ids), for callers that echo them, e.g. as a toolCall event's params.
    params: dict[str, Any] | None = None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return list(self.payload.get("errors") or [])

    @property
    def unknown_tool(self) -> bool:
        """Stage 1: MCP answers JSON-RPC -32602 and REST 404 instead of a tool result."""
        return self.stage == 1

    @classmethod
    def success(cls, payload: dict[str, Any], params: dict[str, Any] | None = None) -> ToolResult:
        return cls(False, payload, compact_json(payload), None, params)

    @classmethod
    def failure(cls, tool: str, error: ToolError, params: dict[str, Any] | None = None) -> ToolResult:
        payload = error_payload(tool, error.errors, error.executed_by, error.daw_result)
        stage = max((stage_of(e) for e in error.errors), default=7)
        return cls(True, payload, render_errors(error.errors), stage, params)

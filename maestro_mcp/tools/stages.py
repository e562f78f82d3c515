"""Stages 3, 4 and 6 of tools.md §2.2 for one call: normalisation and references, schema, and the
tool-specific cross-field rules. Each stage that finds errors stops the call with all of its errors.

Stage 5 (entities) needs the project and runs in the DAW layer; stages 1–2 (name, allowlist) in dispatch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from maestro_mcp.errors import ErrorCode, ErrorItem, ToolError
from maestro_mcp.tools import references
from maestro_mcp.tools.params import AUTOMATION_RANGES
from maestro_mcp.tools.spec_types import ToolSpec
from maestro_mcp.tools.validation import Issues, check_object, json_type


@dataclass(frozen=True)
class ValidatedCall:
    spec: ToolSpec  # the spec called (an alias keeps its own spec; ``tool`` is canonical)
    tool: str  # canonical tool name
    params: dict[str, Any]  # canonical names, normalised values, defaults filled in
    warnings: list[str] = field(default_factory=list)


def validate_call(
    spec: ToolSpec,
    arguments: Any,
    plan_results: list[dict[str, Any] | None] | None = None,
    plan_index: int | None = None,
) -> ValidatedCall:
    """Validate ``arguments`` for ``spec``; raise ``ToolError`` with the errors of the first failing stage."""
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, dict):
        raise ToolError.one(ErrorCode.TYPE_MISMATCH, "", f"arguments must be an object (got {json_type(arguments)})")

    # Stage 3: $N.field substitution (spelling and coercion happen with the schema below).
    raw = references.substitute(arguments, plan_results, plan_index)

    # Stage 4: schema.
    issues = Issues()
    if spec.reject_shorthand:
        for key in [k for k in raw if isinstance(k, str) and k.startswith("_")]:
            issues.error(ErrorCode.SHORTHAND_REJECTED, key,
                         f"shorthand '{key}' is not accepted; send note objects in 'notes'")
        raw = {k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("_"))}
    params = check_object(spec.params, raw, "", issues, spec.new_ids)
    issues.flush_unknown()
    if issues.errors:
        raise ToolError(issues.errors)

    # Stage 6: cross-field rules of the canonical tool.
    rule = CROSS_FIELD_RULES.get(spec.canonical)
    if rule is not None:
        rule(params, issues)
        if issues.errors:
            raise ToolError(issues.errors)
    return ValidatedCall(spec, spec.canonical, params, issues.warnings)


# -- Stage 6 --------------------------------------------------------------------------------------------

def _one_instrument(params: dict[str, Any], issues: Issues) -> None:
    if "drumKitId" in params and "gmProgram" in params:
        issues.error(ErrorCode.INVALID_VALUE, "", "give drumKitId (drum track) or gmProgram (melodic track), not both")


def _exactly_one_position(params: dict[str, Any], issues: Issues) -> None:
    if sum(k in params for k in ("bar", "beat", "seconds")) != 1:
        issues.error(ErrorCode.INVALID_VALUE, "", "exactly one of bar, beat, seconds")


def _automation_ranges(params: dict[str, Any], issues: Issues) -> None:
    lo, hi = AUTOMATION_RANGES[params["parameter"]]
    for i, point in enumerate(params["points"]):
        value = point["value"]
        if not lo <= value <= hi:
            issues.error(
                ErrorCode.VALUE_OUT_OF_RANGE,
                f"points[{i}].value",
                f"must be between {lo:g} and {hi:g} for {params['parameter']} (got {value:g})",
            )


def _generation_constraints(params: dict[str, Any], issues: Issues) -> None:
    c = params.get("constraints") or {}
    floor, ceiling = c.get("velocityFloor"), c.get("velocityCeiling")
    if floor is not None and ceiling is not None and floor > ceiling:
        issues.error(ErrorCode.INVALID_VALUE, "constraints.velocityFloor",
                     f"must not exceed velocityCeiling (got {floor} > {ceiling})")
    if "chords" in c and "progression" in c:
        # Both describe the harmony; the roman-capable one is the more precise, so it wins.
        del c["chords"]
        issues.warnings.append("ignored 'constraints.chords': 'constraints.progression' is also given")


CROSS_FIELD_RULES: dict[str, Callable[[dict[str, Any], Issues], None]] = {
    "stori_add_midi_track": _one_instrument,
    "stori_set_playhead": _exactly_one_position,
    "stori_add_automation": _automation_ranges,
    "stori_generate_midi": _generation_constraints,
}


def stage_of(error: ErrorItem) -> int:
    """The tools.md §2.2 stage an error code belongs to (REST: 2–6 are 422, 7 is a 200 result)."""
    return _STAGES.get(error.code, 7)


_STAGES = {
    ErrorCode.UNKNOWN_TOOL: 1,
    ErrorCode.TOOL_NOT_ALLOWED: 2,
    ErrorCode.INVALID_REFERENCE: 3,
    ErrorCode.DEPENDENCY_FAILED: 3,
    ErrorCode.SHORTHAND_REJECTED: 4,
    ErrorCode.MISSING_REQUIRED: 4,
    ErrorCode.TYPE_MISMATCH: 4,
    ErrorCode.VALUE_OUT_OF_RANGE: 4,
    ErrorCode.INVALID_ENUM: 4,
    ErrorCode.INVALID_VALUE: 4,
    ErrorCode.ENTITY_NOT_FOUND: 5,
    ErrorCode.AMBIGUOUS_ENTITY: 5,
}

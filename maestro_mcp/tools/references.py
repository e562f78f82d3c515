"""``$N.field`` references between the calls of one plan (tools.md §2.7).

A plan is an ordered list of calls; ``plan_results[N]`` holds call N's outcome: its full result payload
(``{"ok": true, ...}`` or ``{"ok": false, "tool": ..., ...}``) or None when it was skipped. Substitution
runs at stage 3, before the call is validated, and keeps the referenced value's JSON type.
"""

from __future__ import annotations

import copy
import re
from typing import Any

from maestro_mcp.errors import ErrorCode, ErrorItem, ToolError

REFERENCE = re.compile(r"^\$(\d+)\.([A-Za-z][A-Za-z0-9]*)$")
# Looks like an attempt at a reference ("$0", "$1.track_id") without being one: reported, not taken
# literally, so a typo cannot silently reach the DAW as a track name.
_ATTEMPT = re.compile(r"^\$\d+(\.\S*)?$")


def is_reference(value: Any) -> bool:
    return isinstance(value, str) and bool(REFERENCE.match(value))


def contains_reference(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_ATTEMPT.match(value))
    if isinstance(value, dict):
        return any(contains_reference(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_reference(v) for v in value)
    return False


def substitute(
    arguments: dict[str, Any],
    plan_results: list[dict[str, Any] | None] | None,
    plan_index: int | None = None,
) -> dict[str, Any]:
    """Return ``arguments`` with every reference replaced by the value it names, or raise ``ToolError``
    with every INVALID_REFERENCE / DEPENDENCY_FAILED found. ``plan_results`` None means "not in a plan";
    ``plan_index`` is this call's index in the plan (default: the next one, ``len(plan_results)``)."""
    if not contains_reference(arguments):
        return arguments
    errors: list[ErrorItem] = []
    current = plan_index if plan_index is not None else len(plan_results or [])

    def resolve(text: str, path: str) -> Any:
        m = REFERENCE.match(text)
        if plan_results is None:
            errors.append(ErrorItem(ErrorCode.INVALID_REFERENCE, path,
                                    f"{text} can only be used inside a plan of tool calls"))
            return text
        if m is None:
            errors.append(ErrorItem(ErrorCode.INVALID_REFERENCE, path,
                                    f"'{text}' is not a reference of the form $N.field (e.g. $0.trackId)"))
            return text
        n, name = int(m.group(1)), m.group(2)
        if n >= current:
            errors.append(ErrorItem(ErrorCode.INVALID_REFERENCE, path, f"{text} refers to a later call"))
            return text
        if n >= len(plan_results):
            errors.append(ErrorItem(ErrorCode.INVALID_REFERENCE, path, f"{text} refers to call {n}, which has not run"))
            return text
        outcome = plan_results[n]
        if outcome is None:
            errors.append(ErrorItem(ErrorCode.DEPENDENCY_FAILED, path, f"depends on call {n}, which was skipped"))
            return text
        tool = outcome.get("tool", "?")
        if not outcome.get("ok", False):
            errors.append(ErrorItem(ErrorCode.DEPENDENCY_FAILED, path, f"depends on call {n} ({tool}), which failed"))
            return text
        if outcome.get(name) is None:
            errors.append(ErrorItem(ErrorCode.INVALID_REFERENCE, path,
                                    f"{text}: call {n} ({tool}) has no result field '{name}'"))
            return text
        return copy.deepcopy(outcome[name])

    def walk(value: Any, path: str) -> Any:
        if isinstance(value, str):
            return resolve(value, path) if _ATTEMPT.match(value) else value
        if isinstance(value, dict):
            return {k: walk(v, f"{path}.{k}" if path else str(k)) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v, f"{path}[{i}]") for i, v in enumerate(value)]
        return value

    out = walk(arguments, "")
    if errors:
        raise ToolError(errors)
    assert isinstance(out, dict)
    return out

"""The checks and the answer of a commit (spec/variations.md §6.4) that need no I/O: checks 3–5, 7 and 8
in the spec's order, and the 200 body."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .variation_apply import Applied
from .variation_model import Phrase, Variation, VariationError

UNDO_INTENT_CHARS = 50


def state_conflict(current: int | None, message: str = "Project changed since the variation was proposed.") -> VariationError:
    return VariationError(
        409, "STATE_CONFLICT", "State conflict", message, currentStateId=None if current is None else str(current)
    )


def check_commit_state(variation: Variation, accepted_phrase_ids: Sequence[str]) -> None:
    """Checks 3 (empty acceptance), 4 (already committed) and 5 (not ready)."""
    if not accepted_phrase_ids and variation.phrases:
        raise VariationError(
            422, "VALIDATION_ERROR", "Validation error", "Accept at least one phrase, or discard the variation.",
            errors=[{"code": "INVALID_VALUE", "field": "acceptedPhraseIds",
                     "message": "must name at least one phrase of the variation (discard it instead)"}],
        )  # fmt: skip
    if variation.status == "committed":
        raise VariationError(409, "ALREADY_COMMITTED", "Already committed", "This variation was already committed.")
    if variation.status != "ready":
        raise VariationError(
            409, "INVALID_STATE", "Invalid state for commit", f"The variation is {variation.status}.",
            currentStatus=variation.status,
        )


def accepted_phrases(variation: Variation, base_state_id: int, accepted_phrase_ids: Sequence[str]) -> list[Phrase]:
    """Checks 7 (baseline) and 8 (phrase ids); the accepted phrases in sequence order."""
    if str(base_state_id) != variation.base_state_id:
        raise VariationError(
            409, "BASELINE_MISMATCH", "Baseline mismatch",
            f"The variation was computed against state {variation.base_state_id}.",
            variationBaseStateId=variation.base_state_id,
        )
    known = {p.phrase_id for p in variation.phrases}
    invalid = [pid for pid in dict.fromkeys(accepted_phrase_ids) if pid not in known]
    if invalid:
        raise VariationError(
            400, "INVALID_PHRASE_IDS", "Invalid phrase IDs", "Some phrase ids are not in this variation.",
            invalidPhraseIds=invalid,
        )
    wanted = set(accepted_phrase_ids)
    return [p for p in variation.phrases if p.phrase_id in wanted]


def commit_response(
    variation: Variation, project_id: str, new_version: int, accepted: Sequence[Phrase], applied: Applied
) -> dict[str, Any]:
    return {
        "projectId": project_id,
        "newStateId": str(new_version),
        "appliedPhraseIds": [p.phrase_id for p in accepted],
        "undoLabel": f"Accept Variation: {variation.intent[:UNDO_INTENT_CHARS]}",
        "toolCalls": [c.wire() for c in applied.tool_calls],
        "updatedRegions": applied.updated_regions,
        "warnings": applied.warnings,
    }

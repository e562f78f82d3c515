"""Constraint report for generated material. (Being completed: see the quality engineer's work.)"""

from __future__ import annotations

from typing import Any

from .context import GenContext
from .parts import Part


def part_report(part: Part, ctx: GenContext) -> dict[str, Any]:
    notes = part.notes
    pitches = [n.pitch for n in notes]
    in_key = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
    return {
        "in_key_ratio": None if part.is_drums or not notes else sum(p % 12 in in_key for p in pitches) / len(notes),
        "pitch_min": min(pitches, default=None),
        "pitch_max": max(pitches, default=None),
        "notes_per_bar": len(notes) / ctx.bars,
    }

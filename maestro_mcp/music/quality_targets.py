"""The issue's targets for the quality report (spec/tools.md §10.1, issue 2 "musical sanity") and the
readable table the CLI prints. Kept apart from the measuring so the figures stay pure data."""

from __future__ import annotations

from typing import Any

from .styles import PROFILES_BY_ID

MELODIC_ROLES = frozenset({"melody", "lead"})
CHORD_ROLES = frozenset({"chords", "keys", "pads", "strings"})

# metric -> (roles it applies to, ">=" or "<=", threshold); in-key thresholds depend on the role.
_TARGETS: dict[str, tuple[frozenset[str] | None, str, float]] = {
    "step_rate": (MELODIC_ROLES, ">=", 0.35),
    "mean_interval": (MELODIC_ROLES, "<=", 5.0),
    "leap_share": (MELODIC_ROLES, "<=", 0.02),
    "chord_tone_strong": (MELODIC_ROLES, ">=", 0.70),
    "bass_root_fifth": (frozenset({"bass"}), ">=", 0.85),
    "drum_similarity": (frozenset({"drums"}), ">=", 0.75),
    "chord_voices_ok": (CHORD_ROLES, ">=", 1.0),
    "out_of_range": (None, "<=", 0),
    "overlaps": (None, "<=", 0),
}
_IN_KEY = {"bass": 0.97, "melody": 0.90, "lead": 0.90}


def target(metric: str, role: str, loose_key: bool = False) -> tuple[str, float] | None:
    """The issue's target for a metric of a role, as (comparison, threshold), or ``None``."""
    if metric == "in_key_ratio":
        return None if role == "drums" else (">=", 0.80 if loose_key else _IN_KEY.get(role, 0.95))
    if metric == "velocity_sd":
        return (">=", 8.0 if role == "drums" else 3.0)
    if metric in _TARGETS:
        roles, op, value = _TARGETS[metric]
        return (op, value) if roles is None or role in roles else None
    return None


def meets(value: Any, goal: tuple[str, float] | None) -> bool:
    if goal is None or value is None:
        return True
    op, threshold = goal
    return bool(value >= threshold - 1e-9) if op == ">=" else bool(value <= threshold + 1e-9)


_ROWS: tuple[tuple[str, str], ...] = (
    ("note_count", "notes"), ("notes_per_bar", "notes per bar"), ("pitch_range", "pitch range"),
    ("in_key_ratio", "in key"), ("out_of_range", "out of range"), ("overlaps", "same-pitch overlaps"),
    ("bars", "bars filled"), ("velocity_sd", "velocity sd"), ("swing_amount", "swing (measured)"),
    ("drum_similarity", "groove bar-to-bar similarity"), ("four_on_floor", "kick on every beat"),
    ("backbeat", "backbeat on 2 and 4"), ("snare_on_3", "snare on 3"), ("odd_16th", "odd-16th hits"),
    ("step_rate", "melody steps (<= 2 st)"), ("mean_interval", "mean |interval| (st)"),
    ("leap_share", "leaps > octave"), ("chord_tone_strong", "chord tones on strong beats"),
    ("bass_root_fifth", "bass root/5th on chord"), ("chord_voices_ok", "chords with >= 3 voices"),
)


def _cell(metric: str, report: dict[str, Any], loose_key: bool) -> str:
    role = str(report.get("role", ""))
    if metric == "pitch_range":
        lo, hi = report.get("pitch_min"), report.get("pitch_max")
        return "-" if lo is None else f"{lo}-{hi}"
    if metric == "bars":
        mark = "" if report.get("last_bar_filled") else " !"
        return f"{report.get('bars_filled')}/{report.get('bars_requested')}{mark}"
    value = report.get(metric)
    if value is None:
        return "-"
    text = f"{value:.2f}" if isinstance(value, float) else str(value)
    return text if meets(value, target(metric, role, loose_key)) else f"{text} !"


def format_report(report: dict[str, Any]) -> str:
    """A table with one column per track (a ``composition_report``) or one column (a part report, which
    may carry ``role``); values that miss the issue's targets are marked ``!``."""
    parts: list[dict[str, Any]] = report.get("parts", [report])
    profile = PROFILES_BY_ID.get(str(report.get("style_profile")))
    loose = bool(profile and profile.loose_key)
    headers = [str(p.get("name") or p.get("role") or "part") for p in parts]
    rows = []
    for metric, label in _ROWS:
        cells = [_cell(metric, p, loose) for p in parts]
        if any(c != "-" for c in cells):
            rows.append([label, *cells])
    table = [["", *headers], *rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
             for r in table]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)

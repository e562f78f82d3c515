"""Expressiveness calls (spec/stori-prompt.md §6.1): the ``MidiExpressiveness`` block → MIDI CC,
pitch-bend and aftertouch events for each created region of each target track, after its notes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

EVENTS_PER_CALL = 1024
_KNOWN = ("sustain_pedal", "expression", "modulation", "filter", "cc_curves", "pitch_bend", "aftertouch",
          "breath_control")  # fmt: skip
# Default targets by generator role (extension of §6.1), when the block is not keyed by track.
_NON_DRUM = frozenset({"bass", "chords", "pads", "lead", "arp", "melody", "fx"})
DEFAULT_TARGETS: dict[str, frozenset[str]] = {
    "sustain_pedal": frozenset({"chords"}),
    "expression": _NON_DRUM,
    "modulation": _NON_DRUM,
    "breath_control": _NON_DRUM,
    "filter": frozenset({"bass", "pads", "lead", "arp"}),
    "pitch_bend": frozenset({"lead", "melody", "bass"}),
    "aftertouch": frozenset({"pads", "lead"}),
    "cc_curves": _NON_DRUM,
}
CC_NAMES = {64: "Sustain", 11: "Expression", 1: "Modulation", 74: "Filter Cutoff", 2: "Breath"}


def fold(key: Any) -> str:
    return re.sub(r"[\s-]+", "_", str(key).strip().lower())


@dataclass(frozen=True)
class RegionSpan:
    start: float  # project-absolute
    duration: float
    position: float  # the resolved Position (cc_curves bars count from it)
    bpb: float


def ramp(a: float, b: float, s: float, e: float) -> list[dict[str, Any]]:
    """One event on every whole beat s, s+1, … below e; event i of n = round(a + (b − a)·i / max(n − 1, 1))."""
    beats: list[float] = []
    t = float(s)
    while t < e - 1e-9:
        beats.append(t)
        t += 1.0
    n = len(beats)
    return [
        {"beat": round(bt, 6), "value": round(a + (b - a) * i / max(n - 1, 1))} for i, bt in enumerate(beats)
    ]


def _pair(value: Any, default: tuple[float, float]) -> tuple[float, float]:
    if isinstance(value, (list, tuple)) and len(value) == 2:
        try:
            return float(value[0]), float(value[1])
        except (TypeError, ValueError):
            return default
    return default


def _get(block: Any, key: str) -> Any:
    if isinstance(block, dict):
        for k, v in block.items():
            if fold(k) == key:
                return v
    return None


def _clamp7(v: float) -> int:
    return max(0, min(127, round(v)))


def _sweep(value: Any) -> tuple[float, float] | None:
    cutoff = _get(value, "cutoff")
    sweep = _get(cutoff, "sweep") if cutoff is not None else _get(value, "sweep")
    text = str(sweep if sweep is not None else (cutoff if cutoff is not None else value)).lower()
    if "closed to open" in text:
        return 20, 110
    if "open to closed" in text:
        return 110, 20
    if isinstance(sweep, (list, tuple)):
        return _pair(sweep, (20, 110))
    return None


def _bars_span(position: Any, span: RegionSpan) -> tuple[float, float]:
    """``bars A-B`` counted from the resolved Position, clipped to the region (region-relative)."""
    m = re.search(r"bars?\s+(\d+)\s*(?:-|to)\s*(\d+)", str(position or ""), re.IGNORECASE)
    if not m:
        return 0.0, span.duration
    a, b = int(m.group(1)), int(m.group(2))
    s = span.position + (a - 1) * span.bpb - span.start
    e = span.position + b * span.bpb - span.start
    return max(0.0, s), min(span.duration, e)


def controller_calls(key: str, value: Any, span: RegionSpan) -> list[tuple[str, dict[str, Any]]]:
    """(tool, params without regionId) of one honoured key for one region."""
    bpb, dur = span.bpb, span.duration
    bars = max(1, round(dur / bpb))
    cc_events: list[tuple[int, list[dict[str, Any]]]] = []
    if key == "sustain_pedal":
        c = int(_get(value, "changes_per_bar") or 1)
        while c > 1 and bpb / c < 0.25:
            c -= 1
        events = []
        for k in range(bars):
            for j in range(max(c, 1)):
                t = k * bpb + j * bpb / c
                events += [
                    {"beat": round(t, 6), "value": 127},
                    {"beat": round(t + bpb / c - 0.125, 6), "value": 0},
                ]
        cc_events.append((64, events))
    elif key in ("expression", "breath_control"):
        lo, hi = _pair(_get(value, "range"), (40, 100))
        cc_events.append((11 if key == "expression" else 2, ramp(_clamp7(lo), _clamp7(hi), 0, dur)))
    elif key == "modulation":
        d = float(_get(value, "depth") or 0.5)
        cc_events.append((1, [{"beat": 0.0, "value": _clamp7(d * 127 if d <= 1 else d)}]))
    elif key == "filter":
        sweep = _sweep(value) or (20, 110)
        cc_events.append((74, ramp(_clamp7(sweep[0]), _clamp7(sweep[1]), 0, dur)))
    elif key == "pitch_bend":
        depth = float(_get(value, "depth") or 1)
        v = min(round(depth * 4096), 8191) * (-1 if str(_get(value, "style") or "").lower() == "fall" else 1)
        events = []
        for k in range(bars):
            end = k * bpb + bpb
            events += [{"beat": round(end - 0.5, 6), "value": 0}, {"beat": round(end - 0.25, 6), "value": v},
                       {"beat": round(end - 0.01, 6), "value": 0}]  # fmt: skip
        return [("stori_add_pitch_bend", {"events": chunk}) for chunk in _chunks(events)]
    elif key == "aftertouch":
        d = _clamp7(float(_get(value, "depth") or 64))
        events = [{"beat": float(k * bpb), "value": d} for k in range(bars)]
        return [("stori_add_aftertouch", {"events": chunk}) for chunk in _chunks(events)]
    elif key == "cc_curves":
        for curve in value if isinstance(value, list) else [value]:
            cc = _get(curve, "cc")
            if cc is None:
                continue
            s, e = _bars_span(_get(curve, "position"), span)
            events = ramp(
                _clamp7(float(_get(curve, "from") or 0)), _clamp7(float(_get(curve, "to") or 127)), s, e
            )
            if events:
                cc_events.append((int(cc), events))
    return [
        ("stori_add_midi_cc", {"cc": cc, "events": chunk})
        for cc, ev in cc_events
        if ev
        for chunk in _chunks(ev)
    ]


def _chunks(events: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [events[i : i + EVENTS_PER_CALL] for i in range(0, len(events), EVENTS_PER_CALL)]


def expressive_keys(
    block: Any, match_track: Any, warnings: list[str]
) -> list[tuple[str, Any, set[int] | None]]:
    """(key, value, target agent indexes or None for the default targets) of the block's honoured keys.

    ``match_track(text)`` returns the indexes of the plan's instruments a block key names (role word or
    track name), or an empty list. A key that is neither honoured nor an instrument is context only."""
    out: list[tuple[str, Any, set[int] | None]] = []
    if not isinstance(block, dict):
        return out
    for raw_key, value in block.items():
        key = fold(raw_key)
        if key in _KNOWN:
            if key == "cc_curves":
                for curve in value if isinstance(value, list) else [value]:
                    track = _get(curve, "track")
                    targets = set(match_track(str(track))) if track else None
                    if track and not targets:
                        warnings.append(f"MidiExpressiveness.cc_curves: unknown track '{track}'; skipped")
                        continue
                    out.append((key, [curve], targets))
            else:
                out.append((key, value, None))
            continue
        targets = set(match_track(str(raw_key)))
        if targets and isinstance(value, dict):
            out += [(fold(k), v, targets) for k, v in value.items() if fold(k) in _KNOWN]
    return out

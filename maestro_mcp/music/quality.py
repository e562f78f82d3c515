"""Constraint report for generated material: does a part hold its key, range, length and role, and does it
look like music rather than in-key noise (intervals, repetition, chord tones, velocity shape, groove marks)?

Everything is a pure function of the notes and a ``Frame`` (what the part was asked to be). A frame comes
from the generator's ``GenContext`` (``part_report``) or is rebuilt from a ``Composition``
(``composition_report``), so the same figures describe a tool result, a CLI file and the test matrix.
Onsets are read on a 16th grid with swing undone and a ±0.08-beat tolerance, because every part is
humanised before it is measured. Which figure matters for which role, and the targets: MUSIC.md and
spec/tools.md §10.1; ``checks`` states them for display.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from math import sqrt
from statistics import fmean
from typing import TYPE_CHECKING, Any

from .context import ROLE_RANGES
from .parts import Note, Part
from .plan import ChordPlan, ChordSpan
from .quality_targets import CHORD_ROLES, MELODIC_ROLES, format_report, meets, target
from .styles import match_style
from .theory import Key, Scale, parse_key, resolve_chord

if TYPE_CHECKING:
    from .compose import Composition, GeneratedPart
    from .context import GenContext

__all__ = [
    "Frame", "composition_report", "format_report", "frame_for_part", "frame_from_context", "measure", "meets",
    "part_report", "target",
]

SNAP = 0.08  # beats: how far a humanised onset may sit from its grid position
KICKS = frozenset({35, 36})
# Whatever carries a backbeat: side stick, snare, clap, electric snare.
SNARES = frozenset({37, 38, 39, 40})


@dataclass(frozen=True, slots=True)
class Frame:
    """What a part was asked to be, as far as measuring it needs."""

    role: str
    bars: int
    beats_per_bar: float
    numerator: int  # of the time signature: decides the strong beats
    allowed_pcs: frozenset[int]  # in key: the key's pcs | the plan's chord tones | the effective scale
    plan: ChordPlan | None
    low: int
    high: int
    fill_every: int  # bars per drum block; the block's last bar is a fill
    swing: float  # 0 straight .. 1 triplet feel, as applied by humanize.apply_swing
    swing_unit: float  # beats

    @property
    def steps_per_bar(self) -> int:
        return max(1, round(self.beats_per_bar * 4))

    @property
    def strong_positions(self) -> tuple[float, ...]:
        """Beats 1 and 3 in 4/4 (the bar's two halves in any even meter, 6/8 included); beat 1 otherwise."""
        if self.numerator % 2 == 0:
            return (0.0, self.beats_per_bar / 2)
        return (0.0,)


def frame_from_context(ctx: GenContext) -> Frame:
    allowed = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
    return Frame(
        role=ctx.role, bars=ctx.bars, beats_per_bar=ctx.beats_per_bar, numerator=ctx.time_signature[0],
        allowed_pcs=allowed, plan=ctx.plan, low=ctx.low, high=ctx.high,
        fill_every=max(1, ctx.profile.fill_every), swing=ctx.swing, swing_unit=ctx.profile.swing_unit,
    )


def plan_from_symbols(symbols: Sequence[str], key: Key, beats_per_bar: float) -> ChordPlan:
    """A plan from one chord symbol per bar (what a result reports), repeated bars merged into one span
    as the style's harmonic rhythm laid them out."""
    spans: list[ChordSpan] = []
    for bar, symbol in enumerate(symbols):
        if spans and spans[-1].chord.symbol == symbol:
            last = spans[-1]
            spans[-1] = ChordSpan(last.start, last.duration + beats_per_bar, last.chord, last.bar)
        else:
            spans.append(ChordSpan(bar * beats_per_bar, beats_per_bar, resolve_chord(symbol, key), bar))
    return ChordPlan(tuple(spans), beats_per_bar, len(symbols))


def frame_for_part(gp: GeneratedPart, swing: float | None = None) -> Frame:
    """Rebuild a part's frame from what its result reports (the caller's swing override is not kept
    there: pass it when it differed from the style's)."""
    profile = match_style(gp.style).profile
    key = parse_key(gp.key)
    num, den = gp.time_signature
    bpb = num * 4 / den
    plan = plan_from_symbols(gp.progression, key, bpb) if gp.progression else None
    scale = Scale.of(key.root, gp.scale) if gp.scale else key.scale
    allowed = key.in_key_pcs() | frozenset(scale.pcs) | (plan.pcs_union() if plan else frozenset())
    low, high = ROLE_RANGES.get(gp.role, (0, 127))
    return Frame(
        role=gp.role, bars=gp.bars, beats_per_bar=bpb, numerator=num, allowed_pcs=allowed, plan=plan,
        low=low, high=high, fill_every=max(1, profile.fill_every),
        swing=profile.swing if swing is None else swing, swing_unit=profile.swing_unit,
    )


# ---------------------------------------------------------------------------------------------------
# Reading onsets


def grid_step(beat: float, frame: Frame) -> int | None:
    """The 16th step (from the part's start) an onset was written on: swing undone, then snapped within
    ``SNAP``; ``None`` for an onset off the grid (triplets, rolls, free rubato)."""
    t = beat
    if frame.swing > 0:
        unit = frame.swing_unit
        shift = frame.swing * unit / 3
        pos = t % (2 * unit)
        if abs(pos - (unit + shift)) <= min(SNAP, abs(pos - unit)):
            t -= shift
    step = round(t * 4)
    return step if abs(t * 4 - step) <= SNAP * 4 else None


def _onset_grid(notes: Iterable[Note], frame: Frame) -> dict[int, dict[int, set[int]]]:
    """bar -> step within the bar -> pitches struck there."""
    spb = frame.steps_per_bar
    grid: dict[int, dict[int, set[int]]] = {}
    for n in notes:
        step = grid_step(n.start, frame)
        if step is None:
            continue
        bar, pos = divmod(step, spb)
        if 0 <= bar < frame.bars:
            grid.setdefault(bar, {}).setdefault(pos, set()).add(n.pitch)
    return grid


def fill_bars(frame: Frame) -> set[int]:
    """Bars where drums fill on purpose: the last of each ``fill_every`` block and the part's last bar."""
    fills = {b for b in range(frame.bars) if (b + 1) % frame.fill_every == 0}
    fills.add(frame.bars - 1)
    return fills


# ---------------------------------------------------------------------------------------------------
# Metrics common to every role


def in_key_ratio(notes: Sequence[Note], allowed_pcs: frozenset[int]) -> float | None:
    return sum(n.pitch % 12 in allowed_pcs for n in notes) / len(notes) if notes else None


def out_of_range(notes: Iterable[Note], low: int, high: int) -> int:
    return sum(not low <= n.pitch <= high for n in notes)


def same_pitch_overlaps(notes: Iterable[Note]) -> int:
    """Pairs of notes of one pitch where the later starts before the earlier ends."""
    by_pitch: dict[int, list[Note]] = {}
    for n in notes:
        by_pitch.setdefault(n.pitch, []).append(n)
    count = 0
    for group in by_pitch.values():
        group.sort(key=lambda n: n.start)
        end = float("-inf")
        for n in group:
            if n.start < end - 1e-6:
                count += 1
            end = max(end, n.end)
    return count


def bars_with_onsets(notes: Iterable[Note], bars: int, beats_per_bar: float) -> set[int]:
    return {b for n in notes if 0 <= (b := int(n.start // beats_per_bar)) < bars}


def velocity_sd(notes: Sequence[Note]) -> float | None:
    """Population standard deviation (plain floats: ``statistics.pstdev`` is exact but slow, and this
    runs on every generated part)."""
    if len(notes) < 2:
        return None
    mean = sum(n.velocity for n in notes) / len(notes)
    return float(sqrt(sum((n.velocity - mean) ** 2 for n in notes) / len(notes)))


def swing_offset(notes: Iterable[Note], unit: float) -> tuple[float, int]:
    """Mean delay (beats) of onsets near the off-beat of the swing unit, and how many there were. The
    window reaches from a quarter unit early to beyond a full triplet delay, so the neighbouring grid
    points (straight 16ths around a swung 8th) stay out of it."""
    offsets = []
    for n in notes:
        off = n.start % (2 * unit) - unit
        if -0.25 * unit <= off <= 0.45 * unit:
            offsets.append(off)
    return (fmean(offsets) if offsets else 0.0), len(offsets)


# ---------------------------------------------------------------------------------------------------
# Drums


def drum_similarity(grid: dict[int, dict[int, set[int]]], frame: Frame) -> float | None:
    """1 - mean Hamming distance between consecutive bars' 16-step onset grids, over bar pairs that touch
    neither a fill nor the bar after one (which opens with a crash)."""
    fills = fill_bars(frame)
    excluded = fills | {b + 1 for b in fills}
    spb = frame.steps_per_bar
    sims = []
    for b in range(frame.bars - 1):
        if b in excluded or b + 1 in excluded:
            continue
        a, c = set(grid.get(b, {})), set(grid.get(b + 1, {}))
        sims.append(1 - len(a ^ c) / spb)
    return fmean(sims) if sims else None


def _groove_bars(frame: Frame) -> list[int]:
    fills = fill_bars(frame)
    return [b for b in range(frame.bars) if b not in fills] or list(range(frame.bars))


def _share(bars: list[int], test: Callable[[int], bool]) -> float | None:
    return sum(1 for b in bars if test(b)) / len(bars) if bars else None


def drum_fingerprints(notes: Sequence[Note], grid: dict[int, dict[int, set[int]]], frame: Frame) -> dict[str, Any]:
    """Style marks over the groove bars (fills excluded): kick on every beat, snare-family backbeat on 2
    and 4, half-time snare on 3, and the share of hits on odd 16ths."""
    bars = _groove_bars(frame)
    spb = frame.steps_per_bar
    beats = range(0, spb, 4)

    def hit(bar: int, step: int, voices: frozenset[int]) -> bool:
        return bool(grid.get(bar, {}).get(step, set()) & voices)

    four = _share(bars, lambda b: all(hit(b, s, KICKS) for s in beats))
    four_four = frame.numerator == 4 and spb == 16
    backbeat = _share(bars, lambda b: hit(b, 4, SNARES) and hit(b, 12, SNARES)) if four_four else None
    snare3 = _share(bars, lambda b: hit(b, 8, SNARES)) if four_four else None
    steps = [s for n in notes if (s := grid_step(n.start, frame)) is not None]
    odd = sum(s % 2 for s in steps) / len(steps) if steps else None
    return {"four_on_floor": four, "backbeat": backbeat, "snare_on_3": snare3, "odd_16th": odd}


# ---------------------------------------------------------------------------------------------------
# Melody, bass, chords


def skyline(notes: Sequence[Note]) -> list[Note]:
    """The top voice: of notes struck together, the highest (a melody's double stops count once)."""
    out: list[Note] = []
    for n in sorted(notes, key=lambda n: (n.start, -n.pitch)):
        if out and n.start - out[-1].start < 0.04:
            continue
        out.append(n)
    return out


def interval_stats(notes: Sequence[Note]) -> dict[str, float | None]:
    line = skyline(notes)
    iv = [abs(b.pitch - a.pitch) for a, b in pairwise(line)]
    if not iv:
        return {"step_rate": None, "mean_interval": None, "leap_share": None}
    return {
        "step_rate": sum(i <= 2 for i in iv) / len(iv),
        "mean_interval": fmean(iv),
        "leap_share": sum(i > 12 for i in iv) / len(iv),
    }


def chord_tone_rate_on_strong_beats(notes: Iterable[Note], frame: Frame) -> float | None:
    """Share of the notes struck on a strong beat that belong to the chord sounding there."""
    if frame.plan is None:
        return None
    strong = {round(p * 4) for p in frame.strong_positions}
    spb = frame.steps_per_bar
    pcs: dict[float, frozenset[int]] = {}
    hits = total = 0
    for n in notes:
        step = grid_step(n.start, frame)
        if step is None or step % spb not in strong:
            continue
        span = frame.plan.at(step / 4)
        if span.start not in pcs:
            pcs[span.start] = span.chord.pcs
        total += 1
        hits += n.pitch % 12 in pcs[span.start]
    return hits / total if total else None


def _sounding_at(notes: Sequence[Note], starts: list[float], t: float) -> list[Note]:
    """Notes struck at ``t`` (within SNAP), else notes held over it (anticipations, ties)."""
    lo, hi = bisect_left(starts, t - SNAP), bisect_right(starts, t + SNAP)
    struck = notes[lo:hi]
    if struck:
        return list(struck)
    return [n for n in notes[:lo] if n.end > t + SNAP / 2]


def bass_root_fifth_rate(notes: Sequence[Note], frame: Frame) -> float | None:
    """For each chord: at its first strong beat where the bass sounds, is the lowest note the root, the
    fifth or the written bass of a slash chord? (A bass that rests on the downbeat, as in a one-drop, is
    judged on the next strong beat; one that never sounds on a strong beat, on its first note.)"""
    if frame.plan is None or not notes:
        return None
    ordered = sorted(notes, key=lambda n: n.start)
    starts = [n.start for n in ordered]
    bpb = frame.beats_per_bar
    hits = total = 0
    for span in frame.plan.spans:
        chord = span.chord
        targets = {chord.root, chord.fifth, chord.bass}
        found: int | None = None
        for bar in range(span.bar, span.bar + max(1, round(span.duration / bpb))):
            for pos in frame.strong_positions:
                t = bar * bpb + pos
                if not span.start - 1e-9 <= t < span.end:
                    continue
                sounding = _sounding_at(ordered, starts, t)
                if sounding:
                    found = min(n.pitch for n in sounding)
                    break
            if found is not None:
                break
        if found is None:  # an off-beat bass (house) never sounds on a strong beat: judge its first note
            i = bisect_left(starts, span.start - SNAP)
            if i < len(ordered) and ordered[i].start < span.end - SNAP:
                found = ordered[i].pitch
        if found is not None:
            total += 1
            hits += found % 12 in targets
    return hits / total if total else None


def chord_voices_rate(notes: Sequence[Note], frame: Frame) -> float | None:
    """Share of chord spans in which some onset sounds at least 3 distinct pitches together (a
    humanised strum or roll counts as one onset)."""
    if frame.plan is None or not notes:
        return None
    ordered = sorted(notes, key=lambda n: n.start)
    span_starts = [s.start for s in frame.plan.spans]
    best: dict[int, int] = {}  # span index -> most distinct pitches heard at one onset
    active: list[Note] = []
    i = 0
    while i < len(ordered):
        head = ordered[i].start
        j = i
        while j < len(ordered) and ordered[j].start - head <= SNAP:
            j += 1
        t = ordered[j - 1].start + 1e-4
        active = [n for n in active if n.end > t] + [n for n in ordered[i:j] if n.end > t]
        span = bisect_right(span_starts, head + 1e-9) - 1
        best[span] = max(best.get(span, 0), len({n.pitch for n in active}))
        i = j
    spans = len(frame.plan.spans)
    return sum(1 for k in range(spans) if best.get(k, 0) >= 3) / spans if spans else None


# ---------------------------------------------------------------------------------------------------
# Reports

REPORT_KEYS = (
    "in_key_ratio", "pitch_min", "pitch_max", "notes_per_bar", "note_count", "out_of_range", "overlaps",
    "bars_filled", "bars_requested", "last_bar_filled", "velocity_sd", "swing_offset", "swing_amount",
    "drum_similarity", "four_on_floor", "backbeat", "snare_on_3", "odd_16th",
    "step_rate", "mean_interval", "leap_share", "chord_tone_strong", "bass_root_fifth", "chord_voices_ok",
)


def measure(notes: Sequence[Note], frame: Frame) -> dict[str, Any]:
    """Every figure for one part; figures that do not apply to the role are ``None`` (stable keys)."""
    drums = frame.role == "drums"
    pitches = [n.pitch for n in notes]
    filled = bars_with_onsets(notes, frame.bars, frame.beats_per_bar)
    offset, n_off = swing_offset(notes, frame.swing_unit)
    report: dict[str, Any] = dict.fromkeys(REPORT_KEYS)
    report.update(
        in_key_ratio=None if drums else in_key_ratio(notes, frame.allowed_pcs),
        pitch_min=min(pitches, default=None),
        pitch_max=max(pitches, default=None),
        notes_per_bar=len(notes) / frame.bars if frame.bars else 0.0,
        note_count=len(notes),
        out_of_range=out_of_range(notes, frame.low, frame.high),
        overlaps=same_pitch_overlaps(notes),
        bars_filled=len(filled),
        bars_requested=frame.bars,
        last_bar_filled=frame.bars - 1 in filled,
        velocity_sd=velocity_sd(notes),
        swing_offset=offset if n_off >= 4 else None,
        # Comparable with the style's swing: 1 is a full triplet delay of the off-beat.
        swing_amount=offset / (frame.swing_unit / 3) if n_off >= 4 else None,
    )
    if drums:
        grid = _onset_grid(notes, frame)
        report["drum_similarity"] = drum_similarity(grid, frame)
        report.update(drum_fingerprints(notes, grid, frame))
    elif frame.role in MELODIC_ROLES:
        report.update(interval_stats(notes))
        report["chord_tone_strong"] = chord_tone_rate_on_strong_beats(notes, frame)
    elif frame.role == "bass":
        report["bass_root_fifth"] = bass_root_fifth_rate(notes, frame)
    elif frame.role in CHORD_ROLES:
        report["chord_voices_ok"] = chord_voices_rate(notes, frame)
    return report


def part_report(part: Part, ctx: GenContext) -> dict[str, Any]:
    """The report a generation tool returns with its notes (the tool layer reads ``in_key_ratio``,
    ``pitch_min``, ``pitch_max`` and ``notes_per_bar``)."""
    return measure(part.notes, frame_from_context(ctx))


def composition_report(comp: Composition, swing: float | None = None) -> dict[str, Any]:
    """One report per track of a composition, plus what it was asked to be."""
    parts = []
    for gp in comp.parts:
        entry: dict[str, Any] = {"name": gp.part.name, "role": gp.role}
        entry.update(measure(gp.part.notes, frame_for_part(gp, swing)))
        parts.append(entry)
    return {
        "style": comp.style, "style_profile": comp.style_profile, "key": comp.key, "tempo": comp.tempo,
        "bars": comp.bars, "seed": comp.seed, "time_signature": list(comp.time_signature),
        "progression": comp.progression, "parts": parts,
    }

"""Pads and strings: the harmony held, one voicing per chord, led smoothly from chord to chord (common
tones tied over, the rest moving by step), with an expression swell (CC11) over each chord and, where the
style wants it, a slow filter sweep (CC74) over each phrase.

The seed picks how the chords are articulated (held with common tones tied, struck every bar with a
fresh inversion, breathing every half bar, blooming in voice by voice, or pushed an eighth ahead of the
bar line), the starting register and the swell shape. The strings role voices like a section (a cello
root under spread upper voices) and lets an inner voice move to another chord tone halfway through a
long chord.
"""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import dataclass

from .context import GenContext
from .parts import ControlChange, Note, Part
from .plan import ChordSpan
from .voicings import Voicer

EXPRESSION = 11
CUTOFF = 74
MIN_HOLD = 2.0  # beats: a pad note is never shorter (unless the whole chord is)

ARTICULATIONS = ("held", "bar", "half", "bloom", "push")

# Swell shapes over one chord: (fraction of the chord, CC11 value).
SWELLS: dict[str, tuple[tuple[float, int], ...]] = {
    "arch": ((0.0, 62), (0.35, 100), (0.7, 94), (0.95, 70)),
    "rise": ((0.0, 56), (0.45, 82), (0.9, 106)),
    "breathe": ((0.0, 70), (0.25, 104), (0.6, 86), (0.95, 72)),
    "bow": ((0.0, 80), (0.2, 96), (0.55, 90), (0.85, 100), (0.97, 78)),
}


@dataclass(slots=True)
class Segment:
    start: float
    end: float
    voicing: list[int]
    span: ChordSpan
    stagger: float = 0.0  # bloom: beats between one voice's entry and the next
    accent: int = 0
    tie: bool = True  # common tones with the segment before may be held over
    top_delay: float = 0.0  # beats the top voice enters after the others


def generate(ctx: GenContext) -> Part:
    part = ctx.new_part()
    rng = ctx.rng
    strings = ctx.role == "strings"
    kind = "spread" if strings or ctx.profile.voicing in ("open", "spread", "power") else ctx.profile.voicing
    voicer = Voicer(
        kind=kind, low=ctx.low, high=ctx.high, key_pcs=ctx.key.in_key_pcs() | frozenset(ctx.scale.pcs),
        offset=rng.choice((-5, -3, -1, 0, 2, 4)), rich=not strings and ctx.profile.voicing in ("rootless", "spread"),
    )
    voicings = [voicer.voice(s.chord) for s in ctx.plan.spans]
    articulation = rng.choice(ARTICULATIONS)
    segments = lay_segments(ctx, voicings, articulation, rng)
    notes = write_notes(segments, tie=articulation == "held", base=ctx.profile.velocity - 14)
    if strings:
        notes = move_inner_voice(notes, segments, ctx, rng)
    part.notes = notes
    part.cc = swells(segments, rng.choice(tuple(SWELLS)), ctx.total_beats)
    if ctx.profile.filter_sweeps:
        part.cc += filter_sweep(ctx, rng)
    part.sort()
    return part


def lay_segments(ctx: GenContext, voicings: list[list[int]], articulation: str, rng: random.Random) -> list[Segment]:
    bpb = ctx.beats_per_bar
    spans = ctx.plan.spans
    segs: list[Segment] = []
    for i, (span, voicing) in enumerate(zip(spans, voicings, strict=True)):
        phrase_accent = 4 if span.bar % 4 == 0 else -2 if span.bar % 4 == 3 else 0
        start, end = span.start, span.end
        last_bar = (ctx.bars - 1) * bpb
        if (
            articulation == "push" and i + 1 < len(spans) and spans[i + 1].start - 0.5 - start >= MIN_HOLD
            and spans[i + 1].start < last_bar - 1e-6
        ):
            end -= 0.5  # the next chord arrives an eighth early (but the last bar keeps its downbeat)
        if articulation == "push" and i and segs and segs[-1].end < start:
            start -= 0.5
        pieces: list[tuple[float, float]] = [(start, end)]
        if articulation in ("bar", "half"):
            unit = bpb if articulation == "bar" else bpb / 2
            if unit < MIN_HOLD:
                unit = bpb
            cuts = [span.start + k * unit for k in range(1, int(span.duration / unit + 1e-9))]
            cuts = [c for c in cuts if c - start >= MIN_HOLD - 1e-9 and end - c >= MIN_HOLD - 1e-9]
            edges = [start, *cuts, end]
            pieces = list(itertools.pairwise(edges))
        v = voicing
        for k, (a, b) in enumerate(pieces):
            if k and articulation == "bar" and span.duration > bpb + 1e-9:
                v = revoice(v, ctx.low, ctx.high, up=k % 2 == 1)
            stagger = 0.0
            if articulation == "bloom" and k == 0 and len(v) > 1:
                stagger = max(0.0, min(0.5, (b - a - MIN_HOLD) / (len(v) - 1)))
            segs.append(Segment(a, b, v, span, stagger, phrase_accent if k == 0 else phrase_accent - 5))
    # The part must be heard to fill its length: a chord held over the last bar line is struck again.
    last_bar = (ctx.bars - 1) * bpb
    final = segs[-1]
    if final.start < last_bar - 1e-6 and last_bar - final.start >= MIN_HOLD - 1e-6 and final.end - last_bar >= 1.0:
        final.end = last_bar
        if final.stagger and len(final.voicing) > 1:
            final.stagger = max(0.0, min(final.stagger, (last_bar - final.start - MIN_HOLD) / (len(final.voicing) - 1)))
        segs.append(Segment(last_bar, ctx.total_beats, final.voicing, final.span, 0.0, final.accent - 5))
    for seg in segs:
        if abs(seg.start - last_bar) < 1e-6:
            seg.tie = False
            # The top voice enters a little after the downbeat, so an onset sits inside the last bar
            # even when humanising nudges the downbeat early.
            seg.top_delay = max(0.0, min(0.5, seg.end - seg.start - MIN_HOLD))
    return segs


def revoice(v: list[int], low: int, high: int, up: bool) -> list[int]:
    """The next inversion of the upper voices (the bass stays): lowest upper voice up an octave, or the
    top voice down."""
    if len(v) < 3:
        return v
    bass, upper = v[0], v[1:]
    if up and upper[0] + 12 <= high and upper[0] + 12 not in upper:
        upper = sorted([*upper[1:], upper[0] + 12])
    elif upper[-1] - 12 > bass and upper[-1] - 12 >= low and upper[-1] - 12 not in upper:
        upper = sorted([upper[-1] - 12, *upper[:-1]])
    return [bass, *upper]


def write_notes(segments: list[Segment], tie: bool, base: int) -> list[Note]:
    """One note per voice and segment; with ``tie``, a pitch the next chord shares is held over."""
    notes: list[Note] = []
    sounding: dict[int, int] = {}  # pitch -> index of its note, for the segment just written
    prev_end = -1.0
    for seg in segments:
        now: dict[int, int] = {}
        top = len(seg.voicing) - 1
        for j, p in enumerate(seg.voicing):
            if tie and seg.tie and p in sounding and abs(prev_end - seg.start) < 1e-6:
                old = notes[sounding[p]]
                notes[sounding[p]] = Note(p, old.start, round(seg.end - old.start, 4), old.velocity)
                now[p] = sounding[p]
                continue
            shade = 6 if j == top else 3 if j == 0 else -2 - j % 2
            start = seg.start + max(seg.stagger * j, seg.top_delay if j == top else 0.0)
            vel = max(25, min(120, base + seg.accent + shade))
            now[p] = len(notes)
            notes.append(Note(p, round(start, 4), round(seg.end - start, 4), vel))
        sounding, prev_end = now, seg.end
    return notes


def move_inner_voice(notes: list[Note], segments: list[Segment], ctx: GenContext, rng: random.Random) -> list[Note]:
    """Halfway through a long chord one inner voice steps to a neighbouring chord tone, as a section's
    second violin or viola would, keeping both halves at least ``MIN_HOLD`` long."""
    out = list(notes)
    for seg in segments:
        length = seg.end - seg.start
        if length < 2 * MIN_HOLD or len(seg.voicing) < 4 or rng.random() < 0.4:
            continue
        inner = seg.voicing[len(seg.voicing) // 2]
        pcs = seg.span.chord.pcs
        options = [
            p for d in (1, -1, 2, -2, 3, -3, 4, -4)
            if (p := inner + d) % 12 in pcs and p not in seg.voicing and ctx.low <= p <= ctx.high
        ]
        if not options:
            continue
        target = options[0]
        mid = seg.start + round(length / 2 / 0.5) * 0.5
        for i, n in enumerate(out):
            if n.pitch == inner and n.start <= seg.start + 1e-6 and n.end >= mid + MIN_HOLD - 1e-6 and n.start < mid:
                if mid - n.start < MIN_HOLD:
                    break
                out[i] = Note(n.pitch, n.start, round(mid - n.start, 4), n.velocity)
                out.append(Note(target, mid, round(n.end - mid, 4), max(25, n.velocity - 4)))
                break
    return out


def _shape_at(points: tuple[tuple[float, int], ...], x: float) -> float:
    for (x0, v0), (x1, v1) in itertools.pairwise(points):
        if x <= x1:
            return v0 + (v1 - v0) * (x - x0) / (x1 - x0) if x1 > x0 else float(v1)
    return float(points[-1][1])


def swells(segments: list[Segment], shape: str, total: float) -> list[ControlChange]:
    """An expression swell over each chord (re-struck pieces of one chord share it): a handful of CC11
    points, one about every half beat up to eight, the phrase's first chord fuller."""
    points = SWELLS[shape]
    out: list[ControlChange] = []
    chords: list[list[Segment]] = []
    for seg in segments:
        if chords and chords[-1][0].span is seg.span:
            chords[-1].append(seg)
        else:
            chords.append([seg])
    for group in chords:
        start, end = group[0].start, group[-1].end
        count = max(4, min(8, round((end - start) / 0.5)))
        lift = group[0].accent * 2
        for k in range(count):
            x = points[-1][0] * k / (count - 1)
            value = round(_shape_at(points, x) + lift)
            out.append(ControlChange(EXPRESSION, round(start + x * (end - start), 3), max(0, min(127, value))))
    return [c for c in out if 0 <= c.beat < total]


def filter_sweep(ctx: GenContext, rng: random.Random) -> list[ControlChange]:
    """CC74 opening and closing (or opening into the next phrase) over every 4- or 8-bar phrase."""
    bpb = ctx.beats_per_bar
    phrase = min(ctx.bars, rng.choice((4, 8)))
    lo, hi = rng.choice(((30, 100), (40, 110), (24, 90)))
    rising = rng.random() < 0.4
    out: list[ControlChange] = []
    for first in range(0, ctx.bars, phrase):
        bars = min(phrase, ctx.bars - first)
        points = max(2, bars * 2)  # two points a bar: smooth enough, still a handful
        for k in range(points):
            x = k / points
            shape = x if rising else math.sin(math.pi * x)
            beat = (first + x * bars) * bpb
            out.append(ControlChange(CUTOFF, round(beat, 3), round(lo + (hi - lo) * shape)))
    return out

"""Bass generator: a line that states each chord of the plan (root or fifth where the chord lands), moves
by octaves, fifths and passing tones, approaches the next chord from a step away, and rests where the
style breathes. One rhythm engine serves the pattern styles (``bass_patterns``); the 808 follows the kick,
walking bass builds its own quarter-note lines, ambient holds roots. Notes are written on the grid with
shaped velocities; swing and humanisation come later (``compose``).
"""

from __future__ import annotations

import itertools
import math
import random
from bisect import bisect_right

from .bass_patterns import FILLS, FORMS, IDIOMS, PATTERNS, Pattern
from .bass_pitch import EPS, STEP, Line, Slot, assign_pitches
from .bass_walk import walking_slots
from .context import GenContext
from .parts import ControlChange, Note, Part, PitchBend

_ARC = (0, -3, 1, 4)  # bar-by-bar dynamics of a four-bar phrase: settle, then push into the next



# ---------------------------------------------------------------------------------------------------
# Rhythm


def _pattern_rhythm(
    ctx: GenContext, patterns: tuple[Pattern, ...], fills: tuple[Pattern, ...], rng: random.Random
) -> list[Slot]:
    """Bars from the style's patterns: seeded variants arranged in a four-bar form, fills at phrase ends,
    events thinned or kept by density."""
    chosen = [patterns[i] for i in rng.sample(range(len(patterns)), k=min(3, len(patterns)))]
    form = FORMS[rng.randrange(len(FORMS))]
    block = 8 if ctx.profile.fill_every >= 8 and ctx.bars >= 8 else 4
    max_level = 0 if ctx.density < 0.3 else 1 if ctx.density < 0.62 else 2
    spb, bpb = ctx.steps_per_bar, ctx.beats_per_bar
    slots: list[Slot] = []
    for bar in range(ctx.bars):
        pattern = chosen[form[bar % 4] % len(chosen)]
        if fills and (bar + 1) % block == 0 and rng.random() < 0.8:
            pattern = fills[rng.randrange(len(fills))]
        for step0, length, tone, level in pattern:
            if level > max_level:
                continue
            for step in range(step0, spb, 16):  # bars longer than 4/4 repeat the pattern's head
                end = min(step + length, spb)
                slots.append(Slot(bar * bpb + step * STEP, (end - step) * STEP, tone, step, bar))
    return slots


def _hold_rhythm(ctx: GenContext, rng: random.Random) -> list[Slot]:
    """Ambient: held roots, restruck every bar, every two bars or once per chord, blooming to the fifth or
    octave halfway through, leaning into the next chord on the last beat: each of those the seed's choice."""
    bpb, slots = ctx.beats_per_bar, []
    period, bloom = rng.choice((1, 2, 4)) * bpb, rng.choice(("", "F", "O"))
    lead_in = rng.random() < 0.5
    for span in ctx.plan.spans:
        end = span.end - 1 if lead_in and span.duration >= 2 else span.end
        marks = [span.start + k * period for k in range(math.ceil((end - span.start) / period - EPS))]
        if bloom and len(marks) == 1 and end - span.start >= 2:
            marks.append(span.start + math.floor((end - span.start) / 2))
        for k, t in enumerate(marks):
            bar = int(t // bpb + EPS)
            nxt = marks[k + 1] if k + 1 < len(marks) else end
            slots.append(Slot(t, nxt - t, "R" if k == 0 else bloom or "R", round((t - bar * bpb) / STEP), bar))
        if end < span.end:
            bar = int(end // bpb + EPS)
            slots.append(Slot(end, 1.0, "A", round((end - bar * bpb) / STEP), bar))
    return slots


def _kick_rhythm(ctx: GenContext, rng: random.Random) -> list[Slot]:
    """808: a note on every kick, held until the next; tones mostly roots with seeded octave jumps."""
    from .drums import kick_onsets  # the drums engine owns the kick pattern for this seed

    total, bpb = ctx.total_beats, ctx.beats_per_bar
    kicks = sorted({round(k, 4) for k in kick_onsets(ctx) if 0 <= k < total - EPS})
    if not kicks:
        kicks = [b * bpb for b in range(ctx.bars)]
    jump, fifth = rng.choice((0.0, 0.12, 0.25)), rng.choice((0.0, 0.08))
    slots: list[Slot] = []
    for j, k in enumerate(kicks):
        nxt = kicks[j + 1] if j + 1 < len(kicks) else total
        if ctx.density < 0.35 and slots and k - slots[-1].start < 1 - EPS:
            continue
        roll = rng.random()
        tone = "O" if roll < jump else "F" if roll < jump + fifth else "R"
        bar = int(k // bpb + EPS)
        slots.append(Slot(k, nxt - k, tone, round((k - bar * bpb) / STEP), bar))
    return slots


def _ensure_statements(ctx: GenContext, line: Line, slots: list[Slot]) -> list[Slot]:
    """Every chord is stated within its first beat (at its start unless the kick owns the downbeat), and
    the last bar has a note, so the line both follows the plan and fills the part."""
    reach = 1.0 if line.idiom.downbeat_rest else 0.5
    starts = sorted(s.start for s in slots)
    bpb = ctx.beats_per_bar
    for span in line.spans:
        j = bisect_right(starts, span.start - EPS)
        if j >= len(starts) or starts[j] >= span.start + reach - EPS:
            bar = int(span.start // bpb + EPS)
            slots.append(Slot(span.start, span.duration, "R", round((span.start - bar * bpb) / STEP), bar))
    # Inside the last bar, not on its line: humanising may pull a downbeat note back into the bar before.
    last = (ctx.bars - 1) * bpb
    if not any(s.start >= last + STEP - EPS for s in slots):
        mid = round(bpb / 2 / STEP)
        slots.append(Slot(last + mid * STEP, bpb - mid * STEP, "R", mid, ctx.bars - 1))
    slots.sort(key=lambda s: s.start)
    out: list[Slot] = []
    for s in slots:
        if out and abs(out[-1].start - s.start) < EPS:
            continue
        out.append(s)
    return out


def _syncopate(ctx: GenContext, line: Line, slots: list[Slot], rng: random.Random) -> None:
    """A syncopation constraint pushes notes a 16th early (high) or pulls 16th off-beats onto 8ths (low);
    the note stating each chord stays put."""
    amount = ctx.constraints.syncopation
    if amount is None or not slots:
        return
    for j in range(1, len(slots)):
        s, before = slots[j], slots[j - 1]
        if line.span_index(before.start) != line.span_index(s.start):
            continue
        if amount > 0.5 and s.step % 2 == 0 and rng.random() < (amount - 0.5) * 1.2:
            if s.start - STEP > before.start + EPS:
                s.start, s.step, s.length = s.start - STEP, s.step - 1, s.length + STEP
        elif amount < 0.3 and s.step % 2 == 1 and rng.random() < (0.3 - amount) * 2.5:
            nxt = slots[j + 1].start if j + 1 < len(slots) else ctx.total_beats
            if s.start + STEP < nxt - EPS:
                s.start, s.step, s.length = s.start + STEP, s.step + 1, max(STEP, s.length - STEP)


def _thicken(ctx: GenContext, line: Line, slots: list[Slot], rng: random.Random) -> list[Slot]:
    """Very dense requests fill long gaps with 8th-note roots and octaves."""
    if ctx.density <= 0.8:
        return slots
    extra: list[Slot] = []
    for a, b in itertools.pairwise(slots):
        same_chord = line.span_index(a.start) == line.span_index(b.start)
        if b.start - a.start >= 1 - EPS and same_chord and rng.random() < (ctx.density - 0.8) * 4:
            extra.append(Slot(a.start + 0.5, 0.5, "O" if rng.random() < 0.4 else "R", a.step + 2, a.bar))
    return sorted(slots + extra, key=lambda s: s.start)


# ---------------------------------------------------------------------------------------------------
# Pitch, length, velocity


def _metric_weight(step: int) -> int:
    """Velocity offset by position: the one, then the half bar, the other beats, 8ths, 16ths."""
    if step in (0, 8):
        return 12 if step == 0 else 5
    return (2, -6, -2, -6)[step % 4]


def _shape(ctx: GenContext, line: Line, slots: list[Slot], rng: random.Random) -> list[Note]:
    """Lengths (articulation, never past the next note or into the next chord unless anticipating) and
    velocities (the one accented, passing and ghost notes softer, a dynamic arc per phrase)."""
    base, idiom = ctx.profile.velocity, line.idiom
    phrase_lift = [rng.randint(-4, 4) for _ in range(ctx.bars // 4 + 1)]
    notes: list[Note] = []
    last_i = -1
    for j, s in enumerate(slots):
        i = line.span_index(s.start)
        limit = slots[j + 1].start if j + 1 < len(slots) else ctx.total_beats
        if s.kind != "anticipation":
            limit = min(limit, line.spans[i].end)
        dur = min(s.length * idiom.gate, limit - s.start)
        if s.kind == "ghost":
            dur = min(dur, 0.12)
        w = idiom.accents.get(s.step)
        if w is None:
            w = _metric_weight(s.step)
        v = base + w + (4 if i != last_i and s.step else 0) + phrase_lift[s.bar // 4] + _ARC[s.bar % 4]
        restrike = bool(notes) and notes[-1].pitch == s.pitch and notes[-1].duration >= 2
        if i == last_i and (s.step == 0 or restrike):
            v -= 6  # a held chord's later downbeats and restrikes stay under its arrival
        if s.kind == "ghost":
            v = round(base * 0.55)
        elif s.kind in ("approach", "passing"):
            v -= 6
        elif s.kind == "anticipation":
            v += 2
        v += rng.randint(-3, 3)
        notes.append(Note(s.pitch, round(s.start, 4), round(max(0.05, dur), 4), max(1, min(127, v))))
        last_i = i
    return notes


def _glides(ctx: GenContext, notes: list[Note], rng: random.Random) -> list[PitchBend]:
    """808 slides: the new note starts bent toward the previous pitch (at most the 2-semitone default bend
    range) and slides into tune, back at centre well before the note ends."""
    amount = rng.choice((0.35, 0.55, 0.75))
    bends: list[PitchBend] = []
    for a, b in itertools.pairwise(notes):
        if a.pitch == b.pitch or b.start - a.end > 0.3 or rng.random() >= amount:
            continue
        semis = max(-2, min(2, a.pitch - b.pitch))
        glide = min(0.25, b.duration * 0.5)
        for k in range(5):
            value = round(semis * 4096 * (1 - k / 4))
            bends.append(PitchBend(round(b.start + glide * k / 4, 4), max(-8192, min(8191, value))))
    return bends


def _sweeps(ctx: GenContext, rng: random.Random) -> list[ControlChange]:
    """CC74 (cutoff) across each phrase: opens up, arches or breathes, two points per bar."""
    phrase = 8 if ctx.bars >= 8 and ctx.profile.fill_every >= 8 else 4
    shape = rng.choice(("rise", "arch", "dip"))
    lo, hi = rng.randint(34, 58), rng.randint(92, 118)
    half, bpb = ctx.beats_per_bar / 2, ctx.beats_per_bar
    events = []
    for k in range(ctx.bars * 2):
        t = (k % (phrase * 2)) / max(1, min(phrase, ctx.bars) * 2 - 1)
        arch = math.sin(math.pi * t)
        f = t if shape == "rise" else arch if shape == "arch" else 1 - 0.6 * arch
        events.append(ControlChange(74, round((k // 2) * bpb + (k % 2) * half, 4), round(lo + (hi - lo) * f)))
    return events


# ---------------------------------------------------------------------------------------------------


def generate(ctx: GenContext) -> Part:
    """The bass part for ``ctx`` (role ``bass``), following ``ctx.plan`` in the profile's bass style."""
    style = ctx.profile.bass_style
    idiom = IDIOMS[style]
    rng = ctx.rng
    line = Line(ctx, idiom, ctx.rng_for("bass", "line"))
    if style == "walking":
        slots = walking_slots(ctx, line, rng)
    else:
        if style == "808":
            slots = _kick_rhythm(ctx, rng)
        elif style == "sustained" and (ctx.profile.id == "ambient" or ctx.density < 0.3):
            slots = _hold_rhythm(ctx, rng)
        else:
            key = "sustained_bounce" if style == "sustained" and ctx.profile.variant == "amapiano" else style
            slots = _pattern_rhythm(ctx, PATTERNS[key], FILLS.get(key, ()), rng)
            _syncopate(ctx, line, slots, rng)
            slots = _thicken(ctx, line, slots, rng)
        slots = _ensure_statements(ctx, line, slots)
    # Chromatic approaches may use this share of the notes: under the 0.97 / 0.80 in-key floors with room.
    budget = 0.12 if ctx.profile.loose_key else 0.02
    line.out_budget = int(len(slots) * budget)
    assign_pitches(line, slots)
    part = ctx.new_part()
    part.notes = _shape(ctx, line, slots, rng)
    if style == "808" and ctx.profile.glide:
        part.pitch_bends = _glides(ctx, part.notes, ctx.rng_for("bass", "glide"))
    if ctx.profile.filter_sweeps:
        part.cc = _sweeps(ctx, ctx.rng_for("bass", "sweep"))
    part.sort()
    return part

"""Melody and lead lines: a motif stated, answered and varied over 1-4 bar phrases, with chord tones on
strong beats, steps between them, and a long stable note closing each phrase.

How a line is written:
1. A motif (a one- or two-bar rhythm cell from the style's melody rhythm at the part's density, plus a
   contour) and an answering idea (B) derived from it.
2. Phrases of four bars (shorter at the end of an odd length) follow a call/response template such as
   A A' A cad or A A' B cad; the phrases themselves follow a form (A A B A ...), so the motif returns.
3. Each motif statement starts where the phrase's sequence puts it (a degree or two from its last
   statement, near the previous note); the rest of its notes follow its contour along the scale of the
   chord sounding; notes on strong beats and long notes land on chord tones.
4. The last bar of each phrase keeps the motif's head and then holds a root or third (the tonic at the
   very end), followed by a breath.
5. Velocities follow the metre, the contour and the phrase arc; a lead adds scoops and vibrato bends.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass, field
from itertools import pairwise

from .context import GenContext
from .melody_bends import lead_bends
from .melody_pitch import Palettes, move, nearest, snap
from .melody_rhythm import strong_steps
from .motif import Motif, contrast, make_motif, vary
from .parts import Note, Part

# A lead is the same line played with more drive: busier, pushed rhythms and a harder touch.
LEAD_RHYTHM = {"sparse": "syncopated", "straight": "syncopated", "syncopated": "syncopated",
               "swing": "swing", "dotted": "dotted", "busy": "busy"}

# Phrase templates by length: per bar (motif letter, bar of that motif, variation). The last bar closes.
Bar = tuple[str, int, bool]
TEMPLATES_1BAR: dict[int, tuple[tuple[Bar, ...], ...]] = {
    1: ((("M", 0, False),),),
    2: ((("M", 0, False), ("M", 0, True)), (("M", 0, False), ("N", 0, False))),
    3: ((("M", 0, False), ("M", 0, True), ("M", 0, False)), (("M", 0, False), ("N", 0, False), ("M", 0, True))),
    4: (
        (("M", 0, False), ("M", 0, True), ("M", 0, False), ("M", 0, True)),
        (("M", 0, False), ("M", 0, True), ("N", 0, False), ("M", 0, False)),
        (("M", 0, False), ("N", 0, False), ("M", 0, True), ("N", 0, True)),
        (("M", 0, False), ("M", 0, False), ("N", 0, True), ("M", 0, True)),
    ),
}
TEMPLATES_2BAR: tuple[tuple[Bar, ...], ...] = (
    (("M", 0, False), ("M", 1, False), ("M", 0, True), ("M", 1, True)),
    (("M", 0, False), ("M", 1, False), ("N", 0, False), ("N", 1, True)),
    (("M", 0, False), ("M", 1, False), ("M", 0, False), ("M", 1, True)),
)
# Degrees each bar's statement moves from the motif's previous statement (a sequence), per phrase.
SEQUENCES = ((0, 1, 2, 0), (0, -1, 1, 0), (0, 2, 0, -1), (0, 0, 1, 0), (0, 1, -1, 0), (0, -2, -1, 1))
PIECE_FORMS = ("AABA", "AABB", "ABAB", "AAAB")
# Degrees each phrase opens above (below) where its motif first opened a phrase: the piece's arc.
PHRASE_LEVELS = ((0, 2, 3, 0), (0, -2, 2, 0), (0, 3, 1, 0), (0, 1, 4, -1), (0, 2, -1, 2))


@dataclass(slots=True)
class _Slot:
    step: int  # absolute 16th step
    dur: int  # steps
    delta: int  # degree move from the previous note
    head: bool  # first note of a motif statement: placed by the phrase
    shift: int  # for heads: degrees from the motif's previous statement
    motif: str  # "A" or "B": whose statement
    cadence: int  # 0 none, 1 phrase end, 2 the part's end
    phrase: int
    anchor: int | None = None  # the step whose chord this note must belong to (None: a free note)


def _phrase_lengths(bars: int) -> list[int]:
    lengths = [4] * (bars // 4)
    rest = bars % 4
    if rest:
        lengths.append(rest)
    return lengths


def _slice(m: Motif, bar: int, spb: int) -> list[tuple[int, int, int]]:
    """(step within the bar, duration, contour move) of the motif's notes in its ``bar``."""
    lo, hi = bar * spb, (bar + 1) * spb
    return [(on - lo, dur, d) for (on, dur), d in zip(m.cell, m.contour, strict=True) if lo <= on < hi]


def _plan_slots(ctx: GenContext, rhythm: str, density: float, rng: random.Random) -> list[_Slot]:
    spb = ctx.steps_per_bar
    strong = strong_steps(spb, ctx.time_signature)
    lengths = _phrase_lengths(ctx.bars)
    two_bar = max(lengths) == 4 and rng.random() < 0.35
    motif_a = make_motif(rhythm, spb * (2 if two_bar else 1), spb, density, rng)
    motif_b = contrast(motif_a, rhythm, spb, density, rng)
    motifs = {"A": motif_a, "B": motif_b}
    form = PIECE_FORMS[rng.randrange(len(PIECE_FORMS))]
    slots: list[_Slot] = []
    bar0 = 0
    for p, length in enumerate(lengths):
        letter = form[p % len(form)] if len(lengths) > 1 else "A"
        other = "B" if letter == "A" else "A"
        if two_bar and length == 4:
            template = TEMPLATES_2BAR[rng.randrange(len(TEMPLATES_2BAR))]
        else:
            options = TEMPLATES_1BAR[length]
            template = options[rng.randrange(len(options))]
        seq = SEQUENCES[rng.randrange(len(SEQUENCES))]
        final = p == len(lengths) - 1
        for j, (which, mbar, varied) in enumerate(template):
            name = letter if which == "M" else other
            m = motifs[name]
            if varied:
                m = vary(m, rng)
            notes = _slice(m, mbar if m.steps > spb else 0, spb)
            base = (bar0 + j) * spb
            closing = j == len(template) - 1
            if closing:
                notes, cad = _close(notes, spb, strong, final, length == 1, rng)
            for k, (on, dur, d) in enumerate(notes):
                is_cad = closing and k == len(notes) - 1
                slots.append(_Slot(
                    step=base + on, dur=dur, delta=d, head=k == 0 and (mbar == 0 or m.steps == spb),
                    shift=seq[j % len(seq)], motif=name,
                    cadence=(2 if final else 1) if is_cad else 0, phrase=p,
                ))
            if closing:
                slots[-1].dur = cad
        bar0 += length
    # One line: a note held past the next onset (a two-bar cell's tie into a varied bar) is cut there.
    for a, b in pairwise(slots):
        a.dur = max(1, min(a.dur, b.step - a.step))
    return slots


def _close(notes: list[tuple[int, int, int]], spb: int, strong: tuple[int, ...], final: bool, whole: bool,
           rng: random.Random) -> tuple[list[tuple[int, int, int]], int]:
    """The closing bar. Usually the material's head up to a strong beat, then the cadence note held to a
    breath before the next phrase (to the end at the last phrase); sometimes (always when the phrase is a
    single bar, ``whole``) the material plays out and its last note, from mid-bar on, becomes the cadence.
    Returns the notes and the cadence length."""
    breath = 0 if final else (2 if rng.random() < 0.5 else 4)
    if notes and len(notes) >= 2 and spb // 2 <= notes[-1][0] and (
            whole or (notes[-1][0] <= spb - 4 - breath and rng.random() < 0.25)):
        on = notes[-1][0]
        length = max(notes[-1][1], spb - on - breath)
        return [*notes[:-1], (on, length, notes[-1][2])], length
    late = [s for s in strong if s > 0 and any(on < s for on, _, _ in notes)]
    cad_at = late[-1] if late and rng.random() < 0.7 else 0
    head = [(on, min(dur, cad_at - on), d) for on, dur, d in notes if on < cad_at]
    if final and cad_at == 0:
        # The last bar must not hang on its downbeat alone (timing feel could nudge that note into the
        # bar before): a chord tone on the downbeat steps into the tonic on the next strong beat or beat.
        cad_at = ([s for s in strong if s > 0] or [4 if spb > 4 else spb // 2])[0]
        head = [(0, cad_at, notes[0][2] if notes else 0)]
    length = max(2, spb - cad_at - breath)
    return [*head, (cad_at, length, -1 if rng.random() < 0.6 else 1)], length


def _register(ctx: GenContext) -> tuple[int, int, int]:
    """Centre (C of the profile's or the caller's octave) and the window the line lives in."""
    octave = ctx.constraints.octave if ctx.constraints.octave is not None else ctx.profile.melody_octave
    centre = max(ctx.low, min(ctx.high, 12 * (octave + 1)))
    lo, hi = max(ctx.low, centre - 8), min(ctx.high, centre + 10)
    # Near an edge of the range the window slides inward rather than shrinking below a tenth.
    if hi - lo < 16:
        lo, hi = max(ctx.low, hi - 18), min(ctx.high, lo + 18)
    return centre, lo, hi


@dataclass(slots=True)
class _Line:
    """What the line remembers while it is written: where each motif was stated, where phrases opened."""

    ctx: GenContext
    pal: Palettes
    centre: int
    levels: tuple[int, ...]
    last_head: dict[str, int] = field(default_factory=dict)
    phrase_head: dict[str, int] = field(default_factory=dict)  # "first": where the first phrase opened

    def intended(self, s: _Slot, prev: int | None, gap: int, opens: bool) -> int:
        beat = s.step / 4
        walk = self.pal.walk(beat)
        if s.cadence:
            return _cadence_pitch(self.pal, beat, self.centre if prev is None else prev, s.cadence == 2,
                                  self.ctx.key.root, s.delta)
        if s.head or prev is None:
            if opens and "first" in self.phrase_head:  # a phrase opens where the piece's arc puts it
                ref, shift = self.phrase_head["first"], self.levels[s.phrase % len(self.levels)]
            elif s.motif in self.last_head:
                ref, shift = self.last_head[s.motif], s.shift
            else:  # a first statement: A at the centre, B a third above where the piece began
                ref, shift = (self.centre, 0) if s.motif == "A" else (self.phrase_head.get("first", self.centre), 2)
            p = move(ref, shift, walk)
            if prev is not None and abs(p - prev) > 5:  # statements join the line by a fourth at most
                p = move(prev, 2 if p > prev else -2, walk)
        elif abs(gap) >= 3:
            p = move(prev, -1 if gap > 0 else 1, walk)  # a leap is answered by a step back
        else:
            p = move(prev, s.delta, walk)
        at = s.anchor
        if at is not None:
            p = snap(p, prev, self.pal.tones(at / 4), self.pal.colours(at / 4), _sign(s.delta))
        return p

    def commit(self, s: _Slot, p: int, opens: bool) -> None:
        if s.head:
            self.last_head[s.motif] = p
            if opens:
                self.phrase_head.setdefault("first", p)


def _sign(x: int) -> int:
    return 1 if x > 0 else -1 if x < 0 else 0


def _realise(ctx: GenContext, slots: list[_Slot], levels: tuple[int, ...]) -> list[int]:
    """Pitches for the slots: each note follows its contour from the note before; notes on strong beats
    and long notes are bent onto chord tones; a short note right before such a note becomes its
    neighbour or passing tone, so the line arrives on harmony by step."""
    centre, lo, hi = _register(ctx)
    pal = Palettes(ctx.plan, ctx.scale.pcs, lo, hi, frozenset(ctx.key.scale.pcs))
    spb = ctx.steps_per_bar
    strong = strong_steps(spb, ctx.time_signature)
    line = _Line(ctx, pal, centre, levels)
    for s in slots:
        # Notes that start on or sound across a strong beat, long notes and cadences sit on the harmony.
        cover = _strong_covered(s.step, s.dur, spb, strong)
        s.anchor = cover if cover is not None else s.step if s.dur >= 8 or s.cadence else None
    pitches: list[int] = []
    prev: int | None = None
    gap = 0
    pending: int | None = None
    for i, s in enumerate(slots):
        opens = i == 0 or slots[i - 1].phrase != s.phrase
        if pending is not None:
            p, pending = pending, None
        else:
            p = line.intended(s, prev, gap, opens)
            nxt = slots[i + 1] if i + 1 < len(slots) else None
            if prev is not None and nxt is not None and s.anchor is None and not s.head and nxt.anchor is not None \
                    and nxt.step - (s.step + s.dur) <= 2:
                # A cadence is chosen from where the line stood, not from a leap the passing note may plan.
                ref = prev if nxt.cadence else p
                target = line.intended(nxt, ref, _degree_gap(prev, p, pal.walk(s.step / 4)), False)
                p = _approach(prev, p, target, pal.walk(s.step / 4))
                pending = target
        line.commit(s, p, opens)
        gap = 0 if prev is None else _degree_gap(prev, p, pal.walk(s.step / 4))
        pitches.append(p)
        prev = p
    return pitches


def _approach(prev: int, planned: int, target: int, walk: list[int]) -> int:
    """The note before a chord tone: a scale step above or below it, whichever the line reaches most
    smoothly from ``prev`` (a passing tone when prev is a third away, a neighbour when it is the target)."""
    cands = [move(target, 1, walk), move(target, -1, walk)]
    return min(cands, key=lambda c: (abs(c - prev) + 0.4 * abs(c - planned), c))


def _degree_gap(a: int, b: int, walk: list[int]) -> int:
    """Signed count of walk pitches passed going from a to b."""
    return bisect_right(walk, b) - bisect_right(walk, a)


def _strong_covered(step: int, dur: int, spb: int, strong: tuple[int, ...]) -> int | None:
    """The first strong position (absolute step) the note starts on or sounds across."""
    bar = step - step % spb
    for b in (bar, bar + spb):
        for s in strong:
            if step <= b + s < step + dur:
                return b + s
    return None


def _cadence_pitch(pal: Palettes, beat: float, prev: int, final: bool, tonic: int, direction: int) -> int:
    stable = pal.stable(beat)
    if final:  # the tonic closes the piece when it is the chord's root, third or fifth
        tonics = [p for p in pal.tones(beat) if p % 12 == tonic]
        chord_tones = pal.plan.at(beat).chord
        if tonics and tonic in (chord_tones.root, chord_tones.third, chord_tones.fifth):
            stable = tonics
    # Arrive by step where possible: the nearest stable tone, leaning the way the approach was heading.
    return nearest(prev + max(-2, min(2, direction)), stable, _sign(direction))


def _velocities(ctx: GenContext, slots: list[_Slot], pitches: list[int], lead: bool) -> list[int]:
    spb = ctx.steps_per_bar
    strong = set(strong_steps(spb, ctx.time_signature))
    base = ctx.profile.velocity + (6 if lead else 0)
    out: list[int] = []
    by_phrase: dict[int, list[int]] = {}
    for i, s in enumerate(slots):
        by_phrase.setdefault(s.phrase, []).append(i)
    for idx in by_phrase.values():
        ps = [pitches[i] for i in idx]
        mean = sum(ps) / len(ps)
        peak = max(range(len(idx)), key=lambda k: (ps[k], -k))
        first_strong = next((k for k, i in enumerate(idx) if slots[i].step % spb in strong), 0)
        for k, i in enumerate(idx):
            s = slots[i]
            pos = s.step % spb
            accent = 7 if pos == 0 else 4 if pos in strong else 1 if pos % 4 == 0 else -3 if pos % 2 == 0 else -6
            shape = max(-7.0, min(7.0, (pitches[i] - mean) * 0.8))
            # The phrase swells towards its highest note and relaxes after it.
            if k <= peak:
                arc = 6.0 * k / peak if peak else 6.0
            else:
                arc = 6.0 - 8.0 * (k - peak) / max(1, len(idx) - 1 - peak)
            pickup = -8 if k < first_strong else 0
            cad = -3 if s.cadence == 2 else 2 if s.cadence else 0
            out.append(round(base + accent + shape + arc + pickup + cad - 3))
    return [max(28, min(124, v)) for v in _spread(out)]


def _spread(vels: list[int]) -> list[int]:
    """Short lines (a bar of three notes) can come out nearly flat: widen them to a player's range."""
    if len(vels) < 2:
        return vels
    mean = sum(vels) / len(vels)
    sd = (sum((v - mean) ** 2 for v in vels) / len(vels)) ** 0.5
    if sd >= 7:
        return vels
    if sd < 1:  # nothing to scale: lean into the first note and let the last fall away
        return [v + (9 if i == 0 else -9 if i == len(vels) - 1 else 0) for i, v in enumerate(vels)]
    return [round(mean + (v - mean) * 7 / sd) for v in vels]


def write_line(ctx: GenContext) -> tuple[list[_Slot], list[int]]:
    """The line before dynamics: its slots (rhythm, phrase, cadence marks) and their pitches."""
    lead = ctx.role == "lead"
    rhythm = LEAD_RHYTHM.get(ctx.profile.melody_rhythm, "syncopated") if lead else ctx.profile.melody_rhythm
    density = min(1.0, ctx.density + 0.15) if lead else ctx.density
    rng = ctx.rng
    slots = _plan_slots(ctx, rhythm, density, rng)
    levels = PHRASE_LEVELS[rng.randrange(len(PHRASE_LEVELS))]
    pitches = _realise(ctx, slots, levels)
    if ctx.profile.loose_key:
        _chromatic_approaches(ctx, slots, pitches, rng)
    return slots, pitches


def generate(ctx: GenContext) -> Part:
    lead = ctx.role == "lead"
    slots, pitches = write_line(ctx)
    velocities = _velocities(ctx, slots, pitches, lead)
    part = ctx.new_part()
    total = ctx.total_beats
    for s, p, v in zip(slots, pitches, velocities, strict=True):
        start = s.step / 4
        if start >= total:
            continue
        part.notes.append(Note(p, start, min(s.dur / 4, total - start), v))
    if lead and ctx.profile.lead_bends:
        part.pitch_bends = lead_bends(part.notes, ctx.rng_for("lead", "bends"))
    part.sort()
    return part


def _chromatic_approaches(ctx: GenContext, slots: list[_Slot], pitches: list[int], rng: random.Random) -> None:
    """Jazz, funk, blues and kin: now and then a short weak note just before a strong chord tone becomes its
    lower chromatic neighbour. Kept to about one note in twenty so the line stays in key."""
    strong = set(strong_steps(ctx.steps_per_bar, ctx.time_signature))
    budget = len(pitches) // 20
    for i in range(2, len(slots)):
        if budget <= 0:
            break
        a, b = slots[i - 1], slots[i]
        if b.step % ctx.steps_per_bar in strong and a.dur <= 2 and a.step + a.dur == b.step and not a.cadence \
                and abs(pitches[i - 2] - (pitches[i] - 1)) <= 3 and rng.random() < 0.3:
            pitches[i - 1] = pitches[i] - 1
            budget -= 1

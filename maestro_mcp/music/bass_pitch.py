"""How the bass chooses its notes: where each chord's root sits (a voice-led chain inside the style's
register), the chord tones a pattern asks for, passing tones from the chord's scale, and approaches into the
next chord (chromatic ones only within the in-key budget). Rhythm lives in ``bass``; walking lines in
``bass_walk``.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass

from .bass_patterns import Idiom
from .context import GenContext
from .theory import Chord

STEP = 0.25  # one 16th, in beats
EPS = 1e-6


@dataclass(slots=True)
class Slot:
    """One bass note in the making: rhythm first, then pitch, then length and velocity."""

    start: float
    length: float  # written length in beats (the idiom's gate shortens it)
    tone: str  # bass_patterns tone code; "=" once the pitch is decided
    step: int  # 16th step inside its bar (metric weight)
    bar: int
    pitch: int = 0
    kind: str = "chord"  # chord | ghost | passing | approach | anticipation
    velocity: int = 0


class Line:
    """The harmony, register and in-key budget shared while one bass part is written."""

    def __init__(self, ctx: GenContext, idiom: Idiom, rng: random.Random) -> None:
        self.ctx, self.idiom, self.rng = ctx, idiom, rng
        self.spans = ctx.plan.spans
        self._starts = [s.start for s in self.spans]
        self.in_key = ctx.key.in_key_pcs() | ctx.plan.pcs_union() | frozenset(ctx.scale.pcs)
        self.lo, self.hi = _window(ctx, idiom.register)
        self.roots = self._root_chain()
        self.out_budget = 0  # chromatic notes allowed outside the key (set once the rhythm is known)
        self._pools: dict[str, list[int]] = {}

    def span_index(self, beat: float) -> int:
        return max(0, bisect_right(self._starts, beat + EPS) - 1)

    def fit(self, pitch: int) -> int:
        while pitch < self.ctx.low:
            pitch += 12
        while pitch > self.ctx.high:
            pitch -= 12
        return max(self.ctx.low, pitch)

    def place(self, pc: int, near: float) -> int:
        """The pitch of class ``pc`` nearest ``near`` inside the part's range."""
        cands = [p for p in range(self.ctx.low, self.ctx.high + 1) if p % 12 == pc]
        return min(cands, key=lambda p: (abs(p - near), p)) if cands else self.fit(pc + 36)

    def _root_chain(self) -> list[int]:
        # Each chord's bass note goes where the previous one was nearest, inside the style's register.
        roots: list[int] = []
        for span in self.spans:
            pc = span.chord.bass
            cands = [p for p in range(self.lo, self.hi + 1) if p % 12 == pc]
            if not cands:
                roots.append(self.place(pc, (self.lo + self.hi) / 2))
            elif not roots:
                roots.append(cands[1] if len(cands) > 1 and self.rng.random() < 0.3 else cands[0])
            else:
                roots.append(min(cands, key=lambda p: (abs(p - roots[-1]), p)))
        return roots

    def target_after(self, i: int) -> int:
        """The root the line lands on after span ``i`` (the loop's first chord after the last one)."""
        return self.roots[(i + 1) % len(self.spans)]

    def pool(self, chord: Chord) -> list[int]:
        """Passing-tone pitches under ``chord``: scale tones, with the chord's own alterations winning."""
        if chord.symbol not in self._pools:
            scale = set(self.ctx.scale.pcs)
            altered = chord.pcs - scale  # e.g. the b7 of a V7/IV: its natural neighbour must go
            clash = {s for s in scale - chord.pcs if (s + 1) % 12 in altered or (s - 1) % 12 in altered}
            pcs = (scale - clash) | chord.pcs
            self._pools[chord.symbol] = [p for p in range(self.ctx.low, self.ctx.high + 1) if p % 12 in pcs]
        return self._pools[chord.symbol]

    def step_from(self, pitch: int, direction: int, chord: Chord) -> int:
        pool = self.pool(chord)
        if direction > 0:
            return next((p for p in pool if p > pitch), pitch - 1 if pitch - 1 in pool else pitch)
        return next((p for p in reversed(pool) if p < pitch), pitch + 1 if pitch + 1 in pool else pitch)

    def approach(self, target: int, prev: int | None, chord: Chord) -> int:
        """A note a step away from ``target``: chromatic (within the in-key budget), scale step or its fifth."""
        kind = self.rng.choices(("chromatic", "scale", "fifth"), weights=self.idiom.approach)[0]
        below = prev < target if prev is not None and prev != target else self.rng.random() < 0.5
        if target - 1 < self.ctx.low:
            below = False
        elif target + 1 > self.ctx.high:
            below = True
        if kind == "chromatic":
            p = target - 1 if below else target + 1
            if p % 12 in self.in_key:
                return p
            if self.out_budget > 0:
                self.out_budget -= 1
                return p
        if kind == "fifth":
            p = target + 7 if target + 7 <= self.ctx.high and (prev is None or prev > target) else target - 5
            if self.ctx.low <= p <= self.ctx.high and p % 12 in self.in_key:
                return p
        return self.step_from(target, -1 if below else 1, chord)

    def resolve(self, slot: Slot, i: int, prev: int | None, next_start: float) -> None:
        """Give ``slot`` its pitch and kind from its tone code and the chord sounding there."""
        chord, r = self.spans[i].chord, self.roots[i]
        tone, change = slot.tone, self.spans[i].end
        last_before_change = change - slot.start <= 1 + EPS and next_start >= change - EPS
        if tone in ("A", "N") and not last_before_change:
            tone = "P" if tone == "A" else "R"
        if tone == "A":
            nxt = self.spans[i + 1].chord if i + 1 < len(self.spans) else self.spans[0].chord
            slot.pitch, slot.kind = self.approach(self.target_after(i), prev, nxt), "approach"
            return
        if tone == "N":
            slot.pitch, slot.kind = self.target_after(i), "anticipation"
            return
        if tone == "P":
            goal = self.target_after(i) if last_before_change else r
            here = prev if prev is not None else r
            direction = (1 if goal > here else -1) if goal != here else self.rng.choice((-1, 1))
            slot.pitch, slot.kind = self.step_from(here, direction, chord), "passing"
            return
        if tone == "G":
            here = prev if prev is not None else r
            slot.pitch, slot.kind = (here if self.rng.random() < 0.7 else self.fit(r + 12)), "ghost"
            return
        slot.pitch = self.chord_tone(tone, chord, r, prev)

    def chord_tone(self, tone: str, chord: Chord, r: int, prev: int | None) -> int:
        def up(pc: int) -> int:  # the chord tone above this root
            return r + (pc - chord.bass) % 12

        if tone == "O":
            return r + 12 if r + 12 <= self.ctx.high else (r - 12 if r - 12 >= self.ctx.low else r)
        if tone in ("F", "f"):
            above, below = up(chord.fifth), up(chord.fifth) - 12
            if chord.fifth == chord.bass:  # slash chord on its fifth: the fifth of the bass note instead
                above, below = r + 7, r - 5
            first, second = (above, below) if tone == "F" else (below, above)
            return first if self.ctx.low <= first <= self.ctx.high else self.fit(second)
        if tone == "3":
            return self.fit(up(chord.third if chord.third is not None else chord.fifth))
        if tone == "7":
            seventh = chord.seventh
            return self.fit(up(seventh)) if seventh is not None else self.chord_tone("O", chord, r, prev)
        if tone == "6":
            six = r + 9
            return self.fit(six) if six % 12 in self.in_key else self.chord_tone("F", chord, r, prev)
        if tone == "X":
            near = prev if prev is not None else r + 5
            opts = [self.fit(up(pc)) for pc in chord.core_pcs if pc != chord.bass] + [self.fit(r + 12)]
            opts = [p for p in opts if p != prev] or opts
            weights = [1.0 / (1 + abs(p - near)) for p in opts]
            return self.rng.choices(opts, weights=weights)[0]
        return r


def _window(ctx: GenContext, register: tuple[int, int]) -> tuple[int, int]:
    lo, hi = max(register[0], ctx.low), min(register[1], ctx.high)
    if hi - lo < 11:  # a caller's range away from the style's register: use its lowest octave and a bit
        lo, hi = ctx.low, min(ctx.high, ctx.low + 14)
    return lo, hi


def assign_pitches(line: Line, slots: list[Slot]) -> None:
    rng, idiom = line.rng, line.idiom
    prev: int | None = None
    last_i = -1
    for j, slot in enumerate(slots):
        i = line.span_index(slot.start)
        next_start = slots[j + 1].start if j + 1 < len(slots) else line.ctx.total_beats
        if slot.tone != "=":
            if i != last_i:  # a chord's arrival is stated by its root
                slot.tone = "R"
            else:
                near = line.spans[i].end - slot.start <= 1 + EPS and next_start >= line.spans[i].end - EPS
                leading = near and slot.tone in ("R", "O", "F", "X", "3", "7") and slot.step % 4 != 0
                if leading and rng.random() < idiom.auto_approach:
                    slot.tone = "A"
                elif slot.tone == "R" and slot.step % 4 == 2 and rng.random() < idiom.octave_pops:
                    slot.tone = "O"
            line.resolve(slot, i, prev, next_start)
        slot.pitch = line.fit(slot.pitch)
        prev, last_i = slot.pitch, i

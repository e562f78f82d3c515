"""Rhythm cells for melodies: per-style figure vocabularies (a beat or two of rhythm each) and the
filler that strings figures into a one- or two-bar cell at a requested density.

Times are 16th-note steps. A figure is ``(length, ((onset, duration), ...), weight)``; a duration may run
past the figure's end (a tie into the next figure), and the next onset cuts it short, so figures that
start with a rest give the syncopations (anticipations, 3-3-2) that one-beat boxes cannot.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

Onset = tuple[int, int]  # (step, duration in steps)
Figure = tuple[int, tuple[Onset, ...], float]

_Q: Figure = (4, ((0, 4),), 1.0)  # quarter
_EE: Figure = (4, ((0, 2), (2, 2)), 1.0)  # two eighths
_E_R: Figure = (4, ((0, 2),), 0.5)  # eighth, eighth rest
_R_E: Figure = (4, ((2, 2),), 0.6)  # off-beat eighth
_REST: Figure = (4, (), 0.25)
_H: Figure = (8, ((0, 8),), 0.8)  # half
_DQ_E: Figure = (8, ((0, 6), (6, 2)), 1.0)  # dotted quarter + eighth
_Q_EE: Figure = (8, ((0, 4), (4, 2), (6, 2)), 1.0)
_EE_Q: Figure = (8, ((0, 2), (2, 2), (4, 4)), 0.9)
_TRESILLO: Figure = (8, ((0, 3), (3, 3), (6, 2)), 1.0)  # 3-3-2
_E_Q_E: Figure = (8, ((0, 2), (2, 4), (6, 2)), 1.0)  # the pop syncopation
_E_TIE: Figure = (8, ((0, 2), (2, 6)), 0.8)  # eighth, then a note pushed across the beat
_R_E_Q: Figure = (8, ((2, 2), (4, 4)), 0.7)
_R_DQ: Figure = (8, ((2, 6),), 0.6)
_DE_S: Figure = (4, ((0, 3), (3, 1)), 1.0)  # dotted eighth + sixteenth
_S_DE: Figure = (4, ((0, 1), (1, 3)), 0.5)  # snap
_SSSS: Figure = (4, ((0, 1), (1, 1), (2, 1), (3, 1)), 1.0)
_E_SS: Figure = (4, ((0, 2), (2, 1), (3, 1)), 1.0)
_SS_E: Figure = (4, ((0, 1), (1, 1), (2, 2)), 1.0)
_S_E_S: Figure = (4, ((0, 1), (1, 2), (3, 1)), 0.8)
_R_S_E: Figure = (4, ((1, 1), (2, 2)), 0.5)
_WHOLE_ISH: Figure = (12, ((0, 12),), 0.5)
_DH_Q: Figure = (16, ((0, 12), (12, 4)), 0.5)
_POP_BAR: Figure = (16, ((0, 3), (3, 3), (6, 4), (10, 2), (12, 4)), 0.8)
# Half-beat figures fill meters whose bar is not a whole number of beats (5/8, 7/8).
_E_HALF: Figure = (2, ((0, 2),), 1.0)
_R_HALF: Figure = (2, (), 0.3)

VOCABULARY: dict[str, tuple[Figure, ...]] = {
    "straight": (_Q, _EE, _E_R, _H, _DQ_E, _Q_EE, _EE_Q, _REST, _DE_S),
    "syncopated": (_Q, _EE, _R_E, _TRESILLO, _E_Q_E, _E_TIE, _R_E_Q, _R_DQ, _S_E_S, _POP_BAR, _E_SS, _REST),
    "sparse": (_Q, _H, _DQ_E, _R_DQ, _E_TIE, _WHOLE_ISH, _DH_Q, _REST, _R_E, _EE),
    "swing": (_EE, _Q, _E_TIE, _R_E, _Q_EE, _EE_Q, _R_E_Q, _DQ_E, _E_Q_E, _REST),
    "dotted": (_DE_S, _DQ_E, _Q, _EE, _S_DE, _H, _E_Q_E, _REST),
    "busy": (_SSSS, _E_SS, _SS_E, _S_E_S, _EE, _DE_S, _R_S_E, _Q, _TRESILLO),
}

# Notes per beat a melody aims at, from density 0 to density 1.
_NOTES_PER_BEAT: dict[str, tuple[float, float]] = {
    "sparse": (0.45, 1.4),
    "straight": (0.9, 2.2),
    "syncopated": (1.0, 2.4),
    "swing": (1.2, 2.6),
    "dotted": (1.0, 2.4),
    "busy": (1.8, 3.8),
}


def target_rate(rhythm: str, density: float) -> float:
    lo, hi = _NOTES_PER_BEAT.get(rhythm, _NOTES_PER_BEAT["straight"])
    return lo + (hi - lo) * max(0.0, min(1.0, density))


def _weight(fig: Figure, target: float) -> float:
    length, onsets, w = fig
    rate = len(onsets) / (length / 4)
    return w * math.exp(-1.6 * abs(rate - target))


def build_cell(rhythm: str, steps: int, density: float, rng: random.Random) -> list[Onset]:
    """A rhythm cell of ``steps`` 16ths: figures drawn by how close their note rate is to the density's.
    Durations are cut at the next onset (a melody line is monophonic); a cell always has two onsets and
    starts on or near its downbeat so it reads as a figure rather than as noise."""
    vocab = VOCABULARY.get(rhythm, VOCABULARY["straight"])
    target = target_rate(rhythm, density)
    for _ in range(8):
        raw: list[Onset] = []
        pos = 0
        while pos < steps:
            room = steps - pos
            fits = [f for f in vocab if f[0] <= room] or [f for f in (_E_HALF, _R_HALF) if f[0] <= room]
            if not fits:
                break
            if pos == 0:  # the first figure carries the motif's identity: never a bare rest
                fits = [f for f in fits if f[1]] or fits
            fig = _pick(fits, [_weight(f, target) for f in fits], rng)
            raw.extend((pos + on, dur) for on, dur in fig[1])
            pos += fig[0]
        cell = clip_cell(raw, steps)
        if len(cell) >= 2 and cell[0][0] <= 2:
            return cell
    return [(0, steps // 2), (steps // 2, steps - steps // 2)]


def clip_cell(onsets: Sequence[Onset], steps: int) -> list[Onset]:
    """Sort, drop onsets outside the cell, and cut each duration at the next onset and the cell end."""
    ons = sorted({on: dur for on, dur in onsets if 0 <= on < steps}.items())
    out: list[Onset] = []
    for i, (on, dur) in enumerate(ons):
        end = ons[i + 1][0] if i + 1 < len(ons) else steps
        out.append((on, max(1, min(dur, end - on))))
    return out


def _pick(items: Sequence[Figure], weights: Sequence[float], rng: random.Random) -> Figure:
    total = sum(weights)
    x = rng.random() * total
    for item, w in zip(items, weights, strict=True):
        x -= w
        if x <= 0:
            return item
    return items[-1]


def strong_steps(steps_per_bar: int, time_signature: tuple[int, int]) -> tuple[int, ...]:
    """Strong positions in a bar, in steps: the downbeat, the half bar in even meters (beat 3 of 4/4,
    the second dotted quarter of 6/8), and every dotted quarter in compound meters (12/8)."""
    num, den = time_signature
    out = {0}
    if num % 2 == 0 and steps_per_bar % 2 == 0:
        out.add(steps_per_bar // 2)
    if den == 8 and num % 3 == 0 and num >= 6:
        out.update(range(0, steps_per_bar, 6))
    return tuple(sorted(out))

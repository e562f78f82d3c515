"""Lead-line pitch bends: a scoop up into some long notes and a little vibrato on the longest, each bent
note's events kept inside the note and ending back at 0 so the next note starts in tune."""

from __future__ import annotations

import random
from collections.abc import Sequence

from .parts import Note, PitchBend

SCOOP_DEPTHS = (-2048, -3072, -4096)  # a quarter to a half of the default +/-2 semitone range, below pitch
VIBRATO_DEPTHS = (220, 320, 420)
RETURN_MARGIN = 1 / 32  # the return to 0 sits this far before the note's end, never on the next onset


def lead_bends(notes: Sequence[Note], rng: random.Random) -> list[PitchBend]:
    """Scoops on about a third of the notes a quarter note or longer, vibrato on the longest few."""
    out: list[PitchBend] = []
    if not notes:
        return out
    longs = sorted((n for n in notes if n.duration >= 1.0), key=lambda n: (-n.duration, n.start))
    vibrato_starts = {n.start for n in longs[: max(1, len(longs) // 4)] if n.duration >= 1.5}
    for n in notes:
        if n.duration < 0.75:
            continue
        scoop = rng.random() < 0.35
        vib = n.start in vibrato_starts and rng.random() < 0.8
        if not (scoop or vib):
            continue
        end = n.end - RETURN_MARGIN
        events: list[PitchBend] = []
        if scoop:
            depth = SCOOP_DEPTHS[rng.randrange(len(SCOOP_DEPTHS))]
            ramp = 0.25 if n.duration < 1.5 or rng.random() < 0.5 else 0.5  # a 16th or an 8th
            for frac, share in ((0.0, 1.0), (0.4, 0.55), (0.75, 0.2), (1.0, 0.0)):
                events.append(PitchBend(round(n.start + frac * ramp, 4), round(depth * share)))
        if vib:
            depth = VIBRATO_DEPTHS[rng.randrange(len(VIBRATO_DEPTHS))]
            t = n.start + max(0.5, n.duration * 0.45)
            sign = 1
            count = 0
            # About five cycles a second at a mid tempo: an event every sixth of a beat, at most 12.
            while t < end - 1 / 6 and count < 12:
                events.append(PitchBend(round(t, 4), sign * depth))
                t += 1 / 6
                sign, count = -sign, count + 1
            events.append(PitchBend(round(min(t, end), 4), 0))
        if events and events[-1].value != 0:
            events.append(PitchBend(round(end, 4), 0))
        out.extend(e for e in events if n.start - 1e-9 <= e.beat <= end + 1e-9)
    return out

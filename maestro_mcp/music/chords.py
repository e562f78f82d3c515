"""Chords and keys: voice-led voicings played in the style's comping rhythm.

The harmony follows the shared plan; each chord is voiced from the one before (``voicings.Voicer``), and
a comping pattern (``comping_patterns``) says when and how the voicing is struck: held pads of sound,
off-beat stabs, Charleston hits, bossa and highlife syncopations, reggae chops, strums, broken chords,
funk scratches, palm-muted power chords, rasgueado rolls, a swung shuffle. The seed picks the pattern
variant, the voicing's starting register and the phrase-end fills; the density thins or fills the
pattern once per bar shape, so the groove still repeats bar to bar as a player's would.

The keys role is the same generator with the sustain pedal (CC64) caught at every chord change.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass

from .comping_patterns import ACCENT, ATTACKS, COMPING, CompStyle, Pattern
from .context import GenContext
from .parts import ControlChange, Note, Part
from .plan import ChordPlan
from .voicings import Voicer

STEP = 0.25  # beats per 16th step
EPS = 1e-6
SUSTAIN = 64
_FULL = frozenset("XxoDdB>P")  # attacks that strike the whole harmony (and so may carry it on)


@dataclass(slots=True)
class Hit:
    start: float
    length: float
    char: str
    stroke: int = 0  # index of a rasgueado stroke
    span: int = 0
    dead: bool = False

    @property
    def end(self) -> float:
        return self.start + self.length


def generate(ctx: GenContext) -> Part:
    part = ctx.new_part()
    style = COMPING.get(ctx.profile.comping, COMPING["sustained"])
    rng = ctx.rng
    timeline = comp_timeline(style, ctx.bars, ctx.steps_per_bar, ctx.density, rng)
    hits = place_hits(parse_timeline(timeline), ctx.plan)
    voicer = Voicer(
        kind=ctx.profile.voicing, low=ctx.low, high=ctx.high,
        key_pcs=ctx.key.in_key_pcs() | frozenset(ctx.scale.pcs),
        offset=rng.choice((-4, -2, 0, 1, 3)), rich=style.rich or ctx.profile.voicing == "rootless",
    )
    voicings = [voicer.voice(span.chord) for span in ctx.plan.spans]
    notes = render(hits, voicings, style, ctx)
    if style.ring:
        notes = let_ring(notes, hits, ctx.plan)
    part.notes = no_overlaps(notes)
    if ctx.profile.sustain_pedal or ctx.role == "keys":
        part.cc = pedal(hits, ctx.total_beats)
    part.sort()
    return part


# ---------------------------------------------------------------------------------------------------
# Rhythm


def _weights(pool: tuple[Pattern, ...], density: float) -> list[float]:
    return [1.0 / (0.15 + abs(p.busy - density)) for p in pool]


def adapt(bar: str, steps: int) -> str:
    """A pattern bar fitted to a meter's step count: cut when longer, tiled when shorter."""
    if len(bar) >= steps:
        return bar[:steps]
    return (bar * (steps // len(bar) + 1))[:steps]


def _thin_or_fill(bar: str, density: float, fill_char: str, rng: random.Random) -> str:
    """Sparse parts drop weak attacks; dense parts add a chop on empty eighths. A bar never goes silent."""
    p_thin = max(0.0, min(0.5, (0.35 - density) * 1.6))
    p_fill = max(0.0, min(0.4, (density - 0.7) * 1.5))
    chars = list(bar)
    if p_thin:
        for i, c in enumerate(chars):
            if i and c in ATTACKS and c not in "XDPR" and rng.random() < p_thin:
                chars[i] = "."
                j = i + 1
                while j < len(chars) and chars[j] == "-":
                    chars[j] = "."
                    j += 1
    if p_fill:
        for i in range(0, len(chars), 2):
            if chars[i] == "." and (i == 0 or chars[i - 1] == ".") and rng.random() < p_fill:
                chars[i] = fill_char
    out = "".join(chars)
    return out if any(c in ATTACKS for c in out) else bar


def comp_timeline(style: CompStyle, bars: int, steps: int, density: float, rng: random.Random) -> str:
    """The whole part's pattern as one string of steps (ties may cross bar lines)."""
    pool = style.waltz if steps == 12 and style.waltz else style.variants
    weights = _weights(pool, density)
    main = rng.choices(pool, weights)[0]
    prepared: dict[str, str] = {}

    def prepare(bar: str) -> str:
        if bar not in prepared:
            prepared[bar] = _thin_or_fill(adapt(bar, steps), density, style.fill_char, rng)
        return prepared[bar]

    out = []
    cell = main
    for b in range(bars):
        if style.cells and b % 2 == 0 and b:
            cell = rng.choices(pool, weights)[0]
        pat = cell if style.cells else main
        bar = pat.bars[b % len(pat.bars)]
        if b % 4 == 3 and style.fills and rng.random() < 0.5:
            bar = rng.choice(style.fills)
        out.append(prepare(bar))
    out[-1] = _restrike_last_bar(out[-1])
    return "".join(out)


def _restrike_last_bar(bar: str) -> str:
    """A final bar struck only on its downbeat is struck again at the half bar, so the part is heard to
    fill its length even when humanising nudges that downbeat a hair early."""
    if any(c in ATTACKS for c in bar[1:]):
        return bar
    mid = len(bar) // 2
    return bar[:mid] + "o" + bar[mid + 1 :] if bar[mid] == "-" else bar


def parse_timeline(timeline: str) -> list[Hit]:
    hits: list[Hit] = []
    for i, c in enumerate(timeline):
        t = i * STEP
        if c == "-":
            if hits and hits[-1].char != "R":
                hits[-1].length += STEP
        elif c == "R":
            hits.extend(Hit(t + k * STEP / 2, STEP / 2, "R", stroke=k) for k in range(4))
        elif c in ATTACKS:
            hits.append(Hit(t, STEP, c))
    return hits


def place_hits(hits: list[Hit], plan: ChordPlan) -> list[Hit]:
    """Give each hit its chord: pushes take the next chord early (swallowing the attack on the change),
    and a chord held across a change is struck again with the new harmony rather than left clashing."""
    spans = plan.spans
    starts_at = [s.start for s in spans]
    for h in hits:
        h.span = max(0, bisect_right(starts_at, h.start + EPS) - 1)
    for i, h in enumerate(hits):
        nxt = h.span + 1
        if h.char != ">" or h.dead or nxt >= len(spans) or spans[nxt].start - h.start > 0.5 + EPS:
            continue
        h.span = nxt
        change = spans[nxt].start
        for other in hits[i + 1 :]:
            if other.start > change + EPS:
                break
            if abs(other.start - change) < EPS and other.char in _FULL:
                h.length = max(h.end, other.end) - h.start
                other.dead = True
    live = [h for h in hits if not h.dead]
    starts = {round(h.start, 4) for h in live}
    out: list[Hit] = []
    for hit in live:
        cur: Hit | None = hit
        while cur is not None:
            out.append(cur)
            cut = spans[cur.span].end
            if cur.end <= cut + EPS:
                break
            rest = cur.end - cut
            cur.length = cut - cur.start
            carry = cur.char in _FULL and round(cut, 4) not in starts and cur.span + 1 < len(spans)
            cur = Hit(cut, rest, "o", span=cur.span + 1) if carry else None
    return out


# ---------------------------------------------------------------------------------------------------
# Notes


def select(voicing: list[int], char: str, stroke: int = 0) -> list[int]:
    """Which voices an attack strikes."""
    v = voicing
    n = len(v)
    if char in "muU" or (char == "R" and stroke in (1, 2)):
        return v[-3:]
    if char == "B":
        return v[:3]
    if char == "P":
        return v if n <= 3 else [v[0], *v[-2:]]
    if char == "9":
        return [v[-1]]
    if char.isdigit():
        return [v[int(char) % n]]
    return v


def render(hits: list[Hit], voicings: list[list[int]], style: CompStyle, ctx: GenContext) -> list[Note]:
    bpb = ctx.beats_per_bar
    base = ctx.profile.velocity - 6
    notes: list[Note] = []
    for h in hits:
        pitches = select(voicings[h.span], h.char, h.stroke)
        step = round((h.start % bpb) / STEP)
        metric = 6 if step == 0 else 3 if step % 4 == 0 else 0 if step % 2 == 0 else -3
        phrase = (3, 0, 1, -2)[int(h.start // bpb) % 4]
        vel = base + min(12, ACCENT[h.char] + metric) + phrase  # an accent on the bar is not doubled
        if h.char == "R":
            vel += (-12, -8, -4, 6)[h.stroke]
        dur = h.length * style.gate
        if h.char == "m":
            dur = min(dur, style.mute)
        elif h.char == "R":
            dur = STEP / 2 * 0.85
        dur = round(max(0.05, dur), 4)
        top = len(pitches) - 1
        for j, p in enumerate(pitches):
            # The top voice carries the line and the bottom the harmony's weight; inner voices sit back.
            shade = (5 if j == top else 2 if j == 0 else -3) if top else 0
            notes.append(Note(p, h.start, dur, max(20, min(127, vel + shade))))
    return notes


def let_ring(notes: list[Note], hits: list[Hit], plan: ChordPlan) -> list[Note]:
    """Guitar/harp strings sound until struck again or until the harmony changes."""
    span_end = {round(h.start, 4): plan.spans[h.span].end for h in hits}
    by_pitch: dict[int, list[float]] = {}
    for n in notes:
        by_pitch.setdefault(n.pitch, []).append(n.start)
    out = []
    for n in notes:
        end = span_end.get(round(n.start, 4), n.end)
        later = [s for s in by_pitch[n.pitch] if s > n.start + EPS]
        if later:
            end = min(end, later[0])
        out.append(Note(n.pitch, n.start, round(max(n.duration, end - n.start - 0.02), 4), n.velocity))
    return out


def no_overlaps(notes: list[Note]) -> list[Note]:
    """Cut a note where the same pitch is struck again (and drop exact double strikes)."""
    ordered = sorted(notes, key=lambda n: (n.pitch, n.start, -n.velocity))
    out: list[Note] = []
    for n in ordered:
        if out and out[-1].pitch == n.pitch:
            prev = out[-1]
            if n.start - prev.start < EPS:
                continue
            if prev.end > n.start:
                out[-1] = Note(prev.pitch, prev.start, round(n.start - prev.start, 4), prev.velocity)
        out.append(n)
    return out


def pedal(hits: list[Hit], total: float) -> list[ControlChange]:
    """Legato pedalling: down as a chord is struck, up just before the next chord."""
    firsts: list[float] = []
    seen: set[int] = set()
    for h in sorted(hits, key=lambda h: h.start):
        if h.span not in seen:
            seen.add(h.span)
            firsts.append(h.start)
    events: list[ControlChange] = []
    for i, t in enumerate(firsts):
        events.append(ControlChange(SUSTAIN, round(t, 4), 127))
        release = (firsts[i + 1] if i + 1 < len(firsts) else total) - 0.05
        if release > t:
            events.append(ControlChange(SUSTAIN, round(release, 4), 0))
    return events

"""Comping rhythms for the chords/keys generator, one entry per ``styles.CompingStyle``.

Each bar is a string of 16th-note steps (16 in 4/4; ``waltz`` variants have 12 for 3/4 and 6/8; other
meters tile or cut the 4/4 bar). One character per step:

    .  rest                         -  hold the previous attack one more step
    X  accented chord               x  chord                 o  soft chord (inner attack)
    m  muted chop / palm mute: top three voices, very short and soft
    D  down-strum, accented (all strings)   d  down-strum     U / u  up-strum (top three strings)
    B  "boom": the bottom three voices      P  pinch: bottom voice with the top two
    0-4  one voice counted from the bottom (broken chords)    9  the top voice
    >  push: a chord that anticipates the next harmony when it changes within an eighth
    R  rasgueado: four fast strokes (32nds) filling this step and the next, growing louder

``busy`` (0..1) is how dense a variant is; the generator prefers variants near the part's density and
lets the seed choose among them. ``fills`` replace the last bar of a 4-bar phrase now and then.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Pattern:
    bars: tuple[str, ...]
    busy: float = 0.5


@dataclass(frozen=True, slots=True)
class CompStyle:
    variants: tuple[Pattern, ...]
    waltz: tuple[Pattern, ...] = ()
    fills: tuple[str, ...] = ()
    gate: float = 0.9  # share of a written length that sounds (detached styles play short)
    mute: float = 0.12  # beats a muted chop lasts
    ring: bool = False  # strings ring on until struck again or the harmony changes (guitar, harp)
    cells: bool = False  # bars are chosen one by one from the variants (jazz comping), not repeated
    fill_char: str = "m"  # what a dense part adds on empty eighths
    rich: bool = False  # voicings take 9ths/13ths where the key allows


def _p(busy: float, *bars: str) -> Pattern:
    return Pattern(tuple(bars), busy)


COMPING: dict[str, CompStyle] = {
    "sustained": CompStyle(
        variants=(
            _p(0.2, "X---------------"),
            _p(0.4, "X-------o-------"),
            _p(0.35, "X-----------o---"),
            _p(0.45, "X-----o---------"),
            _p(0.3, "X---------------", "X-------o-------"),
            _p(0.55, "X-------x-----o-"),
        ),
        waltz=(_p(0.2, "X-----------"), _p(0.4, "X-------o---"), _p(0.6, "X---o---o---")),
        fills=("X-------o---o---", "X-----o-----o---", "X-----------o-o-"),
        gate=0.97,
    ),
    "stabs": CompStyle(
        variants=(
            _p(0.5, "..x...x...x...x."),
            _p(0.6, "X..x..x...x..x.."),
            _p(0.45, "...x..x....x..x."),
            _p(0.55, "..x...x...x...x.", "..x...x...x..x.."),
            _p(0.25, "......x.......x."),
            _p(0.4, "X.....x..x....x."),
        ),
        waltz=(_p(0.5, "..x...x...x."), _p(0.6, "X..x..x..x..")),
        fills=("x..x..x..x..x.x.", "..x...x.x.x.x.x.", "X..x..x...x.xx.x"),
        gate=0.55,
    ),
    "charleston": CompStyle(
        variants=(
            _p(0.4, "X-----x-........"),
            _p(0.4, "X-----x-........"),
            _p(0.4, "..x-....x-......"),
            _p(0.35, "......x-......x-"),
            _p(0.4, "X-----....x-...."),
            _p(0.45, "....x-......x-.."),
            _p(0.5, "X-----x-......>-"),
            _p(0.25, "..........x-..>-"),
            _p(0.6, "X---..x-..x-..x-"),
        ),
        waltz=(_p(0.4, "X-----x-...."), _p(0.4, "..x-....x-.."), _p(0.3, "X-......x-..")),
        gate=0.8,
        cells=True,
        rich=True,
    ),
    "bossa": CompStyle(
        variants=(
            _p(0.45, "X-----x-----x---", "....x-----x-----"),
            _p(0.55, "X---..x---..x-..", "..x---..x---x-.."),
            _p(0.45, "....x-----x-----", "X-----x-----x---"),
            _p(0.5, "X-----x---x-----", "..x-----x-------"),
            _p(0.6, "X-..x-..x-..x-..", "..x-..x-..x-x-.."),
        ),
        waltz=(_p(0.45, "X-----x---x-"), _p(0.5, "X---x-----x-", "..x---x-----")),
        fills=("X-----x---x-x-..", "..x-..x-x-..x-.."),
        gate=0.75,
        rich=True,
    ),
    "skank": CompStyle(
        variants=(
            _p(0.35, "....x.......x..."),
            _p(0.55, "..x...x...x...x."),
            _p(0.45, "....x.......x.x."),
            _p(0.55, "....x.x.....x.x."),
            _p(0.4, "....x.......x..m"),
        ),
        waltz=(_p(0.35, "....x...x..."), _p(0.5, "..x...x...x.")),
        fills=("....x.x.....x.xx", "..x.x.x...x.x.x."),
        gate=0.35,
        mute=0.1,
    ),
    "strum": CompStyle(
        variants=(
            _p(0.55, "D---D-U---U-D-U-"),
            _p(0.7, "D-U-D-U-D-U-D-U-"),
            _p(0.5, "D---d-U-D---d-U-"),
            _p(0.35, "B---D---B---D---"),
            _p(0.4, "D---D---D---d-U-"),
            _p(0.5, "D-----U-D---d-U-"),
        ),
        waltz=(_p(0.5, "D---d-U-d-U-"), _p(0.35, "B---D---D---"), _p(0.6, "D---D-U-D-U-")),
        fills=("D-U-D-U-DUDUD---", "D-DUD-U-D-U-DU-U"),
        ring=True,
        fill_char="u",
    ),
    "arpeggiated": CompStyle(
        variants=(
            _p(0.5, "P-1-2-3-2-1-2-3-"),
            _p(0.5, "P-2-1-3-0-2-1-3-"),
            _p(0.8, "P123212301232123"),
            _p(0.25, "P---2---1---3---"),
            _p(0.45, "P--2--1--3--2-1-"),
            _p(0.6, "P-1-2-3-9-3-2-1-"),
        ),
        waltz=(_p(0.5, "P-1-2-3-2-1-"), _p(0.5, "P-2-3-2-3-2-"), _p(0.25, "P---1---2---")),
        ring=True,
        fill_char="2",
    ),
    "pulse": CompStyle(
        variants=(
            _p(0.6, "X-x-x-x-X-x-x-x-"),
            _p(0.5, "X--x--x-X--x--x-"),
            _p(0.5, "X---x-x-X---x-x-"),
            _p(0.6, "o-X-o-X-o-X-o-X-"),
            _p(0.75, "X-xxx-x-X-xxx-x-"),
            _p(0.35, "X---x---X---x---"),
        ),
        waltz=(_p(0.6, "X-x-x-x-x-x-"), _p(0.45, "X---x-x-x-x-"), _p(0.3, "X---x---x---")),
        fills=("X-x-x-x-x-x-xxxx", "X-x-x-x-X-xxX-x-"),
        gate=0.75,
        fill_char="o",
    ),
    "lofi": CompStyle(
        variants=(
            _p(0.35, "X-------------o-"),
            _p(0.35, "X-----------o---"),
            _p(0.3, "X---------o-----"),
            _p(0.4, "X-----------..>-"),
            _p(0.45, "X---------x-----", "X-------------o-"),
            _p(0.5, "X-----o-------->"),
        ),
        waltz=(_p(0.35, "X---------o-"), _p(0.4, "X-------..>-")),
        fills=("X-----x-----o-o-", "X-----------o->-"),
        gate=0.96,
        fill_char="o",
        rich=True,
    ),
    "funk": CompStyle(
        variants=(
            _p(0.6, "X.mx.mx.m.xm.xm."),
            _p(0.85, "mmxmmmXmmmxmmmXm"),
            _p(0.55, "X..xm.x.m.x..xm."),
            _p(0.5, "..x.mx.m..x.mx.m"),
            _p(0.65, "X-.x.mx..xm.x.m."),
            _p(0.7, "x.xx.x.xx.x.x.xx"),
        ),
        waltz=(_p(0.6, "X.mx.mx.m.xm"), _p(0.8, "mmxmmmXmmmxm")),
        fills=("X.mx.mxmxmxmX-..", "mmxmmmXmx.xmxmxm"),
        gate=0.6,
        mute=0.08,
    ),
    "neosoul": CompStyle(
        variants=(
            _p(0.45, "X-----x-----..>-"),
            _p(0.4, "X--------x----->"),
            _p(0.5, "X-----o---x--->-"),
            _p(0.35, "..X-------o---->"),
            _p(0.45, "X---------x---..", "o-----x-------->"),
            _p(0.55, "X--x--x---x-o->-"),
        ),
        waltz=(_p(0.45, "X-----o--->-"), _p(0.4, "..X-----x-->")),
        fills=("X--x--x--x--x->-", "X-----x-x---o->-"),
        gate=0.95,
        fill_char="o",
        rich=True,
    ),
    "power": CompStyle(
        variants=(
            _p(0.6, "X-m-m-m-X-m-m-m-"),
            _p(0.5, "X---m-m-X---m-m-"),
            _p(0.55, "m-m-m-m-m-m-X---"),
            _p(0.6, "X--X--X-m-m-m-m-"),
            _p(0.3, "X-------X-------"),
            _p(0.8, "X-mmX-mmX-mmX-mm"),
        ),
        waltz=(_p(0.6, "X-m-m-X-m-m-"), _p(0.4, "X-------X---")),
        fills=("X-m-m-m-X-X-X-X-", "mmmmmmmmX-X-X-X-"),
        gate=0.9,
        mute=0.3,
    ),
    "afro": CompStyle(
        variants=(
            _p(0.6, "x.x.x..x.x.x..x."),
            _p(0.45, "X..x..x...x.x..."),
            _p(0.55, "..x.x..x..x.x..x"),
            _p(0.5, "X..x.x..x..x.x.."),
            _p(0.65, "x-.xx-.x..x-.xx."),
        ),
        waltz=(_p(0.5, "X..x..x.x..x"), _p(0.55, "..x.x..x..x.")),
        fills=("x.x.x.xxx.x.x.xx", "X..x..x.x.x.x.x."),
        gate=0.6,
    ),
    "rasgueado": CompStyle(
        variants=(
            _p(0.6, "D.R.d.u.D.R.d.u."),
            _p(0.55, "R.d.u.d.R.d.u.d."),
            _p(0.45, "D...R.D.D...R.D."),
            _p(0.65, "R.u.d.u.R.u.d.u."),
            _p(0.6, "D.m.R.u.D.m.R.u."),
        ),
        waltz=(_p(0.6, "R.u.d.R.u.d."), _p(0.5, "D...R.D.D.u.")),
        fills=("R.R.R.R.D.u.D...", "D.R.D.R.R.R.D---"),
        gate=0.85,
        fill_char="u",
    ),
    "shuffle": CompStyle(
        variants=(
            _p(0.6, "X-x-X-x-X-x-X-x-"),
            _p(0.4, "..x...x...x...x."),
            _p(0.45, "X-----x-X-----x-"),
            _p(0.45, "....X-x-....X-x-"),
            _p(0.55, "X-x-..x-X-x-..x-"),
        ),
        waltz=(_p(0.6, "X-x-x-x-x-x-"), _p(0.4, "X---x---x---")),
        fills=("X-x-X-x-x-x-X---", "..x-x-x-X-x-x-x-"),
        gate=0.6,
    ),
}

ATTACKS = frozenset("XxomDdUuBP01234 9>R".replace(" ", ""))

# Velocity offset of each attack character from the part's base velocity.
ACCENT: dict[str, int] = {
    "X": 10, "x": 0, "o": -10, "m": -22, "D": 8, "d": 0, "U": -2, "u": -10, "B": 4, "P": 6,
    "0": -4, "1": -6, "2": -6, "3": -6, "4": -6, "9": -2, ">": 2, "R": 0,
}

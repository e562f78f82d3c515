"""Drum groove data: for every groove family, a few real pattern layers on a 16-step 4/4 grid.

A groove is assembled from three independently seeded layers so two seeds rarely share a beat:
a *core* (kick and backbeat, the part the bass locks to), a *top* (hats, ride, shaker: the time feel) and an
optional *perc* layer (tambourine, congas, snare comping). Each layer maps voice names to 16 characters, one
per 16th step; the character is the hit's dynamic (``VELOCITY``) or a roll (``2`` two 32nds in the step,
``3`` three 16th-triplets over this step and the next). Conventions follow /work/shared/MUSIC.md and the
usual programming idioms of each genre; nothing here is copied from a recording or a pattern book.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# GM percussion keys (channel 10).
GM_KEYS: dict[str, int] = {
    "kick": 36, "rim": 37, "snare": 38, "clap": 39, "floor": 41, "hat": 42, "floor_hi": 43, "phat": 44,
    "tom_lo": 45, "ohat": 46, "tom_mid": 47, "tom_hm": 48, "crash": 49, "tom_hi": 50, "ride": 51, "bell": 53,
    "tamb": 54, "cowbell": 56, "bongo_hi": 60, "bongo_lo": 61, "conga_mute": 62, "conga_open": 63,
    "conga_lo": 64, "timb_hi": 65, "timb_lo": 66, "agogo_hi": 67, "agogo_lo": 68, "cabasa": 69, "shaker": 70,
    "claves": 75, "block_hi": 76, "block_lo": 77, "tri_mute": 80, "tri_open": 81,
}

# Dynamics on the 0-127 scale: ghost notes sit at 20-45 (g, h), accents above 100 (X, A).
VELOCITY: dict[str, int] = {"g": 30, "h": 42, "s": 56, "m": 72, "x": 90, "X": 106, "A": 118, "2": 72, "3": 72}
ROLLS: dict[str, int] = {"2": 2, "3": 3}

# Voices the drummer's hands play: a tom fill takes them over; percussion and feet keep going.
HAND_VOICES = frozenset({
    "hat", "ohat", "ride", "bell", "snare", "rim", "clap", "tom_hi", "tom_hm", "tom_mid", "tom_lo",
    "floor_hi", "floor",
})
# Time-keeping layers that low density may thin to 8ths.
TIME_VOICES = frozenset({"hat", "shaker", "cabasa", "tamb", "ride"})

Layer = Mapping[str, str]
Cell = tuple[int, int]  # (velocity level, strokes in the step: 1, or a roll of 2 / 3)
Grid = dict[str, list[Cell]]  # voice -> one cell per 16th step of a bar
REST: Cell = (0, 1)
DEFAULT_FILL_VOICES = ("snare", "tom_hi", "tom_mid", "tom_lo", "floor")


@dataclass(frozen=True, slots=True)
class Groove:
    cores: tuple[Layer, ...]
    tops: tuple[Layer, ...]
    percs: tuple[Layer, ...] = ({},)
    ghost_voice: str = "snare"
    ghost_steps: tuple[int, ...] = ()  # idiomatic ghost-note steps, most idiomatic first
    kick_var: tuple[int, ...] = ()  # steps where a variation bar may add a kick
    open_var: tuple[int, ...] = ()  # steps where a variation bar may open the hat
    fill: str = "toms"  # toms | build | trap | jazz | light
    fill_voices: tuple[str, ...] = DEFAULT_FILL_VOICES  # high to low
    fill_lengths: tuple[int, ...] = (4, 8)  # 16th steps (repeats weight the choice)
    fill_grid: int = 1  # 2: fills on 8ths, so swing reaches them
    fill_keeps: frozenset[str] = frozenset()  # hand voices that play on through a fill (jazz ride, palmas)
    half_time: bool = False  # the backbeat is on beat 3 (decides how short meters are cut)
    thin_ok: bool = True  # low density may thin 16th time-keeping to 8ths
    vel_scale: float = 1.0
    crash: str = "X"
    max_hits: int | None = None


_BB = "....X.......X..."  # snare backbeat on 2 and 4
_FOUR = "X...X...X...X..."

GROOVES: dict[str, Groove] = {
    "boom_bap": Groove(
        cores=({"kick": "X.........X.....", "snare": _BB}, {"kick": "X......x..X.....", "snare": _BB},
               {"kick": "X.x.......x..m..", "snare": _BB}, {"kick": "X.....m.X.x.....", "snare": _BB}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "x.m.x.mgx.m.x.ms"},
              {"hat": "x.m.x.m.x.m.x...", "ohat": "..............m."}, {"hat": "x.msx.m.x.msx.m."}),
        percs=({}, {"tamb": "....m.......m..."}, {"shaker": "..s...s...s...s."}),
        ghost_steps=(7, 9, 15, 3, 13, 11), kick_var=(3, 7, 11, 13, 14, 15), open_var=(14, 6, 10),
        fill_lengths=(4, 4, 8)),
    "lofi": Groove(
        cores=({"kick": "X......m.m......", "snare": _BB},
               {"kick": "X.........X..m..", "snare": _BB, "rim": "..............g."},
               {"kick": "X..m....X.m.....", "snare": _BB}),
        tops=({"hat": "m.s.m.s.m.s.m.s."}, {"hat": "m.sgm.s.m.sgm.sg"},
              {"hat": "x.m.x.m.x.m.x.m.", "ohat": "......s........."}),
        percs=({}, {"shaker": "g.s.g.s.g.s.g.s."}, {"rim": "..........s....."}),
        ghost_steps=(7, 9, 15, 3), kick_var=(7, 13, 14, 3), open_var=(14, 6),
        fill_voices=("snare", "tom_mid", "floor"), fill_lengths=(4,), vel_scale=0.88),
    "trap": Groove(
        cores=({"kick": "X.........X..x..", "clap": "........X.......", "snare": "........x......."},
               {"kick": "X......x..x.....", "clap": "........X......."},
               {"kick": "X..x......X....x", "snare": "........X.......", "clap": "........x......."},
               {"kick": "X.....x.......x.", "clap": "........X.......", "snare": "........m......."}),
        tops=({"hat": "x.m.x.m.x.m.x.2."}, {"hat": "xmxmxmxmxmxm3.xm"},
              {"hat": "x.m.x3.mx.m.x222"}, {"hat": "x.mmx.m.x.3.x.mm"}),
        percs=({}, {"ohat": "......m........."}, {"rim": "......s.......s."}),
        ghost_steps=(14, 11, 15), kick_var=(3, 7, 13, 6), open_var=(6, 14),
        fill="trap", half_time=True, thin_ok=False),
    "four_on_floor": Groove(
        cores=({"kick": _FOUR, "clap": _BB}, {"kick": _FOUR, "clap": _BB, "snare": "....m.......m..."},
               {"kick": _FOUR, "snare": _BB}),
        tops=({"ohat": "..X...X...X...X."}, {"ohat": "..x...x...x...x.", "hat": "msgsmsgsmsgsmsgs"},
              {"hat": "s.x.s.x.s.x.s.x."}, {"ride": "m.x.m.x.m.x.m.x.", "ohat": "..m...m...m...m."}),
        percs=({}, {"shaker": "s.m.s.m.s.m.s.m."}, {"tamb": "....m.......m..."},
               {"conga_open": "...m......m.....", "conga_mute": "......s.......s."}),
        ghost_steps=(15, 7, 11, 3), fill="build"),
    "techno": Groove(
        cores=({"kick": _FOUR, "clap": "....x.......x..."}, {"kick": _FOUR, "rim": "...m..m....m..m."},
               {"kick": _FOUR, "snare": "....x.......x...", "rim": "..........m....."}),
        tops=({"hat": "xgsgxgsgxgsgxgsg", "ohat": "..x...x...x...x."}, {"ohat": "..X...X...X...X."},
              {"ride": "..x...x...x...x.", "hat": "m.m.m.m.m.m.m.m."}, {"hat": "s.x.s.x.s.x.s.x."}),
        percs=({}, {"shaker": "g.s.g.s.g.s.g.s."}, {"tamb": "..s...s...s...s."}),
        ghost_steps=(15, 7, 11), fill="build"),
    "minimal": Groove(
        cores=({"kick": _FOUR, "clap": "....x.......x..."}, {"kick": _FOUR, "rim": "...m..m...m....."},
               {"kick": _FOUR, "clap": "....m.......m...", "rim": "......s......s.."}),
        tops=({"ohat": "..m...m...m...m."}, {"hat": "..m...m...m.s.m."},
              {"hat": "s.g.s.g.s.g.s.g.", "ohat": "..............m."}),
        percs=({}, {"shaker": "g.s.g.s.g.s.g.s."}, {"block_hi": "......s.......s."}),
        ghost_voice="rim", ghost_steps=(3, 7, 11, 15), fill="build", fill_lengths=(4,)),
    "dnb": Groove(
        cores=({"kick": "X.........X.....", "snare": _BB}, {"kick": "X.....x...X.....", "snare": _BB},
               {"kick": "X.x.......XX....", "snare": "....X..g.g..X..g"},
               {"kick": "X.........x..x..", "snare": _BB}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "xsmsxsmsxsmsxsms"}, {"ride": "x.m.x.m.x.m.x.m."},
              {"hat": "x.mmx.m.x.mmx.m.", "ohat": "......m........."}),
        percs=({}, {"shaker": "s.m.s.m.s.m.s.m."}, {"tamb": "..s...s...s...s."}),
        ghost_steps=(7, 9, 15, 3, 13), kick_var=(2, 11, 13, 6), open_var=(14, 6)),
    "garage": Groove(
        cores=({"kick": "X.........X.....", "clap": _BB},
               {"kick": "X......m..X.....", "clap": _BB, "snare": "....m.......m..."},
               {"kick": "X..m......X..m..", "clap": _BB}),
        tops=({"hat": "m.sgm.s.m.sgm.s."}, {"hat": "..m...m...m...m.", "ohat": "......x.......x."},
              {"hat": "sgmgsgmgsgmgsgmg"}),
        percs=({}, {"shaker": "g.s.g.s.g.s.g.s."}, {"rim": "..m.......m....."}),
        ghost_steps=(3, 7, 11, 14, 15), kick_var=(3, 7, 13, 14), open_var=(6, 14), fill="build"),
    "psytrance": Groove(
        cores=({"kick": _FOUR, "clap": "....x.......x..."}, {"kick": _FOUR, "snare": "....m.......m..."},
               {"kick": _FOUR, "rim": "..........m....."}),
        tops=({"ohat": "..X...X...X...X.", "hat": "gsmsgsmsgsmsgsms"}, {"ohat": "..x...x...x...x."},
              {"hat": "m.xmm.xmm.xmm.xm"}, {"ride": "..x...x...x...x.", "hat": "s.s.s.s.s.s.s.s."}),
        percs=({}, {"shaker": "g.s.g.s.g.s.g.s."}, {"tamb": "..s...s...s...s."}),
        ghost_steps=(15, 7), fill="build"),
    "rock": Groove(
        cores=({"kick": "X.......X.......", "snare": _BB}, {"kick": "X.......X.x.....", "snare": _BB},
               {"kick": "X.x.....X.x.....", "snare": _BB}, {"kick": "X......xX.......", "snare": _BB}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"ride": "x.m.x.m.x.m.x.m."}, {"hat": "x.s.x.s.x.s.x.s."},
              {"hat": "x.m.x.m.x.m.x...", "ohat": "..............x."}),
        percs=({}, {"tamb": "....m.......m..."}, {"cowbell": "x...x...x...x..."}),
        ghost_steps=(7, 15, 9, 3), kick_var=(10, 14, 6, 3, 11, 15), open_var=(14, 6),
        fill_lengths=(4, 4, 8)),
    "pop": Groove(
        cores=({"kick": "X.......X.x.....", "snare": _BB, "clap": "....x.......x..."},
               {"kick": "X..m....X.......", "snare": _BB},
               {"kick": "X.....x.X.......", "snare": _BB, "clap": "....m.......m..."}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "xsmsxsmsxsmsxsms"},
              {"hat": "x.m.x.m.x.m.x.m.", "ohat": "......m.......m."}),
        percs=({}, {"tamb": "....x.......x..."}, {"shaker": "s.m.s.m.s.m.s.m."}),
        ghost_steps=(7, 15, 3, 11), kick_var=(10, 14, 3, 6, 11), open_var=(14, 6)),
    "funk": Groove(
        cores=({"kick": "X.x.......X..x..", "snare": "....X..g.g..X..g"},
               {"kick": "X..x..x...x.....", "snare": _BB},
               {"kick": "X......x.x...x..", "snare": "....X.......X.g."},
               {"kick": "X.x...x...X..x..", "snare": "....X..g....X..."}),
        tops=({"hat": "xsmsxsmsxsmsxsms"}, {"hat": "XsmsXsmsXsmsXsm.", "ohat": "...............x"},
              {"hat": "xsm.xsmsxsm.xsms"}, {"hat": "xgmgxgmgxgmgxgm.", "ohat": "..............x."}),
        percs=({}, {"tamb": "....m.......m..."},
               {"conga_open": "......x.......m.", "conga_mute": "...m.......m...."},
               {"cowbell": "x..x..x...x.x..."}),
        ghost_steps=(3, 7, 9, 11, 15, 13, 1, 5), kick_var=(3, 7, 11, 13, 14, 15, 6),
        open_var=(14, 6, 10), thin_ok=False),
    "jazz_swing": Groove(
        cores=({"kick": "g...g...g...g...", "phat": "....x.......x..."},
               {"kick": "g.......g.......", "phat": "....x.......x..."},
               {"kick": "h...g...h...g...", "phat": "....x.......x..."}),
        tops=({"ride": "x...X.m.x...X.m."}, {"ride": "x.m.X.m.x.m.X.m."}, {"ride": "x...X.m.x.m.X.m."}),
        percs=({}, {"snare": "......h.......g."}, {"snare": "..g.......h....."}, {"snare": "..........s...h."}),
        ghost_steps=(2, 6, 10, 14), kick_var=(6, 14, 10), fill="jazz", fill_grid=2,
        fill_keeps=frozenset({"ride", "bell"}),
        fill_voices=("snare", "tom_hi", "tom_lo", "floor"), thin_ok=False, vel_scale=0.9, crash="x"),
    "bossa": Groove(
        cores=({"kick": "X.....x.X.....x.", "rim": "x..m..x...m..x.."},
               {"kick": "X.....x.X.....x.", "rim": "..x..m..x..m..x."},
               {"kick": "X..m..x.X..m..x.", "rim": "x..m..x...m..x.."}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "m.s.m.s.m.s.m.s.", "phat": "....m.......m..."},
              {"ride": "x.m.x.m.x.m.x.m."}, {"shaker": "xsmsxsmsxsmsxsms"}),
        percs=({}, {"cabasa": "..s...s...s...s."}, {"tri_mute": "..s...s...s...s."}),
        ghost_voice="rim", ghost_steps=(9, 15, 1), kick_var=(3, 11),
        fill_voices=("tom_hi", "tom_mid", "tom_lo", "floor"), fill_lengths=(4,), vel_scale=0.85, crash="x"),
    "afrobeats": Groove(
        cores=({"kick": "X..x..x.X..x..x.", "rim": "....x.......x..."},
               {"kick": "X.....x...x.X...", "clap": "....x.......x...", "rim": "...m..m....m..m."},
               {"kick": _FOUR, "rim": "...x..x....x..x."}),
        tops=({"hat": "x.mmx.mmx.mmx.mm"}, {"shaker": "xsmsxsmsxsmsxsms"},
              {"hat": "..x...x...x...x.", "shaker": "s.m.s.m.s.m.s.m."}),
        percs=({}, {"conga_open": "......x.......x.", "conga_mute": "..m.......m.....", "conga_lo": "...........m...."},
               {"cowbell": "x..x..x...x.x..."}, {"claves": "x..x..x...x..x.."}),
        ghost_voice="rim", ghost_steps=(1, 5, 9, 13, 15), kick_var=(14, 3, 7), open_var=(14,)),
    "reggaeton": Groove(
        cores=({"kick": _FOUR, "snare": "...X..x....X..x."},
               {"kick": "X...X..mX...X..m", "snare": "...X..x....X..x.", "clap": "......x.......x."},
               {"kick": _FOUR, "rim": "...X..x....X..x.", "snare": "......m.......m."}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "xsmsxsmsxsmsxsms"}, {"hat": "..m...m...m...m."},
              {"hat": "x.mmx.m.x.mmx.m.", "ohat": "..............m."}),
        percs=({}, {"tamb": "....m.......m..."}, {"shaker": "s.m.s.m.s.m.s.m."},
               {"timb_hi": "...........m..m.", "timb_lo": "...m............"}),
        ghost_steps=(15, 7), kick_var=(7, 15), open_var=(14, 6), fill="build"),
    "one_drop": Groove(
        cores=({"kick": "........X.......", "rim": "........X......."},
               {"kick": "........X.......", "snare": "........X......."},
               {"kick": "........X.......", "rim": "........X.....m."}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "m.x.m.x.m.x.m.x."}, {"hat": "x.mgx.mgx.mgx.mg"},
              {"hat": "x.m.x.m.x.m.x...", "ohat": "..............x."}),
        percs=({}, {"shaker": "..m...m...m...m."}, {"tom_hi": "..............s."}),
        ghost_voice="rim", ghost_steps=(14, 6, 15), open_var=(14, 6), half_time=True),
    "second_line": Groove(
        cores=({"kick": "X.....x...X.....", "snare": "....X..x.x..X.x."},
               {"kick": "X..x..x...X..x..", "snare": "..x.X.....x.X..."},
               {"kick": "X.....x.X.....x.", "snare": "....X..xx...X..x"}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"ride": "x.m.x.m.x.m.x.m."}, {"tamb": "x.m.x.m.x.m.x.m."}),
        percs=({}, {"tamb": "....x.......x..."}, {"cowbell": "x.....x...x....."}),
        ghost_steps=(1, 3, 5, 9, 11, 13), kick_var=(3, 13, 14), open_var=(6, 14)),
    "synthwave": Groove(
        cores=({"kick": "X.......X.......", "snare": _BB}, {"kick": _FOUR, "snare": _BB},
               {"kick": "X.......X.x.....", "snare": _BB, "clap": "....m.......m..."}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"hat": "xsmsxsmsxsmsxsms"},
              {"hat": "x.m.x.m.x.m.x...", "ohat": "..............m."}),
        percs=({}, {"tamb": "....m.......m..."}, {"clap": "....x.......x..."}),
        ghost_steps=(15, 7), kick_var=(10, 14, 6), open_var=(6, 14)),
    "ambient": Groove(
        cores=({"kick": "X..............."}, {"kick": "X.......m......."},
               {"kick": "X.........m.....", "rim": "........s......."}),
        tops=({"shaker": "......s.......s."}, {"ride": "m.......m......."}, {"tri_mute": "..s.......s....."}, {}),
        percs=({}, {"block_lo": "..........s....."}, {"tom_lo": "......s........."}),
        fill="light", fill_voices=("tom_mid", "floor"), vel_scale=0.75, crash="m", max_hits=6),
    "cinematic": Groove(
        cores=({"kick": "X.......X.......", "floor": "X..x..x........."},
               {"kick": "X.....x.X.......", "tom_lo": "....x.......x..."},
               {"kick": "X.......X.......", "floor": "X..x..x.X..x..x."},
               {"kick": "X.......X.....m.", "snare": "....m.......m..."}),
        tops=({}, {"ride": "s...s...s...s..."}, {"hat": "m.s.m.s.m.s.m.s."}),
        percs=({}, {"tamb": "........m......."}, {"snare": "..............ss"}),
        kick_var=(6, 14, 10), fill_voices=("snare", "tom_hi", "tom_lo", "floor"), fill_lengths=(8, 4)),
    "folk": Groove(
        cores=({"kick": "X.......X.......", "rim": "....x.......x..."},
               {"kick": "X.....x.X.......", "snare": "....m.......m..."},
               {"kick": _FOUR, "snare": "....m.......m..."}),
        tops=({"tamb": "x.m.x.m.x.m.x.m."}, {"shaker": "msmsmsmsmsmsmsms"}, {"hat": "m.s.m.s.m.s.m.s."}),
        percs=({}, {"tamb": "....x.......x..."}, {"shaker": "..s...s...s...s."}),
        ghost_steps=(7, 15), kick_var=(6, 14), fill_voices=("snare", "tom_mid", "floor"), fill_lengths=(4,),
        vel_scale=0.88),
    "flamenco": Groove(
        cores=({"kick": "X.......X.......", "snare": "...x..x....x..x."},
               {"kick": "X.....x.X.....x.", "snare": "....x.......x..."},
               {"kick": "X..x....X..x....", "snare": "......x.......x."}),
        tops=({"clap": "..x...x...x...x."}, {"clap": "m..s..m.m..s..m."}, {"clap": "X.m.x.m.X.m.x.m."}),
        percs=({}, {"shaker": "msmsmsmsmsmsmsms"}, {"block_hi": "x.s.x.s.x.s.x.s."}),
        ghost_voice="rim", ghost_steps=(1, 5, 9, 13), kick_var=(14, 6, 11),
        fill_voices=("rim", "snare"), fill_lengths=(4, 8), fill_keeps=frozenset({"clap"})),
    "shuffle": Groove(
        cores=({"kick": "X.......X.......", "snare": _BB}, {"kick": _FOUR, "snare": _BB},
               {"kick": "X.....m.X.....m.", "snare": _BB}),
        tops=({"hat": "x.m.x.m.x.m.x.m."}, {"ride": "x.m.x.m.x.m.x.m."}, {"hat": "X.m.x.m.X.m.x.m."}),
        percs=({}, {"tamb": "....m.......m..."}),
        ghost_steps=(6, 14, 2, 10), kick_var=(6, 14, 10), open_var=(14,), fill_grid=2, thin_ok=False),
    "postrock": Groove(
        cores=({"kick": "X.......X.x.....", "snare": _BB},
               {"kick": "X.....x.X.......", "snare": _BB, "floor": "..m...m...m...m."},
               {"kick": "X.......X..m....", "snare": "........X......."}),
        tops=({"ride": "x.m.x.m.x.m.x.m."}, {"hat": "x.m.x.m.x.m.x.m."}, {"bell": "x...x...x...x..."}),
        percs=({}, {"tamb": "....m.......m..."}),
        ghost_steps=(7, 15, 3), kick_var=(10, 14, 3), open_var=(14,), fill_lengths=(4, 8, 8)),
    "disco": Groove(
        cores=({"kick": _FOUR, "snare": _BB}, {"kick": _FOUR, "snare": _BB, "clap": "....x.......x..."},
               {"kick": _FOUR, "snare": "....X.......X.g."}),
        tops=({"hat": "x.m.x.m.x.m.x.m.", "ohat": "..X...X...X...X."},
              {"hat": "xmsmxmsmxmsmxmsm", "ohat": "..x...x...x...x."}, {"hat": "xsmsxsmsxsmsxsms"}),
        percs=({}, {"tamb": "x.m.x.m.x.m.x.m."}, {"conga_open": "...m......m.....", "conga_mute": "......s.......s."},
               {"cowbell": "..m...m...m...m."}),
        ghost_steps=(7, 15, 11, 3), fill="build"),
}

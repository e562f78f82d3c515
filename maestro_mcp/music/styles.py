"""Style profiles and style matching.

A profile is the musical knowledge of one genre family: tempo, feel, drum grooves, bass rhythm, harmony,
comping, melody shape and instruments. The profile ids and keywords are spec/stori-prompt.md §7.4 (plus
``reggae``, which the spec's table sends to ``generic`` although the issue names it as a style of its own);
finer flavours ("deep house", "melodic techno", "jazz trio") are *variants* that override a few fields.

The vocabularies below (groove families, bass styles, comping styles, melody rhythms, arp patterns) are
the names the generators implement; every name a profile uses must be handled by its generator.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from typing import Any, Literal

GrooveFamily = Literal[
    "boom_bap", "lofi", "trap", "four_on_floor", "techno", "minimal", "dnb", "garage", "psytrance",
    "rock", "pop", "funk", "jazz_swing", "bossa", "afrobeats", "reggaeton", "one_drop", "second_line",
    "synthwave", "ambient", "cinematic", "folk", "flamenco", "shuffle", "postrock", "disco",
]
BassStyle = Literal[
    "root_fifth", "eighths", "boom_bap", "808", "walking", "offbeat", "octave", "funk", "rolling",
    "sustained", "bossa", "one_drop", "dembow", "afro", "two_step", "tuba",
]
CompingStyle = Literal[
    "sustained", "stabs", "charleston", "bossa", "skank", "strum", "arpeggiated", "pulse", "lofi",
    "funk", "neosoul", "power", "afro", "rasgueado", "shuffle",
]
Voicing = Literal["close", "open", "rootless", "spread", "power", "quartal"]
MelodyRhythm = Literal["straight", "syncopated", "sparse", "swing", "dotted", "busy"]
ArpPattern = Literal["up", "down", "updown", "converge", "pedal", "random_walk"]

ROLES = ("drums", "bass", "chords", "keys", "melody", "lead", "arp", "pads", "strings", "fx")

# GM programs (0-based) per role when a profile does not say otherwise.
DEFAULT_PROGRAMS: dict[str, int] = {
    "bass": 33, "chords": 0, "keys": 4, "melody": 73, "lead": 81, "arp": 80, "pads": 89, "strings": 48, "fx": 99,
}


@dataclass(frozen=True, slots=True)
class StyleProfile:
    id: str
    keywords: tuple[str, ...]
    tempo: int
    tempo_range: tuple[int, int]
    default_roles: tuple[str, ...]
    drum_kit: str
    grooves: tuple[GrooveFamily, ...]
    bass_style: BassStyle
    comping: CompingStyle
    voicing: Voicing
    progressions_major: tuple[tuple[str, ...], ...]
    progressions_minor: tuple[tuple[str, ...], ...]
    meter: tuple[int, int] = (4, 4)
    swing: float = 0.0  # 0 straight .. 1 triplet feel
    swing_unit: float = 0.5  # beats: 0.5 swings eighths, 0.25 swings sixteenths
    harmonic_rhythm: int = 1  # bars per chord
    fill_every: int = 4  # bars; drums fill the last bar of each block
    ghost_notes: float = 0.3  # 0..1 amount of drum ghost notes
    drum_density: float = 0.5  # 0..1
    bass_density: float = 0.5
    chord_density: float = 0.5
    melody_rhythm: MelodyRhythm = "straight"
    melody_density: float = 0.5
    melody_octave: int = 5  # register centre: C of this octave
    arp_pattern: ArpPattern = "updown"
    arp_rate: float = 0.25  # beats per arp step
    programs: dict[str, int] = field(default_factory=dict)
    velocity: int = 90  # mean velocity of pitched parts
    humanize_timing: float = 0.006  # std dev in beats
    humanize_velocity: float = 6.0  # std dev in velocity steps
    filter_sweeps: bool = False  # CC74 sweeps on pads/leads/bass where the genre wants them
    glide: bool = False  # pitch-bend glides on the bass (808 slides)
    lead_bends: bool = False  # expressive bends on lead lines
    sustain_pedal: bool = False  # CC64 on keys/chords
    scale_bias: str | None = None  # preferred melody scale when the caller gives none (e.g. blues)
    loose_key: bool = False  # chromatic idioms expected (jazz, funk, blues, bossa, neosoul, flamenco, brass)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)
    variant: str | None = None  # set on a resolved copy

    def program(self, role: str) -> int:
        return self.programs.get(role, DEFAULT_PROGRAMS.get(role, 0))

    def progressions(self, minor: bool) -> tuple[tuple[str, ...], ...]:
        return self.progressions_minor if minor else self.progressions_major


def _p(**kw: Any) -> StyleProfile:
    return StyleProfile(**kw)


_MAJ_POP = (("I", "V", "vi", "IV"), ("vi", "IV", "I", "V"), ("I", "vi", "IV", "V"))
_MIN_POP = (("i", "bVI", "bIII", "bVII"), ("i", "iv", "bVI", "V"), ("i", "bVII", "bVI", "bVII"))

PROFILES: tuple[StyleProfile, ...] = (
    _p(id="lofi", keywords=("lofi", "lo fi"), tempo=75, tempo_range=(70, 95),
       default_roles=("drums", "bass", "chords"), drum_kit="acoustic", grooves=("lofi", "boom_bap"),
       bass_style="boom_bap", comping="lofi", voicing="rootless",
       progressions_major=(("Imaj7", "vi7", "ii7", "V7"), ("IVmaj7", "iii7", "ii7", "Imaj7"), ("ii9", "V9", "Imaj9", "vi9")),
       progressions_minor=(("i7", "bVImaj7", "bIIImaj7", "bVII7sus4"), ("i9", "iv9", "bVIImaj7", "bIIImaj7"), ("i7", "iv7", "bVImaj7", "V7")),
       swing=0.5, swing_unit=0.25, ghost_notes=0.4, drum_density=0.45, melody_rhythm="sparse", melody_density=0.35,
       programs={"chords": 4, "keys": 4, "melody": 11, "lead": 11, "pads": 89}, velocity=78,
       humanize_timing=0.018, humanize_velocity=8.0, sustain_pedal=True,
       variants={"chill": {"drum_density": 0.4}}),
    _p(id="neosoul", keywords=("neo soul", "neosoul", "r&b", "rnb", "soul"), tempo=92, tempo_range=(70, 100),
       default_roles=("drums", "bass", "keys"), drum_kit="acoustic", grooves=("boom_bap", "funk"),
       bass_style="funk", comping="neosoul", voicing="rootless",
       progressions_major=(("IVmaj9", "iii7", "ii9", "Imaj9"), ("ii9", "V13", "Imaj9", "vi9"), ("Imaj9", "iii7", "vi9", "II7")),
       progressions_minor=(("i9", "iv9", "bVIImaj7", "bIIImaj7"), ("i9", "bVImaj7", "iim7b5", "V7#9"), ("i9", "iv9", "v7", "bVImaj7")),
       swing=0.35, swing_unit=0.25, ghost_notes=0.5, bass_density=0.55, melody_rhythm="syncopated",
       programs={"chords": 4, "keys": 4, "bass": 33, "melody": 65, "lead": 65}, velocity=82,
       humanize_timing=0.016, humanize_velocity=8.0, sustain_pedal=True, loose_key=True,
       variants={"r&b": {"grooves": ("pop", "boom_bap"), "swing": 0.2}, "rnb": {"grooves": ("pop", "boom_bap"), "swing": 0.2}}),
    _p(id="hiphop", keywords=("boom bap", "hip hop", "rap"), tempo=90, tempo_range=(80, 100),
       default_roles=("drums", "bass", "chords"), drum_kit="acoustic", grooves=("boom_bap",),
       bass_style="boom_bap", comping="lofi", voicing="close",
       progressions_major=(("Imaj7", "IVmaj7", "iii7", "vi7"), ("vi7", "ii7", "V7", "Imaj7")),
       progressions_minor=(("i7", "iv7", "i7", "V7"), ("i", "bVI", "bIII", "bVII"), ("i7", "bVII7", "bVImaj7", "V7")),
       swing=0.35, swing_unit=0.25, ghost_notes=0.35, melody_rhythm="syncopated", melody_density=0.4,
       programs={"chords": 4, "keys": 4, "melody": 11}, velocity=85, humanize_timing=0.012, humanize_velocity=8.0),
    _p(id="trap", keywords=("trap", "drill"), tempo=140, tempo_range=(130, 170),
       default_roles=("drums", "808", "lead"), drum_kit="TR-808", grooves=("trap",),
       bass_style="808", comping="sustained", voicing="close",
       progressions_major=(("vi", "IV", "I", "V"), ("I", "iii", "vi", "IV")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("i", "i", "bVI", "V"), ("i", "iv", "bVI", "V")),
       harmonic_rhythm=2, ghost_notes=0.1, drum_density=0.6, melody_rhythm="sparse", melody_density=0.4,
       programs={"bass": 38, "lead": 80, "melody": 80, "chords": 0, "pads": 89}, velocity=92,
       humanize_timing=0.003, humanize_velocity=5.0, glide=True, fill_every=8,
       variants={"dark": {"progressions_major": (("vi", "iii", "IV", "iii"),)}, "drill": {"tempo": 142}}),
    _p(id="dnb", keywords=("drum and bass", "drum & bass", "dnb", "jungle"), tempo=174, tempo_range=(160, 180),
       default_roles=("drums", "bass", "pads"), drum_kit="TR-909", grooves=("dnb",),
       bass_style="sustained", comping="sustained", voicing="open",
       progressions_major=(("vi", "IV", "I", "V"), ("I", "V", "vi", "IV")),
       progressions_minor=(("i", "bVI", "bVII", "i"), ("i", "bIII", "bVII", "iv")),
       harmonic_rhythm=2, ghost_notes=0.35, drum_density=0.65, melody_rhythm="sparse", melody_density=0.35,
       programs={"bass": 38, "pads": 89, "lead": 81}, humanize_timing=0.004, filter_sweeps=True, fill_every=8),
    _p(id="garage", keywords=("uk garage", "garage", "2 step"), tempo=132, tempo_range=(128, 138),
       default_roles=("drums", "bass", "chords"), drum_kit="TR-909", grooves=("garage",),
       bass_style="two_step", comping="stabs", voicing="close",
       progressions_major=(("ii9", "V9", "Imaj9", "vi9"), ("IVmaj7", "iii7", "vi7", "V7sus4")),
       progressions_minor=(("i9", "iv9", "bVII7", "bIIImaj7"), ("i9", "bVImaj7", "iv9", "V7")),
       swing=0.5, swing_unit=0.25, ghost_notes=0.3, melody_rhythm="syncopated",
       programs={"chords": 4, "bass": 38, "keys": 4}, humanize_timing=0.005, filter_sweeps=True),
    _p(id="house", keywords=("house", "minimal", "disco"), tempo=124, tempo_range=(118, 128),
       default_roles=("drums", "bass", "chords", "pads"), drum_kit="TR-909", grooves=("four_on_floor",),
       bass_style="offbeat", comping="stabs", voicing="close",
       progressions_major=(("Imaj7", "vi7", "ii7", "V7"), ("IV", "V", "iii", "vi"), ("ii7", "iii7", "IVmaj7", "V7")),
       progressions_minor=(("i7", "iv7", "i7", "iv7"), ("i9", "bVII", "bVImaj7", "bVII"), ("i7", "bIIImaj7", "bVII", "iv7")),
       swing=0.1, swing_unit=0.25, ghost_notes=0.15, drum_density=0.55, melody_rhythm="syncopated",
       programs={"chords": 4, "keys": 4, "bass": 38, "pads": 89, "lead": 81}, humanize_timing=0.003,
       humanize_velocity=5.0, filter_sweeps=True, fill_every=8,
       variants={"deep house": {"progressions_minor": (("i9", "iv9", "bVIImaj7", "bIIImaj7"),), "swing": 0.2},
                 "minimal": {"grooves": ("minimal",), "chord_density": 0.3, "drum_density": 0.4},
                 "disco": {"grooves": ("disco",), "bass_style": "octave", "comping": "pulse", "tempo": 118,
                           "programs": {"chords": 0, "bass": 33, "strings": 48, "pads": 48}}}),
    _p(id="psytrance", keywords=("psytrance", "psy"), tempo=145, tempo_range=(138, 148),
       default_roles=("drums", "bass", "lead"), drum_kit="TR-909", grooves=("psytrance",),
       bass_style="rolling", comping="sustained", voicing="close",
       progressions_major=(("vi", "vi", "IV", "V"),),
       progressions_minor=(("i", "i", "bII", "i"), ("i", "i", "bVI", "bVII")),
       harmonic_rhythm=2, ghost_notes=0.0, drum_density=0.6, melody_rhythm="busy", melody_density=0.7,
       arp_rate=0.25, programs={"bass": 38, "lead": 81, "arp": 81}, humanize_timing=0.0, humanize_velocity=3.0,
       filter_sweeps=True, fill_every=8),
    _p(id="techno", keywords=("techno",), tempo=128, tempo_range=(125, 135),
       default_roles=("drums", "bass", "lead", "pads"), drum_kit="TR-909", grooves=("techno",),
       bass_style="offbeat", comping="stabs", voicing="close",
       progressions_major=(("vi", "vi", "IV", "V"), ("I", "I", "IV", "IV")),
       progressions_minor=(("i", "i", "bVI", "bVII"), ("i7", "i7", "iv7", "iv7")),
       harmonic_rhythm=2, ghost_notes=0.1, drum_density=0.55, melody_rhythm="straight", melody_density=0.5,
       programs={"bass": 38, "lead": 81, "pads": 89, "arp": 81}, humanize_timing=0.002, humanize_velocity=4.0,
       filter_sweeps=True, fill_every=8,
       variants={"melodic techno": {"progressions_minor": (("i", "bVI", "bIII", "bVII"), ("i", "iv", "bVI", "bVII")),
                                    "melody_density": 0.55, "arp_pattern": "converge"}}),
    _p(id="edm", keywords=("edm", "trance", "dubstep", "big room", "electro"), tempo=128, tempo_range=(124, 140),
       default_roles=("drums", "bass", "lead", "pads"), drum_kit="TR-909", grooves=("four_on_floor",),
       bass_style="offbeat", comping="pulse", voicing="spread",
       progressions_major=_MAJ_POP, progressions_minor=_MIN_POP,
       ghost_notes=0.05, melody_rhythm="syncopated", melody_density=0.6,
       programs={"bass": 38, "lead": 81, "pads": 90, "chords": 81, "arp": 81}, humanize_timing=0.0,
       humanize_velocity=4.0, filter_sweeps=True, fill_every=8),
    _p(id="synthwave", keywords=("synthwave", "retrowave", "outrun"), tempo=100, tempo_range=(80, 118),
       default_roles=("drums", "bass", "pads", "lead"), drum_kit="TR-808", grooves=("synthwave",),
       bass_style="eighths", comping="pulse", voicing="spread",
       progressions_major=(("I", "V", "vi", "IV"), ("vi", "IV", "I", "V")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("i", "bVII", "bVI", "bVII")),
       ghost_notes=0.1, melody_rhythm="straight", melody_density=0.5, arp_pattern="up",
       programs={"bass": 38, "lead": 81, "pads": 90, "chords": 90, "arp": 81}, humanize_timing=0.002,
       humanize_velocity=4.0, filter_sweeps=True, lead_bends=True),
    _p(id="ambient", keywords=("ambient", "drone"), tempo=70, tempo_range=(60, 90),
       default_roles=("pads", "melody", "fx"), drum_kit="acoustic", grooves=("ambient",),
       bass_style="sustained", comping="sustained", voicing="spread",
       progressions_major=(("Iadd9", "IVmaj7"), ("Imaj7", "vi7", "IVmaj7", "Iadd9")),
       progressions_minor=(("i9", "bVImaj7"), ("i", "bVII", "bVImaj7", "iv")),
       harmonic_rhythm=2, ghost_notes=0.0, drum_density=0.15, bass_density=0.2, chord_density=0.2,
       melody_rhythm="sparse", melody_density=0.25, arp_rate=0.5,
       programs={"pads": 89, "melody": 88, "lead": 88, "chords": 88, "bass": 38, "fx": 99}, velocity=70,
       humanize_timing=0.01, humanize_velocity=6.0, filter_sweeps=True, fill_every=8,
       variants={"drone": {"harmonic_rhythm": 4}, "nordic": {"programs": {"pads": 91, "melody": 10, "fx": 99}}}),
    _p(id="cinematic", keywords=("cinematic", "orchestral", "classical", "string quartet", "score"), tempo=90,
       tempo_range=(60, 120), default_roles=("strings", "chords", "melody"), drum_kit="acoustic", grooves=("cinematic",),
       bass_style="root_fifth", comping="arpeggiated", voicing="open",
       progressions_major=(("I", "V", "vi", "IV"), ("I", "iii", "IV", "V"), ("vi", "IV", "I", "V")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("i", "iv", "bVI", "V"), ("i", "bVII", "bVI", "V")),
       harmonic_rhythm=1, ghost_notes=0.0, drum_density=0.3, melody_rhythm="straight", melody_density=0.45,
       programs={"strings": 48, "pads": 48, "chords": 0, "melody": 40, "lead": 40, "bass": 42}, velocity=80,
       humanize_timing=0.01, humanize_velocity=7.0, fill_every=8,
       variants={"string quartet": {"programs": {"strings": 40, "pads": 41, "chords": 41, "melody": 40, "bass": 42},
                                    "comping": "sustained", "tempo": 96},
                 "classical": {"programs": {"chords": 0, "melody": 40, "bass": 42, "strings": 48}}}),
    _p(id="jazz", keywords=("jazz", "bebop", "swing", "reharmonization"), tempo=120, tempo_range=(100, 200),
       default_roles=("drums", "bass", "piano"), drum_kit="jazz", grooves=("jazz_swing",),
       bass_style="walking", comping="charleston", voicing="rootless",
       progressions_major=(("ii7", "V7", "Imaj7", "Imaj7"), ("Imaj7", "vi7", "ii7", "V7"), ("iii7", "vi7", "ii7", "V7")),
       progressions_minor=(("iim7b5", "V7b9", "i7", "i7"), ("i7", "iv7", "iim7b5", "V7b9")),
       swing=0.85, swing_unit=0.5, ghost_notes=0.4, drum_density=0.5, melody_rhythm="swing", melody_density=0.55,
       programs={"chords": 0, "keys": 0, "bass": 32, "melody": 65, "lead": 66}, velocity=80,
       humanize_timing=0.012, humanize_velocity=9.0, sustain_pedal=False, loose_key=True,
       variants={"trio": {"comping": "charleston"}, "bebop": {"tempo": 180, "melody_density": 0.75}}),
    _p(id="bossa", keywords=("bossa nova", "bossa", "samba"), tempo=130, tempo_range=(110, 150),
       default_roles=("drums", "bass", "guitar"), drum_kit="jazz", grooves=("bossa",),
       bass_style="bossa", comping="bossa", voicing="rootless",
       progressions_major=(("Imaj7", "II7", "ii7", "V7"), ("Imaj7", "vi7", "ii7", "V7"), ("ii7", "V7", "Imaj7", "VI7")),
       progressions_minor=(("i7", "iv7", "iim7b5", "V7b9"), ("i7", "i7", "iv7", "V7")),
       ghost_notes=0.2, melody_rhythm="syncopated", melody_density=0.45,
       programs={"chords": 24, "keys": 0, "bass": 32, "melody": 73, "lead": 73}, velocity=76,
       humanize_timing=0.01, humanize_velocity=7.0, loose_key=True),
    _p(id="afrobeats", keywords=("afrobeats", "afrobeat", "amapiano"), tempo=104, tempo_range=(95, 115),
       default_roles=("drums", "bass", "chords", "lead"), drum_kit="acoustic", grooves=("afrobeats",),
       bass_style="afro", comping="afro", voicing="close",
       progressions_major=(("IVmaj7", "V", "iii7", "vi7"), ("I", "V", "vi", "IV"), ("ii7", "V", "Imaj7", "vi7")),
       progressions_minor=(("i7", "iv7", "bVII", "bIIImaj7"), ("i", "bVI", "bVII", "i")),
       swing=0.2, swing_unit=0.25, ghost_notes=0.3, drum_density=0.6, melody_rhythm="syncopated",
       programs={"chords": 25, "keys": 4, "bass": 33, "lead": 80, "melody": 73}, humanize_timing=0.008,
       variants={"amapiano": {"bass_style": "sustained", "programs": {"chords": 4, "bass": 38, "lead": 12}}}),
    _p(id="reggaeton", keywords=("reggaeton", "dembow", "dancehall"), tempo=95, tempo_range=(88, 100),
       default_roles=("drums", "bass", "chords"), drum_kit="TR-808", grooves=("reggaeton",),
       bass_style="dembow", comping="pulse", voicing="close",
       progressions_major=(("vi", "IV", "I", "V"), ("I", "V", "vi", "IV")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("i", "iv", "bVII", "bIII")),
       ghost_notes=0.1, drum_density=0.55, melody_rhythm="syncopated",
       programs={"bass": 38, "chords": 0, "lead": 80}, humanize_timing=0.003, humanize_velocity=5.0),
    _p(id="reggae", keywords=("reggae", "dub", "ska", "roots"), tempo=76, tempo_range=(66, 90),
       default_roles=("drums", "bass", "chords"), drum_kit="acoustic", grooves=("one_drop",),
       bass_style="one_drop", comping="skank", voicing="close",
       progressions_major=(("I", "IV", "I", "V"), ("I", "vi", "IV", "V"), ("ii", "V", "I", "I")),
       progressions_minor=(("i", "iv", "i", "iv"), ("i", "bVII", "bVI", "bVII")),
       swing=0.3, swing_unit=0.25, ghost_notes=0.3, melody_rhythm="syncopated", melody_density=0.4,
       programs={"chords": 16, "keys": 16, "bass": 33, "melody": 56}, velocity=84, humanize_timing=0.01,
       variants={"dub": {"filter_sweeps": True}, "ska": {"tempo": 150, "swing": 0.0}}),
    _p(id="funk", keywords=("funk", "funky"), tempo=105, tempo_range=(90, 120),
       default_roles=("drums", "bass", "guitar", "keys"), drum_kit="acoustic", grooves=("funk",),
       bass_style="funk", comping="funk", voicing="close",
       progressions_major=(("I7", "I7", "IV7", "I7"), ("I9", "IV9", "I9", "IV9"), ("I7", "IV7", "I7", "V7")),
       progressions_minor=(("i7", "i7", "iv9", "i7"), ("i7", "iv7", "i7", "bVII7")),
       swing=0.15, swing_unit=0.25, ghost_notes=0.6, drum_density=0.65, bass_density=0.65, chord_density=0.6,
       melody_rhythm="syncopated", melody_density=0.55,
       programs={"chords": 7, "keys": 7, "bass": 36, "lead": 27, "melody": 61}, velocity=90,
       humanize_timing=0.006, humanize_velocity=9.0, loose_key=True),
    _p(id="postrock", keywords=("post rock", "shoegaze"), tempo=110, tempo_range=(80, 140),
       default_roles=("drums", "bass", "lead guitar", "pads"), drum_kit="acoustic", grooves=("postrock", "rock"),
       bass_style="eighths", comping="arpeggiated", voicing="open",
       progressions_major=(("Iadd9", "V", "vi7", "IVmaj7"), ("IV", "I", "V", "vi")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("iadd9", "bVImaj7", "bIII", "bVII")),
       harmonic_rhythm=2, ghost_notes=0.2, melody_rhythm="straight", melody_density=0.4, arp_pattern="up",
       arp_rate=0.5, programs={"lead": 27, "chords": 27, "bass": 33, "pads": 89}, humanize_timing=0.008,
       fill_every=8),
    _p(id="rock", keywords=("rock", "metal", "punk", "grunge"), tempo=120, tempo_range=(100, 160),
       default_roles=("drums", "bass", "electric guitar"), drum_kit="acoustic", grooves=("rock",),
       bass_style="eighths", comping="power", voicing="power",
       progressions_major=(("I", "bVII", "IV", "I"), ("I", "V", "vi", "IV"), ("I", "IV", "V", "IV")),
       progressions_minor=(("i", "bVII", "bVI", "bVII"), ("i", "bIII", "bVII", "iv")),
       ghost_notes=0.15, drum_density=0.55, melody_rhythm="straight",
       programs={"chords": 29, "lead": 30, "bass": 34}, velocity=98, humanize_timing=0.006,
       lead_bends=True),
    _p(id="blues", keywords=("blues",), tempo=90, tempo_range=(70, 130),
       default_roles=("drums", "bass", "guitar", "lead"), drum_kit="acoustic", grooves=("shuffle",),
       bass_style="walking", comping="shuffle", voicing="close",
       progressions_major=(("I7", "IV7", "I7", "I7", "IV7", "IV7", "I7", "I7", "V7", "IV7", "I7", "V7"),),
       progressions_minor=(("i7", "iv7", "i7", "i7", "iv7", "iv7", "i7", "i7", "bVI7", "V7", "i7", "V7"),),
       swing=0.9, swing_unit=0.5, ghost_notes=0.3, melody_rhythm="swing", melody_density=0.5,
       programs={"chords": 26, "lead": 27, "bass": 33, "keys": 16}, velocity=88, humanize_timing=0.012,
       lead_bends=True, scale_bias="blues", loose_key=True),
    _p(id="flamenco", keywords=("flamenco",), tempo=120, tempo_range=(100, 180),
       default_roles=("guitar", "percussion", "melody"), drum_kit="acoustic", grooves=("flamenco",),
       bass_style="root_fifth", comping="rasgueado", voicing="close",
       progressions_major=(("vi", "V", "IV", "III"),),
       progressions_minor=(("i", "bVII", "bVI", "V"), ("iv", "bIII", "bII", "i")),
       ghost_notes=0.3, melody_rhythm="busy", melody_density=0.6,
       programs={"chords": 24, "melody": 24, "lead": 24, "bass": 32}, velocity=88, humanize_timing=0.01,
       humanize_velocity=9.0, loose_key=True),
    _p(id="folk", keywords=("folk", "acoustic", "country"), tempo=96, tempo_range=(80, 120),
       default_roles=("guitar", "bass", "melody"), drum_kit="acoustic", grooves=("folk",),
       bass_style="root_fifth", comping="strum", voicing="open",
       progressions_major=(("I", "IV", "I", "V"), ("I", "V", "vi", "IV"), ("vi", "IV", "I", "V")),
       progressions_minor=(("i", "bVII", "bVI", "bVII"), ("i", "iv", "bVII", "bIII")),
       ghost_notes=0.1, drum_density=0.35, melody_rhythm="straight", melody_density=0.5,
       programs={"chords": 25, "melody": 73, "lead": 40, "bass": 32}, velocity=84, humanize_timing=0.01,
       variants={"indie": {"progressions_major": (("IVadd9", "I", "V", "vi"),)}}),
    _p(id="brass", keywords=("new orleans", "brass band", "second line"), tempo=100, tempo_range=(90, 120),
       default_roles=("drums", "tuba", "trumpet", "trombone"), drum_kit="acoustic", grooves=("second_line",),
       bass_style="tuba", comping="shuffle", voicing="close",
       progressions_major=(("I", "I", "IV", "IV", "I", "V7", "I", "I"), ("I", "IV", "I", "V7")),
       progressions_minor=(("i", "iv", "V7", "i"),),
       swing=0.55, swing_unit=0.5, ghost_notes=0.4, drum_density=0.6, melody_rhythm="syncopated",
       melody_density=0.55, programs={"bass": 58, "melody": 56, "lead": 57, "chords": 61}, velocity=95,
       humanize_timing=0.012, humanize_velocity=9.0, lead_bends=True, loose_key=True),
    _p(id="pop", keywords=("pop",), tempo=110, tempo_range=(90, 130),
       default_roles=("drums", "bass", "chords", "lead"), drum_kit="acoustic", grooves=("pop",),
       bass_style="eighths", comping="pulse", voicing="close",
       progressions_major=_MAJ_POP, progressions_minor=_MIN_POP,
       ghost_notes=0.15, melody_rhythm="syncopated", melody_density=0.5,
       programs={"chords": 0, "lead": 81, "bass": 33}, humanize_timing=0.005),
    _p(id="generic", keywords=(), tempo=110, tempo_range=(90, 130),
       default_roles=("drums", "bass", "chords", "melody"), drum_kit="acoustic", grooves=("pop", "rock"),
       bass_style="root_fifth", comping="sustained", voicing="close",
       progressions_major=(("I", "V", "vi", "IV"), ("I", "IV", "V", "I")),
       progressions_minor=(("i", "bVI", "bIII", "bVII"), ("i", "iv", "v", "i")),
       melody_rhythm="straight"),
)

PROFILES_BY_ID = {p.id: p for p in PROFILES}

# Names people use for these styles that are not keywords of the table (misspellings come through difflib).
ALIASES = {
    "lo-fi": "lofi", "lofi hip hop": "lofi", "chillhop": "lofi", "hiphop": "hiphop", "boombap": "hiphop",
    "d&b": "dnb", "dnb": "dnb", "neo-soul": "neosoul", "rnb": "neosoul", "ukg": "garage", "deep": "house",
    "edm": "edm", "orchestra": "cinematic", "film": "cinematic", "strings": "cinematic", "bossanova": "bossa",
    "afro": "afrobeats", "latin": "reggaeton", "guitar": "folk", "classical": "cinematic", "idm": "techno",
}


def normalise_style(text: str) -> str:
    """Lower-case; spaces, hyphens and underscores alike; collapse runs of space."""
    s = re.sub(r"[\s_\-]+", " ", text.strip().lower())
    return s.strip()


def _contains_words(text: str, phrase: str) -> bool:
    return re.search(rf"(?<![\w&]){re.escape(phrase)}(?![\w&])", text) is not None


@dataclass(frozen=True, slots=True)
class StyleMatch:
    profile: StyleProfile
    warning: str | None  # set when the text matched no keyword


def match_style(text: str) -> StyleMatch:
    """The first profile whose keyword the text contains as whole words (spec §7.4), with its variant
    applied; otherwise the nearest profile by name, otherwise ``generic`` — never an error."""
    norm = normalise_style(text)
    for profile in PROFILES:
        if any(_contains_words(norm, kw) for kw in profile.keywords):
            return StyleMatch(_apply_variant(profile, norm), None)
    for alias, pid in ALIASES.items():
        if _contains_words(norm, alias):
            p = PROFILES_BY_ID[pid]
            return StyleMatch(_apply_variant(p, norm), f"style '{text}' matched no keyword; using '{p.id}' ({alias})")
    vocab = {kw: p for p in PROFILES for kw in p.keywords} | {a: PROFILES_BY_ID[i] for a, i in ALIASES.items()}
    for word in [norm, *norm.split(" ")]:
        close = difflib.get_close_matches(word, list(vocab), n=1, cutoff=0.75)
        if close:
            p = vocab[close[0]]
            return StyleMatch(p, f"style '{text}' is unknown; using the nearest profile '{p.id}' (like '{close[0]}')")
    return StyleMatch(PROFILES_BY_ID["generic"], f"style '{text}' is unknown; using the 'generic' profile")


def _apply_variant(profile: StyleProfile, norm: str) -> StyleProfile:
    for name, overrides in profile.variants.items():
        if _contains_words(norm, name):
            merged = dict(overrides)
            if "programs" in merged:
                merged["programs"] = {**profile.programs, **merged["programs"]}
            return replace(profile, variant=name, **merged)
    return profile


def clamp_tempo(profile: StyleProfile, tempo: float | None) -> float:
    return float(profile.tempo if tempo is None else tempo)

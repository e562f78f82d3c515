"""The engine's value types: notes, controller events, parts, requests and compositions.

Times are beats (quarter notes), region-relative. Everything here is plain data; generators build
lists of these and the MIDI writer and the tool layer read them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DRUM_CHANNEL = 9  # GM channel 10, 0-based


@dataclass(frozen=True, slots=True)
class Note:
    pitch: int
    start: float
    duration: float
    velocity: int

    @property
    def end(self) -> float:
        return self.start + self.duration

    def to_wire(self) -> dict[str, Any]:
        return {
            "pitch": self.pitch,
            "startBeat": self.start,
            "durationBeats": self.duration,
            "velocity": self.velocity,
        }


@dataclass(frozen=True, slots=True)
class ControlChange:
    cc: int
    beat: float
    value: int

    def to_wire(self) -> dict[str, Any]:
        return {"cc": self.cc, "beat": self.beat, "value": self.value}


@dataclass(frozen=True, slots=True)
class PitchBend:
    beat: float
    value: int  # -8192..8191, 0 = centre

    def to_wire(self) -> dict[str, Any]:
        return {"beat": self.beat, "value": self.value}


@dataclass(frozen=True, slots=True)
class Constraints:
    """Caller constraints; ``None`` means "the style decides"."""

    density: float | None = None  # 0..1
    complexity: float | None = None  # 0..1 (drums: fills, ghost notes, variations)
    syncopation: float | None = None  # 0..1
    swing: float | None = None  # 0 straight .. 1 full triplet feel
    note_range: tuple[int, int] | None = None  # replaces the role's range
    velocity_floor: int | None = None
    velocity_ceiling: int | None = None
    octave: int | None = None  # melody register centre: C of this octave (C4 = 60)
    scale: str | None = None  # explicit scale name (theory.SCALES)


@dataclass(frozen=True, slots=True)
class PartRequest:
    """Everything one role's generator needs besides the shared chord plan."""

    role: str
    style: str
    tempo: float
    bars: int
    seed: int
    key: str = "C"
    time_signature: tuple[int, int] = (4, 4)
    progression: tuple[str, ...] | None = None  # chord symbols or roman numerals, one per bar, cycling
    constraints: Constraints = field(default_factory=Constraints)


@dataclass(slots=True)
class Part:
    role: str  # generator role actually used (drums, bass, chords, melody, lead, arp, pads, fx, keys, strings)
    name: str  # track name
    program: int  # GM program, 0-based (ignored for drums)
    channel: int  # 0-based MIDI channel; DRUM_CHANNEL for drums
    notes: list[Note] = field(default_factory=list)
    cc: list[ControlChange] = field(default_factory=list)
    pitch_bends: list[PitchBend] = field(default_factory=list)

    @property
    def is_drums(self) -> bool:
        return self.channel == DRUM_CHANNEL

    def sort(self) -> None:
        self.notes.sort(key=lambda n: (n.start, n.pitch))
        self.cc.sort(key=lambda c: (c.beat, c.cc))
        self.pitch_bends.sort(key=lambda b: b.beat)

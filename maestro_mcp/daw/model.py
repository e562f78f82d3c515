"""The project model: one song as the headless DAW holds it (spec/daw-websocket.md §6 is its wire shape).

Pure data plus the two projections everyone needs: ``to_snapshot`` (the Project object tools and REST
return) and ``canonical_form`` (what the state version compares, spec/variations.md §5). Transport and UI
state live on the project so they persist with it, but neither projection includes them: moving the
playhead or showing a panel is not a change of the song.
"""

from __future__ import annotations

import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic.alias_generators import to_camel

DRUM_CHANNEL = 10  # 1-based GM drum channel, as the model and the wire count channels
SCHEMA_VERSION = 1


def new_id() -> str:
    return str(uuid.uuid4())


def beats_per_bar(numerator: int, denominator: int) -> float:
    return numerator * 4 / denominator


class Wire(BaseModel):
    """Base of every model: camelCase out, either spelling in."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, validate_assignment=False)

    def wire(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="json")


class Note(Wire):
    pitch: int = Field(ge=0, le=127)
    start_beat: float = Field(ge=0)  # region-relative
    duration_beats: float = Field(gt=0)
    velocity: int = Field(default=100, ge=1, le=127)
    channel: int = Field(default=0, ge=0, le=15)  # 0-based; kept, but export uses the track's channel


class CCEvent(Wire):
    cc: int = Field(ge=0, le=127)
    beat: float = Field(ge=0)
    value: int = Field(ge=0, le=127)


class PitchBendEvent(Wire):
    beat: float = Field(ge=0)
    value: int = Field(ge=-8192, le=8191)


class AftertouchEvent(Wire):
    beat: float = Field(ge=0)
    value: int = Field(ge=0, le=127)
    pitch: int | None = Field(default=None, ge=0, le=127)  # None = channel aftertouch


class AutomationPoint(Wire):
    beat: float = Field(ge=0)  # project-absolute
    value: float
    curve: str = "Linear"


class AutomationLane(Wire):
    parameter: str
    points: list[AutomationPoint] = Field(default_factory=list)


class Effect(Wire):
    effect_id: str
    type: str
    settings: dict[str, Any] | None = None


class Send(Wire):
    bus_id: str
    level_db: float


class Bus(Wire):
    id: str
    name: str


class Region(Wire):
    id: str
    name: str = ""
    start_beat: float = Field(ge=0)  # project-absolute
    duration_beats: float = Field(gt=0)
    color: str | None = None
    notes: list[Note] = Field(default_factory=list)
    cc_events: list[CCEvent] = Field(default_factory=list)
    pitch_bends: list[PitchBendEvent] = Field(default_factory=list)
    aftertouch: list[AftertouchEvent] = Field(default_factory=list)

    @property
    def end_beat(self) -> float:
        return self.start_beat + self.duration_beats


class Track(Wire):
    id: str
    name: str = "Track"
    is_drums: bool = False
    drum_kit_id: str | None = None
    gm_program: int | None = None
    instrument: str | None = None
    # None = "not set by stori_set_midi_program": the effective channel then depends on the track order.
    channel: int | None = Field(default=None, ge=1, le=16)
    volume_db: float = 0.0
    pan: float = 0.0
    muted: bool = False
    solo: bool = False
    color: str | None = None
    icon: str | None = None
    effects: list[Effect] = Field(default_factory=list)
    sends: list[Send] = Field(default_factory=list)
    automation: list[AutomationLane] = Field(default_factory=list)
    regions: list[Region] = Field(default_factory=list)


class TimeSignature(Wire):
    numerator: int = Field(default=4, ge=1, le=32)
    denominator: int = Field(default=4)

    @field_validator("denominator")
    @classmethod
    def _power_of_two(cls, v: int) -> int:
        if v not in (1, 2, 4, 8, 16, 32):
            raise ValueError("denominator must be one of 1, 2, 4, 8, 16, 32")
        return v

    @classmethod
    def parse(cls, value: Any) -> TimeSignature:
        """Accept ``"N/D"``, ``{numerator, denominator}`` or a TimeSignature (tools.md §3)."""
        if isinstance(value, TimeSignature):
            return value
        if isinstance(value, str):
            num, sep, den = value.strip().partition("/")
            if not sep:
                raise ValueError(f"'{value}' is not a time signature (N/D)")
            return cls(numerator=int(num), denominator=int(den))
        return cls.model_validate(value)

    @property
    def beats_per_bar(self) -> float:
        return beats_per_bar(self.numerator, self.denominator)


class Selection(Wire):
    track_ids: list[str] = Field(default_factory=list)
    region_ids: list[str] = Field(default_factory=list)


class Transport(Wire):
    playing: bool = False
    position_beats: float = 0.0


class UiState(Wire):
    panels: dict[str, bool] = Field(default_factory=dict)
    zoom_percent: float = 100.0


class Project(Wire):
    id: str
    name: str = "Untitled"
    tempo: float = 120.0
    key: str = "C"
    time_signature: TimeSignature = Field(default_factory=TimeSignature)
    schema_version: int = SCHEMA_VERSION
    tracks: list[Track] = Field(default_factory=list)
    buses: list[Bus] = Field(default_factory=list)
    selection: Selection | None = None
    transport: Transport = Field(default_factory=Transport)
    ui: UiState = Field(default_factory=UiState)

    @field_validator("time_signature", mode="before")
    @classmethod
    def _lenient_time_signature(cls, v: Any) -> Any:
        return TimeSignature.parse(v) if isinstance(v, str) else v

    @classmethod
    def new(
        cls,
        name: str = "Untitled",
        tempo: float = 120.0,
        key: str = "C",
        time_signature: TimeSignature | None = None,
        project_id: str | None = None,
    ) -> Project:
        """The default headless project (README glossary): Untitled, 120 BPM, C, 4/4, a fresh id."""
        return cls(
            id=project_id or new_id(),
            name=name,
            tempo=tempo,
            key=key,
            time_signature=time_signature or TimeSignature(),
        )

    @property
    def beats_per_bar(self) -> float:
        return self.time_signature.beats_per_bar

    # -- lookups -------------------------------------------------------------------------------------

    def track(self, track_id: str) -> Track | None:
        return next((t for t in self.tracks if t.id == track_id), None)

    def bus(self, bus_id: str) -> Bus | None:
        return next((b for b in self.buses if b.id == bus_id), None)

    def region(self, region_id: str) -> tuple[Track, Region] | None:
        for t in self.tracks:
            for r in t.regions:
                if r.id == region_id:
                    return t, r
        return None

    def track_channels(self) -> dict[str, int]:
        """Effective 1-based channel of every track (http-api.md §9): an explicit one wins; else drums
        get 10 and melodic tracks 1, 2, … in track order, skipping 10 and wrapping after 16."""
        channels: dict[str, int] = {}
        next_melodic = 0
        melodic_cycle = [c for c in range(1, 17) if c != DRUM_CHANNEL]
        for t in self.tracks:
            if t.channel is not None:
                channels[t.id] = t.channel
            elif t.is_drums:
                channels[t.id] = DRUM_CHANNEL
            else:
                channels[t.id] = melodic_cycle[next_melodic % len(melodic_cycle)]
                next_melodic += 1
        return channels

    def note_count(self) -> int:
        return sum(len(r.notes) for t in self.tracks for r in t.regions)

    # -- projections ---------------------------------------------------------------------------------

    def to_snapshot(self, include_notes: bool = False, include_automation: bool = False) -> dict[str, Any]:
        """The Project object of daw-websocket.md §6: every field present, null where left out."""
        channels = self.track_channels()
        tracks = []
        for t in self.tracks:
            regions = []
            for r in t.regions:
                regions.append(
                    {
                        "id": r.id,
                        "name": r.name,
                        "startBeat": r.start_beat,
                        "durationBeats": r.duration_beats,
                        "color": r.color,
                        "noteCount": len(r.notes),
                        "notes": [n.wire() for n in r.notes] if include_notes else None,
                        "ccEvents": [e.wire() for e in r.cc_events] if include_notes else None,
                        "pitchBends": [e.wire() for e in r.pitch_bends] if include_notes else None,
                        "aftertouch": [e.wire() for e in r.aftertouch] if include_notes else None,
                    }
                )
            tracks.append(
                {
                    "id": t.id,
                    "name": t.name,
                    "isDrums": t.is_drums,
                    "drumKitId": t.drum_kit_id,
                    "gmProgram": t.gm_program,
                    "instrument": t.instrument,
                    "channel": channels[t.id],
                    "volumeDb": t.volume_db,
                    "pan": t.pan,
                    "muted": t.muted,
                    "solo": t.solo,
                    "color": t.color,
                    "icon": t.icon,
                    "effects": [e.wire() for e in t.effects],
                    "sends": [s.wire() for s in t.sends],
                    "regions": regions,
                    "automation": [a.wire() for a in t.automation] if include_automation else None,
                }
            )
        return {
            "id": self.id,
            "name": self.name,
            "tempo": self.tempo,
            "key": self.key,
            "timeSignature": self.time_signature.wire(),
            "schemaVersion": SCHEMA_VERSION,
            "tracks": tracks,
            "buses": [b.wire() for b in self.buses],
            "selection": self.selection.wire() if self.selection is not None else None,
        }

    def canonical_form(self) -> dict[str, Any]:
        """What the state version compares (variations.md §5): the song's content only, tracks and
        regions in order, notes sorted by (startBeat, pitch), numbers rounded to 1e-6. Transport, UI
        state and the selection are not content."""
        snap = _round(self.to_snapshot(include_notes=True, include_automation=True))
        assert isinstance(snap, dict)
        snap.pop("selection", None)
        for t in snap["tracks"]:
            for r in t["regions"]:
                r["notes"].sort(key=lambda n: (n["startBeat"], n["pitch"]))
        return snap


def _round(value: Any) -> Any:
    if isinstance(value, float):
        r = round(value, 6)
        return r + 0.0  # folds -0.0 into 0.0 so both compare equal
    if isinstance(value, dict):
        return {k: _round(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_round(v) for v in value]
    return value

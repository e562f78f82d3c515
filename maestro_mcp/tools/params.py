"""Parameter specifications: what a tool accepts, declared once and read by both the validator
(``validation.py``) and the JSON Schema writer (``ToolSpec.input_schema``).

A ``Param`` is plain data. Its ``kind`` names the validator that reads it; the few shapes the wire allows
beyond JSON's own types (a key text, a time signature, a chord list, a density word) are kinds of their own
so that both sides (validation and schema) agree on them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal[
    "string",  # trimmed text; min_length/max_length; optional choices
    "integer",
    "number",
    "boolean",
    "array",  # of ``items``
    "object",  # with ``fields``; unknown keys are warnings
    "settings",  # free object of scalar values (insert-effect settings)
    "key",  # Key text (tools.md §3), normalised to its output form
    "time_signature",  # "N/D" or {numerator, denominator}
    "color",  # colour name or #RRGGBB
    "chords",  # chord symbols: array, or one string split on whitespace , - |
    "progression",  # chord symbols or roman numerals, same shapes as "chords"
    "density",  # 0..1 or a density word
    "note_range",  # [low, high] MIDI pitches
]

MatchMode = Literal["case", "loose", "loose_camel", "exact"]


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


NO_DEFAULT: Any = _NoDefault()

_CAMEL_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def to_snake(name: str) -> str:
    return _CAMEL_BOUNDARY.sub("_", name).lower()


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _loose(text: str, camel: bool) -> str:
    if camel:
        text = _CAMEL_BOUNDARY.sub("_", text)
    return re.sub(r"[\s_\-]+", "_", text.strip().lower())


@dataclass(frozen=True)
class Choices:
    """An enum: canonical values, input synonyms, and how loosely input is compared."""

    values: tuple[str, ...]
    synonyms: Mapping[str, str] = field(default_factory=dict)
    match: MatchMode = "case"
    # Ignore a trailing parenthesised part ("Filter Cutoff (CC74)" -> "Filter Cutoff"), tools.md §9.1.
    drop_parenthesised: bool = False

    def _fold(self, text: str) -> str:
        if self.drop_parenthesised:
            text = re.sub(r"\s*\([^()]*\)\s*$", "", text)
        if self.match == "exact":
            return text.strip()
        if self.match == "case":
            return text.strip().lower()
        return _loose(text, camel=self.match == "loose_camel")

    def lookup(self, text: str) -> str | None:
        """The canonical value ``text`` names, or None."""
        folded = self._fold(text)
        for value in self.values:
            if self._fold(value) == folded:
                return value
        for synonym, value in self.synonyms.items():
            if self._fold(synonym) == folded:
                return value
        return None

    def listing(self) -> str:
        return ", ".join(self.values)


# How a converting alias turns its value into the canonical parameter's value; raises ValueError with a
# message when the value has no equivalent.
Converter = Callable[[Any], Any]


@dataclass(frozen=True)
class Param:
    name: str  # canonical spelling (camelCase, or a fixed snake_case name such as include_notes)
    kind: Kind
    description: str = ""
    required: bool = False
    default: Any = NO_DEFAULT
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None  # strings, after trimming: shorter -> INVALID_VALUE
    max_length: int | None = None
    choices: Choices | None = None
    min_items: int | None = None
    max_items: int | None = None
    items: Param | None = None  # arrays
    fields: tuple[Param, ...] = ()  # objects
    aliases: tuple[str, ...] = ()  # other names carrying the same value (busName -> busId)
    # A converting alias: this parameter is accepted on input only, validated as declared, then converted
    # into ``converts_to`` (canonical wins when both are given). Hidden from the input schema.
    converts_to: str | None = None
    convert: Converter | None = None
    missing_hint: str | None = None  # appended to "is required"
    entity: bool = False  # an id-or-name parameter resolved by the DAW layer

    @property
    def hidden(self) -> bool:
        return self.converts_to is not None

    # -- JSON Schema --------------------------------------------------------------------------------

    def json_schema(self) -> dict[str, Any]:
        schema = self._type_schema()
        if self.description:
            schema["description"] = self.description
        if self.default is not NO_DEFAULT and self.default is not None:
            schema["default"] = self.default
        return schema

    def _type_schema(self) -> dict[str, Any]:
        k = self.kind
        if k in ("integer", "number"):
            s: dict[str, Any] = {"type": k}
            if self.minimum is not None:
                s["minimum"] = _num(self.minimum)
            if self.maximum is not None:
                s["maximum"] = _num(self.maximum)
            return s
        if k == "boolean":
            return {"type": "boolean"}
        if k in ("string", "key"):
            s = {"type": "string"}
            if self.choices is not None:
                s["enum"] = list(self.choices.values)
            if self.min_length:
                s["minLength"] = self.min_length
            if self.max_length is not None:
                s["maxLength"] = self.max_length
            return s
        if k == "color":
            return {
                "type": "string",
                "anyOf": [{"enum": list(COLOR_NAMES)}, {"pattern": "^#[0-9A-Fa-f]{6}$"}],
            }
        if k == "array":
            assert self.items is not None
            s = {"type": "array", "items": self.items.json_schema()}
            if self.min_items is not None:
                s["minItems"] = self.min_items
            if self.max_items is not None:
                s["maxItems"] = self.max_items
            return s
        if k == "object":
            return object_schema(self.fields)
        if k == "settings":
            return {
                "type": "object",
                "maxProperties": 32,
                "additionalProperties": {"anyOf": [{"type": "number"}, {"type": "string"}, {"type": "boolean"}]},
            }
        if k == "time_signature":
            return {
                "anyOf": [
                    {"type": "string", "pattern": r"^\s*\d+\s*/\s*\d+\s*$"},
                    {
                        "type": "object",
                        "properties": {
                            "numerator": {"type": "integer", "minimum": 1, "maximum": 32},
                            "denominator": {"type": "integer", "enum": list(DENOMINATORS)},
                        },
                        "required": ["numerator", "denominator"],
                    },
                ]
            }
        if k in ("chords", "progression"):
            return {
                "anyOf": [
                    {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 64},
                    {"type": "string"},
                ]
            }
        if k == "density":
            return {
                "anyOf": [
                    {"type": "number", "minimum": 0, "maximum": 1},
                    {"type": "string", "enum": list(DENSITY_WORDS)},
                ]
            }
        if k == "note_range":
            return {
                "type": "array",
                "items": {"type": "integer", "minimum": 0, "maximum": 127},
                "minItems": 2,
                "maxItems": 2,
            }
        raise AssertionError(f"no schema for kind {k}")


def object_schema(fields: tuple[Param, ...]) -> dict[str, Any]:
    visible = [f for f in fields if not f.hidden]
    schema: dict[str, Any] = {"type": "object", "properties": {f.name: f.json_schema() for f in visible}}
    required = [f.name for f in visible if f.required]
    if required:
        schema["required"] = required
    return schema


def _num(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


# -- Vocabularies (tools.md §3) ---------------------------------------------------------------------

COLOR_NAMES = ("red", "orange", "yellow", "green", "blue", "purple", "pink", "teal", "indigo")
DENOMINATORS = (1, 2, 4, 8, 16, 32)
ICONS = Choices(
    (
        "pianokeys", "pianokeys.inverse", "guitars", "guitars.fill", "instrument.drum", "instrument.trumpet",
        "instrument.violin", "instrument.saxophone", "instrument.flute", "instrument.harp",
        "instrument.xylophone", "music.mic", "music.note", "music.note.list", "music.quarternote.3",
        "waveform", "waveform.path", "sparkles", "metronome", "speaker.wave.2", "headphones", "tuningfork",
        "mic", "bolt",
    )
)
COLOR_CHOICES = Choices(COLOR_NAMES)
EFFECT_TYPES = Choices(
    (
        "reverb", "delay", "compressor", "eq", "distortion", "overdrive", "filter", "chorus", "tremolo",
        "phaser", "flanger", "modulation",
    ),
    synonyms={
        "compression": "compressor", "equalizer": "eq", "equaliser": "eq", "saturation": "overdrive",
        "tape": "overdrive", "tube": "overdrive", "warmth": "overdrive", "fuzz": "distortion",
        "echo": "delay", "lowpass": "filter", "highpass": "filter", "lpf": "filter", "hpf": "filter",
    },
)
DRUM_KITS = Choices(("acoustic", "TR-909", "TR-808", "jazz"), synonyms={"808": "TR-808", "909": "TR-909"},
                    match="loose")
GRIDS = Choices(("1/4", "1/8", "1/16", "1/32", "1/64"), match="exact")
GRID_BEATS = {1.0: "1/4", 0.5: "1/8", 0.25: "1/16", 0.125: "1/32", 0.0625: "1/64"}
CURVES = Choices(("Linear", "Smooth", "Step", "Exp", "Log"))
AUTOMATION_PARAMETERS = Choices(
    ("volume", "pan", "reverb_wet", "filter_cutoff", "tremolo_rate", "delay_feedback"),
    match="loose",
    drop_parenthesised=True,
)
# Point value range per automation parameter (tools.md §9.1).
AUTOMATION_RANGES: dict[str, tuple[float, float]] = {
    "volume": (-60.0, 6.0),
    "pan": (-100.0, 100.0),
    "reverb_wet": (0.0, 1.0),
    "filter_cutoff": (0.0, 1.0),
    "tremolo_rate": (0.0, 1.0),
    "delay_feedback": (0.0, 1.0),
}
PANELS = Choices(("mixer", "inspector", "piano_roll", "step_sequencer", "library"), match="loose_camel")
ROLES = Choices(
    ("drums", "bass", "chords", "melody", "lead", "arp", "pads", "fx"),
    synonyms={"pad": "pads", "chord": "chords"},
    match="loose",
)
SCALES = Choices(
    (
        "major", "natural_minor", "harmonic_minor", "melodic_minor", "dorian", "phrygian", "lydian",
        "mixolydian", "locrian", "major_pentatonic", "minor_pentatonic", "blues",
    ),
    match="loose",
)
DENSITY_WORDS: dict[str, float] = {
    "very sparse": 0.1, "sparse": 0.25, "low": 0.25, "medium-sparse": 0.4, "medium": 0.5,
    "medium-dense": 0.65, "dense": 0.8, "high": 0.8, "very dense": 0.95, "very high": 0.95,
}


def density_word(text: str) -> float | None:
    folded = _loose(text, camel=False)
    for word, value in DENSITY_WORDS.items():
        if _loose(word, camel=False) == folded:
            return value
    return None


# -- Building blocks shared by several tools --------------------------------------------------------

def track_id(description: str = "Track id or name (a name is matched case-insensitively)") -> Param:
    return Param("trackId", "string", description, required=True, min_length=1, aliases=("trackName",),
                 entity=True)


def region_id(description: str = "Region id or name", required: bool = True) -> Param:
    return Param("regionId", "string", description, required=required, min_length=1, aliases=("regionName",),
                 entity=True)


BEAT = Param("beat", "number", "Beat, region-relative (quarter notes)", required=True, minimum=0)
NOTE = Param(
    "note",
    "object",
    fields=(
        Param("pitch", "integer", "MIDI pitch (60 = C4)", required=True, minimum=0, maximum=127),
        Param("startBeat", "number", "Start in beats, relative to the region start", required=True, minimum=0),
        Param("durationBeats", "number", "Length in beats", required=True, minimum=0.01, maximum=1000),
        Param("velocity", "integer", "1-127", default=100, minimum=1, maximum=127),
        Param("channel", "integer", "MIDI channel, 0-based (9 = GM drums)", default=0, minimum=0, maximum=15),
    ),
)
CC_EVENT = Param(
    "event", "object",
    fields=(BEAT, Param("value", "integer", "0-127", required=True, minimum=0, maximum=127)),
)
PITCH_BEND_EVENT = Param(
    "event", "object",
    fields=(
        BEAT,
        Param("value", "integer", "-8192..8191; 0 = centre, ±4096 ≈ ±1 semitone", required=True,
              minimum=-8192, maximum=8191),
    ),
)
AFTERTOUCH_EVENT = Param(
    "event", "object",
    fields=(
        BEAT,
        Param("value", "integer", "0-127", required=True, minimum=0, maximum=127),
        Param("pitch", "integer", "Note for polyphonic aftertouch; omit for channel aftertouch",
              minimum=0, maximum=127),
    ),
)
AUTOMATION_POINT = Param(
    "point", "object",
    fields=(
        Param("beat", "number", "Beat, project-absolute", required=True, minimum=0),
        Param("value", "number", "Value in the parameter's range (volume dB -60..6, pan -100..100, others 0-1)",
              required=True),
        Param("curve", "string", "Curve to the next point", default="Linear", choices=CURVES),
    ),
)


def events(item: Param, description: str) -> Param:
    return Param("events", "array", description, required=True, min_items=1, max_items=1024, items=item)

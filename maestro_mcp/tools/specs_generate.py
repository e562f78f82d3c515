"""Declarations of the five server-side generation tools (tools.md §10)."""

from __future__ import annotations

from maestro_mcp.tools.params import NO_DEFAULT, NOTE, ROLES, SCALES, Param, region_id
from maestro_mcp.tools.spec_types import ResultField, ToolSpec, rf

_STYLE = Param("style", "string", "Style in free text (boom_bap, lofi hip hop, trap, house, jazz, funk, ...); "
               "unknown styles use a generic profile", required=True, min_length=1, max_length=200)
_TEMPO = Param("tempo", "number", "Tempo in BPM, 40-240", required=True, minimum=40, maximum=240)
_KEY = Param("key", "key", "Key such as C, Am, F#m, Bb, D dorian; default: the project's key")
_REGION = region_id("Optional region (id or name) to append the generated notes to", required=False)
_SEED = Param("seed", "integer", "Seed 0-2147483647 for a reproducible result; default random (returned)",
              minimum=0, maximum=2147483647)


def _bars(required: bool, default: int | None = None) -> Param:
    return Param("bars", "integer", "Length in bars, 1-64", required=required, minimum=1, maximum=64,
                 default=NO_DEFAULT if default is None else default)


_CHORDS = Param("chords", "chords", "Chord symbols, one per bar, cycling (e.g. [\"Cm7\", \"Fm7\", \"G7\"] or "
                "\"Cm7 | Fm7 | G7\"); default: the style's progression in the key")
_PROGRESSION = Param("progression", "progression", "Chord symbols or roman numerals relative to the key "
                     "(i, bVI, ii7, V7, IVmaj7), one per bar, cycling; default: the style's progression")

_CONSTRAINTS = Param(
    "constraints", "object", "Optional shaping; unknown keys are ignored", default={},
    fields=(
        Param("density", "density", "0-1 or a word: very sparse, sparse, medium, dense, very dense ...",
              minimum=0, maximum=1),
        Param("syncopation", "number", "0-1", minimum=0, maximum=1),
        Param("swing", "number", "0 straight .. 1 full triplet swing", minimum=0, maximum=1),
        Param("noteRange", "note_range", "[low, high] MIDI pitches; replaces the role's range"),
        Param("velocityFloor", "integer", "Lowest velocity, 1-127", minimum=1, maximum=127),
        Param("velocityCeiling", "integer", "Highest velocity, 1-127", minimum=1, maximum=127),
        _CHORDS,
        _PROGRESSION,
    ),
)

_EVENT_ITEMS = {"type": "object"}
GENERATION_RESULT: tuple[ResultField, ...] = (
    rf("role", "string"),
    rf("style", "string"),
    rf("styleProfile", "string"),
    rf("key", "string"),
    rf("tempo", "number"),
    rf("bars", "integer"),
    rf("seed", "integer"),
    rf("timeSignature", {"type": "object", "properties": {"numerator": {"type": "integer"},
                                                          "denominator": {"type": "integer"}}}),
    rf("scale", "string"),
    rf("progression", {"type": "array", "items": {"type": "string"}}),
    rf("backend", {"type": "string", "enum": ["embedded", "orpheus"]}),
    rf("fallback", "boolean"),
    rf("fallbackReason", "string"),
    rf("durationMs", "integer"),
    rf("noteCount", "integer"),
    rf("notes", {"type": "array", "items": NOTE.json_schema()}),
    rf("ccEvents", {"type": "array", "items": _EVENT_ITEMS}),
    rf("pitchBends", {"type": "array", "items": _EVENT_ITEMS}),
    rf("written", "boolean"),
    rf("regionId", "string"),
    rf("writtenBy", {"type": "string", "enum": ["daw", "headless"]}),
    rf("stateVersion", "integer"),
    rf("report", {"type": "object", "properties": {"inKeyRatio": {"anyOf": [{"type": "number"}, {"type": "null"}]},
                                                   "pitchMin": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                                                   "pitchMax": {"anyOf": [{"type": "integer"}, {"type": "null"}]},
                                                   "notesPerBar": {"type": "number"}}}),
)

_COMMON_HELP = (
    " Runs in the server (seeded: the same inputs and seed give the same notes). Times are beats from the "
    "start of the generated span. With regionId the notes are also appended to that region (128 per "
    "stori_add_notes call); otherwise they are only returned."
)


def _gen(name: str, title: str, description: str, params: tuple[Param, ...]) -> ToolSpec:
    return ToolSpec(
        name=name, category="generation", title=title, description=description + _COMMON_HELP,
        params=params, result=GENERATION_RESULT,
        runs="server", read_only=False, destructive=False, idempotent=False,
    )


GENERATION_TOOLS: tuple[ToolSpec, ...] = (
    _gen(
        "stori_generate_midi", "Generate MIDI for a role",
        "Generate a part for one role (drums, bass, chords, melody, lead, arp, pads, fx) in a style, key and "
        "tempo. Preferred generation tool.",
        (
            Param("role", "string", "Generator role", required=True, choices=ROLES),
            _STYLE, _TEMPO, _bars(required=True), _KEY, _REGION, _SEED, _CONSTRAINTS,
        ),
    ),
    _gen(
        "stori_generate_drums", "Generate drum pattern",
        "Generate a drum pattern (GM percussion on channel 9, 0-based) in a style; complexity 0-1 adds fills "
        "and ghost notes.",
        (
            _STYLE, _TEMPO, _bars(required=False, default=4),
            Param("complexity", "number", "0-1", default=0.5, minimum=0, maximum=1),
            _REGION, _SEED,
        ),
    ),
    _gen(
        "stori_generate_bass", "Generate bass line",
        "Generate a bass line following a chord progression (one chord per bar).",
        (_STYLE, _TEMPO, _bars(required=True), _KEY, _CHORDS, _REGION, _SEED),
    ),
    _gen(
        "stori_generate_melody", "Generate melody",
        "Generate a melody in a key and scale, centred on C of the given octave (C4 = MIDI 60).",
        (
            _STYLE, _TEMPO, _bars(required=True), _KEY,
            Param("scale", "string", "Scale; default from the key", choices=SCALES),
            Param("octave", "integer", "Register centre octave 2-7 (C4 = 60)", default=5, minimum=2, maximum=7),
            _REGION, _SEED,
        ),
    ),
    _gen(
        "stori_generate_chords", "Generate chord part",
        "Generate a voiced chord part from a progression of chord symbols or roman numerals.",
        (_STYLE, _TEMPO, _bars(required=True), _KEY, _PROGRESSION, _REGION, _SEED),
    ),
)

"""The rule tables of spec/intents.md as data: the intent catalogue (§2), the word lists of
normalisation, affirmatives and questions (§4.1–§4.3), the ordered rules (§4.4), vague phrases (§4.5),
producer idioms (§4.6), generation phrases (§4.7) and the LLM categories (§4.8).

Nothing here decides anything; ``intent.py`` walks these tables in the order of intents.md §3.
"""

from __future__ import annotations

import re
from typing import Literal

State = Literal["reasoning", "editing", "composing"]
ToolChoice = Literal["required", "auto"]

# -- §2 Intent catalogue ---------------------------------------------------------------------------------

_MIX_TOOLS = (
    "stori_add_insert_effect", "stori_set_track_volume", "stori_set_track_pan", "stori_ensure_bus",
    "stori_add_send", "stori_add_automation", "stori_add_midi_cc", "stori_add_pitch_bend",
    "stori_add_aftertouch",
)  # fmt: skip
_COMPOSE_TOOLS = (
    "stori_set_tempo", "stori_set_key", "stori_add_midi_track", "stori_set_midi_program",
    "stori_set_track_color", "stori_set_track_icon", "stori_add_midi_region", "stori_add_notes",
    "stori_generate_midi", "stori_generate_drums", "stori_generate_bass", "stori_generate_melody",
    "stori_generate_chords", "stori_apply_swing", "stori_quantize_notes", "stori_add_insert_effect",
    "stori_ensure_bus", "stori_add_send", "stori_set_track_volume", "stori_set_track_pan",
    "stori_add_automation", "stori_add_midi_cc", "stori_add_pitch_bend", "stori_add_aftertouch",
)  # fmt: skip

# intent id -> (state, tools the LLM may call, tool choice). Reasoning intents call no tool.
CATALOGUE: dict[str, tuple[State, tuple[str, ...], ToolChoice | None]] = {
    "transport.play": ("editing", ("stori_play",), "required"),
    "transport.stop": ("editing", ("stori_stop",), "required"),
    "transport.seek": ("editing", ("stori_set_playhead",), "required"),
    "ui.show_panel": ("editing", ("stori_show_panel",), "required"),
    "ui.set_zoom": ("editing", ("stori_set_zoom",), "required"),
    "project.set_tempo": ("editing", ("stori_set_tempo",), "required"),
    "project.set_key": ("editing", ("stori_set_key",), "required"),
    "track.add": ("editing", ("stori_add_midi_track",), "required"),
    "track.rename": ("editing", ("stori_set_track_name",), "required"),
    "track.mute": ("editing", ("stori_mute_track",), "required"),
    "track.solo": ("editing", ("stori_solo_track",), "required"),
    "track.set_volume": ("editing", ("stori_set_track_volume",), "required"),
    "track.set_pan": ("editing", ("stori_set_track_pan",), "required"),
    "track.set_color": ("editing", ("stori_set_track_color",), "required"),
    "track.set_icon": ("editing", ("stori_set_track_icon",), "required"),
    "region.add": ("editing", (
        "stori_add_midi_track", "stori_add_midi_region", "stori_add_notes", "stori_clear_notes",
        "stori_quantize_notes", "stori_apply_swing", "stori_generate_midi"), "auto"),
    "notes.add": ("editing", (
        "stori_add_midi_track", "stori_add_midi_region", "stori_add_notes", "stori_generate_midi"), "auto"),
    "notes.clear": ("editing", ("stori_clear_notes",), "required"),
    "notes.quantize": ("editing", ("stori_quantize_notes",), "required"),
    "notes.swing": ("editing", ("stori_apply_swing",), "required"),
    "fx.add_insert": ("editing", ("stori_add_insert_effect", "stori_ensure_bus", "stori_add_send"), "auto"),
    "route.create_bus": ("editing", ("stori_ensure_bus",), "required"),
    "route.add_send": ("editing", ("stori_ensure_bus", "stori_add_send"), "auto"),
    "automation.add": ("editing", ("stori_add_automation",), "required"),
    "midi_cc.add": ("editing", ("stori_add_midi_cc",), "required"),
    "pitch_bend.add": ("editing", ("stori_add_pitch_bend",), "required"),
    "aftertouch.add": ("editing", ("stori_add_aftertouch",), "required"),
    "mix.tonality": ("editing", _MIX_TOOLS, "required"),
    "mix.dynamics": ("editing", _MIX_TOOLS, "required"),
    "mix.space": ("editing", _MIX_TOOLS, "required"),
    "mix.energy": ("editing", _MIX_TOOLS, "required"),
    "compose.generate_music": ("composing", _COMPOSE_TOOLS, "auto"),
    "ask.stori_docs": ("reasoning", (), None),
    "ask.general": ("reasoning", (), None),
    "control.needs_clarification": ("reasoning", (), None),
    "control.unknown": ("reasoning", (), None),
    "control.invalid_prompt": ("reasoning", (), None),
}  # fmt: skip

# LLM turn limits of §2: "auto" edits get 5 turns, composition planning 20; "required" is one turn.
MAX_EDIT_TURNS = 5
MAX_COMPOSE_TURNS = 20

# Tools a Mode: edit STORI PROMPT's dimension blocks add to the intent's allowlist (§2).
BLOCK_TOOLS: dict[str, tuple[str, ...]] = {
    "effects": ("stori_add_insert_effect", "stori_ensure_bus", "stori_add_send"),
    "midiexpressiveness": ("stori_add_midi_cc", "stori_add_pitch_bend", "stori_add_aftertouch"),
    "automation": ("stori_add_automation",),
}

# Intents whose arguments only an LLM can supply (§6); notes.add/region.add join them when the text has
# no instrument phrase.
LLM_ONLY_INTENTS = frozenset({"automation.add", "midi_cc.add", "pitch_bend.add", "aftertouch.add"})

# -- §4.1 Normalisation ----------------------------------------------------------------------------------

TYPOGRAPHIC = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u2032": "'", "\u201c": '"',
                             "\u201d": '"', "\u201e": '"', "\u2033": '"'})  # fmt: skip
CONTRACTIONS: dict[str, str] = {
    "what's": "what is", "how's": "how is", "where's": "where is", "who's": "who is", "it's": "it is",
    "that's": "that is", "let's": "let us", "i'm": "i am", "don't": "do not", "doesn't": "does not",
    "can't": "cannot", "won't": "will not",
}  # fmt: skip
# Longest first, so "thank you" and "i would like you to" go before "like" and "you".
FILLERS: tuple[str, ...] = tuple(sorted((
    "please", "pls", "plz", "thanks", "thank you", "hey", "hi", "hello", "um", "uh", "so", "like",
    "maybe", "can you", "could you", "would you", "will you", "i want you to", "i would like you to",
    "just", "really", "very", "pretty", "basically", "actually", "literally", "kind of", "kinda", "sort of",
), key=len, reverse=True))  # fmt: skip
# Stripped from both ends; "#" and "%" are not here because "set key to f#" and "zoom 150%" need them.
EDGE_PUNCTUATION = ".,!?;:\"'`()[]{}<>\u2026*~"

# -- §4.2 Affirmative follow-up --------------------------------------------------------------------------

AFFIRMATIVE_PHRASES = frozenset({
    "yes", "yeah", "yep", "yup", "sure", "ok", "okay", "go for it", "go ahead", "do it", "let us do it",
    "sounds good", "please do", "bet", "absolutely", "of course",
})  # fmt: skip
AFFIRMATIVE_WORDS = frozenset(p for p in AFFIRMATIVE_PHRASES if " " not in p)
OFFER_PHRASES = ("would you like", "should i", "want me to", "shall i")

# -- §4.3 Questions --------------------------------------------------------------------------------------

WH_WORDS = frozenset({"what", "how", "where", "why", "when", "who", "which"})
AUX_WORDS = frozenset(
    {"can", "could", "should", "would", "will", "do", "does", "did", "is", "are", "was", "were"}
)
AUX_SUBJECTS = frozenset({"i", "you", "we", "it", "there", "this", "that"})
COMMAND_VERBS = frozenset({
    "add", "make", "create", "set", "change", "mute", "unmute", "solo", "unsolo", "play", "stop", "pause",
    "show", "hide", "open", "close", "zoom", "pan", "rename", "quantize", "swing", "delete", "remove",
    "clear", "generate", "compose", "write", "build", "give", "lay", "turn", "send", "insert", "put",
    "move", "duplicate", "automate", "go", "jump",
})  # fmt: skip
STORI_KEYWORDS: tuple[str, ...] = (
    "stori", "daw", "piano roll", "step sequencer", "mixer", "inspector", "timeline", "track", "tracks",
    "region", "regions", "midi", "quantize", "swing", "groove", "automation", "velocity", "generate",
    "compose", "record", "loop", "export", "bounce", "effect", "effects", "plugin", "vst", "compressor",
    "eq", "reverb", "delay", "bus", "send", "tempo", "key signature", "variation", "stori prompt",
)  # fmt: skip
QUESTION_CONFIDENCE = 0.75

# -- §4.4 Ordered rules: (rule id, anchored patterns on the normalised text, intent, confidence) --------

EFFECT_WORDS = (
    "reverb|delay|compressor|compression|eq|chorus|flanger|phaser|distortion|overdrive|tremolo|filter"
)
ORDERED_RULES: tuple[tuple[str, tuple[str, ...], str, float], ...] = (
    ("R1", (r"^(play|start|begin)( (it|playback|the song))?$",), "transport.play", 0.99),
    ("R2", (r"^play from (bar|beat) (\d+(\.\d+)?)$",), "transport.play", 0.95),
    ("R3", (r"^(stop|pause)( (it|playback))?$",), "transport.stop", 0.99),
    ("R4", (r"^(go to|jump to|seek to|move (the )?playhead to) (bar|beat) (\d+(\.\d+)?)$",),
     "transport.seek", 0.90),
    ("R5", (r"^(show|hide|open|close)( the)? (mixer|inspector|piano roll|step sequencer|library)$",),
     "ui.show_panel", 0.92),
    ("R6", (r"^(set )?(the )?zoom( to)? (\d+) ?%?$",), "ui.set_zoom", 0.90),
    ("R7", (r"^zoom (in|out)$",), "ui.set_zoom", 0.95),
    ("R8", (r"^(set|change)( the)? (tempo|bpm)( to)? (?P<tempo>\d{2,3}(\.\d+)?)( ?bpm)?$",
            r"^(tempo|bpm) (?P<tempo>\d{2,3})$", r"^(?P<tempo>\d{2,3}) ?bpm$"), "project.set_tempo", 0.93),
    ("R9", (r"^(set|change)( the)? key( signature)?( to)? ([a-g][#b]?( ?(m|min|minor|maj|major))?)$",),
     "project.set_key", 0.90),
    ("R10", (r"^(add|create)( an?)?( new)?( midi)?(( [a-z0-9&-]+){0,3}) track$",), "track.add", 0.82),
    ("R11", (r"^rename( the)? (.+?)( track)? to (.+)$",), "track.rename", 0.75),
    ("R12", (r"^(mute|unmute)( the)? (.+?)( track)?$",), "track.mute", 0.85),
    ("R13", (r"^(solo|unsolo)( the)? (.+?)( track)?$",), "track.solo", 0.85),
    ("R14", (r"^set( the)? (.+?) (volume|level)( to)? (-?\d+(\.\d+)?)( ?db)?$",), "track.set_volume", 0.85),
    ("R15", (r"^(make|turn)( the)? (.+?) (louder|quieter|softer|up|down)$",), "track.set_volume", 0.80),
    ("R16", (r"^pan( the)? (.+?) (to )?(hard )?(left|right|center|centre|-?\d+)$",), "track.set_pan", 0.85),
    ("R17", (r"^set( the)? (.+?) icon( to)? (.+)$",), "track.set_icon", 0.75),
    ("R18", (r"^(set|change|make)( the)? (.+?) colou?r( to)? ([a-z]+)$",), "track.set_color", 0.75),
    # "some" is accepted as well as "a"/"an" (extension): without it "add some reverb to the drums"
    # would fall through to the "add … to" step and write drum notes.
    ("R19", (rf"^add( an?| some)? ({EFFECT_WORDS})( to( the)? (.+))?$",), "fx.add_insert", 0.80),
    ("R20", (r"^(create|add|make)( an?)?( new)?( (.+?))? bus$",), "route.create_bus", 0.80),
    ("R21", (r"^send( the)? (.+?) to( the)? (.+?)( bus)?$",), "route.add_send", 0.80),
    ("R22", (r"^(clear|delete|remove)( all)?( the)? notes( (in|from)( the)? (.+))?$",), "notes.clear", 0.85),
    ("R23", (r"^quantize\b(.*)$",), "notes.quantize", 0.85),
    ("R24", (r"^(add |apply )?swing\b(.*)$",), "notes.swing", 0.85),
    ("R25", (r"\bautomat(e|es|ion)\b",), "automation.add", 0.78),
    ("R26", (r"\bpitch ?bends?\b",), "pitch_bend.add", 0.78),
    ("R27", (r"\baftertouch\b",), "aftertouch.add", 0.78),
    ("R28", (r"^(add|write|draw|put)\b.*\b(cc ?\d{1,3}|mod wheel|modulation|sustain pedal|expression)\b",),
     "midi_cc.add", 0.78),
)  # fmt: skip

PANELS = {"mixer": "mixer", "inspector": "inspector", "piano roll": "piano_roll",
          "step sequencer": "step_sequencer", "library": "library"}  # fmt: skip
PAN_WORDS = {"left": -50.0, "right": 50.0, "center": 0.0, "centre": 0.0}
EFFECT_CANONICAL = {"compression": "compressor"}
NAMED_CC = {"mod wheel": 1, "modulation": 1, "sustain pedal": 64, "expression": 11}

# -- §4.5 Vague phrases ----------------------------------------------------------------------------------

VAGUE_PHRASES = frozenset({
    "make it better", "make it good", "make it sound good", "make it nicer", "fix it", "fix this", "fix that",
    "change it", "change this", "change that", "do it", "do this", "do that", "do something",
    "make something", "add something", "create something", "help", "help me", "help me out",
    *(f"{verb} {obj}" for verb in ("improve", "enhance", "update", "modify", "adjust", "tweak", "refine")
      for obj in ("it", "this", "that")),
})  # fmt: skip
VAGUE_CONFIDENCE = 0.6

# -- §4.6 Producer idioms: rows in order, first match wins ------------------------------------------------

IDIOMS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("mix.tonality", ("darker", "warmer", "less bright", "too bright", "duller", "softer top"), "decrease"),
    ("mix.tonality", ("brighter", "colder", "too dark", "more air", "crisper"), "increase"),
    ("mix.dynamics", ("punchier", "more punch", "tighter", "fatter", "thicker", "less muddy", "more impact"),
     "increase"),
    ("mix.space", ("wider",), "widen"),
    ("mix.space", ("bigger", "more space", "more depth", "roomier", "more reverb"), "increase"),
    ("mix.space", ("closer", "more intimate", "drier", "less reverb"), "decrease"),
    ("mix.energy", ("more energy", "more movement", "add life", "too static", "boring", "more exciting",
                    "livelier"), "increase"),
)  # fmt: skip
IDIOM_CONFIDENCE = 0.85

# -- §3 step 8: "add … to" -------------------------------------------------------------------------------

ADD_TO_VERBS = frozenset({"add", "insert", "write", "put"})
ADD_TO_CONFIDENCE = 0.82

# -- §4.7 Generation phrases -----------------------------------------------------------------------------

GENERATION_VERBS = ("make", "create", "build", "write", "generate", "produce", "give me")
GENERATION_NOUNS = ("beat", "groove", "loop", "bassline", "bass line", "melody", "chord progression",
                    "drum pattern", "riff", "song", "tune", "jam")  # fmt: skip
GENERATION_MARKERS = ("boom bap", "trap beat", "drum pattern", "chord progression")
SCALE_MODES = ("major", "minor", "dorian", "phrygian", "lydian", "mixolydian", "pentatonic", "blues")
GENERATION_CONFIDENCE = 0.80
GENERATION_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bcompos(e|ition)\b"),
    re.compile(rf"^({'|'.join(GENERATION_VERBS)})( me)? (a|an|some)\b"),
    re.compile(rf"^({'|'.join((*GENERATION_VERBS, 'lay', 'cook'))})\b.*\b({'|'.join(GENERATION_NOUNS)})\b"),
    re.compile(rf"\b({'|'.join(GENERATION_MARKERS)})\b"),
    re.compile(rf"\b({'|'.join(SCALE_MODES)}) scale\b"),
)
# Words that make an assistant's offer an offer to compose (§4.2).
OFFER_WORDS = ("compose", "composition", *GENERATION_NOUNS)

# -- §4.8 Unknown and the LLM categories -----------------------------------------------------------------

UNKNOWN_CONFIDENCE = 0.25
LLM_FAILED_CONFIDENCE = 0.3
LLM_CONFIDENCE = 0.75
LLM_OTHER_CONFIDENCE = 0.4
LLM_CATEGORIES: dict[str, str] = {
    "transport": "transport.play",
    "track_edit": "track.add",
    "region_edit": "region.add",
    "effects": "fx.add_insert",
    "mix_vibe": "mix.energy",
    "generation": "compose.generate_music",
    "question": "ask.general",  # ask.stori_docs when the text has a Stori keyword
    "clarify": "control.needs_clarification",
    "other": "control.unknown",
}

STRUCTURED_CONFIDENCE = 0.99
# Constraints keys of a Mode: edit prompt that route it to fx.add_insert (stori-prompt.md §5).
CONSTRAINT_EFFECT_WORDS = frozenset({"compressor", "eq", "reverb", "delay", "chorus", "distortion"})

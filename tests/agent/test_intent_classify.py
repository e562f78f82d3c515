"""Classification of plain-English prompts (spec/intents.md §3–§4, the examples of §7 and more)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from maestro_mcp.agent.intent import (
    IntentResult,
    Mode,
    classify,
    classify_rules,
    classify_structured,
    invalid_prompt,
    normalise,
    offers_composition,
)
from maestro_mcp.daw.headless import apply
from maestro_mcp.daw.model import Project

E, C, R = Mode.EDITING, Mode.COMPOSING, Mode.REASONING

# (utterance, intent, mode, deciding step) — §7 rows 1–57 first, then more of each rule.
CASES: list[tuple[str, str, Mode, str]] = [
    ("play", "transport.play", E, "R1"),
    ("Play from bar 9", "transport.play", E, "R2"),
    ("stop", "transport.stop", E, "R3"),
    ("pause playback", "transport.stop", E, "R3"),
    ("go to bar 17", "transport.seek", E, "R4"),
    ("show the mixer", "ui.show_panel", E, "R5"),
    ("hide piano roll", "ui.show_panel", E, "R5"),
    ("zoom in", "ui.set_zoom", E, "R7"),
    ("set zoom to 150%", "ui.set_zoom", E, "R6"),
    ("set tempo to 120", "project.set_tempo", E, "R8"),
    ("bpm 95", "project.set_tempo", E, "R8"),
    ("Change the key to F#m", "project.set_key", E, "R9"),
    ("add a drum track", "track.add", E, "R10"),
    ("create a new midi track", "track.add", E, "R10"),
    ("rename bass to Sub Bass", "track.rename", E, "R11"),
    ("mute the bass", "track.mute", E, "R12"),
    ("unsolo drums", "track.solo", E, "R13"),
    ("set the drums volume to -6 db", "track.set_volume", E, "R14"),
    ("make the bass louder", "track.set_volume", E, "R15"),
    ("pan the hats to hard left", "track.set_pan", E, "R16"),
    ("set the piano color to teal", "track.set_color", E, "R18"),
    ("set the keys icon to pianokeys", "track.set_icon", E, "R17"),
    ("add reverb to the drums", "fx.add_insert", E, "R19"),
    ("Can you add a reverb to the drums?", "fx.add_insert", E, "R19"),
    ("add a compressor", "fx.add_insert", E, "R19"),
    ("create a reverb bus", "route.create_bus", E, "R20"),
    ("send the pads to the reverb bus", "route.add_send", E, "R21"),
    ("quantize the drums to 1/16", "notes.quantize", E, "R23"),
    ("add swing", "notes.swing", E, "R24"),
    ("clear the notes in the chorus", "notes.clear", E, "R22"),
    ("automate the pad filter over 8 bars", "automation.add", E, "R25"),
    ("add a pitch bend to the lead", "pitch_bend.add", E, "R26"),
    ("add aftertouch to the pads", "aftertouch.add", E, "R27"),
    ("add mod wheel to the strings", "midi_cc.add", E, "R28"),
    ("make it darker", "mix.tonality", E, "idiom"),
    ("make it warmer", "mix.tonality", E, "idiom"),
    ("make the drums punchier", "mix.dynamics", E, "idiom"),
    ("add more punch", "mix.dynamics", E, "idiom"),
    ("make it wider", "mix.space", E, "idiom"),
    ("add more energy", "mix.energy", E, "idiom"),
    ("add some hi-hats to the chorus", "notes.add", E, "add_to"),
    ("make a beat", "compose.generate_music", C, "generation"),
    ("make a boom bap beat at 90 bpm", "compose.generate_music", C, "generation"),
    ("write a bassline", "compose.generate_music", C, "generation"),
    ("create a trap beat at 140 bpm", "compose.generate_music", C, "generation"),
    ("make a chill lo-fi beat at 75 bpm in A minor", "compose.generate_music", C, "generation"),
    ("compose a cinematic intro in D minor", "compose.generate_music", C, "generation"),
    ("How do I use the piano roll?", "ask.stori_docs", R, "question"),
    ("what is EQ?", "ask.stori_docs", R, "question"),
    ("how does reverb work?", "ask.stori_docs", R, "question"),
    ("what time is it?", "ask.general", R, "question"),
    ("who wrote Clair de Lune?", "ask.general", R, "question"),
    ("make it better", "control.needs_clarification", R, "vague"),
    ("fix that please", "control.needs_clarification", R, "vague"),
    ("xyzzy foobar", "control.unknown", R, "unknown"),
    ("yes", "control.unknown", R, "unknown"),
    # More of every step.
    ("start playback", "transport.play", E, "R1"),
    ("Play it!", "transport.play", E, "R1"),
    ("play from beat 16", "transport.play", E, "R2"),
    ("pause", "transport.stop", E, "R3"),
    ("jump to beat 8", "transport.seek", E, "R4"),
    ("move the playhead to bar 3", "transport.seek", E, "R4"),
    ("open the inspector", "ui.show_panel", E, "R5"),
    ("close the library", "ui.show_panel", E, "R5"),
    ("zoom out", "ui.set_zoom", E, "R7"),
    ("zoom 200", "ui.set_zoom", E, "R6"),
    ("change the bpm to 92.5", "project.set_tempo", E, "R8"),
    ("128 bpm", "project.set_tempo", E, "R8"),
    ("please set the key to a minor", "project.set_key", E, "R9"),
    ("set key signature to Bb", "project.set_key", E, "R9"),
    ("add a synth bass track", "track.add", E, "R10"),
    ("rename the drums track to Beat", "track.rename", E, "R11"),
    ("unmute the keys track", "track.mute", E, "R12"),
    ("solo the lead", "track.solo", E, "R13"),
    ("set the bass level to -3.5", "track.set_volume", E, "R14"),
    ("turn the pads down", "track.set_volume", E, "R15"),
    ("pan the keys to 30", "track.set_pan", E, "R16"),
    ("change the bass colour to blue", "track.set_color", E, "R18"),
    ("add some reverb to the keys", "fx.add_insert", E, "R19"),
    ("add a delay to the lead", "fx.add_insert", E, "R19"),
    ("make a new drum bus", "route.create_bus", E, "R20"),
    ("send drums to delay", "route.add_send", E, "R21"),
    ("remove all notes", "notes.clear", E, "R22"),
    ("quantize", "notes.quantize", E, "R23"),
    ("apply swing 60% to the drums", "notes.swing", E, "R24"),
    ("add automation to the bass volume", "automation.add", E, "R25"),
    ("add cc 74 to the bass", "midi_cc.add", E, "R28"),
    ("add sustain pedal to the piano", "midi_cc.add", E, "R28"),
    ("make it brighter", "mix.tonality", E, "idiom"),
    ("the mix is too dark", "mix.tonality", E, "idiom"),
    ("make the vocals more intimate", "mix.space", E, "idiom"),
    ("it's too static", "mix.energy", E, "idiom"),
    ("make it fatter", "mix.dynamics", E, "idiom"),
    ("put a shaker on top to add movement", "notes.add", E, "add_to"),
    ("give me a funky bassline", "compose.generate_music", C, "generation"),
    ("lay down a groove", "compose.generate_music", C, "generation"),
    ("cook up a beat", "compose.generate_music", C, "generation"),
    ("something in the dorian scale", "compose.generate_music", C, "generation"),
    ("Could you please write a melody?", "compose.generate_music", C, "generation"),
    ("is there a way to export stems?", "ask.stori_docs", R, "question"),
    ("can i bounce to wav", "ask.stori_docs", R, "question"),
    ("why is the sky blue?", "ask.general", R, "question"),
    ("what's a good chord progression for sad songs?", "ask.general", R, "question"),
    ("help", "control.needs_clarification", R, "vague"),
    ("tweak it", "control.needs_clarification", R, "vague"),
    ("do it", "control.needs_clarification", R, "vague"),
    ("hmm", "control.unknown", R, "unknown"),
    ("ok", "control.unknown", R, "unknown"),
]


def test_case_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert len({c[0] for c in CASES}) == len(CASES)


@pytest.mark.parametrize(("text", "intent", "mode", "reason"), CASES, ids=[c[0] for c in CASES])
def test_classification(text: str, intent: str, mode: Mode, reason: str) -> None:
    result = classify_rules(text)
    assert (result.intent, result.mode, result.reason) == (intent, mode, reason)


@pytest.mark.parametrize(
    ("text", "confidence"),
    [("play", 0.99), ("Play from bar 9", 0.95), ("set tempo to 120", 0.93), ("add a drum track", 0.82),
     ("what is EQ?", 0.75), ("make it better", 0.6), ("make it darker", 0.85),
     ("add some hi-hats to the chorus", 0.82), ("make a beat", 0.80), ("xyzzy foobar", 0.25)],
)  # fmt: skip
def test_confidence(text: str, confidence: float) -> None:
    assert classify_rules(text).confidence == confidence


def test_execution_mode_and_allowlist() -> None:
    mute = classify_rules("mute the bass")
    assert mute.execution_mode == "apply"
    assert mute.allowed_tools == ("stori_mute_track",)
    assert mute.tool_choice == "required" and mute.max_llm_turns == 1
    fx = classify_rules("add reverb to the drums")
    assert fx.allowed_tools == ("stori_add_insert_effect", "stori_ensure_bus", "stori_add_send")
    assert fx.tool_choice == "auto" and fx.max_llm_turns == 5
    compose = classify_rules("make a beat")
    assert compose.execution_mode == "variation" and compose.max_llm_turns == 20
    assert "stori_generate_midi" in compose.allowed_tools and "stori_play" not in compose.allowed_tools
    ask = classify_rules("what is EQ?")
    assert ask.execution_mode == "reasoning" and ask.allowed_tools == () and ask.tool_choice is None


def test_needs_llm_flag() -> None:
    assert classify_rules("automate the pad filter over 8 bars").needs_llm
    assert classify_rules("add mod wheel to the strings").needs_llm
    assert classify_rules("add some notes to the chorus").needs_llm  # no instrument phrase
    assert not classify_rules("add some hi-hats to the chorus").needs_llm
    assert not classify_rules("mute the bass").needs_llm


def test_result_is_camel_case_on_the_wire() -> None:
    dumped = classify_rules("mute the bass").model_dump(by_alias=True, mode="json")
    assert dumped["intent"] == "track.mute" and dumped["mode"] == "editing"
    assert dumped["allowedTools"] == ["stori_mute_track"] and dumped["needsLlm"] is False


# -- §4.1 normalisation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "text", "question"),
    [
        ("  Hey, could you please, like, set the tempo to 90?! ", "set the tempo to 90", True),
        ("What\u2019s a compressor?", "what is a compressor", True),
        ("Let\u2019s just make a beat!!", "let us make a beat", False),
        ("I want you to mute the bass.", "mute the bass", False),
        ("add some hi-hats", "add some hi-hats", False),  # "hi" inside "hi-hats" is no filler
        ("set the key to F#", "set the key to f#", False),
        ("zoom 150%", "zoom 150%", False),
        ("thank you so much", "much", False),
    ],
)
def test_normalise(raw: str, text: str, question: bool) -> None:
    n = normalise(raw)
    assert (n.text, n.question_mark) == (text, question)
    assert n.cased.lower() == n.text


def test_slots_keep_letter_case() -> None:
    result = classify_rules("Please rename the bass track to Sub Bass")
    assert result.slots == {"track": "bass", "name": "Sub Bass"}


# -- §4.2 affirmative follow-up --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text", ["yes", "Yeah!", "sure, go ahead", "yes please", "let's do it", "please do", "ok"]
)
def test_affirmative_after_an_offer_composes(text: str) -> None:
    result = classify_rules(text, offered_composition=True)
    assert (result.intent, result.confidence, result.reason) == (
        "compose.generate_music",
        0.85,
        "affirmative_confirmation",
    )
    assert result.mode is Mode.COMPOSING


def test_affirmative_needs_a_short_answer() -> None:
    assert (
        classify_rules("ok, but what is a compressor?", offered_composition=True).intent == "ask.stori_docs"
    )
    assert classify_rules("yes but not now", offered_composition=True).intent == "control.unknown"


def test_offer_detection() -> None:
    assert offers_composition("Would you like me to add a bass line?")
    assert offers_composition("Want me to write a melody over it?")
    assert not offers_composition("Which track do you mean?")
    assert not offers_composition("Should I mute the bass?")


# -- §3 step 1: structured prompts (§7 rows 58–60, stori-prompt.md §5) ------------------------------------


def test_structured_ask() -> None:
    result = classify_structured("ask", request="what is sidechain?")
    assert (result.intent, result.mode, result.confidence) == ("ask.general", R, 0.99)


def test_structured_edit_takes_the_heaviest_idiom() -> None:
    result = classify_structured("edit", vibe=[("wider", 3), ("darker", 1)], request="open it up")
    assert (result.intent, result.mode, result.slots["direction"]) == ("mix.space", E, "widen")
    example = classify_structured("Edit", vibe=[("punchier", 2), ("darker", 1)], request="Tighten the bass")
    assert example.intent == "mix.dynamics"
    tie = classify_structured("edit", vibe=[("dusty", 5), ("darker", 2), ("wider", 2)])
    assert tie.intent == "mix.tonality"


def test_structured_compose() -> None:
    result = classify_structured("compose")
    assert (result.intent, result.mode, result.confidence) == ("compose.generate_music", C, 0.99)
    assert result.execution_mode == "variation"


def test_structured_edit_fallbacks() -> None:
    fx = classify_structured("edit", constraint_keys=["bars", "reverb"], request="whatever")
    assert (fx.intent, fx.slots["effect"]) == ("fx.add_insert", "reverb")
    mute = classify_structured("edit", request="mute the bass")
    assert (mute.intent, mute.confidence, mute.slots["track"]) == ("track.mute", 0.99, "bass")
    default = classify_structured("edit", vibe=[("dusty", 2)], request="what is this?")
    assert (default.intent, default.slots) == ("mix.energy", {"reportOnly": True})


def test_structured_edit_blocks_extend_the_allowlist() -> None:
    result = classify_structured("edit", request="mute the bass", blocks=["Effects", "midi_expressiveness"])
    assert result.allowed_tools[0] == "stori_mute_track"
    assert {"stori_add_insert_effect", "stori_add_send", "stori_add_midi_cc"} <= set(result.allowed_tools)


def test_structured_rejects_unknown_mode() -> None:
    with pytest.raises(ValueError):
        classify_structured("remix")


def test_invalid_prompt() -> None:
    result = invalid_prompt("STORI PROMPT line 2: Mode must be compose, edit or ask (got 'remix')")
    assert result.intent == "control.invalid_prompt" and result.mode is R and result.allowed_tools == ()


# -- project-dependent slots -----------------------------------------------------------------------------


def test_bar_to_beat_uses_the_time_signature() -> None:
    project = Project.new()
    apply(project, "stori_create_project", {"name": "Waltz", "tempo": 90, "timeSignature": "3/4"})
    assert classify_rules("Play from bar 9", project=project).slots["fromBeat"] == 24.0
    assert classify_rules("Play from bar 9").slots["fromBeat"] == 32.0


def test_idiom_targets_track_names_in_the_text() -> None:
    project = Project.new()
    for name in ("Drums", "Synth Bass", "Bass"):
        apply(project, "stori_add_midi_track", {"name": name})
    assert classify_rules("make the drums and synth bass punchier", project=project).slots["target"] == [
        "Drums",
        "Synth Bass",
    ]
    assert classify_rules("make the bass fatter", project=project).slots["target"] == ["Bass"]
    assert classify_rules("make it darker", project=project).slots == {
        "direction": "decrease",
        "target": [],
        "pronoun": True,
    }


# -- §4.8 the LLM fallback -------------------------------------------------------------------------------


class FakeLLM:
    def __init__(self, answer: str | Exception) -> None:
        self.answer = answer
        self.calls: list[str] = []

    async def classify_category(self, text: str, categories: Sequence[str]) -> str:
        self.calls.append(text)
        assert "generation" in categories and "other" in categories
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


def _classify(text: str, llm: FakeLLM | None) -> IntentResult:
    return asyncio.run(classify(text, llm=llm))


@pytest.mark.parametrize(
    ("answer", "intent", "confidence"),
    [
        ("generation", "compose.generate_music", 0.75),
        (" Transport\n", "transport.play", 0.75),
        ("track_edit", "track.add", 0.75),
        ("region_edit", "region.add", 0.75),
        ("effects", "fx.add_insert", 0.75),
        ("mix_vibe", "mix.energy", 0.75),
        ("question", "ask.general", 0.75),
        ("clarify", "control.needs_clarification", 0.75),
        ("other", "control.unknown", 0.4),
        ("I think it is a generation request", "control.unknown", 0.3),
        (RuntimeError("HTTP 500"), "control.unknown", 0.3),
    ],
)
def test_llm_fallback(answer: str | Exception, intent: str, confidence: float) -> None:
    llm = FakeLLM(answer)
    result = _classify("xyzzy foobar", llm)
    assert (result.intent, result.confidence) == (intent, confidence)
    assert llm.calls == ["xyzzy foobar"]


def test_llm_question_with_a_stori_keyword_is_docs() -> None:
    assert _classify("tell me about the mixer", FakeLLM("question")).intent == "ask.stori_docs"


def test_llm_is_not_asked_when_the_rules_decide() -> None:
    llm = FakeLLM("other")
    assert _classify("mute the bass", llm).intent == "track.mute"
    assert llm.calls == []


def test_without_llm_unknown_stays_deterministic() -> None:
    result = _classify("xyzzy foobar", None)
    assert (result.intent, result.confidence, result.reason) == ("control.unknown", 0.25, "unknown")

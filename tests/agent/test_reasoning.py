"""REASONING streams answered from the documentation without an LLM (sse.md §5.1, intents.md §6).

The real agent loop runs with the real answerer over the real in-memory docs index (built once per
process from the packaged pages and vectors); only the emitted events are checked.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from maestro_mcp.agent.modes.reasoning import (
    CLOSEST_MATCH_INTRO,
    GENERAL_NEEDS_LLM_CONFIG,
    DocAnswerer,
    answer_question,
    question_of,
)
from maestro_mcp.agent.stream_run import AgentDeps, AnswerQuestion, StaticBudget
from maestro_mcp.config import Settings

from .stream_support import REASONING, Event, Harness, check_grammar

os.environ.setdefault("OMP_NUM_THREADS", "1")  # the team standard for numeric libraries in tests

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


async def ask(tmp_path: Path, prompt: str) -> tuple[Event, str]:
    """The stream for ``prompt`` with the docs answerer wired in: its ``state`` and its one answer."""
    answerer = DocAnswerer(Settings(data_dir=tmp_path))
    events = await Harness(tmp_path, answer_question=answerer, llm=None).run(prompt)
    check_grammar(events, REASONING)
    state = events[0]
    assert (state["state"], state["executionMode"], state["deterministic"]) == (
        "reasoning",
        "reasoning",
        True,
    )
    assert "applyTarget" not in state
    contents = [e["content"] for e in events if e["type"] == "content"]
    assert len(contents) == 1  # §4.1: REASONING sends exactly one content, the whole answer
    assert events[-1]["success"] is True and events[-2]["cost"] == 0.0
    assert events[-1]["inputTokens"] == 0 and events[-1]["contextWindowTokens"] == 0
    return state, contents[0]


async def test_a_docs_question_is_answered_with_cited_passages(tmp_path: Path) -> None:
    state, answer = await ask(tmp_path, "how do I add a reverb send?")
    assert state["intent"] == "ask.stori_docs"
    assert answer.startswith("Here is what the Stori documentation says:")
    # Page and heading, with the link to the section.
    assert "**Concepts › Buses and sends (docs/concepts.md#buses-and-sends)**" in answer
    assert "stori_ensure_bus" in answer and "stori_add_send" in answer


async def test_a_question_the_rules_call_general_is_still_answered_from_the_docs(tmp_path: Path) -> None:
    # No Stori keyword, so ask.general (intents.md §4.3); the docs answer it above the relevance threshold.
    state, answer = await ask(tmp_path, "What does Position: before chorus - 4 mean?")
    assert state["intent"] == "ask.general"
    assert "STORI PROMPT guide › Offsets (docs/stori-prompt-guide.md#offsets)" in answer
    assert "`before chorus - 4` starts four beats" in answer


@pytest.mark.parametrize("prompt", ["who wrote Clair de Lune?", "what is the meaning of life?"])
async def test_a_general_music_question_without_an_llm_gets_an_honest_answer(
    tmp_path: Path, prompt: str
) -> None:
    state, answer = await ask(tmp_path, prompt)
    assert state["intent"] == "ask.general"
    assert answer == GENERAL_NEEDS_LLM_CONFIG
    for setting in ("STORI_LLM_API_KEY", "STORI_LLM_BASE_URL", "STORI_LLM_MODEL"):
        assert setting in answer


async def test_a_docs_question_the_docs_do_not_cover_says_so(tmp_path: Path) -> None:
    state, answer = await ask(tmp_path, "what is EQ?")
    assert state["intent"] == "ask.stori_docs"
    assert answer.startswith("I could not find anything about that in the Stori documentation.")


async def test_a_weak_match_is_offered_as_the_closest_section_not_as_the_answer(tmp_path: Path) -> None:
    _, answer = await ask(tmp_path, "How do I write a filter cutoff automation lane?")
    assert answer.startswith(CLOSEST_MATCH_INTRO)
    assert "Tool reference › stori_add_automation (docs/tools.md#stori_add_automation)" in answer


async def test_a_mode_ask_stori_prompt_answers_its_request(tmp_path: Path) -> None:
    prompt = "STORI PROMPT\nMode: ask\nRequest: how do I add a reverb send to the drums?"
    state, answer = await ask(tmp_path, prompt)
    assert state["intent"].startswith("ask.")
    assert "Concepts › Buses and sends" in answer


async def test_the_plain_function_fits_the_hook_and_decides_the_intent_itself(tmp_path: Path) -> None:
    # Both forms type-check as the hook of AgentDeps (mypy --strict runs over tests too).
    settings = Settings(data_dir=tmp_path)
    hooks: list[AnswerQuestion] = [answer_question, DocAnswerer(settings)]
    assert all(AgentDeps(settings, StaticBudget(settings), answer_question=h).answer_question for h in hooks)
    assert question_of("STORI PROMPT\nMode: ask\nRequest:  what is a bus? ") == "what is a bus?"
    assert await answer_question("who wrote Clair de Lune?") == GENERAL_NEEDS_LLM_CONFIG
    # The same question forced to ask.stori_docs is not told to configure an LLM.
    docs = await answer_question("who wrote Clair de Lune?", intent="ask.stori_docs")
    assert docs.startswith("I could not find anything")

"""Reasoning mode for the ``ask.*`` intents (intents.md §6, sse.md §5.1): questions answered from the docs.

``DocAnswerer`` retrieves the documentation sections nearest to the question and answers from them:

- with an LLM, the model writes the answer from the retrieved excerpts (its reasoning goes to
  ``on_reasoning``, word-bounded and cleaned as sse.md §4.1 asks); the stream sends the returned text as its
  one ``content`` event;
- without one, the answer is the best passages, each cited by page and heading (``rag.compose_answer``);
  a general question the docs do not cover gets an honest "this needs a language model" with the settings
  to configure one.

It is the ``AgentDeps.answer_question`` hook: called with the question alone it still works (the intent is
then decided by the rule classifier); the stream passes ``intent``, ``on_reasoning``, ``ledger`` and
``model`` once it runs with an LLM. LLM failures raise ``LlmError``: the stream turns them into the fatal
error of sse.md §5.6 (its ``sse_code``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from contextlib import aclosing
from typing import Any

from maestro_mcp.config import Settings
from maestro_mcp.prompts import PromptParseError, parse_stori_prompt
from maestro_mcp.rag.answer import citation, compose_answer
from maestro_mcp.rag.index import Hit
from maestro_mcp.rag.search import DocSearch, is_relevant

from ..intent import classify_rules
from ..llm import LlmClient
from ..llm_models import UsageLedger
from ..llm_reasoning import ReasoningBuffer
from ..llm_types import ContentDelta, ReasoningDelta

TextCallback = Callable[[str], Awaitable[None]]

# Sections handed to the model or composed into an answer. Four keeps the prompt small (a section is at
# most a few hundred words) while leaving room for a question two sections answer together.
RETRIEVE_K = 4
# For a question that names a Stori feature (``ask.stori_docs``) a passage below the relevance threshold
# may still be the right one (measured on tests/rag/questions.yaml: correct top hits go down to 0.26-0.35),
# so it is shown, introduced as the closest match rather than as the answer. Below this floor the nearest
# passage is almost always about something else ("what is EQ?" reaches 0.23 with an unrelated section).
WEAK_FLOOR = 0.28

GENERAL_NEEDS_LLM_CONFIG = (
    "I can't answer that one: the Stori documentation does not cover it, and general questions need a "
    "language model, which is not configured on this server. To enable one, set STORI_LLM_API_KEY to your "
    "provider's API key (OpenRouter by default); for any other OpenAI-compatible endpoint also set "
    "STORI_LLM_BASE_URL, and STORI_LLM_MODEL to choose the model. Then restart the server. Until then I can "
    "answer questions about Stori from its documentation, edit your project and compose music."
)
CLOSEST_MATCH_INTRO = (
    "I did not find a section that answers this directly; the closest part of the Stori documentation is:"
)

SYSTEM_PROMPT = (
    "You are the assistant inside Stori, a music production app, and its music server maestro-mcp. Answer "
    "the musician's question in plain words.\n"
    "For anything about Stori -- its tools, the STORI PROMPT format, the DAW bridge, the streaming protocol, "
    "setup and troubleshooting -- rely only on the documentation excerpts given with the question, and cite "
    "each excerpt you use by its page and heading in square brackets, e.g. [STORI PROMPT guide › Position]. "
    "Never invent tools, fields, settings or error codes. If the excerpts do not cover a question about "
    "Stori, say the documentation does not say.\n"
    "For a general music question the excerpts do not cover, answer from your own knowledge and say that it "
    "is not from the Stori documentation.\n"
    "Be brief: a few sentences or a short list. Do not call tools; none are available."
)


def question_of(prompt: str) -> str:
    """The question a prompt asks: the ``Request`` of a ``Mode: ask`` STORI PROMPT, else the text itself."""
    try:
        structured = parse_stori_prompt(prompt)
    except PromptParseError:
        return prompt.strip()
    return structured.request.strip() if structured is not None else prompt.strip()


def usable_hits(hits: Sequence[Hit], intent: str) -> list[Hit]:
    """The passages an answer may use: relevant ones; for a question about Stori also weaker ones above
    ``WEAK_FLOOR`` (the best such passage only, when none is relevant)."""
    relevant = [h for h in hits if is_relevant(h)]
    if relevant or intent != "ask.stori_docs":
        return relevant
    weak = [h for h in hits if h.similarity >= WEAK_FLOOR]
    return weak[:1]


def answer_without_llm(question: str, hits: Sequence[Hit], intent: str) -> str:
    """intents.md §6 on the deterministic path: passages when the docs have them, else an honest answer."""
    chosen = usable_hits(hits, intent)
    if not chosen:
        if intent == "ask.stori_docs":
            return compose_answer(question, [])  # says nothing was found and what the docs cover
        return GENERAL_NEEDS_LLM_CONFIG
    composed = compose_answer(question, chosen)
    if not is_relevant(chosen[0]):
        # Same passages, but introduced as the nearest match: the reader should not take it as the answer.
        _intro, _, passages = composed.partition("\n\n")
        return f"{CLOSEST_MATCH_INTRO}\n\n{passages}" if passages else composed
    return composed


def excerpts_text(hits: Sequence[Hit]) -> str:
    if not hits:
        return "No documentation excerpt matched this question."
    parts = ["Documentation excerpts:"]
    for number, hit in enumerate(hits, start=1):
        parts.append(f"[{number}] {citation(hit)}\n{hit.text.strip()}")
    return "\n\n".join(parts)


def build_messages(
    question: str, hits: Sequence[Hit], *, history: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    """System prompt, the conversation so far, then the question with the retrieved excerpts. The excerpts
    ride on the last user message only, so a long conversation does not carry stale ones."""
    user = f"Question: {question}\n\n{excerpts_text(hits)}"
    return [{"role": "system", "content": SYSTEM_PROMPT}, *history, {"role": "user", "content": user}]


def sources_line(hits: Sequence[Hit]) -> str:
    return "Sources: " + "; ".join(dict.fromkeys(citation(h) for h in hits))


class DocAnswerer:
    """Answers ``ask.*`` questions from the documentation; ``llm`` None is the deterministic path.
    Cheap to create; the index behind ``search`` is built on the first question (in a worker thread)."""

    def __init__(
        self,
        settings: Settings | None = None,
        *,
        llm: LlmClient | None = None,
        search: DocSearch | None = None,
        k: int = RETRIEVE_K,
    ) -> None:
        self.llm = llm
        self.search = search if search is not None else DocSearch(settings)
        self.k = k

    async def __call__(
        self,
        prompt: str,
        *,
        intent: str | None = None,
        on_reasoning: TextCallback | None = None,
        ledger: UsageLedger | None = None,
        model: str | None = None,
        history: Sequence[dict[str, Any]] = (),
    ) -> str:
        """The whole answer to ``prompt`` (natural language or a ``Mode: ask`` STORI PROMPT), for the one
        ``content`` event of a REASONING stream. ``intent``: ``ask.stori_docs`` or ``ask.general`` (None:
        decided here by the rules). ``history``: earlier turns as chat messages, for the LLM only.
        Raises ``LlmError`` when the LLM call fails."""
        question = question_of(prompt)
        if intent is None:
            intent = classify_rules(question).intent
        hits = await self.search.search(question, self.k) if question else []
        if self.llm is None:
            return answer_without_llm(question, hits, intent)
        return await self._answer_with_llm(question, usable_hits(hits, intent), on_reasoning=on_reasoning,
                                           ledger=ledger, model=model, history=history)  # fmt: skip

    async def _answer_with_llm(
        self,
        question: str,
        hits: list[Hit],
        *,
        on_reasoning: TextCallback | None,
        ledger: UsageLedger | None,
        model: str | None,
        history: Sequence[dict[str, Any]],
    ) -> str:
        assert self.llm is not None
        buffer = ReasoningBuffer()
        content: list[str] = []
        stream = self.llm.stream(build_messages(question, hits, history=history), model=model, ledger=ledger)
        async with aclosing(stream) as chunks:
            async for chunk in chunks:
                if isinstance(chunk, ReasoningDelta):
                    text = buffer.push(chunk.text)
                    if text and on_reasoning is not None:
                        await on_reasoning(text)
                elif isinstance(chunk, ContentDelta):
                    content.append(chunk.text)
        rest = buffer.flush()
        if rest and on_reasoning is not None:
            await on_reasoning(rest)
        answer = "".join(content).strip()
        if not answer:  # a model that only reasoned: the passages are still a better answer than nothing
            return answer_without_llm(question, hits, "ask.stori_docs")
        # The sources the model was given, as links, whether or not it cited them inline.
        return f"{answer}\n\n{sources_line(hits)}" if hits else answer


async def answer_question(
    prompt: str,
    *,
    intent: str | None = None,
    settings: Settings | None = None,
    llm: LlmClient | None = None,
    on_reasoning: TextCallback | None = None,
    ledger: UsageLedger | None = None,
    model: str | None = None,
    history: Sequence[dict[str, Any]] = (),
) -> str:
    """One-off form of ``DocAnswerer(settings, llm=llm)(prompt, ...)``; fits ``AgentDeps.answer_question``
    as it is (the deterministic path over the in-memory index). A server keeps one ``DocAnswerer``."""
    answerer = DocAnswerer(settings, llm=llm)
    return await answerer(prompt, intent=intent, on_reasoning=on_reasoning, ledger=ledger, model=model,
                          history=history)  # fmt: skip


__all__ = [
    "CLOSEST_MATCH_INTRO",
    "GENERAL_NEEDS_LLM_CONFIG",
    "SYSTEM_PROMPT",
    "WEAK_FLOOR",
    "DocAnswerer",
    "answer_question",
    "answer_without_llm",
    "build_messages",
    "question_of",
    "usable_hits",
]

"""The state one stream carries through the agent loop, and what the loop depends on.

``AgentDeps`` is the process-wide part (settings, budget, variation store, LLM, answerer, limits);
``StreamRun`` is one request's (context, emitter, ids, warnings, usage ledger, LLM session, the plan's
runner). ``StreamRun.finish`` ends every stream the same way: ``budgetUpdate`` (the LLM usage charged) →
``complete`` (``inputTokens``, ``contextWindowTokens``, warnings).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from maestro_mcp.config import Settings

from . import events as ev
from .executor import Runner
from .intent import IntentResult, Mode
from .llm import LlmClient
from .llm_models import UsageLedger
from .modes.llm_batch import LlmSession
from .stream_context import Ids, StreamContext, StreamRequest
from .teams import TeamLimits

logger = logging.getLogger(__name__)

NO_CHANGE = "No change was made"


class Budget(Protocol):
    """The principal's budget (http-api.md §4.4): what is left, and the charge of a finished request."""

    async def remaining(self, principal: str) -> float: ...

    async def charge(self, principal: str, cost: float) -> float: ...


@dataclass
class StaticBudget:
    """No ledger yet: every principal has the default budget and deterministic requests cost nothing."""

    settings: Settings

    async def remaining(self, principal: str) -> float:
        return self.settings.default_budget_cents / 100

    async def charge(self, principal: str, cost: float) -> float:
        return await self.remaining(principal) - cost


class VariationRecorder(Protocol):
    async def record(self, principal: str, variation: Any) -> Any: ...


class AnswerQuestion(Protocol):
    """The REASONING answerer of ask.* intents (``modes.reasoning.DocAnswerer`` fits): the whole answer
    for the one ``content`` event, reasoning chunks to ``on_reasoning``; raises ``LlmError``."""

    async def __call__(
        self, prompt: str, *, intent: str | None = ..., on_reasoning: Callable[[str], Awaitable[None]] | None = ...,
        ledger: UsageLedger | None = ..., model: str | None = ..., history: Sequence[dict[str, Any]] = ...,
    ) -> str | None: ...  # fmt: skip


# ``AgentDeps.llm`` left at this default means "the client ``Settings`` configure" (None without a key).
FROM_SETTINGS: Any = object()


@dataclass
class AgentDeps:
    settings: Settings
    budget: Budget
    variations: VariationRecorder | None = None  # None: variations are computed and streamed, not stored
    request_seconds: float = 900.0  # sse.md §8
    team_limits: TeamLimits = field(default_factory=TeamLimits)
    # Documentation answers for ask.* intents (rag); None → the fixed answers of intents.md §6 (with an
    # LLM: a ``DocAnswerer`` over that LLM is made here).
    answer_question: AnswerQuestion | None = None
    llm: LlmClient | None = FROM_SETTINGS  # None: the deterministic path
    llm_seconds: float = 300.0  # sse.md §8: LLM planner limit (one tool loop)

    def __post_init__(self) -> None:
        if self.llm is FROM_SETTINGS:
            self.llm = LlmClient.from_settings(self.settings)
        if self.answer_question is None:
            # Questions are answered from the docs with or without an LLM (issue 6: without one, the best
            # passages, cited). Imported here: the retrieval stack loads on first use, not at start-up.
            from .modes.reasoning import DocAnswerer

            self.answer_question = DocAnswerer(self.settings, llm=self.llm)


class Fatal(Exception):
    """A failure that ends the stream as sse.md §5.6 says, with its error code."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class StreamRun:
    deps: AgentDeps
    ctx: StreamContext
    request: StreamRequest
    emitter: ev.Emitter
    ids: Ids
    trace_id: str
    runner: Runner | None = None
    variation_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    ledger: UsageLedger = field(default_factory=UsageLedger)
    session: LlmSession | None = None  # the request's LLM session, when an LLM is configured
    deterministic: bool = True  # state.deterministic: no LLM takes part
    # The conversation's earlier turns as chat messages (sse.md §2.1 ``conversationId``), for the LLM only.
    history: list[dict[str, Any]] = field(default_factory=list)

    async def emit(self, event: ev.Event) -> None:
        await self.emitter.emit(event)

    def plan_runner(self) -> Runner | None:
        return self.runner or (self.session.runner if self.session is not None else None)

    async def finish(self, success: bool, *, error: str | None = None, **extra: Any) -> None:
        cost = self.ledger.cost_cents / 100  # every LLM call that started is charged, also on failure
        warnings = [*self.warnings, *(self.session.warnings if self.session else ()), *self.ledger.warnings]
        try:
            remaining = await self.deps.budget.charge(self.ctx.principal, cost)
        except Exception:
            # The stream still ends with budgetUpdate and complete (sse.md §5.6): a ledger that cannot be
            # written is logged and reported, and the budget shown is what was left before this request.
            logger.exception("stream %s: could not charge the budget of %s", self.trace_id, self.ctx.principal)
            warnings.append("the usage of this request could not be recorded")
            remaining = await self._remaining_or_zero()
        await self.emit(ev.BudgetUpdateEvent(budget_remaining=round(remaining, 4), cost=cost))
        await self.emit(ev.CompleteEvent(success=success, trace_id=self.trace_id, error=error,
                                         warnings=list(dict.fromkeys(warnings)),
                                         input_tokens=self.ledger.last_prompt_tokens,
                                         context_window_tokens=self.ledger.context_window_tokens, **extra))  # fmt: skip

    async def _remaining_or_zero(self) -> float:
        try:
            return await self.deps.budget.remaining(self.ctx.principal)
        except Exception:
            return 0.0


async def emit_state(run: StreamRun, intent: IntentResult) -> None:
    """The ``state`` event (always first), then the context's notices as ``status``."""
    target = None if intent.mode is Mode.REASONING else run.ctx.apply_target
    await run.emit(ev.StateEvent(state=intent.mode.value, intent=intent.intent, confidence=intent.confidence,
                                 trace_id=run.trace_id, execution_mode=intent.execution_mode,  # type: ignore[arg-type]
                                 apply_target=target, deterministic=run.deterministic))  # fmt: skip
    for notice in run.ctx.notices:
        await run.emit(ev.StatusEvent(message=notice))

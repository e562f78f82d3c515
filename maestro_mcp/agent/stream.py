"""The agent loop of one stream (spec/sse.md §5): prompt → mode → plan → tool calls → variation, as events.

``run_stream`` decides the mode once (a STORI PROMPT by its ``Mode``, natural language by the rule
classifier), then runs REASONING, EDITING or COMPOSING on the stream's project context. Whatever happens,
the stream ends ``budgetUpdate`` → ``complete``: fatal failures and the request time limit follow §5.6;
a client disconnect cancels everything and emits nothing more (the transport cancels this coroutine).
With an LLM configured (``AgentDeps.llm``), unplaceable text is classified by one LLM call, EDITING and
COMPOSING let the model plan and write its tool calls (``modes.llm_editing``, ``modes.llm_composing``),
every Agent Teams instrument gets its own LLM session (``modes.llm_teams``), and REASONING answers through
``AgentDeps.answer_question`` with the LLM; token usage fills ``complete.inputTokens`` and the budget charge.
Without one, everything runs on the deterministic path.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import anyio

from maestro_mcp.daw.model import Project
from maestro_mcp.prompts import PromptParseError, StoriPrompt, parse_stori_prompt

from . import events as ev
from .edit_calls import CLARIFYING_QUESTION, GENERAL_NEEDS_LLM, HELP_TEXT, edit_calls
from .executor import Runner, Stats
from .intent import IntentResult, Mode, classify, classify_rules, classify_structured, invalid_prompt
from .llm import IntentClassifier
from .llm_types import LlmError
from .modes.composing import prompt_from_slots, run_composing
from .modes.llm_batch import LlmSession, plan_event
from .modes.llm_editing import run_llm_editing
from .planner import Plan, plan_from_calls
from .planner_edit import structured_edit
from .stream_context import Ids, StreamContext, StreamRequest
from .stream_run import NO_CHANGE, AgentDeps, Budget, Fatal, StaticBudget, StreamRun, emit_state
from .teams import run_sequential

__all__ = ["AgentDeps", "Budget", "StaticBudget", "prompt_from_slots", "run_stream"]

logger = logging.getLogger(__name__)


async def run_stream(
    deps: AgentDeps,
    ctx: StreamContext,
    request: StreamRequest,
    emitter: ev.Emitter,
    *,
    ids: Ids | None = None,
    trace_id: str | None = None,
    history: list[dict[str, Any]] | None = None,
) -> None:
    """Emit the whole stream for ``request`` on ``ctx``. ``ids``/``trace_id`` let the edge know the trace
    id before the first event (the ``X-Trace-Id`` header); by default they are minted here. ``history``:
    the conversation's earlier turns as chat messages (so far only the LLM answerer of REASONING reads it)."""
    ids = ids or Ids(request.seed, request.prompt)
    run = StreamRun(deps, ctx, request, emitter, ids, trace_id or ids(), history=list(history or ()))
    if deps.llm is not None:
        run.session = LlmSession(client=deps.llm, model=request.model or deps.llm.default_model, ledger=run.ledger,
                                 emitter=emitter, ctx=ctx, ids=ids, trace_id=run.trace_id, timeout=deps.llm_seconds)  # fmt: skip
    started = False
    try:
        with anyio.fail_after(deps.request_seconds):
            started = True
            await _dispatch_mode(run)
    except TimeoutError:
        await _fatal(run, "TIMEOUT", f"The request exceeded {deps.request_seconds:g} s")
    except Fatal as exc:
        await _fatal(run, exc.code, exc.message)
    except LlmError as exc:
        logger.warning("stream %s: LLM failed: %r", run.trace_id, exc)
        await _fatal(run, exc.sse_code, exc.message)
    except ev.ProtocolError as exc:
        await _fatal(run, "PROTOCOL_ERROR", str(exc))
    except Exception:
        logger.exception("stream failed (trace %s)", run.trace_id)
        if started and not emitter.closed:
            await _fatal(run, "INTERNAL_ERROR", f"internal error (trace {run.trace_id})")


async def _fatal(run: StreamRun, code: str, message: str) -> None:
    """§5.6: active steps failed, pending skipped, error(fatal), done(failed) in COMPOSING, budget, complete."""
    if run.emitter.closed:
        return
    if run.emitter.seq == 0:
        await run.emit(ev.StateEvent(state="reasoning", intent="control.unknown", confidence=0.0,
                                     trace_id=run.trace_id, execution_mode="reasoning", deterministic=True))  # fmt: skip
    runner = run.plan_runner()
    if runner is not None:
        await runner.finish_steps()
    await run.emit(ev.ErrorEvent(error=code, message=message, fatal=True, trace_id=run.trace_id))
    if run.variation_id is not None:
        await run.emit(ev.DoneEvent(variation_id=run.variation_id, phrase_count=0, status="failed"))
    await run.finish(False, error=code)


async def _dispatch_mode(run: StreamRun) -> None:
    project, _version = await run.ctx.read()
    try:
        prompt = parse_stori_prompt(run.request.prompt)
    except PromptParseError as exc:
        intent = invalid_prompt(exc.message)
        await emit_state(run, intent)
        await run.emit(ev.ErrorEvent(error="PROMPT_PARSE_ERROR", message=exc.message, fatal=True, line=exc.line,
                                     trace_id=run.trace_id))  # fmt: skip
        await run.finish(False, error="PROMPT_PARSE_ERROR")
        return
    if prompt is not None:
        run.warnings += prompt.warnings
        intent = classify_structured(
            prompt.mode, vibe=[(v.word, v.weight) for v in prompt.vibe],
            constraint_keys=list(prompt.constraints.extra), request=prompt.request,
            blocks=list(prompt.blocks()), project=project,
        )  # fmt: skip
    elif run.session is not None:
        llm = IntentClassifier(run.session.client, model=run.session.model, ledger=run.ledger)
        intent = await classify(run.request.prompt, project=project, llm=llm)
        run.deterministic = not intent.reason.startswith("llm")
    else:
        intent = classify_rules(run.request.prompt, project=project)
    for notice in run.ctx.notices:
        run.warnings.append(notice)
    if intent.mode is Mode.COMPOSING:
        await run_composing(run, intent, prompt, project)
    elif intent.mode is Mode.EDITING:
        await _editing(run, intent, prompt, project)
    else:
        await _reasoning(run, intent)


# -- REASONING ----------------------------------------------------------------------------------------------


async def _reasoning(run: StreamRun, intent: IntentResult) -> None:
    answerer = run.deps.answer_question
    asked = intent.intent in ("ask.stori_docs", "ask.general") and answerer is not None
    if asked and run.session is not None:
        run.deterministic = False
    await emit_state(run, intent)
    await run.emit(ev.StatusEvent(message="Reasoning..."))
    answer: str | None = None
    if asked and answerer is not None:
        if run.session is not None:
            # ``history`` only when there is one: answerers written before conversations may not take it.
            extra: dict[str, Any] = {"history": run.history} if run.history else {}
            answer = await answerer(run.request.prompt, intent=intent.intent, on_reasoning=_reasoning_sink(run),
                                    ledger=run.ledger, model=run.session.model, **extra)  # fmt: skip
        else:
            answer = await answerer(run.request.prompt, intent=intent.intent)
    if answer is None:
        answer = {
            "control.needs_clarification": CLARIFYING_QUESTION,
            "ask.general": GENERAL_NEEDS_LLM,
        }.get(intent.intent, HELP_TEXT)
    await run.emit(ev.ContentEvent(content=answer))
    await run.finish(True)


def _reasoning_sink(run: StreamRun) -> Callable[[str], Awaitable[None]]:
    async def sink(text: str) -> None:
        await run.emit(ev.ReasoningEvent(content=text))

    return sink


# -- EDITING ------------------------------------------------------------------------------------------------


async def _editing(
    run: StreamRun, intent: IntentResult, prompt: StoriPrompt | None, project: Project
) -> None:
    edit = (
        structured_edit(prompt, intent, project, run.warnings)
        if prompt is not None
        else edit_calls(intent, project)
    )
    # intents.md §6: with an LLM, only a single-tool intent whose rule slots are complete skips it.
    use_llm = run.session is not None and not (intent.single_tool and edit.calls and not edit.needs_llm)
    run.deterministic = run.deterministic and not use_llm
    await emit_state(run, intent)
    await run.emit(ev.StatusEvent(message="Processing..."))
    if use_llm and run.session is not None:
        outcome = await run_llm_editing(run.session, intent, text=run.request.prompt, prompt=prompt, project=project,
                                        title=_edit_title(intent))  # fmt: skip
        if outcome.plan is None:
            await run.emit(ev.ContentEvent(content=outcome.content or CLARIFYING_QUESTION))
            await run.finish(False, error=NO_CHANGE, tool_calls=[], state_version=(await run.ctx.read())[1])
            return
        await _finish_editing(run, outcome.stats, outcome.plan, outcome.content)
        return
    if edit.needs_llm:
        raise Fatal("LLM_UNAVAILABLE", "This request needs a language model, and none is configured.")
    if not edit.calls:
        await run.emit(ev.ContentEvent(content=edit.message or CLARIFYING_QUESTION))
        await run.finish(False, error=NO_CHANGE, tool_calls=[], state_version=(await run.ctx.read())[1])
        return
    plan = plan_from_calls(edit.calls, project, _edit_title(intent))
    runner = run.runner = Runner(emitter=run.emitter, principal=run.ctx.principal, projects=run.ctx.store,
                                 settings=run.ctx.settings, ids=run.ids, plan=plan, proposal=False,
                                 trace_id=run.trace_id, project=project)  # fmt: skip
    await run.emit(plan_event(plan, run.ids()))
    await run_sequential(runner, plan.steps)
    await runner.finish_steps()
    await _finish_editing(run, runner.stats, plan, "")


async def _finish_editing(run: StreamRun, stats: Stats, plan: Plan, text: str) -> None:
    runner = run.plan_runner()
    if runner is not None:
        await runner.finish_steps()
    if stats.applied:
        await run.emit(ev.SummaryEvent(tracks=stats.tracks_touched, regions=stats.regions, notes=stats.notes,
                                       effects=len(stats.effects)))  # fmt: skip
        await run.emit(ev.ContentEvent(content=text.strip() or _edit_text(stats.applied, plan)))
    elif text.strip():
        await run.emit(ev.ContentEvent(content=text.strip()))
    if stats.tool_errors:
        run.warnings.append(f"{stats.tool_errors} tool error(s) occurred")
    version = stats.state_version if stats.state_version is not None else (await run.ctx.read())[1]
    calls = [ev.ToolCallRecord(name=c["name"], params=c["params"]) for c in stats.applied]
    await run.finish(bool(stats.applied), error=None if stats.applied else NO_CHANGE, tool_calls=calls,
                     state_version=version)  # fmt: skip


def _edit_title(intent: IntentResult) -> str:
    return {
        "mix.dynamics": "Punching Up the Mix", "mix.tonality": "Shaping the Tone", "mix.space": "Adding Space",
        "mix.energy": "Adding Energy", "fx.add_insert": "Adding Effects",
    }.get(intent.intent, "Editing the Project")  # fmt: skip


def _edit_text(applied: list[dict[str, Any]], plan: Plan) -> str:
    labels = [a.label for s in plan.steps for a in s.actions]
    done = "; ".join(dict.fromkeys(labels)) if labels else "Done"
    return f"Done: {done}." if len(applied) else "Nothing changed."

"""What a variation proposal needs from the agent loop (spec/variations.md §3.1, §6.1): the project context
it works on, the request a proposer gets, and what it returns."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from maestro_mcp.daw.model import Project

from .variation_model import ToolCallRecord

T = TypeVar("T")


class ProjectTarget(Protocol):
    """A project context: the principal's headless store, or a mirror bound to one project id."""

    async def read(self, principal: str) -> tuple[Project, int]: ...

    async def mutate(self, principal: str, fn: Callable[[Project], T]) -> tuple[T, int]: ...


# Finds the context a projectId names for a principal (§6.1: headless first, then the DAW mirror, and the
# client-snapshot mirrors); ``None`` when it names none.
ContextResolver = Callable[[str, str], Awaitable[ProjectTarget | None]]


@dataclass(slots=True)
class ProposalRequest:
    """What a proposer gets: ``project`` is a scratch copy of the base it may change freely."""

    principal: str
    variation_id: str
    intent: str
    project: Project
    base_state_id: int
    seed: int | None = None
    model: str | None = None
    quality_preset: str | None = None


@dataclass(slots=True)
class Proposal:
    """What a proposer returns: the scratch project after the proposal's calls, its structural calls
    (ids concrete), an explanation line and the plan's track order."""

    project: Project
    tool_calls: list[ToolCallRecord] = field(default_factory=list)
    ai_explanation: str | None = None
    track_order: list[str] | None = None


class ProposalFailed(Exception):
    """A proposal that cannot be made: published as ``error{code, message, fatal}`` then ``done(failed)``
    (e.g. ``INTENT_NOT_SUPPORTED`` for a REASONING intent, sse.md §4.1 codes)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


Proposer = Callable[[ProposalRequest], Awaitable[Proposal]]

"""The LLM models of sse.md §2.1 / http-api.md §5: which ids are accepted, their capacity and price, and
the per-request usage ledger that yields ``complete.inputTokens`` and the budget charge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from pydantic import AliasChoices, BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from .llm_types import Usage

OPENROUTER_BASE_URL = "https://openrouter.ai/api/v1"
DEFAULT_MODEL = "anthropic/claude-sonnet-4.6"


class ModelInfo(BaseModel):
    """One entry of ``GET /api/v1/models`` (http-api.md §5)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, frozen=True)

    id: str
    name: str
    # to_camel would spell these costPer1MInput; the wire spelling is costPer1mInput.
    cost_per_1m_input: float = Field(
        serialization_alias="costPer1mInput",
        validation_alias=AliasChoices("costPer1mInput", "cost_per_1m_input"),
    )
    cost_per_1m_output: float = Field(
        serialization_alias="costPer1mOutput",
        validation_alias=AliasChoices("costPer1mOutput", "cost_per_1m_output"),
    )
    supports_reasoning: bool
    context_window_tokens: int


# Cheapest input first, as the models endpoint lists them.
MODELS: tuple[ModelInfo, ...] = (
    ModelInfo(id="anthropic/claude-sonnet-4.6", name="Claude Sonnet 4.6", cost_per_1m_input=3.0,
              cost_per_1m_output=15.0, supports_reasoning=True, context_window_tokens=200_000),
    ModelInfo(id="anthropic/claude-opus-4.6", name="Claude Opus 4.6", cost_per_1m_input=5.0,
              cost_per_1m_output=25.0, supports_reasoning=True, context_window_tokens=200_000),
)  # fmt: skip
MODELS_BY_ID: dict[str, ModelInfo] = {m.id: m for m in MODELS}


class ModelNotAllowed(ValueError):
    """The requested model is not accepted with the configured base URL (a 422 on ``model``)."""


def is_openrouter(base_url: str) -> bool:
    host = (urlsplit(base_url).hostname or "").lower()
    return host == "openrouter.ai" or host.endswith(".openrouter.ai")


def resolve_model(requested: str | None, *, base_url: str, default: str) -> str:
    """The model a request uses (sse.md §2.1, §11): the request's ``model``, else the configured default.
    With OpenRouter only the ids of ``MODELS`` pass; with any other base URL any non-empty string does."""
    model = (requested if requested is not None else default).strip()
    if not model:
        raise ModelNotAllowed("model must be a non-empty string")
    if is_openrouter(base_url) and model not in MODELS_BY_ID:
        allowed = " or ".join(MODELS_BY_ID)
        raise ModelNotAllowed(f"model must be {allowed} (got {model!r})")
    return model


def context_window_tokens(model: str) -> int:
    """``complete.contextWindowTokens``: the model's capacity, 0 when unknown."""
    info = MODELS_BY_ID.get(model)
    return info.context_window_tokens if info is not None else 0


def cost_dollars(model: str, usage: Usage) -> float | None:
    """The exact price of one call, or None for a model without a price."""
    info = MODELS_BY_ID.get(model)
    if info is None:
        return None
    return (
        usage.prompt_tokens * info.cost_per_1m_input + usage.completion_tokens * info.cost_per_1m_output
    ) / 1e6


@dataclass
class UsageLedger:
    """Every LLM call of one request (classification, planning turns, instrument agents).

    A call is recorded once its stream has started (an HTTP 200): a refused or unreachable call has used
    no tokens and is not charged.
    """

    calls: int = 0
    priced_calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    last_prompt_tokens: int = 0  # complete.inputTokens: the last call's whole context
    last_model: str | None = None
    _dollars: float = 0.0
    unpriced_models: set[str] = field(default_factory=set)

    def record(self, model: str, usage: Usage | None) -> None:
        self.calls += 1
        self.last_model = model
        if usage is None:
            self.last_prompt_tokens = 0  # "0 when unknown"
            if model in MODELS_BY_ID:
                self.priced_calls += 1  # a known model's call without a usage report still costs the minimum
            else:
                self.unpriced_models.add(model)
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens
        self.last_prompt_tokens = usage.prompt_tokens
        price = cost_dollars(model, usage)
        if price is None:
            self.unpriced_models.add(model)
        else:
            self.priced_calls += 1
            self._dollars += price

    @property
    def cost_cents(self) -> int:
        """The charge (http-api.md §5): rounded up to whole cents, at least 1 when any call was made --
        to a priced model: a model without a price "costs 0, with a warning", minimum included.
        The epsilon keeps a float sum such as 0.030000000000000002 dollars at 3 cents."""
        if self.priced_calls == 0:
            return 0
        return max(1, math.ceil(self._dollars * 100 - 1e-9))

    @property
    def context_window_tokens(self) -> int:
        return context_window_tokens(self.last_model) if self.last_model else 0

    @property
    def warnings(self) -> list[str]:
        return [
            f"no price is known for model {m}; its usage was not charged"
            for m in sorted(self.unpriced_models)
        ]

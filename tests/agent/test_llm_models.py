"""Model ids, capacity and the budget charge of the LLM path (sse.md §2.1, §11; http-api.md §5)."""

from __future__ import annotations

import pytest

from maestro_mcp.agent.llm_models import (
    MODELS,
    OPENROUTER_BASE_URL,
    ModelNotAllowed,
    UsageLedger,
    context_window_tokens,
    is_openrouter,
    resolve_model,
)
from maestro_mcp.agent.llm_types import Usage

SONNET, OPUS = "anthropic/claude-sonnet-4.6", "anthropic/claude-opus-4.6"


def test_models_table_is_cheapest_input_first_and_camel_cased() -> None:
    assert [m.id for m in MODELS] == [SONNET, OPUS]
    assert MODELS[0].model_dump(by_alias=True) == {
        "id": SONNET, "name": "Claude Sonnet 4.6", "costPer1mInput": 3.0, "costPer1mOutput": 15.0,
        "supportsReasoning": True, "contextWindowTokens": 200000,
    }  # fmt: skip


def test_openrouter_accepts_only_its_two_models() -> None:
    assert resolve_model(None, base_url=OPENROUTER_BASE_URL, default=SONNET) == SONNET
    assert resolve_model(OPUS, base_url=OPENROUTER_BASE_URL, default=SONNET) == OPUS
    with pytest.raises(ModelNotAllowed):
        resolve_model("openai/gpt-4o", base_url=OPENROUTER_BASE_URL, default=SONNET)


def test_other_base_urls_pass_any_model_through() -> None:
    assert resolve_model("llama3.1:8b", base_url="http://127.0.0.1:11434/v1", default=SONNET) == "llama3.1:8b"
    with pytest.raises(ModelNotAllowed):
        resolve_model("  ", base_url="http://127.0.0.1:11434/v1", default=SONNET)
    assert is_openrouter("https://openrouter.ai/api/v1") and not is_openrouter(
        "http://openrouter.ai.example.com/v1"
    )


def test_charge_rounds_up_to_cents_with_a_one_cent_minimum() -> None:
    ledger = UsageLedger()
    assert ledger.cost_cents == 0  # no call, no charge
    ledger.record(SONNET, Usage(1000, 100))  # 0.003 + 0.0015 dollars
    assert ledger.cost_cents == 1
    ledger.record(OPUS, Usage(1_000_000, 100_000))  # 5 + 2.5 dollars
    assert ledger.cost_cents == 751  # 7.5045 dollars, rounded up
    assert ledger.last_prompt_tokens == 1_000_000 and ledger.prompt_tokens == 1_001_000
    assert ledger.context_window_tokens == 200_000


def test_exact_cent_amounts_are_not_rounded_past_themselves() -> None:
    ledger = UsageLedger()
    ledger.record(SONNET, Usage(10_000, 0))  # exactly 3 cents
    assert ledger.cost_cents == 3


def test_unknown_model_costs_nothing_but_a_warning() -> None:
    ledger = UsageLedger()
    ledger.record("local/model", Usage(5000, 500))
    assert ledger.cost_cents == 0  # "costs 0": not even the one-cent minimum
    assert ledger.warnings == ["no price is known for model local/model; its usage was not charged"]
    assert ledger.context_window_tokens == 0 and context_window_tokens(OPUS) == 200_000


def test_a_call_without_usage_reports_zero_input_tokens() -> None:
    ledger = UsageLedger()
    ledger.record(SONNET, Usage(300, 5))
    ledger.record(SONNET, None)
    assert ledger.last_prompt_tokens == 0 and ledger.calls == 2


def test_a_priced_call_without_usage_still_costs_the_minimum() -> None:
    ledger = UsageLedger()
    ledger.record(SONNET, None)
    assert ledger.cost_cents == 1 and ledger.context_window_tokens == 200_000

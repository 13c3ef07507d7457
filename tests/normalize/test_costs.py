"""Costs from the genai-prices table: cached tokens at their own rate, unknown models unpriced.

Prices per million tokens in genai-prices 0.2.5, as the tests use them:

* gpt-4o-mini: $0.15 input, $0.075 cached input, $0.60 output;
* claude-sonnet-4-5: $3 input, $0.30 cache read, $3.75 cache write, $15 output.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from gravity.normalize import normalize_records, price_call
from gravity.normalize.costs import apply_price
from gravity.normalize.model import LlmCall
from gravity.otlp.model import Record


def call_with(**fields: object) -> LlmCall:
    return LlmCall(trace_id="t", span_id="s", family="test", **fields)  # type: ignore[arg-type]


def test_known_model() -> None:
    call = call_with(provider="openai", request_model="gpt-4o-mini", input_tokens=1000, output_tokens=100)

    assert price_call(call) == pytest.approx((1000 * 0.15 + 100 * 0.60) / 1e6)


def test_cached_tokens_priced_as_cached() -> None:
    uncached = call_with(provider="openai", request_model="gpt-4o-mini", input_tokens=1000, output_tokens=100)
    cached = call_with(provider="openai", request_model="gpt-4o-mini", input_tokens=1000, output_tokens=100, cache_read_tokens=400)

    # 600 input tokens at the full rate, 400 at the cached rate.
    assert price_call(cached) == pytest.approx((600 * 0.15 + 400 * 0.075 + 100 * 0.60) / 1e6)
    assert price_call(cached) < price_call(uncached)  # type: ignore[operator]


def test_cache_counts_outside_input_count() -> None:
    """Anthropic's raw usage counts cache reads and writes outside input_tokens."""
    call = call_with(
        provider="anthropic", request_model="claude-sonnet-4-5", input_tokens=10, output_tokens=20, cache_read_tokens=1000, cache_write_tokens=200
    )

    assert price_call(call) == pytest.approx((10 * 3 + 1000 * 0.30 + 200 * 3.75 + 20 * 15) / 1e6)


@pytest.mark.parametrize("model", ["ultralm-13b-v2.0", "my-finetune-v3"])
def test_unknown_model_is_none_not_zero(model: str) -> None:
    call = call_with(provider="openai", request_model=model, input_tokens=1000, output_tokens=100)

    assert price_call(call) is None


def test_no_token_counts_is_none() -> None:
    assert price_call(call_with(provider="openai", request_model="gpt-4o-mini")) is None


def test_no_model_is_none() -> None:
    assert price_call(call_with(input_tokens=10, output_tokens=10)) is None


@pytest.mark.parametrize("provider", [None, "strands-agents", "OpenAI", "azure.ai.openai"])
def test_provider_names(provider: str | None) -> None:
    call = call_with(provider=provider, request_model="gpt-4o-mini", input_tokens=1000, output_tokens=0)

    assert price_call(call) == pytest.approx(1000 * 0.15 / 1e6)


def test_litellm_provider_prefix() -> None:
    call = call_with(request_model="anthropic/claude-sonnet-4-5", input_tokens=1000, output_tokens=0)

    assert price_call(call) == pytest.approx(1000 * 3 / 1e6)


def test_response_model_version_is_priced() -> None:
    call = call_with(provider="openai", request_model="gpt-4o-mini", response_model="gpt-4o-mini-2024-07-18", input_tokens=1000, output_tokens=0)

    assert price_call(call, datetime(2025, 9, 10, tzinfo=UTC)) == pytest.approx(1000 * 0.15 / 1e6)


def test_apply_price_keeps_span_cost() -> None:
    call = call_with(request_model="gpt-4o-mini", input_tokens=1000, output_tokens=100, cost_usd=0.5, cost_source="span")

    apply_price(call, 1_757_290_674_500_000_000)

    assert (call.cost_usd, call.cost_source) == (0.5, "span")


def test_priced_without_span_cost(span_record: Callable[..., Record]) -> None:
    priced = span_record({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100})
    unknown = span_record(
        {"gen_ai.request.model": "tulu-2-dpo-70b", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100},
        span_id="00000000000000aa",
    )

    first, second = normalize_records([priced, unknown])

    assert first.cost_usd == pytest.approx(0.00021)
    assert first.cost_source == "price_table"
    assert (second.cost_usd, second.cost_source) == (None, None)


def test_span_cost_wins(span_record: Callable[..., Record]) -> None:
    record = span_record(
        {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100, "gen_ai.cost.total_cost": 0.125},
        scope="litellm",
        name="litellm_request",
    )

    [call] = normalize_records([record])

    assert (call.cost_usd, call.cost_source) == (0.125, "span")

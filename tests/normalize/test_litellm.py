"""LiteLLM's own OpenTelemetry callback: 1.79 (flattened), 1.110 (JSON) and 1.110 in semconv
mode, and the proxy's service spans that are not calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from gravity.normalize import detect_family, normalize_records, normalize_span
from gravity.normalize.model import LlmCall, Message, Part
from gravity.otlp.model import Record
from tests.normalize.helpers import COLLECTOR_SAMPLE, assert_nth_call, call_cases, load_records
from tests.normalize.travel import ANSWER, ASK, LET_ME_CHECK, SYSTEM, THANKS, UMBRELLA_TEXT, WEATHER_JSON, WEATHER_TOOL

UMBRELLA = Part(type="text", content=UMBRELLA_TEXT)
# LiteLLM writes the output tool call as gen_ai.completion.0.function_call.*, without its id.
OUTPUT_TOOL_CALL = Part(type="tool_call", name="get_weather", arguments={"city": "Paris"})


def scenario_calls(
    spans: list[tuple[str, str, float]],
    *,
    history_tool_call: Part | None,
    tool_result_id: str | None,
    costs: list[tuple[float, str]],
    reasoning_tokens: int | None,
    streaming: bool | None,
) -> list[LlmCall]:
    """The scenario's three Anthropic calls and the mock_response call to gpt-4o-mini."""
    assistant_turn = Message("assistant", [LET_ME_CHECK, *([history_tool_call] if history_tool_call else [])])
    tool_result = Message("tool", [Part(type="tool_call_response", id=tool_result_id, content=WEATHER_JSON)])
    inputs = [
        [SYSTEM, ASK],
        [SYSTEM, ASK, assistant_turn, tool_result],
        [SYSTEM, ASK, assistant_turn, tool_result, ANSWER, THANKS],
        [Message("user", [Part(type="text", content="Say hi in French.")])],
    ]
    outputs = [
        Message("assistant", [LET_ME_CHECK, OUTPUT_TOOL_CALL], finish_reason="tool_call"),
        Message("assistant", ANSWER.parts, finish_reason="stop"),
        Message("assistant", [UMBRELLA], finish_reason="stop"),
        Message("assistant", [Part(type="text", content="Bonjour !")], finish_reason="stop"),
    ]
    usage = [(23, 34, 57), (101, 22, 123), (156, 18, 174), (10, 20, 30)]
    calls = []
    for index, (trace_id, span_id, latency) in enumerate(spans):
        anthropic = index < 3
        input_tokens, output_tokens, total_tokens = usage[index]
        calls.append(
            LlmCall(
                trace_id=trace_id,
                span_id=span_id,
                family="litellm",
                operation="chat",
                provider="anthropic" if anthropic else "openai",
                request_model="claude-sonnet-4-5" if anthropic else "gpt-4o-mini",
                response_model="claude-sonnet-4-5" if anthropic else "gpt-4o-mini",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                # metadata.usage_object reports the cache counts of the Anthropic calls only.
                cache_read_tokens=0 if anthropic else None,
                cache_write_tokens=0 if anthropic else None,
                reasoning_tokens=reasoning_tokens if anthropic else None,
                total_tokens=total_tokens,
                cost_usd=costs[index][0],
                cost_source=costs[index][1],
                latency_ms=latency,
                streaming=streaming,
                status="ok",
                finish_reasons=[outputs[index].finish_reason or ""],
                input_messages=inputs[index],
                output_messages=[outputs[index]],
                # LiteLLM sends no tools on the third call (the provider gets a dummy tool).
                tool_definitions=[WEATHER_TOOL] if index < 2 else [],
                content_source="span",
            )
        )
    return calls


# claude-sonnet-4-5 in genai-prices 0.2.5: $3 per million input tokens, $15 per million output;
# gpt-4o-mini: $0.15 and $0.60. Other costs are the span's own (LiteLLM's response_cost).
SONNET_TURN_1 = (23 * 3 + 34 * 15) / 1e6
MINI_MOCK = (10 * 0.15 + 20 * 0.60) / 1e6

V1_79_CALLS = scenario_calls(
    [
        ("5cddedbb26b03f1d1a89583600f0aeaa", "d6af5837fe33b35f", 31.567104),
        ("775e722fcb97603b0c054ef13b99f7bb", "48ce03838e2cdbc0", 47.521024),
        ("91ace098021323fcd2d51805f20e65cd", "9be172934679d368", 47.129088),
        ("0cadfe2cfaadb574a3ef334ebf206012", "dcd6c02b89b9f8aa", 0.81664),
    ],
    # 1.79 drops the tool calls and tool call ids of the history.
    history_tool_call=None,
    tool_result_id=None,
    costs=[(SONNET_TURN_1, "price_table"), (0.000633, "span"), (0.000738, "span"), (MINI_MOCK, "price_table")],
    reasoning_tokens=None,
    streaming=False,
)

# 1.110, in both modes, keeps the history's tool calls with their ids and writes its own costs.
V1_110_FIELDS: dict[str, Any] = {
    "history_tool_call": Part(type="tool_call", id="toolu_wx_001", name="get_weather", arguments={"city": "Paris"}),
    "tool_result_id": "toolu_wx_001",
    "costs": [(0.000579, "span"), (0.000633, "span"), (0.000738, "span"), (1.35e-05, "span")],
    "reasoning_tokens": 0,
}

V1_110_CALLS = scenario_calls(
    [
        ("3b960621ae02f93201b8105999766240", "e93e91b7a67d806f", 686.463744),
        ("4afdd88e649565844a799c4e6045a884", "dfb9b7ce3c440492", 49.186048),
        ("3cf31e37cc1fb8c7423220a9059c2799", "2b1e5155f0403707", 50.43584),
        ("ac5c76f8e6d2967fffec12711dff6523", "c21313f46adf7ec8", 3.33696),
    ],
    **V1_110_FIELDS,
    streaming=False,
)

SEMCONV_CALLS = scenario_calls(
    [
        ("f2fb661324a0a42e248b4722ebb37f70", "b8495c7b00aa6436", 585.248),
        ("9ee5b9e3e1c0c07902989d73d12639fd", "c5ffc46a99278259", 47.515136),
        ("1527447d3a9001b592185f5d45f64d06", "ee7bbee9d60d9c5e", 62.448896),
        ("6cd0450145fe7787b58b490d117b7269", "f219b9d449fdda95", 2.209024),
    ],
    **V1_110_FIELDS,
    # Semconv mode writes no llm.is_streaming.
    streaming=None,
)


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    call_cases(
        {
            "litellm-otel-1.79.0.json": V1_79_CALLS,
            "litellm-otel-1.110.2.json": V1_110_CALLS,
            "litellm-otel-1.110.2-semconv.json": SEMCONV_CALLS,
        }
    ),
)
def test_litellm_otel_calls(
    fixture_calls: Callable[[str], list[LlmCall]], fixture: str, expected: list[LlmCall], index: int
) -> None:
    assert_nth_call(fixture_calls(fixture), expected, index, cost_rel=1e-9)


@pytest.mark.parametrize("name", ["litellm-otel-1.79.0.json", "litellm-otel-1.110.2.json"])
def test_raw_request_child_is_no_call(fixture_records: Callable[[str], list[Record]], name: str) -> None:
    raw_children = [record for record in fixture_records(name) if record.item["name"] == "raw_gen_ai_request"]

    assert len(raw_children) == 4
    assert all(detect_family(record).FAMILY == "litellm" for record in raw_children)  # type: ignore[union-attr]
    assert [normalize_span(record) for record in raw_children] == [None] * 4


def test_proxy_service_spans_are_no_calls() -> None:
    records = load_records(COLLECTOR_SAMPLE)
    service_spans = [record for record in records if record.item["name"] not in ("litellm_request", "raw_gen_ai_request")]
    names = {record.item["name"] for record in service_spans}

    assert {"postgres", "auth", "router", "proxy_pre_call", "batch_write_to_db", "Received Proxy Server Request"} <= names
    assert [normalize_span(record) for record in service_spans] == [None] * len(service_spans)
    # The proxy's litellm_request uses the Arize (OpenInference) keys: not this family's.
    [request] = [record for record in records if record.item["name"] == "litellm_request"]
    family = detect_family(request)
    assert family is None or family.FAMILY != "litellm"


def test_renamed_span_is_still_a_call(span_record: Callable[..., Record]) -> None:
    """LiteLLM names the span after metadata.generation_name when one is given."""
    attributes: dict[str, Any] = {
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.system": "openai",
        "llm.request.type": "acompletion",
        "llm.is_streaming": "True",
        "llm.user": "user-7",
        "gen_ai.usage.prompt_tokens": "12",
        "gen_ai.usage.completion_tokens": 3,
        "hidden_params": '{"response_cost": 2.5e-06}',
        "metadata.usage_object": "{'prompt_tokens': 12, 'completion_tokens': 3, 'prompt_tokens_details': {'cached_tokens': 8}, "
        "'completion_tokens_details': {'reasoning_tokens': 1}}",
    }

    [call] = normalize_records([span_record(attributes, scope="litellm", name="summarize-ticket")])

    assert call.family == "litellm"
    assert (call.operation, call.streaming, call.user_id) == ("chat", True, "user-7")
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens, call.reasoning_tokens) == (12, 3, 8, 1)
    assert (call.cost_usd, call.cost_source) == (2.5e-06, "span")


def test_usage_object_with_objects_is_skipped(span_record: Callable[..., Record]) -> None:
    attributes = {
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.usage.prompt_tokens": 5,
        "metadata.usage_object": "{'client': <litellm.Client object at 0xffff7454cad0>}",
    }

    [call] = normalize_records([span_record(attributes, scope="litellm", name="litellm_request")])

    assert call.input_tokens == 5
    assert call.cache_read_tokens is None

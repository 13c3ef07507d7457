"""Pydantic AI's instrumentation: format 1 (0.4.11, an ``events`` JSON attribute) and format 5
(2.68.0, the OTel GenAI 1.37 JSON attributes), with agent runs that repeat the run totals."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from gravity.normalize import normalize_records
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.otlp.model import Record
from tests.normalize.helpers import assert_nth_call, call_cases
from tests.normalize.travel import ANSWER_TEXT, ASK, SYSTEM, SYSTEM_PART, THANKS, UMBRELLA_TEXT, WEATHER_CALL

# Pydantic AI serializes the tool's dict result itself, compactly.
WEATHER_RESULT = Part(type="tool_call_response", id="call_wx_001", name="get_weather", content='{"temp_c":18,"sky":"sunny"}')
SCHEMA = {"additionalProperties": False, "properties": {"city": {"type": "string"}}, "required": ["city"], "type": "object"}
WEATHER_TOOL = ToolDefinition("get_weather", "Current weather for a city", SCHEMA)
CONVERSATION_ID = "01a2429b-8deb-72f9-a57a-f0c6c9bb6495"


def text(role: str, content: str, finish_reason: str | None = None) -> Message:
    return Message(role, [Part(type="text", content=content)], finish_reason=finish_reason)


def model_call(version: str, trace_id: str, span_id: str, latency: float, tokens: tuple[int, int], **fields: object) -> LlmCall:
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        family="pydantic_ai",
        family_version=version,
        operation="chat",
        provider="openai",
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        latency_ms=latency,
        status="unset",
        tool_definitions=[WEATHER_TOOL],
        content_source="span",
        **fields,  # type: ignore[arg-type]
    )


def agent_run(version: str, trace_id: str, span_id: str, latency: float, tokens: tuple[int, int], **fields: object) -> LlmCall:
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        family="pydantic_ai",
        family_version=version,
        is_model_call=False,
        operation="invoke_agent",
        request_model="gpt-4o-mini",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        latency_ms=latency,
        status="unset",
        content_source="span",
        **fields,  # type: ignore[arg-type]
    )


def mini_cost(input_tokens: int, output_tokens: int) -> float:
    # gpt-4o-mini in genai-prices 0.2.5: $0.15 and $0.60 per million input and output tokens.
    return (input_tokens * 0.15 + output_tokens * 0.60) / 1e6


# Format 1: the events carry no finish reasons; tool results are role "tool".
V1_HISTORY = [SYSTEM, ASK, Message("assistant", [WEATHER_CALL]), Message("tool", [WEATHER_RESULT])]
V1_CALLS = [
    model_call(
        "0.4.11", "60d9fc40efd00b197b4b499226e4379d", "c1200e6485810b45", 143.810425, (33, 43),
        cost_usd=mini_cost(33, 43), cost_source="price_table",
        input_messages=[SYSTEM, ASK], output_messages=[Message("assistant", [WEATHER_CALL])],
    ),
    model_call(
        "0.4.11", "60d9fc40efd00b197b4b499226e4379d", "a90cd7a9050316da", 52.926464, (97, 24),
        cost_usd=mini_cost(97, 24), cost_source="price_table",
        input_messages=V1_HISTORY, output_messages=[text("assistant", ANSWER_TEXT)],
    ),
    agent_run(
        "0.4.11", "60d9fc40efd00b197b4b499226e4379d", "bb187e7a4d7d3ddc", 201.743413, (130, 67),
        input_messages=V1_HISTORY, output_messages=[text("assistant", ANSWER_TEXT)],
    ),
    model_call(
        "0.4.11", "492258c2ae77863e5be695ab16f1c6b9", "bd38f6899545a2c9", 45.302217, (138, 20),
        cost_usd=mini_cost(138, 20), cost_source="price_table",
        input_messages=[*V1_HISTORY, text("assistant", ANSWER_TEXT), THANKS],
        output_messages=[text("assistant", UMBRELLA_TEXT)],
    ),
    agent_run(
        "0.4.11", "492258c2ae77863e5be695ab16f1c6b9", "eed5644f8545999b", 46.177379, (138, 20),
        input_messages=[*V1_HISTORY, text("assistant", ANSWER_TEXT), THANKS],
        output_messages=[text("assistant", UMBRELLA_TEXT)],
    ),
]

# Format 5: a separate system instruction, tool results under role "user", cost on the span.
V5_HISTORY = [
    ASK,
    Message("assistant", [WEATHER_CALL], finish_reason="tool_call"),
    Message("user", [WEATHER_RESULT]),
]
V5_COMMON = {"session_id": CONVERSATION_ID, "system_instructions": [SYSTEM_PART], "reasoning_tokens": 0}
V5_CALLS = [
    model_call(
        "2.68.0", "a49d8373ff17b0dc1ee5750ef8df0e4a", "303c2a0caeec4f58", 37.399287, (33, 43),
        cost_usd=3.075e-05, cost_source="span", finish_reasons=["tool_call"],
        input_messages=[ASK], output_messages=[Message("assistant", [WEATHER_CALL], finish_reason="tool_call")],
        **V5_COMMON,
    ),
    model_call(
        "2.68.0", "a49d8373ff17b0dc1ee5750ef8df0e4a", "dfa5f8f9cead76fe", 51.102267, (101, 24),
        cost_usd=2.955e-05, cost_source="span", finish_reasons=["stop"],
        input_messages=V5_HISTORY, output_messages=[text("assistant", ANSWER_TEXT, "stop")],
        **V5_COMMON,
    ),
    agent_run(
        "2.68.0", "a49d8373ff17b0dc1ee5750ef8df0e4a", "45c1d504a291afe5", 97.621093, (134, 67),
        finish_reasons=["stop"],
        input_messages=V5_HISTORY, output_messages=[text("assistant", ANSWER_TEXT, "stop")],
        **V5_COMMON,
    ),
    model_call(
        "2.68.0", "d5ebd3a2320d2a5ff47066cc6c8b7ff9", "c7a8e34296bde0a8", 50.297155, (142, 20),
        cost_usd=3.33e-05, cost_source="span", finish_reasons=["stop"],
        input_messages=[*V5_HISTORY, text("assistant", ANSWER_TEXT, "stop"), THANKS],
        output_messages=[text("assistant", UMBRELLA_TEXT, "stop")],
        **V5_COMMON,
    ),
    agent_run(
        "2.68.0", "d5ebd3a2320d2a5ff47066cc6c8b7ff9", "56f806de8d916040", 54.586252, (142, 20),
        finish_reasons=["stop"],
        input_messages=[*V5_HISTORY, text("assistant", ANSWER_TEXT, "stop"), THANKS],
        output_messages=[text("assistant", UMBRELLA_TEXT, "stop")],
        **V5_COMMON,
    ),
]


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    # 0.4.11 writes format 1 (an events attribute), 2.68.0 format 5 (the JSON attributes).
    call_cases({"pydantic-ai-0.4.11.json": V1_CALLS, "pydantic-ai-2.68.0.json": V5_CALLS}),
)
def test_format_1_and_5_calls(
    fixture_calls: Callable[[str], list[LlmCall]], fixture: str, expected: list[LlmCall], index: int
) -> None:
    assert_nth_call(fixture_calls(fixture), expected, index, cost_rel=1e-9)


@pytest.mark.parametrize("name", ["pydantic-ai-0.4.11.json", "pydantic-ai-2.68.0.json"])
def test_tool_spans_are_no_calls(fixture_records: Callable[[str], list[Record]], name: str) -> None:
    records = fixture_records(name)
    tools = [record for record in records if "tool" in record.item["name"]]

    assert tools
    assert normalize_records(tools) == []


def test_structured_final_result(span_record: Callable[..., Record]) -> None:
    """A run that ends on an output tool has no final assistant text, so final_result is its result."""
    attributes = {
        "gen_ai.operation.name": "invoke_agent",
        "model_name": "gpt-4o",
        "gen_ai.aggregated_usage.input_tokens": 50,
        "gen_ai.aggregated_usage.output_tokens": 9,
        "pydantic_ai.all_messages": '[{"role":"user","parts":[{"type":"text","content":"Pick a city"}]}]',
        "final_result": '{"city": "Paris"}',
    }

    [call] = normalize_records([span_record(attributes, scope="pydantic-ai", scope_version="2.68.0", name="invoke_agent a")])

    assert call.is_model_call is False
    assert (call.input_tokens, call.output_tokens) == (50, 9)
    assert call.input_messages == [text("user", "Pick a city")]
    assert call.output_messages == [text("assistant", '{"city": "Paris"}')]

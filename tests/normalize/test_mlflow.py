"""The MLflow family: mlflow-tracing 3.17.2 with mlflow.openai.autolog() and @mlflow.trace."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gravity.normalize.families import mlflow
from gravity.normalize.model import LlmCall, Message, Part
from gravity.otlp.model import Record
from tests.normalize.helpers import (
    assert_nth_call,
    assert_normalized_calls,
    convention_records,
    decode_span,
    expected_call,
    otlp_attributes,
)
from tests.normalize.travel import ANSWER_TEXT, ASK, SYSTEM, THANKS, UMBRELLA_TEXT, WEATHER_CALL, WEATHER_RESULT, WEATHER_TOOL

FIXTURE = "mlflow-tracing-3.17.2.json"


def chat_model_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int]) -> LlmCall:
    return expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="mlflow",
        family_version="3.17.2",  # from telemetry.sdk.version: MLflow's scope has no version
        operation="chat",
        provider="openai",  # from mlflow.message.format
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        cache_read_tokens=0,
        reasoning_tokens=0,  # from the response's usage, not mlflow.chat.tokenUsage
        status="ok",
        tool_definitions=[WEATHER_TOOL],
        content_source="span",
    )


TRACE_1 = "6ad44b0cc8eedd7b7839b31db581d91f"
CHAT_MODEL_CALLS = [
    chat_model_call(TRACE_1, "a7b30a9d1cc4299a", 14.657884, (33, 43, 76)),
    chat_model_call(TRACE_1, "8719db35d1529667", 45.989139, (98, 24, 122)),
    chat_model_call("fd780c26ebc186d26b4c24199137d8b2", "5c8f4560563699ea", 46.206793, (139, 20, 159)),
]
CHAT_MODEL_CALLS[0].input_messages = [SYSTEM, ASK]
CHAT_MODEL_CALLS[0].output_messages = [Message("assistant", [WEATHER_CALL], finish_reason="tool_call")]
CHAT_MODEL_CALLS[0].finish_reasons = ["tool_call"]
CHAT_MODEL_CALLS[1].input_messages = [SYSTEM, ASK, Message("assistant", [WEATHER_CALL]), WEATHER_RESULT]
CHAT_MODEL_CALLS[1].output_messages = [Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")]
CHAT_MODEL_CALLS[1].finish_reasons = ["stop"]
CHAT_MODEL_CALLS[2].input_messages = [
    SYSTEM,
    ASK,
    Message("assistant", [WEATHER_CALL]),
    WEATHER_RESULT,
    Message("assistant", [Part(type="text", content=ANSWER_TEXT)]),
    THANKS,
]
CHAT_MODEL_CALLS[2].output_messages = [
    Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop")
]
CHAT_MODEL_CALLS[2].finish_reasons = ["stop"]


@pytest.mark.parametrize("index", range(len(CHAT_MODEL_CALLS)))
def test_chat_model_calls(index: int) -> None:
    records = convention_records(FIXTURE)
    assert all(mlflow.matches(record) for record in records)
    calls = [call for call in map(mlflow.extract, records) if call is not None and call.is_model_call]
    assert_nth_call(calls, CHAT_MODEL_CALLS, index)


def test_agent_and_tool_spans() -> None:
    by_name: dict[str, list[LlmCall | None]] = {}
    for record in convention_records(FIXTURE):
        by_name.setdefault(record.item["name"], []).append(mlflow.extract(record))
    assert by_name["get_weather"] == [None]  # "\"TOOL\""
    assert [(call.is_model_call, call.operation) for call in by_name["chat"] if call] == [(False, "invoke_agent")] * 2


def test_normalize_records_gives_same_calls() -> None:
    assert_normalized_calls(convention_records(FIXTURE), "mlflow", CHAT_MODEL_CALLS)


# --- Other request shapes, on spans written here ------------------------------------------

START = 1_796_414_047_463_000_000


def mlflow_span(attributes: dict[str, Any]) -> Record:
    """A span as MLflow writes it: every attribute value JSON-encoded, scalars included."""
    span = {
        "traceId": "6ad44b0cc8eedd7b7839b31db581d91f",
        "spanId": "1b2c3d4e5f607182",
        "name": "Messages",
        "kind": 1,
        "startTimeUnixNano": str(START),
        "endTimeUnixNano": str(START + 800_000_000),
        "status": {"code": 1},
        "attributes": otlp_attributes({key: json.dumps(value) for key, value in attributes.items()}),
    }
    return decode_span(span, {"name": "mlflow.tracing.provider"})


def test_anthropic_messages_request() -> None:
    request = {
        "model": "claude-sonnet-4-5",
        "system": "You are a concise travel assistant.",
        "messages": [
            {"role": "user", "content": "Hi! What's the weather in Paris?"},
            {
                "role": "assistant",
                "content": [
                    {"type": "text", "text": "Let me check."},
                    {"type": "tool_use", "id": "toolu_wx_001", "name": "get_weather", "input": {"city": "Paris"}},
                ],
            },
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_wx_001", "content": "18°C, sunny"}]},
        ],
    }
    response = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": [{"type": "text", "text": ANSWER_TEXT}],
        "stop_reason": "end_turn",
        "usage": {"input_tokens": 101, "output_tokens": 22, "cache_read_input_tokens": 64, "cache_creation_input_tokens": 0},
    }
    call = mlflow.extract(
        mlflow_span(
            {
                "mlflow.spanType": "CHAT_MODEL",
                "mlflow.message.format": "anthropic",
                "mlflow.spanInputs": request,
                "mlflow.spanOutputs": response,
                "mlflow.llm.cost": {"input_cost": 0.0003, "output_cost": 0.00033, "total_cost": 0.00063},
            }
        )
    )
    assert call is not None
    assert (call.provider, call.request_model, call.response_model) == ("anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929")
    assert call.system_instructions == [Part(type="text", content="You are a concise travel assistant.")]
    assert call.input_messages == [
        ASK,
        Message(
            "assistant",
            [
                Part(type="text", content="Let me check."),
                Part(type="tool_call", id="toolu_wx_001", name="get_weather", arguments={"city": "Paris"}),
            ],
        ),
        Message("user", [Part(type="tool_call_response", id="toolu_wx_001", content="18°C, sunny")]),
    ]
    assert call.output_messages == [Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")]
    assert (call.input_tokens, call.output_tokens, call.cache_read_tokens, call.cache_write_tokens) == (101, 22, 64, 0)
    assert (call.cost_usd, call.cost_source) == (0.00063, "span")


def test_responses_api_request() -> None:
    # The Responses API payloads the OpenAI Agents SDK sent in the OpenInference fixture.
    records = convention_records("openai-agents-0.24.0-openinference-2.6.0.json")
    second_response = next(record for record in records if record.item["spanId"] == "3e1874abecae4558")
    values = {attribute["key"]: attribute["value"].get("stringValue") for attribute in second_response.item["attributes"]}
    request = {
        "model": "gpt-4o-mini",
        "instructions": "You are a concise travel assistant.",
        "input": json.loads(values["input.value"]),
    }
    call = mlflow.extract(
        mlflow_span(
            {
                "mlflow.spanType": "CHAT_MODEL",
                "mlflow.message.format": "openai",
                "mlflow.spanInputs": request,
                "mlflow.spanOutputs": json.loads(values["output.value"]),
            }
        )
    )
    assert call is not None
    assert call.system_instructions == [Part(type="text", content="You are a concise travel assistant.")]
    assert call.input_messages == [
        ASK,
        Message("assistant", [WEATHER_CALL]),
        Message("tool", [Part(type="tool_call_response", id="call_wx_001", content="{'temp_c': 18, 'sky': 'sunny'}")]),
    ]
    assert call.output_messages == [Message("assistant", [Part(type="text", content=ANSWER_TEXT)])]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (81, 53, 134)

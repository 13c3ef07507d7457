"""The MLflow family: mlflow-tracing 3.17.2 with mlflow.openai.autolog() and @mlflow.trace."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from gravity.normalize import normalize_records
from gravity.normalize.families import mlflow
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.otlp.decode import decode_json, records_from_document
from gravity.otlp.model import Record

CONVENTIONS = Path(__file__).resolve().parents[2].parent / "shared" / "fixtures" / "conventions"
FIXTURE = CONVENTIONS / "mlflow-tracing-3.17.2.json"

SYSTEM = Message("system", [Part(type="text", content="You are a concise travel assistant.")])
ASK = Message("user", [Part(type="text", content="Hi! What's the weather in Paris?")])
CALL_PART = Part(type="tool_call", id="call_wx_001", name="get_weather", arguments={"city": "Paris"})
RESULT = Message("tool", [Part(type="tool_call_response", id="call_wx_001", content='{"temp_c": 18, "sky": "sunny"}')])
ANSWER_TEXT = "It is 18°C (64°F) and sunny in Paris ☀️."
THANKS = Message("user", [Part(type="text", content="Thanks! Should I pack an umbrella?")])
WEATHER_TOOL = ToolDefinition(
    "get_weather",
    "Current weather for a city",
    {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
)


def chat_model_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int]) -> LlmCall:
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        family="mlflow",
        family_version="3.17.2",  # from telemetry.sdk.version: MLflow's scope has no version
        operation="chat",
        provider="openai",  # from mlflow.message.format
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        input_tokens=tokens[0],
        output_tokens=tokens[1],
        total_tokens=tokens[2],
        cache_read_tokens=0,
        reasoning_tokens=0,  # from the response's usage, not mlflow.chat.tokenUsage
        latency_ms=latency_ms,
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
CHAT_MODEL_CALLS[0].output_messages = [Message("assistant", [CALL_PART], finish_reason="tool_call")]
CHAT_MODEL_CALLS[0].finish_reasons = ["tool_call"]
CHAT_MODEL_CALLS[1].input_messages = [SYSTEM, ASK, Message("assistant", [CALL_PART]), RESULT]
CHAT_MODEL_CALLS[1].output_messages = [Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")]
CHAT_MODEL_CALLS[1].finish_reasons = ["stop"]
CHAT_MODEL_CALLS[2].input_messages = [
    SYSTEM,
    ASK,
    Message("assistant", [CALL_PART]),
    RESULT,
    Message("assistant", [Part(type="text", content=ANSWER_TEXT)]),
    THANKS,
]
CHAT_MODEL_CALLS[2].output_messages = [
    Message("assistant", [Part(type="text", content="No umbrella needed today — enjoy Paris!")], finish_reason="stop")
]
CHAT_MODEL_CALLS[2].finish_reasons = ["stop"]


def load(path: Path = FIXTURE) -> list[Record]:
    if not path.exists():
        pytest.skip(f"fixture not found: {path}")
    return records_from_document(decode_json(path.read_bytes()))


def assert_same_call(actual: LlmCall, expected: LlmCall) -> None:
    for field_name in expected.__dataclass_fields__:
        assert getattr(actual, field_name) == getattr(expected, field_name), field_name


def assert_same_call_priced(actual: LlmCall, expected: LlmCall) -> None:
    """Compare a call from ``normalize_records``, which prices calls that carry no cost."""
    assert actual.cost_source == (expected.cost_source or "price_table")
    for field_name in expected.__dataclass_fields__:
        if field_name not in ("cost_usd", "cost_source") or expected.cost_source == "span":
            assert getattr(actual, field_name) == getattr(expected, field_name), field_name


@pytest.mark.parametrize("index", range(len(CHAT_MODEL_CALLS)))
def test_chat_model_calls(index: int) -> None:
    records = load()
    assert all(mlflow.matches(record) for record in records)
    calls = [call for call in map(mlflow.extract, records) if call is not None and call.is_model_call]
    assert len(calls) == len(CHAT_MODEL_CALLS)
    assert_same_call(calls[index], CHAT_MODEL_CALLS[index])


def test_agent_and_tool_spans() -> None:
    by_name: dict[str, list[LlmCall | None]] = {}
    for record in load():
        by_name.setdefault(record.item["name"], []).append(mlflow.extract(record))
    assert by_name["get_weather"] == [None]  # "\"TOOL\""
    assert [(call.is_model_call, call.operation) for call in by_name["chat"] if call] == [(False, "invoke_agent")] * 2


def test_normalize_records_gives_same_calls() -> None:
    calls = [call for call in normalize_records(load()) if call.is_model_call]
    assert [(call.family, call.span_id) for call in calls] == [("mlflow", call.span_id) for call in CHAT_MODEL_CALLS]
    for actual, expected in zip(calls, CHAT_MODEL_CALLS):
        assert_same_call_priced(actual, expected)


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
        "attributes": [{"key": key, "value": {"stringValue": json.dumps(value)}} for key, value in attributes.items()],
    }
    document = {"resourceSpans": [{"scopeSpans": [{"scope": {"name": "mlflow.tracing.provider"}, "spans": [span]}]}]}
    return records_from_document(decode_json(json.dumps(document).encode()))[0]


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
    records = load(CONVENTIONS / "openai-agents-0.24.0-openinference-2.6.0.json")
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
        Message("assistant", [CALL_PART]),
        Message("tool", [Part(type="tool_call_response", id="call_wx_001", content="{'temp_c': 18, 'sky': 'sunny'}")]),
    ]
    assert call.output_messages == [Message("assistant", [Part(type="text", content=ANSWER_TEXT)])]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (81, 53, 134)

"""The Vercel AI SDK family: ai 6.0.333 with @ai-sdk/openai, as its JS exporter sent it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gravity.normalize.families import vercel_ai
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.otlp.model import Record
from tests.normalize.helpers import (
    assert_nth_call,
    assert_normalized_calls,
    convention_records,
    decode_span,
    expected_call,
    otlp_attributes,
)
from tests.normalize.travel import ANSWER, ANSWER_TEXT, ASK, CALL_WEATHER, SYSTEM, SYSTEM_TEXT, THANKS, UMBRELLA_TEXT

FIXTURE = "vercel-ai-6.0.333.json"

# The SDK's tool-result output {"type": "json", "value": {...}} gives the value as JSON text.
RESULT = Message(
    "tool", [Part(type="tool_call_response", id="call_wx_001", name="get_weather", content='{"temp_c":18,"sky":"sunny"}')]
)
WEATHER_TOOL = ToolDefinition(
    "get_weather",
    "Current weather for a city",
    {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    },
)

TRACE_1 = "a36f1a1b1484b8cb4b4a4ff917c47690"
TRACE_2 = "f359f723276a93ae146dbd80443b9aee"


def vercel_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int], **fields: Any) -> LlmCall:
    call = expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="vercel_ai",
        family_version="6.0.333",  # from the User-Agent header: the "ai" scope has no version
        operation="chat",
        provider="openai",  # ai.model.provider is "openai.chat"
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        cache_read_tokens=0,
        reasoning_tokens=0,
        streaming=False,
        status="unset",
        session_id="sess-42",
        user_id="user-7",
        content_source="span",
    )
    for name, value in fields.items():
        setattr(call, name, value)
    return call


# The doGenerate spans, in the order of the file.
MODEL_CALLS = [
    vercel_call(
        TRACE_1,
        "929bcb9c63bc95cd",
        39.631516,
        (33, 43, 76),
        finish_reasons=["tool_call"],
        input_messages=[SYSTEM, ASK],
        output_messages=[Message("assistant", CALL_WEATHER.parts, finish_reason="tool_call")],
        tool_definitions=[WEATHER_TOOL],
    ),
    vercel_call(
        TRACE_2,
        "e0d937614d957dd2",
        12.358325,
        (142, 20, 162),
        finish_reasons=["stop"],
        input_messages=[SYSTEM, ASK, CALL_WEATHER, RESULT, ANSWER, THANKS],
        output_messages=[Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop")],
    ),
    vercel_call(
        TRACE_1,
        "c915955cd2ec7d21",
        21.810509,
        (101, 24, 125),
        finish_reasons=["stop"],
        input_messages=[SYSTEM, ASK, CALL_WEATHER, RESULT],
        output_messages=[Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")],
        tool_definitions=[WEATHER_TOOL],
    ),
]

# The ai.generateText spans: usage summed over their steps, system prompt given apart.
OUTER_CALLS = [
    vercel_call(
        TRACE_2,
        "61f29cf403595f60",
        13.63305,
        (142, 20, 162),
        is_model_call=False,
        operation="ai.generateText",
        response_model=None,
        finish_reasons=["stop"],
        system_instructions=[Part(type="text", content=SYSTEM_TEXT)],
        input_messages=[ASK, CALL_WEATHER, RESULT, ANSWER, THANKS],
        output_messages=[Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop")],
    ),
    vercel_call(
        TRACE_1,
        "7cb57ed5d234faf4",
        78.885531,
        (134, 67, 201),
        is_model_call=False,
        operation="ai.generateText",
        response_model=None,
        finish_reasons=["stop"],
        system_instructions=[Part(type="text", content=SYSTEM_TEXT)],
        input_messages=[ASK],
        output_messages=[Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")],
    ),
]


def extracted() -> list[tuple[Record, LlmCall | None]]:
    records = convention_records(FIXTURE)
    assert all(vercel_ai.matches(record) for record in records)
    return [(record, vercel_ai.extract(record)) for record in records]


@pytest.mark.parametrize("index", range(len(MODEL_CALLS)))
def test_do_generate_calls(index: int) -> None:
    calls = [call for _, call in extracted() if call is not None and call.is_model_call]
    assert_nth_call(calls, MODEL_CALLS, index)


@pytest.mark.parametrize("index", range(len(OUTER_CALLS)))
def test_generate_text_spans_are_not_calls(index: int) -> None:
    outer = [call for _, call in extracted() if call is not None and not call.is_model_call]
    assert_nth_call(outer, OUTER_CALLS, index)


def test_tool_call_span_is_not_a_call() -> None:
    tool_spans = [call for record, call in extracted() if record.item["name"] == "ai.toolCall"]
    assert tool_spans == [None]


def test_normalize_records_gives_same_calls() -> None:
    assert_normalized_calls(convention_records(FIXTURE), "vercel_ai", MODEL_CALLS)


# --- Pitfalls, on spans written here ------------------------------------------------------

START = 1_796_414_064_928_000_000


def span_record(operation_id: str, attributes: dict[str, Any], scope_version: str | None = None) -> Record:
    span = {
        "traceId": "0af7651916cd43dd8448eb211c80319c",
        "spanId": "b7ad6b7169203331",
        "name": operation_id,
        "kind": 1,
        "startTimeUnixNano": START,
        "endTimeUnixNano": START + 2_000_000_000,
        "status": {"code": 0},
        # The JS exporter sends integers as JSON numbers, not strings.
        "attributes": otlp_attributes({"ai.operationId": operation_id, **attributes}, int_as_number=True),
    }
    return decode_span(span, {"name": "ai", **({"version": scope_version} if scope_version else {})})


def test_do_stream_gives_streaming_and_ttft() -> None:
    record = span_record(
        "ai.streamText.doStream",
        {
            "ai.model.provider": "anthropic.messages",
            "ai.model.id": "claude-sonnet-4-5",
            "ai.response.msToFirstChunk": 412.5,
            "ai.response.text": "Hello",
            "ai.usage.inputTokens": 12,
            "ai.usage.outputTokens": 3,
            "ai.usage.inputTokenDetails.cacheWriteTokens": 7,
        },
        scope_version="5.0.1",
    )
    call = vercel_ai.extract(record)
    assert call is not None
    assert call.streaming is True
    assert call.time_to_first_token_ms == 412.5
    assert call.provider == "anthropic"
    assert call.family_version == "5.0.1"
    assert call.cache_write_tokens == 7
    assert call.output_messages == [Message("assistant", [Part(type="text", content="Hello")])]


def test_response_tool_call_arguments_json_string() -> None:
    tool_calls = [
        {"toolCallId": "call_1", "toolName": "get_weather", "input": '{"city": "Paris"}'},
        {"toolCallId": "call_2", "toolName": "get_weather", "input": "Paris"},
    ]
    record = span_record("ai.generateText.doGenerate", {"ai.response.toolCalls": json.dumps(tool_calls)})
    call = vercel_ai.extract(record)
    assert call is not None
    assert call.output_messages[0].parts == [
        Part(type="tool_call", id="call_1", name="get_weather", arguments={"city": "Paris"}),
        Part(type="tool_call", id="call_2", name="get_weather", arguments="Paris"),
    ]


def test_prompt_parts_media_and_reasoning() -> None:
    messages = [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "What is in this image?"},
                {"type": "image", "image": "https://example.com/cat.png", "mediaType": "image/png"},
            ],
        },
        {"role": "assistant", "content": [{"type": "reasoning", "text": "A cat, probably."}, {"type": "text", "text": "A cat."}]},
    ]
    call = vercel_ai.extract(span_record("ai.generateText.doGenerate", {"ai.prompt.messages": json.dumps(messages)}))
    assert call is not None
    assert call.input_messages == [
        Message(
            "user",
            [
                Part(type="text", content="What is in this image?"),
                Part(type="media", content="https://example.com/cat.png", mime_type="image/png"),
            ],
        ),
        Message("assistant", [Part(type="reasoning", content="A cat, probably."), Part(type="text", content="A cat.")]),
    ]


def test_embed_span_is_embeddings_call() -> None:
    record = span_record(
        "ai.embedMany.doEmbed",
        {"ai.model.id": "text-embedding-3-small", "ai.values": ['"sunny day"', '"rainy day"'], "ai.usage.tokens": 8},
    )
    call = vercel_ai.extract(record)
    assert call is not None
    assert (call.is_model_call, call.operation, call.input_tokens, call.streaming) == (True, "embeddings", 8, None)
    texts = [part.content for message in call.input_messages for part in message.parts]
    assert texts == ["sunny day", "rainy day"]

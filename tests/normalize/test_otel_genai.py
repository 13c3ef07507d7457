"""The OpenTelemetry GenAI conventions: content in span events (1.26), in log events (1.28-1.36)
and in JSON attributes (1.37+), as opentelemetry-instrumentation-openai-v2 emits them."""

from __future__ import annotations

import base64
from collections.abc import Callable
from typing import Any

import orjson
import pytest

from gravity.normalize import normalize_records
from gravity.normalize.model import LlmCall, Message, Part
from gravity.otlp.model import Record
from tests.normalize.helpers import assert_nth_call, call_cases
from tests.normalize.travel import (
    ANSWER,
    ANSWER_TEXT,
    ASK,
    CALL_WEATHER,
    SYSTEM,
    THANKS,
    UMBRELLA_TEXT,
    WEATHER_CALL,
    WEATHER_RESULT,
)

# gpt-4o-mini in genai-prices 0.2.5: $0.15 per million input tokens, $0.60 per million output.
TURN_1_COST = (33 * 0.15 + 43 * 0.60) / 1e6
TURN_2_COST = (98 * 0.15 + 24 * 0.60) / 1e6
TURN_3_COST = (139 * 0.15 + 20 * 0.60) / 1e6


def scenario_calls(trace_span_latency: list[tuple[str, str, float]], **common: Any) -> list[LlmCall]:
    """The three calls of the travel scenario, with the fields every openai-v2 run shares."""
    tokens = [(33, 43, TURN_1_COST), (98, 24, TURN_2_COST), (139, 20, TURN_3_COST)]
    inputs = [
        [SYSTEM, ASK],
        [SYSTEM, ASK, CALL_WEATHER, WEATHER_RESULT],
        [SYSTEM, ASK, CALL_WEATHER, WEATHER_RESULT, ANSWER, THANKS],
    ]
    outputs = [
        Message("assistant", [WEATHER_CALL], finish_reason="tool_call"),
        Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop"),
        Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop"),
    ]
    calls = []
    for (trace_id, span_id, latency), (input_tokens, output_tokens, cost), messages, output in zip(
        trace_span_latency, tokens, inputs, outputs, strict=True
    ):
        calls.append(
            LlmCall(
                trace_id=trace_id,
                span_id=span_id,
                family="otel_genai",
                operation="chat",
                provider="openai",
                request_model="gpt-4o-mini",
                response_model="gpt-4o-mini-2024-07-18",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cost_usd=cost,
                cost_source="price_table",
                latency_ms=latency,
                status="unset",
                finish_reasons=[output.finish_reason or ""],
                input_messages=messages,
                output_messages=[output],
                **common,
            )
        )
    return calls


# openai-v2 2.1b0: semconv 1.30, content only in per-message log events.
V2_LOG_EVENT_CALLS = scenario_calls(
    [
        ("b243a591368c6926daf086b68eb6d61d", "bb023241baffab25", 16.061812),
        ("8e9a041cd86d29d27e9422d579cb6a21", "12b430c001cfcd3d", 48.528439),
        ("eb9673b61f770a69a0bb470abdb2ae3b", "b24e42d4e361b480", 46.647909),
    ],
    content_source="logs",
)

# openai-v2 2.4b0 with gen_ai_latest_experimental: JSON on the span, AnyValues on the log.
V2_LATEST_CALLS = scenario_calls(
    [
        ("cd37490dd673952e531c71f89baf2981", "c95c3f15d31f26d9", 10.780859),
        ("b1c97b61a603cd228e331b9704ba2b1f", "36c32cf351b80b17", 44.296242),
        ("df52fa2cb10a0a54d3a187b118e4965d", "434751e8ebac946a", 43.810834),
    ],
    family_version="1.1b0",
    content_source="span",
)


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    call_cases(
        {
            "otel-genai-openai-v2-2.1b0.json": V2_LOG_EVENT_CALLS,
            "otel-genai-openai-v2-2.4b0-latest.json": V2_LATEST_CALLS,
        }
    ),
)
def test_openai_v2_calls(
    fixture_calls: Callable[[str], list[LlmCall]], fixture: str, expected: list[LlmCall], index: int
) -> None:
    assert_nth_call(fixture_calls(fixture), expected, index, cost_rel=1e-9)


def test_spans_alone_have_no_content(fixture_records: Callable[[str], list[Record]]) -> None:
    calls = normalize_records(fixture_records("otel-genai-openai-v2-2.1b0.json"))

    assert [call.input_tokens for call in calls] == [33, 98, 139]
    assert all(call.input_messages == [] and call.output_messages == [] for call in calls)
    assert all(call.content_source is None for call in calls)


def test_latest_log_gives_same_messages(fixture_records: Callable[[str], list[Record]]) -> None:
    """The span's JSON text is ASCII-escaped (\\u00b0) while the log's AnyValues are raw UTF-8."""
    spans = fixture_records("otel-genai-openai-v2-2.4b0-latest.json")
    logs = fixture_records("otel-genai-openai-v2-2.4b0-latest.logs.json")
    span_text = next(a["value"]["stringValue"] for a in spans[1].item["attributes"] if a["key"] == "gen_ai.output.messages")
    assert "18\\u00b0C" in span_text
    content_keys = {"gen_ai.input.messages", "gen_ai.output.messages"}
    for record in spans:
        record.item["attributes"] = [a for a in record.item["attributes"] if a["key"] not in content_keys]

    calls = normalize_records(spans, logs)

    for call, expected in zip(calls, V2_LATEST_CALLS, strict=True):
        assert call.input_messages == expected.input_messages
        assert call.output_messages == expected.output_messages
        assert call.content_source == "logs"


def test_generation_a_span_events(span_record: Callable[..., Record], span_event: Callable[..., dict[str, Any]]) -> None:
    prompt = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather in Paris?"}]
    completion = [{"role": "assistant", "content": "Sunny, 18\u00b0C."}]
    record = span_record(
        {"gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.prompt_tokens": 12, "gen_ai.usage.completion_tokens": 5},
        scope="openlit.otel.tracing",
        events=[
            span_event("gen_ai.content.prompt", {"gen_ai.prompt": orjson.dumps(prompt).decode()}),
            span_event("gen_ai.content.completion", {"gen_ai.completion": orjson.dumps(completion).decode()}),
        ],
    )

    [call] = normalize_records([record])

    assert call.family == "otel_genai"
    assert (call.input_tokens, call.output_tokens) == (12, 5)
    assert call.input_messages == [
        Message("system", [Part(type="text", content="Be brief.")]),
        Message("user", [Part(type="text", content="Weather in Paris?")]),
    ]
    assert call.output_messages == [Message("assistant", [Part(type="text", content="Sunny, 18°C.")])]
    assert call.content_source == "span"


def test_arguments_object_and_json_string_agree(span_record: Callable[..., Record]) -> None:
    as_object = [{"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": {"a": [1, 2]}}]}]
    as_string = [{"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "f", "arguments": '{"a": [1, 2]}'}]}]

    [first] = normalize_records([span_record({"gen_ai.request.model": "m", "gen_ai.output.messages": orjson.dumps(as_object).decode()})])
    [second] = normalize_records([span_record({"gen_ai.request.model": "m", "gen_ai.output.messages": orjson.dumps(as_string).decode()})])

    assert first.output_messages == second.output_messages
    assert first.output_messages[0].parts[0].arguments == {"a": [1, 2]}


def test_escaped_and_raw_text_agree(span_record: Callable[..., Record]) -> None:
    escaped = '[{"role":"user","parts":[{"type":"text","content":"18\\u00b0C \\u2600\\ufe0f"}]}]'
    raw = '[{"role":"user","parts":[{"type":"text","content":"18°C ☀️"}]}]'

    [first] = normalize_records([span_record({"gen_ai.request.model": "m", "gen_ai.input.messages": escaped})])
    [second] = normalize_records([span_record({"gen_ai.request.model": "m", "gen_ai.input.messages": raw})])

    assert first.input_messages == second.input_messages
    assert first.input_messages[0].parts[0].content == "18°C ☀️"


def test_base64_image_is_a_media_part(span_record: Callable[..., Record]) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()
    messages = [
        {
            "role": "user",
            "parts": [
                {"type": "text", "content": "What is in this picture?"},
                {"type": "blob", "modality": "image", "mime_type": "image/png", "content": png},
            ],
        }
    ]

    [call] = normalize_records([span_record({"gen_ai.request.model": "gpt-4o", "gen_ai.input.messages": orjson.dumps(messages).decode()})])

    assert call.input_messages == [
        Message(
            "user",
            [Part(type="text", content="What is in this picture?"), Part(type="media", content=png, mime_type="image/png")],
        )
    ]


def test_unparsable_content_keeps_the_call(span_record: Callable[..., Record]) -> None:
    record = span_record(
        {
            "gen_ai.request.model": "gpt-4o-mini",
            "gen_ai.usage.input_tokens": 7,
            "gen_ai.usage.output_tokens": 3,
            "gen_ai.input.messages": '[{"role": "user", "parts": [{"type": "text", "content": "cut he',
            "gen_ai.output.messages": "not json at all",
        }
    )

    [call] = normalize_records([record])

    assert (call.request_model, call.input_tokens, call.output_tokens) == ("gpt-4o-mini", 7, 3)
    assert call.input_messages == []
    assert call.output_messages == []


def test_agent_and_tool_spans(span_record: Callable[..., Record]) -> None:
    agent = span_record(
        {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": "support", "gen_ai.request.model": "gpt-4o", "gen_ai.conversation.id": "conv-1"},
        scope="opentelemetry.util.genai.handler",
        name="invoke_agent support",
        span_id="1000000000000001",
    )
    tool = span_record(
        {"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": "lookup", "gen_ai.tool.call.arguments": "{}"},
        scope="opentelemetry.util.genai.handler",
        name="execute_tool lookup",
        span_id="1000000000000002",
    )

    calls = normalize_records([agent, tool])

    assert len(calls) == 1
    assert calls[0].is_model_call is False
    assert (calls[0].operation, calls[0].session_id, calls[0].cost_usd) == ("invoke_agent", "conv-1", None)


def test_unknown_family_with_usage(span_record: Callable[..., Record]) -> None:
    record = span_record(
        {"gen_ai.request.model": "my-model", "gen_ai.usage.input_tokens": "12", "gen_ai.usage.output_tokens": 4},
        scope="acme.homegrown.llm",
    )

    [call] = normalize_records([record])

    assert call.family == "unknown"
    assert (call.request_model, call.input_tokens, call.output_tokens) == ("my-model", 12, 4)
    assert call.cost_usd is None


def test_plain_span_gives_no_call(span_record: Callable[..., Record]) -> None:
    record = span_record({"http.request.method": "GET", "url.path": "/health"}, scope="opentelemetry.instrumentation.flask", name="GET /health")

    assert normalize_records([record]) == []


def test_error_status(span_record: Callable[..., Record]) -> None:
    record = span_record({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.operation.name": "chat"})
    record.item["status"] = {"code": 2, "message": "Error code: 429 - rate limited"}

    [call] = normalize_records([record])

    assert (call.status, call.error) == ("error", "Error code: 429 - rate limited")

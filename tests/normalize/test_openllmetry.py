"""OpenLLMetry (Traceloop) opentelemetry-instrumentation-openai: the legacy flattened
attributes (0.40.14) and the OTel GenAI 1.37 JSON attributes (0.62.4)."""

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
    WEATHER_TOOL,
)

SCOPE = "opentelemetry.instrumentation.openai.v1"

# gpt-4o-mini in genai-prices 0.2.5: $0.15 per million input tokens, $0.60 per million output.
COSTS = [(33 * 0.15 + 43 * 0.60) / 1e6, (98 * 0.15 + 24 * 0.60) / 1e6, (139 * 0.15 + 20 * 0.60) / 1e6]


def scenario_calls(version: str, spans: list[tuple[str, str, float]], **common: Any) -> list[LlmCall]:
    tokens = [(33, 43, 76), (98, 24, 122), (139, 20, 159)]
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
    # The third request sent no tools.
    tools = [[WEATHER_TOOL], [WEATHER_TOOL], []]
    calls = []
    for index, (trace_id, span_id, latency) in enumerate(spans):
        input_tokens, output_tokens, total_tokens = tokens[index]
        calls.append(
            LlmCall(
                trace_id=trace_id,
                span_id=span_id,
                family="openllmetry",
                family_version=version,
                operation="chat",
                provider="openai",
                request_model="gpt-4o-mini",
                response_model="gpt-4o-mini-2024-07-18",
                input_tokens=input_tokens,
                output_tokens=output_tokens,
                cache_read_tokens=0,
                total_tokens=total_tokens,
                cost_usd=COSTS[index],
                cost_source="price_table",
                latency_ms=latency,
                streaming=False,
                status="unset",
                finish_reasons=[outputs[index].finish_reason or ""],
                input_messages=inputs[index],
                output_messages=[outputs[index]],
                tool_definitions=tools[index],
                content_source="span",
                **common,
            )
        )
    return calls


LEGACY_CALLS = scenario_calls(
    "0.40.14",
    [
        ("e541c469458aaba1189a37eab8ac5cdf", "3993c52a8db372dd", 11.103059),
        ("5e64574a31f469e8fc96f070a9856ed4", "6056ef796161b495", 43.640517),
        ("1ee9868178bb404f4a43d458ae79ee24", "18e8a1bfb9af502e", 44.230479),
    ],
)
JSON_CALLS = scenario_calls(
    "0.62.4",
    [
        ("5b07696254ff21a31168cc852b1dddce", "aa7cd63515634a69", 13.129672),
        ("d117aa8af7e987685be080d73bb7609f", "887e4d1a606443c1", 46.4606),
        ("37a85f37c354721e576bbe38c8ab6ef7", "1b11543f1764ee6b", 47.637049),
    ],
    reasoning_tokens=0,
)


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    # 0.40.14 writes the legacy flattened attributes, 0.62.4 the JSON attributes.
    call_cases({"openllmetry-openai-0.40.14.json": LEGACY_CALLS, "openllmetry-openai-0.62.4.json": JSON_CALLS}),
)
def test_legacy_and_json_calls(
    fixture_calls: Callable[[str], list[LlmCall]], fixture: str, expected: list[LlmCall], index: int
) -> None:
    assert_nth_call(fixture_calls(fixture), expected, index, cost_rel=1e-9)


def test_both_layouts_give_same_messages(fixture_calls: Callable[[str], list[LlmCall]]) -> None:
    legacy = fixture_calls("openllmetry-openai-0.40.14.json")
    current = fixture_calls("openllmetry-openai-0.62.4.json")

    for old, new in zip(legacy, current, strict=True):
        assert old.input_messages == new.input_messages
        assert old.output_messages == new.output_messages


def test_indexed_keys_out_of_order_with_gaps(span_record: Callable[..., Record]) -> None:
    # Indices 0..11 with 3 and 7 missing, written in shuffled order: 10 and 11 must follow 9.
    attributes: dict[str, Any] = {"gen_ai.request.model": "gpt-4o-mini", "llm.request.type": "chat"}
    for index in (11, 2, 10, 0, 9, 5, 1, 8, 4, 6):
        attributes[f"gen_ai.prompt.{index}.content"] = f"message {index}"
        attributes[f"gen_ai.prompt.{index}.role"] = "user" if index % 2 == 0 else "assistant"

    [call] = normalize_records([span_record(attributes, scope=SCOPE)])

    texts = [message.parts[0].content for message in call.input_messages]
    assert texts == [f"message {index}" for index in (0, 1, 2, 4, 5, 6, 8, 9, 10, 11)]
    assert [message.role for message in call.input_messages][:3] == ["user", "assistant", "user"]


@pytest.mark.parametrize("tokens", [33, "33", " 33 ", 33.0])
def test_token_counts_as_strings_and_numbers(span_record: Callable[..., Record], tokens: Any) -> None:
    attributes = {"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.prompt_tokens": tokens, "llm.usage.total_tokens": "76"}

    [call] = normalize_records([span_record(attributes, scope=SCOPE)])

    assert call.input_tokens == 33
    assert call.total_tokens == 76


def test_int_value_as_json_number(span_record: Callable[..., Record]) -> None:
    """The JavaScript exporter writes intValue as a JSON number, the Python one as a string."""
    record = span_record({"gen_ai.request.model": "gpt-4o-mini"}, scope=SCOPE)
    record.item["attributes"].append({"key": "gen_ai.usage.prompt_tokens", "value": {"intValue": 33}})
    record.item["attributes"].append({"key": "gen_ai.usage.completion_tokens", "value": {"intValue": "43"}})

    [call] = normalize_records([record])

    assert (call.input_tokens, call.output_tokens) == (33, 43)


def test_tool_arguments_object_and_string_agree(span_record: Callable[..., Record]) -> None:
    attributes = {
        "gen_ai.request.model": "gpt-4o-mini",
        "gen_ai.completion.0.role": "assistant",
        "gen_ai.completion.0.tool_calls.0.id": "c1",
        "gen_ai.completion.0.tool_calls.0.name": "get_weather",
        "gen_ai.completion.0.tool_calls.0.arguments": '{"city": "Paris"}',
    }
    [flattened] = normalize_records([span_record(attributes, scope=SCOPE)])
    output = [{"role": "assistant", "parts": [{"type": "tool_call", "id": "c1", "name": "get_weather", "arguments": {"city": "Paris"}}]}]
    [structured] = normalize_records([span_record({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.is_streaming": False, "gen_ai.output.messages": orjson.dumps(output).decode()}, scope=SCOPE)])

    assert flattened.output_messages == structured.output_messages


def test_truncated_by_attribute_limit(span_record: Callable[..., Record]) -> None:
    # The SDK evicted the oldest attributes: message 0 entirely and the role of message 1.
    attributes = {
        "gen_ai.prompt.1.content": "second question",
        "gen_ai.prompt.2.role": "assistant",
        "gen_ai.prompt.2.content": "second answer",
        "gen_ai.prompt.3.role": "user",
        "gen_ai.prompt.3.content": "third question",
        "gen_ai.response.model": "gpt-4o-mini-2024-07-18",
        "gen_ai.usage.prompt_tokens": 900,
        "gen_ai.usage.completion_tokens": 20,
    }

    [call] = normalize_records([span_record(attributes, scope=SCOPE, dropped_attributes=7)])

    assert call.truncated is True
    assert [(message.role, message.parts[0].content) for message in call.input_messages] == [
        ("unknown", "second question"),
        ("assistant", "second answer"),
        ("user", "third question"),
    ]
    assert (call.input_tokens, call.output_tokens) == (900, 20)


def test_base64_image_in_content(span_record: Callable[..., Record]) -> None:
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n tiny").decode()
    content = [{"type": "text", "text": "Describe this."}, {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{png}"}}]
    attributes = {"gen_ai.request.model": "gpt-4o", "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": orjson.dumps(content).decode()}

    [call] = normalize_records([span_record(attributes, scope=SCOPE)])

    assert call.input_messages == [
        Message("user", [Part(type="text", content="Describe this."), Part(type="media", content=png, mime_type="image/png")])
    ]


def test_json_list_text_stays_text(span_record: Callable[..., Record]) -> None:
    text = '[{"name": "Paris", "population": 2100000}]'
    attributes = {"gen_ai.request.model": "gpt-4o", "gen_ai.prompt.0.role": "user", "gen_ai.prompt.0.content": text}

    [call] = normalize_records([span_record(attributes, scope=SCOPE)])

    assert call.input_messages == [Message("user", [Part(type="text", content=text)])]


def test_streaming_time_to_first_token(span_record: Callable[..., Record], span_event: Callable[..., dict[str, Any]]) -> None:
    start = 1_757_290_674_500_364_800
    chunks = [span_event("gen_ai.content.completion.chunk", {}, time=start + offset) for offset in (2_485_521_664, 2_611_283_200)]
    record = span_record(
        {"gen_ai.request.model": "gpt-4o", "gen_ai.is_streaming": True, "gen_ai.usage.input_tokens": 10},
        scope=SCOPE,
        events=chunks,
        start=start,
    )

    [call] = normalize_records([record])

    assert call.streaming is True
    assert call.time_to_first_token_ms == pytest.approx(2485.521664)

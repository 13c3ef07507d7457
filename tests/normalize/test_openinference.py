"""The OpenInference family: openinference-instrumentation-openai, the OpenAI Agents SDK through
openinference-instrumentation-openai-agents, and LiteLLM's arize_phoenix callback."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gravity.normalize.families import openinference
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.otlp.decode import decode_protobuf, records_from_document
from gravity.otlp.model import TRACES, Record
from tests.normalize.helpers import (
    assert_nth_call,
    assert_normalized_calls,
    assert_same_call,
    call_cases,
    convention_records,
    decode_span,
    expected_call,
    otlp_attributes,
)
from tests.normalize.travel import (
    ANSWER,
    ANSWER_TEXT,
    ASK,
    LET_ME_CHECK,
    SYSTEM,
    THANKS,
    UMBRELLA_TEXT,
    WEATHER_JSON,
    WEATHER_TOOL,
)


def weather_call(call_id: str) -> Part:
    return Part(type="tool_call", id=call_id, name="get_weather", arguments={"city": "Paris"})


def weather_result(call_id: str | None, content: str = WEATHER_JSON) -> Message:
    return Message("tool", [Part(type="tool_call_response", id=call_id, content=content)])


def extracted(name: str) -> list[tuple[Record, LlmCall | None]]:
    return [(record, openinference.extract(record)) for record in convention_records(name) if openinference.matches(record)]


def model_calls(name: str) -> list[LlmCall]:
    return [call for _, call in extracted(name) if call is not None and call.is_model_call]


# --- openinference-instrumentation-openai 0.1.66 ------------------------------------------


def openai_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int], **fields: Any) -> LlmCall:
    return expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="openinference",
        family_version="0.1.66",
        operation="chat",
        provider="openai",
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini-2024-07-18",
        cache_read_tokens=0,
        reasoning_tokens=0,
        status="ok",
        content_source="span",
        **fields,
    )


OPENAI_CALLS = [
    openai_call(
        "2a592bb2dce1241a794318e0c4d9a569",
        "ce9d24b4b1b92567",
        11.486038,
        (33, 43, 76),
        finish_reasons=["tool_call"],
        input_messages=[SYSTEM, ASK],
        output_messages=[Message("assistant", [weather_call("call_wx_001")], finish_reason="tool_call")],
        tool_definitions=[WEATHER_TOOL],
    ),
    openai_call(
        "5c57c3d45191ff06ca19d332eecbe85d",
        "4cb98bf6c8a9972f",
        43.849908,
        (98, 24, 122),
        finish_reasons=["stop"],
        input_messages=[SYSTEM, ASK, Message("assistant", [weather_call("call_wx_001")]), weather_result("call_wx_001")],
        output_messages=[Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")],
        tool_definitions=[WEATHER_TOOL],
    ),
    openai_call(
        "6854b6f8c99dd5e28a43b828eb327858",
        "0ded1c9b48fee1f5",
        46.613788,
        (139, 20, 159),
        finish_reasons=["stop"],
        input_messages=[
            SYSTEM,
            ASK,
            Message("assistant", [weather_call("call_wx_001")]),
            weather_result("call_wx_001"),
            ANSWER,
            THANKS,
        ],
        output_messages=[Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop")],
    ),
]


# --- openai-agents 0.24.0 through openinference-instrumentation-openai-agents 2.6.0 --------

AGENTS_SCHEMA = {
    "properties": {"city": {"title": "City", "type": "string"}},
    "required": ["city"],
    "title": "get_weather_args",
    "type": "object",
    "additionalProperties": False,
}
AGENTS_TOOL = ToolDefinition("get_weather", "Current weather for a city", AGENTS_SCHEMA)
# The Agents SDK passes a dict tool output through str(): a Python repr, kept as given.
AGENTS_RESULT = weather_result("call_wx_001", "{'temp_c': 18, 'sky': 'sunny'}")


def agents_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int]) -> LlmCall:
    return expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="openinference",
        family_version="2.6.0",
        operation="chat",
        provider="openai",
        request_model="gpt-4o-mini",
        response_model="gpt-4o-mini",
        cache_read_tokens=0,
        reasoning_tokens=0,
        status="ok",
        # The instrumentation reports "stop" even for the tool-call response.
        finish_reasons=["stop"],
        tool_definitions=[AGENTS_TOOL],
        content_source="span",
    )


AGENTS_TRACE_1 = "50174225af9db17be40a1abb77a135dc"
AGENTS_TRACE_2 = "21d37c5c8ad3956e6cb2bf55af442268"
AGENTS_CALLS = [
    agents_call(AGENTS_TRACE_1, "b244b776a33e5e85", 396.63616, (16, 39, 55)),
    agents_call(AGENTS_TRACE_1, "3e1874abecae4558", 14.249216, (81, 53, 134)),
    agents_call(AGENTS_TRACE_2, "684bd52743b1823f", 62.433024, (151, 49, 200)),
]
AGENTS_CALLS[0].input_messages = [SYSTEM, ASK]
AGENTS_CALLS[0].output_messages = [Message("assistant", [weather_call("call_wx_001")], finish_reason="stop")]
AGENTS_CALLS[1].input_messages = [SYSTEM, ASK, Message("assistant", [weather_call("call_wx_001")]), AGENTS_RESULT]
AGENTS_CALLS[1].output_messages = [Message("assistant", [Part(type="text", content=ANSWER_TEXT)], finish_reason="stop")]
AGENTS_CALLS[2].input_messages = [
    SYSTEM,
    ASK,
    Message("assistant", [weather_call("call_wx_001")]),
    AGENTS_RESULT,
    ANSWER,
    THANKS,
]
AGENTS_CALLS[2].output_messages = [Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)], finish_reason="stop")]


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    call_cases(
        {
            "openinference-openai-0.1.66.json": OPENAI_CALLS,
            "openai-agents-0.24.0-openinference-2.6.0.json": AGENTS_CALLS,
        }
    ),
)
def test_openai_and_agents_sdk_calls(fixture: str, expected: list[LlmCall], index: int) -> None:
    assert_nth_call(model_calls(fixture), expected, index)


def test_agents_sdk_run_spans_are_not_calls() -> None:
    by_name: dict[str, list[LlmCall | None]] = {}
    for record, call in extracted("openai-agents-0.24.0-openinference-2.6.0.json"):
        by_name.setdefault(record.item["name"], []).append(call)

    assert by_name["get_weather"] == [None]  # the TOOL span
    assert [call.operation for call in by_name["turn"] if call] == ["chain"] * 3
    assert [call.operation for call in by_name["travel_agent"] if call] == ["invoke_agent"] * 2
    assert not any(call.is_model_call for name in ("turn", "travel_agent") for call in by_name[name] if call)
    # "Agent workflow" is both a CHAIN and an AGENT span.
    operations = sorted(str(call.operation) for call in by_name["Agent workflow"] if call)
    assert operations == ["chain", "chain", "invoke_agent", "invoke_agent"]


def test_agents_sdk_text_sent_twice_is_one_part() -> None:
    # message.content and message.contents.0.message_content.text hold the same text.
    history = model_calls("openai-agents-0.24.0-openinference-2.6.0.json")[2].input_messages
    assert history[4] == ANSWER


# --- LiteLLM's arize_phoenix callback ------------------------------------------------------


def litellm_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int]) -> LlmCall:
    return expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="openinference",
        operation="chat",
        provider="anthropic",
        request_model="claude-sonnet-4-5",
        response_model="claude-sonnet-4-5",
        # From the provider usage in LiteLLM's metadata JSON.
        cache_read_tokens=0,
        cache_write_tokens=0,
        streaming=False,
        status="ok",
        content_source="span",
    )


def say_hi_call(trace_id: str, span_id: str, latency_ms: float) -> LlmCall:
    call = litellm_call(trace_id, span_id, latency_ms, (10, 20, 30))
    call.provider, call.request_model, call.response_model = "openai", "gpt-4o-mini", "gpt-4o-mini"
    call.cache_read_tokens = call.cache_write_tokens = None  # the mock response has no usage details
    call.input_messages = [Message("user", [Part(type="text", content="Say hi in French.")])]
    call.output_messages = [Message("assistant", [Part(type="text", content="Bonjour !")])]
    return call


# 1.79 writes no output tool calls, no tool call ids in the history and no cost.
LITELLM_179 = [
    litellm_call("fcc38e70cf1cd17062ff6d4fa987c731", "71e27b7ed17c08e1", 43.419136, (23, 34, 57)),
    litellm_call("301ce219803f21131f7d3bcbabf051d8", "89beb0be724d6d49", 46.462976, (101, 22, 123)),
    litellm_call("563c75f7cce2e4644146f14f7b27f79f", "9e3a5fbe2b2bc533", 47.478016, (156, 18, 174)),
    say_hi_call("c90286b1f86187120c2aa92ce64111d3", "2954eaebff123a35", 1.127168),
]
LITELLM_179[0].input_messages = [SYSTEM, ASK]
LITELLM_179[0].output_messages = [Message("assistant", [LET_ME_CHECK])]
LITELLM_179[0].tool_definitions = [WEATHER_TOOL]
LITELLM_179[1].input_messages = [SYSTEM, ASK, Message("assistant", [LET_ME_CHECK]), weather_result(None)]
LITELLM_179[1].output_messages = [ANSWER]
LITELLM_179[1].tool_definitions = [WEATHER_TOOL]
LITELLM_179[2].input_messages = [SYSTEM, ASK, Message("assistant", [LET_ME_CHECK]), weather_result(None), ANSWER, THANKS]
LITELLM_179[2].output_messages = [Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)])]

# 1.110: tool calls with Anthropic ids, and the cost LiteLLM computed.
LITELLM_110 = [
    litellm_call("e413b41254d8584d4a2a6b5e85b42bfe", "f9673b6e0704d63f", 524.505088, (23, 34, 57)),
    litellm_call("a0deac16056574602c884d3c9008dbf7", "63389fb1a912ae3a", 51.764992, (101, 22, 123)),
    litellm_call("12d2751f9185d7515759b07d562e341e", "62ac4d6d117e4e3a", 49.84576, (156, 18, 174)),
    say_hi_call("42cfb1a7169387834cb0754647684fa0", "c27d1bd6de3f7653", 2.252032),
]
CHECK_AND_CALL = Message("assistant", [LET_ME_CHECK, weather_call("toolu_wx_001")])
LITELLM_110[0].input_messages = [SYSTEM, ASK]
LITELLM_110[0].output_messages = [CHECK_AND_CALL]
LITELLM_110[0].tool_definitions = [WEATHER_TOOL]
LITELLM_110[1].input_messages = [SYSTEM, ASK, CHECK_AND_CALL, weather_result("toolu_wx_001")]
LITELLM_110[1].output_messages = [ANSWER]
LITELLM_110[1].tool_definitions = [WEATHER_TOOL]
LITELLM_110[2].input_messages = [SYSTEM, ASK, CHECK_AND_CALL, weather_result("toolu_wx_001"), ANSWER, THANKS]
LITELLM_110[2].output_messages = [Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)])]
for litellm_110_call, cost in zip(LITELLM_110, (0.0005790000000000001, 0.000633, 0.0007379999999999999, 1.35e-05)):
    litellm_110_call.cost_usd, litellm_110_call.cost_source = cost, "span"
for litellm_110_call in LITELLM_110[:3]:
    litellm_110_call.reasoning_tokens = 0  # 1.110's usage has completion_tokens_details


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [("litellm-arize_phoenix-1.79.0.json", LITELLM_179), ("litellm-arize_phoenix-1.110.2.json", LITELLM_110)],
    ids=["1.79.0", "1.110.2"],
)
def test_litellm_arize_phoenix_calls(fixture: str, expected: list[LlmCall]) -> None:
    calls = model_calls(fixture)
    assert [call.span_id for call in calls] == [call.span_id for call in expected]
    for actual, wanted in zip(calls, expected):
        assert_same_call(actual, wanted)


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        ("openinference-openai-0.1.66.json", OPENAI_CALLS),
        ("openai-agents-0.24.0-openinference-2.6.0.json", AGENTS_CALLS),
        ("litellm-arize_phoenix-1.79.0.json", LITELLM_179),
        ("litellm-arize_phoenix-1.110.2.json", LITELLM_110),
    ],
    ids=["openai", "agents", "litellm-1.79.0", "litellm-1.110.2"],
)
def test_normalize_records_gives_same_calls(fixture: str, expected: list[LlmCall]) -> None:
    assert_normalized_calls(convention_records(fixture), "openinference", expected)


def test_litellm_raw_request_span_not_claimed() -> None:
    # raw_gen_ai_request carries llm.anthropic.* reprs, not OpenInference keys.
    names = {record.item["name"] for record in convention_records("litellm-arize_phoenix-1.110.2.json") if openinference.matches(record)}
    assert names == {"litellm_request"}


# --- Pitfalls, on spans written here ------------------------------------------------------

START = 1_796_413_521_000_000_000


def span_record(
    attributes: list[tuple[str, Any]],
    scope: str = "openinference.instrumentation.openai",
    **span_fields: Any,
) -> Record:
    """Decode a one-span OTLP JSON document, with the attributes in the order given."""
    span = {
        "traceId": "5b8efff798038103d269b633813fc60c",
        "spanId": "eee19b7ec3c1b174",
        "name": "ChatCompletion",
        "kind": 1,
        "startTimeUnixNano": str(START),
        "endTimeUnixNano": str(START + 1_500_000_000),
        "status": {"code": 1},
        "attributes": otlp_attributes(attributes),
        **span_fields,
    }
    return decode_span(span, {"name": scope})


def extract_one(record: Record) -> LlmCall:
    assert openinference.matches(record)
    call = openinference.extract(record)
    assert call is not None
    return call


def test_indexed_keys_out_of_order_with_gaps() -> None:
    record = span_record(
        [
            ("llm.input_messages.10.message.content", "tenth"),
            ("openinference.span.kind", "LLM"),
            ("llm.input_messages.2.message.role", "assistant"),
            ("llm.input_messages.10.message.role", "user"),
            ("llm.input_messages.0.message.content", "first"),
            ("llm.input_messages.2.message.content", "second"),
            ("llm.input_messages.0.message.role", "system"),
        ]
    )
    call = extract_one(record)
    assert [message.role for message in call.input_messages] == ["system", "assistant", "user"]
    assert [message.parts[0].content for message in call.input_messages] == ["first", "second", "tenth"]


def test_arguments_json_string_parsed_or_kept() -> None:
    prefix = "llm.output_messages.0.message.tool_calls"
    record = span_record(
        [
            ("openinference.span.kind", "LLM"),
            ("llm.output_messages.0.message.role", "assistant"),
            (f"{prefix}.0.tool_call.id", "call_1"),
            (f"{prefix}.0.tool_call.function.name", "get_weather"),
            (f"{prefix}.0.tool_call.function.arguments", '{"city": "Paris", "days": 2}'),
            (f"{prefix}.1.tool_call.id", "call_2"),
            (f"{prefix}.1.tool_call.function.name", "get_weather"),
            (f"{prefix}.1.tool_call.function.arguments", "city=Paris"),
        ]
    )
    parts = extract_one(record).output_messages[0].parts
    assert parts[0] == Part(type="tool_call", id="call_1", name="get_weather", arguments={"city": "Paris", "days": 2})
    assert parts[1] == Part(type="tool_call", id="call_2", name="get_weather", arguments="city=Paris")


def test_differing_content_and_contents_both_kept() -> None:
    record = span_record(
        [
            ("openinference.span.kind", "LLM"),
            ("llm.input_messages.0.message.role", "user"),
            ("llm.input_messages.0.message.content", "Describe this picture."),
            ("llm.input_messages.0.message.contents.0.message_content.type", "image"),
            ("llm.input_messages.0.message.contents.0.message_content.image.image.url", "https://example.com/a.png"),
        ]
    )
    assert extract_one(record).input_messages[0].parts == [
        Part(type="text", content="Describe this picture."),
        Part(type="media", content="https://example.com/a.png"),
    ]


def test_first_token_event_gives_streaming_and_ttft() -> None:
    record = span_record(
        [("openinference.span.kind", "LLM"), ("llm.invocation_parameters", '{"model": "gpt-4o", "stream": true}')],
        events=[{"timeUnixNano": str(START + 250_000_000), "name": openinference.FIRST_TOKEN_EVENT}],
    )
    call = extract_one(record)
    assert call.streaming is True
    assert call.time_to_first_token_ms == 250.0
    assert call.request_model == "gpt-4o"


def test_error_status_and_exception_event() -> None:
    record = span_record(
        [("openinference.span.kind", "LLM"), ("llm.model_name", "gpt-4o")],
        status={"code": 2},
        events=[
            {
                "timeUnixNano": str(START + 1),
                "name": "exception",
                "attributes": [
                    {"key": "exception.type", "value": {"stringValue": "openai.RateLimitError"}},
                    {"key": "exception.message", "value": {"stringValue": "Rate limit reached"}},
                ],
            }
        ],
    )
    call = extract_one(record)
    assert call.status == "error"
    assert call.error == "openai.RateLimitError: Rate limit reached"


def test_role_evicted_from_text_message_is_unknown() -> None:
    record = span_record(
        [("llm.input_messages.7.message.content", "left without its role"), ("llm.token_count.prompt", 900)],
        droppedAttributesCount=40,
    )
    call = extract_one(record)
    assert call.truncated is True
    assert call.input_messages == [Message("unknown", [Part(type="text", content="left without its role")])]


def test_dropped_messages_recovered_from_input_value() -> None:
    # An SDK that drops the newest attributes (OpenTelemetry JS) keeps input.value, which
    # the OpenAI instrumentation fills with the whole request.
    request = {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are a concise travel assistant."},
            {"role": "user", "content": "Hi! What's the weather in Paris?"},
            {"role": "assistant", "tool_calls": [{"id": "call_wx_001", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}]},
            {"role": "tool", "tool_call_id": "call_wx_001", "content": WEATHER_JSON},
        ],
    }
    record = span_record(
        [
            ("openinference.span.kind", "LLM"),
            ("input.value", json.dumps(request)),
            ("input.mime_type", "application/json"),
            ("llm.input_messages.0.message.role", "system"),
            ("llm.input_messages.0.message.content", "You are a concise travel assistant."),
            ("llm.input_messages.1.message.role", "user"),
        ],
        droppedAttributesCount=9,
    )
    call = extract_one(record)
    assert call.truncated is True
    assert call.input_messages == [SYSTEM, ASK, Message("assistant", [weather_call("call_wx_001")]), weather_result("call_wx_001")]


def sdk_record(scope: str, attributes: list[tuple[str, Any]]) -> Record:
    """Record a span with the OpenTelemetry Python SDK and its default limit of 128
    attributes, export it as OTLP protobuf and decode it."""
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
    from opentelemetry.sdk.trace import SpanLimits, TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    provider = TracerProvider(span_limits=SpanLimits(max_span_attributes=128))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    with provider.get_tracer(scope).start_as_current_span("litellm_request") as span:
        for key, value in attributes:
            span.set_attribute(key, value)
    payload = encode_spans(exporter.get_finished_spans()).SerializeToString()
    return records_from_document(decode_protobuf(payload, TRACES))[0]


def long_litellm_conversation(cycles: int) -> list[tuple[str, Any]]:
    """Attributes in the order LiteLLM's arize callback sets them, for ``cycles`` rounds of
    user question (2 attributes), assistant tool call (4) and tool result (3)."""
    attributes: list[tuple[str, Any]] = [
        ("openinference.span.kind", "LLM"),
        ("metadata", "{}"),
        ("llm.model_name", "gpt-4o"),
        ("llm.provider", "openai"),
        ("input.value", "last question"),
    ]
    for cycle in range(cycles):
        user, assistant, tool = (f"llm.input_messages.{3 * cycle + offset}.message" for offset in range(3))
        attributes += [(f"{user}.role", "user"), (f"{user}.content", f"question {cycle}")]
        attributes += [
            (f"{assistant}.role", "assistant"),
            (f"{assistant}.tool_calls.0.tool_call.id", f"call_{cycle}"),
            (f"{assistant}.tool_calls.0.tool_call.function.name", "lookup"),
            (f"{assistant}.tool_calls.0.tool_call.function.arguments", json.dumps({"n": cycle})),
        ]
        attributes += [(f"{tool}.role", "tool"), (f"{tool}.tool_call_id", f"call_{cycle}"), (f"{tool}.content", f"result {cycle}")]
    attributes += [
        ("llm.output_messages.0.message.role", "assistant"),
        ("llm.output_messages.0.message.content", "final answer"),
        ("llm.token_count.prompt", 5000),
        ("llm.token_count.completion", 40),
        ("llm.token_count.total", 5040),
    ]
    return attributes


def test_message_list_cut_by_attribute_limit() -> None:
    # 20 cycles give 190 attributes, so the SDK evicts the 62 oldest. Those are the first 5
    # keys (the span kind among them), messages 0-18 and the role of message 19, a tool call.
    record = sdk_record("litellm", long_litellm_conversation(cycles=20))
    keys = {attribute["key"] for attribute in record.item["attributes"]}
    assert record.item["droppedAttributesCount"] == 62
    assert openinference.SPAN_KIND not in keys
    assert "llm.input_messages.19.message.role" not in keys
    assert "llm.input_messages.19.message.tool_calls.0.tool_call.id" in keys

    call = extract_one(record)
    assert call.truncated is True
    assert call.is_model_call is True
    assert len(call.input_messages) == 60 - 19
    assert call.input_messages[0] == Message(
        "assistant", [Part(type="tool_call", id="call_6", name="lookup", arguments={"n": 6})]
    )
    assert call.input_messages[1] == Message("tool", [Part(type="tool_call_response", id="call_6", content="result 6")])
    assert call.input_messages[-1] == Message("tool", [Part(type="tool_call_response", id="call_19", content="result 19")])
    assert call.output_messages == [Message("assistant", [Part(type="text", content="final answer")])]
    assert (call.input_tokens, call.output_tokens, call.total_tokens) == (5000, 40, 5040)
    assert call.provider is None  # evicted with the other first keys


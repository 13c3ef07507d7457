"""A real LiteLLM proxy batch (proxy 1.79.0, arize callback) as the Collector's awss3
exporter wrote it: one model call among 18 proxy service and payload spans."""

from __future__ import annotations

from gravity.normalize import normalize_records
from gravity.normalize.families import openinference
from gravity.normalize.model import LlmCall, Message, Part
from tests.normalize.helpers import COLLECTOR_SAMPLE, assert_same_call, assert_same_call_priced, load_records

SYSTEM_TEXT = (
    "You are a helpful travel assistant. You are concise and always provide temperatures in both "
    "Fahrenheit and Celsius.<assume lots of system prompt here>"
)
REPLY_TEXT = (
    "Good day to you too! 😊 \n\nAre you planning a trip or looking for travel advice? I'm here to help with "
    "destinations, weather information, packing tips, itineraries, or any other travel questions you might have!"
)

EXPECTED = LlmCall(
    trace_id="27471dd0ca7dfb5893ab08a1e72d005e",
    span_id="02a10785a1c39136",
    family="openinference",
    operation="chat",
    provider="anthropic",
    request_model="claude-sonnet-4-5",
    response_model="claude-sonnet-4-5-20250929",
    input_tokens=62,
    output_tokens=53,
    total_tokens=115,
    # From metadata.usage_object (prompt_tokens_details.cached_tokens and
    # cache_creation_input_tokens), which has no completion_tokens_details.
    cache_read_tokens=0,
    cache_write_tokens=0,
    latency_ms=3666.54208,
    # llm.latency.time_to_first_token is in seconds (3.6665420532226562).
    time_to_first_token_ms=3666.5420532226562,
    streaming=False,
    status="ok",
    input_messages=[
        Message("system", [Part(type="text", content=SYSTEM_TEXT)]),
        Message("user", [Part(type="text", content="hello world")]),
        Message("assistant", [Part(type="text", content="Hello there! 👋 How can I help you today?")]),
        Message("user", [Part(type="text", content="good day")]),
    ],
    output_messages=[Message("assistant", [Part(type="text", content=REPLY_TEXT)])],
    content_source="span",
)


def test_batch_has_one_openinference_span() -> None:
    records = load_records(COLLECTOR_SAMPLE)
    assert len(records) == 19
    claimed = [record for record in records if openinference.matches(record)]
    assert [record.item["name"] for record in claimed] == ["litellm_request"]


def test_batch_model_call() -> None:
    [record] = [record for record in load_records(COLLECTOR_SAMPLE) if openinference.matches(record)]
    call = openinference.extract(record)
    assert call is not None
    assert_same_call(call, EXPECTED)


def test_batch_through_normalize_records() -> None:
    calls = normalize_records(load_records(COLLECTOR_SAMPLE))
    assert [(call.family, call.span_id, call.is_model_call) for call in calls] == [
        ("openinference", EXPECTED.span_id, True)
    ]
    [call] = calls
    # The span has no cost of its own, so the price table gives one.
    assert_same_call_priced(call, EXPECTED)

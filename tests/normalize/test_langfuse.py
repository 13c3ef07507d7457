"""The Langfuse family: langfuse 5.2.0 (the langfuse.openai wrapper and @observe)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from gravity.normalize.families import langfuse
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
from tests.normalize.travel import ANSWER, ASK, SYSTEM, THANKS, UMBRELLA_TEXT, WEATHER_CALL, WEATHER_RESULT, WEATHER_TOOL

FIXTURE = "langfuse-5.2.0.json"


def generation(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int]) -> LlmCall:
    return expected_call(
        trace_id,
        span_id,
        latency_ms,
        tokens,
        family="langfuse",
        family_version="5.2.0",
        operation="chat",
        # Langfuse records the model the wrapper reported (the response's) and no provider.
        response_model="gpt-4o-mini-2024-07-18",
        cache_read_tokens=0,
        reasoning_tokens=0,
        status="unset",
        session_id="sess-42",
        user_id="user-7",
        tool_definitions=[WEATHER_TOOL],
        content_source="span",
    )


TRACE_1 = "5de679169b3e57efba855b6f6e540a29"
GENERATIONS = [
    generation(TRACE_1, "f545087e07561b9a", 70.916292, (33, 43, 76)),
    generation(TRACE_1, "3e8298dc02d09d0f", 3.758619, (98, 24, 122)),
    generation("2879d8979347ad3f111852dc5c383fa0", "ac8b4c35ea0991e4", 47.195403, (75, 20, 95)),
]
GENERATIONS[0].input_messages = [SYSTEM, ASK]
GENERATIONS[0].output_messages = [Message("assistant", [WEATHER_CALL])]
GENERATIONS[1].input_messages = [SYSTEM, ASK, Message("assistant", [WEATHER_CALL]), WEATHER_RESULT]
# The wrapper's JSON is ASCII-escaped ("18\u00b0C"), and the text comes back decoded.
GENERATIONS[1].output_messages = [ANSWER]
# The second conversation's history has no tool call, because the app sent only the texts.
GENERATIONS[2].input_messages = [SYSTEM, ASK, ANSWER, THANKS]
GENERATIONS[2].output_messages = [Message("assistant", [Part(type="text", content=UMBRELLA_TEXT)])]


@pytest.mark.parametrize("index", range(len(GENERATIONS)))
def test_generation_calls(index: int) -> None:
    records = convention_records(FIXTURE)
    assert all(langfuse.matches(record) for record in records)
    calls = [call for call in map(langfuse.extract, records) if call is not None]
    assert_nth_call(calls, GENERATIONS, index)


def test_span_and_tool_observations_are_not_calls() -> None:
    names = {record.item["name"]: langfuse.extract(record) for record in convention_records(FIXTURE)}
    assert names["travel_chat"] is None  # type "span", bare-string output
    assert names["get_weather"] is None  # type "tool"


def test_normalize_records_gives_same_calls() -> None:
    assert_normalized_calls(convention_records(FIXTURE), "langfuse", GENERATIONS)


# --- Pitfalls, on spans written here ------------------------------------------------------

START = 1_796_413_904_700_000_000


def observation(attributes: dict[str, Any], status: dict[str, Any] | None = None) -> Record:
    span = {
        "traceId": "4bf92f3577b34da6a3ce929d0e0e4736",
        "spanId": "00f067aa0ba902b7",
        "name": "generation",
        "kind": 1,
        "startTimeUnixNano": str(START),
        "endTimeUnixNano": str(START + 900_000_000),
        "status": status or {},
        "attributes": otlp_attributes(attributes),
    }
    return decode_span(span, {"name": "langfuse-sdk", "version": "3.2.1"})


def test_bare_string_input_and_output_stay_text() -> None:
    # A str value is written without JSON quotes, and "42" must not become the number 42.
    call = langfuse.extract(
        observation(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.input": "What is 6 times 7?",
                "langfuse.observation.output": "42",
            }
        )
    )
    assert call is not None
    assert call.input_messages == [Message("user", [Part(type="text", content="What is 6 times 7?")])]
    assert call.output_messages == [Message("assistant", [Part(type="text", content="42")])]


def test_message_list_input_and_langfuse_usage_keys() -> None:
    messages = [{"role": "user", "content": "Bonjour"}]
    call = langfuse.extract(
        observation(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.input": json.dumps(messages),
                "langfuse.observation.output": json.dumps({"role": "assistant", "content": "Salut !"}),
                "langfuse.observation.usage_details": json.dumps({"input": 5, "output": 3, "total": 8, "input_cached_tokens": 2}),
                "langfuse.observation.cost_details": json.dumps({"input": 0.0001, "output": 0.0002}),
                "langfuse.observation.completion_start_time": json.dumps("2026-12-04T19:51:44.950000Z"),
                "langfuse.observation.model.parameters": json.dumps({"stream": True}),
            }
        )
    )
    assert call is not None
    assert call.input_messages == [Message("user", [Part(type="text", content="Bonjour")])]
    assert call.output_messages == [Message("assistant", [Part(type="text", content="Salut !")])]
    assert (call.input_tokens, call.output_tokens, call.total_tokens, call.cache_read_tokens) == (5, 3, 8, 2)
    assert call.cost_usd == pytest.approx(0.0003)
    assert call.cost_source == "span"
    assert call.streaming is True
    # The span starts at 2026-12-04T19:51:44.700Z (START): the first token came 250 ms later.
    assert call.time_to_first_token_ms == pytest.approx(250.0, abs=0.001)


def test_error_level_marks_call_failed() -> None:
    call = langfuse.extract(
        observation(
            {
                "langfuse.observation.type": "generation",
                "langfuse.observation.level": "ERROR",
                "langfuse.observation.status_message": "Rate limit exceeded",
            }
        )
    )
    assert call is not None
    assert (call.status, call.error) == ("error", "Rate limit exceeded")


def test_agent_observation_is_not_a_model_call() -> None:
    call = langfuse.extract(observation({"langfuse.observation.type": "agent", "session.id": "sess-1"}))
    assert call is not None
    assert (call.is_model_call, call.operation, call.session_id) == (False, "invoke_agent", "sess-1")

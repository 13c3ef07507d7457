"""Strands Agents 1.62: content in span events, as per-message events (default) or as
``gen_ai.client.inference.operation.details`` events (latest semconv)."""

from __future__ import annotations

from collections.abc import Callable

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
    SYSTEM_PART,
    THANKS,
    UMBRELLA_TEXT,
    WEATHER_CALL,
    WEATHER_JSON,
)

# Strands puts the tool result in a "tool" message by default and in a "user" message with the
# latest semconv, so here it is a part.
WEATHER_RESULT = Part(type="tool_call_response", id="call_wx_001", content=WEATHER_JSON)


def chat(trace_id: str, span_id: str, latency: float, first_token: float, turn: int, **content: object) -> LlmCall:
    """A Strands ``chat`` span of the scenario; ``turn`` picks its usage (0, 1 or 2)."""
    input_tokens, output_tokens = [(40, 43), (105, 24), (160, 20)][turn]
    finish_reason = "tool_call" if turn == 0 else "stop"
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        family="strands",
        operation="chat",
        # gen_ai.system is "strands-agents", the framework: no provider.
        provider=None,
        request_model="gpt-4o-mini",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=0,
        total_tokens=input_tokens + output_tokens,
        # gpt-4o-mini in genai-prices 0.2.5: $0.15 and $0.60 per million input and output tokens.
        cost_usd=(input_tokens * 0.15 + output_tokens * 0.60) / 1e6,
        cost_source="price_table",
        latency_ms=latency,
        time_to_first_token_ms=first_token,
        status="ok",
        finish_reasons=[finish_reason],
        session_id="sess-42",
        user_id="user-7",
        content_source="span",
        **content,  # type: ignore[arg-type]
    )


def agent_run(trace_id: str, span_id: str, latency: float, run: int, **content: object) -> LlmCall:
    """An ``invoke_agent`` span: its usage repeats the run's totals, so it is no model call."""
    input_tokens, output_tokens = [(145, 67), (305, 87)][run]
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        family="strands",
        is_model_call=False,
        operation="invoke_agent",
        request_model="gpt-4o-mini",
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=0,
        cache_write_tokens=0,
        total_tokens=input_tokens + output_tokens,
        latency_ms=latency,
        status="ok",
        finish_reasons=["stop"],
        session_id="sess-42",
        user_id="user-7",
        content_source="span",
        **content,  # type: ignore[arg-type]
    )


def answer(text: str) -> list[Message]:
    return [Message("assistant", [Part(type="text", content=text)], finish_reason="stop")]


DEFAULT_CALLS = [
    chat(
        "acf64d5ea92bca0b6e33026821196390", "ae04325e0bad86d4", 602.008378, 600.0, 0,
        input_messages=[SYSTEM, ASK],
        output_messages=[Message("assistant", [WEATHER_CALL], finish_reason="tool_call")],
    ),
    chat(
        "acf64d5ea92bca0b6e33026821196390", "3922f0ce035e4750", 36.52017, 35.0, 1,
        input_messages=[SYSTEM, ASK, CALL_WEATHER, Message("tool", [WEATHER_RESULT])],
        output_messages=answer(ANSWER_TEXT),
    ),
    agent_run(
        "acf64d5ea92bca0b6e33026821196390", "3631ab40a8df813d", 641.181823, 0,
        input_messages=[SYSTEM, ASK],
        output_messages=answer(ANSWER_TEXT + "\n"),
    ),
    chat(
        "0f804efd4fa3844493ddde1e3219c583", "cf50ec16debc95e2", 28.713202, 27.0, 2,
        input_messages=[SYSTEM, ASK, CALL_WEATHER, Message("tool", [WEATHER_RESULT]), ANSWER, THANKS],
        output_messages=answer(UMBRELLA_TEXT),
    ),
    agent_run(
        "0f804efd4fa3844493ddde1e3219c583", "6ef9fc5c1856e2ad", 29.478871, 1,
        input_messages=[SYSTEM, THANKS],
        output_messages=answer(UMBRELLA_TEXT + "\n"),
    ),
]

# Latest semconv: the system prompt is a system instruction and tool results come as a
# tool_call_response part under role "user".
LATEST_CALLS = [
    chat(
        "780c14236a54386631928dc6eea76a3a", "0276d1294fcf9d14", 429.140148, 427.0, 0,
        system_instructions=[SYSTEM_PART],
        input_messages=[ASK],
        output_messages=[Message("assistant", [WEATHER_CALL], finish_reason="tool_call")],
    ),
    chat(
        "780c14236a54386631928dc6eea76a3a", "66e1c84d44fde4f0", 27.550754, 26.0, 1,
        system_instructions=[SYSTEM_PART],
        input_messages=[ASK, CALL_WEATHER, Message("user", [WEATHER_RESULT])],
        output_messages=answer(ANSWER_TEXT),
    ),
    agent_run(
        "780c14236a54386631928dc6eea76a3a", "2b05c6ca012254ae", 459.583393, 0,
        system_instructions=[SYSTEM_PART],
        input_messages=[ASK],
        output_messages=answer(ANSWER_TEXT + "\n"),
    ),
    chat(
        "165a156e0cf4fcabbbfb5c538beaacef", "0d234971a01da42d", 53.523031, 52.0, 2,
        system_instructions=[SYSTEM_PART],
        input_messages=[ASK, CALL_WEATHER, Message("user", [WEATHER_RESULT]), ANSWER, THANKS],
        output_messages=answer(UMBRELLA_TEXT),
    ),
    agent_run(
        "165a156e0cf4fcabbbfb5c538beaacef", "d7a0aff728fe2e1c", 56.503602, 1,
        system_instructions=[SYSTEM_PART],
        input_messages=[THANKS],
        output_messages=answer(UMBRELLA_TEXT + "\n"),
    ),
]


@pytest.mark.parametrize(
    ("fixture", "expected", "index"),
    call_cases({"strands-1.62.0.json": DEFAULT_CALLS, "strands-1.62.0-latest.json": LATEST_CALLS}),
)
def test_default_and_latest_events(
    fixture_calls: Callable[[str], list[LlmCall]], fixture: str, expected: list[LlmCall], index: int
) -> None:
    assert_nth_call(fixture_calls(fixture), expected, index, cost_rel=1e-9)


@pytest.mark.parametrize("name", ["strands-1.62.0.json", "strands-1.62.0-latest.json"])
def test_run_totals_counted_once(fixture_calls: Callable[[str], list[LlmCall]], name: str) -> None:
    calls = fixture_calls(name)
    model_calls = [call for call in calls if call.is_model_call]
    runs = [call for call in calls if not call.is_model_call]

    # Each invoke_agent span repeats the sum of its run's chat spans.
    assert sum(call.input_tokens or 0 for call in model_calls) == 40 + 105 + 160
    assert [call.input_tokens for call in runs] == [145, 305]
    assert all(call.cost_usd is None for call in runs)


@pytest.mark.parametrize("name", ["strands-1.62.0.json", "strands-1.62.0-latest.json"])
def test_loop_and_tool_spans_are_no_calls(fixture_records: Callable[[str], list[Record]], name: str) -> None:
    records = fixture_records(name)
    others = [record for record in records if record.item["name"].startswith(("execute_event_loop_cycle", "execute_tool"))]

    assert len(others) == 4
    assert normalize_records(others) == []

"""Joining GenAI log records to the call of their span, in either arrival order."""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable
from typing import Any

import pytest

from gravity.normalize import CallJoiner, merge_log_records, normalize_records
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.otlp.model import Record

SPANS = "otel-genai-openai-v2-2.1b0.json"
LOGS = "otel-genai-openai-v2-2.1b0.logs.json"
LATEST_SPANS = "otel-genai-openai-v2-2.4b0-latest.json"
LATEST_LOGS = "otel-genai-openai-v2-2.4b0-latest.logs.json"


def contents(calls: list[LlmCall]) -> list[tuple[Any, ...]]:
    return [(call.span_id, call.input_messages, call.output_messages, call.finish_reasons, call.content_source) for call in calls]


def test_logs_after_spans(fixture_records: Callable[[str], list[Record]]) -> None:
    joiner = CallJoiner()

    first = joiner.add(fixture_records(SPANS))
    assert all(call.input_messages == [] for call in first)
    second = joiner.add(fixture_records(LOGS))

    assert [call.span_id for call in second] == [call.span_id for call in first]
    assert contents(joiner.calls()) == contents(normalize_records(fixture_records(SPANS), fixture_records(LOGS)))
    assert [len(call.input_messages) for call in joiner.calls()] == [2, 4, 6]
    assert joiner.pending_log_records == 0


def test_logs_before_spans(fixture_records: Callable[[str], list[Record]]) -> None:
    joiner = CallJoiner()

    assert joiner.add(fixture_records(LOGS)) == []
    assert joiner.pending_log_records == 15
    calls = joiner.add(fixture_records(SPANS))

    assert contents(calls) == contents(normalize_records(fixture_records(SPANS), fixture_records(LOGS)))
    assert all(call.content_source == "logs" for call in calls)
    assert joiner.pending_log_records == 0


def test_logs_split_over_batches(fixture_records: Callable[[str], list[Record]]) -> None:
    logs = fixture_records(LOGS)
    joiner = CallJoiner()

    joiner.add(logs[:4])
    joiner.add(fixture_records(SPANS))
    changed = joiner.add(logs[4:])

    # The second call's events are split: its system message comes before the span, the rest after.
    assert len(changed) == 2
    assert contents(joiner.calls()) == contents(normalize_records(fixture_records(SPANS), logs))


def test_merge_into_stored_call(fixture_records: Callable[[str], list[Record]]) -> None:
    """The storage layer merges logs that arrive in a later file into a call it already has."""
    stored = normalize_records(fixture_records(SPANS))
    logs = fixture_records(LOGS)
    expected = normalize_records(fixture_records(SPANS), logs)

    merged = [merge_log_records(call, logs) for call in stored]

    assert contents(merged) == contents(expected)


def test_merge_twice_does_not_duplicate(fixture_records: Callable[[str], list[Record]]) -> None:
    logs = fixture_records(LOGS)
    [call, *_] = normalize_records(fixture_records(SPANS))

    merge_log_records(call, logs)
    once = copy.deepcopy(call)
    merge_log_records(call, logs)

    assert call == once
    assert len(call.input_messages) == 2


def test_logs_of_other_spans_are_ignored(fixture_records: Callable[[str], list[Record]]) -> None:
    spans = fixture_records(SPANS)
    logs = [record for record in fixture_records(LOGS) if record.span_id != spans[0].span_id]

    calls = normalize_records(spans, logs)

    assert calls[0].input_messages == []
    assert calls[0].content_source is None
    assert len(calls[1].input_messages) == 4


@pytest.mark.parametrize("name_in_attribute", [False, True])
def test_event_name_field_or_attribute(
    span_record: Callable[..., Record], log_record: Callable[..., Record], name_in_attribute: bool
) -> None:
    span = span_record({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.usage.input_tokens": 9, "gen_ai.usage.output_tokens": 2})
    logs = [
        log_record("gen_ai.user.message", {"content": "Hi"}, name_in_attribute=name_in_attribute),
        log_record(
            "gen_ai.choice",
            {"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello!"}},
            name_in_attribute=name_in_attribute,
        ),
    ]

    [call] = normalize_records([span], logs)

    assert call.input_messages == [Message("user", [Part(type="text", content="Hi")])]
    assert call.output_messages == [Message("assistant", [Part(type="text", content="Hello!")], finish_reason="stop")]
    assert call.finish_reasons == ["stop"]


def test_choices_ordered_by_index(span_record: Callable[..., Record], log_record: Callable[..., Record]) -> None:
    span = span_record({"gen_ai.request.model": "gpt-4o-mini"})
    logs = [
        log_record("gen_ai.choice", {"index": 1, "finish_reason": "length", "message": {"content": "second"}}),
        log_record("gen_ai.choice", {"index": 0, "finish_reason": "stop", "message": {"content": "first"}}),
    ]

    [call] = normalize_records([span], logs)

    assert [message.parts[0].content for message in call.output_messages] == ["first", "second"]
    assert call.finish_reasons == ["stop", "length"]


def test_tool_calls_in_log_bodies(span_record: Callable[..., Record], log_record: Callable[..., Record]) -> None:
    span = span_record({"gen_ai.request.model": "gpt-4o-mini"})
    tool_call = {"id": "c1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    logs = [
        log_record("gen_ai.assistant.message", {"tool_calls": [tool_call]}),
        log_record("gen_ai.tool.message", {"content": '{"temp_c": 18}', "id": "c1"}),
    ]

    [call] = normalize_records([span], logs)

    assert call.input_messages == [
        Message("assistant", [Part(type="tool_call", id="c1", name="get_weather", arguments={"city": "Paris"})]),
        Message("tool", [Part(type="tool_call_response", id="c1", content='{"temp_c": 18}')]),
    ]


def test_details_log_adds_no_duplicates(fixture_records: Callable[[str], list[Record]]) -> None:
    with_logs = normalize_records(fixture_records(LATEST_SPANS), fixture_records(LATEST_LOGS))
    without_logs = normalize_records(fixture_records(LATEST_SPANS))

    assert contents(with_logs) == contents(without_logs)
    assert all(call.content_source == "span" for call in with_logs)


def test_details_log_fills_gaps(span_record: Callable[..., Record], log_record: Callable[..., Record]) -> None:
    span = span_record({"gen_ai.request.model": "gpt-4o-mini", "gen_ai.input.messages": '[{"role":"user","parts":[{"type":"text","content":"Hi"}]}]'})
    details = log_record(
        "gen_ai.client.inference.operation.details",
        None,
        attributes={
            "gen_ai.usage.input_tokens": 9,
            "gen_ai.input.messages": [{"role": "user", "parts": [{"type": "text", "content": "ignored: the span has input"}]}],
            "gen_ai.tool.definitions": [{"type": "function", "name": "get_weather", "parameters": {"type": "object"}}],
        },
    )

    [call] = normalize_records([span], [details])

    assert call.input_messages == [Message("user", [Part(type="text", content="Hi")])]
    assert call.tool_definitions == [ToolDefinition("get_weather", None, {"type": "object"})]
    assert call.input_tokens == 9
    assert call.content_source == "span"


def test_joiner_forgets_oldest_when_full(
    fixture_records: Callable[[str], list[Record]], caplog: pytest.LogCaptureFixture
) -> None:
    joiner = CallJoiner(max_spans=2)

    with caplog.at_level(logging.WARNING, logger="gravity.normalize.joiner"):
        joiner.add(fixture_records(SPANS))
    joiner.add(fixture_records(LOGS))

    assert [call.span_id for call in joiner.calls()] == ["12b430c001cfcd3d", "b24e42d4e361b480"]
    assert joiner.forgotten_calls == 1
    assert "call joiner is full" in caplog.text


def test_joiner_rejects_zero_capacity() -> None:
    with pytest.raises(ValueError, match="max_spans must be at least 1"):
        CallJoiner(max_spans=0)

"""Span values kept once: attribute pointers to call columns, and the end time as latency."""

from __future__ import annotations

import copy

import pytest

from gravity.reconstruct import _restore_span_columns
from gravity.spans.column_values import point_to_columns, restore_column_values


def _attribute(key: str, value: dict) -> dict:
    return {"key": key, "value": value}


def test_equal_values_become_pointers_and_come_back():
    item = {"attributes": [
        _attribute("gen_ai.request.model", {"stringValue": "gpt-4o"}),
        _attribute("gen_ai.usage.input_tokens", {"intValue": 3524}),
        _attribute("llm.token_count.prompt", {"intValue": 3524}),
        _attribute("session.id", {"stringValue": "s-1"}),
    ]}
    row = {"request_model": "gpt-4o", "input_tokens": 3524, "session_id": "s-1"}
    original = copy.deepcopy(item)

    point_to_columns(item, row)

    assert [attribute["value"] for attribute in item["attributes"]] == [
        {"$s": "request_model"}, {"$i": "input_tokens"}, {"$i": "input_tokens"}, {"$s": "session_id"}]
    restore_column_values(item, row)
    assert item == original


def test_values_of_other_types_or_values_stay():
    item = {"attributes": [
        _attribute("gen_ai.usage.input_tokens", {"stringValue": "3524"}),  # a string, not an int
        _attribute("llm.token_count.total", {"doubleValue": 3524.0}),
        _attribute("gen_ai.request.model", {"stringValue": "gpt-4o-mini"}),
        _attribute("flag", {"boolValue": True}),
        _attribute("long", {"$c": 1}),  # a content marker
    ]}
    row = {"request_model": "gpt-4o", "input_tokens": 3524, "total_tokens": 1}
    original = copy.deepcopy(item)

    point_to_columns(item, row)

    assert item == original


def test_missing_pointed_column_raises():
    item = {"attributes": [_attribute("session.id", {"$s": "session_id"})]}

    with pytest.raises(ValueError, match="points to column 'session_id'"):
        restore_column_values(item, {"trace_id": "ab" * 16, "span_id": "cd" * 8, "session_id": None})


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"start_ns": 100, "latency_ns": 25, "end_ns": None}, {"startTimeUnixNano": 100, "endTimeUnixNano": 125}),
        ({"start_ns": 100, "latency_ns": -5, "end_ns": None}, {"startTimeUnixNano": 100, "endTimeUnixNano": 95}),
        ({"start_ns": None, "latency_ns": None, "end_ns": 125}, {"endTimeUnixNano": 125}),
        ({"start_ns": 100, "latency_ns": None, "end_ns": None}, {"startTimeUnixNano": 100}),
    ],
)
def test_end_time_rebuilt_from_latency(row, expected):
    item: dict = {}

    _restore_span_columns(item, {"trace_id": "", "span_id": "", "parent_span_id": None, **row})

    assert item == expected


def test_span_without_start_or_end(local_store):
    import orjson

    from gravity.reconstruct import TraceReader
    from gravity.worker.runner import Worker

    trace_id = "ab" * 16
    spans = [
        {"traceId": trace_id, "spanId": "0000000000000001", "name": "both",
         "startTimeUnixNano": "1757290121411955968", "endTimeUnixNano": "1757290122411955968"},
        {"traceId": trace_id, "spanId": "0000000000000002", "name": "no start",
         "endTimeUnixNano": "1757290122411955968"},
        {"traceId": trace_id, "spanId": "0000000000000003", "name": "no end",
         "startTimeUnixNano": "1757290121411955968"},
    ]
    document = {"resourceSpans": [{"resource": {}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}
    local_store.put("raw-spans/dt=2025-09-08/hour=00/batch-traces_1.json", orjson.dumps(document))
    Worker(local_store).run_once()

    rebuilt = TraceReader(local_store).trace(trace_id)["resourceSpans"][0]["scopeSpans"][0]["spans"]

    times = {span["name"]: (span.get("startTimeUnixNano"), span.get("endTimeUnixNano")) for span in rebuilt}
    assert times == {
        "both": (1757290121411955968, 1757290122411955968),
        "no start": (None, 1757290122411955968),
        "no end": (1757290121411955968, None),
    }

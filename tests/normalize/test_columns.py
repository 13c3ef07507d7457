"""Parquet columns of a call and the rebuild from them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from gravity.normalize import CALL_SCHEMA, call_columns, call_from_columns, calls_table, messages_from_json
from gravity.normalize.model import LlmCall, Message, Part

FIXTURES = [
    "otel-genai-openai-v2-2.1b0.json",
    "otel-genai-openai-v2-2.4b0-latest.json",
    "openllmetry-openai-0.40.14.json",
    "openllmetry-openai-0.62.4.json",
    "litellm-otel-1.79.0.json",
    "litellm-otel-1.110.2.json",
    "litellm-otel-1.110.2-semconv.json",
    "strands-1.62.0.json",
    "strands-1.62.0-latest.json",
    "pydantic-ai-0.4.11.json",
    "pydantic-ai-2.68.0.json",
]


@pytest.mark.parametrize("name", FIXTURES)
def test_round_trip_through_parquet(fixture_calls: Callable[[str], list[LlmCall]], name: str, tmp_path: Path) -> None:
    calls = fixture_calls(name)
    path = tmp_path / "calls.parquet"

    pq.write_table(calls_table(calls), path)
    rows = pq.read_table(path).to_pylist()

    assert pq.read_schema(path).equals(CALL_SCHEMA)
    assert [call_from_columns(row) for row in rows] == calls


def test_columns_match_schema() -> None:
    call = LlmCall(trace_id="t", span_id="s", family="unknown")

    assert list(call_columns(call)) == CALL_SCHEMA.names


def test_messages_json_is_raw_utf8_and_compact() -> None:
    call = LlmCall(
        trace_id="t",
        span_id="s",
        family="test",
        output_messages=[Message("assistant", [Part(type="text", content="18°C ☀️")], finish_reason="stop")],
    )

    text = call_columns(call)["messages_json"]

    assert text == '{"output_messages":[{"role":"assistant","parts":[{"type":"text","content":"18°C ☀️"}],"finish_reason":"stop"}]}'


def test_tool_arguments_keep_null_values() -> None:
    arguments: dict[str, object] = {"city": "Paris", "unit": None, "days": []}
    call = LlmCall(
        trace_id="t",
        span_id="s",
        family="test",
        output_messages=[Message("assistant", [Part(type="tool_call", id="c1", name="f", arguments=arguments)])],
    )

    rebuilt = messages_from_json(call_columns(call)["messages_json"])

    assert rebuilt.output_messages[0].parts[0].arguments == arguments


def test_no_content_gives_null_json() -> None:
    columns = call_columns(LlmCall(trace_id="t", span_id="s", family="test"))

    assert columns["messages_json"] is None
    assert messages_from_json(None) == ([], [], [], [])

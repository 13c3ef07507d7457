"""Helpers shared by the normalize tests: fixture loading, OTLP/JSON encoding and call comparison."""

from __future__ import annotations

import base64
import dataclasses
import gzip
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gravity.normalize import normalize_records
from gravity.normalize.model import LlmCall
from gravity.otlp.decode import decode_json, records_from_document
from gravity.otlp.model import Record
from tests.conftest import FIXTURES

CONVENTIONS = FIXTURES / "conventions"
# A LiteLLM proxy 1.79.0 batch (arize callback) as the Collector's awss3 exporter wrote it.
COLLECTOR_SAMPLE = FIXTURES / "collector-s3" / "batch-traces_529804582.json.gz"


# --- Fixture files ------------------------------------------------------------------------


def read_records(path: Path) -> list[Record]:
    """Decode an OTLP/JSON file, gzip-compressed or not."""
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return records_from_document(decode_json(data))


def load_records(path: Path) -> list[Record]:
    """Decode an OTLP/JSON file, skipping the test when the shared fixtures lack it."""
    if not path.exists():
        pytest.skip(f"fixture not found: {path}")
    return read_records(path)


def convention_records(name: str) -> list[Record]:
    """Decode one convention fixture file, skipping the test when it is missing."""
    return load_records(CONVENTIONS / name)


# --- OTLP/JSON encoding -------------------------------------------------------------------


def otlp_value(value: Any, *, int_as_number: bool = False) -> dict[str, Any]:
    """Encode a Python value as an OTLP JSON AnyValue, the way the Python SDK does.

    With ``int_as_number``, integers become JSON numbers as the JavaScript exporter writes
    them, not the decimal strings of the Python exporter.
    """
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": value if int_as_number else str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes):
        return {"bytesValue": base64.b64encode(value).decode()}
    if isinstance(value, list | tuple):
        return {"arrayValue": {"values": [otlp_value(item, int_as_number=int_as_number) for item in value]}}
    if isinstance(value, Mapping):
        values = [{"key": key, "value": otlp_value(item, int_as_number=int_as_number)} for key, item in value.items()]
        return {"kvlistValue": {"values": values}}
    if value is None:
        return {}
    return {"stringValue": str(value)}


def otlp_attributes(
    attributes: Mapping[str, Any] | Iterable[tuple[str, Any]], *, int_as_number: bool = False
) -> list[dict[str, Any]]:
    """Encode attributes, given as a mapping or as ``(key, value)`` pairs, in their order."""
    pairs = attributes.items() if isinstance(attributes, Mapping) else attributes
    return [{"key": key, "value": otlp_value(value, int_as_number=int_as_number)} for key, value in pairs]


def decode_span(span: Mapping[str, Any], scope: Mapping[str, Any]) -> Record:
    """Wrap one span in an OTLP/JSON traces document and decode it as the receiver does."""
    document = {"resourceSpans": [{"scopeSpans": [{"scope": scope, "spans": [span]}]}]}
    return records_from_document(decode_json(json.dumps(document).encode()))[0]


# --- Expected calls -----------------------------------------------------------------------


def expected_call(trace_id: str, span_id: str, latency_ms: float, tokens: tuple[int, int, int], **fields: Any) -> LlmCall:
    """Build an expected call from its span ids, latency and (input, output, total) token counts."""
    input_tokens, output_tokens, total_tokens = tokens
    return LlmCall(
        trace_id=trace_id,
        span_id=span_id,
        latency_ms=latency_ms,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        total_tokens=total_tokens,
        **fields,
    )


def assert_same_call(actual: LlmCall, expected: LlmCall, *, cost_rel: float | None = None) -> None:
    """Compare two calls field by field, so a failure names the field.

    With ``cost_rel``, an expected ``cost_usd`` matches within that relative tolerance, for
    costs the price table computes in floating point. Every other field must be equal.
    """
    for field in dataclasses.fields(LlmCall):
        actual_value, expected_value = getattr(actual, field.name), getattr(expected, field.name)
        if field.name == "cost_usd" and expected_value is not None and cost_rel is not None:
            assert actual_value == pytest.approx(expected_value, rel=cost_rel), field.name
        else:
            assert actual_value == expected_value, field.name


def assert_same_call_priced(actual: LlmCall, expected: LlmCall) -> None:
    """Compare a call from ``normalize_records``, which prices calls that carry no cost."""
    assert actual.cost_source == (expected.cost_source or "price_table")
    for field in dataclasses.fields(LlmCall):
        if field.name not in ("cost_usd", "cost_source") or expected.cost_source == "span":
            assert getattr(actual, field.name) == getattr(expected, field.name), field.name


def assert_nth_call(calls: list[LlmCall], expected: list[LlmCall], index: int, *, cost_rel: float | None = None) -> None:
    """Check that a fixture gave as many calls as expected, and that call ``index`` matches."""
    assert len(calls) == len(expected)
    assert_same_call(calls[index], expected[index], cost_rel=cost_rel)


def assert_normalized_calls(records: list[Record], family: str, expected: list[LlmCall]) -> None:
    """Check that ``normalize_records`` gives the expected model calls, claimed by ``family``."""
    calls = [call for call in normalize_records(records) if call.is_model_call]
    assert [(call.family, call.span_id) for call in calls] == [(family, call.span_id) for call in expected]
    for actual, expected_model_call in zip(calls, expected):
        assert_same_call_priced(actual, expected_model_call)


def call_cases(expected_by_fixture: Mapping[str, list[LlmCall]]) -> list[Any]:
    """Return one ``(fixture, expected calls, index)`` case per expected call, named after both."""
    return [
        pytest.param(name, expected, index, id=f"{name.removesuffix('.json')}-{index}")
        for name, expected in expected_by_fixture.items()
        for index in range(len(expected))
    ]

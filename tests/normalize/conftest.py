"""Helpers for the normalize tests: the convention fixtures and spans built in the test."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import pytest

from gravity.normalize import normalize_records
from gravity.normalize.model import LlmCall
from gravity.otlp.model import LOGS, TRACES, Record
from tests.normalize.helpers import CONVENTIONS, convention_records, otlp_attributes, otlp_value, read_records


@pytest.fixture
def fixture_records() -> Callable[[str], list[Record]]:
    """Return a loader of the records of one convention fixture file."""
    return convention_records


@pytest.fixture
def fixture_calls(fixture_records: Callable[[str], list[Record]]) -> Callable[[str], list[LlmCall]]:
    """Return a function that normalizes a fixture file, with its ``.logs.json`` joined."""

    def normalize(name: str) -> list[LlmCall]:
        records = fixture_records(name)
        logs_path = CONVENTIONS / name.replace(".json", ".logs.json")
        logs = read_records(logs_path) if logs_path.exists() else []
        return normalize_records(records, logs)

    return normalize


@pytest.fixture
def span_record() -> Callable[..., Record]:
    """Return ``build_span``, the builder of span records."""
    return build_span


@pytest.fixture
def span_event() -> Callable[..., dict[str, Any]]:
    """Return ``build_event``, the builder of span events."""
    return build_event


@pytest.fixture
def log_record() -> Callable[..., Record]:
    """Return ``build_log``, the builder of GenAI log records."""
    return build_log


def build_span(
    attributes: Mapping[str, Any],
    *,
    scope: str = "opentelemetry.instrumentation.openai_v2",
    scope_version: str | None = None,
    name: str = "chat gpt-4o-mini",
    trace_id: str = "0af7651916cd43dd8448eb211c80319c",
    span_id: str = "b7ad6b7169203331",
    events: list[dict[str, Any]] | None = None,
    dropped_attributes: int = 0,
    start: int = 1_757_290_674_500_000_000,
    duration_ns: int = 250_000_000,
) -> Record:
    """Build a span record as ``records_from_document`` returns it."""
    item: dict[str, Any] = {
        "traceId": trace_id,
        "spanId": span_id,
        "name": name,
        "kind": 3,
        "startTimeUnixNano": start,
        "endTimeUnixNano": start + duration_ns,
        "attributes": otlp_attributes(attributes),
        "status": {},
    }
    if events:
        item["events"] = events
    if dropped_attributes:
        item["droppedAttributesCount"] = dropped_attributes
    scope_fields: dict[str, Any] = {"name": scope}
    if scope_version:
        scope_fields["version"] = scope_version
    return Record(TRACES, {"resource": {"attributes": []}}, {"scope": scope_fields}, item)


def build_event(name: str, attributes: Mapping[str, Any], time: int = 1_757_290_674_600_000_000) -> dict[str, Any]:
    """Build a span event."""
    return {"timeUnixNano": time, "name": name, "attributes": otlp_attributes(attributes)}


def build_log(
    event_name: str,
    body: Any,
    *,
    trace_id: str = "0af7651916cd43dd8448eb211c80319c",
    span_id: str = "b7ad6b7169203331",
    attributes: Mapping[str, Any] | None = None,
    name_in_attribute: bool = False,
) -> Record:
    """Build a GenAI log record; the event name goes to ``eventName`` or the ``event.name`` attribute."""
    all_attributes = dict(attributes or {"gen_ai.system": "openai"})
    item: dict[str, Any] = {
        "observedTimeUnixNano": 1_757_290_674_700_000_000,
        "severityNumber": 9,
        "traceId": trace_id,
        "spanId": span_id,
    }
    if name_in_attribute:
        all_attributes["event.name"] = event_name
    else:
        item["eventName"] = event_name
    item["attributes"] = otlp_attributes(all_attributes)
    if body is not None:
        item["body"] = otlp_value(body)
    return Record(LOGS, {"resource": {"attributes": []}}, {"scope": {"name": "opentelemetry.instrumentation.openai_v2"}}, item)

"""Canonical form of OTLP data, for checking that what Gravity returns is what it received.

Each span (or log record) becomes one deterministic protobuf serialization of a
single-item ``ResourceSpans`` (resource, scope, item, and both schema URLs). Two payloads
hold the same data when the sorted lists of these forms are equal: field spelling, int64
encoding, defaults and grouping no longer matter, while every string, id, number and type
must match exactly.
"""

from __future__ import annotations

from typing import Any

from gravity.otlp.decode import records_from_document
from gravity.otlp.model import TRACES, Record
from gravity.otlp.proto import document_to_proto


def _single_document(record: Record) -> dict[str, Any]:
    if record.signal == TRACES:
        return {"resourceSpans": [{**record.resource, "scopeSpans": [{**record.scope, "spans": [record.item]}]}]}
    return {"resourceLogs": [{**record.resource, "scopeLogs": [{**record.scope, "logRecords": [record.item]}]}]}


def canonical_record(record: Record) -> bytes:
    message = document_to_proto(_single_document(record), record.signal)
    return bytes(message.SerializeToString(deterministic=True))


def canonical_forms(document: dict[str, Any]) -> list[bytes]:
    """Return the sorted canonical forms of every record in an OTLP JSON document."""
    return sorted(canonical_record(record) for record in records_from_document(document))

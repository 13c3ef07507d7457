"""Helpers shared by the normalize tests: fixture loading and OTLP/JSON encoding."""

from __future__ import annotations

import base64
import gzip
import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from gravity.otlp.decode import decode_json, records_from_document
from gravity.otlp.model import Record
from tests.conftest import FIXTURES

CONVENTIONS = FIXTURES / "conventions"


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


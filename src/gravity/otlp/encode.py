"""Encode records back into OTLP JSON as the Collector writes it: 64-bit integers as strings."""

from __future__ import annotations

from typing import Any

import orjson

_INT64_FIELDS = frozenset(
    ("startTimeUnixNano", "endTimeUnixNano", "timeUnixNano", "observedTimeUnixNano", "intValue")
)


def _stringify_int64(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: str(value) if key in _INT64_FIELDS and isinstance(value, int) else _stringify_int64(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_stringify_int64(value) for value in node]
    return node


def encode_json(document: dict[str, Any], *, indent: bool = False) -> bytes:
    option = orjson.OPT_INDENT_2 if indent else 0
    return orjson.dumps(_stringify_int64(document), option=option)

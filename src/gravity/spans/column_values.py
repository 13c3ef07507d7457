"""Attribute values that the span's own call columns already hold, stored once.

An LLM span names its model, token counts, session and user in attributes, and the worker
copies the same values into typed call columns (normalize/columns.py). Keeping both copies
costs about 0.37 MB of compressed skeletons on the dev corpus (27,887 spans), because
session ids and token counts barely compress. So the skeleton keeps a pointer instead of
such a value, and the reader puts the column's value back:

- ``{"$s": column}``: the attribute was ``{"stringValue": row[column]}``.
- ``{"$i": column}``: the attribute was ``{"intValue": row[column]}``.

A value is replaced only when it equals the column exactly and in type, so reconstruction
stays byte-exact whatever the normalizer did to arrive at the column.

NOTE: this makes these columns part of the span's stored form. Whatever rewrites index rows
(compaction, a future update of call columns when log events arrive late) must keep their
values as written, or write the attribute values back into the skeleton first.
"""

from __future__ import annotations

from typing import Any

Json = dict[str, Any]

STRING_COLUMNS = ("request_model", "response_model", "provider", "session_id", "user_id")
INT_COLUMNS = ("input_tokens", "output_tokens", "total_tokens", "cache_read_tokens", "cache_write_tokens",
               "reasoning_tokens")
POINTER_COLUMNS = STRING_COLUMNS + INT_COLUMNS


def point_to_columns(item: Json, row: dict[str, Any]) -> None:
    """Replace attribute values of ``item`` equal to a column of ``row`` by pointers, in place."""
    strings: dict[str, str] = {}
    for column in STRING_COLUMNS:
        value = row.get(column)
        if isinstance(value, str):
            strings.setdefault(value, column)
    ints: dict[int, str] = {}
    for column in INT_COLUMNS:
        value = row.get(column)
        if type(value) is int:
            ints.setdefault(value, column)
    if not strings and not ints:
        return

    for attribute in item.get("attributes", ()):
        value = attribute.get("value")
        if not isinstance(value, dict) or len(value) != 1:
            continue
        if "stringValue" in value:
            column = strings.get(value["stringValue"])
            if column is not None:
                attribute["value"] = {"$s": column}
        elif "intValue" in value and type(value["intValue"]) is int:
            column = ints.get(value["intValue"])
            if column is not None:
                attribute["value"] = {"$i": column}


def restore_column_values(item: Json, row: dict[str, Any]) -> None:
    """Put the column values of ``row`` back where ``point_to_columns`` left pointers."""
    for attribute in item.get("attributes", ()):
        value = attribute.get("value")
        if not isinstance(value, dict) or len(value) != 1:
            continue
        if "$s" in value:
            attribute["value"] = {"stringValue": _column(row, value["$s"])}
        elif "$i" in value:
            attribute["value"] = {"intValue": _column(row, value["$i"])}


def _column(row: dict[str, Any], column: str) -> Any:
    value = row.get(column)
    if value is None:
        raise ValueError(
            f"span {row.get('span_id')} of trace {row.get('trace_id')} points to column {column!r}, "
            "which its index row lacks; the index file is damaged or was written by a newer Gravity"
        )
    return value

"""Flat Parquet columns for a call, and back.

Scalars are columns of their own; the system instructions, messages and tool definitions
go into one JSON column, ``messages_json``, read back by ``messages_from_json``.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import fields
from typing import Any, NamedTuple

import orjson
import pyarrow as pa

from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition

CALL_SCHEMA = pa.schema(
    [
        pa.field("trace_id", pa.string(), nullable=False),
        pa.field("span_id", pa.string(), nullable=False),
        pa.field("family", pa.string(), nullable=False),
        pa.field("family_version", pa.string()),
        pa.field("is_model_call", pa.bool_(), nullable=False),
        pa.field("operation", pa.string()),
        pa.field("provider", pa.string()),
        pa.field("request_model", pa.string()),
        pa.field("response_model", pa.string()),
        pa.field("input_tokens", pa.int64()),
        pa.field("output_tokens", pa.int64()),
        pa.field("cache_read_tokens", pa.int64()),
        pa.field("cache_write_tokens", pa.int64()),
        pa.field("reasoning_tokens", pa.int64()),
        pa.field("total_tokens", pa.int64()),
        pa.field("cost_usd", pa.float64()),
        pa.field("cost_source", pa.string()),
        pa.field("latency_ms", pa.float64()),
        pa.field("time_to_first_token_ms", pa.float64()),
        pa.field("streaming", pa.bool_()),
        pa.field("status", pa.string()),
        pa.field("error", pa.string()),
        pa.field("finish_reasons", pa.list_(pa.string())),
        pa.field("session_id", pa.string()),
        pa.field("user_id", pa.string()),
        pa.field("truncated", pa.bool_(), nullable=False),
        pa.field("content_source", pa.string()),
        pa.field("messages_json", pa.string()),
    ]
)

_CONTENT_FIELDS = ("system_instructions", "input_messages", "output_messages", "tool_definitions")
_SCALAR_FIELDS = tuple(field.name for field in fields(LlmCall) if field.name not in _CONTENT_FIELDS)


class CallContent(NamedTuple):
    """The content fields of a call, as read back from ``messages_json``."""

    system_instructions: list[Part]
    input_messages: list[Message]
    output_messages: list[Message]
    tool_definitions: list[ToolDefinition]


def call_columns(call: LlmCall) -> dict[str, Any]:
    """Return the column values of ``CALL_SCHEMA`` for one call."""
    columns = {name: getattr(call, name) for name in _SCALAR_FIELDS}
    columns["finish_reasons"] = list(call.finish_reasons)
    columns["messages_json"] = messages_to_json(call)
    return columns


def calls_table(calls: list[LlmCall]) -> pa.Table:
    """Build an Arrow table with ``CALL_SCHEMA`` from calls."""
    return pa.Table.from_pylist([call_columns(call) for call in calls], schema=CALL_SCHEMA)


def messages_to_json(call: LlmCall) -> str | None:
    """Serialize the call's content fields; empty fields and unset attributes are left out."""
    document: dict[str, list[dict[str, Any]]] = {}
    if call.system_instructions:
        document["system_instructions"] = [_part_dict(part) for part in call.system_instructions]
    if call.input_messages:
        document["input_messages"] = [_message_dict(message) for message in call.input_messages]
    if call.output_messages:
        document["output_messages"] = [_message_dict(message) for message in call.output_messages]
    if call.tool_definitions:
        document["tool_definitions"] = [_tool_dict(tool) for tool in call.tool_definitions]
    if not document:
        return None
    return orjson.dumps(document, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()


def messages_from_json(text: str | bytes | None) -> CallContent:
    """Rebuild the content fields from ``messages_json``; None or "" gives empty lists."""
    document = orjson.loads(text) if text else {}
    if not isinstance(document, Mapping):
        raise ValueError(f"messages_json must be a JSON object, got {type(document).__name__}")
    return CallContent(
        system_instructions=[Part(**part) for part in document.get("system_instructions", ())],
        input_messages=[_message(message) for message in document.get("input_messages", ())],
        output_messages=[_message(message) for message in document.get("output_messages", ())],
        tool_definitions=[ToolDefinition(**tool) for tool in document.get("tool_definitions", ())],
    )


def call_from_columns(columns: Mapping[str, Any]) -> LlmCall:
    """Rebuild a call from its column values (a row of ``CALL_SCHEMA``)."""
    values = {name: columns[name] for name in _SCALAR_FIELDS if name in columns}
    values["finish_reasons"] = list(columns.get("finish_reasons") or ())
    content = messages_from_json(columns.get("messages_json"))
    return LlmCall(**values, **content._asdict())


def _message(data: Mapping[str, Any]) -> Message:
    parts = [Part(**part) for part in data.get("parts", ())]
    return Message(role=data["role"], parts=parts, finish_reason=data.get("finish_reason"))


# Field names in declaration order, read once: dataclasses.fields() is slow to call per part.
_PART_FIELDS = tuple(field.name for field in fields(Part))
_TOOL_FIELDS = tuple(field.name for field in fields(ToolDefinition))


def _part_dict(part: Part) -> dict[str, Any]:
    return _set_fields(part, _PART_FIELDS)


def _message_dict(message: Message) -> dict[str, Any]:
    data: dict[str, Any] = {"role": message.role, "parts": [_part_dict(part) for part in message.parts]}
    if message.finish_reason is not None:
        data["finish_reason"] = message.finish_reason
    return data


def _tool_dict(tool: ToolDefinition) -> dict[str, Any]:
    return _set_fields(tool, _TOOL_FIELDS)


def _set_fields(instance: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """Return the fields of ``instance`` named in ``names`` that are not None, in that order."""
    values = {}
    for name in names:
        value = getattr(instance, name)
        if value is not None:
            values[name] = value
    return values


def _json_default(value: Any) -> Any:
    # Tool arguments parsed from Python reprs may hold tuples, sets or bytes. Anything else
    # that JSON cannot hold is kept as its repr, so one odd value does not fail the row.
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, tuple | set | frozenset):
        return list(value)
    return repr(value)

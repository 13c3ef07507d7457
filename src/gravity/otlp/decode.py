"""Decode OTLP payloads (JSON or protobuf) into normalized records.

The OTLP JSON rules followed here come from the OTLP specification
(opentelemetry-proto, docs/specification.md): ids are hex strings, enums are integers,
64-bit integers arrive as decimal strings or as numbers, unknown fields are ignored, and a
missing field means its default.
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from gravity.otlp.model import LOGS, TRACES, Json, Record


class InvalidOtlp(ValueError):
    """The payload is not OTLP; the message names the field and the problem."""


_INT_FIELDS_SPAN = ("startTimeUnixNano", "endTimeUnixNano")
_INT_FIELDS_LOG = ("timeUnixNano", "observedTimeUnixNano")


def decode_json(data: bytes) -> Json:
    try:
        document = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidOtlp(f"invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InvalidOtlp(f"expected a JSON object at the top level, got {type(document).__name__}")
    return document


def decode_protobuf(data: bytes, signal: str) -> Json:
    """Parse an Export*ServiceRequest and return it in the OTLP JSON mapping."""
    from google.protobuf.json_format import MessageToDict
    from google.protobuf.message import DecodeError

    from gravity.otlp.proto import request_class

    message = request_class(signal)()
    try:
        message.ParseFromString(data)
    except DecodeError as exc:
        raise InvalidOtlp(f"invalid OTLP protobuf ({signal}): {exc}") from None
    document = MessageToDict(message, use_integers_for_enums=True)
    ids_base64_to_hex(document)
    return document


def ids_base64_to_hex(node: Any) -> None:
    # MessageToDict writes bytes fields as base64; OTLP JSON writes ids as hex.
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                node[key] = base64.b64decode(value).hex()
            elif key == "value" or key == "body":
                continue  # AnyValue bytesValue stays base64, as in OTLP JSON
            else:
                ids_base64_to_hex(value)
    elif isinstance(node, list):
        for value in node:
            ids_base64_to_hex(value)


def detect_signal(document: Json) -> str:
    if "resourceSpans" in document:
        return TRACES
    if "resourceLogs" in document:
        return LOGS
    keys = ", ".join(sorted(document)[:5]) or "none"
    raise InvalidOtlp(f"neither 'resourceSpans' nor 'resourceLogs' found (top-level keys: {keys})")


def records_from_document(document: Json) -> list[Record]:
    """Flatten an OTLP document into records, each with its resource and scope."""
    signal = detect_signal(document)
    groups_key, scopes_key, items_key = (
        ("resourceSpans", "scopeSpans", "spans")
        if signal == TRACES
        else ("resourceLogs", "scopeLogs", "logRecords")
    )
    normalize_item = _normalize_span if signal == TRACES else _normalize_log

    records: list[Record] = []
    for group_index, group in enumerate(_list(document, groups_key, groups_key)):
        where = f"{groups_key}[{group_index}]"
        group = _dict(group, where)
        resource = {"resource": _dict(group.get("resource", {}), f"{where}.resource")}
        _normalize_attributes(resource["resource"], f"{where}.resource")
        if group.get("schemaUrl"):
            resource["schemaUrl"] = group["schemaUrl"]

        for scope_index, scope_group in enumerate(_list(group, scopes_key, where)):
            scope_where = f"{where}.{scopes_key}[{scope_index}]"
            scope_group = _dict(scope_group, scope_where)
            scope = {"scope": _dict(scope_group.get("scope", {}), f"{scope_where}.scope")}
            _normalize_attributes(scope["scope"], f"{scope_where}.scope")
            if scope_group.get("schemaUrl"):
                scope["schemaUrl"] = scope_group["schemaUrl"]

            for item_index, item in enumerate(_list(scope_group, items_key, scope_where)):
                item_where = f"{scope_where}.{items_key}[{item_index}]"
                item = _dict(item, item_where)
                normalize_item(item, item_where)
                records.append(Record(signal, resource, scope, item))
    return records


def _list(container: Json, key: str, where: str) -> list[Any]:
    value = container.get(key, [])
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidOtlp(f"{where}: '{key}' must be a list, got {type(value).__name__}")
    return value


def _dict(value: Any, where: str) -> Json:
    if not isinstance(value, dict):
        raise InvalidOtlp(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _int(item: Json, key: str, where: str) -> None:
    value = item.get(key)
    if value is None or isinstance(value, int):
        return
    try:
        item[key] = int(value)
    except (TypeError, ValueError):
        raise InvalidOtlp(f"{where}.{key}: expected an integer, got {value!r}") from None


def _hex_id(item: Json, key: str, length: int, where: str) -> None:
    value = item.get(key)
    if value is None:
        return
    if not isinstance(value, str):
        raise InvalidOtlp(f"{where}.{key}: expected a hex string, got {type(value).__name__}")
    if value == "":
        del item[key]  # an empty id is the default: absent
        return
    if len(value) != length:
        raise InvalidOtlp(f"{where}.{key}: expected {length} hex digits, got {value!r}")
    try:
        bytes.fromhex(value)
    except ValueError:
        raise InvalidOtlp(f"{where}.{key}: not hex: {value!r}") from None
    item[key] = value.lower()


def _normalize_span(span: Json, where: str) -> None:
    _hex_id(span, "traceId", 32, where)
    _hex_id(span, "spanId", 16, where)
    _hex_id(span, "parentSpanId", 16, where)
    for key in _INT_FIELDS_SPAN:
        _int(span, key, where)
    _normalize_attributes(span, where)
    for index, event in enumerate(_list(span, "events", where)):
        event_where = f"{where}.events[{index}]"
        _int(_dict(event, event_where), "timeUnixNano", event_where)
        _normalize_attributes(event, event_where)
    for index, link in enumerate(_list(span, "links", where)):
        link_where = f"{where}.links[{index}]"
        _dict(link, link_where)
        _hex_id(link, "traceId", 32, link_where)
        _hex_id(link, "spanId", 16, link_where)
        _normalize_attributes(link, link_where)


def _normalize_log(log: Json, where: str) -> None:
    _hex_id(log, "traceId", 32, where)
    _hex_id(log, "spanId", 16, where)
    for key in _INT_FIELDS_LOG:
        _int(log, key, where)
    if "body" in log:
        _normalize_value(log["body"], f"{where}.body")
    _normalize_attributes(log, where)


def _normalize_attributes(owner: Json, where: str) -> None:
    attributes = _list(owner, "attributes", where)
    if not _normalize_scalar_attributes(attributes):
        _normalize_attributes_at(attributes, where)


def _normalize_scalar_attributes(attributes: list[Any]) -> bool:
    """Normalize a list of attributes with scalar values; return False at the first other one.

    This skips building each attribute's location, which only an error message needs. After
    False, ``_normalize_attributes_at`` goes over the whole list again, and normalizing an
    attribute twice does no harm.
    """
    for attribute in attributes:
        if type(attribute) is not dict or type(attribute.get("key")) is not str:
            return False
        value = attribute.get("value")
        if type(value) is not dict:
            return False
        if "stringValue" in value:
            if type(value["stringValue"]) is not str:
                return False
        elif "intValue" in value:
            number = value["intValue"]
            if type(number) is str and number.isascii() and number.isdigit():
                value["intValue"] = int(number)
            elif type(number) is not int:
                return False
        elif "arrayValue" in value or "kvlistValue" in value:
            return False
    return True


def _normalize_attributes_at(attributes: list[Any], where: str) -> None:
    for index, attribute in enumerate(attributes):
        if not isinstance(attribute, dict) or not isinstance(attribute.get("key"), str):
            raise InvalidOtlp(f"{where}.attributes[{index}]: expected {{key, value}}")
        value = attribute.get("value")
        if value is None:
            attribute["value"] = {}
        else:
            _normalize_value(value, f"{where}.attributes[{index}]")


def _normalize_value(value: Any, where: str) -> None:
    if not isinstance(value, dict):
        raise InvalidOtlp(f"{where}: expected an AnyValue object, got {type(value).__name__}")
    if "stringValue" in value:
        if not isinstance(value["stringValue"], str):
            raise InvalidOtlp(f"{where}.stringValue: expected a string")
    elif "intValue" in value:
        _int(value, "intValue", where)
    elif "arrayValue" in value:
        for index, element in enumerate(_list(_dict(value["arrayValue"], where), "values", where)):
            _normalize_value(element, f"{where}.arrayValue[{index}]")
    elif "kvlistValue" in value:
        for index, pair in enumerate(_list(_dict(value["kvlistValue"], where), "values", where)):
            if not isinstance(pair, dict) or not isinstance(pair.get("key"), str):
                raise InvalidOtlp(f"{where}.kvlistValue[{index}]: expected {{key, value}}")
            if pair.get("value") is None:
                pair["value"] = {}
            else:
                _normalize_value(pair["value"], f"{where}.kvlistValue[{index}]")

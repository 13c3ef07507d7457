"""Check an export request item by item and prepare the bytes that go into a raw file.

A request whose body does not parse is rejected whole (InvalidOtlp, and a 400 response).
Inside a request that parses, a span or log record that cannot be stored (one with a
malformed trace id, say) is dropped and counted, and the rest is accepted. The client then
gets an OTLP partial success that names the first problems.

Each accepted request becomes one *part*. Parts of the same signal, tenant and marshaler can
be joined into one raw file with ``join_parts``:

- protobuf: a part is a serialized Export*ServiceRequest. Concatenated protobuf messages
  parse as one message whose repeated fields are appended, so parts are joined as they are.
  A request that needs no change is stored as the exact bytes it arrived in.
- JSON: a part is the request's resource groups as JSON array elements without the
  brackets, and ``join_parts`` frames them as one ``{"resourceSpans": [...]}`` document.
  The groups are written as normalized for checking (64-bit integers as numbers, ids in
  lower case, unknown top-level fields dropped), which parses to the same protobuf message.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from google.protobuf.message import DecodeError

from gravity.otlp.decode import InvalidOtlp, decode_json, records_from_document
from gravity.otlp.model import LOGS, TRACES, Json
from gravity.otlp.proto import request_class
from gravity.receiver.decoding import JSON, PROTOBUF

# The resource attribute that names a span's tenant. With API keys configured, the key's
# org replaces its value, so the payload and the raw file's prefix agree.
ORG_ATTRIBUTE = "org_id"

# A partial-success message lists this many problems, then counts the rest.
MAX_LISTED_PROBLEMS = 3


@dataclass(frozen=True)
class SignalShape:
    signal: str
    groups_key: str  # OTLP JSON names
    scopes_key: str
    items_key: str
    groups_field: str  # protobuf field names
    scopes_field: str
    items_field: str
    ids_required: bool  # spans need trace and span ids; log records may have neither


SHAPES = {
    TRACES: SignalShape(
        TRACES, "resourceSpans", "scopeSpans", "spans",
        "resource_spans", "scope_spans", "spans", ids_required=True,
    ),
    LOGS: SignalShape(
        LOGS, "resourceLogs", "scopeLogs", "logRecords",
        "resource_logs", "scope_logs", "log_records", ids_required=False,
    ),
}


@dataclass(frozen=True)
class AcceptedPayload:
    signal: str
    marshaler: str
    part: bytes  # empty when no item was accepted
    accepted: int
    rejected: int
    error_message: str  # why items were rejected; empty when none was


def accept_payload(body: bytes, signal: str, marshaler: str, org: str | None) -> AcceptedPayload:
    """Parse ``body``, drop the items that cannot be stored and prepare the rest as a part.

    With ``org`` set (the tenant of the request's API key), every ``org_id`` resource
    attribute is rewritten to it. Raises InvalidOtlp when the body is not an OTLP request.
    """
    shape = SHAPES[signal]
    if marshaler == PROTOBUF:
        return _accept_protobuf(body, shape, org)
    if marshaler == JSON:
        return _accept_json(body, shape, org)
    raise ValueError(f"unknown marshaler {marshaler!r}")


def join_parts(signal: str, marshaler: str, parts: list[bytes]) -> bytes:
    """Join the parts of several requests into the bytes of one raw file."""
    if marshaler == PROTOBUF:
        return b"".join(parts)
    groups_key = SHAPES[signal].groups_key.encode()
    return b'{"' + groups_key + b'":[' + b",".join(parts) + b"]}"


def _problem_summary(problems: list[str], rejected: int, total: int, noun: str) -> str:
    if not rejected:
        return ""
    listed = "; ".join(problems[:MAX_LISTED_PROBLEMS])
    more = len(problems) - MAX_LISTED_PROBLEMS
    suffix = f"; and {more} more" if more > 0 else ""
    return f"rejected {rejected} of {total} {noun}: {listed}{suffix}"


# -- protobuf -----------------------------------------------------------------------------


def _accept_protobuf(body: bytes, shape: SignalShape, org: str | None) -> AcceptedPayload:
    message = request_class(shape.signal)()
    try:
        message.ParseFromString(body)
    except DecodeError as exc:
        raise InvalidOtlp(f"invalid OTLP protobuf {message.DESCRIPTOR.name}: {exc}") from None

    problems: list[str] = []
    total = 0
    for group_index, group in enumerate(getattr(message, shape.groups_field)):
        for scope_index, scope in enumerate(getattr(group, shape.scopes_field)):
            items = getattr(scope, shape.items_field)
            total += len(items)
            where = f"{shape.groups_key}[{group_index}].{shape.scopes_key}[{scope_index}]"
            bad = _invalid_protobuf_items(items, shape, where, problems)
            for index in reversed(bad):
                del items[index]
    rejected = len(problems)

    rewritten = _rewrite_protobuf_org(message, shape, org) if org else False
    if total == rejected:
        part = b""
    elif rejected or rewritten:
        part = message.SerializeToString()
    else:
        part = body
    return AcceptedPayload(
        shape.signal, PROTOBUF, part, total - rejected, rejected,
        _problem_summary(problems, rejected, total, shape.items_key),
    )


def _invalid_protobuf_items(
    items: Any, shape: SignalShape, where: str, problems: list[str]
) -> list[int]:
    bad: list[int] = []
    for index, item in enumerate(items):
        problem = _id_problem(item.trace_id, 16, "traceId", shape.ids_required) or _id_problem(
            item.span_id, 8, "spanId", shape.ids_required
        )
        if problem is None and shape.signal == TRACES:
            problem = _id_problem(item.parent_span_id, 8, "parentSpanId", required=False)
        if problem is not None:
            problems.append(f"{where}.{shape.items_key}[{index}].{problem}")
            bad.append(index)
    return bad


def _id_problem(value: bytes, length: int, name: str, required: bool) -> str | None:
    if not value:
        return f"{name}: missing" if required else None
    if len(value) != length:
        return f"{name}: expected {length} bytes, got {len(value)}"
    if not any(value):
        return f"{name}: all zero, which OTLP defines as invalid"
    return None


def _rewrite_protobuf_org(message: Any, shape: SignalShape, org: str) -> bool:
    rewritten = False
    for group in getattr(message, shape.groups_field):
        for attribute in group.resource.attributes:
            if attribute.key == ORG_ATTRIBUTE and attribute.value.string_value != org:
                attribute.value.Clear()
                attribute.value.string_value = org
                rewritten = True
    return rewritten


# -- JSON ---------------------------------------------------------------------------------


def _accept_json(body: bytes, shape: SignalShape, org: str | None) -> AcceptedPayload:
    document = decode_json(body)

    # OTLP/JSON receivers "MUST ignore message fields with unknown names" (OTLP
    # specification, JSON Protobuf Encoding), so only the signal's own list is kept.
    groups = document.get(shape.groups_key) or []
    # Unknown fields are ignored, but a body of the other signal is a mistake worth a 400:
    # accepted as empty, its data would be lost without a word.
    for other in SHAPES.values():
        if other is not shape and not groups and document.get(other.groups_key):
            endpoint = "/v1/traces" if other.signal == TRACES else "/v1/logs"
            raise InvalidOtlp(f"the body holds '{other.groups_key}', not '{shape.groups_key}'; send it to {endpoint}")
    if not isinstance(groups, list):
        raise InvalidOtlp(f"'{shape.groups_key}' must be a list, got {type(groups).__name__}")
    _check_envelopes(groups, shape)

    problems: list[str] = []
    total = 0
    for group_index, group in enumerate(groups):
        for scope_index, scope in enumerate(group.get(shape.scopes_key) or []):
            items = scope.get(shape.items_key) or []
            total += len(items)
            where = f"{shape.groups_key}[{group_index}].{shape.scopes_key}[{scope_index}]"
            kept = [
                item
                for index, item in enumerate(items)
                if _json_item_ok(item, shape, f"{where}.{shape.items_key}[{index}]", problems)
            ]
            if len(kept) != len(items):
                scope[shape.items_key] = kept
    rejected = len(problems)

    if org:
        _rewrite_json_org(groups, org)
    part = orjson.dumps(groups)[1:-1] if total > rejected else b""
    return AcceptedPayload(
        shape.signal, JSON, part, total - rejected, rejected,
        _problem_summary(problems, rejected, total, shape.items_key),
    )


def _check_envelopes(groups: list[Any], shape: SignalShape) -> None:
    """Check the resources and scopes, whose errors make the whole request invalid."""
    # Normalize a copy of the structure without the items: it shares the resource and
    # scope objects, which get normalized in place, and items are checked one by one later.
    skeleton: list[Any] = []
    for group in groups:
        scopes = group.get(shape.scopes_key) if isinstance(group, dict) else None
        if not isinstance(scopes, list):
            skeleton.append(group)  # records_from_document names the bad value
            continue
        bare_scopes = [
            {key: value for key, value in scope.items() if key != shape.items_key}
            if isinstance(scope, dict)
            else scope
            for scope in scopes
        ]
        skeleton.append({**group, shape.scopes_key: bare_scopes})
    records_from_document({shape.groups_key: skeleton})

    for group_index, group in enumerate(groups):
        for scope_index, scope in enumerate(group.get(shape.scopes_key) or []):
            items = scope.get(shape.items_key)
            if items is not None and not isinstance(items, list):
                raise InvalidOtlp(
                    f"{shape.groups_key}[{group_index}].{shape.scopes_key}[{scope_index}]: "
                    f"'{shape.items_key}' must be a list, got {type(items).__name__}"
                )


def _json_item_ok(item: Any, shape: SignalShape, where: str, problems: list[str]) -> bool:
    # Run the shared normalization on the item alone, then put its position into the
    # message, which names the position inside the one-item document.
    probe_where = f"{shape.groups_key}[0].{shape.scopes_key}[0].{shape.items_key}[0]"
    probe = {shape.groups_key: [{shape.scopes_key: [{shape.items_key: [item]}]}]}
    try:
        records_from_document(probe)
    except InvalidOtlp as exc:
        problems.append(str(exc).replace(probe_where, where, 1))
        return False

    problem = _json_id_problem(item, "traceId", shape.ids_required) or _json_id_problem(
        item, "spanId", shape.ids_required
    )
    if problem is not None:
        problems.append(f"{where}.{problem}")
        return False
    return True


def _json_id_problem(item: Json, key: str, required: bool) -> str | None:
    # records_from_document has checked the length and the hex digits of present ids.
    value = item.get(key)
    if not value:
        return f"{key}: missing" if required else None
    if not value.strip("0"):
        return f"{key}: all zero, which OTLP defines as invalid"
    return None


def _rewrite_json_org(groups: list[Json], org: str) -> None:
    for group in groups:
        for attribute in group.get("resource", {}).get("attributes", []):
            if attribute.get("key") == ORG_ATTRIBUTE:
                attribute["value"] = {"stringValue": org}

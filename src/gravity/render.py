"""Readable text views of a reconstructed trace."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

SPAN_KINDS = {0: "UNSPECIFIED", 1: "INTERNAL", 2: "SERVER", 3: "CLIENT", 4: "PRODUCER", 5: "CONSUMER"}
STATUS_CODES = {0: "UNSET", 1: "OK", 2: "ERROR"}


def _value_text(value: dict[str, Any]) -> str:
    if "stringValue" in value:
        return str(value["stringValue"])
    if "arrayValue" in value:
        return "[" + ", ".join(_value_text(v) for v in value["arrayValue"].get("values", [])) + "]"
    if "kvlistValue" in value:
        pairs = value["kvlistValue"].get("values", [])
        return "{" + ", ".join(f"{p['key']}: {_value_text(p.get('value', {}))}" for p in pairs) + "}"
    for kind in ("intValue", "doubleValue", "boolValue", "bytesValue"):
        if kind in value:
            return str(value[kind])
    return ""



SpanWithOrigin = tuple[dict[str, Any], str, dict[str, Any]]  # span, service name, scope


def _spans_with_origin(document: dict[str, Any]) -> list[SpanWithOrigin]:
    spans = []
    for group in document.get("resourceSpans", []):
        resource_attributes = group.get("resource", {}).get("attributes", [])
        service = next((a["value"].get("stringValue") for a in resource_attributes if a["key"] == "service.name"), "?")
        for scope_group in group.get("scopeSpans", []):
            for span in scope_group.get("spans", []):
                spans.append((span, service, scope_group.get("scope", {})))
    return spans


def _tree_order(spans: list[SpanWithOrigin]) -> list[SpanWithOrigin]:
    """Order spans depth first from their roots; a span whose parent is absent is a root."""
    known = {entry[0].get("spanId") for entry in spans}
    children: dict[str | None, list[SpanWithOrigin]] = {}
    for entry in spans:
        parent = entry[0].get("parentSpanId") or None
        children.setdefault(parent if parent in known else None, []).append(entry)

    ordered: list[SpanWithOrigin] = []
    visited: set[int] = set()
    stack = sorted(children.get(None, []), key=_start, reverse=True)
    while stack:
        entry = stack.pop()
        if id(entry[0]) in visited:
            continue  # a span listed twice, or a cycle of parent ids
        visited.add(id(entry[0]))
        ordered.append(entry)
        stack.extend(sorted(children.get(entry[0].get("spanId"), []), key=_start, reverse=True))
    # Spans in a cycle of parent ids have no root; they still appear, in arrival order.
    ordered.extend(entry for entry in spans if id(entry[0]) not in visited)
    return ordered


def _start(entry: SpanWithOrigin) -> int:
    return int(entry[0].get("startTimeUnixNano", 0) or 0)

def _time(nanoseconds: int) -> str:
    return datetime.fromtimestamp(nanoseconds / 1e9, timezone.utc).isoformat(timespec="microseconds")


def render_text(document: dict[str, Any]) -> str:
    """Render each span with its ids, timing, status, attributes and events, then each log record.

    Spans come in tree order (a parent before its children, siblings by start time), not in
    the order they arrived: exporters send a parent after its children, when it ends.
    """
    lines: list[str] = []
    for span, service, scope in _tree_order(_spans_with_origin(document)):
        start = int(span.get("startTimeUnixNano", 0))
        end = int(span.get("endTimeUnixNano", 0))
        status = span.get("status", {})
        lines.append(f"== {span.get('name', '')}  [{service} / {scope.get('name', '')}]")
        lines.append(
            f"   span {span.get('spanId', '')}  parent {span.get('parentSpanId', '-')}  "
            f"kind {SPAN_KINDS.get(span.get('kind', 0), span.get('kind'))}"
        )
        lines.append(f"   {_time(start)}  {(end - start) / 1e6:.1f} ms  status {STATUS_CODES.get(status.get('code', 0), status.get('code'))}"
                     + (f": {status['message']}" if status.get("message") else ""))
        for attribute in span.get("attributes", []):
            lines.append(f"   {attribute['key']} = {_value_text(attribute.get('value', {}))}")
        for event in span.get("events", []):
            lines.append(f"   event {event.get('name', '')} at {_time(int(event.get('timeUnixNano', 0)))}")
            for attribute in event.get("attributes", []):
                lines.append(f"      {attribute['key']} = {_value_text(attribute.get('value', {}))}")
        lines.append("")
    for group in document.get("resourceLogs", []):
        for scope_group in group.get("scopeLogs", []):
            for record in scope_group.get("logRecords", []):
                name = record.get("eventName") or next(
                    (a["value"].get("stringValue") for a in record.get("attributes", []) if a["key"] == "event.name"), "log"
                )
                when = int(record.get("timeUnixNano") or record.get("observedTimeUnixNano") or 0)
                lines.append(f"-- log {name}  span {record.get('spanId', '-')}  {_time(when)}")
                if "body" in record:
                    lines.append(f"   body = {_value_text(record['body'])}")
                for attribute in record.get("attributes", []):
                    lines.append(f"   {attribute['key']} = {_value_text(attribute.get('value', {}))}")
                lines.append("")
    return "\n".join(lines)


def render_conversations(document: dict[str, Any], trace_id: str) -> str:
    """Render each LLM call of a trace as a conversation, its log events joined.

    ``document`` is a trace with its log records, as ``TraceReader.trace_with_logs`` returns.
    """
    from gravity.normalize import normalize_records
    from gravity.normalize.render import render_messages
    from gravity.otlp.decode import records_from_document

    records = records_from_document({"resourceSpans": document.get("resourceSpans", [])})
    if document.get("resourceLogs"):
        records += records_from_document({"resourceLogs": document["resourceLogs"]})
    calls = [call for call in normalize_records(records) if call.is_model_call]
    if not calls:
        return f"trace {trace_id} has no LLM call that Gravity recognises; try --format text"
    return "\n\n".join(render_messages(call) for call in calls)

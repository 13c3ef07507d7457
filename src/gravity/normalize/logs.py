"""Join OTel GenAI log events to the call of their span.

Two kinds of log records carry content that is not on the span:

* per-message events of semconv 1.28-1.36 (``gen_ai.system.message``, ``gen_ai.user.message``,
  ``gen_ai.assistant.message``, ``gen_ai.tool.message``, ``gen_ai.choice``), one record per
  message, with the message in the record's ``body``;
* ``gen_ai.client.inference.operation.details`` (1.37+), one record per call, with the
  messages as structured AnyValues in its attributes.

The event name is the record's ``eventName`` field (OTLP 1.5+) or, from older SDKs, its
``event.name`` attribute. A record belongs to the span with the same trace id and span id.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from gravity.normalize.costs import apply_price
from gravity.normalize.messages import CHOICE_EVENT, EVENT_ROLES, message_from_event
from gravity.normalize.model import LlmCall, Message
from gravity.normalize.span_fields import read_gen_ai, read_semconv_content
from gravity.normalize.values import any_value, attribute_map, parse_structured, to_int, to_str
from gravity.otlp.model import LOGS, Record

DETAILS_EVENT = "gen_ai.client.inference.operation.details"
GEN_AI_EVENTS = frozenset({*EVENT_ROLES, CHOICE_EVENT, DETAILS_EVENT})

SpanKey = tuple[str, str]  # (trace id, span id), lowercase hex

_SCALAR_FIELDS = (
    "operation",
    "provider",
    "request_model",
    "response_model",
    "input_tokens",
    "output_tokens",
    "cache_read_tokens",
    "cache_write_tokens",
    "reasoning_tokens",
    "total_tokens",
    "session_id",
    "user_id",
)
_CONTENT_FIELDS = ("system_instructions", "input_messages", "output_messages", "tool_definitions")


def event_name(record: Record) -> str | None:
    """Return a log record's event name, from ``eventName`` or the ``event.name`` attribute."""
    name = to_str(record.item.get("eventName"))
    if name:
        return name
    for attribute in record.item.get("attributes") or ():
        if isinstance(attribute, Mapping) and attribute.get("key") == "event.name":
            return to_str(any_value(attribute.get("value")))
    return None


def span_key(record: Record) -> SpanKey | None:
    """Return ``(trace id, span id)`` of a record, or None when either is missing."""
    trace_id = record.trace_id.lower()
    span_id = record.span_id.lower()
    return (trace_id, span_id) if trace_id and span_id else None


def is_gen_ai_log(record: Record) -> bool:
    """Tell whether a record is a GenAI log event that can be joined to a span."""
    return record.signal == LOGS and span_key(record) is not None and event_name(record) in GEN_AI_EVENTS


def merge_log_records(call: LlmCall, log_records: Iterable[Record]) -> LlmCall:
    """Merge the GenAI log events of the call's span into ``call`` and return it.

    Records of other spans and other events are ignored. Pass every log record known for the
    span, in arrival order: content read from logs is rebuilt from the records given, and
    replaces content an earlier merge read from logs. Content the span itself carried wins:
    logs then fill only the fields the span left empty. Scalars (model, tokens, ids) fill
    only unset fields. A call priced from neither the span nor the price table is priced
    again when the logs brought its model or token counts.
    """
    key = (call.trace_id.lower(), call.span_id.lower())
    records = [record for record in log_records if is_gen_ai_log(record) and span_key(record) == key]
    if not records:
        return call

    from_logs = _call_from_logs(call, records)
    for name in _SCALAR_FIELDS:
        if getattr(call, name) is None:
            setattr(call, name, getattr(from_logs, name))
    if not call.finish_reasons:
        call.finish_reasons = from_logs.finish_reasons

    span_has_content = call.content_source == "span"
    merged = False
    for name in _CONTENT_FIELDS:
        value = getattr(from_logs, name)
        if not value or (span_has_content and getattr(call, name)):
            continue
        setattr(call, name, value)
        merged = True
    if merged and not span_has_content:
        call.content_source = "logs"

    if call.is_model_call and call.cost_usd is None:
        apply_price(call, _log_time(records[0]))
    return call


def _call_from_logs(call: LlmCall, records: list[Record]) -> LlmCall:
    result = LlmCall(trace_id=call.trace_id, span_id=call.span_id, family=call.family)
    inputs: list[Message] = []
    choices: list[tuple[int, Message]] = []
    for record in records:
        name = event_name(record) or ""
        if name == DETAILS_EVENT:
            attributes = attribute_map(record.item.get("attributes"))
            read_gen_ai(attributes, result)
            read_semconv_content(attributes, result, source="logs")
            continue
        body = _body(record)
        read = message_from_event(name, body)
        if read is None:
            continue
        if read[0] == "output":
            index = to_int(body.get("index")) if isinstance(body, Mapping) else None
            choices.append((index if index is not None else len(choices), read[1]))
        else:
            inputs.append(read[1])
        if result.provider is None:
            read_gen_ai(attribute_map(record.item.get("attributes")), result)

    if inputs and not result.input_messages:
        result.input_messages = inputs
    if choices and not result.output_messages:
        result.output_messages = [message for _, message in sorted(choices, key=lambda pair: pair[0])]
    if not result.finish_reasons:
        result.finish_reasons = [message.finish_reason for message in result.output_messages if message.finish_reason]
    return result


def _body(record: Record) -> Any:
    body = any_value(record.item.get("body"))
    if isinstance(body, str):
        structured = parse_structured(body)
        if isinstance(structured, Mapping):
            return structured
    return body


def _log_time(record: Record) -> int | None:
    return to_int(record.item.get("timeUnixNano")) or to_int(record.item.get("observedTimeUnixNano")) or None

"""Langfuse Python SDK spans (the SDK is built on OpenTelemetry since v3). Key names are those
of a recorded 5.2.0 run.

Every span is an observation with ``langfuse.observation.type``. Generations and embeddings
are model calls, agents and chains wrap them, and the other types (span, tool, retriever,
event and so on) are not calls.

``langfuse.observation.input`` and ``.output`` hold JSON text for structured values but the
bare text for a string, so a string is never parsed as JSON: text that only looks like JSON
(``42``, ``true``) stays text.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from gravity.normalize.families._flat import (
    chat_message,
    chat_messages,
    provider_response,
    read_usage_dict,
    responses_items,
    text_part,
    text_parts,
)
from gravity.normalize.messages import tool_definitions_from
from gravity.normalize.model import LlmCall, Message
from gravity.normalize.span_fields import AttributeKeys, is_family_span, new_call, span_attributes
from gravity.normalize.values import (
    Attributes,
    json_text,
    parse_json,
    parse_structured,
    to_bool,
    to_float,
    to_int,
    to_str,
)
from gravity.otlp.model import TRACES, Record

FAMILY = "langfuse"

_SCOPE_NAME = "langfuse-sdk"
_KEY_PREFIX = "langfuse."
OBSERVATION = "langfuse.observation."

_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)

# Observation types that are model calls, and the operation each stands for.
_MODEL_OPERATIONS = {"generation": "chat", "embedding": "embeddings"}
# Observation types that wrap model calls: kept as rows, but not counted as calls.
_RUN_OPERATIONS = {"agent": "invoke_agent", "chain": "chain"}


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    return is_family_span(record, _SCOPE_NAME, lambda found: found.has_prefix(_KEY_PREFIX), keys)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    if record.signal != TRACES:
        return None
    fields = span_attributes(record) if attributes is None else attributes
    observation_type = (to_str(fields.get(OBSERVATION + "type")) or "span").lower()
    if observation_type not in _MODEL_OPERATIONS and observation_type not in _RUN_OPERATIONS:
        return None

    call = new_call(record, FAMILY)
    call.is_model_call = observation_type in _MODEL_OPERATIONS
    call.operation = _MODEL_OPERATIONS.get(observation_type) or _RUN_OPERATIONS[observation_type]
    call.session_id = to_str(fields.get("session.id"))
    call.user_id = to_str(fields.get("user.id"))
    _read_level(call, fields)
    if not call.is_model_call:
        return call

    # The generation's model name is the one the integration reported: the OpenAI wrapper
    # reports the response's model. Langfuse records no provider and no request model.
    call.response_model = to_str(fields.get(OBSERVATION + "model.name"))
    parameters = parse_json(fields.get(OBSERVATION + "model.parameters"))
    if isinstance(parameters, Mapping):
        call.streaming = to_bool(parameters.get("stream"))
    read_usage_dict(call, parse_json(fields.get(OBSERVATION + "usage_details")))
    _read_cost(call, parse_json(fields.get(OBSERVATION + "cost_details")))
    call.time_to_first_token_ms = _first_token_ms(record, fields.get(OBSERVATION + "completion_start_time"))

    _read_input(call, fields.get(OBSERVATION + "input"))
    call.output_messages = _output_messages(fields.get(OBSERVATION + "output"))
    call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]
    if call.input_messages or call.output_messages:
        call.content_source = "span"
    return call


def _read_level(call: LlmCall, fields: Attributes) -> None:
    # Langfuse marks failures with its own level and often leaves the OTel status unset.
    if (to_str(fields.get(OBSERVATION + "level")) or "").upper() == "ERROR":
        call.status = "error"
        call.error = to_str(fields.get(OBSERVATION + "status_message")) or call.error


def _read_cost(call: LlmCall, cost: Any) -> None:
    # cost_details: {"input": 0.0001, "output": 0.0002, "total": 0.0003}, in USD.
    if not isinstance(cost, Mapping):
        return
    total = to_float(cost.get("total"))
    if total is None:
        amounts = [amount for amount in map(to_float, cost.values()) if amount is not None]
        total = sum(amounts) if amounts else None
    if total is not None:
        call.cost_usd, call.cost_source = total, "span"


def _first_token_ms(record: Record, completion_start: Any) -> float | None:
    # The SDK serializes the datetime as JSON: "\"2026-12-04T19:54:24.123456Z\"".
    text = parse_json(completion_start) if isinstance(completion_start, str) else None
    text = text if isinstance(text, str) else completion_start
    start = to_int(record.item.get("startTimeUnixNano"))
    if not isinstance(text, str) or not start:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None  # NOTE: a naive time has no zone to compare with the span's UTC start
    since_epoch = moment - _EPOCH
    moment_ns = (since_epoch.days * 86_400 + since_epoch.seconds) * 10**9 + since_epoch.microseconds * 1000
    return (moment_ns - start) / 1e6


def _read_input(call: LlmCall, raw: Any) -> None:
    value = parse_structured(raw)
    if value is None:
        call.input_messages = _text_message("user", raw)
        return
    if isinstance(value, list):
        call.input_messages = chat_messages(value) if _are_messages(value) else _text_message("user", raw)
        return

    # A chat request ({messages, tools}), a Responses API request ({input, instructions}) or
    # the arguments of a decorated function.
    if isinstance(value.get("messages"), list):
        call.input_messages = chat_messages(value["messages"])
    elif "input" in value and ("model" in value or "instructions" in value):
        call.input_messages = responses_items(value["input"])
        call.system_instructions = text_parts(value.get("instructions"))
    else:
        call.input_messages = _text_message("user", raw)
    call.tool_definitions = tool_definitions_from(value.get("tools"))


def _output_messages(raw: Any) -> list[Message]:
    value = parse_structured(raw)
    if value is None:
        return _text_message("assistant", raw)
    if isinstance(value, list):
        return chat_messages(value) if _are_messages(value) else _text_message("assistant", raw)
    if "role" in value:
        message = chat_message(value)
        return [message] if message is not None else []
    return provider_response(value) or _text_message("assistant", raw)


def _are_messages(items: list[Any]) -> bool:
    return bool(items) and all(isinstance(item, Mapping) and "role" in item for item in items)


def _text_message(role: str, value: Any) -> list[Message]:
    # Text stays as the span wrote it, and a structured value becomes JSON text.
    text = value if isinstance(value, str) or value is None else json_text(value)
    part = text_part(text)
    return [Message(role=role, parts=[part])] if part is not None else []

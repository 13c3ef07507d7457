"""Strands Agents (``strands.telemetry.tracer``).

Model calls are the ``chat`` spans. ``invoke_agent`` spans repeat the run's totals under the
same ``gen_ai.usage.*`` keys, so they are kept with ``is_model_call=False``.
``execute_event_loop_cycle`` and ``execute_tool`` spans are not calls. Strands writes
``gen_ai.system`` = "strands-agents", the framework rather than the model vendor, so the
provider stays unset.

Content is in span events, in one of two layouts:

* default: ``gen_ai.system.message``, ``gen_ai.user.message``, ``gen_ai.assistant.message``,
  ``gen_ai.tool.message`` and ``gen_ai.choice`` events whose ``content`` / ``message``
  attribute holds Bedrock Converse content blocks as JSON;
* ``OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental``: several
  ``gen_ai.client.inference.operation.details`` events, each with one 1.37 JSON attribute.
"""

from __future__ import annotations

from gravity.normalize.families.otel_genai import DETAILS_EVENT
from gravity.normalize.messages import CHOICE_EVENT, EVENT_ROLES, normalize_finish_reason, parts_from_converse
from gravity.normalize.model import LlmCall, Message
from gravity.normalize.span_fields import (
    AGENT_OPERATIONS,
    AttributeKeys,
    new_call,
    read_gen_ai,
    read_semconv_content,
    set_event_messages,
    span_attributes,
    span_events,
)
from gravity.normalize.values import Attributes, to_float, to_str
from gravity.otlp.model import Record

FAMILY = "strands"

_FRAMEWORK_NAME = "strands-agents"


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    return str(record.scope.get("scope", {}).get("name") or "").startswith("strands")


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    attributes = span_attributes(record) if attributes is None else attributes
    operation = to_str(attributes.get("gen_ai.operation.name"))
    if operation != "chat" and operation not in AGENT_OPERATIONS:
        return None  # execute_event_loop_cycle, execute_tool

    call = new_call(record, FAMILY)
    read_gen_ai(attributes, call)
    call.is_model_call = operation == "chat"
    if call.provider == _FRAMEWORK_NAME:
        call.provider = None
    # Strands writes the time to first token in milliseconds.
    call.time_to_first_token_ms = to_float(attributes.get("gen_ai.server.time_to_first_token"))

    read_semconv_content(attributes, call)
    _read_events(record, call)
    if not call.finish_reasons:
        call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]
    return call


def _read_events(record: Record, call: LlmCall) -> None:
    inputs: list[Message] = []
    outputs: list[Message] = []
    for name, attributes, _ in span_events(record):
        if name == DETAILS_EVENT:
            read_semconv_content(attributes, call)
        elif name in EVENT_ROLES:
            parts = parts_from_converse(attributes.get("content", attributes.get("message")))
            inputs.append(Message(role=EVENT_ROLES[name], parts=parts))
        elif name == CHOICE_EVENT:
            parts = parts_from_converse(attributes.get("message"))
            finish_reason = normalize_finish_reason(attributes.get("finish_reason"))
            outputs.append(Message(role="assistant", parts=parts, finish_reason=finish_reason))
    set_event_messages(call, inputs, outputs)

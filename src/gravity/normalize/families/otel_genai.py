"""OpenTelemetry GenAI semantic conventions, all three generations of content.

* 1.26-1.27: span events ``gen_ai.content.prompt`` / ``gen_ai.content.completion`` whose
  attributes ``gen_ai.prompt`` / ``gen_ai.completion`` hold OpenAI-style messages as JSON.
* 1.28-1.36: the content is in per-message log records, not on the span; they are joined
  by ``gravity.normalize.logs``. Spans that put the same events on themselves are read here.
* 1.37+: ``gen_ai.input.messages``, ``gen_ai.output.messages``, ``gen_ai.system_instructions``
  and ``gen_ai.tool.definitions`` as JSON attributes, or as JSON attributes of
  ``gen_ai.client.inference.operation.details`` span events.

The same reader serves spans of libraries Gravity does not recognize ("unknown" family).
"""

from __future__ import annotations

from typing import Any

from gravity.normalize.messages import CHOICE_EVENT, EVENT_ROLES, message_from_event, messages_from_openai
from gravity.normalize.model import LlmCall
from gravity.normalize.span_fields import (
    AGENT_OPERATIONS,
    TOOL_OPERATIONS,
    AttributeKeys,
    attribute_keys,
    has_usage,
    new_call,
    read_gen_ai,
    read_semconv_content,
    set_event_messages,
    span_attributes,
    span_events,
)
from gravity.normalize.values import Attributes, first_int, parse_structured, to_str
from gravity.otlp.model import Record

FAMILY = "otel_genai"

PROMPT_EVENT = "gen_ai.content.prompt"
COMPLETION_EVENT = "gen_ai.content.completion"
DETAILS_EVENT = "gen_ai.client.inference.operation.details"

# Scopes of the OpenTelemetry project's own GenAI instrumentations: opentelemetry-util-genai
# ("opentelemetry.util.genai.handler") and the contrib instrumentations
# ("opentelemetry.instrumentation.openai_v2", "...google_genai", "...vertexai").
# OpenLLMetry also names its scopes "opentelemetry.instrumentation.<lib>"; its module comes
# earlier in the detection order and claims its spans first.
_SCOPE_PREFIXES = ("opentelemetry.util.genai", "opentelemetry.instrumentation.")


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    scope_name = str(record.scope.get("scope", {}).get("name") or "")
    if any(name in (PROMPT_EVENT, COMPLETION_EVENT) for name, _, _ in span_events(record)):
        return True
    if not scope_name.startswith(_SCOPE_PREFIXES):
        return False
    keys = attribute_keys(record) if keys is None else keys
    return keys.has_prefix("gen_ai.")


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    return extract_as(record, FAMILY, attributes)


def extract_as(record: Record, family: str, attributes: Attributes | None = None) -> LlmCall | None:
    """Read a span with the generic GenAI keys, labelled with ``family``.

    Returns None for tool executions and for spans with no sign of a model call.
    ``attributes`` is the span's attribute map when the caller has it.
    """
    attributes = span_attributes(record) if attributes is None else attributes
    operation = to_str(attributes.get("gen_ai.operation.name"))
    if operation in TOOL_OPERATIONS:
        return None
    if operation not in AGENT_OPERATIONS and not looks_like_model_call(record, attributes):
        return None

    call = new_call(record, family)
    read_gen_ai(attributes, call)
    _read_openinference_usage(attributes, call)
    call.is_model_call = operation not in AGENT_OPERATIONS
    read_semconv_content(attributes, call)
    read_event_content(record, call)
    return call


def looks_like_model_call(record: Record, attributes: Attributes | None = None) -> bool:
    """Tell whether a span carries usage, a model name or messages of a model call."""
    attributes = span_attributes(record) if attributes is None else attributes
    if has_usage(attributes) or any(key.startswith("llm.token_count.") for key in attributes):
        return True
    if any(key in attributes for key in ("gen_ai.request.model", "gen_ai.input.messages", "gen_ai.output.messages")):
        return True
    if any(key.startswith(("gen_ai.prompt.", "gen_ai.completion.")) for key in attributes):
        return True
    return any(name in (PROMPT_EVENT, COMPLETION_EVENT, DETAILS_EVENT) for name, _, _ in span_events(record))


def _read_openinference_usage(attributes: Attributes, call: LlmCall) -> None:
    # Only for spans no family claimed: OpenInference token and model keys, no content.
    if call.input_tokens is None:
        call.input_tokens = first_int(attributes, "llm.token_count.prompt")
    if call.output_tokens is None:
        call.output_tokens = first_int(attributes, "llm.token_count.completion")
    if call.total_tokens is None:
        call.total_tokens = first_int(attributes, "llm.token_count.total")
    call.request_model = call.request_model or to_str(attributes.get("llm.model_name"))


def read_event_content(record: Record, call: LlmCall) -> None:
    """Fill empty content fields from the span's events, in any of the three generations."""
    inputs = []
    outputs = []
    for name, attributes, _ in span_events(record):
        if name == PROMPT_EVENT and not call.input_messages:
            inputs.extend(messages_from_openai(attributes.get("gen_ai.prompt")))
        elif name == COMPLETION_EVENT and not call.output_messages:
            outputs.extend(messages_from_openai(attributes.get("gen_ai.completion"), default_role="assistant"))
        elif name == DETAILS_EVENT:
            read_semconv_content(attributes, call)
        elif name in EVENT_ROLES or name == CHOICE_EVENT:
            read = message_from_event(name, _event_body(attributes))
            if read is not None:
                (outputs if read[0] == "output" else inputs).append(read[1])
    set_event_messages(call, inputs, outputs)


def _event_body(attributes: Attributes) -> dict[str, Any]:
    # A span event has attributes, not a body: the body's fields are its attributes, with
    # nested values (the choice's message, tool calls) as JSON text.
    body = {key: value for key, value in attributes.items() if key not in ("event.name", "gen_ai.system")}
    for key in ("message", "tool_calls"):
        structured = parse_structured(body.get(key))
        if structured is not None:
            body[key] = structured
    return body

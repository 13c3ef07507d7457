"""OpenLLMetry (Traceloop) instrumentations: scopes ``opentelemetry.instrumentation.<lib>``.

Two layouts, read from the span attributes:

* legacy (opentelemetry-instrumentation-openai 0.4x): flattened ``gen_ai.prompt.{i}.*`` and
  ``gen_ai.completion.{i}.*``, tools in ``llm.request.functions.{i}.*``, usage in
  ``gen_ai.usage.prompt_tokens|completion_tokens`` and ``llm.usage.total_tokens``;
* current (0.62): the OTel GenAI 1.37 JSON keys ``gen_ai.input.messages`` and so on.

Streamed calls carry one ``gen_ai.content.completion.chunk`` event per chunk; the first one
gives the time to first token.
"""

from __future__ import annotations

from gravity.normalize.messages import flattened_messages, flattened_tool_definitions
from gravity.normalize.model import LlmCall
from gravity.normalize.span_fields import (
    AttributeKeys,
    attribute_keys,
    has_usage,
    new_call,
    read_gen_ai,
    read_semconv_content,
    span_attributes,
    span_events,
)
from gravity.normalize.values import Attributes, first_present, to_int, to_str
from gravity.otlp.model import Record

FAMILY = "openllmetry"

CHUNK_EVENT = "gen_ai.content.completion.chunk"

# Keys only OpenLLMetry writes; the contrib GenAI instrumentations share the scope prefix.
_MARKER_KEYS = ("llm.request.type", "llm.is_streaming", "gen_ai.is_streaming", "gen_ai.openai.api_base", "llm.headers")
_MARKER_PREFIXES = ("gen_ai.prompt.", "gen_ai.completion.", "llm.usage.", "llm.request.functions.", "traceloop.")

# llm.request.type values and the GenAI operation each stands for.
_REQUEST_TYPES = {"chat": "chat", "completion": "text_completion", "embedding": "embeddings", "rerank": "rerank"}


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    scope_name = str(record.scope.get("scope", {}).get("name") or "")
    if scope_name.startswith("traceloop"):
        return True
    if not scope_name.startswith("opentelemetry.instrumentation."):
        return False
    keys = attribute_keys(record) if keys is None else keys
    return any(key in keys for key in _MARKER_KEYS) or keys.has_prefix(*_MARKER_PREFIXES)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    attributes = span_attributes(record) if attributes is None else attributes
    if not _is_model_call(attributes):
        # NOTE: traceloop-sdk decorator spans (@workflow, @agent, @task, @tool) carry no usage,
        # so they give no call. Their key names come from semconv-ai 0.5.1, not from a run.
        return None

    call = new_call(record, FAMILY)
    read_gen_ai(attributes, call)
    request_type = to_str(attributes.get("llm.request.type"))
    call.operation = call.operation or _REQUEST_TYPES.get(request_type or "", request_type)
    call.session_id = call.session_id or to_str(attributes.get("traceloop.association.properties.session_id"))
    call.user_id = call.user_id or to_str(attributes.get("traceloop.association.properties.user_id"))

    if not read_semconv_content(attributes, call):
        read_flattened_content(attributes, call)
    if not call.tool_definitions:
        call.tool_definitions = flattened_tool_definitions(attributes, "llm.request.functions")
    if not call.finish_reasons:
        call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]

    call.time_to_first_token_ms = _first_chunk_ms(record)
    return call


def _is_model_call(attributes: Attributes) -> bool:
    if has_usage(attributes) or first_present(attributes, "gen_ai.request.model", "gen_ai.response.model"):
        return True
    return any(key.startswith(("gen_ai.prompt.", "gen_ai.input.messages")) for key in attributes)


def read_flattened_content(attributes: Attributes, call: LlmCall) -> None:
    """Fill the messages from the legacy flattened ``gen_ai.prompt`` / ``gen_ai.completion`` keys."""
    call.input_messages = flattened_messages(attributes, "gen_ai.prompt", default_role="unknown")
    call.output_messages = flattened_messages(attributes, "gen_ai.completion", default_role="assistant")
    if call.input_messages or call.output_messages:
        call.content_source = "span"


def _first_chunk_ms(record: Record) -> float | None:
    start = to_int(record.item.get("startTimeUnixNano"))
    if not start:
        return None
    for name, _, event in span_events(record):
        if name == CHUNK_EVENT:
            time = to_int(event.get("timeUnixNano"))
            return (time - start) / 1e6 if time and time >= start else None
    return None

"""LiteLLM's own OpenTelemetry callback (``callbacks=["otel"]``): scope ``litellm``.

The call is the ``litellm_request`` span (renamed to ``metadata.generation_name`` when one
is given, or ``chat <model>`` in semconv mode); what identifies it is its ``gen_ai.*`` keys.
Its child ``raw_gen_ai_request`` contains the provider-shaped payload as Python reprs and is
not a separate call. The proxy's service spans (``postgres``, ``auth``, ``router``, ...) are
not calls at all.

* 1.79: flattened ``gen_ai.prompt.{i}.*`` / ``gen_ai.completion.{i}.*`` (tool calls in the
  history are dropped by LiteLLM itself), ``gen_ai.usage.prompt_tokens``.
* 1.110: ``gen_ai.input.messages`` / ``gen_ai.output.messages`` JSON, with output tool calls
  only in ``gen_ai.completion.{i}.function_call.*``; cost in ``gen_ai.cost.total_cost``.
* both: ``metadata.usage_object`` (a Python repr) has the cache and reasoning token counts,
  ``hidden_params`` (JSON) the cost as ``response_cost``.

Spans of LiteLLM's Arize/Phoenix callback share the scope but use OpenInference keys; they
are left to the OpenInference family.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gravity.normalize.families.openllmetry import read_flattened_content
from gravity.normalize.messages import flattened_messages, flattened_tool_definitions
from gravity.normalize.model import LlmCall, Message
from gravity.normalize.span_fields import (
    AttributeKeys,
    attribute_keys,
    new_call,
    read_gen_ai,
    read_semconv_content,
    span_attributes,
)
from gravity.normalize.values import Attributes, mapping, parse_structured, to_float, to_int, to_str
from gravity.otlp.model import Record

FAMILY = "litellm"

SCOPE_NAME = "litellm"

# Keys of the OpenInference conventions, written by LiteLLM's arize / arize_phoenix callbacks.
# openinference.span.kind alone is not enough: the 128-attribute limit evicts it first.
_OPENINFERENCE_PREFIXES = ("openinference.", "llm.input_messages.", "llm.output_messages.", "llm.token_count.")

# llm.request.type (LiteLLM's call type) and the GenAI operation each stands for.
_CALL_TYPES = {
    "completion": "chat",
    "acompletion": "chat",
    "text_completion": "text_completion",
    "atext_completion": "text_completion",
    "embedding": "embeddings",
    "aembedding": "embeddings",
    "responses": "chat",
    "aresponses": "chat",
}


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    if record.scope.get("scope", {}).get("name") != SCOPE_NAME:
        return False
    keys = attribute_keys(record) if keys is None else keys
    return not keys.has_prefix(*_OPENINFERENCE_PREFIXES)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    attributes = span_attributes(record) if attributes is None else attributes
    if not any(key.startswith("gen_ai.") for key in attributes):
        return None  # raw_gen_ai_request, proxy service spans

    call = new_call(record, FAMILY)
    read_gen_ai(attributes, call)
    call_type = to_str(attributes.get("llm.request.type"))
    call.operation = call.operation or _CALL_TYPES.get(call_type or "", call_type)
    call.user_id = call.user_id or to_str(attributes.get("llm.user")) or to_str(attributes.get("metadata.user_api_key_end_user_id"))
    _read_usage_object(attributes, call)
    _read_cost(attributes, call)

    if read_semconv_content(attributes, call):
        _add_output_function_calls(attributes, call)
    else:
        read_flattened_content(attributes, call)
    call.tool_definitions = call.tool_definitions or flattened_tool_definitions(attributes, "llm.request.functions")
    if not call.finish_reasons:
        call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]
    return call


def _read_usage_object(attributes: Attributes, call: LlmCall) -> None:
    # metadata.usage_object is the OpenAI-shaped usage as a Python repr:
    # {'prompt_tokens': 23, 'prompt_tokens_details': {'cached_tokens': 0, ...}, ...}.
    usage = parse_structured(attributes.get("metadata.usage_object"))
    if not isinstance(usage, Mapping):
        return
    prompt_details = mapping(usage.get("prompt_tokens_details"))
    completion_details = mapping(usage.get("completion_tokens_details"))
    if call.input_tokens is None:
        call.input_tokens = to_int(usage.get("prompt_tokens"))
    if call.output_tokens is None:
        call.output_tokens = to_int(usage.get("completion_tokens"))
    if call.total_tokens is None:
        call.total_tokens = to_int(usage.get("total_tokens"))
    if call.cache_read_tokens is None:
        call.cache_read_tokens = _first_int(usage.get("cache_read_input_tokens"), prompt_details.get("cached_tokens"))
    if call.cache_write_tokens is None:
        call.cache_write_tokens = _first_int(usage.get("cache_creation_input_tokens"), prompt_details.get("cache_creation_tokens"))
    if call.reasoning_tokens is None:
        call.reasoning_tokens = to_int(completion_details.get("reasoning_tokens"))


def _read_cost(attributes: Attributes, call: LlmCall) -> None:
    cost = to_float(attributes.get("gen_ai.cost.total_cost"))
    if cost is None:
        hidden_params = parse_structured(attributes.get("hidden_params"))
        if isinstance(hidden_params, Mapping):
            cost = to_float(hidden_params.get("response_cost"))
    if cost is not None:
        call.cost_usd = cost
        call.cost_source = "span"


def _add_output_function_calls(attributes: Attributes, call: LlmCall) -> None:
    # LiteLLM 1.110 leaves output tool calls out of gen_ai.output.messages and writes them as
    # gen_ai.completion.{i}.function_call.name|arguments (without the tool call id).
    for index, flattened in enumerate(flattened_messages(attributes, "gen_ai.completion", default_role="assistant")):
        calls = [part for part in flattened.parts if part.type == "tool_call"]
        if not calls:
            continue
        while len(call.output_messages) <= index:
            call.output_messages.append(Message(role="assistant"))
        message = call.output_messages[index]
        if not any(part.type == "tool_call" for part in message.parts):
            message.parts.extend(calls)


def _first_int(*values: Any) -> int | None:
    for value in values:
        number = to_int(value)
        if number is not None:
            return number
    return None

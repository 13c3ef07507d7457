"""MLflow tracing spans. Key names are those of a recorded mlflow-tracing 3.17.2 run.

MLflow JSON-encodes every attribute value, scalars included: ``mlflow.spanType`` is
``"\\"CHAT_MODEL\\""`` and ``temperature`` is ``"0.2"``. Each value is decoded once here.
``mlflow.spanInputs`` contains the request the autologged client received (OpenAI chat or
Responses, Anthropic messages) and ``mlflow.spanOutputs`` the response it returned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gravity.normalize.families._flat import (
    chat_messages,
    provider_response,
    read_usage_dict,
    responses_items,
    text_parts,
)
from gravity.normalize.messages import parts_from_content, tool_definitions_from
from gravity.normalize.model import LlmCall
from gravity.normalize.span_fields import AttributeKeys, is_family_span, new_call, provider_name, span_attributes
from gravity.normalize.values import Attributes, first_present, parse_json, to_bool, to_float, to_str
from gravity.otlp.model import TRACES, Record, resource_attribute

FAMILY = "mlflow"

SPAN_TYPE = "mlflow.spanType"
_SCOPE_NAME = "mlflow.tracing.provider"

# mlflow.entities.SpanType values that are model calls, and the operation each stands for.
_MODEL_OPERATIONS = {"CHAT_MODEL": "chat", "LLM": "chat", "EMBEDDING": "embeddings"}
# Span types that wrap model calls: kept as rows, but not counted as calls.
_RUN_OPERATIONS = {"AGENT": "invoke_agent", "CHAIN": "chain"}

# mlflow.message.format names the flavor that recorded the span. For these flavors it is also
# the provider, which MLflow 3.17.2 does not record separately (mlflow.llm.provider is unset).
_PROVIDER_FORMATS = frozenset({"openai", "anthropic", "gemini", "groq", "mistral", "bedrock", "cohere", "ollama"})


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    return is_family_span(record, _SCOPE_NAME, lambda found: SPAN_TYPE in found, keys)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    if record.signal != TRACES:
        return None
    fields = _decoded_attributes(span_attributes(record) if attributes is None else attributes)
    span_type = (to_str(fields.get(SPAN_TYPE)) or "").upper()
    if span_type not in _MODEL_OPERATIONS and span_type not in _RUN_OPERATIONS:
        return None  # TOOL, RETRIEVER, PARSER, UNKNOWN and the rest are not model calls

    call = new_call(record, FAMILY)
    call.family_version = call.family_version or _sdk_version(record)
    call.is_model_call = span_type in _MODEL_OPERATIONS
    call.operation = _MODEL_OPERATIONS.get(span_type) or _RUN_OPERATIONS[span_type]
    if not call.is_model_call:
        return call

    request = fields.get("mlflow.spanInputs")
    request = request if isinstance(request, Mapping) else {}
    response = fields.get("mlflow.spanOutputs")

    call.provider = provider_name(fields.get("mlflow.llm.provider")) or _provider_from_format(fields)
    call.request_model = to_str(request.get("model")) or to_str(fields.get("model"))
    call.response_model = to_str(fields.get("mlflow.llm.model"))
    if call.response_model is None and isinstance(response, Mapping):
        call.response_model = to_str(response.get("model"))
    call.streaming = to_bool(request.get("stream"))

    read_usage_dict(call, fields.get("mlflow.chat.tokenUsage"))
    if isinstance(response, Mapping):
        read_usage_dict(call, response.get("usage"))  # reasoning tokens are only here
    cost = fields.get("mlflow.llm.cost")  # {"input_cost", "output_cost", "total_cost"} in USD
    total_cost = to_float(cost.get("total_cost")) if isinstance(cost, Mapping) else None
    if total_cost is not None:
        call.cost_usd, call.cost_source = total_cost, "span"

    _read_request(call, request)
    call.output_messages = provider_response(response)
    call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]
    if call.input_messages or call.output_messages:
        call.content_source = "span"
    call.tool_definitions = tool_definitions_from(first_present(fields, "mlflow.chat.tools", "tools") or request.get("tools"))
    return call


def _decoded_attributes(attributes: Attributes) -> Attributes:
    # A value that is not JSON (written by something other than MLflow) is kept as it is.
    # The decoded values go into a copy: the caller's map is shared with detection.
    fields = dict(attributes)
    for key, value in fields.items():
        decoded = parse_json(value) if isinstance(value, str) else None
        if decoded is not None:
            fields[key] = decoded
    return fields


def _sdk_version(record: Record) -> str | None:
    # MLflow's scope has no version, but MLflow replaces the OTel SDK's telemetry.sdk.* keys.
    if resource_attribute(record.resource, "telemetry.sdk.name") != "mlflow":
        return None
    return to_str(resource_attribute(record.resource, "telemetry.sdk.version"))


def _provider_from_format(fields: Attributes) -> str | None:
    message_format = to_str(fields.get("mlflow.message.format"))
    return message_format if message_format in _PROVIDER_FORMATS else None


def _read_request(call: LlmCall, request: Mapping[str, Any]) -> None:
    """Read an OpenAI chat (``messages``), OpenAI Responses (``input``, ``instructions``) or
    Anthropic (``messages``, ``system``) request."""
    if isinstance(request.get("messages"), list):
        call.input_messages = chat_messages(request["messages"])
    elif "input" in request:
        call.input_messages = responses_items(request["input"])

    # Both APIs take the system prompt beside the messages.
    system = request.get("instructions", request.get("system"))
    if isinstance(system, str):
        call.system_instructions = text_parts(system)
    elif isinstance(system, list):
        call.system_instructions = parts_from_content(system)

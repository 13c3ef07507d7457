"""OpenInference spans: the openinference-instrumentation-* packages (OpenAI, OpenAI Agents
SDK, ...) and LiteLLM's ``arize`` and ``arize_phoenix`` callbacks.

Messages arrive flattened, one attribute per field: ``llm.input_messages.{i}.message.role``,
``….message.content``, ``….message.contents.{j}.message_content.text``,
``….message.tool_calls.{j}.tool_call.function.arguments`` (a JSON string), and the same under
``llm.output_messages``. Key names are those of recorded runs of
openinference-instrumentation-openai 0.1.66, openinference-instrumentation-openai-agents 2.6.0
and LiteLLM 1.79 and 1.110.

The OpenTelemetry Python SDK (1.45.2) keeps at most 128 attributes per span by default and
evicts the oldest ones first, counting them in ``droppedAttributesCount``. A long
conversation then loses ``openinference.span.kind``, ``input.value`` and its first messages,
so detection also looks at the ``llm.*`` keys, and the surviving messages are kept from the
first surviving index on.
"""

from __future__ import annotations

from typing import Any

from gravity.normalize.families._flat import (
    chat_messages,
    provider_response,
    read_usage_dict,
    responses_items,
    text_part,
    text_parts,
    tool_result_part,
)
from gravity.normalize.messages import media_part, normalize_finish_reason, tool_call_part, tool_definitions_from
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.normalize.span_fields import (
    AttributeKeys,
    attribute_keys,
    new_call,
    provider_name,
    span_attributes,
    span_events,
)
from gravity.normalize.values import (
    Attributes,
    dropped_attributes,
    first_present,
    indexed,
    parse_json,
    to_bool,
    to_float,
    to_int,
    to_str,
)
from gravity.otlp.model import TRACES, Record

FAMILY = "openinference"

SPAN_KIND = "openinference.span.kind"
_SCOPE_PREFIX = "openinference.instrumentation"
_LLM_KEY_PREFIXES = ("llm.input_messages.", "llm.output_messages.", "llm.token_count.")

# Span kinds that are model calls, and the operation each stands for.
_MODEL_OPERATIONS = {"LLM": "chat", "EMBEDDING": "embeddings"}
# Span kinds that wrap model calls: kept as rows, but not counted as calls.
_RUN_OPERATIONS = {"AGENT": "invoke_agent", "CHAIN": "chain"}

# The OpenAI instrumentation adds this span event when the first streamed chunk arrives.
FIRST_TOKEN_EVENT = "First Token Stream Event"


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    if record.signal != TRACES:
        return False
    scope_name = (record.scope.get("scope") or {}).get("name") or ""
    if isinstance(scope_name, str) and scope_name.startswith(_SCOPE_PREFIX):
        return True
    keys = attribute_keys(record) if keys is None else keys
    return SPAN_KIND in keys or keys.has_prefix(*_LLM_KEY_PREFIXES)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    if record.signal != TRACES:
        return None
    fields = span_attributes(record) if attributes is None else attributes
    kind = _span_kind(fields)

    if kind in _RUN_OPERATIONS:
        call = new_call(record, FAMILY)
        call.is_model_call = False
        call.operation = _RUN_OPERATIONS[kind]
        _read_context(call, fields)
        _read_usage(call, fields)
        return call
    if kind not in _MODEL_OPERATIONS:
        return None  # TOOL, RETRIEVER, RERANKER, GUARDRAIL and the rest are not model calls

    call = new_call(record, FAMILY)
    call.operation = _MODEL_OPERATIONS[kind]
    invocation = parse_json(fields.get("llm.invocation_parameters"))
    invocation = invocation if isinstance(invocation, dict) else {}

    _read_context(call, fields)
    _read_models(call, fields, invocation)
    _read_usage(call, fields)
    _read_timing(call, record, fields, invocation)
    _read_messages(call, record, fields, invocation)
    call.tool_definitions = _tool_definitions(fields)
    return call


def _span_kind(fields: Attributes) -> str | None:
    kind = to_str(fields.get(SPAN_KIND))
    if kind:
        return kind.upper()
    if any(key.startswith(_LLM_KEY_PREFIXES) for key in fields):
        return "LLM"  # the attribute limit evicted the kind, but the llm.* keys remain
    return None


def _read_context(call: LlmCall, fields: Attributes) -> None:
    call.provider = provider_name(first_present(fields, "llm.provider", "llm.system"))
    call.session_id = to_str(fields.get("session.id"))
    call.user_id = to_str(first_present(fields, "user.id", "llm.user"))


def _read_models(call: LlmCall, fields: Attributes, invocation: dict[str, Any]) -> None:
    # llm.model_name is the response model for the OpenAI instrumentation and the request
    # model for LiteLLM, which sends the response model as llm.response.model.
    model_name = to_str(first_present(fields, "llm.model_name", "embedding.model_name"))
    call.request_model = to_str(invocation.get("model")) or model_name
    call.response_model = to_str(fields.get("llm.response.model")) or model_name


def _read_usage(call: LlmCall, fields: Attributes) -> None:
    call.input_tokens = to_int(fields.get("llm.token_count.prompt"))
    call.output_tokens = to_int(fields.get("llm.token_count.completion"))
    call.total_tokens = to_int(fields.get("llm.token_count.total"))
    call.cache_read_tokens = to_int(fields.get("llm.token_count.prompt_details.cache_read"))
    call.cache_write_tokens = to_int(fields.get("llm.token_count.prompt_details.cache_write"))
    call.reasoning_tokens = to_int(fields.get("llm.token_count.completion_details.reasoning"))

    # LiteLLM writes no cache or reasoning counts of its own, but its metadata JSON contains
    # the provider's usage (cached_tokens, cache_creation_input_tokens, ...).
    metadata = parse_json(fields.get("metadata"))
    if isinstance(metadata, dict):
        read_usage_dict(call, metadata.get("usage_object"))

    # LiteLLM 1.110 writes both keys with the same value.
    cost = to_float(first_present(fields, "llm.cost.total", "llm.response.cost"))
    if cost is not None:
        call.cost_usd, call.cost_source = cost, "span"


def _read_timing(call: LlmCall, record: Record, fields: Attributes, invocation: dict[str, Any]) -> None:
    start = to_int(record.item.get("startTimeUnixNano"))
    for name, _, event in span_events(record):
        if name == FIRST_TOKEN_EVENT:
            call.streaming = True
            moment = to_int(event.get("timeUnixNano"))
            if start and moment is not None and moment >= start:
                call.time_to_first_token_ms = (moment - start) / 1e6
            break
    if call.streaming is None:
        call.streaming = to_bool(invocation.get("stream"))
    if call.streaming is None:
        call.streaming = to_bool(fields.get("llm.is_streaming"))  # LiteLLM: "True" / "False"

    # LiteLLM 1.79 sends latencies in seconds.
    seconds = to_float(fields.get("llm.latency.time_to_first_token"))
    if call.time_to_first_token_ms is None and seconds is not None:
        call.time_to_first_token_ms = seconds * 1000


# --- Messages -----------------------------------------------------------------------------


def _read_messages(call: LlmCall, record: Record, fields: Attributes, invocation: dict[str, Any]) -> None:
    call.input_messages = [_message(item) for item in _items(fields, "llm.input_messages")]
    call.output_messages = [_message(item) for item in _items(fields, "llm.output_messages")]
    if dropped_attributes(record.item):
        _recover_dropped_messages(call, fields, invocation)
    if not call.input_messages:
        call.input_messages = _embedding_inputs(fields)
    if call.input_messages or call.output_messages:
        call.content_source = "span"

    finish_reason = normalize_finish_reason(fields.get("llm.finish_reason"))
    if finish_reason:
        call.finish_reasons = [finish_reason]
        if len(call.output_messages) == 1 and call.output_messages[0].finish_reason is None:
            call.output_messages[0].finish_reason = finish_reason


def _items(fields: Attributes, prefix: str) -> list[Attributes]:
    return [item for _, item in indexed(fields, prefix)]


def _message(fields: Attributes) -> Message:
    """Build one message from its flattened fields (keys relative to ``….{i}.``)."""
    tool_calls = _items(fields, "message.tool_calls")
    tool_call_id = fields.get("message.tool_call_id")
    role = to_str(fields.get("message.role"))
    if role is None:
        # NOTE: the attribute limit evicted the role, so it is guessed from the fields left.
        role = "unknown"
        if tool_calls:
            role = "assistant"
        elif tool_call_id is not None:
            role = "tool"

    content_parts = [part for part in map(_content_part, _items(fields, "message.contents")) if part is not None]
    text = fields.get("message.content")
    if role == "tool":
        if not isinstance(text, str):
            text = "\n".join(part.content or "" for part in content_parts if part.type == "text") or None
        return Message(role=role, parts=[tool_result_part(tool_call_id, text, fields.get("message.name"))])

    # The OpenAI Agents instrumentation sends the same text as message.content and as
    # message.contents.0.message_content.text. It becomes one part.
    parts: list[Part] = []
    if isinstance(text, str) and text not in {part.content for part in content_parts if part.type == "text"}:
        parts.extend(text_parts(text))
    parts.extend(content_parts)
    for tool_call in tool_calls:
        parts.append(
            tool_call_part(
                tool_call.get("tool_call.id"),
                tool_call.get("tool_call.function.name"),
                tool_call.get("tool_call.function.arguments"),
            )
        )
    if "message.function_call_name" in fields:
        name, arguments = fields.get("message.function_call_name"), fields.get("message.function_call_arguments_json")
        parts.append(tool_call_part(None, name, arguments))
    return Message(role=role, parts=parts)


def _content_part(content: Attributes) -> Part | None:
    kind = to_str(content.get("message_content.type")) or "text"
    if kind == "text":
        return text_part(content.get("message_content.text"))
    if kind == "image":
        return media_part(to_str(content.get("message_content.image.image.url")))
    text = content.get("message_content.text")
    return text_part(text) if text is not None else Part(type="other", content=kind)


def _recover_dropped_messages(call: LlmCall, fields: Attributes, invocation: dict[str, Any]) -> None:
    """Replace a message list cut by the attribute limit with the copy in input.value/output.value.

    The copy is complete only where the instrumentation puts the whole request there: the
    OpenAI instrumentation does, but LiteLLM puts only the last user text. The Python SDK
    evicts the copy before any message, so there the cut list usually stays as it is. The
    JavaScript SDK drops the newest attributes instead and keeps the copy.
    """
    request = parse_json(fields.get("input.value"))
    recovered: list[Message] = []
    if isinstance(request, dict) and isinstance(request.get("messages"), list):
        recovered = chat_messages(request["messages"])
    elif isinstance(request, list):
        recovered = responses_items(request)
        instructions = to_str(invocation.get("instructions"))
        if instructions:
            recovered.insert(0, Message(role="system", parts=[Part(type="text", content=instructions)]))
    if len(recovered) > len(call.input_messages):
        call.input_messages = recovered
    if not call.output_messages:
        call.output_messages = provider_response(parse_json(fields.get("output.value")))


def _embedding_inputs(fields: Attributes) -> list[Message]:
    texts = [item.get("embedding.text") for item in _items(fields, "embedding.embeddings")]
    parts = [part for part in map(text_part, texts) if part is not None]
    return [Message(role="user", parts=parts)] if parts else []


def _tool_definitions(fields: Attributes) -> list[ToolDefinition]:
    """Read ``llm.tools.{i}.tool.json_schema`` (OpenInference), ``llm.tools.{i}.tool.name|…``
    (LiteLLM 1.79) or ``llm.tools.{i}.name|…`` (LiteLLM 1.110)."""
    tools: list[Any] = []
    for item in _items(fields, "llm.tools"):
        if "tool.json_schema" in item:
            tools.append(item["tool.json_schema"])
        else:
            prefix = "tool." if "tool.name" in item else ""
            tools.append({field: item.get(prefix + field) for field in ("name", "description", "parameters")})
    return tool_definitions_from(tools)

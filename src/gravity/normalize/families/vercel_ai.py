"""Vercel AI SDK spans (the ``ai`` npm package). Key names are those of a recorded 6.0.333 run.

Each SDK function call is an outer span (``ai.generateText``, ``ai.streamText``,
``ai.generateObject``, ``ai.embed``, ...) around one inner span per model call
(``ai.generateText.doGenerate``, ``ai.streamText.doStream``, ``ai.embed.doEmbed``, ...) and
one ``ai.toolCall`` span per tool execution. Only the inner spans are model calls; the outer
span repeats the usage summed over its steps.

Content is JSON text: ``ai.prompt`` (outer span: ``{system?, prompt? | messages?}``),
``ai.prompt.messages`` (inner span), ``ai.prompt.tools`` (an array of JSON strings),
``ai.response.text`` and ``ai.response.toolCalls``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from gravity.normalize.families._flat import text_part, text_parts, tool_result_part
from gravity.normalize.messages import (
    media_part,
    normalize_finish_reason,
    parts_from_content,
    tool_call_part,
    tool_definitions_from,
)
from gravity.normalize.model import LlmCall, Message, Part
from gravity.normalize.span_fields import (
    AttributeKeys,
    finish_reasons,
    is_family_span,
    new_call,
    provider_name,
    span_attributes,
    span_events,
)
from gravity.normalize.values import (
    Attributes,
    first_int,
    first_present,
    json_text,
    parse_json,
    parse_structured,
    to_float,
    to_str,
)
from gravity.otlp.model import TRACES, Record

FAMILY = "vercel_ai"

OPERATION_ID = "ai.operationId"
_SCOPE_NAME = "ai"

# Inner spans: one model call each. Suffix of ai.operationId -> GenAI operation.
_MODEL_CALL_SUFFIXES = {".doGenerate": "chat", ".doStream": "chat", ".doEmbed": "embeddings"}
# Outer spans: one SDK function call around its model calls.
_OUTER_OPERATIONS = frozenset(
    {"ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject", "ai.embed", "ai.embedMany"}
)

# ai.telemetry.metadata contains whatever the application passes. These names are read as the
# session and user ids.
_SESSION_KEYS = tuple(f"ai.telemetry.metadata.{name}" for name in ("sessionId", "session_id", "session.id"))
_USER_KEYS = tuple(f"ai.telemetry.metadata.{name}" for name in ("userId", "user_id", "user.id"))

# The SDK sends its version in the User-Agent header of each request ("ai/6.0.333").
_USER_AGENT_VERSION = re.compile(r"(?:^|\s)ai/(\S+)")


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    return is_family_span(record, _SCOPE_NAME, lambda found: OPERATION_ID in found, keys)


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    if record.signal != TRACES:
        return None
    fields = span_attributes(record) if attributes is None else attributes
    operation_id = to_str(fields.get(OPERATION_ID)) or to_str(record.item.get("name")) or ""
    model_operation = next(
        (operation for suffix, operation in _MODEL_CALL_SUFFIXES.items() if operation_id.endswith(suffix)), None
    )
    if model_operation is None and operation_id not in _OUTER_OPERATIONS:
        return None  # ai.toolCall and operations not listed above

    call = new_call(record, FAMILY)
    call.family_version = call.family_version or _sdk_version(fields)
    call.is_model_call = model_operation is not None
    call.operation = model_operation or operation_id
    if not operation_id.startswith("ai.embed"):
        call.streaming = operation_id.startswith(("ai.streamText", "ai.streamObject"))

    call.provider = provider_name(_provider(first_present(fields, "ai.model.provider", "gen_ai.system")))
    call.request_model = to_str(first_present(fields, "ai.model.id", "gen_ai.request.model"))
    call.response_model = to_str(first_present(fields, "ai.response.model", "gen_ai.response.model"))
    call.session_id = to_str(first_present(fields, *_SESSION_KEYS))
    call.user_id = to_str(first_present(fields, *_USER_KEYS))
    _read_usage(call, fields)
    call.time_to_first_token_ms = _first_chunk_ms(record, fields)

    _read_input(call, fields)
    _read_output(call, fields)
    if call.input_messages or call.output_messages or call.system_instructions:
        call.content_source = "span"
    call.tool_definitions = tool_definitions_from([_tool_spec(tool) for tool in _list(fields.get("ai.prompt.tools"))])
    return call


def _sdk_version(fields: Attributes) -> str | None:
    user_agent = to_str(fields.get("ai.request.headers.user-agent"))
    match = _USER_AGENT_VERSION.search(user_agent or "")
    return match.group(1) if match else None


def _provider(value: Any) -> str | None:
    # The SDK names a provider with its API: "openai.chat", "openai.responses", "anthropic.messages".
    text = to_str(value)
    return text.split(".", 1)[0] if text else None


def _read_usage(call: LlmCall, fields: Attributes) -> None:
    # NOTE: the SDK 4 names (promptTokens and completionTokens here, args and result in
    # messages) were not seen in a recorded span.
    call.input_tokens = first_int(
        fields, "ai.usage.inputTokens", "ai.usage.promptTokens", "ai.usage.tokens", "gen_ai.usage.input_tokens"
    )
    call.output_tokens = first_int(fields, "ai.usage.outputTokens", "ai.usage.completionTokens", "gen_ai.usage.output_tokens")
    call.total_tokens = first_int(fields, "ai.usage.totalTokens")
    call.cache_read_tokens = first_int(fields, "ai.usage.inputTokenDetails.cacheReadTokens", "ai.usage.cachedInputTokens")
    call.cache_write_tokens = first_int(fields, "ai.usage.inputTokenDetails.cacheWriteTokens")
    call.reasoning_tokens = first_int(fields, "ai.usage.outputTokenDetails.reasoningTokens", "ai.usage.reasoningTokens")


def _first_chunk_ms(record: Record, fields: Attributes) -> float | None:
    milliseconds = to_float(fields.get("ai.response.msToFirstChunk"))
    if milliseconds is not None:
        return milliseconds
    for name, event_fields, _ in span_events(record):
        if name == "ai.stream.firstChunk":
            return to_float(event_fields.get("ai.response.msToFirstChunk"))
    return None


# --- Content ------------------------------------------------------------------------------


def _read_input(call: LlmCall, fields: Attributes) -> None:
    if "ai.prompt.messages" in fields:
        call.input_messages = _messages(parse_json(fields.get("ai.prompt.messages")))
        return
    if "ai.values" in fields or "ai.value" in fields:
        call.input_messages = _embedding_inputs(fields)
        return

    prompt = parse_json(fields.get("ai.prompt"))
    if not isinstance(prompt, Mapping):
        return
    system = prompt.get("system")
    if isinstance(system, str):
        call.system_instructions = text_parts(system)
    elif system is not None:
        call.system_instructions = [part for message in _messages(system) for part in message.parts]
    if isinstance(prompt.get("prompt"), str):
        call.input_messages = [Message(role="user", parts=[Part(type="text", content=prompt["prompt"])])]
    else:
        call.input_messages = _messages(prompt.get("prompt") or prompt.get("messages"))


def _embedding_inputs(fields: Attributes) -> list[Message]:
    # ai.embed has one value and ai.embedMany a list, each JSON-encoded ("\"text\"").
    values = fields.get("ai.values")
    parts: list[Part] = []
    for value in values if isinstance(values, list) else [fields.get("ai.value")]:
        decoded = parse_json(value)
        part = text_part(decoded if isinstance(decoded, str) else value)
        if part is not None:
            parts.append(part)
    return [Message(role="user", parts=parts)] if parts else []


def _read_output(call: LlmCall, fields: Attributes) -> None:
    parts: list[Part] = []
    reasoning = to_str(fields.get("ai.response.reasoning"))
    if reasoning:
        parts.append(Part(type="reasoning", content=reasoning))
    for text in (fields.get("ai.response.text"), fields.get("ai.response.object")):
        part = text_part(text)
        if part is not None:
            parts.append(part)
    for tool_call in _list(parse_json(fields.get("ai.response.toolCalls"))):
        if isinstance(tool_call, Mapping):
            arguments = tool_call.get("input", tool_call.get("args"))
            parts.append(tool_call_part(tool_call.get("toolCallId"), tool_call.get("toolName"), arguments))

    call.finish_reasons = finish_reasons(first_present(fields, "ai.response.finishReason", "gen_ai.response.finish_reasons"))
    if parts:
        finish_reason = call.finish_reasons[0] if len(call.finish_reasons) == 1 else None
        call.output_messages = [Message(role="assistant", parts=parts, finish_reason=finish_reason)]


def _messages(raw: Any) -> list[Message]:
    """Read the SDK's provider-neutral messages: ``{role, content}`` with content a string or
    a list of ``text``, ``reasoning``, ``tool-call``, ``tool-result``, ``image`` and ``file`` parts."""
    messages: list[Message] = []
    for message in _list(raw):
        if not isinstance(message, Mapping):
            continue
        content = message.get("content")
        if isinstance(content, list):
            parts = [part for part in map(_part, content) if part is not None]
        else:
            parts = parts_from_content(content)
        messages.append(Message(role=to_str(message.get("role")) or "user", parts=parts))
    return messages


def _part(raw: Any) -> Part | None:
    if not isinstance(raw, Mapping):
        return text_part(raw)
    kind = raw.get("type")
    if kind == "text":
        return text_part(raw.get("text"))
    if kind == "reasoning":
        text = to_str(raw.get("text"))
        return Part(type="reasoning", content=text) if text else None
    if kind == "tool-call":
        # "input" since SDK 5, "args" in SDK 4.
        return tool_call_part(raw.get("toolCallId"), raw.get("toolName"), raw.get("input", raw.get("args")))
    if kind == "tool-result":
        return tool_result_part(raw.get("toolCallId"), _tool_output(raw), raw.get("toolName"))
    if kind in ("image", "file"):
        data = raw.get("image") if kind == "image" else raw.get("data")
        mime_type = to_str(first_present(raw, "mediaType", "mimeType"))
        return media_part(data if isinstance(data, str) else None, mime_type)
    return Part(type="other", content=json_text(raw))


def _tool_output(raw: Mapping[str, Any]) -> Any:
    # Since SDK 5, output is {"type": "text" | "json" | "error-text" | "error-json" | "content",
    # "value"}. In SDK 4, result is the tool's return value.
    output = raw.get("output")
    if isinstance(output, Mapping) and "value" in output:
        return output["value"]
    return output if output is not None else raw.get("result")


def _tool_spec(tool: Any) -> Any:
    # ai.prompt.tools items are JSON strings of {type, name, description, inputSchema}.
    spec = parse_structured(tool)
    if isinstance(spec, Mapping) and "inputSchema" in spec and "parameters" not in spec:
        spec = {**spec, "parameters": spec["inputSchema"]}
    return spec


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []

"""Message shapes shared by several families, read into ``Message`` and ``Part``.

Shapes read here:

* OTel GenAI 1.37+ (``gen_ai.input.messages``): ``[{role, parts: [{type, ...}]}]``, with the
  drift seen in real output: tool call ``arguments`` as an object or a JSON string, tool
  results under ``response`` or ``result``, and LiteLLM's extra OpenAI-style ``tool_calls``
  and ``tool_call_id`` keys beside ``parts``.
* OpenAI chat messages (``{role, content, tool_calls, tool_call_id}``), also the bodies of
  the per-message GenAI events (``gen_ai.user.message``, ``gen_ai.choice``, ...).
* Bedrock Converse content blocks (``{"text"}``, ``{"toolUse"}``, ``{"toolResult"}``), which
  Strands writes.
* Flattened legacy attributes ``gen_ai.prompt.{i}.*`` / ``gen_ai.completion.{i}.*``.

Every reader skips what it cannot read and never raises on odd input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gravity.normalize.model import Message, Part, ToolDefinition
from gravity.normalize.values import (
    indexed,
    json_or_text,
    json_text,
    mapping,
    parse_json,
    parse_structured,
    text_of,
)

# Finish reasons mapped onto the OTel GenAI enum (stop, length, content_filter, tool_call,
# error); values outside the map are kept as they are.
_FINISH_REASONS = {
    "stop": "stop",
    "end_turn": "stop",
    "stop_sequence": "stop",
    "complete": "stop",
    "length": "length",
    "max_tokens": "length",
    "model_length": "length",
    "content_filter": "content_filter",
    "content-filter": "content_filter",
    "safety": "content_filter",
    "tool_call": "tool_call",
    "tool_calls": "tool_call",
    "tool-calls": "tool_call",
    "tool_use": "tool_call",
    "function_call": "tool_call",
    "error": "error",
}

# Per-message GenAI event names (semconv 1.28-1.36) and the role each one implies.
EVENT_ROLES = {
    "gen_ai.system.message": "system",
    "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant",
    "gen_ai.tool.message": "tool",
}
CHOICE_EVENT = "gen_ai.choice"


def normalize_finish_reason(value: Any) -> str | None:
    """Map a provider's finish reason onto the OTel GenAI enum, keeping unknown values."""
    if not isinstance(value, str) or not value:
        return None
    return _FINISH_REASONS.get(value.lower(), value)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


# OpenAI chat shape


def parts_from_content(content: Any) -> list[Part]:
    """Read an OpenAI ``content``: a string, a list of typed parts, or None."""
    if content is None or content == "":
        return []
    if isinstance(content, str):
        parts = _typed_parts_in_text(content)
        return parts if parts is not None else [Part(type="text", content=content)]
    if isinstance(content, Mapping):
        content = [content]
    if not isinstance(content, list):
        return [Part(type="text", content=text_of(content))]
    parts = []
    for item in content:
        if isinstance(item, str):
            parts.append(Part(type="text", content=item))
        elif isinstance(item, Mapping):
            parts.append(_openai_part(item))
    return parts


_OPENAI_PART_TYPES = {"text", "image_url", "input_audio", "file", "input_text", "input_image", "refusal"}


def _typed_parts_in_text(text: str) -> list[Part] | None:
    # Some instrumentations store a list of content parts as one JSON string. Read it as parts
    # only when every item is a typed OpenAI part, so an ordinary text that happens to be a
    # JSON list stays text.
    if not text.startswith("[{"):
        return None
    parsed = parse_json(text)
    if not isinstance(parsed, list) or not parsed:
        return None
    if not all(isinstance(item, dict) and item.get("type") in _OPENAI_PART_TYPES for item in parsed):
        return None
    return [_openai_part(item) for item in parsed]


def _openai_part(item: Mapping[str, Any]) -> Part:
    kind = item.get("type")
    if kind in ("text", "input_text", "output_text") or (kind is None and "text" in item):
        return Part(type="text", content=text_of(item.get("text")))
    if kind == "refusal":
        return Part(type="text", content=text_of(item.get("refusal")))
    if kind in ("image_url", "input_image"):
        image = item.get("image_url")
        url = image.get("url") if isinstance(image, Mapping) else image
        return media_part(url if isinstance(url, str) else None)
    if kind == "input_audio":
        audio = mapping(item.get("input_audio"))
        audio_format = audio.get("format")
        mime_type = f"audio/{audio_format}" if isinstance(audio_format, str) else None
        return Part(type="media", content=_str(audio.get("data")), mime_type=mime_type)
    if kind == "file":
        file = mapping(item.get("file"))
        data = _str(file.get("file_data")) or _str(file.get("file_id"))
        return media_part(data) if data and data.startswith("data:") else Part(type="media", content=data)
    return Part(type="other", content=json_text(item))


def media_part(url: str | None, mime_type: str | None = None) -> Part:
    """Build a media part from a URL; a ``data:`` URL gives its MIME type and base64 payload."""
    if url and url.startswith("data:") and "," in url:
        header, payload = url[5:].split(",", 1)
        declared = header.split(";")[0] or None
        return Part(type="media", content=payload, mime_type=mime_type or declared)
    return Part(type="media", content=url, mime_type=mime_type)


def tool_call_part(identifier: Any, name: Any, arguments: Any) -> Part:
    """Build a tool call part; JSON-string arguments are parsed so both forms compare equal."""
    return Part(type="tool_call", id=_str(identifier), name=_str(name), arguments=json_or_text(arguments))


def openai_tool_calls(tool_calls: Any) -> list[Part]:
    """Read OpenAI ``tool_calls`` (``[{id, type, function: {name, arguments}}]``)."""
    parts = []
    for call in tool_calls if isinstance(tool_calls, list) else ():
        if not isinstance(call, Mapping):
            continue
        function = mapping(call.get("function")) or call
        parts.append(tool_call_part(call.get("id"), function.get("name"), function.get("arguments")))
    return parts


def message_from_openai(message: Mapping[str, Any], default_role: str = "user") -> Message:
    """Read one OpenAI chat message, including tool calls and tool results."""
    role = _str(message.get("role")) or default_role
    content = message.get("content")
    if role in ("tool", "function"):
        identifier = message.get("tool_call_id") or message.get("id")
        result = Part(
            type="tool_call_response",
            id=_str(identifier),
            name=_str(message.get("name")),
            content=text_of(content),
        )
        return Message(role="tool", parts=[result])
    parts = parts_from_content(content)
    parts.extend(openai_tool_calls(message.get("tool_calls")))
    function_call = message.get("function_call")
    if isinstance(function_call, Mapping):
        parts.append(tool_call_part(None, function_call.get("name"), function_call.get("arguments")))
    return Message(role=role, parts=parts, finish_reason=normalize_finish_reason(message.get("finish_reason")))


def messages_from_openai(value: Any, default_role: str = "user") -> list[Message]:
    """Read a list of OpenAI chat messages (a list or its JSON text)."""
    messages = parse_structured(value)
    if isinstance(messages, Mapping):
        messages = [messages]
    return [message_from_openai(item, default_role) for item in messages or () if isinstance(item, Mapping)]


# Per-message events (semconv 1.28-1.36): log record bodies, pydantic-ai's ``events`` attribute


def message_from_event(name: str, body: Any) -> tuple[str, Message] | None:
    """Read one per-message GenAI event into ``("input" | "output", message)``.

    ``body`` is the event's body: ``{content}`` for system and user messages, ``{content?,
    tool_calls?}`` for assistant messages, ``{content, id}`` for tool results and ``{index,
    finish_reason, message}`` for a choice. Returns None for other event names.
    """
    if not isinstance(body, Mapping):
        body = {"content": body} if body is not None else {}
    if name == CHOICE_EVENT:
        inner = mapping(body.get("message"))
        message = message_from_openai(inner, default_role="assistant")
        message.finish_reason = normalize_finish_reason(body.get("finish_reason")) or message.finish_reason
        return "output", message
    role = EVENT_ROLES.get(name)
    if role is None:
        return None
    fields = dict(body)
    fields.setdefault("role", role)
    if role == "tool" and "tool_call_id" not in fields:
        fields["tool_call_id"] = fields.get("id")
    return "input", message_from_openai(fields, default_role=role)


# OTel GenAI 1.37+ shape


def messages_from_semconv(value: Any) -> list[Message]:
    """Read ``gen_ai.input.messages`` / ``gen_ai.output.messages`` (JSON text or AnyValue list)."""
    messages = parse_structured(value)
    if isinstance(messages, Mapping):
        messages = [messages]
    return [_semconv_message(item) for item in messages or () if isinstance(item, Mapping)]


def _semconv_message(message: Mapping[str, Any]) -> Message:
    role = _str(message.get("role")) or "user"
    raw_parts = message.get("parts")
    if raw_parts is None and "content" in message:
        # An OpenAI-shaped message (content instead of parts) inside a semconv list.
        return message_from_openai(message)
    parts = parts_from_semconv(raw_parts)

    # LiteLLM 1.110 keeps OpenAI's tool_calls beside the parts and writes tool results as text
    # parts under role "tool" with a tool_call_id.
    if not any(part.type == "tool_call" for part in parts):
        parts.extend(openai_tool_calls(message.get("tool_calls")))
    tool_call_id = _str(message.get("tool_call_id"))
    if role == "tool" and tool_call_id:
        parts = [
            Part(type="tool_call_response", id=tool_call_id, content=part.content) if part.type == "text" else part
            for part in parts
        ]
    return Message(role=role, parts=parts, finish_reason=normalize_finish_reason(message.get("finish_reason")))


def parts_from_semconv(value: Any) -> list[Part]:
    """Read a list of 1.37 parts (``gen_ai.system_instructions`` is such a list)."""
    parts = parse_structured(value)
    if isinstance(parts, Mapping):
        parts = [parts]
    if parts is None and isinstance(value, str) and value:
        return [Part(type="text", content=value)]
    result = []
    for part in parts or ():
        if isinstance(part, Mapping):
            result.append(_semconv_part(part))
        elif isinstance(part, str):
            result.append(Part(type="text", content=part))
    return result


def _semconv_part(part: Mapping[str, Any]) -> Part:
    kind = part.get("type")
    if kind == "text":
        return Part(type="text", content=text_of(part.get("content")))
    if kind in ("reasoning", "thinking"):
        return Part(type="reasoning", content=text_of(part.get("content")))
    if kind == "tool_call":
        return tool_call_part(part.get("id"), part.get("name"), part.get("arguments"))
    if kind == "tool_call_response":
        result = part.get("response", part.get("result"))
        return Part(type="tool_call_response", id=_str(part.get("id")), name=_str(part.get("name")), content=tool_result_text(result))
    if kind == "blob":
        return Part(type="media", content=_str(part.get("content")), mime_type=_str(part.get("mime_type")))
    if kind == "uri":
        return media_part(_str(part.get("uri")), _str(part.get("mime_type")))
    if kind == "file":
        return Part(type="media", content=_str(part.get("file_id")), mime_type=_str(part.get("mime_type")))
    return Part(type="other", content=json_text(part))


def tool_result_text(value: Any) -> str | None:
    """Return a tool result as text: strings as they are, text blocks joined, other values as JSON."""
    return text_of(value)


# Bedrock Converse content blocks (Strands)


def parts_from_converse(value: Any) -> list[Part]:
    """Read Converse content blocks (a list or its JSON text); plain text becomes one text part."""
    blocks = parse_structured(value)
    if blocks is None:
        return [Part(type="text", content=value)] if isinstance(value, str) and value else []
    if isinstance(blocks, Mapping):
        blocks = [blocks]
    parts = []
    for block in blocks:
        if isinstance(block, Mapping):
            parts.append(_converse_part(block))
    return parts


def _converse_part(block: Mapping[str, Any]) -> Part:
    if "text" in block:
        return Part(type="text", content=text_of(block["text"]))
    if isinstance(block.get("toolUse"), Mapping):
        use = block["toolUse"]
        return tool_call_part(use.get("toolUseId"), use.get("name"), use.get("input"))
    if isinstance(block.get("toolResult"), Mapping):
        result = block["toolResult"]
        return Part(type="tool_call_response", id=_str(result.get("toolUseId")), content=tool_result_text(result.get("content")))
    if isinstance(block.get("reasoningContent"), Mapping):
        reasoning = block["reasoningContent"].get("reasoningText")
        text = reasoning.get("text") if isinstance(reasoning, Mapping) else None
        return Part(type="reasoning", content=text_of(text))
    for kind in ("image", "document", "video"):
        if isinstance(block.get(kind), Mapping):
            media = block[kind]
            source = mapping(media.get("source"))
            data = source.get("bytes")
            media_format = _str(media.get("format"))
            mime_type = f"{'application' if kind == 'document' else kind}/{media_format}" if media_format else None
            return Part(type="media", content=_str(data), mime_type=mime_type)
    return Part(type="other", content=json_text(block))


# Tool definitions


def tool_definitions_from(value: Any) -> list[ToolDefinition]:
    """Read tool definitions: 1.38 ``gen_ai.tool.definitions``, OpenAI ``tools`` or bare schemas."""
    tools = parse_structured(value)
    if isinstance(tools, Mapping):
        tools = [tools]
    definitions = []
    for tool in tools or ():
        if isinstance(tool, str):
            tool = parse_structured(tool)
        if not isinstance(tool, Mapping):
            continue
        spec = mapping(tool.get("function")) or tool
        name = _str(spec.get("name"))
        if name is None:
            continue
        parameters = spec.get("parameters", spec.get("input_schema", spec.get("parameters_json_schema")))
        definitions.append(
            ToolDefinition(name=name, description=_str(spec.get("description")), parameters=json_or_text(parameters))
        )
    return definitions


def flattened_tool_definitions(attributes: Mapping[str, Any], prefix: str) -> list[ToolDefinition]:
    """Read ``{prefix}.{i}.name|description|parameters`` (OpenLLMetry's ``llm.request.functions``)."""
    definitions = []
    for _, fields in indexed(attributes, prefix):
        name = _str(fields.get("name"))
        if name is not None:
            definitions.append(
                ToolDefinition(
                    name=name,
                    description=_str(fields.get("description")),
                    parameters=json_or_text(fields.get("parameters")),
                )
            )
    return definitions


# Flattened legacy attributes (OpenLLMetry <= 0.4x, LiteLLM 1.79)


def flattened_messages(attributes: Mapping[str, Any], prefix: str, default_role: str) -> list[Message]:
    """Read ``{prefix}.{i}.role|content|tool_calls.{j}.*|function_call.*|tool_call_id|finish_reason``.

    Indices are read in numeric order and gaps are skipped. A message whose ``role`` was
    dropped (attribute limits evict the oldest keys) gets ``default_role`` when it is an output
    and "unknown" otherwise.
    """
    messages = []
    for _, fields in indexed(attributes, prefix):
        role = _str(fields.get("role")) or default_role
        if role in ("tool", "function"):
            result = Part(
                type="tool_call_response",
                id=_str(fields.get("tool_call_id")),
                name=_str(fields.get("name")),
                content=text_of(fields.get("content")),
            )
            messages.append(Message(role="tool", parts=[result]))
            continue
        parts = parts_from_content(fields.get("content"))
        for _, call in indexed(fields, "tool_calls"):
            parts.append(tool_call_part(call.get("id"), call.get("name"), call.get("arguments")))
        if "function_call.name" in fields:
            parts.append(tool_call_part(None, fields.get("function_call.name"), fields.get("function_call.arguments")))
        messages.append(Message(role=role, parts=parts, finish_reason=normalize_finish_reason(fields.get("finish_reason"))))
    return messages

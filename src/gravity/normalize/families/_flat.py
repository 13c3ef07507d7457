"""Readers shared by the OpenInference, Vercel AI SDK, Langfuse and MLflow family modules.

These libraries copy a provider's own request and response into their attributes, so next
to the OpenAI chat shape (read by ``gravity.normalize.messages``) they need the OpenAI
Responses API items, Anthropic content blocks and the usage dicts of both providers.
Every reader skips what it cannot read and never raises on odd input.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gravity.normalize.messages import (
    media_part,
    message_from_openai,
    normalize_finish_reason,
    parts_from_content,
    tool_call_part,
    tool_result_text,
)
from gravity.normalize.model import LlmCall, Message, Part
from gravity.normalize.values import mapping, to_int, to_str

# Content block types that only Anthropic's Messages API uses. A content list that contains
# one of them is read block by block here, not as OpenAI content parts.
_ANTHROPIC_BLOCKS = frozenset({"tool_use", "tool_result", "thinking", "redacted_thinking", "image", "document"})


# --- Messages -----------------------------------------------------------------------------


def text_part(text: Any) -> Part | None:
    """Return a text part, or None for a missing or empty text."""
    if isinstance(text, str) and text != "":
        return Part(type="text", content=text)
    return None


def text_parts(text: Any) -> list[Part]:
    """Return the text as a one-part list, or an empty list for a missing or empty text."""
    part = text_part(text)
    return [part] if part is not None else []


def tool_result_part(call_id: Any, result: Any, name: Any = None) -> Part:
    return Part(type="tool_call_response", id=to_str(call_id), name=to_str(name), content=tool_result_text(result))


def chat_message(raw: Any) -> Message | None:
    """Read one chat message: OpenAI's ``{role, content, tool_calls, tool_call_id}``, or
    Anthropic's ``{role, content}`` whose content blocks carry tool use and tool results."""
    if not isinstance(raw, Mapping):
        return None
    content = raw.get("content")
    if isinstance(content, list) and any(_block_type(block) in _ANTHROPIC_BLOCKS for block in content):
        message = Message(role=to_str(raw.get("role")) or "user", parts=anthropic_parts(content))
    else:
        message = message_from_openai(raw)

    # DeepSeek and vLLM return the model's reasoning beside the content.
    reasoning = to_str(raw.get("reasoning_content"))
    if reasoning:
        message.parts.insert(0, Part(type="reasoning", content=reasoning))
    return message


def chat_messages(raw: Any) -> list[Message]:
    if not isinstance(raw, list):
        return []
    return [message for message in map(chat_message, raw) if message is not None]


def anthropic_parts(blocks: list[Any]) -> list[Part]:
    """Read Anthropic content blocks, and any other item as an OpenAI content part."""
    parts: list[Part] = []
    for block in blocks:
        kind = _block_type(block)
        if not isinstance(block, Mapping) or kind not in _ANTHROPIC_BLOCKS:
            parts.extend(parts_from_content([block]))
        elif kind == "tool_use":
            parts.append(tool_call_part(block.get("id"), block.get("name"), block.get("input")))
        elif kind == "tool_result":
            parts.append(tool_result_part(block.get("tool_use_id"), block.get("content")))
        elif kind == "thinking" and to_str(block.get("thinking")):
            parts.append(Part(type="reasoning", content=block["thinking"]))
        elif kind in ("image", "document"):
            source = mapping(block.get("source"))
            data = to_str(source.get("data")) or to_str(source.get("url")) or to_str(source.get("file_id"))
            parts.append(media_part(data, to_str(source.get("media_type"))))
    return parts


def _block_type(block: Any) -> Any:
    return block.get("type") if isinstance(block, Mapping) else None


def provider_response(response: Any) -> list[Message]:
    """Read the output messages of a provider response: OpenAI chat ``choices``, an OpenAI
    Responses ``output`` list, or an Anthropic message."""
    if not isinstance(response, Mapping):
        return []
    if isinstance(response.get("choices"), list):
        messages: list[Message] = []
        for choice in response["choices"]:
            if not isinstance(choice, Mapping):
                continue
            message = chat_message(choice.get("message") or {"role": "assistant"})
            if message is not None:
                message.finish_reason = normalize_finish_reason(choice.get("finish_reason"))
                messages.append(message)
        return messages
    if isinstance(response.get("output"), list):
        return responses_items(response["output"])
    if response.get("type") == "message" and isinstance(response.get("content"), list):
        message = Message(role=to_str(response.get("role")) or "assistant", parts=anthropic_parts(response["content"]))
        message.finish_reason = normalize_finish_reason(response.get("stop_reason"))
        return [message]
    return []


def responses_items(items: Any) -> list[Message]:
    """Read an OpenAI Responses API ``input`` or ``output`` item list into messages.

    Function calls become tool_call parts of an assistant message and function call outputs
    become tool messages, as in the chat-completions API. Consecutive assistant items
    (reasoning, text and function calls of one turn) form one message.
    """
    if isinstance(items, str):
        return [Message(role="user", parts=[Part(type="text", content=items)])] if items else []
    if not isinstance(items, list):
        return []
    messages: list[Message] = []
    for item in items:
        message = _responses_item(item) if isinstance(item, Mapping) else None
        if message is None:
            continue
        if message.role == "assistant" and messages and messages[-1].role == "assistant":
            messages[-1].parts.extend(message.parts)
        else:
            messages.append(message)
    return messages


def _responses_item(item: Mapping[str, Any]) -> Message | None:
    kind = item.get("type")
    if kind == "function_call":
        call = tool_call_part(item.get("call_id"), item.get("name"), item.get("arguments"))
        return Message(role="assistant", parts=[call])
    if kind == "function_call_output":
        return Message(role="tool", parts=[tool_result_part(item.get("call_id"), item.get("output"))])
    if kind == "reasoning":
        summary = item.get("summary")
        texts = [entry.get("text") for entry in summary if isinstance(entry, Mapping)] if isinstance(summary, list) else []
        parts = [Part(type="reasoning", content=text) for text in texts if isinstance(text, str) and text]
        return Message(role="assistant", parts=parts) if parts else None
    if "role" in item:
        return Message(role=to_str(item.get("role")) or "user", parts=parts_from_content(item.get("content")))
    return None


# --- Usage --------------------------------------------------------------------------------


def read_usage_dict(call: LlmCall, usage: Any) -> None:
    """Fill the token counts ``call`` still lacks from a provider's usage dict.

    Reads OpenAI chat-completions keys (``prompt_tokens``, ``prompt_tokens_details``), OpenAI
    Responses and Anthropic keys (``input_tokens``, ``cache_read_input_tokens``) and
    Langfuse's own (``input``, ``output``, ``total``). Counts are kept as the provider gives
    them: Anthropic's ``input_tokens`` leaves out cached tokens, OpenAI's includes them.
    """
    if not isinstance(usage, Mapping):
        return
    input_details = mapping(usage.get("prompt_tokens_details")) or mapping(usage.get("input_tokens_details"))
    output_details = mapping(usage.get("completion_tokens_details")) or mapping(usage.get("output_tokens_details"))
    candidates = {
        "input_tokens": (usage.get("input_tokens"), usage.get("prompt_tokens"), usage.get("input")),
        "output_tokens": (usage.get("output_tokens"), usage.get("completion_tokens"), usage.get("output")),
        "total_tokens": (usage.get("total_tokens"), usage.get("total")),
        "cache_read_tokens": (
            usage.get("cache_read_input_tokens"),
            input_details.get("cached_tokens"),
            usage.get("input_cached_tokens"),
            usage.get("input_cache_read"),
        ),
        "cache_write_tokens": (usage.get("cache_creation_input_tokens"), usage.get("input_cache_creation")),
        "reasoning_tokens": (output_details.get("reasoning_tokens"), usage.get("output_reasoning_tokens")),
    }
    for field_name, values in candidates.items():
        if getattr(call, field_name) is None:
            setattr(call, field_name, next((number for number in map(to_int, values) if number is not None), None))

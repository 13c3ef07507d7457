"""Render a call as a readable conversation (``gravity reconstruct --format messages``)."""

from __future__ import annotations

from gravity.normalize.model import LlmCall, Message, Part
from gravity.normalize.values import json_text

# Media payloads are base64 or URLs: show their size, not their bytes.
MAX_MEDIA_PREVIEW = 80


def render_messages(call: LlmCall) -> str:
    """Render the call's system instructions, messages, tool calls, results and completion.

    Each message starts with its role in brackets. Tool calls show their name, id and
    arguments, and tool results the id of their tool call. The completion follows a
    ``=== completion ===`` line.
    """
    lines = [_header(call)]
    if call.truncated:
        lines.append("(the span dropped attributes: earlier messages may be missing)")
    if call.tool_definitions:
        lines.append("tools: " + ", ".join(tool.name for tool in call.tool_definitions))
    lines.append("")

    if call.system_instructions:
        lines.append("[system instructions]")
        lines.extend(_part_lines(part) for part in call.system_instructions)
        lines.append("")
    for message in call.input_messages:
        lines.extend(_message_lines(message))
    if call.output_messages:
        lines.append("=== completion ===")
        for message in call.output_messages:
            lines.extend(_message_lines(message))
    elif not call.input_messages and not call.system_instructions:
        lines.append("(no messages recorded)")
    return "\n".join(lines).rstrip("\n") + "\n"


def _header(call: LlmCall) -> str:
    model = call.response_model or call.request_model or "unknown model"
    provider = f" ({call.provider})" if call.provider else ""
    tokens = []
    if call.input_tokens is not None:
        tokens.append(f"{call.input_tokens} input")
    if call.output_tokens is not None:
        tokens.append(f"{call.output_tokens} output")
    usage = f", {' + '.join(tokens)} tokens" if tokens else ""
    kind = "" if call.is_model_call else " [agent run]"
    return f"# {call.operation or 'call'} {model}{provider}{usage}{kind} - span {call.span_id}"


def _message_lines(message: Message) -> list[str]:
    heading = f"[{message.role}]"
    if message.finish_reason:
        heading += f" finish_reason={message.finish_reason}"
    lines = [heading]
    lines.extend(_part_lines(part) for part in message.parts)
    if not message.parts:
        lines.append("(empty)")
    lines.append("")
    return lines


def _part_lines(part: Part) -> str:
    if part.type == "text":
        return part.content or ""
    if part.type == "tool_call":
        arguments = part.arguments if isinstance(part.arguments, str) else json_text(part.arguments)
        return f"-> tool call {part.name or '?'} (id {part.id or '?'}): {arguments}"
    if part.type == "tool_call_response":
        name = f" {part.name}" if part.name else ""
        return f"<- tool result{name} (id {part.id or '?'}): {part.content or ''}"
    if part.type == "reasoning":
        return f"(reasoning) {part.content or ''}"
    if part.type == "media":
        return _media_line(part)
    return f"({part.type}) {part.content or ''}"


def _media_line(part: Part) -> str:
    content = part.content or ""
    kind = part.mime_type or "media"
    if content.startswith(("http://", "https://", "gs://", "s3://", "file:")) and len(content) <= MAX_MEDIA_PREVIEW:
        return f"[{kind}: {content}]"
    return f"[{kind}, {len(content)} characters]"

"""The normalized LLM call: one record per model-call span, whatever library emitted it.

Field names follow the OpenTelemetry GenAI semantic conventions where they have a name
(operation, provider, request and response model, token usage), so the Parquet columns read
like the spec.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Part:
    """One ordered piece of a message.

    ``type`` is one of: text, tool_call, tool_call_response, media, reasoning, other.
    """

    type: str
    content: str | None = None  # text, reasoning, tool result text, media data or URI
    id: str | None = None  # tool call id (tool_call and tool_call_response)
    name: str | None = None  # tool name
    arguments: Any = None  # tool call arguments: parsed JSON when they parse, else the string
    mime_type: str | None = None  # media


@dataclass
class Message:
    role: str  # system, user, assistant, tool
    parts: list[Part] = field(default_factory=list)
    finish_reason: str | None = None  # output messages only


@dataclass
class ToolDefinition:
    name: str
    description: str | None = None
    parameters: Any = None  # JSON schema, parsed


@dataclass
class LlmCall:
    """What one model call sent, received and cost.

    ``None`` means the span did not say; a count of 0 means the span said 0. ``cost_usd`` is
    the span's own cost when it carries one, else the price table's, else None ("unknown").
    """

    trace_id: str
    span_id: str
    family: str  # e.g. "openinference", "otel_genai", "unknown"
    family_version: str | None = None  # instrumentation scope version when known
    is_model_call: bool = True  # False for agent or workflow spans that repeat run totals
    operation: str | None = None  # chat, text_completion, embeddings, invoke_agent, ...
    provider: str | None = None
    request_model: str | None = None
    response_model: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cache_read_tokens: int | None = None
    cache_write_tokens: int | None = None
    reasoning_tokens: int | None = None
    total_tokens: int | None = None
    cost_usd: float | None = None
    cost_source: str | None = None  # "span" or "price_table"
    latency_ms: float | None = None
    time_to_first_token_ms: float | None = None
    streaming: bool | None = None
    status: str | None = None  # ok, error, unset
    error: str | None = None
    finish_reasons: list[str] = field(default_factory=list)
    session_id: str | None = None
    user_id: str | None = None
    system_instructions: list[Part] = field(default_factory=list)
    input_messages: list[Message] = field(default_factory=list)
    output_messages: list[Message] = field(default_factory=list)
    tool_definitions: list[ToolDefinition] = field(default_factory=list)
    # The span dropped attributes (droppedAttributesCount > 0, usually the SDK's limit of 128),
    # so flattened messages may be missing from the front of the conversation.
    truncated: bool = False
    content_source: str | None = None  # "span" or "logs": where the messages were read

"""Span fields every family reads the same way: ids, times, status, and the ``gen_ai.*`` keys.

The ``gen_ai.*`` readers accept every name a key has had across semconv versions and the
libraries that emit them (``prompt_tokens`` and ``input_tokens``, ``cache_read.input_tokens``
and ``cache_read_input_tokens``, ``gen_ai.system`` and ``gen_ai.provider.name``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from gravity.normalize.messages import (
    messages_from_semconv,
    normalize_finish_reason,
    parts_from_semconv,
    tool_definitions_from,
)
from gravity.normalize.model import LlmCall, Message
from gravity.normalize.values import (
    Attributes,
    attribute_map,
    dropped_attributes,
    first_int,
    first_present,
    mapping,
    string_list,
    to_bool,
    to_int,
    to_str,
)
from gravity.otlp.model import TRACES, Record

# OTLP Status.code: 0 unset, 1 ok, 2 error.
_STATUS = {0: "unset", 1: "ok", 2: "error"}

# Operations (gen_ai.operation.name) of spans that stand for an agent or workflow run. Their
# usage, when present, repeats the totals of the model calls inside them.
AGENT_OPERATIONS = frozenset({"invoke_agent", "create_agent", "invoke_workflow"})
TOOL_OPERATIONS = frozenset({"execute_tool"})

# Usage key names after the ``gen_ai.usage.`` prefix, in order of preference: the current
# semconv name first, then older or library-specific spellings.
INPUT_TOKEN_NAMES = ("input_tokens", "prompt_tokens")
OUTPUT_TOKEN_NAMES = ("output_tokens", "completion_tokens")
CACHE_READ_NAMES = ("cache_read.input_tokens", "cache_read_input_tokens")
CACHE_WRITE_NAMES = ("cache_creation.input_tokens", "cache_creation_input_tokens", "cache_write_input_tokens")
REASONING_NAMES = ("reasoning.output_tokens", "reasoning_tokens", "details.reasoning_tokens")
TOTAL_NAMES = ("total_tokens",)


class AttributeKeys:
    """The keys of a span's attribute map, for the families' ``matches`` tests.

    Detection tries up to nine families on each span, so the tests run in C: a dict lookup,
    and substring search in the keys joined by newlines.
    """

    __slots__ = ("_attributes", "_joined")

    def __init__(self, attributes: Attributes) -> None:
        self._attributes = attributes
        self._joined = "\n" + "\n".join(attributes)

    def __contains__(self, key: object) -> bool:
        return key in self._attributes

    def has_prefix(self, *prefixes: str) -> bool:
        """Tell whether any key starts with one of ``prefixes``."""
        if not any("\n" + prefix in self._joined for prefix in prefixes):
            return False
        # A key with a newline in it can fake a match in the joined text, so check the keys.
        return any(key.startswith(prefixes) for key in self._attributes)


def attribute_keys(record: Record) -> AttributeKeys:
    """Return the keys of the record's attribute map."""
    return AttributeKeys(span_attributes(record))


def is_family_span(
    record: Record,
    scope_name: str,
    has_family_key: Callable[[AttributeKeys], bool],
    keys: AttributeKeys | None = None,
) -> bool:
    """Tell whether a trace record comes from the scope ``scope_name`` or has attribute keys
    that ``has_family_key`` accepts. ``keys`` are the record's keys when the caller has them."""
    if record.signal != TRACES:
        return False
    if (record.scope.get("scope") or {}).get("name") == scope_name:
        return True
    return has_family_key(attribute_keys(record) if keys is None else keys)


def span_attributes(record: Record) -> Attributes:
    """Return the span's attributes as plain values."""
    return attribute_map(record.item.get("attributes"))


def span_events(record: Record) -> list[tuple[str, Attributes, Mapping[str, Any]]]:
    """Return the span's events as ``(name, attributes, event)`` in the order they arrived."""
    events = []
    for event in record.item.get("events") or ():
        if isinstance(event, Mapping):
            events.append((str(event.get("name") or ""), attribute_map(event.get("attributes")), event))
    return events


def new_call(record: Record, family: str) -> LlmCall:
    """Start a call from the span's ids, scope version, status, duration and dropped attributes."""
    item = record.item
    scope = mapping(record.scope.get("scope"))
    call = LlmCall(
        trace_id=record.trace_id,
        span_id=record.span_id,
        family=family,
        family_version=to_str(scope.get("version")),
    )

    status = mapping(item.get("status"))
    code = to_int(status.get("code")) or 0
    call.status = _STATUS.get(code, "unset")
    if code == 2:
        call.error = to_str(status.get("message")) or _exception_message(record) or "error"

    start = to_int(item.get("startTimeUnixNano"))
    end = to_int(item.get("endTimeUnixNano"))
    if start and end and end >= start:
        call.latency_ms = (end - start) / 1e6

    call.truncated = dropped_attributes(item) > 0
    return call


def _exception_message(record: Record) -> str | None:
    for name, attributes, _ in span_events(record):
        if name == "exception":
            message = to_str(attributes.get("exception.message"))
            kind = to_str(attributes.get("exception.type"))
            if message or kind:
                return f"{kind}: {message}" if kind and message else message or kind
    return None


def start_time_ns(record: Record) -> int | None:
    """Return the span's start time in nanoseconds since the epoch, when it has one."""
    return to_int(record.item.get("startTimeUnixNano")) or None


def read_gen_ai(attributes: Attributes, call: LlmCall) -> None:
    """Fill the call from the generic ``gen_ai.*`` keys; fields already set are kept."""
    call.operation = call.operation or to_str(attributes.get("gen_ai.operation.name"))
    call.provider = call.provider or provider_name(first_present(attributes, "gen_ai.provider.name", "gen_ai.system"))
    call.request_model = call.request_model or to_str(attributes.get("gen_ai.request.model"))
    call.response_model = call.response_model or to_str(attributes.get("gen_ai.response.model"))
    read_usage(attributes, call)
    if not call.finish_reasons:
        call.finish_reasons = finish_reasons(attributes.get("gen_ai.response.finish_reasons"))
    if call.streaming is None:
        call.streaming = to_bool(first_present(attributes, "gen_ai.is_streaming", "llm.is_streaming"))
    call.session_id = call.session_id or to_str(first_present(attributes, "session.id", "gen_ai.conversation.id"))
    call.user_id = call.user_id or to_str(first_present(attributes, "user.id", "enduser.id"))


def read_usage(attributes: Attributes, call: LlmCall, prefix: str = "gen_ai.usage.") -> None:
    """Fill unset token counts from ``{prefix}input_tokens`` and the other usage names.

    With the default prefix, OpenLLMetry's ``llm.usage.total_tokens`` and
    ``llm.usage.reasoning_tokens`` are read too. Pydantic AI's agent spans use the prefix
    ``gen_ai.aggregated_usage.``.
    """

    def read(names: tuple[str, ...], *extra: str) -> int | None:
        return first_int(attributes, *(prefix + name for name in names), *extra)

    legacy = prefix == "gen_ai.usage."
    if call.input_tokens is None:
        call.input_tokens = read(INPUT_TOKEN_NAMES)
    if call.output_tokens is None:
        call.output_tokens = read(OUTPUT_TOKEN_NAMES)
    if call.cache_read_tokens is None:
        call.cache_read_tokens = read(CACHE_READ_NAMES)
    if call.cache_write_tokens is None:
        call.cache_write_tokens = read(CACHE_WRITE_NAMES)
    if call.reasoning_tokens is None:
        call.reasoning_tokens = read(REASONING_NAMES, *(["llm.usage.reasoning_tokens"] if legacy else []))
    if call.total_tokens is None:
        call.total_tokens = read(TOTAL_NAMES, *(["llm.usage.total_tokens"] if legacy else []))


def has_usage(attributes: Attributes) -> bool:
    """Tell whether any ``gen_ai.usage.*`` or ``llm.usage.*`` key is present."""
    return any(key.startswith(("gen_ai.usage.", "llm.usage.")) for key in attributes)


def provider_name(value: Any) -> str | None:
    """Normalize a provider name: lowercase ("OpenAI" from OpenLLMetry becomes "openai")."""
    text = to_str(value)
    return text.lower() if text else None


def finish_reasons(value: Any) -> list[str]:
    """Read finish reasons from an array or a JSON-string array and map them onto the enum."""
    reasons = []
    for reason in string_list(value):
        normalized = normalize_finish_reason(reason)
        if normalized:
            reasons.append(normalized)
    return reasons


# Content keys of OTel GenAI 1.37+ (gen_ai.tool.definitions since 1.38).
INPUT_MESSAGES = "gen_ai.input.messages"
OUTPUT_MESSAGES = "gen_ai.output.messages"
SYSTEM_INSTRUCTIONS = "gen_ai.system_instructions"
TOOL_DEFINITIONS = "gen_ai.tool.definitions"


def set_event_messages(call: LlmCall, inputs: list[Message], outputs: list[Message]) -> None:
    """Set the messages read from span events where the call has none yet.

    The content source becomes "span" when any message was read and no source is set, even
    if the call kept the messages it already had.
    """
    if inputs and not call.input_messages:
        call.input_messages = inputs
    if outputs and not call.output_messages:
        call.output_messages = outputs
    if (inputs or outputs) and call.content_source is None:
        call.content_source = "span"


def read_semconv_content(attributes: Attributes, call: LlmCall, source: str = "span") -> bool:
    """Fill empty content fields from the 1.37+ keys; return whether any content was read.

    The values may be JSON text (on spans) or already structured (AnyValues on log events).
    """
    read = False
    if not call.input_messages and attributes.get(INPUT_MESSAGES) is not None:
        call.input_messages = messages_from_semconv(attributes[INPUT_MESSAGES])
        read = read or bool(call.input_messages)
    if not call.output_messages and attributes.get(OUTPUT_MESSAGES) is not None:
        call.output_messages = messages_from_semconv(attributes[OUTPUT_MESSAGES])
        read = read or bool(call.output_messages)
    if not call.system_instructions and attributes.get(SYSTEM_INSTRUCTIONS) is not None:
        call.system_instructions = parts_from_semconv(attributes[SYSTEM_INSTRUCTIONS])
        read = read or bool(call.system_instructions)
    if not call.tool_definitions and attributes.get(TOOL_DEFINITIONS) is not None:
        call.tool_definitions = tool_definitions_from(attributes[TOOL_DEFINITIONS])
    if read and call.content_source is None:
        call.content_source = source
    return read

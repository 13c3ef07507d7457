"""Pydantic AI's instrumentation (also used by Logfire): scope ``pydantic-ai``.

Model calls are ``chat <model>`` spans. Agent runs (``agent run`` in 0.x, ``invoke_agent
<agent>`` later) are kept with ``is_model_call=False``, because their usage repeats the
run's totals: ``gen_ai.usage.*`` in 0.x, ``gen_ai.aggregated_usage.*`` later. Tool spans
(``running tool``, ``execute_tool``) are not calls.

* format 1 (0.x): ``events`` is a JSON list of per-message event dicts
  (``{"event.name": "gen_ai.user.message", "content": ..., ...}``), the agent span has
  ``all_messages_events`` and ``final_result``;
* format 2+ (1.x, 2.x): the OTel GenAI 1.37 JSON keys, with tool call arguments as JSON
  text and tool results as ``{type: tool_call_response, id, name, result}``; the agent span
  has ``pydantic_ai.all_messages``. ``operation.cost`` is the call's cost in USD.
"""

from __future__ import annotations

from collections.abc import Mapping

from gravity.normalize.messages import message_from_event, messages_from_semconv, tool_definitions_from
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.normalize.span_fields import (
    AGENT_OPERATIONS,
    TOOL_OPERATIONS,
    AttributeKeys,
    new_call,
    read_gen_ai,
    read_semconv_content,
    read_usage,
    span_attributes,
)
from gravity.normalize.values import Attributes, parse_structured, text_of, to_float, to_str
from gravity.otlp.model import Record

FAMILY = "pydantic_ai"

_AGENT_KEYS = ("all_messages_events", "pydantic_ai.all_messages", "final_result")
_MODEL_KEYS = ("events", "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.request.model")


def matches(record: Record, keys: AttributeKeys | None = None) -> bool:
    return str(record.scope.get("scope", {}).get("name") or "").startswith(("pydantic-ai", "pydantic_ai"))


def extract(record: Record, attributes: Attributes | None = None) -> LlmCall | None:
    attributes = span_attributes(record) if attributes is None else attributes
    operation = to_str(attributes.get("gen_ai.operation.name"))
    if operation in TOOL_OPERATIONS:
        return None
    if operation in AGENT_OPERATIONS or any(key in attributes for key in _AGENT_KEYS):
        return _agent_run(record, attributes)
    if any(key in attributes for key in _MODEL_KEYS):
        return _model_call(record, attributes)
    return None  # running tool(s), user spans


def _model_call(record: Record, attributes: Attributes) -> LlmCall:
    call = new_call(record, FAMILY)
    read_gen_ai(attributes, call)
    cost = to_float(attributes.get("operation.cost"))
    if cost is not None:
        call.cost_usd = cost
        call.cost_source = "span"

    if not read_semconv_content(attributes, call):
        call.input_messages, call.output_messages = _messages_from_events(attributes.get("events"))
        if call.input_messages or call.output_messages:
            call.content_source = "span"
    if not call.tool_definitions:
        call.tool_definitions = _function_tools(attributes.get("model_request_parameters"))
    return call


def _agent_run(record: Record, attributes: Attributes) -> LlmCall:
    call = new_call(record, FAMILY)
    call.is_model_call = False
    read_usage(attributes, call, prefix="gen_ai.aggregated_usage.")
    read_gen_ai(attributes, call)
    call.operation = call.operation or "invoke_agent"
    call.request_model = call.request_model or to_str(attributes.get("model_name"))

    read_semconv_content(attributes, call)
    if "pydantic_ai.all_messages" in attributes:
        messages = messages_from_semconv(attributes["pydantic_ai.all_messages"])
    else:
        inputs, outputs = _messages_from_events(attributes.get("all_messages_events"))
        messages = inputs + outputs

    # The run's result is its last assistant message. When the run ended on something else
    # (a structured output tool), final_result is the result.
    if messages and messages[-1].role == "assistant":
        call.input_messages, call.output_messages = messages[:-1], messages[-1:]
    else:
        call.input_messages = messages
        final_result = text_of(attributes.get("final_result"))
        if final_result is not None:
            call.output_messages = [Message(role="assistant", parts=[Part(type="text", content=final_result)])]
    if not call.finish_reasons:
        call.finish_reasons = [message.finish_reason for message in call.output_messages if message.finish_reason]
    if call.input_messages or call.output_messages:
        call.content_source = "span"
    return call


def _messages_from_events(value: object) -> tuple[list[Message], list[Message]]:
    # Format 1 flattens each per-message event into one dict: its name under "event.name",
    # the body's fields beside it.
    inputs: list[Message] = []
    outputs: list[Message] = []
    events = parse_structured(value)
    for event in events if isinstance(events, list) else ():
        if not isinstance(event, Mapping):
            continue
        read = message_from_event(str(event.get("event.name") or ""), event)
        if read is not None:
            (outputs if read[0] == "output" else inputs).append(read[1])
    return inputs, outputs


def _function_tools(value: object) -> list[ToolDefinition]:
    parameters = parse_structured(value)
    if not isinstance(parameters, Mapping):
        return []
    return tool_definitions_from(parameters.get("function_tools"))

"""The readable conversation of ``gravity reconstruct --format messages``."""

from __future__ import annotations

from collections.abc import Callable

from gravity.normalize import render_messages
from gravity.normalize.model import LlmCall, Message, Part


def test_tool_round_trip(fixture_calls: Callable[[str], list[LlmCall]]) -> None:
    call = fixture_calls("openllmetry-openai-0.40.14.json")[1]

    text = render_messages(call)

    assert text.splitlines() == [
        "# chat gpt-4o-mini-2024-07-18 (openai), 98 input + 24 output tokens - span 6056ef796161b495",
        "tools: get_weather",
        "",
        "[system]",
        "You are a concise travel assistant.",
        "",
        "[user]",
        "Hi! What's the weather in Paris?",
        "",
        "[assistant]",
        '-> tool call get_weather (id call_wx_001): {"city":"Paris"}',
        "",
        "[tool]",
        '<- tool result (id call_wx_001): {"temp_c": 18, "sky": "sunny"}',
        "",
        "=== completion ===",
        "[assistant] finish_reason=stop",
        "It is 18°C (64°F) and sunny in Paris ☀️.",
    ]


def test_system_instructions_and_agent_run(fixture_calls: Callable[[str], list[LlmCall]]) -> None:
    run = [call for call in fixture_calls("pydantic-ai-2.68.0.json") if not call.is_model_call][0]

    text = render_messages(run)

    assert "[agent run]" in text.splitlines()[0]
    assert text.splitlines()[2:4] == ["[system instructions]", "You are a concise travel assistant."]
    assert "<- tool result get_weather (id call_wx_001): " in text


def test_media_shows_size_not_bytes() -> None:
    payload = "iVBORw0KGgo" * 100
    call = LlmCall(
        trace_id="t",
        span_id="s",
        family="test",
        input_messages=[Message("user", [Part(type="media", content=payload, mime_type="image/png")])],
    )

    text = render_messages(call)

    assert "[image/png, 1100 characters]" in text
    assert payload not in text


def test_truncated_and_empty() -> None:
    call = LlmCall(trace_id="t", span_id="s", family="test", truncated=True)

    text = render_messages(call)

    assert "earlier messages may be missing" in text
    assert "(no messages recorded)" in text

"""The conversation the convention fixtures record: a weather question answered through a
get_weather tool call, then a follow-up question.

These are the messages as most families read them. A family that writes one differently (a
compact tool result, a tool name on the result, another schema) keeps its own in its tests.
"""

from __future__ import annotations

from gravity.normalize.model import Message, Part, ToolDefinition

SYSTEM_TEXT = "You are a concise travel assistant."
SYSTEM_PART = Part(type="text", content=SYSTEM_TEXT)
SYSTEM = Message("system", [SYSTEM_PART])
ASK = Message("user", [Part(type="text", content="Hi! What's the weather in Paris?")])
WEATHER_CALL = Part(type="tool_call", id="call_wx_001", name="get_weather", arguments={"city": "Paris"})
CALL_WEATHER = Message("assistant", [WEATHER_CALL])
WEATHER_JSON = '{"temp_c": 18, "sky": "sunny"}'
WEATHER_RESULT = Message("tool", [Part(type="tool_call_response", id="call_wx_001", content=WEATHER_JSON)])
ANSWER_TEXT = "It is 18°C (64°F) and sunny in Paris ☀️."
ANSWER = Message("assistant", [Part(type="text", content=ANSWER_TEXT)])
THANKS = Message("user", [Part(type="text", content="Thanks! Should I pack an umbrella?")])
UMBRELLA_TEXT = "No umbrella needed today — enjoy Paris!"
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
WEATHER_TOOL = ToolDefinition("get_weather", "Current weather for a city", WEATHER_SCHEMA)
# Claude's text before its tool call, in the LiteLLM runs.
LET_ME_CHECK = Part(type="text", content="Let me check.")

"""Value helpers: AnyValues, integers in both encodings, JSON and Python-repr text, flattened
indexed keys and dropped attributes."""

from __future__ import annotations

from typing import Any

import pytest

from gravity.normalize import values


@pytest.mark.parametrize(
    ("encoded", "expected"),
    [
        ({"stringValue": "hi"}, "hi"),
        ({"intValue": "200"}, 200),
        ({"intValue": 200}, 200),
        ({"boolValue": True}, True),
        ({"doubleValue": 0.2}, 0.2),
        ({"doubleValue": "NaN"}, None),
        ({"bytesValue": "aGVsbG8="}, b"hello"),
        ({"arrayValue": {"values": [{"stringValue": "a"}, {"intValue": "1"}]}}, ["a", 1]),
        ({"kvlistValue": {"values": [{"key": "k", "value": {"stringValue": "v"}}]}}, {"k": "v"}),
        ({"arrayValue": {}}, []),
        ({}, None),
        (None, None),
    ],
)
def test_any_value(encoded: Any, expected: Any) -> None:
    assert values.any_value(encoded) == expected


def test_attribute_map_keeps_last_of_repeated_key() -> None:
    attributes = [
        {"key": "a", "value": {"intValue": "1"}},
        {"key": "b", "value": {"stringValue": "x"}},
        {"key": "a", "value": {"intValue": "2"}},
        {"value": {"stringValue": "no key"}},
    ]

    assert values.attribute_map(attributes) == {"a": 2, "b": "x"}


@pytest.mark.parametrize("given", [42, "42", " 42 ", "42.0", 42.0])
def test_to_int_accepts_strings_and_numbers(given: Any) -> None:
    assert values.to_int(given) == 42


@pytest.mark.parametrize("given", ["4.5", 4.5, True, None, "", "forty-two", [42]])
def test_to_int_rejects_non_integers(given: Any) -> None:
    assert values.to_int(given) is None


@pytest.mark.parametrize(("given", "expected"), [(True, True), ("False", False), ("true", True), ("yes", None), (1, None)])
def test_to_bool(given: Any, expected: bool | None) -> None:
    assert values.to_bool(given) is expected


@pytest.mark.parametrize(("given", "expected"), [("x", "x"), ("", None), ("None", None), (3, None)])
def test_to_str(given: Any, expected: str | None) -> None:
    assert values.to_str(given) == expected


def test_python_literal_of_litellm_repr() -> None:
    text = "[{'role': 'user', 'content': [{'type': 'text', 'text': \"Hi! What's the weather?\"}]}, {'stop': None, 'stream': False, 'temp': 18.5}]"

    assert values.parse_python_literal(text) == [
        {"role": "user", "content": [{"type": "text", "text": "Hi! What's the weather?"}]},
        {"stop": None, "stream": False, "temp": 18.5},
    ]


@pytest.mark.parametrize(
    "text",
    [
        "{'client': <litellm.proxy.utils.PrismaClient object at 0xffff7454cad0>}",
        "__import__('os').system('echo unsafe')",
        "(lambda: 1)()",
        "[" * 500 + "]" * 500,
        "{'unclosed': [1, 2",
    ],
)
def test_python_literal_rejects_non_literals(text: str) -> None:
    assert values.parse_python_literal(text) is None


def test_python_literal_rejects_oversized_text(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(values, "MAX_LITERAL_CHARS", 10)

    assert values.parse_python_literal("[1, 2, 3, 4, 5]") is None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("{'a': None}", {"a": None}),
        ("[1, 2]", [1, 2]),
        ({"already": "parsed"}, {"already": "parsed"}),
        ("42", None),
        ("true", None),
        ("plain text", None),
        ("[not json or python", None),
        (None, None),
    ],
)
def test_parse_structured(given: Any, expected: Any) -> None:
    assert values.parse_structured(given) == expected


def test_escaped_and_raw_json_parse_alike() -> None:
    escaped = values.parse_json('{"t": "18\\u00b0C \\u2600\\ufe0f"}')
    raw = values.parse_json('{"t": "18°C ☀️"}')

    assert escaped == raw == {"t": "18°C ☀️"}


@pytest.mark.parametrize(("given", "expected"), [('{"city": "Paris"}', {"city": "Paris"}), ({"city": "Paris"}, {"city": "Paris"}), ("{bad", "{bad")])
def test_json_or_text(given: Any, expected: Any) -> None:
    assert values.json_or_text(given) == expected


def test_json_text_is_raw_utf8() -> None:
    assert values.json_text({"t": "18°C", "n": [1, None]}) == '{"t":"18°C","n":[1,null]}'


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("plain", "plain"),
        ([{"text": "a"}, {"text": "b"}], "a\nb"),
        ([{"type": "text", "content": "a"}], "a"),
        ({"temp_c": 18}, '{"temp_c":18}'),
        ([{"toolResult": {}}], '[{"toolResult":{}}]'),
        (None, None),
    ],
)
def test_text_of(given: Any, expected: str | None) -> None:
    assert values.text_of(given) == expected


def test_indexed_sorts_numerically_with_gaps() -> None:
    attributes = {
        "p.10.role": "user",
        "p.2.role": "assistant",
        "p.0.content": "first",
        "p.0.role": "system",
        "p.10.content": "last",
        "p.2.tool_calls.1.name": "g",
        "p.2.tool_calls.0.name": "f",
        "p.3": "bare",
        "p.x.role": "not an index",
        "other.0.role": "not this prefix",
    }

    items = values.indexed(attributes, "p")

    assert [index for index, _ in items] == [0, 2, 3, 10]
    assert items[0][1] == {"content": "first", "role": "system"}
    assert items[2][1] == {"": "bare"}
    assert [call["name"] for _, call in values.indexed(items[1][1], "tool_calls")] == ["f", "g"]


@pytest.mark.parametrize(("item", "expected"), [({"droppedAttributesCount": 7}, 7), ({"droppedAttributesCount": "7"}, 7), ({}, 0)])
def test_dropped_attributes(item: dict[str, Any], expected: int) -> None:
    assert values.dropped_attributes(item) == expected


@pytest.mark.parametrize(("given", "expected"), [(["stop"], ["stop"]), ('["stop", "length"]', ["stop", "length"]), ("stop", ["stop"]), (None, [])])
def test_string_list(given: Any, expected: list[str]) -> None:
    assert values.string_list(given) == expected


def test_first_int_skips_unreadable() -> None:
    attributes = {"a": "n/a", "b": "12", "c": 3}

    assert values.first_int(attributes, "missing", "a", "b", "c") == 12

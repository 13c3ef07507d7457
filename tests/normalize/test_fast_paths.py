"""Fast paths of normalization against the plain code they replace."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from gravity.normalize import detect_family, normalize_span
from gravity.normalize.detect import _modules
from gravity.normalize.span_fields import AttributeKeys, span_attributes
from gravity.normalize.values import indexed
from gravity.otlp.model import TRACES, Record
from tests.normalize.helpers import CONVENTIONS, convention_records

FIXTURE_NAMES = sorted(path.name for path in CONVENTIONS.glob("*.json") if not path.name.endswith(".logs.json"))


def _span(attributes: list[Any], scope_name: str = "some.scope") -> Record:
    scope = {"scope": {"name": scope_name}}
    return Record(TRACES, {"resource": {}}, scope, {"traceId": "ab" * 16, "spanId": "cd" * 8, "attributes": attributes})


def _attribute(key: Any, text: str = "x") -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": text}}


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_extract_leaves_shared_attributes(name: str) -> None:
    # normalize_span passes one attribute map to detection and extraction, so neither may change it.
    for record in convention_records(name):
        attributes = span_attributes(record)
        before = copy.deepcopy(attributes)
        for module in _modules():
            if module.matches(record, AttributeKeys(attributes)):
                module.extract(record, attributes)
        assert attributes == before


@pytest.mark.parametrize("name", FIXTURE_NAMES)
def test_detection_with_and_without_keys(name: str) -> None:
    for record in convention_records(name):
        keys = AttributeKeys(span_attributes(record))
        for module in _modules():
            assert module.matches(record, keys) == module.matches(record)


def test_attribute_keys_prefix_and_membership() -> None:
    keys = AttributeKeys({"llm.input_messages.0.message.role": "user", "session.id": "s"})
    assert keys.has_prefix("llm.input_messages.")
    assert keys.has_prefix("other.", "session.")
    assert not keys.has_prefix("input_messages.")
    assert "session.id" in keys
    assert "session" not in keys


def test_attribute_keys_newline_in_key() -> None:
    # The joined text has "\nlangfuse." inside this one key, but no key starts with it.
    keys = AttributeKeys({"note\nlangfuse.x": 1})
    assert not keys.has_prefix("langfuse.")


def test_detection_skips_malformed_attributes() -> None:
    record = _span(["not a mapping", {"value": {}}, _attribute(7), _attribute("langfuse.observation.type", "span")])
    module = detect_family(record)
    assert module is not None
    assert module.FAMILY == "langfuse"


def test_normalize_span_unknown_family() -> None:
    record = _span([_attribute("gen_ai.request.model", "gpt-4o"), {"key": "gen_ai.usage.input_tokens", "value": {"intValue": 5}}])
    call = normalize_span(record)
    assert call is not None
    assert call.family == "unknown"
    assert call.input_tokens == 5


# The regex that indexed() used before it split keys with str.partition.
_INDEXED_KEY = re.compile(r"(\d+)(?:\.(.+))?")


def _indexed_by_regex(attributes: dict[str, Any], prefix: str) -> list[tuple[int, dict[str, Any]]]:
    items: dict[int, dict[str, Any]] = {}
    for key, value in attributes.items():
        if key.startswith(prefix + "."):
            match = _INDEXED_KEY.fullmatch(key[len(prefix) + 1 :])
            if match is not None:
                items.setdefault(int(match.group(1)), {})[match.group(2) or ""] = value
    return sorted(items.items())


@pytest.mark.parametrize(
    "key",
    [
        "p.0",
        "p.10.role",
        "p.2.tool_calls.0.name",
        "p.3.",
        "p.4.a\nb",
        "p.5.\n",
        "p.\u0663.role",  # ARABIC-INDIC DIGIT THREE: a decimal digit for \d and int()
        "p.\u00b2.role",  # SUPERSCRIPT TWO: a digit for str.isdigit, not for \d
        "p.x.role",
        "p..role",
        "p",
        "q.0.role",
    ],
)
def test_indexed_same_keys_as_regex(key: str) -> None:
    attributes = {key: 1, "p.1.content": 2}
    assert indexed(attributes, "p") == _indexed_by_regex(attributes, "p")


def test_normalize_span_attributes_not_a_list() -> None:
    record = _span([])
    record.item["attributes"] = 5
    assert normalize_span(record) is None

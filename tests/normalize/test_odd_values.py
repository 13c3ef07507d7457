"""Family readers on recorded spans with one attribute value at a time replaced by an odd one."""

from __future__ import annotations

from types import ModuleType
from typing import Any

import pytest

from gravity.normalize.families import langfuse, mlflow, openinference, vercel_ai
from gravity.otlp.model import Record
from tests.normalize.helpers import convention_records

OPENINFERENCE_ODD_VALUES = [
    {"intValue": "not a number"},
    {"stringValue": "{not json"},
    {"arrayValue": {"values": [{"kvlistValue": {"values": []}}]}},
    {"kvlistValue": {"values": [{"key": "k", "value": {"boolValue": True}}]}},
    {},
]

CASES = [
    pytest.param(openinference, "openinference-openai-0.1.66.json", OPENINFERENCE_ODD_VALUES, id="openinference-openai"),
    pytest.param(
        openinference, "openai-agents-0.24.0-openinference-2.6.0.json", OPENINFERENCE_ODD_VALUES, id="openinference-agents"
    ),
    pytest.param(
        langfuse,
        "langfuse-5.2.0.json",
        [{"stringValue": "{"}, {"stringValue": "[1, {"}, {"intValue": "7"}, {"arrayValue": {"values": []}}, {}],
        id="langfuse",
    ),
    pytest.param(
        mlflow,
        "mlflow-tracing-3.17.2.json",
        [{"stringValue": "{"}, {"stringValue": '"CHAT_MODEL"'}, {"stringValue": "[]"}, {"intValue": "3"}, {}],
        id="mlflow",
    ),
    pytest.param(
        vercel_ai,
        "vercel-ai-6.0.333.json",
        [
            {"intValue": "x"},
            {"stringValue": "[{"},
            {"stringValue": "[1, 2]"},
            {"arrayValue": {"values": [{"intValue": 3}]}},
            {"kvlistValue": {"values": []}},
            {},
        ],
        id="vercel_ai",
    ),
]


@pytest.mark.parametrize(("family", "fixture", "odd_values"), CASES)
def test_odd_values_never_raise(family: ModuleType, fixture: str, odd_values: list[dict[str, Any]]) -> None:
    for record in convention_records(fixture):
        for index in range(len(record.item["attributes"])):
            for odd in odd_values:
                attributes = [dict(attribute) for attribute in record.item["attributes"]]
                attributes[index]["value"] = odd
                changed = Record(record.signal, record.resource, record.scope, {**record.item, "attributes": attributes})
                family.extract(changed)  # must not raise

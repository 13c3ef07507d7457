"""Gravity's in-memory form of OTLP data: the OTLP JSON mapping, normalized.

A record is a span or a log record as a dict in the OTLP JSON mapping (camelCase keys).
Trace and span ids are lowercase hex and every 64-bit integer is a Python int; the other
fields are as they arrived. Its resource and scope travel beside it, so one record is
self-contained and can be stored, grouped and rebuilt on its own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Json = dict[str, Any]

TRACES = "traces"
LOGS = "logs"


@dataclass
class Record:
    signal: str  # TRACES or LOGS
    resource: Json  # {"resource": {...}, "schemaUrl": "..."}: the resource envelope
    scope: Json  # {"scope": {...}, "schemaUrl": "..."}: the scope envelope
    item: Json  # the span or the log record
    extras: dict[str, Any] = field(default_factory=dict)

    @property
    def trace_id(self) -> str:
        return str(self.item.get("traceId", ""))

    @property
    def span_id(self) -> str:
        return str(self.item.get("spanId", ""))


def resource_attribute(resource: Json, key: str) -> Any:
    """Return the plain value of a resource attribute, or None when it is absent."""
    for attribute in resource.get("resource", {}).get("attributes", ()):
        if attribute.get("key") == key:
            value = attribute.get("value", {})
            for kind in ("stringValue", "intValue", "boolValue", "doubleValue"):
                if kind in value:
                    return value[kind]
    return None

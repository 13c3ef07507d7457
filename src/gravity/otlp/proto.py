"""Conversion between records and the OTLP protobuf data model.

Comparison in this model is what "lossless" means: two payloads are equal when their spans
parse into equal protobuf messages, whatever their JSON spelling.
"""

from __future__ import annotations

import base64
from typing import Any

from google.protobuf.json_format import ParseDict

from gravity.otlp.model import LOGS, TRACES, Json


def request_class(signal: str) -> Any:
    if signal == TRACES:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceRequest,
        )

        return ExportTraceServiceRequest
    if signal == LOGS:
        from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
            ExportLogsServiceRequest,
        )

        return ExportLogsServiceRequest
    raise ValueError(f"unknown signal {signal!r}: expected 'traces' or 'logs'")


def _ids_hex_to_base64(node: Any) -> Any:
    if isinstance(node, dict):
        converted = {}
        for key, value in node.items():
            if key in ("traceId", "spanId", "parentSpanId") and isinstance(value, str):
                converted[key] = base64.b64encode(bytes.fromhex(value)).decode()
            elif key in ("value", "body"):
                converted[key] = value
            else:
                converted[key] = _ids_hex_to_base64(value)
        return converted
    if isinstance(node, list):
        return [_ids_hex_to_base64(value) for value in node]
    return node


def document_to_proto(document: Json, signal: str) -> Any:
    """Parse an OTLP JSON document (hex ids) into its Export*ServiceRequest message."""
    message = request_class(signal)()
    ParseDict(_ids_hex_to_base64(document), message, ignore_unknown_fields=True)
    return message

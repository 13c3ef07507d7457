"""Bodies of OTLP responses, in the encoding of the request.

The OTLP specification (OTLP/HTTP Response) requires that "the server MUST use the same
Content-Type in the response as it received in the request": an Export*ServiceResponse on
success, with ``partial_success`` set only when items were rejected, and a google.rpc.Status
for every 4xx and 5xx answer.
"""

from __future__ import annotations

from typing import Any

import orjson
from google.protobuf.any_pb2 import Any as AnyMessage
from google.rpc import error_details_pb2, status_pb2

from gravity.otlp.model import LOGS, TRACES
from gravity.receiver.decoding import JSON, PROTOBUF
from gravity.receiver.payload import AcceptedPayload

CONTENT_TYPES = {JSON: "application/json", PROTOBUF: "application/x-protobuf"}

# google.rpc.Code values (google/rpc/code.proto), which gRPC status codes share.
RPC_CODES = {
    "INVALID_ARGUMENT": 3,
    "RESOURCE_EXHAUSTED": 8,
    "UNAVAILABLE": 14,
    "UNAUTHENTICATED": 16,
}

_REJECTED_FIELD = {TRACES: "rejected_spans", LOGS: "rejected_log_records"}
_REJECTED_JSON_FIELD = {TRACES: "rejectedSpans", LOGS: "rejectedLogRecords"}


def response_class(signal: str) -> Any:
    if signal == TRACES:
        from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
            ExportTraceServiceResponse,
        )

        return ExportTraceServiceResponse
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceResponse

    return ExportLogsServiceResponse


def export_response_message(signal: str, accepted: AcceptedPayload | None) -> Any:
    response = response_class(signal)()
    if accepted is not None and accepted.rejected:
        partial = response.partial_success
        setattr(partial, _REJECTED_FIELD[signal], accepted.rejected)
        partial.error_message = accepted.error_message
    return response


def export_response(signal: str, marshaler: str, accepted: AcceptedPayload | None) -> bytes:
    """Encode the Export*ServiceResponse for ``accepted`` (None: an empty request)."""
    if marshaler == PROTOBUF:
        return export_response_message(signal, accepted).SerializeToString()  # type: ignore[no-any-return]
    if accepted is None or not accepted.rejected:
        return b"{}"
    # The proto3 JSON mapping writes int64 fields as decimal strings.
    return orjson.dumps(
        {
            "partialSuccess": {
                _REJECTED_JSON_FIELD[signal]: str(accepted.rejected),
                "errorMessage": accepted.error_message,
            }
        }
    )


def status_message(code: str, message: str, *, bad_request: bool = False) -> Any:
    """Build a google.rpc.Status; for bad data, with the BadRequest detail that the OTLP
    specification recommends."""
    status = status_pb2.Status(code=RPC_CODES.get(code, 2), message=message)
    if bad_request:
        detail = AnyMessage()
        detail.Pack(
            error_details_pb2.BadRequest(
                field_violations=[error_details_pb2.BadRequest.FieldViolation(description=message)]
            )
        )
        status.details.append(detail)
    return status


def status_body(marshaler: str, code: str, message: str, *, bad_request: bool = False) -> bytes:
    status = status_message(code, message, bad_request=bad_request)
    if marshaler == PROTOBUF:
        return status.SerializeToString()  # type: ignore[no-any-return]
    body: dict[str, Any] = {"code": status.code, "message": message}
    if bad_request:
        body["details"] = [
            {
                "@type": "type.googleapis.com/google.rpc.BadRequest",
                "fieldViolations": [{"description": message}],
            }
        ]
    return orjson.dumps(body)

"""OTLP/gRPC receiver: the ``Export`` methods of TraceService and LogsService.

The methods are registered under the service names of the opentelemetry-proto definitions
but take the request as raw bytes, so that a request needing no change is stored exactly as
it arrived, as over OTLP/HTTP. gRPC decompresses gzip requests itself and enforces
``max_decompressed_bytes`` as its maximum message size (RESOURCE_EXHAUSTED past it).

Errors follow the OTLP specification (OTLP/gRPC Response): INVALID_ARGUMENT for bad data,
UNAUTHENTICATED for a missing or unknown API key, and UNAVAILABLE with a google.rpc.RetryInfo
detail when the receiver throttles, so that the exporter retries after that delay.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf.any_pb2 import Any as AnyMessage
from google.protobuf.duration_pb2 import Duration
from google.rpc import error_details_pb2
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2

from gravity.otlp.model import LOGS, TRACES
from gravity.receiver.auth import key_from_headers
from gravity.receiver.decoding import PROTOBUF
from gravity.receiver.responses import export_response_message, status_message
from gravity.receiver.service import ExportError, Receiver

logger = logging.getLogger(__name__)

TRANSPORT = "grpc"

SERVICES = {
    TRACES: trace_service_pb2.DESCRIPTOR.services_by_name["TraceService"].full_name,
    LOGS: logs_service_pb2.DESCRIPTOR.services_by_name["LogsService"].full_name,
}


@dataclass(frozen=True)
class _AbortStatus(grpc.Status):  # type: ignore[misc]
    code: grpc.StatusCode
    details: str
    trailing_metadata: tuple[tuple[str, bytes], ...]


class _ExportMethod:
    def __init__(self, receiver: Receiver, signal: str) -> None:
        self.receiver = receiver
        self.signal = signal
        self.metrics = receiver.metrics

    def __call__(self, body: bytes, context: grpc.ServicerContext) -> bytes:
        try:
            response = self._export(body, context)
        except ExportError as exc:
            self.metrics.requests.labels(TRANSPORT, self.signal, exc.grpc_code).inc()
            self.metrics.rejected_requests.labels(TRANSPORT, self.signal, exc.reason).inc()
            if exc.grpc_code == "INVALID_ARGUMENT":
                logger.info("rejected a gRPC %s request: %s", self.signal, exc.message)
            context.abort_with_status(_abort_status(exc))
            raise AssertionError("abort_with_status returned") from None  # it always raises
        self.metrics.requests.labels(TRANSPORT, self.signal, "OK").inc()
        return response

    def _export(self, body: bytes, context: grpc.ServicerContext) -> bytes:
        metadata = {key.lower(): value for key, value in context.invocation_metadata()}
        org = self.receiver.admit(key_from_headers(metadata))
        self.metrics.decompressed_bytes.labels(TRANSPORT, self.signal).inc(len(body))
        if not body:
            return export_response_message(self.signal, None).SerializeToString()  # type: ignore[no-any-return]

        accepted = self.receiver.decode(body, self.signal, PROTOBUF, org)
        future = self.receiver.submit(accepted, org)
        if future is not None:
            with self.metrics.ack_seconds.labels(TRANSPORT).time():
                try:
                    future.result()
                except Exception as exc:  # the store failed; the writer has logged it
                    raise self.receiver.store_failed(exc) from None
        return export_response_message(self.signal, accepted).SerializeToString()  # type: ignore[no-any-return]


def _abort_status(exc: ExportError) -> _AbortStatus:
    status = status_message(exc.grpc_code, exc.message, bad_request=exc.grpc_code == "INVALID_ARGUMENT")
    if exc.retry_after is not None:
        detail = AnyMessage()
        detail.Pack(error_details_pb2.RetryInfo(retry_delay=Duration(seconds=exc.retry_after)))
        status.details.append(detail)
    # The google.rpc.Status travels in this trailer, where gRPC clients read its details.
    trailer = (("grpc-status-details-bin", status.SerializeToString()),)
    return _AbortStatus(grpc.StatusCode[exc.grpc_code], exc.message, trailer)


def start_grpc_server(receiver: Receiver, host: str, port: int, *, threads: int = 16) -> tuple[Any, int]:
    """Start an OTLP/gRPC server on ``host:port``; return it and the port it listens on.

    Each call in flight occupies one of ``threads`` threads while it waits for its durable write.
    """
    limit = receiver.settings.max_decompressed_bytes
    server = grpc.server(
        ThreadPoolExecutor(threads, thread_name_prefix="gravity-grpc"),
        options=[("grpc.max_receive_message_length", limit)],
    )
    handlers = {}
    for signal, service in SERVICES.items():
        method = grpc.unary_unary_rpc_method_handler(_ExportMethod(receiver, signal))
        handlers[service] = grpc.method_handlers_generic_handler(service, {"Export": method})
    server.add_generic_rpc_handlers(tuple(handlers.values()))
    try:
        bound = server.add_insecure_port(f"{host}:{port}")
    except RuntimeError as exc:  # grpcio raises where older releases returned 0
        raise OSError(f"cannot listen for OTLP/gRPC on {host}:{port}: {exc}") from None
    if bound == 0:
        raise OSError(f"cannot listen for OTLP/gRPC on {host}:{port}")
    server.start()
    return server, bound

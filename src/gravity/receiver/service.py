"""The receiver's steps, shared by OTLP/HTTP and OTLP/gRPC: admit, decode, store.

Each step raises ExportError with what the transport needs for its response: the HTTP
status, the gRPC status code, a metrics reason and a message for the client.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass

from gravity.otlp.decode import InvalidOtlp
from gravity.receiver.auth import ApiKeys, Unauthenticated
from gravity.receiver.backpressure import Backpressure
from gravity.receiver.durable import RawBatchWriter, WriterClosed, WriterFull
from gravity.receiver.metrics import ReceiverMetrics
from gravity.receiver.payload import AcceptedPayload, accept_payload
from gravity.receiver.settings import ReceiverSettings

logger = logging.getLogger(__name__)


@dataclass
class ExportError(Exception):
    http_status: int
    grpc_code: str  # a grpc.StatusCode name
    reason: str  # metrics label
    message: str
    retry_after: int | None = None

    def __str__(self) -> str:
        return self.message


class Receiver:
    """Admit, decode and store export requests; one instance serves every transport.

    ``admit`` and ``submit`` are cheap and may run on an event loop; ``decode`` parses the
    whole body and belongs on a worker thread.
    """

    def __init__(
        self,
        settings: ReceiverSettings,
        writer: RawBatchWriter,
        *,
        api_keys: ApiKeys,
        backpressure: Backpressure | None,
        metrics: ReceiverMetrics,
    ) -> None:
        self.settings = settings
        self.writer = writer
        self.api_keys = api_keys
        self.backpressure = backpressure
        self.metrics = metrics

    def admit(self, api_key: str | None) -> str | None:
        """Return the request's org (None for the default tenant) if it may send now."""
        try:
            org = self.api_keys.org_for(api_key)
        except Unauthenticated as exc:
            raise ExportError(401, "UNAUTHENTICATED", "unauthenticated", str(exc)) from None

        throttle = self.backpressure.check() if self.backpressure is not None else None
        if throttle is not None:
            raise ExportError(
                throttle.status, "UNAVAILABLE", throttle.reason, throttle.message,
                throttle.retry_after,
            )
        return org

    def decode(self, body: bytes, signal: str, marshaler: str, org: str | None) -> AcceptedPayload:
        try:
            accepted = accept_payload(body, signal, marshaler, org)
        except InvalidOtlp as exc:
            raise ExportError(400, "INVALID_ARGUMENT", "invalid", str(exc)) from None
        self.metrics.items.labels(signal, "accepted").inc(accepted.accepted)
        self.metrics.items.labels(signal, "rejected").inc(accepted.rejected)
        if accepted.rejected:
            logger.info("partial success for %s of tenant %s: %s",
                        signal, org or "(default)", accepted.error_message)
        return accepted

    def submit(self, accepted: AcceptedPayload, org: str | None) -> Future[str] | None:
        """Queue the accepted items for a raw file; None when there is nothing to store.

        The request may be acknowledged once the returned future resolves.
        """
        if not accepted.part:
            return None
        try:
            future = self.writer.submit(accepted.signal, org, accepted.marshaler, accepted.part)
        except WriterFull as exc:
            raise ExportError(
                503, "UNAVAILABLE", "writer_full",
                f"the receiver is busy: {exc}; retry after {self.settings.busy_retry_after} s",
                self.settings.busy_retry_after,
            ) from None
        except WriterClosed as exc:
            raise ExportError(503, "UNAVAILABLE", "shutting_down", str(exc), 1) from None
        self.metrics.pending_bytes.set(self.writer.pending_bytes)
        return future

    def store_failed(self, exc: BaseException) -> ExportError:
        """Return the error for a request whose raw file write failed."""
        return ExportError(
            503, "UNAVAILABLE", "store_error",
            f"failed to store the request durably: {exc}; it was not acknowledged, retry it",
            self.settings.busy_retry_after,
        )

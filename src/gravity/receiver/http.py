"""OTLP/HTTP receiver: ``POST /v1/traces`` and ``POST /v1/logs`` as a Starlette app.

A request is checked in this order, and each step that fails responds with the status
that the OTLP specification (OTLP/HTTP Response) sets:

1. ``Content-Type`` and ``Content-Encoding``: 415 when unsupported;
2. the API key, when keys are configured: 401;
3. the backlog and free-disk marks: 429 or 503 with ``Retry-After``;
4. the body size, before and after decompression: 413;
5. decoding: 400 for a body that is not an OTLP request, and a partial success (200) when
   some of its spans or log records are rejected;
6. the durable write of the raw file: 503 with ``Retry-After`` when the store fails.

Only then is the response 200.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Sequence
from functools import partial

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from gravity.otlp.model import LOGS, TRACES
from gravity.receiver.auth import key_from_headers
from gravity.receiver.decoding import (
    JSON,
    PROTOBUF,
    BodyDecoder,
    BodyError,
    BodyLimits,
    BodyTooLarge,
    coding_for,
    marshaler_for,
)
from gravity.receiver.payload import AcceptedPayload
from gravity.receiver.responses import CONTENT_TYPES, export_response, status_body
from gravity.receiver.service import ExportError, Receiver

logger = logging.getLogger(__name__)

TRANSPORT = "http"

_BODY_ERRORS = {
    415: ("INVALID_ARGUMENT", "unsupported_media_type"),
    413: ("RESOURCE_EXHAUSTED", "too_large"),
    400: ("INVALID_ARGUMENT", "invalid"),
}


def build_app(receiver: Receiver, extra_routes: Sequence[BaseRoute] = ()) -> Starlette:
    """Build the OTLP/HTTP app; ``extra_routes`` adds other endpoints on the same port."""
    handler = _ExportHandler(receiver)
    routes: list[BaseRoute] = [
        Route("/v1/traces", partial(handler.export, TRACES), methods=["POST"]),
        Route("/v1/logs", partial(handler.export, LOGS), methods=["POST"]),
        *extra_routes,
    ]
    return Starlette(routes=routes)


def metrics_route(registry: CollectorRegistry) -> Route:
    """Return a ``GET /metrics`` route that serves ``registry`` in the Prometheus text format."""

    async def metrics(request: Request) -> Response:
        data = await run_in_threadpool(generate_latest, registry)
        return Response(data, media_type=CONTENT_TYPE_LATEST)

    return Route("/metrics", metrics, methods=["GET"])


class _ExportHandler:
    def __init__(self, receiver: Receiver) -> None:
        self.receiver = receiver
        self.metrics = receiver.metrics
        settings = receiver.settings
        self.limits = BodyLimits(settings.max_body_bytes, settings.max_decompressed_bytes)
        # The slots bound the memory of bodies being decoded; requests past them wait.
        self.decode_slots = asyncio.Semaphore(settings.max_concurrent_decodes)

    async def export(self, signal: str, request: Request) -> Response:
        content_type = request.headers.get("content-type")
        # Error responses use the request's encoding when it is one of OTLP's, else JSON.
        is_protobuf = (content_type or "").lower().startswith(CONTENT_TYPES[PROTOBUF])
        error_marshaler = PROTOBUF if is_protobuf else JSON
        try:
            response = await self._export(signal, request)
        except ExportError as exc:
            response = self._error_response(signal, error_marshaler, exc)
        self.metrics.requests.labels(TRANSPORT, signal, str(response.status_code)).inc()
        return response

    async def _export(self, signal: str, request: Request) -> Response:
        try:
            marshaler = marshaler_for(request.headers.get("content-type"))
            coding = coding_for(request.headers.get("content-encoding"))
        except BodyError as exc:
            raise _export_error(exc) from None

        # admit() may count the worker's backlog, which lists the store: off the event loop.
        org = await run_in_threadpool(self.receiver.admit, key_from_headers(request.headers))

        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.limits.max_body_bytes:
            raise ExportError(
                413, "RESOURCE_EXHAUSTED", "too_large",
                f"request body of {declared} bytes is over the limit of "
                f"{self.limits.max_body_bytes} bytes",
            )

        async with self.decode_slots:
            body = await self._read_body(signal, request, coding)
            if not body:
                # "If the server receives an empty request ... the server SHOULD respond
                # with success" (OTLP specification, Full Success).
                return self._response(signal, marshaler, None)
            accepted = await run_in_threadpool(self.receiver.decode, body, signal, marshaler, org)
            del body

        future = self.receiver.submit(accepted, org)
        if future is not None:
            with self.metrics.ack_seconds.labels(TRANSPORT).time():
                try:
                    await asyncio.wrap_future(future)
                except Exception as exc:  # the store failed; the writer has logged it
                    raise self.receiver.store_failed(exc) from None
            self.metrics.pending_bytes.set(self.receiver.writer.pending_bytes)
        return self._response(signal, marshaler, accepted)

    async def _read_body(self, signal: str, request: Request, coding: str) -> bytes:
        decoder = BodyDecoder(coding, self.limits)
        stream = request.stream()
        try:
            async for chunk in stream:
                decoder.feed(chunk)
            body = decoder.finish()
        except BodyTooLarge as exc:
            await _drain(stream, self.limits.max_body_bytes)
            raise _export_error(exc) from None
        except BodyError as exc:
            raise _export_error(exc) from None
        except ClientDisconnect:
            raise ExportError(400, "INVALID_ARGUMENT", "disconnected",
                              "the client closed the connection before sending the whole body") from None
        finally:
            self.metrics.received_bytes.labels(TRANSPORT, signal).inc(decoder.wire_bytes)
        self.metrics.decompressed_bytes.labels(TRANSPORT, signal).inc(len(body))
        return body

    def _response(self, signal: str, marshaler: str, accepted: AcceptedPayload | None) -> Response:
        return Response(
            export_response(signal, marshaler, accepted),
            status_code=200,
            media_type=CONTENT_TYPES[marshaler],
        )

    def _error_response(self, signal: str, marshaler: str, exc: ExportError) -> Response:
        self.metrics.rejected_requests.labels(TRANSPORT, signal, exc.reason).inc()
        # Throttling and store failures are logged where they are detected. Client errors
        # are logged at info, so that a broken exporter cannot flood the default log.
        if exc.http_status < 500 and exc.http_status != 429:
            logger.info("rejected a %s request with %d: %s", signal, exc.http_status, exc.message)
        headers = {}
        if exc.retry_after is not None:
            headers["Retry-After"] = str(exc.retry_after)
        if exc.http_status == 401:
            headers["WWW-Authenticate"] = "Bearer"
        body = status_body(marshaler, exc.grpc_code, exc.message, bad_request=exc.http_status == 400)
        return Response(body, exc.http_status, headers, media_type=CONTENT_TYPES[marshaler])


def _export_error(exc: BodyError) -> ExportError:
    code, reason = _BODY_ERRORS[exc.status]
    return ExportError(exc.status, code, reason, str(exc))


async def _drain(stream: AsyncIterator[bytes], limit: int) -> None:
    """Read and drop the rest of a rejected body, up to ``limit`` bytes.

    A client that is still sending when the server closes the connection may get a reset
    in place of the 413, so the rest is read first.
    """
    drained = 0
    try:
        async for chunk in stream:
            drained += len(chunk)
            if drained > limit:
                return
    except ClientDisconnect:
        return

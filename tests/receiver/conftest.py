"""A receiver served by uvicorn on 127.0.0.1 in a thread, and helpers to read what it stored."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from prometheus_client import CollectorRegistry

from gravity.otlp.decode import decode_json, decode_protobuf
from gravity.otlp.proto import document_to_proto
from gravity.raw.layout import parse_raw_key
from gravity.receiver import ApiKeys, Receiver, ReceiverSettings, open_receiver
from gravity.receiver.http import build_app, metrics_route
from gravity.store import LocalStore

# Limits small enough for tests to pass them quickly.
TEST_SETTINGS = ReceiverSettings(
    max_body_bytes=4 << 20,
    max_decompressed_bytes=8 << 20,
    batch_window_seconds=0.005,
    min_free_disk_bytes=0,
    backpressure_refresh_seconds=0,
)


@dataclass
class RunningReceiver:
    url: str
    store: LocalStore
    receiver: Receiver
    registry: CollectorRegistry
    written: list[str] = field(default_factory=list)

    def raw_keys(self, prefix: str = "raw-") -> list[str]:
        return [info.key for info in self.store.list(prefix)]


class _ThreadServer:
    def __init__(self, app: Any) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        config = uvicorn.Config(app, log_config=None, access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            assert time.monotonic() < deadline, "uvicorn did not start within 10 s"
            time.sleep(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)
        self.sock.close()


@pytest.fixture
def start_receiver(tmp_path: Path) -> Iterator[Callable[..., RunningReceiver]]:
    """Start a receiver on a fresh local store; stop it at teardown."""
    started: list[tuple[_ThreadServer, Receiver]] = []
    stops: list[tuple[threading.Event, threading.Thread]] = []

    def start(
        settings: ReceiverSettings = TEST_SETTINGS,
        *,
        api_keys: ApiKeys | None = None,
        backlog: Callable[[], int] | None = None,
        on_written: Callable[[str], None] | None = None,
        store: LocalStore | None = None,
        worker: bool = False,
    ) -> RunningReceiver:
        """With ``worker``, a Worker processes each raw file as soon as it is written."""
        store = store or LocalStore(tmp_path / "store")
        if worker:
            on_written = _start_worker(store, stops)
        registry = CollectorRegistry()
        written: list[str] = []

        def record(key: str) -> None:
            written.append(key)
            if on_written is not None:
                on_written(key)

        receiver = open_receiver(
            store, settings, api_keys=api_keys, backlog=backlog, on_written=record,
            registry=registry,
        )
        server = _ThreadServer(build_app(receiver, [metrics_route(registry)]))
        server.start()
        started.append((server, receiver))
        return RunningReceiver(f"http://127.0.0.1:{server.port}", store, receiver, registry, written)

    yield start
    for server, receiver in started:
        server.stop()
        receiver.writer.close()
    for stop, thread in stops:
        stop.set()
        thread.join(10)


def _start_worker(
    store: LocalStore, stops: list[tuple[threading.Event, threading.Thread]]
) -> Callable[[str], None]:
    from gravity.worker.runner import Worker, WorkerSettings

    worker = Worker(store, WorkerSettings(poll_interval=30.0, max_concurrent=2))
    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,), daemon=True)
    thread.start()
    stops.append((stop, thread))
    return worker.notify


def wait_reconstructed(store: LocalStore, expected: dict[bytes, Any], timeout: float = 20) -> float:
    """Wait until every span of ``expected`` (one-span requests by span id) reconstructs
    exactly; return the seconds waited."""
    from gravity.errors import GravityError
    from gravity.reconstruct import reconstruct_trace

    trace_ids = {request.resource_spans[0].scope_spans[0].spans[0].trace_id.hex()
                 for request in expected.values()}
    started = time.monotonic()
    found: dict[bytes, Any] = {}
    while True:
        for trace_id in trace_ids:
            try:
                document = reconstruct_trace(store, trace_id)
            except GravityError:
                continue
            found.update(one_span_requests(document_to_proto(document, "traces")))
        if set(expected) <= set(found) or time.monotonic() - started > timeout:
            break
        time.sleep(0.02)
    waited = time.monotonic() - started
    missing = set(expected) - set(found)
    assert not missing, f"{len(missing)} of {len(expected)} spans not queryable after {timeout} s"
    for span_id, request in expected.items():
        assert found[span_id] == request, f"span {span_id.hex()} reconstructs differently"
    return waited


class RecordingTracer:
    """An SDK TracerProvider exporting through ``exporter`` and keeping every span it ends,
    encoded as the OTLP exporters encode them, to compare with what Gravity stored."""

    def __init__(self, exporter: Any, resource_attributes: dict[str, Any] | None = None) -> None:
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

        self.memory = InMemorySpanExporter()
        self.provider = TracerProvider(resource=Resource.create(resource_attributes or {}))
        self.provider.add_span_processor(SimpleSpanProcessor(self.memory))
        self.provider.add_span_processor(SimpleSpanProcessor(exporter))
        self.tracer = self.provider.get_tracer("gravity.tests", "1.0")

    def expected(self) -> dict[bytes, Any]:
        from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

        return one_span_requests(encode_spans(self.memory.get_finished_spans()))

    def shutdown(self) -> None:
        self.provider.shutdown()


def emit_llm_spans(tracer: Any, count: int = 3) -> None:
    """End ``count`` traces shaped like LLM calls: a root span with a child, events, links,
    and attributes of every value type."""
    from opentelemetry.trace import Link, SpanKind, Status, StatusCode

    previous = None
    for index in range(count):
        with tracer.start_as_current_span(
            f"chat gpt-4o-{index}", kind=SpanKind.CLIENT,
            links=[Link(previous, {"link.kind": "previous"})] if previous else [],
        ) as root:
            root.set_attribute("gen_ai.request.model", "gpt-4o-mini")
            root.set_attribute("gen_ai.usage.input_tokens", 1200 + index)
            root.set_attribute("gen_ai.request.temperature", 0.25)
            root.set_attribute("llm.is_streaming", False)
            root.set_attribute("gen_ai.stop_sequences", ["\n\n", "END"])
            root.set_attribute("gen_ai.input.messages", '[{"role":"user","content":"Ünïcode 😀 %d"}]' % index)
            root.add_event("gen_ai.choice", {"index": index, "finish_reason": "stop"})
            with tracer.start_as_current_span("raw_gen_ai_request") as child:
                child.set_attribute("llm.openai.messages", "[{'role': 'user', 'content': 'hi'}]" * 50)
                child.set_status(Status(StatusCode.ERROR, "provider timed out"))
            previous = root.get_span_context()


def stored_requests(store: LocalStore, prefix: str = "raw-spans/") -> list[Any]:
    """Parse every raw file under ``prefix`` into its Export*ServiceRequest message."""
    messages = []
    for info in store.list(prefix):
        raw_key = parse_raw_key(info.key)
        payload = gzip.decompress(store.get(info.key))
        if raw_key.marshaler == "otlp_json":
            document = decode_json(payload)
        else:
            document = decode_protobuf(payload, raw_key.signal)
        messages.append(document_to_proto(document, raw_key.signal))
    return messages


def stored_spans(store: LocalStore, prefix: str = "raw-spans/") -> dict[bytes, Any]:
    """Every stored span by span id, each as a one-span request with its resource and scope."""
    return _one_item_requests(stored_requests(store, prefix), "traces")


def one_span_requests(message: Any) -> dict[bytes, Any]:
    """Split an ExportTraceServiceRequest into one-span requests keyed by span id."""
    return _one_item_requests([message], "traces")


def _one_item_requests(messages: list[Any], signal: str) -> dict[bytes, Any]:
    from gravity.otlp.proto import request_class

    found: dict[bytes, Any] = {}
    for message in messages:
        for group in message.resource_spans:
            for scope in group.scope_spans:
                for span in scope.spans:
                    single = request_class(signal)()
                    new_group = single.resource_spans.add()
                    new_group.resource.CopyFrom(group.resource)
                    new_group.schema_url = group.schema_url
                    new_scope = new_group.scope_spans.add()
                    new_scope.scope.CopyFrom(scope.scope)
                    new_scope.schema_url = scope.schema_url
                    new_scope.spans.add().CopyFrom(span)
                    found[span.span_id] = single
    return found

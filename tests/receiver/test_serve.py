"""``gravity serve`` as a subprocess: startup output, latency, a gzip bomb, SIGTERM and SIGKILL."""

from __future__ import annotations

import gzip
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from conftest import RecordingTracer, emit_llm_spans, one_span_requests, stored_spans, wait_reconstructed
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gravity.errors import GravityError
from gravity.reconstruct import reconstruct_trace
from gravity.store import LocalStore

PROTOBUF = {"content-type": "application/x-protobuf"}


class Serve:
    """A ``gravity serve`` process on 127.0.0.1 with any free ports."""

    def __init__(self, store: Path, *options: str) -> None:
        command = [sys.executable, "-c", "from gravity.cli import main; main()", "serve",
                   "--store", str(store), "--port", "0", "--min-free-disk", "0", *options]
        self.process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        self.lines: list[str] = []
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if line.startswith("metrics: "):
                break
        else:
            raise AssertionError(f"serve exited before listening: {self.process.stderr.read()}")
        receiver_line = next(line for line in self.lines if line.startswith("OTLP/HTTP receiver: "))
        self.url = receiver_line.split()[2].removesuffix("/v1/traces")

    def memory_kib(self, field: str) -> int:
        """Read VmRSS (current) or VmHWM (peak) of the server process, in KiB."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
        raise AssertionError(f"{field} not in /proc/{self.process.pid}/status")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)


@pytest.fixture
def serve(tmp_path):
    started: list[Serve] = []

    def start(*options: str, store: Path | None = None) -> Serve:
        process = Serve(store or tmp_path / "store", *options)
        started.append(process)
        return process

    yield start
    for process in started:
        process.stop()


def test_serve_prints_endpoints_and_stops_on_sigterm(serve):
    server = serve("--grpc", "--grpc-port", "0")

    assert server.lines[0].startswith("store: ")
    assert any(line.startswith("OTLP/gRPC receiver: 127.0.0.1:") for line in server.lines)
    assert httpx.get(server.url + "/metrics").status_code == 200

    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(20) == 0
    assert "stopped" in server.process.stderr.read()


def test_export_to_queryable_under_a_second(serve, tmp_path):
    server = serve()
    store = LocalStore(tmp_path / "store")
    tracer = RecordingTracer(OTLPSpanExporter(endpoint=server.url + "/v1/traces"))

    latencies = []
    for index in range(5):
        with tracer.tracer.start_as_current_span(f"call {index}") as span:
            span.set_attribute("gen_ai.prompt", f"question {index} " * 200)
            trace_id = format(span.get_span_context().trace_id, "032x")
        # SimpleSpanProcessor has exported the span, and had it acknowledged, at this point.
        ended = time.monotonic()
        while True:
            try:
                if reconstruct_trace(store, trace_id).get("resourceSpans"):
                    break
            except GravityError:
                pass
            assert time.monotonic() - ended < 10, f"trace {trace_id} not queryable after 10 s"
            time.sleep(0.005)
        latencies.append(time.monotonic() - ended)
    tracer.shutdown()

    print(f"export to queryable: median {statistics.median(latencies):.3f} s, max {max(latencies):.3f} s")
    assert statistics.median(latencies) < 1.0


def test_gzip_bomb_gets_413_within_memory(serve):
    server = serve("--max-decompressed-size", "16", "--no-worker")
    # 16 gzip members of 64 MiB of zeros each: a 1 MiB body that expands to 1 GiB.
    member = gzip.compress(b"\x00" * (64 << 20), compresslevel=9)
    bomb = member * 16
    httpx.post(server.url + "/v1/traces", content=b"", headers=PROTOBUF)  # warm up the handler
    peak_before = server.memory_kib("VmHWM")

    response = httpx.post(server.url + "/v1/traces", content=bomb,
                          headers={**PROTOBUF, "content-encoding": "gzip"}, timeout=30)

    peak_after = server.memory_kib("VmHWM")
    growth_mib = (peak_after - peak_before) / 1024
    print(f"gzip bomb of {len(bomb) >> 10} KiB (1 GiB decompressed): peak RSS "
          f"{peak_before // 1024} MiB before, {peak_after // 1024} MiB after")
    assert response.status_code == 413
    assert growth_mib < 64, f"peak RSS grew by {growth_mib:.0f} MiB on a bomb with a 16 MiB limit"


def _request(index: int) -> ExportTraceServiceRequest:
    request = ExportTraceServiceRequest()
    group = request.resource_spans.add()
    group.resource.attributes.add(key="service.name").value.string_value = "kill-test"
    span = group.scope_spans.add().spans.add(
        trace_id=(index + 1).to_bytes(16, "big"), span_id=(index + 1).to_bytes(8, "big"),
        name=f"call {index}", start_time_unix_nano=1_757_523_600_000_000_000 + index,
    )
    span.attributes.add(key="gen_ai.prompt").value.string_value = f"prompt {index} " * 100
    return request


def test_acknowledged_spans_survive_sigkill(serve, tmp_path):
    store_path = tmp_path / "store"
    # The first process runs no worker, so that the kill cannot leave a worker's claim behind.
    server = serve("--no-worker", store=store_path)
    acknowledged: dict[bytes, ExportTraceServiceRequest] = {}
    lock = threading.Lock()
    killed = threading.Event()
    counter = iter(range(1_000_000))

    def send() -> None:
        with httpx.Client() as client:
            while not killed.is_set():
                with lock:
                    request = _request(next(counter))
                try:
                    response = client.post(server.url + "/v1/traces", headers=PROTOBUF,
                                           content=request.SerializeToString())
                except httpx.HTTPError:
                    return  # the server is gone
                if response.status_code == 200:
                    with lock:
                        acknowledged.update(one_span_requests(request))

    senders = [threading.Thread(target=send) for _ in range(8)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.001)
    os.kill(server.process.pid, signal.SIGKILL)
    killed.set()
    for sender in senders:
        sender.join(10)
    server.process.wait(10)

    assert len(acknowledged) >= 40, "too few acknowledgements before the kill"
    store = LocalStore(store_path)
    stored = stored_spans(store)
    missing = set(acknowledged) - set(stored)
    assert not missing, f"{len(missing)} acknowledged spans missing from raw files after SIGKILL"

    serve(store=store_path)  # restarted with its worker, which processes the backlog
    wait_reconstructed(store, acknowledged, timeout=60)


def test_sigterm_waits_for_requests_in_flight(serve, tmp_path):
    # A 2 s batching window keeps the request in flight when the signal arrives.
    server = serve("--batch-window", "2000", "--no-worker")
    request = _request(7)
    responses: list[httpx.Response] = []
    sender = threading.Thread(target=lambda: responses.append(
        httpx.post(server.url + "/v1/traces", content=request.SerializeToString(), headers=PROTOBUF, timeout=30)
    ))
    sender.start()
    time.sleep(0.5)

    server.process.send_signal(signal.SIGTERM)
    sender.join(30)

    assert server.process.wait(30) == 0
    assert [response.status_code for response in responses] == [200]
    assert stored_spans(LocalStore(tmp_path / "store")) == one_span_requests(request)

"""OTLP/gRPC receiver against the OpenTelemetry SDK's gRPC exporter and a plain gRPC channel."""

from __future__ import annotations

import grpc
import pytest
from conftest import TEST_SETTINGS, RecordingTracer, emit_llm_spans, stored_requests, stored_spans, wait_reconstructed
from google.rpc import error_details_pb2, status_pb2
from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.logs.v1 import logs_service_pb2, logs_service_pb2_grpc
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

from gravity.receiver import ApiKeys
from gravity.receiver.grpc import start_grpc_server


@pytest.fixture
def start_grpc(start_receiver):
    servers = []

    def start(**options):
        running = start_receiver(options.pop("settings", TEST_SETTINGS), **options)
        server, port = start_grpc_server(running.receiver, "127.0.0.1", 0, threads=4)
        servers.append(server)
        return running, f"127.0.0.1:{port}"

    yield start
    for server in servers:
        server.stop(None)


def export(target: str, request, metadata=()):
    with grpc.insecure_channel(target) as channel:
        stub = trace_service_pb2_grpc.TraceServiceStub(channel)
        return stub.Export(request, metadata=metadata, timeout=10)


def trailer_status(error: grpc.RpcError) -> status_pb2.Status:
    for key, value in error.trailing_metadata():
        if key == "grpc-status-details-bin":
            return status_pb2.Status.FromString(value)
    raise AssertionError("no google.rpc.Status in the trailers")


@pytest.mark.parametrize("compression", [grpc.Compression.NoCompression, grpc.Compression.Gzip])
def test_sdk_grpc_exporter_spans_reconstruct(start_grpc, compression):
    running, target = start_grpc(worker=True)
    exporter = OTLPSpanExporter(endpoint=target, insecure=True, compression=compression)
    tracer = RecordingTracer(exporter, {"service.name": "agent"})
    emit_llm_spans(tracer.tracer)
    tracer.shutdown()

    expected = tracer.expected()
    assert len(expected) == 6
    assert stored_spans(running.store) == expected
    wait_reconstructed(running.store, expected)


def test_invalid_span_gets_partial_success(start_grpc):
    running, target = start_grpc()
    request = trace_service_pb2.ExportTraceServiceRequest()
    spans = request.resource_spans.add().scope_spans.add().spans
    spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8, name="kept")
    spans.add(trace_id=b"\x01" * 16, name="no span id")

    response = export(target, request)

    assert response.partial_success.rejected_spans == 1
    assert "spans[1].spanId: missing" in response.partial_success.error_message
    assert list(stored_spans(running.store)) == [b"\x02" * 8]


def test_undecodable_request_gets_invalid_argument(start_grpc):
    _, target = start_grpc()
    with grpc.insecure_channel(target) as channel:
        export_bytes = channel.unary_unary("/opentelemetry.proto.collector.trace.v1.TraceService/Export")
        with pytest.raises(grpc.RpcError) as caught:
            export_bytes(b"\x0a\xff\xff\xff", timeout=10)
    assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "invalid OTLP protobuf" in caught.value.details()


@pytest.mark.parametrize("compression", [grpc.Compression.NoCompression, grpc.Compression.Gzip])
def test_message_over_limit_gets_resource_exhausted(start_grpc, compression):
    _, target = start_grpc()
    request = trace_service_pb2.ExportTraceServiceRequest()
    span = request.resource_spans.add().scope_spans.add().spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8)
    span.name = "x" * (TEST_SETTINGS.max_decompressed_bytes + 1)
    with grpc.insecure_channel(target, compression=compression) as channel:
        with pytest.raises(grpc.RpcError) as caught:
            trace_service_pb2_grpc.TraceServiceStub(channel).Export(request, timeout=10)
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED


def test_api_key_in_metadata(start_grpc):
    running, target = start_grpc(api_keys=ApiKeys({"secret": "acme"}))
    request = trace_service_pb2.ExportTraceServiceRequest()
    request.resource_spans.add().scope_spans.add().spans.add(trace_id=b"\x01" * 16, span_id=b"\x02" * 8)

    with pytest.raises(grpc.RpcError) as caught:
        export(target, request)
    export(target, request, metadata=(("authorization", "Bearer secret"),))

    assert caught.value.code() == grpc.StatusCode.UNAUTHENTICATED
    assert len(stored_requests(running.store, "raw-spans/acme/")) == 1


def test_backlog_mark_gets_unavailable_with_retry_info(start_grpc):
    settings = TEST_SETTINGS.__class__(**{**TEST_SETTINGS.__dict__, "max_backlog_files": 1})
    _, target = start_grpc(settings=settings, backlog=lambda: 1)
    with pytest.raises(grpc.RpcError) as caught:
        export(target, trace_service_pb2.ExportTraceServiceRequest())

    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    (detail,) = trailer_status(caught.value).details
    retry = error_details_pb2.RetryInfo()
    assert detail.Unpack(retry)
    assert retry.retry_delay.seconds == settings.backlog_retry_after


def test_logs_export_writes_raw_logs(start_grpc):
    running, target = start_grpc()
    request = logs_service_pb2.ExportLogsServiceRequest()
    record = request.resource_logs.add().scope_logs.add().log_records.add(time_unix_nano=1_757_523_600_000_000_000)
    record.body.string_value = "gen_ai.choice"

    with grpc.insecure_channel(target) as channel:
        response = logs_service_pb2_grpc.LogsServiceStub(channel).Export(request, timeout=10)

    assert not response.HasField("partial_success")
    (key,) = running.raw_keys()
    assert key.startswith("raw-logs/")
    assert stored_requests(running.store, "raw-logs/") == [request]

"""OTLP/HTTP receiver against real clients: the OpenTelemetry SDK exporter and httpx."""

from __future__ import annotations

import gzip
import threading
import zlib

import httpx
import orjson
import pytest
from conftest import (
    TEST_SETTINGS,
    RecordingTracer,
    emit_llm_spans,
    one_span_requests,
    stored_requests,
    stored_spans,
    wait_reconstructed,
)
from google.rpc import status_pb2
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http import Compression
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from gravity.otlp.decode import decode_protobuf
from gravity.otlp.proto import document_to_proto
from gravity.receiver import ApiKeys
from gravity.store import LocalStore

PROTOBUF = {"content-type": "application/x-protobuf"}
JSON = {"content-type": "application/json"}


def sdk_request(count: int = 2) -> ExportTraceServiceRequest:
    """An export request as the SDK encodes it, without sending it anywhere."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    tracer = RecordingTracer(InMemorySpanExporter())
    emit_llm_spans(tracer.tracer, count)
    tracer.shutdown()
    return encode_spans(tracer.memory.get_finished_spans())


@pytest.mark.parametrize("compression", [Compression.NoCompression, Compression.Gzip, Compression.Deflate])
def test_sdk_exporter_spans_reconstruct(start_receiver, compression):
    receiver = start_receiver(worker=True)
    exporter = OTLPSpanExporter(endpoint=receiver.url + "/v1/traces", compression=compression)
    tracer = RecordingTracer(exporter, {"service.name": "checkout", "org_id": "acme"})
    emit_llm_spans(tracer.tracer)
    tracer.shutdown()

    expected = tracer.expected()
    assert len(expected) == 6
    assert stored_spans(receiver.store) == expected
    wait_reconstructed(receiver.store, expected)


def test_json_request_stored_and_reconstructed(start_receiver):
    receiver = start_receiver(worker=True)
    message = sdk_request()
    document = decode_protobuf(message.SerializeToString(), "traces")
    # The JavaScript exporter writes 64-bit integers as JSON numbers and ids in upper case.
    span = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    span["startTimeUnixNano"] = int(span["startTimeUnixNano"])
    span["traceId"] = span["traceId"].upper()

    response = httpx.post(receiver.url + "/v1/traces", content=orjson.dumps(document), headers=JSON)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == {}
    assert [key.endswith(".json.gz") for key in receiver.raw_keys()] == [True]
    expected = one_span_requests(message)
    assert stored_spans(receiver.store) == expected
    wait_reconstructed(receiver.store, expected)


def test_protobuf_stored_as_sent(start_receiver):
    receiver = start_receiver()
    body = sdk_request().SerializeToString()

    response = httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF)

    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-protobuf"
    assert not ExportTraceServiceResponse.FromString(response.content).HasField("partial_success")
    (key,) = receiver.raw_keys()
    assert key.startswith("raw-spans/dt=")
    assert key.endswith(".binpb.gz")
    assert gzip.decompress(receiver.store.get(key)) == body


def test_concurrent_requests_share_a_raw_file(start_receiver):
    # A window far longer than the requests take to arrive, even on a busy machine.
    settings = TEST_SETTINGS.__class__(**{**TEST_SETTINGS.__dict__, "batch_window_seconds": 1.0})
    receiver = start_receiver(settings)
    bodies = [sdk_request(1).SerializeToString() for _ in range(5)]
    statuses: list[int] = []
    ready = threading.Barrier(len(bodies))

    def send(body: bytes) -> None:
        with httpx.Client() as client:
            ready.wait()
            statuses.append(client.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF).status_code)

    threads = [threading.Thread(target=send, args=(body,)) for body in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert statuses == [200] * 5
    assert len(receiver.raw_keys()) == 1, "requests within one window should share a file"
    expected = {}
    for body in bodies:
        expected.update(one_span_requests(ExportTraceServiceRequest.FromString(body)))
    assert stored_spans(receiver.store) == expected


def test_logs_endpoint_writes_raw_logs(start_receiver):
    receiver = start_receiver()
    document = {
        "resourceLogs": [{
            "resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "agent"}}]},
            "scopeLogs": [{"logRecords": [
                {"timeUnixNano": "1757523600000000000", "body": {"stringValue": "gen_ai.choice"},
                 "traceId": "5b8efff798038103d269b633813fc60c", "spanId": "eee19b7ec3c1b174"},
            ]}],
        }]
    }

    response = httpx.post(receiver.url + "/v1/logs", content=orjson.dumps(document), headers=JSON)

    assert response.status_code == 200
    (key,) = receiver.raw_keys()
    assert key.startswith("raw-logs/dt=")
    assert "/batch-logs_" in key
    stored = orjson.loads(gzip.decompress(receiver.store.get(key)))
    assert document_to_proto(stored, "logs") == document_to_proto(document, "logs")


def test_empty_request_succeeds_without_a_file(start_receiver):
    receiver = start_receiver()
    for body, headers in ((b"", PROTOBUF), (b"{}", JSON), (b'{"resourceSpans": []}', JSON)):
        response = httpx.post(receiver.url + "/v1/traces", content=body, headers=headers)
        assert response.status_code == 200
    assert receiver.raw_keys() == []


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "application/json", "content-encoding": "br"},
    ],
)
def test_unsupported_media_gets_415(start_receiver, headers):
    receiver = start_receiver()
    response = httpx.post(receiver.url + "/v1/traces", content=b"{}", headers=headers)
    assert response.status_code == 415
    assert "unsupported Content-" in response.json()["message"]


def test_undecodable_protobuf_gets_400_status(start_receiver):
    receiver = start_receiver()
    response = httpx.post(receiver.url + "/v1/traces", content=b"\x0a\xff\xff\xff", headers=PROTOBUF)
    assert response.status_code == 400
    status = status_pb2.Status.FromString(response.content)
    assert "invalid OTLP protobuf ExportTraceServiceRequest" in status.message
    assert status.details[0].type_url.endswith("google.rpc.BadRequest")
    assert receiver.raw_keys() == []


@pytest.mark.parametrize(
    "body, problem",
    [
        (b'{"resourceSpans": [', "invalid JSON"),
        (b'["resourceSpans"]', "expected a JSON object"),
        (b'{"resourceSpans": {"spans": []}}', "'resourceSpans' must be a list"),
        (b'{"resourceSpans": [{"resource": {"attributes": 3}, "scopeSpans": []}]}',
         "resourceSpans[0].resource: 'attributes' must be a list"),
        # A logs body on the traces endpoint would otherwise be accepted as empty and lost.
        (b'{"resourceLogs": [{"scopeLogs": [{"logRecords": [{"timeUnixNano": "1"}]}]}]}',
         "send it to /v1/logs"),
    ],
)
def test_malformed_json_gets_400_naming_problem(start_receiver, body, problem):
    receiver = start_receiver()
    response = httpx.post(receiver.url + "/v1/traces", content=body, headers=JSON)
    assert response.status_code == 400
    assert problem in response.json()["message"]


def test_corrupt_gzip_gets_400(start_receiver):
    receiver = start_receiver()
    body = gzip.compress(sdk_request().SerializeToString())[:-12]
    response = httpx.post(receiver.url + "/v1/traces", content=body,
                          headers={**PROTOBUF, "content-encoding": "gzip"})
    assert response.status_code == 400
    assert "truncated gzip body" in status_pb2.Status.FromString(response.content).message


def test_invalid_spans_get_partial_success(start_receiver):
    receiver = start_receiver()
    message = sdk_request(2)
    spans = message.resource_spans[0].scope_spans[0].spans
    spans[0].trace_id = b"\x01\x02\x03\x04"
    spans[1].span_id = b"\x00" * 8
    kept = [span.span_id for span in spans[2:]]

    response = httpx.post(receiver.url + "/v1/traces", content=message.SerializeToString(), headers=PROTOBUF)

    assert response.status_code == 200
    partial = ExportTraceServiceResponse.FromString(response.content).partial_success
    assert partial.rejected_spans == 2
    assert "spans[0].traceId: expected 16 bytes, got 4" in partial.error_message
    assert "spans[1].spanId: all zero" in partial.error_message
    assert sorted(stored_spans(receiver.store)) == sorted(kept)


def test_invalid_json_span_gets_partial_success(start_receiver):
    receiver = start_receiver()
    document = decode_protobuf(sdk_request(1).SerializeToString(), "traces")
    spans = document["resourceSpans"][0]["scopeSpans"][0]["spans"]
    spans[0]["traceId"] = "not-hex"
    good_span_id = bytes.fromhex(spans[1]["spanId"])

    response = httpx.post(receiver.url + "/v1/traces", content=orjson.dumps(document), headers=JSON)

    assert response.status_code == 200
    partial = response.json()["partialSuccess"]
    assert partial["rejectedSpans"] == "1"
    assert "resourceSpans[0].scopeSpans[0].spans[0].traceId: expected 32 hex digits" in partial["errorMessage"]
    assert list(stored_spans(receiver.store)) == [good_span_id]


def test_body_over_limit_gets_413(start_receiver):
    receiver = start_receiver()
    body = b"\x00" * (TEST_SETTINGS.max_body_bytes + 1)
    response = httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF)
    assert response.status_code == 413
    assert "over the limit" in status_pb2.Status.FromString(response.content).message


def test_gzip_bomb_gets_413(start_receiver):
    receiver = start_receiver()
    # 64 MiB of zeros in one gzip member is about 64 KiB: eight times the decompressed limit.
    bomb = gzip.compress(b"\x00" * (64 << 20), compresslevel=9)
    assert len(bomb) < TEST_SETTINGS.max_body_bytes < (64 << 20)

    response = httpx.post(receiver.url + "/v1/traces", content=bomb,
                          headers={**PROTOBUF, "content-encoding": "gzip"})

    assert response.status_code == 413
    assert "decompresses to more than" in status_pb2.Status.FromString(response.content).message


def test_deflate_raw_stream_accepted(start_receiver):
    receiver = start_receiver()
    body = sdk_request().SerializeToString()
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    raw_deflate = compressor.compress(body) + compressor.flush()

    response = httpx.post(receiver.url + "/v1/traces", content=raw_deflate,
                          headers={**PROTOBUF, "content-encoding": "deflate"})

    assert response.status_code == 200
    assert len(stored_spans(receiver.store)) == 4


def test_api_keys_required_and_org_rewritten(start_receiver):
    receiver = start_receiver(api_keys=ApiKeys({"key-acme": "acme", "key-globex": "globex"}))
    message = sdk_request(1)
    org_attribute = message.resource_spans[0].resource.attributes.add()
    org_attribute.key = "org_id"
    org_attribute.value.string_value = "someone-else"
    body = message.SerializeToString()

    missing = httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF)
    wrong = httpx.post(receiver.url + "/v1/traces", content=body,
                       headers={**PROTOBUF, "authorization": "Bearer nope"})
    bearer = httpx.post(receiver.url + "/v1/traces", content=body,
                        headers={**PROTOBUF, "authorization": "Bearer key-acme"})
    header = httpx.post(receiver.url + "/v1/traces", content=body,
                        headers={**PROTOBUF, "x-gravity-api-key": "key-globex"})

    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert "missing API key" in status_pb2.Status.FromString(missing.content).message
    assert (bearer.status_code, header.status_code) == (200, 200)
    for org in ("acme", "globex"):
        (stored,) = stored_requests(receiver.store, f"raw-spans/{org}/")
        attributes = {a.key: a.value.string_value for a in stored.resource_spans[0].resource.attributes}
        assert attributes["org_id"] == org
    assert len(receiver.raw_keys()) == 2


def test_backlog_mark_gets_429_with_retry_after(start_receiver):
    backlog = {"files": 0}
    settings = TEST_SETTINGS.__class__(**{**TEST_SETTINGS.__dict__, "max_backlog_files": 3})
    receiver = start_receiver(settings, backlog=lambda: backlog["files"])
    body = sdk_request(1).SerializeToString()

    assert httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF).status_code == 200
    backlog["files"] = 3
    throttled = httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF)

    assert throttled.status_code == 429
    assert throttled.headers["retry-after"] == str(settings.backlog_retry_after)
    assert "3 raw files wait for the worker" in status_pb2.Status.FromString(throttled.content).message


def test_low_disk_gets_503_with_retry_after(start_receiver):
    settings = TEST_SETTINGS.__class__(**{**TEST_SETTINGS.__dict__, "min_free_disk_bytes": 1 << 62})
    receiver = start_receiver(settings)
    response = httpx.post(receiver.url + "/v1/traces", content=b"{}", headers=JSON)
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(settings.disk_retry_after)
    assert "the store's disk has" in response.json()["message"]


def test_metrics_count_requests_and_bytes(start_receiver):
    receiver = start_receiver()
    body = sdk_request(1).SerializeToString()
    httpx.post(receiver.url + "/v1/traces", content=body, headers=PROTOBUF)
    httpx.post(receiver.url + "/v1/traces", content=b"{", headers=JSON)

    text = httpx.get(receiver.url + "/metrics").text

    assert 'gravity_receiver_requests_total{signal="traces",status="200",transport="http"} 1.0' in text
    assert 'gravity_receiver_rejected_requests_total{reason="invalid",signal="traces",transport="http"} 1.0' in text
    assert f'gravity_receiver_received_bytes_total{{signal="traces",transport="http"}} {len(body) + 1}.0' in text
    assert 'gravity_receiver_items_total{outcome="accepted",signal="traces"} 2.0' in text
    assert 'gravity_receiver_raw_files_total{signal="traces"} 1.0' in text


def test_stopped_worker_backlog_throttles_then_drains(start_receiver, tmp_path):
    from gravity.worker.runner import Worker, WorkerSettings

    settings = TEST_SETTINGS.__class__(
        **{**TEST_SETTINGS.__dict__, "max_backlog_files": 3, "batch_window_seconds": 0}
    )
    store = LocalStore(tmp_path / "worker-store")
    worker = Worker(store, WorkerSettings(poll_interval=0.05, max_concurrent=2))  # not running yet
    store_receiver = start_receiver(settings, store=store, backlog=worker.backlog)
    acknowledged = {}
    statuses = []
    for _ in range(5):
        request = sdk_request(1)
        response = httpx.post(store_receiver.url + "/v1/traces", content=request.SerializeToString(),
                              headers=PROTOBUF)
        statuses.append(response.status_code)
        if response.status_code == 200:
            acknowledged.update(one_span_requests(request))
        else:
            assert response.headers["retry-after"] == str(settings.backlog_retry_after)

    assert statuses == [200, 200, 200, 429, 429]
    assert worker.backlog() == 3

    stop = threading.Event()
    thread = threading.Thread(target=worker.run_forever, args=(stop,))
    thread.start()
    try:
        wait_reconstructed(store_receiver.store, acknowledged)
        assert worker.backlog() == 0
        resumed = httpx.post(store_receiver.url + "/v1/traces", content=sdk_request(1).SerializeToString(),
                             headers=PROTOBUF)
        assert resumed.status_code == 200
    finally:
        stop.set()
        thread.join(10)


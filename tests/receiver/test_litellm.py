"""LiteLLM's OpenTelemetry callback exporting mocked calls to the receiver."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import one_span_requests, stored_spans, wait_reconstructed
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from gravity.receiver import ApiKeys

CLIENT = Path(__file__).with_name("litellm_client.py")


def test_litellm_spans_reconstruct(start_receiver, tmp_path):
    receiver = start_receiver(worker=True, api_keys=ApiKeys({"litellm-key": "acme"}))
    output = tmp_path / "exported.binpb"

    subprocess.run(
        [sys.executable, str(CLIENT), receiver.url + "/v1/traces", str(output), "litellm-key"],
        check=True, timeout=120,
    )

    exported = ExportTraceServiceRequest.FromString(output.read_bytes())
    expected = one_span_requests(exported)
    names = {request.resource_spans[0].scope_spans[0].spans[0].name for request in expected.values()}
    assert "litellm_request" in names
    assert stored_spans(receiver.store, "raw-spans/acme/") == expected
    wait_reconstructed(receiver.store, expected)

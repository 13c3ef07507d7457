"""Make LiteLLM calls with mocked responses and export their spans with LiteLLM's
OpenTelemetry callback over OTLP/HTTP.

Usage: python litellm_client.py ENDPOINT OUTPUT [API_KEY]

Writes to OUTPUT the ExportTraceServiceRequest of every span that the receiver acknowledged,
encoded as the exporter encodes it. No provider is called: ``mock_response`` answers each
call, and LITELLM_LOCAL_MODEL_COST_MAP keeps LiteLLM from downloading its price table.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Sequence

os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] = "True"

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans  # noqa: E402
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter  # noqa: E402
from opentelemetry.sdk.trace import ReadableSpan  # noqa: E402
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult  # noqa: E402

CALLS = 3


class AcknowledgedSpans(SpanExporter):
    """Forward spans to the OTLP/HTTP exporter and keep those it exported successfully."""

    def __init__(self, exporter: OTLPSpanExporter) -> None:
        self.exporter = exporter
        self.spans: list[ReadableSpan] = []
        self.failures = 0
        self.lock = threading.Lock()

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        result = self.exporter.export(spans)
        with self.lock:
            if result is SpanExportResult.SUCCESS:
                self.spans.extend(spans)
            else:
                self.failures += 1
        return result

    def shutdown(self) -> None:
        self.exporter.shutdown()


def main(endpoint: str, output: str, api_key: str | None) -> None:
    import litellm
    from litellm.integrations.opentelemetry import OpenTelemetry, OpenTelemetryConfig

    headers = {"authorization": f"Bearer {api_key}"} if api_key else None
    acknowledged = AcknowledgedSpans(OTLPSpanExporter(endpoint=endpoint, headers=headers))
    litellm.callbacks = [OpenTelemetry(config=OpenTelemetryConfig(exporter=acknowledged, skip_set_global=True))]

    messages = [
        {"role": "system", "content": "You are a terse assistant. Ünïcode stays: 😀"},
        {"role": "user", "content": "What is the capital of France?"},
    ]
    for call in range(CALLS):
        reply = f"Paris ({call})"
        litellm.completion(model="gpt-4o-mini", messages=messages, mock_response=reply)
        messages += [{"role": "assistant", "content": reply}, {"role": "user", "content": "And then?"}]

    # LiteLLM runs its success callbacks on a background thread.
    deadline = time.monotonic() + 30
    while len({span.context.trace_id for span in acknowledged.spans}) < CALLS:
        if acknowledged.failures or time.monotonic() > deadline:
            sys.exit(f"exported {len(acknowledged.spans)} spans with {acknowledged.failures} failed exports")
        time.sleep(0.05)
    time.sleep(0.5)  # let the last call's other spans arrive

    with acknowledged.lock:
        request = encode_spans(acknowledged.spans)
    with open(output, "wb") as handle:
        handle.write(request.SerializeToString())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)

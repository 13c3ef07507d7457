"""Prometheus metrics of the receiver, registered on a registry that the caller owns."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class ReceiverMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.requests = Counter(
            "gravity_receiver_requests_total",
            "Export requests received, by transport, signal and response status "
            "(HTTP status, or the gRPC code name).",
            ["transport", "signal", "status"],
            registry=registry,
        )
        self.rejected_requests = Counter(
            "gravity_receiver_rejected_requests_total",
            "Export requests answered with an error, by reason.",
            ["transport", "signal", "reason"],
            registry=registry,
        )
        self.items = Counter(
            "gravity_receiver_items_total",
            "Spans and log records in requests that decoded, by outcome (accepted or rejected).",
            ["signal", "outcome"],
            registry=registry,
        )
        self.received_bytes = Counter(
            "gravity_receiver_received_bytes_total",
            "Request body bytes as sent, before decompression.",
            ["transport", "signal"],
            registry=registry,
        )
        self.decompressed_bytes = Counter(
            "gravity_receiver_decompressed_bytes_total",
            "Request body bytes after decompression.",
            ["transport", "signal"],
            registry=registry,
        )
        self.raw_files = Counter(
            "gravity_receiver_raw_files_total",
            "Raw files written to the store.",
            ["signal"],
            registry=registry,
        )
        self.pending_bytes = Gauge(
            "gravity_receiver_pending_bytes",
            "Accepted request bytes waiting for their raw file write.",
            registry=registry,
        )
        # 1 ms to about 16 s: a batching window plus one fsync'd local write or S3 PUT.
        self.ack_seconds = Histogram(
            "gravity_receiver_durable_write_seconds",
            "Time from a decoded request to its raw file being durable.",
            ["transport"],
            buckets=[0.001 * 2**i for i in range(15)],
            registry=registry,
        )

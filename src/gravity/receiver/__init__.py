"""The OTLP receiver: OTLP/HTTP and OTLP/gRPC export requests made durable as raw files.

An accepted request is written to ``raw-spans/`` or ``raw-logs/`` in the Collector's
``awss3`` layout before it is acknowledged, so the worker reads the receiver's files and
the Collector's alike.
"""

from __future__ import annotations

from collections.abc import Callable

from prometheus_client import CollectorRegistry

from gravity.receiver.auth import ApiKeys
from gravity.receiver.backpressure import Backpressure
from gravity.receiver.durable import RawBatchWriter
from gravity.receiver.metrics import ReceiverMetrics
from gravity.receiver.service import ExportError, Receiver
from gravity.receiver.settings import ReceiverSettings
from gravity.store import LocalStore, ObjectStore

__all__ = [
    "ApiKeys",
    "Backpressure",
    "ExportError",
    "RawBatchWriter",
    "Receiver",
    "ReceiverMetrics",
    "ReceiverSettings",
    "open_receiver",
]


def open_receiver(
    store: ObjectStore,
    settings: ReceiverSettings,
    *,
    api_keys: ApiKeys | None = None,
    backlog: Callable[[], int] | None = None,
    on_written: Callable[[str], None] | None = None,
    registry: CollectorRegistry | None = None,
) -> Receiver:
    """Assemble a receiver that writes to ``store``; close it with ``receiver.writer.close()``.

    ``backlog`` counts the raw files the worker has not processed (``Worker.backlog``), and
    ``on_written`` gets each raw file's key once it is durable (``Worker.notify``).
    """
    metrics = ReceiverMetrics(registry if registry is not None else CollectorRegistry())

    def written(key: str) -> None:
        metrics.raw_files.labels("logs" if key.startswith("raw-logs/") else "traces").inc()
        if on_written is not None:
            on_written(key)

    writer = RawBatchWriter(
        store,
        window_seconds=settings.batch_window_seconds,
        max_batch_bytes=settings.max_batch_bytes,
        max_pending_bytes=settings.max_pending_bytes,
        on_written=written,
    )
    backpressure = Backpressure(
        backlog=backlog,
        max_backlog_files=settings.max_backlog_files,
        disk_path=store.root if isinstance(store, LocalStore) else None,
        min_free_disk_bytes=settings.min_free_disk_bytes,
        backlog_retry_after=settings.backlog_retry_after,
        disk_retry_after=settings.disk_retry_after,
        refresh_seconds=settings.backpressure_refresh_seconds,
    )
    return Receiver(
        settings, writer, api_keys=api_keys or ApiKeys(), backpressure=backpressure,
        metrics=metrics,
    )

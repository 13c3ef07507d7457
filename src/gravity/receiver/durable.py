"""Write accepted requests to raw files, grouping small requests, before they are acknowledged."""

from __future__ import annotations

import gzip
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field

from gravity.errors import ConfigError
from gravity.raw.layout import new_raw_key
from gravity.receiver.payload import join_parts
from gravity.store import ObjectStore

logger = logging.getLogger(__name__)

BatchKey = tuple[str, str | None, str]  # (signal, org, marshaler)

# gzip level of raw files, measured on 40 files (70 MB of OTLP JSON) of the dev corpus with
# Python's gzip module on one AMD EPYC core. Level 1 compresses 5.5x at 117 MB/s, level 3
# 6.1x at 118 MB/s, level 6 7.9x at 45 MB/s and level 9 8.0x at 40 MB/s. Level 6 adds about
# 22 ms to the write of a 1 MB request, and its files are 30% smaller than level 3's.
DEFAULT_COMPRESSLEVEL = 6


class WriterFull(Exception):
    """More request bytes are waiting for their write than ``max_pending_bytes`` allows."""


class WriterClosed(Exception):
    """The writer is closed and takes no more requests."""


@dataclass
class _Batch:
    key: BatchKey
    opened: float
    parts: list[bytes] = field(default_factory=list)
    futures: list[Future[str]] = field(default_factory=list)
    size: int = 0


class RawBatchWriter:
    """Write request parts to raw files in the Collector layout, one file per batch.

    ``submit`` returns a future that resolves to the raw file's key once the file is durable
    in the store (the store's ``put_if_absent`` returned), or fails with the store's error.
    Nothing is acknowledged before its future resolves, so an acknowledged request survives a
    crash of this process.

    Parts with the same signal, tenant and marshaler that arrive within ``window_seconds`` of
    the first go into one file. A batch is written sooner when it reaches ``max_batch_bytes``. With a window of 0 each request is written alone. Every request of a
    batch waits for the one write, so grouping saves a store write (and an fsync) per
    request at the price of up to one window of added latency.

    Memory is bounded: ``submit`` raises WriterFull when the parts waiting for their write
    would pass ``max_pending_bytes``. Batches are sealed by one timer thread and written by
    ``write_threads`` threads, so a slow store write does not hold back other batches.
    ``on_written(key)`` runs on a write thread after the futures resolve.
    """

    def __init__(
        self,
        store: ObjectStore,
        *,
        window_seconds: float,
        max_batch_bytes: int,
        max_pending_bytes: int,
        write_threads: int = 4,
        compresslevel: int = DEFAULT_COMPRESSLEVEL,
        on_written: Callable[[str], None] | None = None,
    ) -> None:
        if window_seconds < 0:
            raise ConfigError(f"invalid batch window {window_seconds}: expected 0 or more seconds")
        if max_batch_bytes <= 0 or max_pending_bytes <= 0:
            raise ConfigError("the batch and pending byte limits must be positive")
        self.store = store
        self.window_seconds = window_seconds
        self.max_batch_bytes = max_batch_bytes
        self.max_pending_bytes = max_pending_bytes
        self.compresslevel = compresslevel
        self.on_written = on_written
        self.files_written = 0

        self._lock = threading.Condition()
        self._open: dict[BatchKey, _Batch] = {}
        self._pending_bytes = 0
        self._closed = False
        self._executor = ThreadPoolExecutor(write_threads, thread_name_prefix="gravity-raw-write")
        self._timer = threading.Thread(target=self._seal_expired, name="gravity-raw-batch", daemon=True)
        self._timer.start()

    @property
    def pending_bytes(self) -> int:
        return self._pending_bytes

    def submit(self, signal: str, org: str | None, marshaler: str, part: bytes) -> Future[str]:
        """Queue ``part`` for the next raw file of its kind; see the class docstring."""
        future: Future[str] = Future()
        # A running future cannot be cancelled, so a caller that stops waiting (a client
        # that disconnects) leaves it for the write to resolve.
        future.set_running_or_notify_cancel()
        with self._lock:
            if self._closed:
                raise WriterClosed("the raw file writer is shutting down")
            # A part larger than the whole budget is still taken when nothing else waits,
            # or it could never be written.
            if self._pending_bytes and self._pending_bytes + len(part) > self.max_pending_bytes:
                raise WriterFull(
                    f"{self._pending_bytes} bytes are waiting to be written to the store, "
                    f"the limit is {self.max_pending_bytes}"
                )
            self._pending_bytes += len(part)

            key: BatchKey = (signal, org, marshaler)
            batch = self._open.get(key)
            if batch is None:
                batch = self._open[key] = _Batch(key, time.monotonic())
                self._lock.notify()
            batch.parts.append(part)
            batch.futures.append(future)
            batch.size += len(part)
            if self.window_seconds == 0 or batch.size >= self.max_batch_bytes:
                self._seal(batch)
        return future

    def close(self, timeout: float | None = None) -> None:
        """Write every open batch, wait for the writes in flight and stop the threads."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
            for batch in list(self._open.values()):
                self._seal(batch)
            self._lock.notify()
        self._timer.join(timeout)
        self._executor.shutdown(wait=True)

    def _seal(self, batch: _Batch) -> None:
        # Called with the lock held.
        del self._open[batch.key]
        self._executor.submit(self._write, batch)

    def _seal_expired(self) -> None:
        with self._lock:
            while not self._closed:
                now = time.monotonic()
                deadline = None
                for batch in list(self._open.values()):
                    due = batch.opened + self.window_seconds
                    if due <= now:
                        self._seal(batch)
                    elif deadline is None or due < deadline:
                        deadline = due
                self._lock.wait(None if deadline is None else deadline - now)

    def _write(self, batch: _Batch) -> None:
        signal, org, marshaler = batch.key
        try:
            data = gzip.compress(
                join_parts(signal, marshaler, batch.parts), self.compresslevel, mtime=0
            )
            key = self._put_new(signal, org, marshaler, data)
        except Exception as exc:  # the store's error goes to every waiting request
            logger.error(
                "failed to write a raw %s file of %d requests for tenant %s: %s",
                signal, len(batch.futures), org or "(default)", exc,
            )
            self._release(batch)
            for future in batch.futures:
                future.set_exception(exc)
            return

        self._release(batch)
        self.files_written += 1
        for future in batch.futures:
            future.set_result(key)
        logger.debug("wrote %s with %d requests, %d bytes", key, len(batch.futures), len(data))
        if self.on_written is not None:
            try:
                self.on_written(key)
            except Exception:
                # The file is durable and a polling worker will still find it.
                logger.exception("on_written callback failed for %s", key)

    def _put_new(self, signal: str, org: str | None, marshaler: str, data: bytes) -> str:
        # The Collector layout's unique part is a random 9-digit number: on the rare
        # collision, draw again rather than replace another request's file.
        while True:
            key = new_raw_key(signal, org=org, marshaler=marshaler, gzip=True)
            if self.store.put_if_absent(key, data):
                return key

    def _release(self, batch: _Batch) -> None:
        with self._lock:
            self._pending_bytes -= batch.size

"""The worker loop: find raw files, claim them, process them, a few at a time.

``run_once`` drains what is there and returns; ``run_forever`` polls every
``poll_interval`` seconds and also wakes at once for keys passed to ``notify``.
"""

from __future__ import annotations

import gc
import logging
import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from gravity import catalog
from gravity.content.chunkers import get_chunker
from gravity.raw.layout import RAW_PREFIXES
from gravity.store.base import ObjectStore
from gravity.worker.claims import release, try_claim
from gravity.worker.pipeline import DEFAULT_SETTLE_SECONDS, ChunkStores, FileResult, process_raw_file

logger = logging.getLogger(__name__)

# Measured by benchmarks/run.py on the dev corpus (benchmarks/RESULTS.md): with JSON literals
# decoded first, cutting at message boundaries and by content inside long texts stores the
# fewest bytes of the chunkers offered, at the same speed as plain cdc.
DEFAULT_CHUNKER = "message"

# A raw file becomes millions of short-lived dicts and strings, and with Python's default
# thresholds the cyclic garbage collector walks the worker's long-lived chunk indexes again
# and again while they pile up. Rarer young collections take 12% off a pass over the dev
# corpus. Objects outside reference cycles are still freed at once by reference counting.
GC_THRESHOLDS = (100_000, 50, 100)


@dataclass
class WorkerSettings:
    poll_interval: float = 30.0  # seconds between listings of raw-spans/ (POLL_INTERVAL)
    max_concurrent: int = 5  # raw files processed at once (MAX_CONCURRENT)
    chunker: str = DEFAULT_CHUNKER
    layout: str = "packed"
    compact: bool = True  # merge small packs and index files after a pass (compaction/)
    compact_interval: float = 600.0  # seconds between compactions of a long-running worker
    settle_seconds: float = DEFAULT_SETTLE_SECONDS  # before an unreadable raw file is set aside


@dataclass
class RunStats:
    files: int = 0
    committed: int = 0
    duplicates: int = 0
    failed: int = 0
    pending: int = 0  # not readable yet, possibly still being written: tried again later
    spans: int = 0
    raw_json_bytes: int = 0
    raw_file_bytes: int = 0
    chunks_referenced: int = 0
    chunks_new: int = 0
    puts: int = 0
    seconds: float = 0.0  # processing, without compaction
    compaction_seconds: float = 0.0
    failures: list[dict[str, str]] = field(default_factory=list)

    def add(self, result: FileResult) -> None:
        if result.status == "pending":
            self.pending += 1
            return
        self.files += 1
        self.raw_file_bytes += result.raw_file_bytes
        self.puts += result.puts
        if result.status == "failed":
            self.failed += 1
            self.failures.append({"raw_key": result.raw_key, "reason": result.reason or ""})
            return
        if result.status == "duplicate":
            self.duplicates += 1
        else:
            self.committed += 1
        self.spans += result.records
        self.raw_json_bytes += result.raw_json_bytes
        self.chunks_referenced += result.chunks_referenced
        self.chunks_new += result.chunks_new


class Worker:
    def __init__(self, store: ObjectStore, settings: WorkerSettings | None = None) -> None:
        self.store = store
        self.settings = settings or WorkerSettings()
        if self.settings.max_concurrent < 1:
            raise ValueError("max_concurrent must be at least 1")
        self.chunker = get_chunker(self.settings.chunker)
        gc.set_threshold(*GC_THRESHOLDS)
        self.chunk_stores = ChunkStores(store, self.settings.layout)
        self._wakeups: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._stats_lock = threading.Lock()

    def pending_keys(self) -> list[str]:
        """Raw files not yet committed, oldest partition first."""
        done = catalog.done_keys(self.store)
        pending = []
        for prefix in RAW_PREFIXES:
            for info in self.store.list(prefix):
                if info.key.rsplit("/", 1)[-1].startswith(".") or info.key in done:
                    continue
                pending.append(info.key)
        return pending

    def backlog(self) -> int:
        return len(self.pending_keys())

    def process_key(self, raw_key: str) -> FileResult | None:
        """Claim and process one raw file; None when another worker has it or had it."""
        if not try_claim(self.store, raw_key):
            return None
        try:
            if self.store.exists(catalog.DONE + raw_key) or not self.store.exists(raw_key):
                return None  # finished by another worker between our listing and our claim
            result = process_raw_file(
                self.store, raw_key, self.chunk_stores, self.chunker, self.settings.settle_seconds
            )
            logger.info(
                "%s %s: %d records, %d new chunks in %.2fs",
                result.status, raw_key, result.records, result.chunks_new, result.seconds,
            )
            return result
        finally:
            release(self.store, raw_key)

    def run_once(self) -> RunStats:
        """Process every pending raw file, ``max_concurrent`` at a time."""
        started = time.perf_counter()
        stats = RunStats()
        keys = self.pending_keys()
        logger.info("worker pass: %d raw files pending", len(keys))
        with ThreadPoolExecutor(max_workers=self.settings.max_concurrent) as pool:
            for result in pool.map(self._process_logged, keys):
                if result is not None:
                    stats.add(result)
        stats.seconds = time.perf_counter() - started
        if self.settings.compact and stats.committed:
            logger.info("compacting packs and index files")
            started = time.perf_counter()
            self.compact()
            stats.compaction_seconds = time.perf_counter() - started
        return stats

    def compact(self) -> None:
        from gravity.compaction import compact_store

        started = time.perf_counter()
        result = compact_store(self.store)
        # Packs were replaced: the chunk indexes of this process must load them again.
        self.chunk_stores = ChunkStores(self.store, self.settings.layout)
        logger.info("compaction: %s in %.1fs", result, time.perf_counter() - started)

    def _process_logged(self, raw_key: str) -> FileResult | None:
        try:
            return self.process_key(raw_key)
        except Exception:
            # A store or programming error on one file must not stop the others; the file
            # stays pending and is retried on the next pass.
            logger.exception("failed to process %s; it stays pending for the next pass", raw_key)
            return None

    def notify(self, raw_key: str) -> None:
        """Ask ``run_forever`` to process ``raw_key`` now; safe from any thread."""
        self._wakeups.put(raw_key)

    def run_forever(self, stop: threading.Event) -> None:
        with ThreadPoolExecutor(max_workers=self.settings.max_concurrent) as pool:
            next_poll = 0.0
            next_compaction = time.monotonic() + self.settings.compact_interval
            while not stop.is_set():
                if time.monotonic() >= next_poll:
                    for key in self.pending_keys():
                        pool.submit(self._process_logged, key)
                    next_poll = time.monotonic() + self.settings.poll_interval
                if self.settings.compact and time.monotonic() >= next_compaction:
                    # Compaction runs on this thread while the pool goes on with new files;
                    # its locks keep two workers from compacting the same objects.
                    try:
                        self.compact()
                    except Exception:
                        logger.exception("compaction failed; it is tried again in %.0fs",
                                         self.settings.compact_interval)
                    next_compaction = time.monotonic() + self.settings.compact_interval
                try:
                    key = self._wakeups.get(timeout=min(0.2, self.settings.poll_interval))
                except queue.Empty:
                    continue
                pool.submit(self._process_logged, key)

"""Decide when the receiver throttles exporters, and for how long.

Two marks are checked before a request body is read: the worker's backlog (raw files
written but not yet processed) and the free space on the local store's disk. Past the
backlog mark the receiver responds 429 Too Many Requests, because the data is fine and only
the rate is too high. Below the free-disk mark it responds 503 Service Unavailable, because
the server cannot take data at any rate. Both responses carry ``Retry-After``.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Throttle:
    status: int  # 429 or 503
    retry_after: int  # seconds
    reason: str  # a metrics label: "backlog", "disk" or "writer_full"
    message: str


class Backpressure:
    """Check the backlog and free-disk marks, measuring at most once per ``refresh_seconds``.

    ``backlog`` returns the number of raw files not yet processed (``Worker.backlog``); it
    may list the store, so its result is cached. ``disk_path`` is the local store's root, or
    None for a remote store, whose space is not Gravity's to watch. A mark of 0 turns its
    check off. ``check`` is safe to call from several threads.
    """

    def __init__(
        self,
        *,
        backlog: Callable[[], int] | None,
        max_backlog_files: int,
        disk_path: str | Path | None,
        min_free_disk_bytes: int,
        backlog_retry_after: int = 5,
        disk_retry_after: int = 30,
        refresh_seconds: float = 1.0,
    ) -> None:
        self._backlog = backlog
        self.max_backlog_files = max_backlog_files
        self.disk_path = disk_path
        self.min_free_disk_bytes = min_free_disk_bytes
        self.backlog_retry_after = backlog_retry_after
        self.disk_retry_after = disk_retry_after
        self.refresh_seconds = refresh_seconds
        self._lock = threading.Lock()
        self._measured_at = float("-inf")
        self._throttle: Throttle | None = None

    def check(self) -> Throttle | None:
        """Return the throttle in force, or None when requests may pass."""
        with self._lock:
            now = time.monotonic()
            if now - self._measured_at >= self.refresh_seconds:
                previous = self._throttle
                self._throttle = self._measure()
                self._measured_at = now
                self._log_change(previous, self._throttle)
            return self._throttle

    def _measure(self) -> Throttle | None:
        if self.disk_path is not None and self.min_free_disk_bytes > 0:
            free = shutil.disk_usage(self.disk_path).free
            if free < self.min_free_disk_bytes:
                return Throttle(
                    503,
                    self.disk_retry_after,
                    "disk",
                    f"the store's disk has {free} bytes free, below the mark of "
                    f"{self.min_free_disk_bytes}; retry after {self.disk_retry_after} s",
                )

        if self._backlog is not None and self.max_backlog_files > 0:
            backlog = self._backlog()
            if backlog >= self.max_backlog_files:
                return Throttle(
                    429,
                    self.backlog_retry_after,
                    "backlog",
                    f"{backlog} raw files wait for the worker, the mark is "
                    f"{self.max_backlog_files}; retry after {self.backlog_retry_after} s",
                )
        return None

    def _log_change(self, previous: Throttle | None, current: Throttle | None) -> None:
        # One line when throttling starts, changes reason or stops, not one per request.
        if current is not None and (previous is None or previous.reason != current.reason):
            logger.warning("throttling exporters: %s", current.message)
        elif current is None and previous is not None:
            logger.info("throttling stopped: %s is below its mark again", previous.reason)

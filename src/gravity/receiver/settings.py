"""Limits and marks of the receiver, with their defaults."""

from __future__ import annotations

from dataclasses import dataclass

from gravity.errors import ConfigError

MIB = 1 << 20


@dataclass(frozen=True)
class ReceiverSettings:
    """Receiver limits. Sizes are in bytes, times in seconds.

    Memory stays under about ``max_concurrent_decodes * max_decompressed_bytes`` for bodies
    being decoded plus ``max_pending_bytes`` for accepted requests waiting for their write.
    """

    max_body_bytes: int = 64 * MIB  # as sent, before decompression
    max_decompressed_bytes: int = 64 * MIB
    max_concurrent_decodes: int = 8  # further requests wait for a slot before their body is read

    # An fsync'd local write takes a few milliseconds and an S3 PUT tens: within this window,
    # concurrent requests share one raw file and one write, and each waits at most this long.
    batch_window_seconds: float = 0.01
    max_batch_bytes: int = 8 * MIB
    max_pending_bytes: int = 256 * MIB

    max_backlog_files: int = 10_000  # 0 turns the backlog mark off
    min_free_disk_bytes: int = 1024 * MIB  # 0 turns the free-disk mark off
    backlog_retry_after: int = 5
    disk_retry_after: int = 30
    busy_retry_after: int = 1  # when max_pending_bytes is reached
    # The backlog count may list the store, so it is measured at most this often.
    backpressure_refresh_seconds: float = 1.0

    def __post_init__(self) -> None:
        for name in ("max_body_bytes", "max_decompressed_bytes", "max_concurrent_decodes",
                     "max_batch_bytes", "max_pending_bytes"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"invalid receiver setting {name}={getattr(self, name)}: "
                                  "expected a positive number")
        for name in ("max_backlog_files", "min_free_disk_bytes", "batch_window_seconds"):
            if getattr(self, name) < 0:
                raise ConfigError(f"invalid receiver setting {name}={getattr(self, name)}: "
                                  "expected 0 or more")

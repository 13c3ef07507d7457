"""The object store contract that every backend implements.

Gravity needs only put, put-if-absent, get, ranged get, list and delete, so the same code
runs on a local directory and on any S3-compatible bucket.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ObjectInfo:
    key: str
    size: int
    mtime: float


class ObjectStore(Protocol):
    """Keys are '/'-separated paths relative to the store's root.

    ``put`` and ``put_if_absent`` are atomic: a reader sees the whole object or none of it,
    and the object is durable when they return.
    """

    url: str

    def put(self, key: str, data: bytes) -> None: ...

    def put_if_absent(self, key: str, data: bytes) -> bool:
        """Write ``data`` unless ``key`` exists; return False when it already existed."""
        ...

    def get(self, key: str) -> bytes: ...

    def get_range(self, key: str, start: int, length: int) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def stat(self, key: str) -> ObjectInfo:
        """Return the size and modification time of ``key``; raise ObjectNotFound if missing."""
        ...

    def list(self, prefix: str) -> Iterator[ObjectInfo]:
        """Yield every object whose key starts with ``prefix``, in key order."""
        ...

    def delete(self, key: str) -> None:
        """Delete ``key``; deleting a missing key is not an error."""
        ...

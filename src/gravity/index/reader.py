"""Read index files from any store."""

from __future__ import annotations

import io

import pyarrow as pa
import pyarrow.parquet as pq

from gravity.store.base import ObjectStore


def read_index(store: ObjectStore, key: str, columns: list[str] | None = None) -> pa.Table:
    """Read one Parquet index file whole from the store.

    pre_buffer is off: with it, pyarrow 26 reads through its I/O thread pool, and a process
    that exits right after such a read aborted now and then with "terminate called without
    an active exception" (seen in about 1 run of 15).
    """
    return pq.read_table(io.BytesIO(store.get(key)), columns=columns, pre_buffer=False)

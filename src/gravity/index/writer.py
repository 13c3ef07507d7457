"""Write index rows as Parquet files, one per tenant, signal and day of each raw file."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from gravity.content.ids import tenant_prefix

# zstd on every column. Fresh files use a fast level: compaction rewrites them at level 19
# (compaction/index.py), so a slow level here would be paid twice.
PARQUET_COMPRESSION = "zstd"
PARQUET_COMPRESSION_LEVEL = 3
USE_DICTIONARY = ("tenant", "service_name", "resource", "scope", "raw_key", "name")


def index_key(tenant: str, signal: str, day: str, name: str) -> str:
    table = "spans" if signal == "traces" else "logs"
    return f"index/{tenant_prefix(tenant)}/{table}/dt={day}/{name}.parquet"


def parquet_bytes(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> bytes:
    table = pa.Table.from_pylist(list(rows), schema=schema)
    buffer = io.BytesIO()
    pq.write_table(
        table,
        buffer,
        compression=PARQUET_COMPRESSION,
        compression_level=PARQUET_COMPRESSION_LEVEL,
        use_dictionary=list(USE_DICTIONARY),
        write_statistics=["trace_id", "start_ns", "time_ns"],
    )
    return buffer.getvalue()

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


# Min/max statistics serve row-group pruning on these columns only. On the others (skeletons,
# chunk references, frames) they would cost 46 KB per 28k spans and never prune anything.
STATISTICS_COLUMNS = ("trace_id", "start_ns", "time_ns")


def parquet_bytes(rows: Sequence[dict[str, Any]], schema: pa.Schema) -> bytes:
    return table_bytes(pa.Table.from_pylist(list(rows), schema=schema))


def table_bytes(table: pa.Table, level: int = PARQUET_COMPRESSION_LEVEL, page_bytes: int | None = None) -> bytes:
    """Return ``table`` as one Parquet file with one row group, zstd at ``level``."""
    buffer = io.BytesIO()
    options: dict[str, Any] = {} if page_bytes is None else {"data_page_size": page_bytes}
    pq.write_table(
        table,
        buffer,
        compression=PARQUET_COMPRESSION,
        compression_level=level,
        use_dictionary=[name for name in USE_DICTIONARY if name in table.column_names],
        write_statistics=[name for name in STATISTICS_COLUMNS if name in table.column_names],
        row_group_size=max(1, table.num_rows),
        # The schemas are fixed in index/schema.py; Parquet's own types carry them back.
        store_schema=False,
        **options,
    )
    return buffer.getvalue()

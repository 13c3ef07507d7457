"""Merge the Parquet files of one tenant, table and day into one sorted file.

Rows are sorted by service, span name and time, so spans of one instrumentation sit together
and zstd finds their shared structure (attribute keys, message templates) within its window.
Measured on the dev corpus at zstd level 9: skeletons take 3.8 MB in 1 MiB pieces in arrival
order, 3.0 MB in 8 MiB pieces, and 2.6 MB in 8 MiB pieces sorted this way.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict

import blake3
import orjson
import pyarrow as pa

from gravity import catalog
from gravity.compaction import compaction_lock
from gravity.index.writer import table_bytes
from gravity.index.reader import read_index
from gravity.store.base import ObjectStore

logger = logging.getLogger(__name__)

COMPACT_LEVEL = 19
# Large pages give zstd a large window over similar rows.
COMPACT_PAGE_BYTES = 8 * 1024 * 1024

_PARTITION = re.compile(r"^index/(?P<tenant>[^/]+)/(?P<table>spans|logs)/dt=(?P<day>[^/]+)/")


def _partitions(store: ObjectStore, table: str) -> dict[tuple[str, str], list[str]]:
    partitions: dict[tuple[str, str], list[str]] = defaultdict(list)
    for key in catalog.visible_index_files(store, table):
        match = _PARTITION.match(key)
        if match:
            partitions[(match["tenant"], match["day"])].append(key)
    return partitions


def compact_index(store: ObjectStore, min_files: int = 2) -> int:
    """Merge every partition with at least ``min_files`` visible files; return files merged."""
    merged = 0
    for table in ("spans", "logs"):
        for (tenant, day), files in sorted(_partitions(store, table).items()):
            if len(files) >= min_files:
                merged += _compact_partition(store, tenant, table, day, min_files)
    return merged


def _compact_partition(store: ObjectStore, tenant: str, table: str, day: str, min_files: int) -> int:
    with compaction_lock(store, f"index-{tenant}-{table}-{day}") as held:
        if not held:
            return 0
        # List again under the lock: another worker may have compacted this partition
        # between our first listing and taking the lock.
        files = _partitions(store, table).get((tenant, day), [])
        if len(files) < min_files:
            return 0
        tables = [read_index(store, key) for key in files]
        merged = pa.concat_tables(tables, promote_options="permissive")
        sort_keys = (
            [("service_name", "ascending"), ("name", "ascending"), ("start_ns", "ascending")]
            if table == "spans"
            else [("service_name", "ascending"), ("time_ns", "ascending")]
        )
        merged = merged.sort_by(sort_keys)

        data = table_bytes(merged, COMPACT_LEVEL, COMPACT_PAGE_BYTES)
        name = blake3.blake3(data).hexdigest(16)
        output = f"index/{tenant}/{table}/dt={day}/c-{name}.parquet"
        store.put(output, data)

        # The compaction record swaps the files in one step for readers. The old files are
        # deleted after it, so a crash in between leaves them hidden but harmless.
        record = {"output": output, "replaces": files, "table": table, "tenant": tenant, "day": day,
                  "rows": merged.num_rows}
        store.put(f"{catalog.COMPACTIONS}{name}.json", orjson.dumps(record))
        for key in files:
            store.delete(key)
        logger.info("compacted %d index files of %s/%s/dt=%s into %s", len(files), tenant, table, day, output)
        return len(files)

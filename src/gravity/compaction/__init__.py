"""Compaction: rewrite many small objects into few large ones, once data has settled.

Fresh data is written fast and small (one pack and a few Parquet files per raw file).
Compaction merges a tenant's packs into large packs with large blocks and strong zstd, and a
partition's Parquet files into one sorted file, which is where most of the compression comes
from. Nothing is dropped: every chunk and every row is copied before an old object is deleted.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

import orjson

from gravity.catalog import LOCKS
from gravity.errors import ObjectNotFound
from gravity.store.base import ObjectStore

logger = logging.getLogger(__name__)

# A lock older than this belongs to a compactor that died.
LOCK_TTL_SECONDS = 1800.0


@contextmanager
def compaction_lock(store: ObjectStore, name: str) -> Iterator[bool]:
    """Hold ``state/locks/{name}`` while compacting; yields False when another process has it."""
    key = f"{LOCKS}{name}"
    body = orjson.dumps({"at": time.time()})
    held = store.put_if_absent(key, body)
    if not held:
        try:
            taken_at = float(orjson.loads(store.get(key)).get("at", 0))
        except ObjectNotFound:
            taken_at = 0.0
        if time.time() - taken_at > LOCK_TTL_SECONDS:
            store.delete(key)
            held = store.put_if_absent(key, body)
    try:
        yield held
    finally:
        if held:
            store.delete(key)


def compact_store(store: ObjectStore) -> dict[str, int]:
    """Compact every tenant's packs and every index partition; return what was merged."""
    from gravity.compaction.index import compact_index
    from gravity.compaction.packs import compact_packs
    from gravity.content.chunk_store import content_tenants

    from gravity.content.dictionaries import (
        AUTOMATIC_TRAINING_BYTES,
        dictionary_prefix,
        train_dictionary,
        unique_content_bytes,
    )

    packs_replaced = packs_written = dictionaries = 0
    for tenant in content_tenants(store, ["packed"]):
        replaced, written = compact_packs(store, tenant)
        packs_replaced += replaced
        packs_written += written
        # The first dictionary is trained once a tenant has enough content; fresh packs
        # written after it compress their small blocks with it.
        if (
            not any(True for _ in store.list(dictionary_prefix(tenant)))
            and unique_content_bytes(store, tenant) >= AUTOMATIC_TRAINING_BYTES
            and train_dictionary(store, tenant)
        ):
            dictionaries += 1
    index_files = compact_index(store)
    return {"packs_replaced": packs_replaced, "packs_written": packs_written,
            "index_files_merged": index_files, "dictionaries_trained": dictionaries}

"""zstd dictionaries per tenant, for the small blocks of fresh packs.

A dictionary is stored once under ``dicts/{tenant}/{dict_id}.zdict`` and never deleted, and
each block records the id of the dictionary it was compressed with, so old data stays
readable after newer dictionaries are trained.

Measured on the dev corpus (tenant acme, 29.5 MB of unique chunk content, zstd level 19): a
110 KiB dictionary shrinks 256 KiB blocks from 7.40 to 6.73 MB, but makes 4 MiB blocks
larger (6.58 against 5.88 MB). So fresh packs, written with small blocks, use the tenant's
dictionary, and compacted packs (32 MiB blocks) do not.
"""

from __future__ import annotations

import logging
import threading
import time

import zstandard

from gravity.content.ids import tenant_prefix
from gravity.errors import ObjectNotFound, StoreError
from gravity.store.base import ObjectStore

logger = logging.getLogger(__name__)

DICTIONARY_BYTES = 110 * 1024

# Training needs enough samples to find what a tenant's texts share. Below this much unique
# content, a dictionary would mostly fit the few texts it saw.
MIN_TRAINING_BYTES = 1024 * 1024
MAX_TRAINING_BYTES = 16 * 1024 * 1024

# Compaction trains a tenant's first dictionary only past this much unique content. Below it,
# the dictionary's own 110 KiB cost more than it saves: fresh packs are compacted (without a
# dictionary) soon after. On the dev corpus (29.5 MB for its largest tenant) no dictionary
# is trained automatically. With 8 MiB blocks, two added 0.23 MB to a 12.4 MB store; this
# was not measured again after compacted blocks grew to 32 MiB.
AUTOMATIC_TRAINING_BYTES = 256 * 1024 * 1024

# How long a process trusts its view of a tenant's newest dictionary.
CURRENT_TTL_SECONDS = 60.0

_current: dict[tuple[str, str], tuple[float, zstandard.ZstdCompressionDict | None]] = {}
_current_lock = threading.Lock()


def dictionary_prefix(tenant: str) -> str:
    return f"dicts/{tenant_prefix(tenant)}/"


def load_dictionary(store: ObjectStore, tenant: str, dict_id: int) -> zstandard.ZstdCompressionDict:
    key = f"{dictionary_prefix(tenant)}{dict_id}.zdict"
    try:
        return zstandard.ZstdCompressionDict(store.get(key))
    except ObjectNotFound:
        raise StoreError(
            f"zstd dictionary {dict_id} of tenant {tenant!r} is missing ({key}); blocks compressed "
            "with it cannot be read. Restore the dictionary from a backup of the store."
        ) from None


def current_dictionary(store: ObjectStore, tenant: str) -> zstandard.ZstdCompressionDict | None:
    """Return the newest dictionary of a tenant, or None when none was trained yet."""
    cache_key = (store.url, tenant)
    with _current_lock:
        cached = _current.get(cache_key)
    if cached is not None and time.monotonic() - cached[0] < CURRENT_TTL_SECONDS:
        return cached[1]

    newest = max(store.list(dictionary_prefix(tenant)), key=lambda info: (info.mtime, info.key), default=None)
    dictionary = zstandard.ZstdCompressionDict(store.get(newest.key)) if newest else None
    with _current_lock:
        _current[cache_key] = (time.monotonic(), dictionary)
    return dictionary


def unique_content_bytes(store: ObjectStore, tenant: str) -> int:
    """Return the bytes of unique chunk content a tenant has in its packs."""
    from gravity.content.chunk_store import ChunkStore

    blocks = ChunkStore(store, tenant).pack_blocks().values()
    return sum(block.raw_size for pack in blocks for block in pack)


def train_dictionary(store: ObjectStore, tenant: str) -> int | None:
    """Train a dictionary from the tenant's stored chunks; return its id, or None if too few."""
    from gravity.content.chunk_store import ChunkStore

    chunks = ChunkStore(store, tenant)
    samples: list[bytes] = []
    total = 0
    for pack_key, blocks in chunks.pack_blocks().items():
        for index, block in enumerate(blocks):
            data = chunks._block_bytes(pack_key, index, block)
            for _, offset, size in block.chunks:
                samples.append(data[offset : offset + size])
                total += size
            if total >= MAX_TRAINING_BYTES:
                break
    if total < MIN_TRAINING_BYTES:
        logger.info("tenant %s has %d bytes of content; a dictionary needs %d", tenant, total, MIN_TRAINING_BYTES)
        return None

    dictionary = zstandard.train_dictionary(DICTIONARY_BYTES, samples)
    dict_id = dictionary.dict_id()
    store.put_if_absent(f"{dictionary_prefix(tenant)}{dict_id}.zdict", dictionary.as_bytes())
    with _current_lock:
        _current.pop((store.url, tenant), None)
    logger.info("trained zstd dictionary %d for tenant %s from %d bytes", dict_id, tenant, total)
    return dict_id

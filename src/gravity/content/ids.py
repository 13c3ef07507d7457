"""Chunk ids: the first 16 bytes of a chunk's BLAKE3 hash.

BLAKE3 is an extendable-output hash, so its 128-bit output is as strong for its length as
the full 256 bits. 128 bits keep collisions out of reach for any store (the birthday bound is
about 2^64 chunks) while halving what every reference and index entry costs. That matters
because ids do not compress: a 32-byte id per 512-byte chunk is 6% of the content it names.
"""

from __future__ import annotations

from typing import TypeAlias

import blake3

ChunkId: TypeAlias = bytes
CHUNK_ID_BYTES = 16


def chunk_id(data: bytes | memoryview) -> ChunkId:
    return blake3.blake3(data).digest(CHUNK_ID_BYTES)


def tenant_prefix(tenant: str) -> str:
    """Return the store path component of a tenant, reversible and safe in any key."""
    from urllib.parse import quote

    return quote(tenant, safe="-_.") or "%00"

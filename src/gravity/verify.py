"""Check a store end to end: every chunk against its id, every reference against the packs."""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import pyarrow.parquet as pq

from gravity import catalog
from gravity.content.chunk_store import ChunkStore
from gravity.content.codec import decompress_block
from gravity.content.ids import chunk_id
from gravity.spans.skeleton import referenced_chunks
from gravity.store.base import ObjectStore


@dataclass
class VerifyReport:
    packs: int = 0
    chunks: int = 0
    references: int = 0
    problems: list[str] = field(default_factory=list)


def verify_store(store: ObjectStore) -> VerifyReport:
    report = VerifyReport()
    tenants: dict[str, ChunkStore] = {}

    for table in ("spans", "logs"):
        for key in catalog.visible_index_files(store, table):
            rows = pq.read_table(io.BytesIO(store.get(key)), columns=["tenant", "chunk_refs"]).to_pylist()
            for row in rows:
                tenant = row["tenant"]
                if tenant not in tenants:
                    tenants[tenant] = ChunkStore(store, tenant)
                    tenants[tenant].refresh()
                    _verify_packs(tenants[tenant], report)
                for chunk in referenced_chunks(row["chunk_refs"]):
                    report.references += 1
                    if not tenants[tenant].has(chunk):
                        report.problems.append(f"{key}: references chunk {chunk.hex()}, which no pack holds")
    return report


def _verify_packs(chunks: ChunkStore, report: VerifyReport) -> None:
    for pack_key, blocks in chunks.pack_blocks().items():
        report.packs += 1
        for index, block in enumerate(blocks):
            stored = chunks.store.get_range(pack_key, block.offset, block.stored_size)
            try:
                data = decompress_block(block.codec, stored, block.raw_size, chunks._dictionary(block.dict_id))
            except Exception as exc:  # zstd raises its own error type for damaged frames
                report.problems.append(f"{pack_key}: block {index} does not decompress: {exc}")
                continue
            for chunk, offset, size in block.chunks:
                report.chunks += 1
                if chunk_id(data[offset : offset + size]) != chunk:
                    report.problems.append(f"{pack_key}: chunk {chunk.hex()} does not match its BLAKE3 id")

"""Check a store end to end: every chunk against its id, every reference against the content."""

from __future__ import annotations

import gzip
from dataclasses import dataclass, field

from gravity import catalog
from gravity.content.chunk_store import ChunkStore, content_tenants
from gravity.content.codec import decompress_block
from gravity.content.ids import chunk_id
from gravity.index.reader import read_index
from gravity.spans.skeleton import referenced_chunks
from gravity.store.base import ObjectStore


@dataclass
class VerifyReport:
    packs: int = 0
    blobs: int = 0
    chunks: int = 0
    references: int = 0
    problems: list[str] = field(default_factory=list)


def verify_store(store: ObjectStore) -> VerifyReport:
    report = VerifyReport()
    tenants: dict[str, ChunkStore] = {}

    # Every tenant that has content, whether or not an index row still references it.
    for tenant in content_tenants(store):
        tenants[tenant] = ChunkStore(store, tenant)
        _verify_packs(tenants[tenant], report)
        _verify_blobs(tenants[tenant], report)

    for table in ("spans", "logs"):
        for key in catalog.visible_index_files(store, table):
            for row in read_index(store, key, ["tenant", "chunk_refs"]).to_pylist():
                chunks = tenants.get(row["tenant"])
                for chunk in referenced_chunks(row["chunk_refs"]):
                    report.references += 1
                    if chunks is None or not chunks.has(chunk):
                        report.problems.append(
                            f"{key}: references chunk {chunk.hex()}, which no pack or blob of "
                            f"tenant {row['tenant']!r} holds"
                        )
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


def _verify_blobs(chunks: ChunkStore, report: VerifyReport) -> None:
    for info in chunks.store.list(chunks.blob_prefix):
        if not info.key.endswith(".gz"):
            continue
        report.blobs += 1
        report.chunks += 1
        expected = info.key.rsplit("/", 1)[-1][: -len(".gz")]
        try:
            data = gzip.decompress(chunks.store.get(info.key))
        except (OSError, EOFError) as exc:
            report.problems.append(f"{info.key}: does not decompress: {exc}")
            continue
        if chunk_id(data).hex() != expected:
            report.problems.append(f"{info.key}: content does not match its BLAKE3 id")

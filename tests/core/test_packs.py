"""Pack files: self-describing, found without scanning, damage detected and named."""

from __future__ import annotations

import pytest

from gravity.content.chunk_store import ChunkStore
from gravity.content.ids import chunk_id
from gravity.content.packs import PackWriter, parse_trailer, read_footer, TRAILER
from gravity.errors import CorruptChunk
from gravity.reconstruct import TraceReader
from gravity.verify import verify_store
from gravity.worker.runner import Worker

from tests.conftest import copy_into_store


def test_footer_lists_every_chunk():
    writer = PackWriter(block_size=100)
    pieces = [f"chunk number {i} ".encode() * 5 for i in range(20)]
    for piece in pieces:
        writer.add(chunk_id(piece), piece)

    _, data, blocks = writer.finish()

    footer_size, raw_size = parse_trailer(data[-TRAILER.size :])
    parsed = read_footer(data[-TRAILER.size - footer_size : -TRAILER.size], raw_size)
    assert parsed == blocks
    assert len(blocks) > 1
    assert [chunk for block in parsed for chunk, _, _ in block.chunks] == [chunk_id(p) for p in pieces]


def test_incompressible_block_stored_raw():
    import os

    writer = PackWriter()
    noise = os.urandom(5000)
    writer.add(chunk_id(noise), noise)

    _, _, blocks = writer.finish()

    assert blocks[0].codec == 0
    assert blocks[0].stored_size == blocks[0].raw_size == 5000


def test_large_block_matches_across_its_whole_length():
    import os
    import zstandard

    from gravity.content.codec import compress_block, decompress_block

    # The same 1 MiB of noise twice, 12 MiB apart: only a window past 8 MiB finds the repeat.
    noise = os.urandom(1 << 20)
    block = noise + bytes(12 << 20) + noise

    codec, stored = compress_block(block, level=3)

    assert codec == 1
    assert len(stored) < 1.2 * len(noise)
    assert zstandard.get_frame_parameters(stored).window_size >= len(block) - len(noise)
    assert decompress_block(codec, stored, len(block)) == block


def test_old_pack_version_rejected_with_its_origin():
    from gravity.content.packs import InvalidPack

    trailer = TRAILER.pack(10, 10, b"GRVPACK\x01")

    with pytest.raises(InvalidPack, match="16-byte chunk ids"):
        parse_trailer(trailer)


def test_chunk_index_rebuilt_from_packs_alone(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:1])
    Worker(local_store).run_once()

    rebuilt = ChunkStore(local_store, "acme")

    assert rebuilt.chunk_count > 0
    assert verify_store(local_store).problems == []


def test_corrupt_chunk_named_with_its_pack(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:1])
    Worker(local_store).run_once()
    reader = TraceReader(local_store)
    rows = reader.find_rows(list(_trace_ids(local_store)))
    assert any(row["chunk_refs"] for row in rows)
    pack_key = next(info.key for info in local_store.list("packs/") if info.key.endswith(".pack"))

    # Flip bytes inside the first block of the pack. The block is raw when zstd did not
    # shrink it, so the damage shows as a hash mismatch or a decompression failure.
    path = local_store.root / pack_key
    data = bytearray(path.read_bytes())
    for offset in range(20, 60):
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))

    with pytest.raises(CorruptChunk) as caught:
        TraceReader(local_store).rebuild_records(rows)
    assert pack_key in str(caught.value)
    assert verify_store(local_store).problems


def _trace_ids(store):
    import pyarrow.parquet as pq

    from gravity import catalog

    ids = set()
    for key in catalog.visible_index_files(store, "spans"):
        ids.update(pq.read_table(store.root / key, columns=["trace_id"]).column("trace_id").to_pylist())
    return ids


def test_verify_finds_corrupt_loose_blob(local_store, corpus_sample):
    import gzip as gzip_module

    from gravity.worker.runner import WorkerSettings

    copy_into_store(local_store, corpus_sample[:1])
    Worker(local_store, WorkerSettings(layout="loose")).run_once()
    blob = next(info.key for info in local_store.list("blobs/"))
    path = local_store.root / blob
    path.write_bytes(gzip_module.compress(gzip_module.decompress(path.read_bytes()) + b"!"))

    problems = verify_store(local_store).problems

    assert problems == [f"{blob}: content does not match its BLAKE3 id"]

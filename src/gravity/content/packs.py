"""Pack files: many chunks in one write-once object, grouped into compressed blocks.

One object per chunk makes request charges dominate an S3 bill (a PUT costs about as much as
storing 200 KB for a month), so chunks are written in packs. Chunks of one block are
compressed together, which keeps most of zstd's context, and any chunk is read back with one
ranged GET of its block.

Byte layout (integers little-endian):

    magic     8 bytes   b"GRVPACK\\x02" (version 2: 12-byte chunk ids)
    blocks    the stored bytes of each block, back to back
    footer    zstd frame of:
                u32 block count
                per block: u64 offset, u32 stored size, u32 raw size, u8 codec,
                           u32 dictionary id (0: none), u32 chunk count
                per chunk, in block order: 12-byte chunk id, u32 size
    trailer   u32 footer size, u32 raw footer size, 8 bytes magic

The footer lists every chunk id, so a pack describes itself: the chunk index is rebuilt from
packs alone, with two ranged GETs each (trailer, then footer). A pack is named by the BLAKE3
of its bytes, so writing it twice is harmless and a reader can check it with any BLAKE3 tool.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import blake3
import zstandard

from gravity.content.codec import DEFAULT_LEVEL, compress_block
from gravity.content.ids import CHUNK_ID_BYTES, ChunkId

PACK_MAGIC = b"GRVPACK\x02"
OLD_PACK_MAGICS = {b"GRVPACK\x01": "Gravity 0.1 (16-byte chunk ids)"}
TRAILER = struct.Struct("<II8s")
BLOCK_ENTRY = struct.Struct("<QIIBII")
CHUNK_ENTRY = struct.Struct(f"<{CHUNK_ID_BYTES}sI")

# Uncompressed bytes per block. Larger blocks compress better and cost more to read for one
# chunk; the benchmark harness measures both.
DEFAULT_BLOCK_SIZE = 256 * 1024


class InvalidPack(ValueError):
    pass


@dataclass(frozen=True)
class Block:
    offset: int
    stored_size: int
    raw_size: int
    codec: int
    dict_id: int
    chunks: tuple[tuple[ChunkId, int, int], ...]  # (chunk id, offset in block, size)


class PackWriter:
    """Collects chunks into blocks and assembles one pack in memory.

    ``add`` buffers a chunk; every ``block_size`` bytes the buffered chunks are compressed
    into a block. Nothing is durable until the caller stores ``finish()``'s bytes. One
    writer belongs to one thread.
    """

    def __init__(
        self,
        *,
        block_size: int = DEFAULT_BLOCK_SIZE,
        level: int = DEFAULT_LEVEL,
        dictionary: zstandard.ZstdCompressionDict | None = None,
    ) -> None:
        if block_size <= 0:
            raise ValueError("block_size must be positive, otherwise a block never closes")
        self.block_size = block_size
        self.level = level
        self.dictionary = dictionary
        self.dict_id = dictionary.dict_id() if dictionary is not None else 0
        self._parts: list[bytes] = [PACK_MAGIC]
        self._offset = len(PACK_MAGIC)
        self._blocks: list[Block] = []
        self._pending: list[tuple[ChunkId, bytes]] = []
        self._pending_size = 0
        self.chunk_count = 0

    def add(self, chunk: ChunkId, data: bytes) -> None:
        self._pending.append((chunk, data))
        self._pending_size += len(data)
        self.chunk_count += 1
        if self._pending_size >= self.block_size:
            self._close_block()

    def _close_block(self) -> None:
        if not self._pending:
            return
        raw = b"".join(data for _, data in self._pending)
        codec, stored = compress_block(raw, self.level, self.dictionary)
        chunks = []
        position = 0
        for chunk, data in self._pending:
            chunks.append((chunk, position, len(data)))
            position += len(data)
        self._blocks.append(
            Block(self._offset, len(stored), len(raw), codec, self.dict_id if codec else 0, tuple(chunks))
        )
        self._parts.append(stored)
        self._offset += len(stored)
        self._pending = []
        self._pending_size = 0

    def finish(self) -> tuple[str, bytes, list[Block]]:
        """Close the last block and return (pack id, pack bytes, blocks)."""
        self._close_block()
        footer_raw = encode_footer(self._blocks)
        footer = zstandard.ZstdCompressor(level=19).compress(footer_raw)
        self._parts.append(footer)
        self._parts.append(TRAILER.pack(len(footer), len(footer_raw), PACK_MAGIC))
        data = b"".join(self._parts)
        pack_id = blake3.blake3(data).hexdigest(16)
        return pack_id, data, self._blocks


def encode_footer(blocks: list[Block]) -> bytes:
    parts = [struct.pack("<I", len(blocks))]
    for block in blocks:
        parts.append(
            BLOCK_ENTRY.pack(
                block.offset, block.stored_size, block.raw_size, block.codec, block.dict_id, len(block.chunks)
            )
        )
    for block in blocks:
        for chunk, _, size in block.chunks:
            parts.append(CHUNK_ENTRY.pack(chunk, size))
    return b"".join(parts)


def decode_footer(footer_raw: bytes) -> list[Block]:
    try:
        (count,) = struct.unpack_from("<I", footer_raw, 0)
        position = 4
        headers = []
        for _ in range(count):
            headers.append(BLOCK_ENTRY.unpack_from(footer_raw, position))
            position += BLOCK_ENTRY.size
        blocks = []
        for offset, stored_size, raw_size, codec, dict_id, chunk_count in headers:
            chunks = []
            in_block = 0
            for _ in range(chunk_count):
                chunk, size = CHUNK_ENTRY.unpack_from(footer_raw, position)
                position += CHUNK_ENTRY.size
                chunks.append((chunk, in_block, size))
                in_block += size
            blocks.append(Block(offset, stored_size, raw_size, codec, dict_id, tuple(chunks)))
    except struct.error as exc:
        raise InvalidPack(f"pack footer is truncated: {exc}") from None
    return blocks


def parse_trailer(trailer: bytes) -> tuple[int, int]:
    """Return (footer size, raw footer size) from a pack's last 16 bytes."""
    if len(trailer) != TRAILER.size:
        raise InvalidPack("pack is shorter than its trailer")
    footer_size, raw_size, magic = TRAILER.unpack(trailer)
    if magic in OLD_PACK_MAGICS:
        raise InvalidPack(
            f"pack written by {OLD_PACK_MAGICS[magic]}, which this Gravity does not read; "
            "process the raw files again into a new store"
        )
    if magic != PACK_MAGIC:
        raise InvalidPack(f"not a Gravity pack (trailer magic {magic!r})")
    return footer_size, raw_size


def read_footer(footer: bytes, raw_size: int) -> list[Block]:
    try:
        raw = zstandard.ZstdDecompressor().decompress(footer, max_output_size=raw_size)
    except zstandard.ZstdError as exc:
        raise InvalidPack(f"pack footer does not decompress: {exc}") from None
    return decode_footer(raw)

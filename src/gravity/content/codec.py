"""Block codecs: how the bytes of one block of chunks are compressed.

A block records its codec and zstd dictionary id, so data written with any dictionary stays
readable as long as the dictionary is kept (dictionaries are never deleted).
"""

from __future__ import annotations

import threading

import zstandard

CODEC_RAW = 0
CODEC_ZSTD = 1

# zstd level of the blocks of fresh packs. Compaction rewrites them at level 19 in larger
# blocks (compaction/packs.py). Level 19 here would cost about a minute per 33 MB of new
# content on one core and be paid again at compaction, so the worker uses a fast level.
DEFAULT_LEVEL = 3

_local = threading.local()


def _compressor(level: int, dictionary: zstandard.ZstdCompressionDict | None) -> zstandard.ZstdCompressor:
    # ZstdCompressor objects are not thread-safe, so each thread keeps its own per setting.
    cache: dict[tuple[int, int], zstandard.ZstdCompressor] = _local.__dict__.setdefault("c", {})
    key = (level, id(dictionary) if dictionary is not None else 0)
    if key not in cache:
        cache[key] = zstandard.ZstdCompressor(
            level=level, dict_data=dictionary, write_content_size=True, write_checksum=False
        )
    return cache[key]


def compress_block(
    data: bytes, level: int = DEFAULT_LEVEL, dictionary: zstandard.ZstdCompressionDict | None = None
) -> tuple[int, bytes]:
    """Return (codec, bytes); a block that zstd does not shrink is stored raw."""
    compressed = _compressor(level, dictionary).compress(data)
    if len(compressed) >= len(data):
        return CODEC_RAW, data
    return CODEC_ZSTD, compressed


def decompress_block(
    codec: int, data: bytes, size: int, dictionary: zstandard.ZstdCompressionDict | None = None
) -> bytes:
    if codec == CODEC_RAW:
        return data
    if codec == CODEC_ZSTD:
        decompressor = zstandard.ZstdDecompressor(dict_data=dictionary)
        return decompressor.decompress(data, max_output_size=size)
    raise ValueError(f"unknown block codec {codec}; this store was written by a newer Gravity")

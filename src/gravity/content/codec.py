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


# zstd's levels stop their window at 8 MiB (window log 23). A larger block gets a window that
# covers all of it, so a chunk can match any earlier chunk of its block. Decompressing needs
# that much memory; zstd decoders accept windows up to 2^27 bytes by default.
LEVEL_WINDOW_LOG = 23
MAX_WINDOW_LOG = 27


def _window_log(size: int) -> int | None:
    needed = max(size - 1, 1).bit_length()
    return min(needed, MAX_WINDOW_LOG) if needed > LEVEL_WINDOW_LOG else None


def _compressor(
    level: int, dictionary: zstandard.ZstdCompressionDict | None, window_log: int | None
) -> zstandard.ZstdCompressor:
    # ZstdCompressor objects are not thread-safe, so each thread keeps its own per setting.
    cache: dict[tuple[int, int, int | None], zstandard.ZstdCompressor] = _local.__dict__.setdefault("c", {})
    key = (level, id(dictionary) if dictionary is not None else 0, window_log)
    if key not in cache:
        if window_log is None:
            compressor = zstandard.ZstdCompressor(
                level=level, dict_data=dictionary, write_content_size=True, write_checksum=False
            )
        else:
            parameters = zstandard.ZstdCompressionParameters.from_level(
                level, window_log=window_log, write_content_size=True, write_checksum=False
            )
            compressor = zstandard.ZstdCompressor(dict_data=dictionary, compression_params=parameters)
        cache[key] = compressor
    return cache[key]


def compress_block(
    data: bytes, level: int = DEFAULT_LEVEL, dictionary: zstandard.ZstdCompressionDict | None = None
) -> tuple[int, bytes]:
    """Return (codec, bytes); a block that zstd does not shrink is stored raw."""
    compressed = _compressor(level, dictionary, _window_log(len(data))).compress(data)
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

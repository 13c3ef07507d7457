"""Content-defined chunking over bytes with FastCDC (a gear rolling hash, FastCDC 2020).

A cut depends only on the bytes just before it, so an insertion moves the cuts near the edit
and leaves the others where they were: the pieces before and after the edit keep their
hashes and are stored once. ``pyfastcdc`` 0.3 runs the hash loop in Cython, at about
870 MB/s on one core of the 2-core dev machine. The pure-Python path of the ``fastcdc``
package (1.7) cuts the same strings at 9 MB/s.
"""

from __future__ import annotations

from pyfastcdc import FastCDC

from gravity.content.chunkers import register

# Sizes measured with benchmarks/chunkers.py on the dev corpus: 71,052 string values of at
# least 256 bytes, 172 MB, 119 MB unique as whole strings, cut as they arrive, without
# decoding JSON inside them.
#
#   avg/min/max       pieces   unique MB   unique, zstd -3 in 64 KiB blocks
#   256/64/1024       601,660    45.2          13.3 MB
#   512/128/2048      329,342    50.4          13.9 MB
#   1024/256/4096     198,247    54.0          14.4 MB
#   2048/512/8192     117,571    62.6          15.3 MB
#
# Each piece costs bytes beyond its content: a 32-byte BLAKE3 hash per unique piece, and
# (estimated) 4 bytes per reference. With those added, the totals are 20.9, 18.4, 17.3
# and 17.4 MB. Going from 1024 to 512 saves 0.4 MB of compressed content but adds 1.5 MB
# of hashes and references. Going to 2048 loses more in dedup than it saves.
DEFAULT_AVG_SIZE = 1024
DEFAULT_MIN_SIZE = 256
DEFAULT_MAX_SIZE = 4096

# pyfastcdc 0.3 rejects sizes outside these ranges.
_AVG_SIZE_RANGE = (256, 4 * 1024 * 1024)
_MIN_SIZE_RANGE = (64, 1024 * 1024)
_MAX_SIZE_RANGE = (1024, 16 * 1024 * 1024)


class CdcChunker:
    """FastCDC with normalized chunking level 1.

    Pieces are at least ``min_size`` bytes (except the last one) and at most ``max_size``.
    FastCDC skips the first ``min_size`` bytes of every piece before it looks for a cut, so
    a piece cut inside a long text averages about ``avg_size + min_size`` bytes. On the dev
    corpus the mean piece is 868 bytes with the defaults, because most strings are short.
    """

    name = "cdc"

    def __init__(
        self,
        avg_size: int = DEFAULT_AVG_SIZE,
        min_size: int = DEFAULT_MIN_SIZE,
        max_size: int = DEFAULT_MAX_SIZE,
    ) -> None:
        _check_range("avg_size", avg_size, _AVG_SIZE_RANGE)
        _check_range("min_size", min_size, _MIN_SIZE_RANGE)
        _check_range("max_size", max_size, _MAX_SIZE_RANGE)
        if not min_size <= avg_size <= max_size:
            raise ValueError(
                f"chunk sizes must satisfy min_size <= avg_size <= max_size, "
                f"got {min_size}, {avg_size}, {max_size}"
            )
        self.avg_size = avg_size
        self.min_size = min_size
        self.max_size = max_size

    def cut(self, data: bytes) -> list[int]:
        if not data:
            return [0]
        # A FastCDC object keeps no state between calls to cut_buf, but pyfastcdc documents
        # it as unsafe to share between threads. Building one costs under a microsecond.
        fastcdc = FastCDC(
            self.avg_size,
            min_size=self.min_size,
            max_size=self.max_size,
            normalized_chunking=1,
        )
        return [chunk.offset + chunk.length for chunk in fastcdc.cut_buf(data)]


def _check_range(name: str, value: int, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if not low <= value <= high:
        raise ValueError(f"{name} must be between {low} and {high} bytes, got {value}")


register("cdc", CdcChunker)

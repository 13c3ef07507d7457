"""Content-defined chunking over o200k_base tokens.

A cut falls after token ``i`` when a hash of tokens ``i-k+1 .. i`` is below a threshold, so
it depends only on the last ``k`` tokens: an edit moves the cuts within ``k`` tokens of it
(and those that the min and max sizes push along) and no others. Working on tokens rather
than bytes puts every cut on a token boundary, so each piece covers whole tokens of the
string it came from.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from gravity.content.chunkers import _o200k, register

# Measured with benchmarks/chunkers.py on the dev corpus (string values of at least 256 bytes, 172 MB, at
# 3.9 bytes per token). `total` is the zstd -3 size of the unique pieces in 64 KiB blocks,
# plus a 32-byte hash per unique piece, plus an estimated 4 bytes per reference.
#
#   avg/min/max tokens   pieces    unique MB   total MB
#   128/32/512           384,623     47.9        18.4
#   256/64/1024          225,612     51.7        17.2
#   512/128/2048         150,379     55.4        16.8
#   1024/256/4096        107,189     65.7        17.2
DEFAULT_AVG_TOKENS = 512
DEFAULT_MIN_TOKENS = 128
DEFAULT_MAX_TOKENS = 2048
# 8 tokens is about 30 bytes of text: an edit moves only the cuts within 8 tokens after it.
DEFAULT_WINDOW_TOKENS = 8

_MASK64 = (1 << 64) - 1


def _splitmix64(values: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    # SplitMix64's output function (Steele, Lea and Flood, 2014): a fixed, well-mixed
    # 64-bit value per token id, the same on every machine and numpy version.
    # numpy's uint64 arithmetic wraps modulo 2**64, as the function requires.
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _rotate_left(values: npt.NDArray[np.uint64], bits: int) -> npt.NDArray[np.uint64]:
    if bits % 64 == 0:
        return values
    shift = np.uint64(bits % 64)
    return (values << shift) | (values >> (np.uint64(64) - shift))


class TokenCdcChunker:
    """Cut where a rolling hash of the last ``window_tokens`` token ids is small enough.

    Pieces hold at least ``min_tokens`` tokens (except the last one) and at most
    ``max_tokens``. A cut that would split a UTF-8 character is not taken, and a forced cut
    at ``max_tokens`` moves to the next token end between two characters.
    """

    name = "cdc-tokens"

    def __init__(
        self,
        avg_tokens: int = DEFAULT_AVG_TOKENS,
        min_tokens: int = DEFAULT_MIN_TOKENS,
        max_tokens: int = DEFAULT_MAX_TOKENS,
        window_tokens: int = DEFAULT_WINDOW_TOKENS,
    ) -> None:
        if not 1 <= min_tokens < avg_tokens <= max_tokens:
            raise ValueError(
                f"token counts must satisfy 1 <= min_tokens < avg_tokens <= max_tokens, "
                f"got {min_tokens}, {avg_tokens}, {max_tokens}"
            )
        if window_tokens < 1:
            raise ValueError(f"window_tokens must be at least 1, got {window_tokens}")
        self.avg_tokens = avg_tokens
        self.min_tokens = min_tokens
        self.max_tokens = max_tokens
        self.window_tokens = window_tokens
        # No cut is looked for in the first min_tokens of a piece. A hash matches with
        # probability 1 / (avg - min), so the mean piece is about avg_tokens long.
        self._threshold = np.uint64(_MASK64 // (avg_tokens - min_tokens))

    def cut(self, data: bytes) -> list[int]:
        if not data:
            return [0]
        token_ids, ends = _o200k.tokenize(data)
        whole_chars = _o200k.char_boundaries(data, ends)
        allowed = np.flatnonzero(whole_chars)
        candidates = np.flatnonzero(whole_chars & (self._window_hashes(token_ids) < self._threshold))
        last_index = len(token_ids) - 1

        cuts = []
        last_token = -1
        while last_token < last_index:
            lowest = last_token + self.min_tokens
            highest = last_token + self.max_tokens
            if lowest >= last_index:
                break
            position = np.searchsorted(candidates, lowest)
            if position < len(candidates) and candidates[position] <= highest:
                last_token = int(candidates[position])
            else:
                last_token = int(allowed[np.searchsorted(allowed, min(highest, last_index))])
            cuts.append(int(ends[last_token]))
        if not cuts or cuts[-1] != len(data):
            cuts.append(len(data))
        return cuts

    def _window_hashes(self, token_ids: npt.NDArray[np.int64]) -> npt.NDArray[np.uint64]:
        # hash[i] = XOR over j < window of rotl(gear[id[i - j]], j): a buzhash over token ids.
        # The rotation by distance makes the order of the tokens count.
        gears = _splitmix64(token_ids.astype(np.uint64))
        hashes = gears.copy()
        for distance in range(1, min(self.window_tokens, len(gears))):
            hashes[distance:] ^= _rotate_left(gears[:-distance], distance)
        return hashes


register("cdc-tokens", TokenCdcChunker)

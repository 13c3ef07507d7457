"""Fixed windows of o200k_base tokens, kept to compare against content-defined chunkers.

Windows count from the start of the string, so text appended at the end leaves the earlier
windows as they were, but an insertion shifts every window after it.
"""

from __future__ import annotations

import numpy as np

from gravity.content.chunkers import _o200k, register

# Measured with benchmarks/chunkers.py on the dev corpus (string values of at least 256 bytes, 172 MB, at
# 3.9 bytes per token). `total` is the zstd -3 size of the unique pieces in 64 KiB blocks,
# plus a 32-byte hash per unique piece, plus an estimated 4 bytes per reference.
#
#   window tokens   pieces    unique MB   total MB
#   128             373,962     56.6        20.5
#   256             208,700     60.1        18.7
#   512             128,540     66.2        18.1
#   1024             94,088     71.3        18.1
#
# 512 and 1024 tie, and 512 keeps pieces nearer the size of the other chunkers' pieces.
DEFAULT_WINDOW_TOKENS = 512


class TokenWindowChunker:
    """Cut after every ``window_tokens`` o200k_base tokens.

    A cut that would split a UTF-8 character moves to the next token end between two
    characters, and the next window counts from there.
    """

    name = "tokens"

    def __init__(self, window_tokens: int = DEFAULT_WINDOW_TOKENS) -> None:
        if window_tokens < 1:
            raise ValueError(f"window_tokens must be at least 1, got {window_tokens}")
        self.window_tokens = window_tokens

    def cut(self, data: bytes) -> list[int]:
        if not data:
            return [0]
        _, ends = _o200k.tokenize(data)
        # Indices of the tokens after which a cut keeps characters whole.
        allowed = np.flatnonzero(_o200k.char_boundaries(data, ends))

        cuts = []
        last_token = -1
        while True:
            position = np.searchsorted(allowed, last_token + self.window_tokens)
            if position >= len(allowed):
                break
            last_token = int(allowed[position])
            cuts.append(int(ends[last_token]))
        if not cuts or cuts[-1] != len(data):
            cuts.append(len(data))
        return cuts


register("tokens", TokenWindowChunker)

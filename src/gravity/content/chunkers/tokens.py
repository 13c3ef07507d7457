"""Fixed windows of o200k_base tokens, kept to compare against content-defined chunkers.

Windows count from the start of the string, so text appended at the end leaves the earlier
windows as they were, but an insertion shifts every window after it.
"""

from __future__ import annotations

import numpy as np

from gravity.content.chunkers import _o200k, register

# 256 tokens is about 1 KB of the dev corpus (3.9 bytes per token), the size of a `cdc` piece.
DEFAULT_WINDOW_TOKENS = 256


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

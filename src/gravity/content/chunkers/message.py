"""Message-aware chunking: cut between chat messages and their parts, then by content.

Chat history in a span is mostly JSON: ``[{"role": "system", ...}, {"role": "user", ...}]``
in OpenAI requests, ``{"role": ..., "parts": [{"type": "text", "content": ...}]}`` in the
GenAI conventions. Cutting just before each message or part object lines pieces up with the
messages, so a message that reappears in a later call, with a different neighbor or in a
longer history, gives the same pieces again. A piece still longer than ``max_size`` is cut
by the ``cdc`` chunker, with each cut moved to the end of a paragraph when one is near.
"""

from __future__ import annotations

import re

from gravity.content.chunkers import register
from gravity.content.chunkers.cdc import CdcChunker

# A message or part object starts: `{"role":`, `{"type":`, `{"content":`, with optional
# spaces, and with single quotes as Python's repr() writes them.
_OBJECT_START = re.compile(rb"""\{\s*["'](?:role|type|content)["']\s*:""")
# A paragraph break as text (two newlines) and as JSON writes it inside a string.
_PARAGRAPH_BREAKS = (b"\n\n", b"\\n\\n")

# Measured with benchmarks/chunkers.py on the string values of at least 256 bytes in the
# dev corpus (172 MB). The `total` column is the zstd -3 size of the unique pieces in
# 64 KiB blocks, plus a 32-byte hash per unique piece, plus an estimated 4 bytes per
# reference. The third row is a variant tried and dropped.
#
#   variant                                              pieces   unique MB   total MB
#   cdc alone (1024/256/4096)                            198,247    54.0        17.3
#   objects after 256 bytes, cdc in pieces over 4096     210,838    53.5        16.5
#   + a cut at every paragraph 256 bytes past the last   365,085    50.5        18.3
#   + cdc cuts moved to a paragraph end within 512       209,243    53.5        16.5
#
# Cutting at every paragraph saves unique bytes but costs more in references than it saves.
# Moving each cdc cut forward to a paragraph end costs nothing and makes pieces of long
# texts end with whole paragraphs. It also keeps cuts content-defined: a rule such as
# "the first paragraph end 2048 bytes past the last cut" chains every cut to the one before,
# and after a 37-byte insertion into 60 KB of text only 82% of the bytes kept their pieces
# (99% with moved cdc cuts).
DEFAULT_MIN_SIZE = 256
DEFAULT_MAX_SIZE = 4096
DEFAULT_PARAGRAPH_WINDOW = 512


class MessageChunker:
    """Cut before message and part objects, then by cdc moved to paragraph ends.

    A cut before an object is taken when the piece before it has at least ``min_size``
    bytes. Pieces longer than ``max_size`` are cut again by ``cdc``, and each of those cuts
    moves forward to the first paragraph end within ``paragraph_window`` bytes, if any.
    A cut depends on the bytes near it and not on the cuts before it, except through the
    ``min_size`` rule, so an edit or appended text leaves the cuts away from it in place.
    """

    name = "message"

    def __init__(
        self,
        min_size: int = DEFAULT_MIN_SIZE,
        max_size: int = DEFAULT_MAX_SIZE,
        paragraph_window: int = DEFAULT_PARAGRAPH_WINDOW,
        cdc: CdcChunker | None = None,
    ) -> None:
        if not 1 <= min_size <= max_size:
            raise ValueError(
                f"min_size must be between 1 and max_size ({max_size}), got {min_size}"
            )
        if paragraph_window < 0:
            raise ValueError(f"paragraph_window must be 0 or more, got {paragraph_window}")
        self.min_size = min_size
        self.max_size = max_size
        self.paragraph_window = paragraph_window
        self.cdc = cdc if cdc is not None else CdcChunker()

    def cut(self, data: bytes) -> list[int]:
        if not data:
            return [0]
        cuts: list[int] = []
        start = 0
        for end in self._object_cuts(data):
            if end - start > self.max_size:
                for offset in self.cdc.cut(data[start:end]):
                    cut = self._paragraph_end_near(data, start + offset, end)
                    # Two cdc cuts can move to the same paragraph end, or a cut can move
                    # past the next one. Dropping those keeps the offsets ascending.
                    if not cuts or cut > cuts[-1]:
                        cuts.append(cut)
            else:
                cuts.append(end)
            start = end
        return cuts

    def _object_cuts(self, data: bytes) -> list[int]:
        # Searching from min_size past the last cut skips the object starts that could not
        # be taken, so each byte is scanned about once.
        cuts = []
        position = self.min_size
        while (match := _OBJECT_START.search(data, position)) is not None:
            cuts.append(match.start())
            position = match.start() + self.min_size
        cuts.append(len(data))
        return cuts

    def _paragraph_end_near(self, data: bytes, cut: int, piece_end: int) -> int:
        """Return the first paragraph end in ``cut .. cut + paragraph_window``, else ``cut``."""
        if cut >= piece_end:
            return cut
        stop = min(cut + self.paragraph_window, piece_end)
        ends = []
        for paragraph_break in _PARAGRAPH_BREAKS:
            index = data.find(paragraph_break, max(cut - len(paragraph_break), 0), stop)
            if index >= 0:
                ends.append(index + len(paragraph_break))
        return min(ends, default=cut)


register("message", MessageChunker)

"""Cut after every newline: the prototype's chunker, kept for comparison."""

from __future__ import annotations

from gravity.content.chunkers import register


class NewlineChunker:
    name = "newline"

    def cut(self, data: bytes) -> list[int]:
        cuts = []
        start = 0
        while True:
            index = data.find(b"\n", start)
            if index < 0:
                break
            cuts.append(index + 1)
            start = index + 1
        if not cuts or cuts[-1] != len(data):
            cuts.append(len(data))
        return cuts


register("newline", NewlineChunker)

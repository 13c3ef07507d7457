"""Chunkers cut one content string (as UTF-8 bytes) into pieces that are stored once each.

Every chunker is deterministic: the same bytes always give the same cuts, which is what
lets two spans that share text share its chunks. One module per algorithm; ``get_chunker``
picks one by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol


class Chunker(Protocol):
    name: str

    def cut(self, data: bytes) -> list[int]:
        """Return the end offset of every piece, ascending; the last one is ``len(data)``."""
        ...


_REGISTRY: dict[str, Callable[[], Chunker]] = {}


def register(name: str, factory: Callable[[], Chunker]) -> None:
    _REGISTRY[name] = factory


def chunker_names() -> list[str]:
    _load_builtin()
    return sorted(_REGISTRY)


def get_chunker(name: str) -> Chunker:
    _load_builtin()
    try:
        factory = _REGISTRY[name]
    except KeyError:
        choices = ", ".join(sorted(_REGISTRY))
        raise ValueError(f"unknown chunker {name!r}; expected one of: {choices}") from None
    return factory()


def _load_builtin() -> None:
    # Import for the side effect of registering. The import is lazy, so that importing the
    # package does not load a tokenizer unless a token chunker is requested.
    from gravity.content.chunkers import cdc, cdc_tokens, message, newline, tokens  # noqa: F401

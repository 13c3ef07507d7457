"""Split a record into its skeleton and its content, and put them back together.

The skeleton is the record with every long string value (an AnyValue ``stringValue`` in
attributes, event and link attributes, or a log body) replaced by a marker
``{"$c": n}``: the next ``n`` chunk ids of the record's reference list spell that string.
Markers appear in a fixed walk order, which is how ``rebuild`` finds each string's chunks
again. Short strings stay inline: the Parquet columns compress them better than a reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from gravity.content.ids import CHUNK_ID_BYTES, ChunkId

Json = dict[str, Any]
MARKER = "$c"

# Strings shorter than this many characters stay inline in the skeleton. A reference costs
# 16 bytes plus its share of the chunk index, so shorter strings gain nothing from dedup.
MIN_CONTENT_CHARS = 128


def content_values(item: Json) -> Iterator[Json]:
    """Yield every AnyValue of the record that may hold content, in the fixed walk order."""
    for attribute in item.get("attributes", ()):
        yield from _walk(attribute["value"])
    if "body" in item:
        yield from _walk(item["body"])
    for event in item.get("events", ()):
        for attribute in event.get("attributes", ()):
            yield from _walk(attribute["value"])
    for link in item.get("links", ()):
        for attribute in link.get("attributes", ()):
            yield from _walk(attribute["value"])


def _walk(value: Json) -> Iterator[Json]:
    if "arrayValue" in value:
        for element in value["arrayValue"].get("values", ()):
            yield from _walk(element)
    elif "kvlistValue" in value:
        for pair in value["kvlistValue"].get("values", ()):
            yield from _walk(pair["value"])
    else:
        yield value


def split(
    item: Json,
    store_text: Callable[[str], tuple[ChunkId, ...]],
    min_chars: int = MIN_CONTENT_CHARS,
) -> bytes:
    """Replace long strings of ``item`` in place by markers; return the chunk references.

    ``store_text`` turns one string into its chunk ids.
    """
    references: list[bytes] = []
    for value in content_values(item):
        text = value.get("stringValue")
        if text is not None and len(text) >= min_chars:
            chunks = store_text(text)
            del value["stringValue"]
            value[MARKER] = len(chunks)
            references.extend(chunks)
    return b"".join(references)


def referenced_chunks(references: bytes) -> list[ChunkId]:
    return [references[i : i + CHUNK_ID_BYTES] for i in range(0, len(references), CHUNK_ID_BYTES)]


def rebuild(skeleton: Json, references: bytes, chunk_bytes: dict[ChunkId, bytes]) -> Json:
    """Fill the markers of ``skeleton`` in place from ``chunk_bytes``; return it."""
    chunks = referenced_chunks(references)
    position = 0
    for value in content_values(skeleton):
        count = value.get(MARKER)
        if count is None or len(value) != 1:
            continue
        pieces = [chunk_bytes[chunk] for chunk in chunks[position : position + count]]
        position += count
        del value[MARKER]
        value["stringValue"] = b"".join(pieces).decode("utf-8")
    if position != len(chunks):
        raise ValueError(f"skeleton has markers for {position} chunks but {len(chunks)} are referenced")
    return skeleton

"""Split a record into its skeleton and its content, and put them back together.

The skeleton is the record with every long string value (an AnyValue ``stringValue`` in
attributes, event and link attributes, or a log body) replaced by a marker. The record's
reference list holds the chunk ids of all its markers, in the fixed order in which
``content_values`` walks the record, which is how ``rebuild`` finds each string's chunks.

Markers:
- ``{"$c": n}``: the string is the concatenation of the next ``n`` chunks.
- ``{"$t": template, "$c": [n1, n2, ...]}``: the string's long JSON literals were decoded
  (content/textcodec.py); decoded text i is the concatenation of the next ``n_i`` chunks.

Short strings stay inline: Parquet compresses them better than a reference.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from gravity.content.ids import CHUNK_ID_BYTES, ChunkId
from gravity.content.textcodec import join_literals, split_literals

Json = dict[str, Any]
Marker = dict[str, Any]

# Strings shorter than this many characters stay inline in the skeleton. A reference costs
# 12 bytes plus its share of the chunk index, so shorter strings gain nothing from dedup.
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


class EncodedString(NamedTuple):
    marker: Marker
    chunks: tuple[ChunkId, ...]
    texts: tuple[tuple[bytes, int], ...]  # (text id, chunk count) of each stored text, in order


class SplitRecord(NamedTuple):
    references: bytes  # the chunk ids of all markers, concatenated
    text_positions: dict[bytes, tuple[int, int]]  # text id -> (first chunk, chunk count)


StoreText = Callable[[str], tuple[bytes, tuple[ChunkId, ...]]]


def encode_string(text: str, store_text: StoreText) -> EncodedString:
    """Store one long string with ``store_text``; return its marker and what it references."""
    parts = split_literals(text)
    if parts is None:
        text_id, chunks = store_text(text)
        return EncodedString({"$c": len(chunks)}, chunks, ((text_id, len(chunks)),))
    template, texts = parts
    counts = []
    references: list[ChunkId] = []
    stored = []
    for decoded in texts:
        text_id, chunks = store_text(decoded)
        counts.append(len(chunks))
        references.extend(chunks)
        stored.append((text_id, len(chunks)))
    return EncodedString({"$t": template, "$c": counts}, tuple(references), tuple(stored))


def split(
    item: Json,
    encode: Callable[[str], EncodedString],
    min_chars: int = MIN_CONTENT_CHARS,
) -> SplitRecord:
    """Replace long strings of ``item`` in place by markers; return what they reference.

    ``encode`` stores one string (``ContentWriter.encode_string``, memoized). The text
    positions let other columns point at a text of this record instead of storing it again.
    """
    references: list[bytes] = []
    positions: dict[bytes, tuple[int, int]] = {}
    for value in content_values(item):
        text = value.get("stringValue")
        if text is not None and len(text) >= min_chars:
            encoded = encode(text)
            del value["stringValue"]
            value.update(encoded.marker)
            start = len(references)
            for text_id, count in encoded.texts:
                positions.setdefault(text_id, (start, count))
                start += count
            references.extend(encoded.chunks)
    return SplitRecord(b"".join(references), positions)


def referenced_chunks(references: bytes) -> list[ChunkId]:
    return [references[i : i + CHUNK_ID_BYTES] for i in range(0, len(references), CHUNK_ID_BYTES)]


def rebuild(skeleton: Json, references: bytes, chunk_bytes: dict[ChunkId, bytes]) -> Json:
    """Fill the markers of ``skeleton`` in place from ``chunk_bytes``; return it."""
    chunks = referenced_chunks(references)
    position = 0

    def take(count: int) -> str:
        nonlocal position
        pieces = [chunk_bytes[chunk] for chunk in chunks[position : position + count]]
        position += count
        return b"".join(pieces).decode("utf-8")

    for value in content_values(skeleton):
        count = value.get("$c")
        if count is None or "stringValue" in value:
            continue
        if "$t" in value:
            text = join_literals(value.pop("$t"), [take(n) for n in count])
        else:
            text = take(count)
        del value["$c"]
        value["stringValue"] = text
    if position != len(chunks):
        raise ValueError(f"skeleton has markers for {position} chunks but {len(chunks)} are referenced")
    return skeleton

"""Normalized messages that point into their span's content instead of repeating it.

The normalized call (gravity.normalize) lists a call's messages, whose texts are almost
always texts the span already stores: the content of an attribute, or a literal decoded from
one. Each such long string in the call's messages JSON is replaced by ``{"$r": [first,
count]}``, a run of the row's own ``chunk_refs``. This is the frame recipe: no content bytes
and no chunk ids are stored twice, only two small integers per text.
"""

from __future__ import annotations

import re
from typing import Any

import blake3
import orjson

from gravity.content.ids import CHUNK_ID_BYTES
from gravity.spans.skeleton import referenced_chunks

POINTER = "$r"

# Strings shorter than this stay in the frame: two integers would not save anything.
MIN_POINTER_CHARS = 64


# In orjson's compact output a "$r" key is always written as these bytes.
_POINTER_KEY = b'"$r":'

# The next JSON string literal that may become a pointer (group 1), and the ":" after it when
# it is a key (group 2). The regex engine skips the bytes between literals and the short
# literals without escapes, which is what makes this faster than a walk over the parsed
# document. Possessive quantifiers (Python 3.11+) keep the skipping linear, because the
# alternatives start with different bytes and nothing needs to backtrack.
_CANDIDATE = re.compile(
    rb'(?:[^"]++|"[^"\\]{0,%d}+")*+("[^"\\]*+(?:\\.[^"\\]*+)*+")(:?)' % (MIN_POINTER_CHARS - 1),
    re.DOTALL,
)


def encode_frame(messages_json: str | None, positions: dict[bytes, tuple[int, int]]) -> bytes | None:
    """Return the messages JSON with long texts of the span replaced by pointers."""
    if messages_json is None:
        return None
    data = messages_json.encode()
    document = orjson.loads(data)
    # The text scan needs orjson's own output, which is what messages_to_json writes. Other
    # JSON, and any document with a "$r" key, takes the walk over the parsed document.
    if _POINTER_KEY not in data and orjson.dumps(document) == data:
        return _replace_in_text(data, positions)
    if _has_pointer_key(document):
        return data  # a literal "$r" key would be read back as a pointer
    return orjson.dumps(_replace(document, positions))


def _replace_in_text(data: bytes, positions: dict[bytes, tuple[int, int]]) -> bytes:
    """Replace long string values by pointers in the JSON text itself.

    ``data`` must be orjson's own output for its document, so that the result is the same
    bytes as ``orjson.dumps(_replace(orjson.loads(data), positions))``: a key is then always
    followed by ":", and a literal without a backslash is the UTF-8 of its text.
    """
    pieces = []
    copied = 0
    position = 0
    while (match := _CANDIDATE.match(data, position)) is not None:
        position = match.end()
        if match.group(2):
            continue  # a key
        literal = match.group(1)
        text = orjson.loads(literal).encode() if b"\\" in literal else literal[1:-1]
        if len(text) < MIN_POINTER_CHARS or (not text.isascii() and len(text.decode()) < MIN_POINTER_CHARS):
            continue
        pointer = positions.get(blake3.blake3(text).digest(CHUNK_ID_BYTES))
        if pointer is not None:
            pieces.append(data[copied : match.start(1)])
            pieces.append(b'{"$r":[%d,%d]}' % pointer)
            copied = match.end(1)
    if not pieces:
        return data
    pieces.append(data[copied:])
    return b"".join(pieces)


def _has_pointer_key(node: Any) -> bool:
    if isinstance(node, dict):
        return POINTER in node or any(_has_pointer_key(value) for value in node.values())
    if isinstance(node, list):
        return any(_has_pointer_key(value) for value in node)
    return False


def _replace(node: Any, positions: dict[bytes, tuple[int, int]]) -> Any:
    if isinstance(node, str):
        if len(node) >= MIN_POINTER_CHARS:
            position = positions.get(blake3.blake3(node.encode()).digest(CHUNK_ID_BYTES))
            if position is not None:
                return {POINTER: list(position)}
        return node
    if isinstance(node, dict):
        return {key: _replace(value, positions) for key, value in node.items()}
    if isinstance(node, list):
        return [_replace(value, positions) for value in node]
    return node


def decode_frame(frame: bytes | None, references: bytes, chunk_bytes: dict[bytes, bytes]) -> str | None:
    """Rebuild the messages JSON from a frame and its row's chunk references."""
    if frame is None:
        return None
    chunks = referenced_chunks(references)

    def restore(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {POINTER}:
                first, count = node[POINTER]
                return b"".join(chunk_bytes[chunk] for chunk in chunks[first : first + count]).decode()
            return {key: restore(value) for key, value in node.items()}
        if isinstance(node, list):
            return [restore(value) for value in node]
        return node

    return orjson.dumps(restore(orjson.loads(frame))).decode()

"""Normalized messages that point into their span's content instead of repeating it.

The normalized call (gravity.normalize) lists a call's messages, whose texts are almost
always texts the span already stores: the content of an attribute, or a literal decoded from
one. Each such long string in the call's messages JSON is replaced by ``{"$r": [first,
count]}``, a run of the row's own ``chunk_refs``. This is the frame recipe: no content bytes
and no chunk ids are stored twice, only two small integers per text.
"""

from __future__ import annotations

from typing import Any

import blake3
import orjson

from gravity.content.ids import CHUNK_ID_BYTES
from gravity.spans.skeleton import referenced_chunks

POINTER = "$r"

# Strings shorter than this stay in the frame: two integers would not save anything.
MIN_POINTER_CHARS = 64


def encode_frame(messages_json: str | None, positions: dict[bytes, tuple[int, int]]) -> bytes | None:
    """Return the messages JSON with long texts of the span replaced by pointers."""
    if messages_json is None:
        return None
    document = orjson.loads(messages_json)
    if _may_have_pointer_key(messages_json) or not isinstance(document, dict | list):
        if _has_pointer_key(document):
            return messages_json.encode()  # a literal "$r" key would be read back as a pointer
        return orjson.dumps(_replace(document, positions))
    _replace_in_place(document, positions)
    return orjson.dumps(document)


def _may_have_pointer_key(messages_json: str) -> bool:
    # A "$r" key is written either as is or with a \u escape, so a text with neither has none.
    return '"$r"' in messages_json or "\\u" in messages_json


def _replace_in_place(container: dict[str, Any] | list[Any], positions: dict[bytes, tuple[int, int]]) -> None:
    """Replace the long texts inside a freshly parsed document, as ``_replace`` does.

    Changing the parsed document in place saves building a copy of every dict and list,
    which is most of the work for a large messages document.
    """
    entries = container.items() if type(container) is dict else enumerate(container)
    for key, value in entries:
        kind = type(value)
        if kind is str:
            if len(value) >= MIN_POINTER_CHARS:
                position = positions.get(blake3.blake3(value.encode()).digest(CHUNK_ID_BYTES))
                if position is not None:
                    container[key] = {POINTER: list(position)}
        elif kind is dict or kind is list:
            _replace_in_place(value, positions)


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

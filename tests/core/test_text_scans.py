"""Frame pointers and JSON literal splitting against the plain code they replace."""

from __future__ import annotations

import random
from typing import Any

import blake3
import orjson
import pytest

from gravity.content import textcodec
from gravity.content.ids import CHUNK_ID_BYTES
from gravity.spans import frames

LONG = "a long text that is long enough to become a pointer in a frame, or a stored text " * 2


def _text_id(text: str) -> bytes:
    return blake3.blake3(text.encode()).digest(CHUNK_ID_BYTES)


def _frame_by_copy(messages_json: str, positions: dict[bytes, tuple[int, int]]) -> bytes:
    # encode_frame before the in-place walk: a check for "$r" keys, then a copying walk.
    document = orjson.loads(messages_json)
    if frames._has_pointer_key(document):
        return messages_json.encode()
    return orjson.dumps(frames._replace(document, positions))


@pytest.mark.parametrize(
    "document",
    [
        {"input_messages": [{"role": "user", "parts": [{"type": "text", "content": LONG}]}]},
        {"input_messages": [{"role": "user", "parts": [{"type": "tool_call", "arguments": {"query": [LONG, 1, None]}}]}]},
        {"input_messages": [{"role": "user", "parts": [{"type": "text", "content": LONG + "\u00b0\n\"quoted\""}]}]},
        {"tool_definitions": [{"name": "t", "parameters": {LONG: LONG}}]},
        {"input_messages": [{"role": "user", "parts": [{"type": "tool_call", "arguments": {"$r": [0, 1]}}]}]},
        {"input_messages": [{"role": "user", "parts": [{"type": "tool_call", "arguments": {"\u0024r": LONG}}]}]},
        {"output_messages": [{"role": "assistant", "parts": [{"type": "text", "content": "short"}]}]},
        [LONG, LONG],
    ],
)
def test_frame_same_as_copying_walk(document: Any) -> None:
    messages_json = orjson.dumps(document).decode()
    positions = {_text_id(LONG): (2, 3), _text_id(LONG + "\u00b0\n\"quoted\""): (0, 1)}
    assert frames.encode_frame(messages_json, positions) == _frame_by_copy(messages_json, positions)


def test_frame_escaped_pointer_key_kept() -> None:
    # A "$r" key written with a \u escape is still a "$r" key: the frame keeps the text as is.
    messages_json = '{"input_messages":[{"\\u0024r":[0,1]}]}'
    assert frames.encode_frame(messages_json, {}) == messages_json.encode()


def _split_by_finditer(text: str) -> tuple[list[Any], list[str]] | None:
    # split_literals before the regex skipped short literals: every literal is looked at.
    if '"' not in text:
        return None
    template: list[Any] = []
    texts: list[str] = []

    def add_piece(piece: str) -> None:
        if len(piece) > textcodec.MAX_TEMPLATE_PIECE_CHARS:
            template.append([textcodec.STYLE_RAW])
            texts.append(piece)
        elif piece:
            template.append(piece)

    position = 0
    decoded_any = False
    for match in textcodec._LITERAL.finditer(text):
        literal = match.group()
        if len(literal) < textcodec.MIN_LITERAL_CHARS:
            continue
        style_and_text = textcodec._decode_exactly(literal)
        if style_and_text is None:
            continue
        style, decoded = style_and_text
        add_piece(text[position : match.start()])
        template.append([style])
        texts.append(decoded)
        position = match.end()
        decoded_any = True
    if not decoded_any:
        return None
    add_piece(text[position:])
    return template, texts


LITERAL_PIECES = ["a", "\u00e9", '"', "\\", '\\"', "\n", "\U0001f600", " ", "x" * 20, "/", "\\u00e9", "\\n", '{"k": "', '"}', "y" * 70]


def test_split_literals_same_as_finditer() -> None:
    generator = random.Random(7)
    for _ in range(20_000):
        text = "".join(generator.choice(LITERAL_PIECES) for _ in range(generator.randint(0, 60)))
        assert textcodec.split_literals(text) == _split_by_finditer(text), text


def test_split_literals_unterminated_quote() -> None:
    literal = '"' + "word " * 20 + '"'
    text = '"short" ' * 1000 + literal + ' "no closing quote ' + "z" * 500
    template, texts = textcodec.split_literals(text) or ([], [])
    assert texts[-2] == "word " * 20
    assert textcodec.join_literals(template, texts) == text

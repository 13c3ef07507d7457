"""Store a string's JSON-encoded texts once, whatever their escaping.

The same message often sits in one span several times: raw in a per-message attribute and
JSON-escaped inside ``input.value`` or ``gen_ai.input.messages`` (``\\u00b0`` for ``°``,
``\\n`` for a newline). Cut as bytes, the escaped and raw forms share no chunks. So every
long JSON string literal inside a long string is decoded, and its text is stored like any
other text. The string keeps a *template*: its literal pieces, and for each decoded text the
escaping style that re-encodes it.

A literal is decoded only when re-encoding the text with a known style gives back its exact
bytes, checked here at write time. Any other literal stays in the template as it was, so
the original string is always rebuilt byte for byte.

Long stretches between literals (a message whose text embeds some JSON, say) are stored as
texts too, with the style ``STYLE_RAW``. This keeps the template small, which matters
because a template is kept in every row that uses it, while texts are stored once.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

# JSON string literals: a quote, then runs of characters other than quote and backslash
# separated by escapes. Written as an unrolled loop, which Python's re matches several times
# faster than the alternation (?:[^"\\]|\\.)*.
_LITERAL = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)

# Literals shorter than this stay in the template: a reference would cost more than it saves.
MIN_LITERAL_CHARS = 64

# The same literals as _LITERAL, found after a stretch that the regex engine skips: text
# outside literals and short literals without escapes, the most common kind. The literal is
# group 1. Possessive quantifiers (Python 3.11+) keep this linear, because the alternatives
# start with different characters and nothing needs to backtrack. A quote with no closing
# quote ends the search, as it does for _LITERAL: no later quote can start a literal then.
_LONG_LITERAL = re.compile(
    r'(?:[^"]++|"[^"\\]{0,%d}+")*+("[^"\\]*+(?:\\.[^"\\]*+)*+")' % (MIN_LITERAL_CHARS - 3),
    re.DOTALL,
)

# Stretches of the template longer than this are stored as texts (STYLE_RAW).
MAX_TEMPLATE_PIECE_CHARS = 256

# Escaping styles, by the encoder that produces them.
STYLE_ASCII = 0  # json.dumps default (ensure_ascii=True): non-ASCII as \uXXXX
STYLE_UTF8 = 1  # json.dumps(ensure_ascii=False), JavaScript's JSON.stringify: UTF-8 as is
STYLE_RAW = 2  # not a literal: a long stretch of the string between literals, as is

_ENCODERS = {
    STYLE_ASCII: json.encoder.encode_basestring_ascii,  # type: ignore[attr-defined]
    STYLE_UTF8: json.encoder.encode_basestring,  # type: ignore[attr-defined]
    STYLE_RAW: lambda text: text,
}

Template = list[Any]  # str pieces, and [style] where a decoded text goes


def split_literals(text: str) -> tuple[Template, list[str]] | None:
    """Return (template, decoded texts), or None when no long literal decodes exactly."""
    if '"' not in text:
        return None
    template: Template = []
    texts: list[str] = []

    def add_piece(piece: str) -> None:
        if len(piece) > MAX_TEMPLATE_PIECE_CHARS:
            template.append([STYLE_RAW])
            texts.append(piece)
        elif piece:
            template.append(piece)

    position = 0
    search_from = 0
    decoded_any = False
    # A loop of anchored matches, not finditer: finditer would retry a failed search at every
    # later position, which is quadratic in the length of the text after the last literal.
    while (match := _LONG_LITERAL.match(text, search_from)) is not None:
        search_from = match.end()
        literal = match.group(1)
        if len(literal) < MIN_LITERAL_CHARS:
            continue  # a short literal with an escape
        style_and_text = _decode_exactly(literal)
        if style_and_text is None:
            continue
        style, decoded = style_and_text
        add_piece(text[position : match.start(1)])
        template.append([style])
        texts.append(decoded)
        position = match.end(1)
        decoded_any = True
    if not decoded_any:
        return None
    add_piece(text[position:])
    return template, texts


def _decode_exactly(literal: str) -> tuple[int, str] | None:
    try:
        decoded = orjson.loads(literal)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(decoded, str):
        return None
    # Most literals without a backslash and with only ASCII are the same in both styles.
    for style in (STYLE_UTF8, STYLE_ASCII) if not literal.isascii() else (STYLE_ASCII, STYLE_UTF8):
        if _ENCODERS[style](decoded) == literal:
            return style, decoded
    return None


def join_literals(template: Template, texts: list[str]) -> str:
    """Rebuild the string that ``split_literals`` took apart."""
    pieces = []
    next_text = iter(texts)
    for piece in template:
        if isinstance(piece, str):
            pieces.append(piece)
        else:
            pieces.append(_ENCODERS[piece[0]](next(next_text)))
    return "".join(pieces)

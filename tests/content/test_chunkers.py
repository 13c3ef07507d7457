"""Chunkers: lossless cuts, determinism, stable boundaries, and the offline o200k encoding."""

from __future__ import annotations

import gzip
import random
from unittest import mock

import numpy as np
import orjson
import pytest
import tiktoken
from tiktoken_ext import openai_public

from gravity.content.chunkers import _o200k, chunker_names, get_chunker
from gravity.content.chunkers.cdc import CdcChunker
from gravity.content.chunkers.cdc_tokens import TokenCdcChunker
from gravity.content.chunkers.message import MessageChunker
from gravity.content.chunkers.tokens import TokenWindowChunker
from tests.conftest import CORPUS, require_shared

ALL_CHUNKERS = ["cdc", "cdc-tokens", "message", "newline", "tokens"]
CONTENT_DEFINED = ["cdc", "cdc-tokens", "message"]


def pieces_of(data: bytes, cuts: list[int]) -> list[bytes]:
    starts = [0, *cuts[:-1]]
    return [data[start:end] for start, end in zip(starts, cuts, strict=True)]


def random_text(rng: random.Random, size: int) -> bytes:
    # Words, punctuation, paragraphs, and characters of 2, 3 and 4 UTF-8 bytes.
    vocabulary = ["the", "flight", "reservation", "é", "日本語", "🚀", ",", ".", "\n", "\n\n"]
    words = []
    length = 0
    while length < size:
        word = rng.choice(vocabulary)
        words.append(word)
        length += len(word.encode()) + 1
    return " ".join(words).encode()


def conversation(turns: int, rng: random.Random) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": random_text(rng, 3000).decode()}]
    for turn in range(turns):
        role = "user" if turn % 2 == 0 else "assistant"
        messages.append({"role": role, "content": random_text(rng, rng.randint(200, 3000)).decode()})
    return messages


def shared_fraction(before: bytes, after: bytes, chunker_name: str) -> float:
    """Fraction of the bytes of ``before`` whose pieces reappear among the pieces of ``after``."""
    chunker = get_chunker(chunker_name)
    after_pieces = set(pieces_of(after, chunker.cut(after)))
    before_pieces = pieces_of(before, chunker.cut(before))
    shared = sum(len(piece) for piece in before_pieces if piece in after_pieces)
    return shared / len(before)


@pytest.fixture(scope="module")
def corpus_strings() -> list[bytes]:
    """Long string values from the first corpus file: prompts, requests, responses."""
    require_shared()
    path = sorted(CORPUS.glob("*/*/*.gz"))[0]
    document = orjson.loads(gzip.decompress(path.read_bytes()))
    strings = []
    for resource_spans in document["resourceSpans"]:
        for scope_spans in resource_spans["scopeSpans"]:
            for span in scope_spans["spans"]:
                for attribute in span.get("attributes", []):
                    value = attribute["value"].get("stringValue", "")
                    if len(value) >= 2000:
                        strings.append(value.encode())
    assert len(strings) >= 20, f"{path} has only {len(strings)} long strings"
    return strings


def test_registry_lists_every_chunker():
    assert chunker_names() == ALL_CHUNKERS


@pytest.mark.parametrize("name", ALL_CHUNKERS)
@pytest.mark.parametrize("size", [0, 1, 7, 300, 5000, 70000])
def test_random_bytes_concatenate_to_input(name, size):
    data = random.Random(size).randbytes(size)
    cuts = get_chunker(name).cut(data)

    assert cuts[-1] == len(data)
    assert cuts == sorted(set(cuts))
    assert b"".join(pieces_of(data, cuts)) == data


@pytest.mark.parametrize("name", ALL_CHUNKERS)
def test_random_text_concatenates_to_input(name):
    data = random_text(random.Random(1), 40000)
    cuts = get_chunker(name).cut(data)

    assert len(cuts) > 1
    assert b"".join(pieces_of(data, cuts)) == data


@pytest.mark.parametrize("name", ALL_CHUNKERS)
def test_corpus_strings_concatenate_to_input(name, corpus_strings):
    chunker = get_chunker(name)
    for data in corpus_strings:
        cuts = chunker.cut(data)
        assert cuts[-1] == len(data)
        assert b"".join(pieces_of(data, cuts)) == data


@pytest.mark.parametrize("name", ALL_CHUNKERS)
def test_cuts_are_deterministic(name, corpus_strings):
    data = b"".join(corpus_strings[:5])
    first = get_chunker(name).cut(data)
    second = get_chunker(name).cut(data)

    assert first == second


@pytest.mark.parametrize("name", ["cdc-tokens", "message", "tokens"])
def test_text_pieces_decode_as_utf8(name):
    # Each piece must be text on its own: no cut splits a multi-byte character.
    data = random_text(random.Random(2), 60000)
    for piece in pieces_of(data, get_chunker(name).cut(data)):
        piece.decode("utf-8")


# JSON escapes newlines, so the prototype's newline chunker gets one line and is left out.
@pytest.mark.parametrize("name", [*CONTENT_DEFINED, "tokens"])
def test_appended_turn_keeps_earlier_pieces(name):
    rng = random.Random(3)
    messages = conversation(12, rng)
    before = orjson.dumps(messages)
    after = orjson.dumps([*messages, {"role": "user", "content": "And the return flight?"}])
    assert after.startswith(before[:-1])

    assert shared_fraction(before, after, name) >= 0.8


@pytest.mark.parametrize("name", CONTENT_DEFINED)
def test_inserted_text_keeps_most_pieces(name):
    # An edit in the middle moves only the cuts near it.
    data = random_text(random.Random(4), 60000)
    middle = len(data) // 2
    edited = data[:middle] + b" an inserted sentence of a few words " + data[middle:]

    assert shared_fraction(data, edited, name) >= 0.8


def test_token_windows_shift_after_insertion():
    # The comparison that the content-defined chunkers exist for: with fixed windows,
    # every window after the edit shifts.
    data = random_text(random.Random(4), 60000)
    middle = len(data) // 2
    edited = data[:middle] + b" an inserted sentence of a few words " + data[middle:]

    assert shared_fraction(data, edited, "tokens") < 0.6


@pytest.mark.parametrize("name", CONTENT_DEFINED)
def test_corpus_history_shares_pieces(name, corpus_strings):
    # A later call of a conversation resends the earlier messages: the history with its
    # last message dropped must share most of its pieces with the full one.
    histories = []
    for data in corpus_strings:
        value = orjson.loads(data) if data.startswith(b'[{"role"') else None
        if value and len(value) >= 4 and len(data) >= 8000:
            histories.append(value)
    assert len(histories) >= 3, "too few message lists among the corpus strings"
    for messages in histories[:10]:
        shorter = orjson.dumps(messages[:-1])
        longer = orjson.dumps(messages)
        assert shared_fraction(shorter, longer, name) >= 0.7


def test_cdc_respects_min_and_max_size():
    chunker = CdcChunker(avg_size=512, min_size=128, max_size=2048)
    data = random.Random(5).randbytes(200000)
    sizes = np.diff([0, *chunker.cut(data)])

    assert sizes[:-1].min() >= 128
    assert sizes.max() <= 2048
    assert 300 < sizes.mean() < 1200


@pytest.mark.parametrize(
    ("sizes", "message"),
    [
        ((1024, 2048, 4096), "min_size <= avg_size"),
        ((1024, 32, 4096), "min_size must be between"),
        ((1024, 256, 64 * 1024 * 1024), "max_size must be between"),
    ],
)
def test_cdc_rejects_invalid_sizes(sizes, message):
    avg_size, min_size, max_size = sizes
    with pytest.raises(ValueError, match=message):
        CdcChunker(avg_size=avg_size, min_size=min_size, max_size=max_size)


def test_token_windows_hold_window_tokens():
    data = random_text(random.Random(6), 30000).decode().encode("ascii", errors="replace")
    chunker = TokenWindowChunker(window_tokens=100)
    _, ends = _o200k.tokenize(data)
    cuts = chunker.cut(data)

    assert set(cuts) <= set(ends.tolist())
    # In ASCII text no cut moves to keep a character whole, so every window but the last
    # has exactly 100 tokens.
    token_counts = np.diff([0, *[int(np.searchsorted(ends, cut)) + 1 for cut in cuts]])
    assert set(token_counts[:-1].tolist()) == {100}
    assert token_counts[-1] <= 100


def test_token_cdc_cuts_on_token_ends():
    data = random_text(random.Random(7), 50000)
    chunker = TokenCdcChunker(avg_tokens=128, min_tokens=32, max_tokens=512)
    _, ends = _o200k.tokenize(data)
    cuts = chunker.cut(data)
    token_counts = np.diff([0, *[int(np.searchsorted(ends, cut)) + 1 for cut in cuts]])

    assert set(cuts) <= set(ends.tolist())
    assert token_counts[:-1].min() >= 32
    assert token_counts.max() <= 512 + 4  # a forced cut may move to the next whole character
    assert 60 < token_counts.mean() < 260


def test_token_chunkers_cover_invalid_utf8():
    data = b"valid text \xff\xfe then \xe6\x97 cut short " * 200
    for name in ("tokens", "cdc-tokens"):
        cuts = get_chunker(name).cut(data)
        assert b"".join(pieces_of(data, cuts)) == data


def test_message_cuts_before_each_message():
    messages = [{"role": "user", "content": "x" * 400} for _ in range(5)]
    data = orjson.dumps(messages)
    cuts = MessageChunker().cut(data)
    message_starts = [index for index in range(len(data)) if data.startswith(b'{"role"', index)]

    assert cuts[:-1] == message_starts[1:]


def test_message_cuts_long_text_at_paragraphs():
    # One paragraph every 500 bytes: every cdc cut finds a paragraph end within 512 bytes.
    paragraphs = [(f"paragraph {number} " + "word " * 97).encode() for number in range(40)]
    data = b"\n\n".join(paragraphs)
    pieces = pieces_of(data, MessageChunker().cut(data))

    assert len(pieces) > 2
    assert all(piece.endswith(b"\n\n") for piece in pieces[:-1])


def test_message_cuts_json_text_at_escaped_paragraphs():
    paragraphs = [(f"paragraph {number} " + "word " * 97) for number in range(40)]
    data = orjson.dumps({"role": "user", "content": "\n\n".join(paragraphs)})
    pieces = pieces_of(data, MessageChunker().cut(data))

    assert len(pieces) > 2
    assert all(piece.endswith(b"\\n\\n") for piece in pieces[:-1])


def test_message_cuts_long_piece_with_cdc():
    data = random.Random(8).randbytes(50000).replace(b"\n", b" ")
    chunker = MessageChunker()

    assert chunker.cut(data) == chunker.cdc.cut(data)


def test_o200k_matches_tiktoken_definition():
    # The pattern and special tokens are copied from tiktoken_ext; this catches a tiktoken
    # release that changes them.
    ranks = _o200k.load_ranks()
    with mock.patch.object(openai_public, "load_tiktoken_bpe", return_value=ranks):
        expected = openai_public.o200k_base()
    encoding = _o200k.encoding()

    assert encoding._pat_str == expected["pat_str"]
    assert encoding._special_tokens == expected["special_tokens"]
    assert encoding.n_vocab == 200019
    assert encoding.encode("hello world") == [24912, 2375]


def test_o200k_loads_without_network():
    _o200k.encoding.cache_clear()
    with mock.patch.object(tiktoken.load, "read_file_cached", side_effect=AssertionError("download")):
        encoding = _o200k.encoding()

    assert encoding.name == "o200k_base"

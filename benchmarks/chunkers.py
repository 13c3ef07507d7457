"""Measure each chunker on the long strings of a corpus: speed, dedup and an estimated cost.

    .venv/bin/python benchmarks/chunkers.py CORPUS_DIR [--chunker SPEC ...] [--decode-json]

SPEC is a registered chunker name, optionally with constructor arguments:
``cdc:avg_size=512:min_size=128:max_size=2048``. The strings are the attribute values of at
least 256 bytes (prompts, requests, responses, tool schemas), cut as the worker receives
them or, with ``--decode-json``, with the texts inside JSON strings taken out first.

The ``total`` column estimates what the content costs in a store. It adds up the unique
pieces compressed with zstd -3 in blocks of 64 KiB, a 32-byte BLAKE3 hash per unique piece,
and 4 bytes per reference, which is an estimate for a compact reference encoding.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import zstandard

from gravity.content.chunkers import Chunker, chunker_names, get_chunker

from baselines import load_corpus

MIN_STRING_BYTES = 256
BLOCK_BYTES = 64 * 1024
HASH_BYTES = 32
REFERENCE_BYTES = 4


def long_strings(value: Any, out: list[bytes]) -> None:
    """Collect every string of at least MIN_STRING_BYTES UTF-8 bytes below ``value``."""
    if isinstance(value, str):
        encoded = value.encode()
        if len(encoded) >= MIN_STRING_BYTES:
            out.append(encoded)
    elif isinstance(value, dict):
        for item in value.values():
            long_strings(item, out)
    elif isinstance(value, list):
        for item in value:
            long_strings(item, out)


def decode_json_strings(strings: list[bytes]) -> list[bytes]:
    """Replace each string that is a JSON object or array by the long strings inside it."""
    decoded: list[bytes] = []
    for data in strings:
        if data[:1] in (b"{", b"["):
            try:
                long_strings(orjson.loads(data), decoded)
                continue
            except orjson.JSONDecodeError:
                pass
        decoded.append(data)
    return decoded


def build_chunker(spec: str) -> Chunker:
    name, *arguments = spec.split(":")
    if not arguments:
        return get_chunker(name)
    options = {}
    for argument in arguments:
        key, _, value = argument.partition("=")
        options[key] = int(value)
    # Each built-in chunker registers its class, which takes its sizes as keyword arguments.
    return type(get_chunker(name))(**options)


def measure(spec: str, strings: list[bytes]) -> dict[str, Any]:
    chunker = build_chunker(spec)
    chunker.cut(b"load the tokenizer, if any, before the clock starts")

    started = time.perf_counter()
    all_cuts = [chunker.cut(data) for data in strings]
    seconds = time.perf_counter() - started

    unique: dict[bytes, None] = {}
    references = 0
    for data, cuts in zip(strings, all_cuts, strict=True):
        start = 0
        for end in cuts:
            unique.setdefault(data[start:end], None)
            references += 1
            start = end
    compressed = compressed_in_blocks(list(unique))
    total_bytes = sum(map(len, strings))
    return {
        "spec": spec,
        "mb_per_s": total_bytes / 1e6 / seconds,
        "references": references,
        "unique_pieces": len(unique),
        "unique_mb": sum(map(len, unique)) / 1e6,
        "compressed_mb": compressed / 1e6,
        "total_mb": (compressed + HASH_BYTES * len(unique) + REFERENCE_BYTES * references) / 1e6,
    }


def compressed_in_blocks(pieces: list[bytes]) -> int:
    compressor = zstandard.ZstdCompressor(level=3)
    size = 0
    block: list[bytes] = []
    block_bytes = 0
    for piece in pieces:
        block.append(piece)
        block_bytes += len(piece)
        if block_bytes >= BLOCK_BYTES:
            size += len(compressor.compress(b"".join(block)))
            block, block_bytes = [], 0
    if block:
        size += len(compressor.compress(b"".join(block)))
    return size


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Measure chunkers on the long strings of a corpus.")
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder of Collector files")
    parser.add_argument(
        "--chunker", action="append", dest="specs", metavar="SPEC",
        help="chunker name[:argument=value...], repeatable (default: every registered chunker)",
    )
    parser.add_argument(
        "--decode-json", action="store_true", help="cut the texts inside JSON strings, not the JSON"
    )
    args = parser.parse_args(argv)
    specs = args.specs or chunker_names()

    corpus = load_corpus(args.corpus)
    strings: list[bytes] = []
    for file in corpus.files:
        long_strings(orjson.loads(file.payload), strings)
    if args.decode_json:
        strings = decode_json_strings(strings)
    total = sum(map(len, strings))
    print(f"{len(strings):,} strings of at least {MIN_STRING_BYTES} bytes, {total / 1e6:,.1f} MB", file=sys.stderr)

    print("| chunker | MB/s | pieces | unique pieces | unique MB | zstd -3 in 64 KiB blocks, MB | total MB |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for spec in specs:
        row = measure(spec, strings)
        print(
            f"| {row['spec']} | {row['mb_per_s']:,.1f} | {row['references']:,} | {row['unique_pieces']:,} "
            f"| {row['unique_mb']:,.1f} | {row['compressed_mb']:,.2f} | {row['total_mb']:,.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The corpus as it arrives, and what general-purpose compressors make of it.

Every figure here is measured in the benchmark's own process. They are the raw OTLP JSON
size, the size of the Collector's gzip files as stored, the whole corpus as one zstd or xz
stream, and the speed of ``orjson.loads`` over the same JSON. Parsing is work that every
worker must do, so that speed is a ceiling for the worker's.
"""

from __future__ import annotations

import gzip
import lzma
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import zstandard

# The suffixes the Collector's awss3 exporter writes with the otlp_json marshaler.
JSON_SUFFIXES = (".json", ".json.gz")

# Span kinds and operation names that mark one request to a model, as the instrumentation
# families in the dev corpus write them. LiteLLM names every call `litellm_request`, also
# when the SDK's limit of 128 attributes per span evicted the attributes that mark it.
_LLM_OPERATIONS = {"chat", "text_completion", "generate_content"}
_LLM_SPAN_NAMES = {"litellm_request"}


@dataclass
class CorpusFile:
    relative_path: Path  # below the corpus root, as the Collector laid it out
    file_bytes: int  # size as stored (gzip for .json.gz)
    payload: bytes  # the OTLP JSON


@dataclass
class Corpus:
    root: Path
    files: list[CorpusFile]
    spans: int
    llm_calls: int
    parse_seconds: float  # orjson.loads over every payload, on the pinned core

    @property
    def raw_json_bytes(self) -> int:
        return sum(len(file.payload) for file in self.files)

    @property
    def stored_file_bytes(self) -> int:
        return sum(file.file_bytes for file in self.files)


@dataclass
class StreamResult:
    compressed_bytes: int
    seconds: float


def corpus_root(directory: Path) -> Path:
    """Return the folder the raw file paths are relative to: ``raw-spans/`` when present."""
    raw_spans = directory / "raw-spans"
    return raw_spans if raw_spans.is_dir() else directory


def load_corpus(directory: Path) -> Corpus:
    """Read every OTLP JSON file below ``directory``, then parse and count its spans."""
    root = corpus_root(directory)
    paths = sorted(path for path in root.rglob("*") if path.is_file() and path.name.endswith(JSON_SUFFIXES))
    if not paths:
        raise SystemExit(f"error: no OTLP JSON files (*.json, *.json.gz) below {root}")

    files = []
    for path in paths:
        stored = path.read_bytes()
        payload = gzip.decompress(stored) if path.name.endswith(".gz") else stored
        files.append(CorpusFile(path.relative_to(root), len(stored), payload))

    # Only orjson.loads is timed, one file at a time. Each document is dropped before the next
    # is parsed: holding all of them would make the garbage collector walk a heap of every
    # span at once: 146 MB/s instead of 431 MB/s on the dev corpus.
    parse_seconds = 0.0
    spans = 0
    llm_calls = 0
    for file in files:
        started = time.perf_counter()
        document = orjson.loads(file.payload)
        parse_seconds += time.perf_counter() - started
        for span in _iter_spans(document):
            spans += 1
            llm_calls += _is_llm_call(span)
        del document
    return Corpus(root, files, spans, llm_calls, parse_seconds)


def _iter_spans(document: dict) -> list[dict]:
    return [
        span
        for resource_spans in document.get("resourceSpans", [])
        for scope_spans in resource_spans.get("scopeSpans", [])
        for span in scope_spans.get("spans", [])
    ]


def _is_llm_call(span: dict) -> bool:
    if span.get("name") in _LLM_SPAN_NAMES:
        return True
    for attribute in span.get("attributes", []):
        value = attribute.get("value", {}).get("stringValue")
        if attribute.get("key") == "openinference.span.kind" and value == "LLM":
            return True
        if attribute.get("key") == "gen_ai.operation.name" and value in _LLM_OPERATIONS:
            return True
    return False


def zstd_long_stream(corpus: Corpus) -> StreamResult:
    """Compress the whole corpus as one stream, as ``zstd -19 --long=31`` does."""
    # --long=31 means long distance matching with a 2 GiB window. The input size is known
    # up front, so zstd sizes its tables for the input and not for the full window.
    parameters = zstandard.ZstdCompressionParameters.from_level(
        19, source_size=0, window_log=31, enable_ldm=True
    )
    data = b"".join(file.payload for file in corpus.files)
    started = time.perf_counter()
    compressed = zstandard.ZstdCompressor(compression_params=parameters).compress(data)
    return StreamResult(len(compressed), time.perf_counter() - started)


def xz_stream(corpus: Corpus) -> StreamResult:
    """Compress the whole corpus as one stream, as ``xz -9`` does (preset 9, one thread)."""
    data = b"".join(file.payload for file in corpus.files)
    started = time.perf_counter()
    compressed = lzma.compress(data, format=lzma.FORMAT_XZ, preset=9)
    return StreamResult(len(compressed), time.perf_counter() - started)

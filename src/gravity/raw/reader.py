"""Turn the bytes of one raw file into records, or raise a RawFileError with the reason."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

from gravity.errors import RawFileError
from gravity.otlp.decode import InvalidOtlp, decode_json, decode_protobuf, records_from_document
from gravity.otlp.model import Record
from gravity.raw.layout import RawKey

GZIP_MAGIC = b"\x1f\x8b"

# A raw file larger than this once decompressed is set aside rather than risk exhausting
# memory on a decompression bomb. The Collector's batches are a few MB.
MAX_DECOMPRESSED_BYTES = 1 << 30


@dataclass
class RawPayload:
    records: list[Record]
    signal: str
    payload: bytes  # the decompressed OTLP bytes


def gunzip(data: bytes, limit: int) -> bytes:
    """Decompress gzip (also several concatenated members) up to ``limit`` bytes.

    Raises ValueError for a truncated or corrupt stream and for output past ``limit``.
    """
    out: list[bytes] = []
    total = 0
    while data:
        decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        try:
            chunk = decompressor.decompress(data, limit - total + 1)
        except zlib.error as exc:
            raise ValueError(f"invalid gzip data: {exc}") from None
        total += len(chunk)
        out.append(chunk)
        if total > limit:
            raise ValueError(f"decompresses to more than {limit} bytes")
        if decompressor.unconsumed_tail:
            raise ValueError(f"decompresses to more than {limit} bytes")
        if not decompressor.eof:
            raise ValueError("truncated gzip data: the stream ends before its end marker")
        data = decompressor.unused_data
    return b"".join(out)


def read_raw_file(raw_key: RawKey, data: bytes, limit: int = MAX_DECOMPRESSED_BYTES) -> RawPayload:
    # Decide gzip by the magic bytes: S3 clients may have decompressed a '.gz' object
    # already, and a plain file may carry any suffix.
    payload = data
    if data[:2] == GZIP_MAGIC:
        try:
            payload = gunzip(data, limit)
        except ValueError as exc:
            raise RawFileError(raw_key.key, str(exc)) from None
    # An empty protobuf payload is a valid request with no spans; empty JSON is not.
    if raw_key.marshaler == "otlp_json" and not payload.strip():
        raise RawFileError(raw_key.key, "empty file: no OTLP JSON" + (" after gunzip" if payload is not data else ""))

    try:
        stripped = payload.lstrip()
        looks_like_json = stripped[:1] == b"{"
        if raw_key.marshaler == "otlp_json" or looks_like_json:
            document = decode_json(payload)
        else:
            document = decode_protobuf(payload, raw_key.signal)
        records = records_from_document(document)
    except InvalidOtlp as exc:
        raise RawFileError(raw_key.key, str(exc)) from None

    signal = records[0].signal if records else raw_key.signal
    return RawPayload(records, signal, payload)

"""Streaming body decoding with size limits."""

from __future__ import annotations

import gzip
import zlib

import pytest

from gravity.receiver.decoding import (
    BodyDecoder,
    BodyLimits,
    BodyTooLarge,
    InvalidBody,
    UnsupportedMediaType,
    coding_for,
    marshaler_for,
)

LIMITS = BodyLimits(max_body_bytes=1 << 20, max_decompressed_bytes=1 << 20)
PAYLOAD = bytes(range(256)) * 2000  # 512000 bytes


def decode(coding: str, body: bytes, chunk_size: int = 997, limits: BodyLimits = LIMITS) -> bytes:
    decoder = BodyDecoder(coding, limits)
    for start in range(0, len(body), chunk_size):
        decoder.feed(body[start:start + chunk_size])
    return decoder.finish()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    "coding, body",
    [
        ("identity", PAYLOAD),
        ("gzip", gzip.compress(PAYLOAD)),
        ("gzip", gzip.compress(PAYLOAD[:1000]) + gzip.compress(PAYLOAD[1000:])),  # two members
        ("deflate", zlib.compress(PAYLOAD)),
        ("deflate", raw_deflate(PAYLOAD)),
    ],
)
@pytest.mark.parametrize("chunk_size", [7, 997, 1 << 20])
def test_decoder_round_trip(coding, body, chunk_size):
    assert decode(coding, body, chunk_size) == PAYLOAD


def test_decoder_empty_body():
    for coding in ("identity", "gzip", "deflate"):
        assert decode(coding, b"") == b""


def test_decoder_stops_at_decompressed_limit():
    limits = BodyLimits(max_body_bytes=1 << 20, max_decompressed_bytes=100_000)
    decoder = BodyDecoder("gzip", limits)
    bomb = gzip.compress(b"\0" * (50 << 20))
    with pytest.raises(BodyTooLarge, match="decompresses to more than 100000 bytes"):
        decoder.feed(bomb)
    assert len(decoder._output) <= limits.max_decompressed_bytes + 1


def test_decoder_limit_is_inclusive():
    limits = BodyLimits(max_body_bytes=1 << 20, max_decompressed_bytes=len(PAYLOAD))
    assert decode("gzip", gzip.compress(PAYLOAD), limits=limits) == PAYLOAD
    tighter = BodyLimits(max_body_bytes=1 << 20, max_decompressed_bytes=len(PAYLOAD) - 1)
    with pytest.raises(BodyTooLarge):
        decode("gzip", gzip.compress(PAYLOAD), limits=tighter)


def test_decoder_stops_at_wire_limit():
    limits = BodyLimits(max_body_bytes=1000, max_decompressed_bytes=1 << 20)
    with pytest.raises(BodyTooLarge, match="over the limit of 1000 bytes"):
        decode("identity", b"x" * 1001, limits=limits)


@pytest.mark.parametrize(
    "coding, body, problem",
    [
        ("gzip", gzip.compress(PAYLOAD)[:-20], "truncated gzip body"),
        ("gzip", b"not gzip at all", "invalid gzip body"),
        ("gzip", gzip.compress(PAYLOAD) + b"garbage", "invalid gzip body"),
        ("deflate", zlib.compress(PAYLOAD) + b"more", "data after the end of the stream"),
        ("deflate", zlib.compress(PAYLOAD)[:-30], "truncated deflate body"),
    ],
)
def test_decoder_rejects_corrupt_streams(coding, body, problem):
    with pytest.raises(InvalidBody, match=problem):
        decode(coding, body)


@pytest.mark.parametrize(
    "content_type, marshaler",
    [
        ("application/x-protobuf", "otlp_proto"),
        ("application/json", "otlp_json"),
        ("Application/JSON; charset=utf-8", "otlp_json"),
    ],
)
def test_marshaler_for_content_type(content_type, marshaler):
    assert marshaler_for(content_type) == marshaler


@pytest.mark.parametrize("content_type", [None, "", "text/plain", "application/protobuf"])
def test_marshaler_for_unsupported_type(content_type):
    with pytest.raises(UnsupportedMediaType):
        marshaler_for(content_type)


def test_coding_for_headers():
    assert coding_for(None) == "identity"
    assert coding_for("GZIP") == "gzip"
    with pytest.raises(UnsupportedMediaType, match="'zstd'"):
        coding_for("zstd")

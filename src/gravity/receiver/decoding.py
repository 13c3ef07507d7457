"""Request bodies: which media types and content codings the receiver accepts, and a
streaming decoder that stops at a size limit.

The decoder reads the body chunk by chunk as it arrives and keeps at most
``max_decompressed_bytes`` of output. A small gzip body that expands to gigabytes (a
decompression bomb) is therefore rejected after at most that much work and memory.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

JSON = "otlp_json"
PROTOBUF = "otlp_proto"

MEDIA_TYPES = {"application/json": JSON, "application/x-protobuf": PROTOBUF}
CONTENT_CODINGS = ("identity", "gzip", "deflate")

_INFLATE_STEP_BYTES = 1 << 20


class BodyError(Exception):
    """The request body cannot be accepted; ``status`` is the HTTP status of the response."""

    status = 400


class UnsupportedMediaType(BodyError):
    status = 415


class BodyTooLarge(BodyError):
    status = 413


class InvalidBody(BodyError):
    status = 400


def marshaler_for(content_type: str | None) -> str:
    """Return the raw-file marshaler for a ``Content-Type`` header, or raise UnsupportedMediaType."""
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    try:
        return MEDIA_TYPES[media_type]
    except KeyError:
        raise UnsupportedMediaType(
            f"unsupported Content-Type {content_type!r}: "
            "send application/x-protobuf or application/json"
        ) from None


def coding_for(content_encoding: str | None) -> str:
    """Return the content coding named by ``Content-Encoding``, or raise UnsupportedMediaType."""
    coding = (content_encoding or "identity").strip().lower()
    if coding not in CONTENT_CODINGS:
        raise UnsupportedMediaType(
            f"unsupported Content-Encoding {content_encoding!r}: "
            "send the body plain, gzip or deflate"
        )
    return coding


@dataclass(frozen=True)
class BodyLimits:
    max_body_bytes: int  # bytes on the wire, before decompression
    max_decompressed_bytes: int


class BodyDecoder:
    """Decode a body of one content coding incrementally, within ``limits``.

    Call ``feed`` for each chunk received, then ``finish`` for the decoded bytes. Both raise
    BodyTooLarge past a limit and InvalidBody for a corrupt or truncated stream. A gzip body
    may hold several concatenated members, as RFC 1952 allows. ``deflate`` is the zlib format
    (RFC 1950) that HTTP names so; raw deflate streams, which some clients send, are accepted
    too.
    """

    def __init__(self, coding: str, limits: BodyLimits) -> None:
        self.coding = coding
        self.limits = limits
        self.wire_bytes = 0
        self._output = bytearray()
        self._pending = b""  # deflate: bytes held until the zlib header can be recognized
        self._decompressor: zlib._Decompress | None = None
        self._started = False

    def feed(self, chunk: bytes) -> None:
        self.wire_bytes += len(chunk)
        if self.wire_bytes > self.limits.max_body_bytes:
            raise BodyTooLarge(
                f"request body is over the limit of {self.limits.max_body_bytes} bytes"
            )
        if self.coding == "identity":
            self._append(chunk)
        elif self.coding == "gzip":
            self._inflate_gzip(chunk)
        else:
            self._inflate_deflate(chunk)

    def finish(self) -> bytes:
        if self.coding == "deflate" and self._pending:
            self._inflate_deflate(b"", final=True)
        if self._decompressor is not None and not self._decompressor.eof:
            raise InvalidBody(
                f"truncated {self.coding} body: the stream ends before its end marker"
            )
        return bytes(self._output)

    def _append(self, data: bytes) -> None:
        self._output += data
        if len(self._output) > self.limits.max_decompressed_bytes:
            raise BodyTooLarge(
                "request body decompresses to more than "
                f"{self.limits.max_decompressed_bytes} bytes, the limit"
            )

    def _inflate(self, data: bytes) -> bytes:
        """Decompress ``data`` with the current decompressor; return the unused input."""
        assert self._decompressor is not None
        while True:
            # One byte over the limit is enough to know that the limit is passed, and small
            # steps keep each piece of output (a copy on top of the body so far) small.
            room = self.limits.max_decompressed_bytes - len(self._output) + 1
            step = min(room, _INFLATE_STEP_BYTES)
            try:
                out = self._decompressor.decompress(data, step)
            except zlib.error as exc:
                raise InvalidBody(f"invalid {self.coding} body: {exc}") from None
            self._append(out)
            if self._decompressor.eof:
                return self._decompressor.unused_data
            data = self._decompressor.unconsumed_tail
            # A full step may leave output inside zlib even when all input is consumed.
            if not data and len(out) < step:
                return b""

    def _inflate_gzip(self, chunk: bytes) -> None:
        data = chunk
        while data:
            if self._decompressor is None or self._decompressor.eof:
                self._decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
            data = self._inflate(data)

    def _inflate_deflate(self, chunk: bytes, final: bool = False) -> None:
        if self._decompressor is None:
            self._pending += chunk
            if len(self._pending) < 2 and not final:
                return
            chunk, self._pending = self._pending, b""
            self._decompressor = zlib.decompressobj(
                wbits=zlib.MAX_WBITS if _is_zlib_header(chunk) else -zlib.MAX_WBITS
            )
        if self._decompressor.eof:
            if chunk:
                raise InvalidBody("invalid deflate body: data after the end of the stream")
            return
        if self._inflate(chunk):
            raise InvalidBody("invalid deflate body: data after the end of the stream")


def _is_zlib_header(data: bytes) -> bool:
    # RFC 1950: compression method 8 in the low nibble of CMF, and CMF*256 + FLG a
    # multiple of 31.
    if len(data) < 2:
        return False
    cmf, flg = data[0], data[1]
    return cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0

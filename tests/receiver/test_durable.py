"""The raw file writer: batching window, limits, failures and close."""

from __future__ import annotations

import gzip
import time

import httpx
import pytest
from conftest import TEST_SETTINGS

from gravity.errors import StoreError
from gravity.raw.layout import parse_raw_key
from gravity.receiver.durable import RawBatchWriter, WriterClosed, WriterFull
from gravity.receiver.payload import join_parts
from gravity.store import LocalStore


class FailingStore(LocalStore):
    """A local store whose writes fail, as a full disk or an unreachable bucket would."""

    def put_if_absent(self, key: str, data: bytes) -> bool:
        raise StoreError(f"cannot write {key}: [Errno 28] No space left on device")


def make_writer(store, **options) -> RawBatchWriter:
    settings = {"window_seconds": 0.05, "max_batch_bytes": 1 << 20, "max_pending_bytes": 1 << 20}
    return RawBatchWriter(store, **{**settings, **options})


def test_parts_within_window_share_a_file(tmp_path):
    store = LocalStore(tmp_path)
    written = []
    writer = make_writer(store, on_written=written.append)
    futures = [writer.submit("traces", None, "otlp_json", b'{"n":%d}' % n) for n in range(3)]
    other_org = writer.submit("traces", "acme", "otlp_json", b'{"n":3}')

    keys = {future.result(5) for future in futures}
    writer.close()

    assert len(keys) == 1
    (key,) = keys
    assert gzip.decompress(store.get(key)) == join_parts("traces", "otlp_json", [b'{"n":0}', b'{"n":1}', b'{"n":2}'])
    assert parse_raw_key(other_org.result()).org == "acme"
    assert sorted(written) == sorted([key, other_org.result()])


def test_full_batch_written_before_window(tmp_path):
    writer = make_writer(LocalStore(tmp_path), window_seconds=60, max_batch_bytes=10)
    started = time.monotonic()
    future = writer.submit("logs", None, "otlp_proto", b"x" * 10)
    assert future.result(5).startswith("raw-logs/")
    assert time.monotonic() - started < 5
    writer.close()


def test_pending_bytes_limit_raises_writer_full(tmp_path):
    writer = make_writer(LocalStore(tmp_path), window_seconds=60, max_pending_bytes=100)
    first = writer.submit("traces", None, "otlp_proto", b"x" * 60)
    with pytest.raises(WriterFull, match="60 bytes are waiting"):
        writer.submit("traces", None, "otlp_proto", b"x" * 60)
    writer.close()
    assert first.done()
    assert first.exception() is None
    assert writer.pending_bytes == 0


def test_oversized_part_taken_when_idle(tmp_path):
    writer = make_writer(LocalStore(tmp_path), max_pending_bytes=10)
    assert writer.submit("traces", None, "otlp_proto", b"x" * 50).result(5)
    writer.close()


def test_close_writes_open_batches(tmp_path):
    store = LocalStore(tmp_path)
    writer = make_writer(store, window_seconds=60)
    future = writer.submit("traces", None, "otlp_proto", b"\x0a\x00")
    writer.close()
    assert store.exists(future.result(0))
    with pytest.raises(WriterClosed):
        writer.submit("traces", None, "otlp_proto", b"\x0a\x00")


def test_store_failure_reaches_every_request(tmp_path):
    writer = make_writer(FailingStore(tmp_path))
    futures = [writer.submit("traces", None, "otlp_proto", b"\x0a\x00") for _ in range(2)]
    for future in futures:
        with pytest.raises(StoreError, match="No space left"):
            future.result(5)
    assert writer.pending_bytes == 0
    writer.close()


def test_store_failure_gets_503(start_receiver, tmp_path):
    receiver = start_receiver(store=FailingStore(tmp_path / "failing"))
    body = b'{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"}]}]}]}'
    response = httpx.post(receiver.url + "/v1/traces", content=body, headers={"content-type": "application/json"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == str(TEST_SETTINGS.busy_retry_after)
    assert "failed to store the request durably" in response.json()["message"]

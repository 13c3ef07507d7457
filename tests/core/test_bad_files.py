"""Raw files that cannot be read are set aside with a reason; the others are committed."""

from __future__ import annotations

import gzip

import orjson

from gravity import catalog
from gravity.worker.runner import Worker, WorkerSettings

from tests.conftest import copy_into_store


def test_broken_files_set_aside(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    good = corpus_sample[0][0].read_bytes()
    truncated = "raw-spans/dt=2025-09-10/hour=01/batch-traces_100000001.json.gz"
    invalid = "raw-spans/dt=2025-09-10/hour=01/batch-traces_100000002.json"
    wrong_shape = "raw-spans/dt=2025-09-10/hour=01/batch-traces_100000003.json"
    local_store.put(truncated, good[: len(good) // 2])
    local_store.put(invalid, b'{"resourceSpans": [{"scopeSpans": [}')
    local_store.put(wrong_shape, orjson.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": 7}]}]}]}))

    stats = Worker(local_store, WorkerSettings(settle_seconds=0)).run_once()

    assert stats.committed == len(corpus_sample)
    assert stats.failed == 3
    reasons = {failure["raw_key"]: failure["reason"] for failure in catalog.failed_files(local_store)}
    assert "truncated" in reasons[truncated]
    assert "invalid JSON" in reasons[invalid]
    assert "traceId" in reasons[wrong_shape]
    for key in (truncated, invalid, wrong_shape):
        assert not local_store.exists(key)
        assert local_store.exists(catalog.FAILED + key)


def test_gzip_decided_by_magic_not_suffix(local_store, corpus_sample):
    path, _ = corpus_sample[0]
    local_store.put("raw-spans/plain-traces_1.json.gz", gzip.decompress(path.read_bytes()))
    local_store.put("raw-spans/zipped-traces_2.json", path.read_bytes())

    stats = Worker(local_store).run_once()

    assert stats.failed == 0
    assert stats.committed + stats.duplicates == 2


def test_file_still_written_stays_pending(local_store, corpus_sample):
    path, key = corpus_sample[0]
    whole = path.read_bytes()
    local_store.put(key, whole[: len(whole) // 3])  # a copy into the store, one third done

    first = Worker(local_store).run_once()

    assert first.pending == 1
    assert first.failed == 0
    assert not list(local_store.list(catalog.FAILED))
    assert local_store.get(key) == whole[: len(whole) // 3]

    local_store.put(key, whole)  # the copy finishes
    second = Worker(local_store).run_once()

    assert second.committed == 1


def test_replaced_file_clears_its_failure(local_store, corpus_sample):
    path, key = corpus_sample[0]
    local_store.put(key, b"not json")
    Worker(local_store, WorkerSettings(settle_seconds=0)).run_once()
    assert catalog.failed_files(local_store)

    local_store.put(key, path.read_bytes())
    stats = Worker(local_store).run_once()

    assert stats.committed == 1
    assert catalog.failed_files(local_store) == []


def test_empty_json_file_reason_says_empty(local_store):
    local_store.put("raw-spans/dt=2025-10-31/hour=08/batch-traces_1.json.gz", b"")
    local_store.put("raw-spans/dt=2025-10-31/hour=08/batch-traces_2.json.gz", gzip.compress(b"  \n"))

    stats = Worker(local_store, WorkerSettings(settle_seconds=0)).run_once()

    reasons = sorted(failure["reason"] for failure in stats.failures)
    assert stats.failed == 2
    assert reasons == ["empty file: no OTLP JSON", "empty file: no OTLP JSON after gunzip"]

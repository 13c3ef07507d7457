"""At-least-once delivery: repeated and concurrent processing adds nothing twice."""

from __future__ import annotations

import os
import subprocess
import sys

import orjson
import pyarrow.parquet as pq

from gravity import catalog
from gravity.worker.runner import Worker

from tests.conftest import copy_into_store


def span_rows(store) -> int:
    return sum(pq.read_metadata(store.root / key).num_rows for key in catalog.visible_index_files(store, "spans"))


def stored_objects(store, prefix: str) -> set[str]:
    return {info.key for info in store.list(prefix)}


def test_second_run_adds_nothing(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    Worker(local_store).run_once()
    rows, packs = span_rows(local_store), stored_objects(local_store, "packs/")

    # The raw files arrive again (a retried upload): same keys, then same payloads.
    for info in list(local_store.list(catalog.DONE)):
        local_store.delete(info.key)
    second = Worker(local_store).run_once()

    assert second.duplicates == len(corpus_sample)
    assert span_rows(local_store) == rows
    assert stored_objects(local_store, "packs/") == packs


def test_copy_under_other_key_adds_nothing(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    Worker(local_store).run_once()
    rows, packs = span_rows(local_store), stored_objects(local_store, "packs/")

    path, _ = corpus_sample[0]
    local_store.put("raw-spans/dt=2025-09-11/hour=01/copy-traces_123456789.json.gz", path.read_bytes())
    second = Worker(local_store).run_once()

    assert second.files == 1
    assert second.duplicates == 1
    assert span_rows(local_store) == rows
    assert stored_objects(local_store, "packs/") == packs


def test_chunks_shared_across_files_not_stored_again(local_store, corpus_sample):
    first, rest = corpus_sample[:1], corpus_sample[1:]
    copy_into_store(local_store, first)
    alone = Worker(local_store).run_once()
    copy_into_store(local_store, rest)
    after = Worker(local_store).run_once()

    assert after.chunks_new < after.chunks_referenced
    assert alone.chunks_new > 0


def test_two_workers_commit_each_file_once(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    command = [sys.executable, "-m", "gravity.cli", "worker", "--store", str(local_store.root),
               "--once", "--json", "--max-concurrent", "1"]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    workers = [subprocess.Popen(command, stdout=subprocess.PIPE, env=environment) for _ in range(2)]
    outputs = [orjson.loads(worker.communicate(timeout=300)[0]) for worker in workers]

    assert all(worker.returncode == 0 for worker in workers)
    committed = sum(output["committed"] + output["duplicates"] for output in outputs)
    assert committed == len(corpus_sample)
    assert len(list(catalog.iter_commits(local_store))) == len(corpus_sample)
    expected_spans = sum(output["spans"] for output in outputs)
    assert span_rows(local_store) == expected_spans

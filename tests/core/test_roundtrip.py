"""Round trips through the worker and reconstruct, on the real fixtures and the dev corpus."""

from __future__ import annotations

import pytest

from gravity.content.chunkers import chunker_names
from gravity.worker.runner import Worker, WorkerSettings

from tests.conftest import CORPUS, copy_into_store, fixture_raw_files, require_shared
from tests.core.roundtrip import assert_lossless


def test_fixtures_roundtrip_local(local_store):
    require_shared()
    files = fixture_raw_files()
    copy_into_store(local_store, files)

    stats = Worker(local_store, WorkerSettings(max_concurrent=2)).run_once()

    assert stats.failed == 0, stats.failures
    assert stats.committed == len(files)
    assert assert_lossless(local_store, [path for path, _ in files]) > 100


@pytest.mark.parametrize("layout", ["packed", "loose"])
def test_corpus_sample_roundtrip(local_store, corpus_sample, layout):
    copy_into_store(local_store, corpus_sample)

    stats = Worker(local_store, WorkerSettings(layout=layout)).run_once()

    assert stats.committed == len(corpus_sample)
    assert stats.chunks_new < stats.chunks_referenced  # history repeats across calls
    assert_lossless(local_store, [path for path, _ in corpus_sample])


@pytest.mark.parametrize("chunker", chunker_names())
def test_corpus_sample_roundtrip_every_chunker(local_store, corpus_sample, chunker):
    copy_into_store(local_store, corpus_sample)

    stats = Worker(local_store, WorkerSettings(chunker=chunker)).run_once()

    assert stats.committed == len(corpus_sample)
    assert_lossless(local_store, [path for path, _ in corpus_sample])


@pytest.mark.slow
def test_dev_corpus_roundtrip(tmp_path):
    require_shared()
    from gravity.store import LocalStore

    store = LocalStore(tmp_path / "store")
    paths = sorted(CORPUS.glob("*/*/*.gz"))
    copy_into_store(store, [(path, "raw-spans/" + str(path.relative_to(CORPUS))) for path in paths])

    stats = Worker(store, WorkerSettings(max_concurrent=2)).run_once()

    assert stats.committed == len(paths) == 143
    assert stats.spans == 27887
    assert assert_lossless(store, paths) == 27887

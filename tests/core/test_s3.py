"""The same pipeline against a real S3 API server (moto's server mode) on 127.0.0.1."""

from __future__ import annotations

import boto3
import pytest

from gravity.store import open_store
from gravity.traces import TraceFilter, list_traces
from gravity.worker.runner import Worker, WorkerSettings

from tests.conftest import copy_into_store, fixture_raw_files, require_shared
from tests.core.roundtrip import assert_lossless
from tests.s3server import moto_server, s3_environment


@pytest.fixture(scope="module")
def s3_endpoint():
    with moto_server() as endpoint:
        yield endpoint


def _bucket(endpoint: str, name: str):
    environment = s3_environment(endpoint, name)
    boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1",
        aws_access_key_id="testing", aws_secret_access_key="testing",
    ).create_bucket(Bucket=name)
    return open_store(None, environment)


def test_s3_put_if_absent(s3_endpoint):
    store = _bucket(s3_endpoint, "claims")

    assert store.put_if_absent("state/claims/a", b"first")
    assert not store.put_if_absent("state/claims/a", b"second")
    assert store.get("state/claims/a") == b"first"
    assert store.get_range("state/claims/a", 1, 3) == b"irs"


def test_s3_prefix_from_url(s3_endpoint):
    _bucket(s3_endpoint, "prefixed")
    environment = s3_environment(s3_endpoint, "ignored")
    store = open_store("s3://prefixed/team-a", environment)

    store.put("raw-spans/x.json", b"{}")

    assert [info.key for info in store.list("raw-spans/")] == ["raw-spans/x.json"]


def test_fixtures_roundtrip_s3(s3_endpoint):
    require_shared()
    store = _bucket(s3_endpoint, "roundtrip")
    files = fixture_raw_files()
    copy_into_store(store, files)

    stats = Worker(store, WorkerSettings(max_concurrent=3)).run_once()

    assert stats.failed == 0, stats.failures
    assert stats.committed == len(files)
    assert assert_lossless(store, [path for path, _ in files]) > 100


def test_corpus_sample_roundtrip_s3(s3_endpoint, corpus_sample):
    store = _bucket(s3_endpoint, "corpus")
    copy_into_store(store, corpus_sample)

    stats = Worker(store).run_once()

    assert stats.committed == len(corpus_sample)
    assert_lossless(store, [path for path, _ in corpus_sample])
    listed = list_traces(store, TraceFilter(limit=100_000))
    assert sum(trace["spans"] for trace in listed) == stats.spans

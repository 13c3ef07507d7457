"""Keys in the Collector awss3 exporter layout, and protobuf payloads."""

from __future__ import annotations

import gzip


from gravity.otlp.decode import decode_json
from gravity.otlp.proto import document_to_proto
from gravity.raw.layout import new_raw_key, parse_raw_key
from gravity.reconstruct import TraceReader
from gravity.worker.runner import Worker

from tests.conftest import FIXTURES, require_shared
from tests.core.roundtrip import assert_lossless


def test_parse_org_prefix_and_marshaler():
    key = parse_raw_key("raw-spans/acme/dt=2025-09-10/hour=17/batch-traces_1792401499.binpb.gz")

    assert key.org == "acme"
    assert key.signal == "traces"
    assert key.marshaler == "otlp_proto"


def test_parse_without_partitions_or_prefix():
    key = parse_raw_key("raw-spans/traces_5.json")

    assert key.org is None
    assert key.marshaler == "otlp_json"


def test_parse_default_collector_partitions():
    key = parse_raw_key("raw-logs/year=2026/month=01/day=02/hour=03/minute=04/x-logs_9.json")

    assert key.org is None
    assert key.signal == "logs"


def test_new_key_round_trips():
    key = new_raw_key("traces", org="globex", marshaler="otlp_proto")

    parsed = parse_raw_key(key)
    assert parsed.org == "globex"
    assert parsed.marshaler == "otlp_proto"
    assert key.endswith(".binpb.gz")


def test_protobuf_file_roundtrip(local_store, tmp_path):
    require_shared()
    source = FIXTURES / "collector-s3" / "batch-traces_529804582.json.gz"
    document = decode_json(gzip.decompress(source.read_bytes()))
    message = document_to_proto(document, "traces")
    local_store.put("raw-spans/acme/dt=2025-10-31/hour=08/batch-traces_1.binpb.gz",
                    gzip.compress(message.SerializeToString()))

    stats = Worker(local_store).run_once()

    assert stats.committed == 1, stats.failures
    assert assert_lossless(local_store, [source]) > 0


def test_org_prefix_is_the_tenant_without_org_id(local_store):
    require_shared()
    source = FIXTURES / "collector-s3" / "batch-traces_529804582.json.gz"
    local_store.put("raw-spans/acme/dt=2025-10-31/hour=08/batch-traces_1.json.gz", source.read_bytes())

    Worker(local_store).run_once()

    assert [info.key for info in local_store.list("index/acme/spans/")]
    trace_id = decode_json(gzip.decompress(source.read_bytes()))["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]
    assert TraceReader(local_store).find_rows([trace_id], tenant="acme")
    assert not TraceReader(local_store).find_rows([trace_id], tenant="default")

"""The gravity command as a user runs it: output, JSON for scripts, exit codes."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys

import orjson

from gravity.otlp.canonical import canonical_forms
from gravity.otlp.decode import decode_json

from tests.conftest import FIXTURES, require_shared


def gravity(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "gravity.cli", *args]
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=300)
    if check:
        assert result.returncode == 0, result.stderr
    return result


def test_worker_inspect_reconstruct(local_store):
    require_shared()
    source = FIXTURES / "collector-s3" / "batch-traces_529804582.json.gz"
    local_store.put("raw-spans/dt=2025-10-31/hour=08/batch-traces_529804582.json.gz", source.read_bytes())
    document = decode_json(gzip.decompress(source.read_bytes()))
    trace_id = document["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["traceId"]

    stats = orjson.loads(gravity("worker", "--store", str(local_store.root), "--once", "--json").stdout)
    report = orjson.loads(gravity("inspect", "--store", str(local_store.root), "--json").stdout)
    rebuilt = gravity("reconstruct", "--store", str(local_store.root), trace_id).stdout
    text = gravity("reconstruct", "--store", str(local_store.root), trace_id, "--format", "text").stdout

    assert stats["committed"] == 1
    assert report["files_processed"] == 1
    assert report["raw_file_bytes"] == source.stat().st_size
    assert report["raw_json_bytes"] == len(gzip.decompress(source.read_bytes()))
    assert report["stored_bytes"]["total"] > 0
    assert report["chunks_stored"] <= report["chunks_referenced"]
    expected = canonical_forms({"resourceSpans": [
        {**group, "scopeSpans": [{**scope, "spans": [s for s in scope["spans"] if s["traceId"] == trace_id]}
                                 for scope in group["scopeSpans"]]}
        for group in document["resourceSpans"]]})
    assert canonical_forms(orjson.loads(rebuilt)) == sorted(set(expected))
    assert "Received Proxy Server Request" in text


def test_unknown_trace_exit_code(local_store):
    result = gravity("reconstruct", "--store", str(local_store.root), "0" * 32, check=False)

    assert result.returncode == 6
    assert "not in the store" in result.stderr


def test_inspect_lists_set_aside_files(local_store):
    local_store.put("raw-spans/dt=2025-01-01/hour=00/bad-traces_1.json", b"not json")

    gravity("worker", "--store", str(local_store.root), "--once")
    report = gravity("inspect", "--store", str(local_store.root)).stdout

    assert "set aside: raw-spans/dt=2025-01-01/hour=00/bad-traces_1.json: invalid JSON" in report

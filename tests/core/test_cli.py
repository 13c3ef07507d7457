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
    messages = gravity("reconstruct", "--store", str(local_store.root), trace_id, "--format", "messages").stdout

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

    worker = gravity("worker", "--store", str(local_store.root), "--once", "--settle-seconds", "0", check=False)
    report = gravity("inspect", "--store", str(local_store.root)).stdout

    assert worker.returncode == 1
    assert worker.stderr.count("bad-traces_1.json") == 1

    assert "set aside: raw-spans/dt=2025-01-01/hour=00/bad-traces_1.json: invalid JSON" in report


def test_missing_store_is_an_error(tmp_path):
    missing = tmp_path / "no-such-store"

    result = gravity("inspect", "--store", str(missing), check=False)

    assert result.returncode == 2
    assert "does not exist" in result.stderr
    assert not missing.exists()


def test_invalid_trace_id_is_an_error(local_store):
    result = gravity("reconstruct", "--store", str(local_store.root), "1234", check=False)

    assert result.returncode == 2
    assert "32 hex digits" in result.stderr


def test_reconstruct_includes_log_records(local_store):
    require_shared()
    stem = "otel-genai-openai-v2-2.1b0"
    local_store.put("raw-spans/dt=2026-01-01/hour=00/g-traces_1.json", (FIXTURES / "conventions" / f"{stem}.json").read_bytes())
    local_store.put("raw-logs/dt=2026-01-01/hour=00/g-logs_1.json", (FIXTURES / "conventions" / f"{stem}.logs.json").read_bytes())
    logs = decode_json((FIXTURES / "conventions" / f"{stem}.logs.json").read_bytes())
    trace_id = logs["resourceLogs"][0]["scopeLogs"][0]["logRecords"][0]["traceId"]
    expected = canonical_forms({"resourceLogs": [
        {**group, "scopeLogs": [{**scope, "logRecords": [r for r in scope["logRecords"] if r["traceId"] == trace_id]}
                                for scope in group["scopeLogs"]]}
        for group in logs["resourceLogs"]]})

    gravity("worker", "--store", str(local_store.root), "--once")
    rebuilt = orjson.loads(gravity("reconstruct", "--store", str(local_store.root), trace_id).stdout)
    text = gravity("reconstruct", "--store", str(local_store.root), trace_id, "--format", "text").stdout
    messages = gravity("reconstruct", "--store", str(local_store.root), trace_id, "--format", "messages").stdout

    assert rebuilt["resourceSpans"]
    assert canonical_forms({"resourceLogs": rebuilt["resourceLogs"]}) == expected
    assert "-- log gen_ai.user.message" in text
    assert "What's the weather in Paris?" in messages  # this library puts content in logs only

"""Listing traces: every stored trace with the right spans and times, filters, and the CLI."""

from __future__ import annotations

from collections import defaultdict

import orjson
import pytest

from gravity.cli.traces_cmd import parse_since
from gravity.otlp.decode import decode_json, records_from_document
from gravity.reconstruct import TraceNotFound, TraceReader
from gravity.traces import TraceFilter, list_traces
from gravity.worker.runner import Worker

from tests.conftest import copy_into_store, payload_of
from tests.core.test_cli import gravity

MODEL_KEYS = ("gen_ai.request.model", "gen_ai.response.model", "llm.model_name")


def _raw_traces(paths):
    """Summarize the input spans per trace: span ids, start, end, services and attribute values."""
    traces = defaultdict(lambda: {"spans": set(), "start": None, "end": 0, "services": set(), "models": set()})
    for path in paths:
        for record in records_from_document(decode_json(payload_of(path))):
            item = record.item
            trace = traces[item["traceId"]]
            trace["spans"].add(item["spanId"])
            start, end = item["startTimeUnixNano"], item["endTimeUnixNano"]
            trace["start"] = start if trace["start"] is None else min(trace["start"], start)
            trace["end"] = max(trace["end"], end)
            for attribute in record.resource.get("resource", {}).get("attributes", ()):
                if attribute["key"] == "service.name":
                    trace["services"].add(attribute["value"].get("stringValue"))
            for attribute in item.get("attributes", ()):
                if attribute["key"] in MODEL_KEYS:
                    trace["models"].add(attribute["value"].get("stringValue"))
    return traces


@pytest.fixture
def stored_sample(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample)
    Worker(local_store).run_once()
    return local_store, _raw_traces([path for path, _ in corpus_sample])


def test_every_trace_listed_with_spans_and_times(stored_sample):
    store, expected = stored_sample

    listed = {trace["trace_id"]: trace for trace in list_traces(store, TraceFilter(limit=100_000))}

    assert set(listed) == set(expected)
    for trace_id, trace in listed.items():
        assert trace["spans"] == len(expected[trace_id]["spans"]), trace_id
        assert trace["start_ns"] == expected[trace_id]["start"], trace_id
        assert trace["duration_ns"] == expected[trace_id]["end"] - expected[trace_id]["start"], trace_id


def test_newest_first_and_limited(stored_sample):
    store, expected = stored_sample

    listed = list_traces(store, TraceFilter(limit=5))

    newest = sorted(expected.items(), key=lambda item: (-item[1]["start"], item[0]))[:5]
    assert [trace["trace_id"] for trace in listed] == [trace_id for trace_id, _ in newest]


def test_filters_by_service_since_and_model(stored_sample):
    store, expected = stored_sample
    service = sorted({service for trace in expected.values() for service in trace["services"]})[0]
    starts = sorted(trace["start"] for trace in expected.values())
    since = starts[len(starts) // 2]
    model = sorted({model for trace in expected.values() for model in trace["models"]})[0]

    by_service = list_traces(store, TraceFilter(service=service, limit=100_000))
    by_since = list_traces(store, TraceFilter(since_ns=since, limit=100_000))
    by_model = {trace["trace_id"] for trace in list_traces(store, TraceFilter(model=model, limit=100_000))}

    assert {trace["trace_id"] for trace in by_service} == {
        trace_id for trace_id, trace in expected.items() if service in trace["services"]}
    assert {trace["trace_id"] for trace in by_since} == {
        trace_id for trace_id, trace in expected.items() if trace["start"] >= since}
    # The normalizer reads models from more keys than these three, so the filter may find more.
    assert by_model >= {trace_id for trace_id, trace in expected.items() if model in trace["models"]}
    assert len(by_model) < len(expected)


def test_cli_lists_traces_as_text_and_json(stored_sample):
    store, expected = stored_sample

    text = gravity("traces", "--store", str(store.root), "--limit", "3").stdout
    lines = gravity("traces", "--store", str(store.root), "--limit", "3", "--json").stdout.splitlines()

    listed = [orjson.loads(line)["trace_id"] for line in lines]
    assert len(listed) == 3
    assert set(listed) <= set(expected)
    assert text.splitlines()[0].startswith("started (UTC)")
    assert all(trace_id in text for trace_id in listed)


def test_cli_rejects_invalid_since(stored_sample):
    store, _ = stored_sample

    result = gravity("traces", "--store", str(store.root), "--since", "yesterday", check=False)

    assert result.returncode == 2
    assert "invalid time 'yesterday'" in result.stderr


def test_since_durations_and_iso_times():
    assert parse_since("2h", now=10_000.0) == (10_000 - 7200) * 10**9
    assert parse_since("7d", now=1_000_000.0) == (1_000_000 - 7 * 86400) * 10**9
    assert parse_since("2025-09-08T14:00:00Z") == 1757340000 * 10**9
    assert parse_since("2025-09-08T14:00:00") == 1757340000 * 10**9  # no zone: UTC


def test_reconstruct_names_the_tenant_that_has_the_trace(stored_sample):
    store, expected = stored_sample
    trace = list_traces(store, TraceFilter(limit=1))[0]
    other = "acme" if trace["tenant"] != "acme" else "globex"

    with pytest.raises(TraceNotFound) as error:
        TraceReader(store).trace(trace["trace_id"], tenant=other)

    assert f"is not stored for tenant {other!r}; it is stored for {trace['tenant']!r}" in str(error.value)


def test_cli_empty_store_and_file_as_store(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "a-file").write_text("not a store")

    empty = gravity("traces", "--store", str(tmp_path / "empty"))
    not_a_directory = gravity("traces", "--store", str(tmp_path / "a-file"), check=False)

    assert empty.stdout == ""
    assert "holds no traces yet" in empty.stderr
    assert "gravity worker --once" in empty.stderr
    assert not_a_directory.returncode == 2
    assert "is a file, not a directory" in not_a_directory.stderr

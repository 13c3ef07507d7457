"""Normalized LLM call columns beside the span rows, with messages pointing into content."""

from __future__ import annotations

import orjson
import pyarrow.parquet as pq

from gravity import catalog
from gravity.normalize import call_columns, normalize_records
from gravity.otlp.decode import decode_json, records_from_document
from gravity.reconstruct import TraceReader
from gravity.spans.frames import decode_frame
from gravity.spans.skeleton import referenced_chunks
from gravity.worker.runner import Worker

from tests.conftest import FIXTURES, copy_into_store, payload_of, require_shared


def _stored_rows(store):
    rows = []
    for key in catalog.visible_index_files(store, "spans"):
        rows.extend(pq.read_table(store.root / key).to_pylist())
    return rows


def test_call_columns_match_normalize(local_store):
    require_shared()
    source = FIXTURES / "conventions" / "openinference-openai-0.1.66.json"
    local_store.put("raw-spans/dt=2026-01-01/hour=00/oi-traces_1.json", source.read_bytes())
    expected = {
        (call.trace_id, call.span_id): call_columns(call)
        for call in normalize_records(records_from_document(decode_json(source.read_bytes())))
    }

    Worker(local_store).run_once()
    rows = [row for row in _stored_rows(local_store) if row["family"] is not None]

    assert len(rows) == len(expected) == 3
    chunks = TraceReader(local_store).chunk_store("default")
    for row in rows:
        want = expected[(row["trace_id"], row["span_id"])]
        assert row["request_model"] == want["request_model"]
        assert row["input_tokens"] == want["input_tokens"]
        assert row["output_tokens"] == want["output_tokens"]
        contents = chunks.read(referenced_chunks(row["chunk_refs"]))
        rebuilt = decode_frame(row["messages"], row["chunk_refs"], contents)
        assert orjson.loads(rebuilt) == orjson.loads(want["messages_json"])


def test_message_texts_are_pointers_not_copies(local_store, corpus_sample):
    copy_into_store(local_store, corpus_sample[:1])
    path = corpus_sample[0][0]
    messages_json = [call_columns(call)["messages_json"] or ""
                     for call in normalize_records(records_from_document(decode_json(payload_of(path))))]

    Worker(local_store).run_once()
    frames = [row["messages"] for row in _stored_rows(local_store) if row["messages"]]

    assert len(frames) == sum(1 for text in messages_json if text)
    assert sum(b'"$r"' in frame for frame in frames) > 0.9 * len(frames)
    # The frames keep roles, kinds and short texts; the long texts are the span's own.
    assert sum(map(len, frames)) < 0.25 * sum(map(len, messages_json))


def test_non_llm_spans_have_no_call(local_store):
    require_shared()
    source = FIXTURES / "collector-s3" / "batch-traces_529804582.json.gz"
    local_store.put("raw-spans/dt=2025-10-31/hour=08/batch-traces_529804582.json.gz", source.read_bytes())

    Worker(local_store).run_once()
    rows = _stored_rows(local_store)

    postgres = [row for row in rows if row["name"] == "postgres"]
    assert postgres and all(row["family"] is None for row in postgres)
    assert any(row["family"] == "openinference" and row["is_model_call"] for row in rows)

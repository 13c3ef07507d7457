"""The lossless check: every record that went in comes back in the same canonical form."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from gravity.otlp.canonical import canonical_forms, canonical_record
from gravity.otlp.decode import decode_json, decode_protobuf, records_from_document
from gravity.reconstruct import TraceReader, group_document

from tests.conftest import payload_of


def expected_by_trace(paths: list[Path]) -> tuple[dict[str, list[bytes]], dict[str, list[bytes]]]:
    """Canonical forms of every span and every log record in the files, by trace id."""
    spans: dict[str, list[bytes]] = defaultdict(list)
    logs: dict[str, list[bytes]] = defaultdict(list)
    for path in paths:
        payload = payload_of(path)
        document = decode_json(payload) if payload.lstrip()[:1] == b"{" else decode_protobuf(payload, "traces")
        for record in records_from_document(document):
            target = spans if record.signal == "traces" else logs
            target[record.trace_id].append(canonical_record(record))
    return spans, logs


def assert_lossless(store, paths: list[Path]) -> int:
    """Reconstruct every trace of ``paths`` from ``store`` and compare; return spans checked."""
    spans, logs = expected_by_trace(paths)
    reader = TraceReader(store)

    documents = reader.traces(list(spans))
    missing = sorted(set(spans) - set(documents))
    assert not missing, f"{len(missing)} traces not found, e.g. {missing[:3]}"
    for trace_id, forms in spans.items():
        got = canonical_forms(documents[trace_id])
        # An identical span delivered twice is one span, as in reconstruct. (The LiteLLM
        # proxy sample repeats spans too, but with other ids, so those stay two spans.)
        assert got == sorted(set(forms)), f"trace {trace_id} differs after reconstruct"

    for trace_id, forms in logs.items():
        rows = reader.find_rows([trace_id], "logs")
        got = canonical_forms(group_document(reader.rebuild_records(rows), "logs"))
        assert got == sorted(set(forms)), f"log records of trace {trace_id} differ after reconstruct"
    return sum(len(set(forms)) for forms in spans.values())

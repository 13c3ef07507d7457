"""Rebuild a trace from the index and the content store, exactly as it arrived."""

from __future__ import annotations

import io
from collections.abc import Iterable
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from gravity import catalog
from gravity.content.chunk_store import ChunkStore
from gravity.errors import TraceNotFound
from gravity.spans.skeleton import rebuild, referenced_chunks
from gravity.store.base import ObjectStore
from gravity.store.local import LocalStore

ROW_COLUMNS = ["tenant", "trace_id", "span_id", "resource", "scope", "skeleton", "chunk_refs", "raw_key", "seq"]


def _read_rows(store: ObjectStore, key: str, trace_id: str, columns: list[str]) -> pa.Table:
    source: Any
    if isinstance(store, LocalStore):
        source = str(store.root / key)
    else:
        source = io.BytesIO(store.get(key))
    return pq.read_table(source, columns=columns, filters=[("trace_id", "=", trace_id)])


def find_rows(
    store: ObjectStore, trace_id: str, table: str = "spans", tenant: str | None = None
) -> list[dict[str, Any]]:
    """Return the index rows of one trace, deduplicated, in arrival order."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for key in catalog.visible_index_files(store, table, tenant):
        for row in _read_rows(store, key, trace_id, ROW_COLUMNS).to_pylist():
            # A span delivered twice (a retried export in two raw files) is one span.
            identity = (row["tenant"], row["span_id"], row["resource"], row["scope"], row["skeleton"], row["chunk_refs"])
            rows.setdefault(identity, row)
    return sorted(rows.values(), key=lambda row: (row["raw_key"], row["seq"]))


def rebuild_records(store: ObjectStore, rows: Iterable[dict[str, Any]]) -> list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]]:
    """Return (resource envelope, scope envelope, item) per row, with its content restored."""
    rows = list(rows)
    chunk_stores: dict[str, ChunkStore] = {}
    needed: dict[str, list[bytes]] = {}
    for row in rows:
        needed.setdefault(row["tenant"], []).extend(referenced_chunks(row["chunk_refs"]))
    contents: dict[str, dict[bytes, bytes]] = {}
    for tenant, chunks in needed.items():
        chunk_stores[tenant] = ChunkStore(store, tenant)
        contents[tenant] = chunk_stores[tenant].read(chunks)

    records = []
    for row in rows:
        item = rebuild(orjson.loads(row["skeleton"]), row["chunk_refs"], contents[row["tenant"]])
        records.append((orjson.loads(row["resource"]), orjson.loads(row["scope"]), item))
    return records


def group_document(records: Iterable[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]], signal: str) -> dict[str, Any]:
    """Group records under their resource and scope, as the OTLP model has them."""
    groups_key, scopes_key, items_key = (
        ("resourceSpans", "scopeSpans", "spans") if signal == "traces" else ("resourceLogs", "scopeLogs", "logRecords")
    )
    resources: dict[bytes, dict[str, Any]] = {}
    scopes: dict[tuple[bytes, bytes], dict[str, Any]] = {}
    for resource, scope, item in records:
        resource_key = orjson.dumps(resource, option=orjson.OPT_SORT_KEYS)
        group = resources.get(resource_key)
        if group is None:
            group = resources[resource_key] = {**resource, scopes_key: []}
        scope_key = (resource_key, orjson.dumps(scope, option=orjson.OPT_SORT_KEYS))
        scope_group = scopes.get(scope_key)
        if scope_group is None:
            scope_group = scopes[scope_key] = {**scope, items_key: []}
            group[scopes_key].append(scope_group)
        scope_group[items_key].append(item)
    return {groups_key: list(resources.values())}


def reconstruct_trace(store: ObjectStore, trace_id: str, *, span_id: str | None = None, tenant: str | None = None) -> dict[str, Any]:
    """Return one trace as an OTLP JSON document (``{"resourceSpans": [...]}``)."""
    trace_id = trace_id.lower()
    rows = find_rows(store, trace_id, "spans", tenant)
    if span_id:
        rows = [row for row in rows if row["span_id"] == span_id.lower()]
    if not rows:
        what = f"span {span_id} of trace {trace_id}" if span_id else f"trace {trace_id}"
        raise TraceNotFound(f"{what} is not in the store {store.url}; 'gravity inspect' lists what is stored")
    return group_document(rebuild_records(store, rows), "traces")


def reconstruct_logs(store: ObjectStore, trace_id: str, tenant: str | None = None) -> dict[str, Any]:
    """Return the log records of one trace as an OTLP JSON document (may be empty)."""
    rows = find_rows(store, trace_id.lower(), "logs", tenant)
    return group_document(rebuild_records(store, rows), "logs")

"""Rebuild traces from the index and the content store, exactly as they arrived."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import Any

import orjson
import pyarrow as pa

from gravity import catalog
from gravity.content.chunk_store import ChunkStore
from gravity.errors import TraceNotFound
from gravity.spans.column_values import POINTER_COLUMNS, restore_column_values
from gravity.spans.skeleton import rebuild, referenced_chunks
from gravity.index.reader import read_index
from gravity.store.base import ObjectStore
from gravity.store.local import LocalStore

ROW_COLUMNS = ["tenant", "trace_id", "span_id", "resource", "scope", "skeleton", "chunk_refs", "raw_key", "seq"]
SPAN_COLUMNS = ROW_COLUMNS + ["parent_span_id", "start_ns", "latency_ns", "end_ns", *POINTER_COLUMNS]

Envelopes = tuple[dict[str, Any], dict[str, Any], dict[str, Any]]


class TraceReader:
    """Reads traces from one store; keeps the chunk index of each tenant between calls."""

    def __init__(self, store: ObjectStore) -> None:
        self.store = store
        self._chunk_stores: dict[str, ChunkStore] = {}

    def chunk_store(self, tenant: str) -> ChunkStore:
        if tenant not in self._chunk_stores:
            self._chunk_stores[tenant] = ChunkStore(self.store, tenant)
        return self._chunk_stores[tenant]

    def find_rows(
        self, trace_ids: Collection[str], table: str = "spans", tenant: str | None = None
    ) -> list[dict[str, Any]]:
        """Return the index rows of the given traces, deduplicated, in arrival order."""
        files = catalog.visible_index_files(self.store, table, tenant)
        if not files or not trace_ids:
            return []
        columns = SPAN_COLUMNS if table == "spans" else ROW_COLUMNS
        found = self._scan(files, sorted(set(trace_ids)), columns)

        rows: dict[tuple[Any, ...], dict[str, Any]] = {}
        for row in found:
            # A span delivered twice (a retried export in two raw files) is one span.
            identity = tuple(value for column, value in row.items() if column not in ("raw_key", "seq"))
            rows.setdefault(identity, row)
        return sorted(rows.values(), key=lambda row: (row["raw_key"], row["seq"]))

    def _scan(self, files: list[str], trace_ids: list[str], columns: list[str]) -> list[dict[str, Any]]:
        if isinstance(self.store, LocalStore):
            import duckdb

            # DuckDB scans the files in parallel and reads only the matching row groups' columns.
            paths = [str(self.store.root / key) for key in files]
            with duckdb.connect() as connection:
                found = connection.execute(
                    f"SELECT {', '.join(columns)} FROM read_parquet(?, union_by_name = true) "
                    "WHERE trace_id IN (SELECT unnest(?))",
                    [paths, trace_ids],
                ).fetchall()
            return [dict(zip(columns, values)) for values in found]

        # NOTE: on S3 every index file is fetched whole for each lookup. A trace-id index
        # should replace this scan (DuckDB's httpfs would need a run-time download).
        wanted = pa.array(trace_ids)
        rows = []
        for key in files:
            table = read_index(self.store, key, columns)
            mask = pa.compute.is_in(table["trace_id"], value_set=wanted)
            rows.extend(table.filter(mask).to_pylist())
        return rows

    def rebuild_records(self, rows: Iterable[dict[str, Any]]) -> list[Envelopes]:
        """Return (resource envelope, scope envelope, item) per row, with content restored."""
        rows = list(rows)
        needed: dict[str, list[bytes]] = {}
        for row in rows:
            needed.setdefault(row["tenant"], []).extend(referenced_chunks(row["chunk_refs"]))
        contents = {tenant: self.chunk_store(tenant).read(chunks) for tenant, chunks in needed.items()}

        records = []
        for row in rows:
            item = rebuild(orjson.loads(row["skeleton"]), row["chunk_refs"], contents[row["tenant"]])
            if "start_ns" in row:
                _restore_span_columns(item, row)
                restore_column_values(item, row)
            records.append((orjson.loads(row["resource"]), orjson.loads(row["scope"]), item))
        return records

    def traces(self, trace_ids: Collection[str], tenant: str | None = None) -> dict[str, dict[str, Any]]:
        """Return each found trace as an OTLP JSON document, keyed by trace id."""
        rows = self.find_rows([trace_id.lower() for trace_id in trace_ids], "spans", tenant)
        by_trace: dict[str, list[dict[str, Any]]] = {}
        for row in rows:
            by_trace.setdefault(row["trace_id"], []).append(row)
        return {trace_id: group_document(self.rebuild_records(trace_rows), "traces")
                for trace_id, trace_rows in by_trace.items()}

    def trace(self, trace_id: str, *, span_id: str | None = None, tenant: str | None = None) -> dict[str, Any]:
        """Return one trace as an OTLP JSON document (``{"resourceSpans": [...]}``)."""
        trace_id = trace_id.lower()
        rows = self.find_rows([trace_id], "spans", tenant)
        if span_id:
            rows = [row for row in rows if row["span_id"] == span_id.lower()]
        if not rows:
            what = f"span {span_id} of trace {trace_id}" if span_id else f"trace {trace_id}"
            if tenant is not None:
                elsewhere = sorted({row["tenant"] for row in self.find_rows([trace_id], "spans")})
                if elsewhere:
                    raise TraceNotFound(f"{what} is not stored for tenant {tenant!r}; it is stored for "
                                        f"{', '.join(map(repr, elsewhere))}")
            raise TraceNotFound(f"{what} is not in the store {self.store.url}; 'gravity traces' lists "
                                "the traces stored")
        return group_document(self.rebuild_records(rows), "traces")

    def trace_with_logs(
        self, trace_id: str, *, span_id: str | None = None, tenant: str | None = None
    ) -> dict[str, Any]:
        """Return one trace as OTLP JSON, with its log records (if any) under ``resourceLogs``.

        Log records carry the GenAI events that some instrumentations send on the logs signal.
        An OTLP trace request parser ignores the extra key, so the document stays a valid
        ``ExportTraceServiceRequest``.
        """
        document = self.trace(trace_id, span_id=span_id, tenant=tenant)
        logs = self.logs(trace_id, tenant, span_id=span_id)
        if logs["resourceLogs"]:
            document["resourceLogs"] = logs["resourceLogs"]
        return document

    def logs(self, trace_id: str, tenant: str | None = None, *, span_id: str | None = None) -> dict[str, Any]:
        """Return the log records of one trace (or span) as an OTLP JSON document (may be empty)."""
        rows = self.find_rows([trace_id.lower()], "logs", tenant)
        if span_id:
            rows = [row for row in rows if row["span_id"] == span_id.lower()]
        return group_document(self.rebuild_records(rows), "logs")


def _restore_span_columns(item: dict[str, Any], row: dict[str, Any]) -> None:
    # The worker keeps ids and times of spans only in their columns (worker/pipeline.py), and
    # a span's end as its latency when it has a start.
    for key, column in (("traceId", "trace_id"), ("spanId", "span_id"), ("parentSpanId", "parent_span_id"),
                        ("startTimeUnixNano", "start_ns"), ("endTimeUnixNano", "end_ns")):
        value = row.get(column)
        if value is not None and value != "":
            item[key] = value
    if row.get("latency_ns") is not None:
        item["endTimeUnixNano"] = row["start_ns"] + row["latency_ns"]


def group_document(records: Iterable[Envelopes], signal: str) -> dict[str, Any]:
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


def reconstruct_trace(
    store: ObjectStore, trace_id: str, *, span_id: str | None = None, tenant: str | None = None
) -> dict[str, Any]:
    return TraceReader(store).trace(trace_id, span_id=span_id, tenant=tenant)

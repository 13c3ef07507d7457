"""Process one raw file: parse, split, chunk, pack, index, commit.

The order of the steps makes a file either fully committed or not at all. Content comes
first (packs are write-once and harmless if orphaned). Index files follow, named after the
payload, so a retry overwrites them with the same rows. Then the commit record makes them
visible, and the done marker comes last.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import blake3
import orjson

from gravity import catalog
from gravity.content.chunk_store import ChunkStore
from gravity.content.chunkers import Chunker
from gravity.index.schema import LOG_SCHEMA, SPAN_SCHEMA
from gravity.index.writer import index_key, parquet_bytes
from gravity.otlp.model import TRACES, Record, resource_attribute
from gravity.raw.layout import parse_raw_key
from gravity.raw.reader import read_raw_file
from gravity.spans.column_values import point_to_columns
from gravity.spans.frames import encode_frame
from gravity.spans.skeleton import split
from gravity.store.base import ObjectStore

logger = logging.getLogger(__name__)

DEFAULT_TENANT = "default"

# A raw file that cannot be read is set aside only once it has not changed for this long.
# Before that it may still be being written (a copy into a local store is not atomic, while
# an S3 PUT and Gravity's receiver publish whole files), so it stays pending for the next pass.
DEFAULT_SETTLE_SECONDS = 60.0


@dataclass
class FileResult:
    raw_key: str
    status: str  # "committed", "duplicate", "failed", or "pending" (retried on the next pass)
    records: int = 0
    raw_file_bytes: int = 0
    raw_json_bytes: int = 0
    chunks_referenced: int = 0
    chunks_new: int = 0
    puts: int = 0
    reason: str | None = None
    seconds: float = 0.0
    index_files: list[str] = field(default_factory=list)


class ChunkStores:
    """One ChunkStore per tenant, created on first use and shared by all pipelines."""

    def __init__(self, store: ObjectStore, layout: str) -> None:
        import threading

        self.store = store
        self.layout = layout
        self._stores: dict[str, ChunkStore] = {}
        self._lock = threading.Lock()

    def get(self, tenant: str) -> ChunkStore:
        with self._lock:
            if tenant not in self._stores:
                self._stores[tenant] = ChunkStore(self.store, tenant, self.layout)
            return self._stores[tenant]


def record_tenant(record: Record, key_org: str | None) -> str:
    org = resource_attribute(record.resource, "org_id")
    if org is not None and str(org) != "":
        return str(org)
    return key_org or DEFAULT_TENANT


def _day(nanoseconds: int, fallback: str) -> str:
    if nanoseconds <= 0:
        return fallback
    return datetime.fromtimestamp(nanoseconds / 1e9, timezone.utc).strftime("%Y-%m-%d")


def _fallback_day(raw_key: str) -> str:
    for part in raw_key.split("/"):
        if part.startswith("dt="):
            return part[3:]
    return datetime.now(timezone.utc).strftime("%Y-%m-%d")


def process_raw_file(
    store: ObjectStore,
    raw_key: str,
    chunk_stores: ChunkStores,
    chunker: Chunker,
    settle_seconds: float = DEFAULT_SETTLE_SECONDS,
) -> FileResult:
    started = time.perf_counter()
    result = _process(store, raw_key, chunk_stores, chunker, settle_seconds)
    result.seconds = time.perf_counter() - started
    return result


def _process(
    store: ObjectStore, raw_key: str, chunk_stores: ChunkStores, chunker: Chunker, settle_seconds: float
) -> FileResult:
    from gravity.errors import RawFileError

    key_info = parse_raw_key(raw_key)
    read_as = store.stat(raw_key)
    data = store.get(raw_key)
    result = FileResult(raw_key, "committed", raw_file_bytes=len(data))

    # Parse. A file that cannot be read is set aside with its reason; it never stops the run.
    try:
        payload = read_raw_file(key_info, data)
    except RawFileError as exc:
        result.reason = exc.reason
        if time.time() - read_as.mtime < settle_seconds or len(data) != read_as.size:
            logger.info("raw file %s is not readable yet (%s); it may still be being written", raw_key, exc.reason)
            result.status = "pending"
        elif catalog.set_aside(store, raw_key, data, exc.reason, read_as):
            logger.warning("set aside raw file %s: %s", raw_key, exc.reason)
            result.status = "failed"
        else:
            logger.info("raw file %s changed while it was read; it is tried again", raw_key)
            result.status = "pending"
        return result
    result.raw_json_bytes = len(payload.payload)
    result.records = len(payload.records)

    # The same payload under another key (a retried upload, a copied file) adds nothing.
    payload_id = blake3.blake3(payload.payload).hexdigest(16)
    if catalog.read_commit(store, payload_id) is not None:
        catalog.mark_done(store, raw_key, payload_id)
        catalog.clear_failure(store, raw_key)
        result.status = "duplicate"
        return result

    # Normalize LLM calls first: splitting replaces the record's content by markers.
    calls = _normalize(payload.records) if payload.signal == TRACES else {}

    # Split every record into skeleton and content, per tenant.
    rows_by_file: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    writers = {}
    fallback_day = _fallback_day(raw_key)
    for seq, record in enumerate(payload.records):
        tenant = record_tenant(record, key_info.org)
        writer = writers.get(tenant)
        if writer is None:
            writer = writers[tenant] = chunk_stores.get(tenant).writer(chunker)
        call = calls.get((record.trace_id, record.span_id))
        row = _row(record, tenant, raw_key, seq, writer.encode_string, call)
        time_ns = row.get("start_ns") or row.get("time_ns") or 0
        rows_by_file[(tenant, _day(time_ns, fallback_day))].append(row)

    # Content first: once the packs are durable, index rows may point into them.
    for writer in writers.values():
        result.chunks_referenced += writer.chunks_referenced
        result.chunks_new += writer.new_chunks
        result.puts += len(writer.commit())

    schema = SPAN_SCHEMA if payload.signal == TRACES else LOG_SCHEMA
    for (tenant, day), rows in sorted(rows_by_file.items()):
        key = index_key(tenant, payload.signal, day, payload_id)
        store.put(key, parquet_bytes(rows, schema))
        result.index_files.append(key)
    result.puts += len(result.index_files)

    # The commit record makes the rows visible; put-if-absent so a racing worker's
    # identical commit is not overwritten.
    commit = catalog.CommitRecord(
        payload_id=payload_id,
        raw_key=raw_key,
        signal=payload.signal,
        raw_file_bytes=len(data),
        raw_json_bytes=len(payload.payload),
        records=len(payload.records),
        index_files=result.index_files,
        chunks_referenced=result.chunks_referenced,
        chunks_new=result.chunks_new,
        committed_at=time.time(),
    )
    if not store.put_if_absent(catalog.commit_key(payload_id), commit.to_json()):
        result.status = "duplicate"  # another worker committed the same payload meanwhile
    catalog.mark_done(store, raw_key, payload_id)
    catalog.clear_failure(store, raw_key)
    result.puts += 2
    return result


# Span fields kept as their own columns and left out of the skeleton: ids and times are
# nearly incompressible, so storing them twice would cost about a megabyte per 30k spans.
SPAN_COLUMN_FIELDS = ("traceId", "spanId", "parentSpanId", "startTimeUnixNano", "endTimeUnixNano")


def _normalize(records: list[Record]) -> dict[tuple[str, str], Any]:
    from gravity.normalize import normalize_records

    return {(call.trace_id, call.span_id): call for call in normalize_records(records)}


def _call_columns(call: Any, positions: dict[bytes, tuple[int, int]]) -> dict[str, Any]:
    from gravity.normalize import call_columns

    columns = call_columns(call)
    # Ids and latency are span columns already (index/schema.py).
    del columns["trace_id"], columns["span_id"], columns["latency_ms"]
    columns["messages"] = encode_frame(columns.pop("messages_json"), positions)
    return columns


def _row(record: Record, tenant: str, raw_key: str, seq: int, encode: Any, call: Any) -> dict[str, Any]:
    item = record.item
    references, positions = split(item, encode)
    service = resource_attribute(record.resource, "service.name")
    row: dict[str, Any] = {
        "tenant": tenant,
        "trace_id": item.get("traceId", ""),
        "span_id": item.get("spanId", ""),
        "service_name": None if service is None else str(service),
        "resource": orjson.dumps(record.resource),
        "scope": orjson.dumps(record.scope),
        "chunk_refs": references,
        "raw_key": raw_key,
        "seq": seq,
    }
    if record.signal == TRACES:
        start = item.get("startTimeUnixNano")
        end = item.get("endTimeUnixNano")
        latency = end - start if isinstance(start, int) and isinstance(end, int) else None
        row.update(
            parent_span_id=item.get("parentSpanId"),
            name=item.get("name", ""),
            kind=_enum(item.get("kind")),
            start_ns=start,
            latency_ns=latency,
            end_ns=end if latency is None else None,
            status_code=_enum((item.get("status") or {}).get("code")),
        )
        slim = {key: value for key, value in item.items() if key not in SPAN_COLUMN_FIELDS}
        if call is not None:
            row.update(_call_columns(call, positions))
            point_to_columns(slim, row)
        row["skeleton"] = orjson.dumps(slim)
    else:
        row.update(
            skeleton=orjson.dumps(item),
            time_ns=item.get("timeUnixNano") or item.get("observedTimeUnixNano") or 0,
            event_name=item.get("eventName") or _attribute_string(item, "event.name"),
            severity_number=_enum(item.get("severityNumber")),
        )
    return row


def _attribute_string(item: dict[str, Any], key: str) -> str | None:
    for attribute in item.get("attributes", ()):
        if attribute.get("key") == key:
            return attribute.get("value", {}).get("stringValue")
    return None


def _enum(value: Any) -> int:
    # OTLP JSON enums are integers; the skeleton keeps any other spelling as it arrived.
    return value if isinstance(value, int) and -128 <= value < 128 else 0

"""Figures about a store: what came in, what is stored, and the ratios between them."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from gravity import catalog
from gravity.store.base import ObjectStore

KINDS = ("packs", "blobs", "index", "dicts", "state", "raw", "failed")


@dataclass
class StoreReport:
    raw_json_bytes: int = 0
    raw_file_bytes: int = 0
    records: int = 0
    files_processed: int = 0
    files_failed: int = 0
    chunks_referenced: int = 0
    chunks_stored: int = 0
    objects: int = 0
    stored_bytes: dict[str, int] = field(default_factory=dict)
    objects_by_kind: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, Any]] = field(default_factory=list)

    @property
    def gravity_bytes(self) -> int:
        """Bytes needed to reconstruct and to query: content, index and dictionaries."""
        return sum(self.stored_bytes.get(kind, 0) for kind in ("packs", "blobs", "index", "dicts", "state"))

    def as_dict(self) -> dict[str, Any]:
        total = self.gravity_bytes
        return {
            "raw_json_bytes": self.raw_json_bytes,
            "raw_file_bytes": self.raw_file_bytes,
            "records": self.records,
            "files_processed": self.files_processed,
            "files_failed": self.files_failed,
            "chunks_referenced": self.chunks_referenced,
            "chunks_stored": self.chunks_stored,
            "objects": self.objects,
            "objects_by_kind": self.objects_by_kind,
            "stored_bytes": {**self.stored_bytes, "total": total},
            "ratio_raw_json": self.raw_json_bytes / total if total else None,
            "ratio_raw_files": self.raw_file_bytes / total if total else None,
            "failures": self.failures,
        }


def _kind(key: str) -> str:
    top = key.split("/", 1)[0]
    if top in ("raw-spans", "raw-logs"):
        return "raw"
    return top if top in KINDS else "other"


def inspect_store(store: ObjectStore) -> StoreReport:
    report = StoreReport()
    sizes: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for info in store.list(""):
        kind = _kind(info.key)
        sizes[kind] += info.size
        counts[kind] += 1
    report.stored_bytes = {kind: sizes.get(kind, 0) for kind in KINDS}
    report.objects_by_kind = dict(counts)
    report.objects = sum(counts[kind] for kind in ("packs", "blobs", "index", "dicts", "state"))

    for commit in catalog.iter_commits(store):
        report.files_processed += 1
        report.raw_json_bytes += commit.raw_json_bytes
        report.raw_file_bytes += commit.raw_file_bytes
        report.records += commit.records
        report.chunks_referenced += commit.chunks_referenced

    # Count the chunks in the packs and blobs, not the sum the commits recorded, because two
    # workers may both store a chunk that neither had seen, and compaction keeps one copy.
    from gravity.content.chunk_store import ChunkStore, content_tenants

    for tenant in content_tenants(store):
        report.chunks_stored += ChunkStore(store, tenant).chunk_count
    report.failures = catalog.failed_files(store)
    report.files_failed = len(report.failures)
    return report

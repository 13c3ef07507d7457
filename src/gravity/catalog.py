"""Commit bookkeeping: the records under ``state/`` that make a raw file's data visible.

    state/commits/{payload_id}.json   one per distinct raw payload: the index files it wrote
    state/done/{raw_key}              the raw file at raw_key is committed (names its payload)
    state/claims/{raw_key}            a worker is processing raw_key (put-if-absent)
    state/compactions/{id}.json       index files merged into one: the new file, the old ones
    state/locks/{name}                a compaction in progress (put-if-absent)
    failed/{raw_key}                  a raw file that cannot be read, set aside
    failed/{raw_key}.reason.json      why, and when

A raw file's index rows become visible only through its commit record, which is written last.
So a file is either fully committed or not visible at all. A worker that dies half-way
leaves only unreferenced objects, and the retry writes the same names again.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from gravity.errors import ObjectNotFound
from gravity.store.base import ObjectInfo, ObjectStore

COMMITS = "state/commits/"
DONE = "state/done/"
CLAIMS = "state/claims/"
COMPACTIONS = "state/compactions/"
LOCKS = "state/locks/"
FAILED = "failed/"


@dataclass
class CommitRecord:
    payload_id: str
    raw_key: str
    signal: str
    raw_file_bytes: int
    raw_json_bytes: int
    records: int
    index_files: list[str] = field(default_factory=list)
    chunks_referenced: int = 0
    chunks_new: int = 0
    committed_at: float = 0.0

    def to_json(self) -> bytes:
        return orjson.dumps(self.__dict__)

    @classmethod
    def from_json(cls, data: bytes) -> CommitRecord:
        # Fields that earlier versions wrote and this one dropped (the packs a file's chunks
        # went to, stale after the first compaction) are ignored.
        fields = orjson.loads(data)
        return cls(**{name: value for name, value in fields.items() if name in cls.__dataclass_fields__})


def commit_key(payload_id: str) -> str:
    return f"{COMMITS}{payload_id}.json"


def read_commit(store: ObjectStore, payload_id: str) -> CommitRecord | None:
    try:
        return CommitRecord.from_json(store.get(commit_key(payload_id)))
    except ObjectNotFound:
        return None


def iter_commits(store: ObjectStore) -> Iterator[CommitRecord]:
    for info in store.list(COMMITS):
        if info.key.endswith(".json"):
            yield CommitRecord.from_json(store.get(info.key))


def iter_compactions(store: ObjectStore) -> Iterator[dict[str, Any]]:
    for info in store.list(COMPACTIONS):
        if info.key.endswith(".json"):
            yield orjson.loads(store.get(info.key))


def visible_index_files(store: ObjectStore, table: str = "spans", tenant: str | None = None) -> list[str]:
    """Return the index files that hold the committed rows of one table ("spans" or "logs").

    These are the files named by commit records and by compaction records, less the files
    a compaction replaced: each committed row is in exactly one visible file.
    """
    from gravity.content.ids import tenant_prefix

    files: set[str] = set()
    replaced: set[str] = set()
    for commit in iter_commits(store):
        files.update(commit.index_files)
    # Order-free: an output that a later compaction merged again is in some "replaces".
    for compaction in iter_compactions(store):
        files.add(compaction["output"])
        replaced.update(compaction["replaces"])
    files -= replaced

    wanted = f"index/{tenant_prefix(tenant)}/{table}/" if tenant else f"/{table}/"
    return sorted(key for key in files if (key.startswith(wanted) if tenant else wanted in key))


def done_keys(store: ObjectStore) -> set[str]:
    return {info.key[len(DONE) :] for info in store.list(DONE)}


def mark_done(store: ObjectStore, raw_key: str, payload_id: str) -> None:
    store.put(DONE + raw_key, orjson.dumps({"payload_id": payload_id, "at": time.time()}))


def set_aside(store: ObjectStore, raw_key: str, data: bytes, reason: str, read_as: ObjectInfo) -> bool:
    """Move a raw file that cannot be read to ``failed/`` with its reason beside it.

    ``read_as`` is the file as it was when ``data`` was read. A file that changed since is
    left where it is (and False returned): its new bytes are not the ones set aside.
    """
    target = FAILED + raw_key
    store.put(target, data)
    store.put(target + ".reason.json", orjson.dumps({"raw_key": raw_key, "reason": reason, "at": time.time()}))
    try:
        now = store.stat(raw_key)
    except ObjectNotFound:
        return True
    if (now.size, now.mtime) != (read_as.size, read_as.mtime):
        store.delete(target)
        store.delete(target + ".reason.json")
        return False
    store.delete(raw_key)
    return True


def clear_failure(store: ObjectStore, raw_key: str) -> None:
    """Forget an earlier failure of ``raw_key``, once a new file under that key committed."""
    store.delete(FAILED + raw_key)
    store.delete(FAILED + raw_key + ".reason.json")


def failed_files(store: ObjectStore) -> list[dict[str, Any]]:
    reasons = []
    for info in store.list(FAILED):
        if info.key.endswith(".reason.json"):
            reasons.append(orjson.loads(store.get(info.key)))
    return reasons

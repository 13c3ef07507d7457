"""Commit records: written by one version, read by the next."""

from __future__ import annotations

import orjson

from gravity.catalog import CommitRecord


def test_commit_record_round_trip_and_dropped_fields():
    record = CommitRecord("ab" * 16, "raw-spans/x.json", "traces", 10, 20, 3, ["index/a.parquet"], 5, 2, 1.5)
    earlier = {**orjson.loads(record.to_json()), "content_objects": ["packs/acme/old.pack"]}

    assert CommitRecord.from_json(record.to_json()) == record
    assert CommitRecord.from_json(orjson.dumps(earlier)) == record

"""Parquet schemas of the index: one row per span, one row per log record.

The ``resource`` and ``scope`` columns repeat the same few values, so Parquet's dictionary
encoding stores each once per file. ``skeleton`` is the record with its long strings replaced
by markers (spans/skeleton.py) and ``chunk_refs`` the chunk ids that fill them.
"""

from __future__ import annotations

import pyarrow as pa

from gravity.normalize.columns import CALL_SCHEMA

COMMON_FIELDS = [
    pa.field("tenant", pa.string()),
    pa.field("trace_id", pa.string()),
    pa.field("span_id", pa.string()),
    pa.field("service_name", pa.string()),
    pa.field("resource", pa.binary()),
    pa.field("scope", pa.binary()),
    pa.field("skeleton", pa.binary()),
    pa.field("chunk_refs", pa.binary()),
    pa.field("raw_key", pa.string()),
    pa.field("seq", pa.int32()),  # position in the raw file, to rebuild arrival order
]

# The normalized LLM call of a span (gravity.normalize), null where the span is no LLM call.
# Its messages are stored as a frame (spans/frames.py) that points into ``chunk_refs``.
CALL_FIELDS = [
    field.with_nullable(True)
    for field in CALL_SCHEMA
    if field.name not in ("trace_id", "span_id", "messages_json", "latency_ms")
] + [pa.field("messages", pa.binary())]

SPAN_SCHEMA = pa.schema(
    COMMON_FIELDS
    + [
        pa.field("parent_span_id", pa.string()),
        pa.field("name", pa.string()),
        pa.field("kind", pa.int8()),
        pa.field("start_ns", pa.int64()),
        # The end is stored as the span's latency: it compresses better than a second
        # timestamp (76 KB vs 94 KB per 27,887 spans), and queries ask for it. end_ns is
        # filled only for a span without a start time.
        pa.field("latency_ns", pa.int64()),
        pa.field("end_ns", pa.int64()),
        pa.field("status_code", pa.int8()),
    ]
    + CALL_FIELDS
)

LOG_SCHEMA = pa.schema(
    COMMON_FIELDS
    + [
        pa.field("time_ns", pa.int64()),
        pa.field("event_name", pa.string()),
        pa.field("severity_number", pa.int16()),
    ]
)

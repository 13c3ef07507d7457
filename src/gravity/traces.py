"""List the traces of a store with a summary of each: the way to find a trace id.

The summary is computed from the span index alone (no content is read): when the trace
started and how long it ran, its spans and root span, the models it called and the tokens
and cost of its model calls. Spans that the normalizer marks as not a model call (an agent
span that repeats its calls' usage) are left out of the token and cost totals.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from gravity import catalog
from gravity.index.reader import read_index
from gravity.store.base import ObjectStore

SUMMARY_COLUMNS = [
    "tenant", "trace_id", "parent_span_id", "service_name", "name", "start_ns", "latency_ns",
    "status_code", "is_model_call", "request_model", "response_model", "session_id",
    "input_tokens", "output_tokens", "cost_usd",
]

# One row per trace. A span delivered twice (a retried export in two raw files) is counted
# once: spans are keyed by trace and span id before they are summed.
_SUMMARY_SQL = """
WITH spans AS (
    SELECT DISTINCT ON (trace_id, span_id) * FROM index_rows
)
SELECT
    trace_id,
    min(tenant) AS tenant,
    min(start_ns) AS start_ns,
    max(start_ns + coalesce(latency_ns, 0)) - min(start_ns) AS duration_ns,
    count(*) AS spans,
    arg_min(name, start_ns) FILTER (WHERE coalesce(parent_span_id, '') = '') AS root_name,
    arg_min(service_name, start_ns) AS service_name,
    list_sort(list_distinct(list(coalesce(response_model, request_model))
        FILTER (WHERE is_model_call))) AS models,
    count(*) FILTER (WHERE is_model_call) AS model_calls,
    sum(input_tokens) FILTER (WHERE is_model_call) AS input_tokens,
    sum(output_tokens) FILTER (WHERE is_model_call) AS output_tokens,
    sum(cost_usd) FILTER (WHERE is_model_call) AS cost_usd,
    count(*) FILTER (WHERE status_code = 2) AS errors,
    min(session_id) AS session_id
FROM spans
GROUP BY trace_id
HAVING {having}
ORDER BY start_ns DESC, trace_id
LIMIT ?
"""


@dataclass(frozen=True)
class TraceFilter:
    """The traces to list: a trace matches when any of its spans matches each set field."""

    tenant: str | None = None
    service: str | None = None
    model: str | None = None
    session: str | None = None
    since_ns: int | None = None  # traces that started at or after this time
    limit: int = 20


def list_traces(store: ObjectStore, trace_filter: TraceFilter) -> list[dict[str, Any]]:
    """Return the newest traces that match ``trace_filter``, newest first, as dicts."""
    import duckdb

    rows = _index_rows(store, trace_filter.tenant)
    if rows is None:
        return []

    conditions = ["true"]
    parameters: list[Any] = []
    if trace_filter.service is not None:
        conditions.append("bool_or(service_name = ?)")
        parameters.append(trace_filter.service)
    if trace_filter.model is not None:
        conditions.append("bool_or(request_model = ? OR response_model = ?)")
        parameters += [trace_filter.model, trace_filter.model]
    if trace_filter.session is not None:
        conditions.append("bool_or(session_id = ?)")
        parameters.append(trace_filter.session)
    if trace_filter.since_ns is not None:
        conditions.append("min(start_ns) >= ?")
        parameters.append(trace_filter.since_ns)
    parameters.append(trace_filter.limit)

    with duckdb.connect() as connection:
        connection.register("index_rows", rows)
        result = connection.execute(_SUMMARY_SQL.format(having=" AND ".join(conditions)), parameters)
        names = [column[0] for column in result.description]
        return [dict(zip(names, values)) for values in result.fetchall()]


def _index_rows(store: ObjectStore, tenant: str | None) -> pa.Table | None:
    # NOTE: every visible span index file is read (its summary columns only). Listing costs
    # one pass over the index, because there is no per-day or per-trace summary yet.
    files = catalog.visible_index_files(store, "spans", tenant)
    if not files:
        return None
    tables = [read_index(store, key, ["span_id", *SUMMARY_COLUMNS]) for key in files]
    return pa.concat_tables(tables, promote_options="permissive")

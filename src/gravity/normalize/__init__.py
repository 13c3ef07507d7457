"""Read every LLM instrumentation convention into one normalized call record.

``normalize_records`` turns OTLP records into ``LlmCall``s: one per span that is a model
call (``is_model_call=True``) or an agent or workflow run whose usage repeats its model
calls' totals (``is_model_call=False``, so totals are never counted twice).

GenAI log records (per-message events and ``gen_ai.client.inference.operation.details``)
are joined to the call of their span by trace id and span id. ``CallJoiner`` does that
across batches in either arrival order. ``merge_log_records`` joins logs that arrive after
the call was stored.
"""

from __future__ import annotations

from collections.abc import Iterable

from gravity.normalize.columns import (
    CALL_SCHEMA,
    CallContent,
    call_columns,
    call_from_columns,
    calls_table,
    messages_from_json,
    messages_to_json,
)
from gravity.normalize.costs import price_call
from gravity.normalize.detect import UNKNOWN, detect_family, normalize_span
from gravity.normalize.joiner import CallJoiner
from gravity.normalize.logs import is_gen_ai_log, merge_log_records
from gravity.normalize.model import LlmCall, Message, Part, ToolDefinition
from gravity.normalize.render import render_messages
from gravity.otlp.model import Record

__all__ = [
    "CALL_SCHEMA",
    "UNKNOWN",
    "CallContent",
    "CallJoiner",
    "LlmCall",
    "Message",
    "Part",
    "ToolDefinition",
    "call_columns",
    "call_from_columns",
    "calls_table",
    "detect_family",
    "is_gen_ai_log",
    "merge_log_records",
    "messages_from_json",
    "messages_to_json",
    "normalize_records",
    "normalize_span",
    "price_call",
    "render_messages",
]


def normalize_records(records: Iterable[Record], logs: Iterable[Record] = ()) -> list[LlmCall]:
    """Return one call per LLM-related span in ``records``, in span order, with logs joined.

    ``records`` may mix spans and log records; ``logs`` adds log records from elsewhere (a
    logs file of the same batch). Log records whose span is not among ``records`` are
    ignored here: use ``CallJoiner`` to keep them for a later batch. Bad content does not
    raise: a span that a family fails on, or logs that fail to merge, are logged at debug
    level and skipped as described in ``normalize_span``.
    """
    joiner = CallJoiner(max_spans=2**62)
    joiner.add([*records, *logs])
    return joiner.calls()

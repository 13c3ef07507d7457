"""Measure how much of a raw-spans tree normalize reads into LLM calls.

Usage: python benchmarks/normalize_coverage.py RAW_SPANS_DIR

Reads every ``*.json``, ``*.json.gz``, ``*.binpb`` and ``*.binpb.gz`` file under the
directory (the Collector's awss3 layout). Each span is normalized, with the GenAI log
records of files whose name contains "logs" joined to it. Per family, the report counts
spans, LLM-related spans (calls), model calls, and model calls with a model name, with both
input and output token counts, with a cost and with messages. Then it lists the kinds of
spans that gave no call and why.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from gravity.normalize import UNKNOWN, detect_family, is_gen_ai_log, merge_log_records, normalize_span
from gravity.normalize.families import otel_genai
from gravity.normalize.logs import span_key
from gravity.normalize.span_fields import span_attributes
from gravity.otlp.decode import decode_json, decode_protobuf, records_from_document
from gravity.otlp.model import TRACES, Record

NO_FAMILY = "(none)"


@dataclass
class FamilyCounts:
    spans: int = 0
    calls: int = 0
    model_calls: int = 0
    agent_runs: int = 0
    with_model: int = 0
    with_tokens: int = 0
    with_cost: int = 0
    with_messages: int = 0
    truncated: int = 0
    skipped: Counter[tuple[str, str]] = field(default_factory=Counter)


def read_records(path: Path) -> list[Record]:
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    name = path.name.removesuffix(".gz")
    if name.endswith(".binpb"):
        signal = "logs" if "logs_" in name else "traces"
        return records_from_document(decode_protobuf(data, signal))
    return records_from_document(decode_json(data))


def span_kind_name(record: Record) -> str:
    """Group span names: "chat gpt-4o" and "chat gpt-4o-mini" are both "chat *"."""
    name = str(record.item.get("name") or "")
    first, _, rest = name.partition(" ")
    return f"{first} *" if rest else first


def skip_reason(record: Record, family: str) -> str:
    attributes = span_attributes(record)
    operation = attributes.get("gen_ai.operation.name")
    if operation == "execute_tool" or "gen_ai.tool.name" in attributes:
        return "tool execution, not a model call"
    if operation == "execute_event_loop_cycle":
        return "agent loop step, not a model call"
    if record.item.get("name") == "raw_gen_ai_request":
        return "LiteLLM provider payload, child of its litellm_request call"
    if family == NO_FAMILY:
        return "no family matched and no LLM attributes"
    if not any(key.startswith("gen_ai.") for key in attributes):
        return "no gen_ai.* attributes"
    return "family read no call from it"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw_spans", type=Path, help="directory of raw OTLP files (searched recursively)")
    arguments = parser.parse_args()
    if not arguments.raw_spans.is_dir():
        parser.error(f"not a directory: {arguments.raw_spans}")

    counts: dict[str, FamilyCounts] = defaultdict(FamilyCounts)
    files = sorted(
        path
        for path in arguments.raw_spans.rglob("*")
        if path.is_file() and path.name.removesuffix(".gz").endswith((".json", ".binpb"))
    )
    started = time.perf_counter()

    # Log records first, so each span's call is complete when it is counted.
    logs: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for path in files:
        if "logs" in path.name:
            for record in read_records(path):
                key = span_key(record)
                if key is not None and is_gen_ai_log(record):
                    logs[key].append(record)

    span_total = 0
    for path in files:
        if "logs" in path.name:
            continue
        for record in read_records(path):
            if record.signal != TRACES:
                continue
            span_total += 1
            module = detect_family(record)
            if module is not None:
                family = module.FAMILY
            elif otel_genai.looks_like_model_call(record):
                family = UNKNOWN
            else:
                family = NO_FAMILY
            family_counts = counts[family]
            family_counts.spans += 1

            call = normalize_span(record)
            if call is None:
                family_counts.skipped[(span_kind_name(record), skip_reason(record, family))] += 1
                continue
            family_counts.calls += 1
            key = span_key(record)
            if key in logs:
                merge_log_records(call, logs[key])
            family_counts.truncated += call.truncated
            if not call.is_model_call:
                family_counts.agent_runs += 1
                continue
            family_counts.model_calls += 1
            family_counts.with_model += bool(call.request_model or call.response_model)
            family_counts.with_tokens += call.input_tokens is not None and call.output_tokens is not None
            family_counts.with_cost += call.cost_usd is not None
            family_counts.with_messages += bool(call.input_messages or call.output_messages)
    elapsed = time.perf_counter() - started

    log_total = sum(len(records) for records in logs.values())
    print(f"{len(files)} files, {span_total} spans, {log_total} GenAI log records, normalized in {elapsed:.1f} s\n")
    header = ("family", "spans", "calls", "model", "agent", "+model", "+tokens", "+cost", "+messages", "truncated")
    print("{:<14} {:>7} {:>7} {:>7} {:>6} {:>7} {:>8} {:>7} {:>10} {:>10}".format(*header))
    for family in sorted(counts):
        c = counts[family]
        print(
            f"{family:<14} {c.spans:>7} {c.calls:>7} {c.model_calls:>7} {c.agent_runs:>6} {c.with_model:>7} "
            f"{c.with_tokens:>8} {c.with_cost:>7} {c.with_messages:>10} {c.truncated:>10}"
        )
    print("\nspans that gave no call:")
    for family in sorted(counts):
        for (kind, reason), number in counts[family].skipped.most_common():
            print(f"  {family:<14} {kind:<28} {number:>7}  {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``gravity traces``: list stored traces, newest first, to find one to reconstruct."""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone

import click
import orjson

from gravity.cli.options import json_option, store_option
from gravity.store import open_store
from gravity.traces import TraceFilter, list_traces

_DURATION = re.compile(r"^(\d+)([smhd])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(value: str, now: float | None = None) -> int:
    """Return nanoseconds since the epoch for "30m", "2h", "7d" (ago) or an ISO 8601 time."""
    match = _DURATION.match(value.strip())
    if match:
        seconds = int(match[1]) * _UNIT_SECONDS[match[2]]
        return int(((now if now is not None else time.time()) - seconds) * 1e9)
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(
            f"invalid time {value!r}: expected a duration such as 30m, 2h or 7d, "
            "or an ISO 8601 time such as 2025-09-08T14:00:00Z", param_hint="'--since'"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1e9)


@click.command("traces")
@store_option
@click.option("--service", help="Only traces with a span of this service (service.name).")
@click.option("--model", help="Only traces that called this model (as requested or as reported by the provider).")
@click.option("--session", help="Only traces of this session id.")
@click.option("--since", metavar="TIME", help="Only traces started since TIME: 30m, 2h, 7d ago, or ISO 8601.")
@click.option("--tenant", help="Only this tenant's traces (org_id).")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True, help="Traces to list at most.")
@json_option
def command(
    store_location: str | None, service: str | None, model: str | None, session: str | None,
    since: str | None, tenant: str | None, limit: int, as_json: bool,
) -> None:
    """List stored traces, newest first, with their spans, models, tokens and cost.

    Reads the span index only. Pass a listed trace id to 'gravity reconstruct'.
    """
    trace_filter = TraceFilter(
        tenant=tenant, service=service, model=model, session=session,
        since_ns=parse_since(since) if since else None, limit=limit,
    )
    store = open_store(store_location, create=False)
    traces = list_traces(store, trace_filter)

    if as_json:
        for trace in traces:
            click.echo(orjson.dumps(trace).decode())
        return
    if not traces:
        filtered = any(value is not None for value in (tenant, service, model, session, since))
        if filtered:
            click.echo("no traces match these filters; without them, 'gravity traces' lists the newest", err=True)
        else:
            click.echo("the store holds no traces yet; if raw files wait under its raw-spans/, "
                       "'gravity worker --once' processes them", err=True)
        return
    click.echo(f"{'started (UTC)':19}  {'trace id':32}  {'tenant':10}  {'spans':>5}  {'duration':>9}  "
               f"{'tokens in/out':>15}  {'cost $':>8}  root span / models")
    for trace in traces:
        click.echo(_line(trace))


def _line(trace: dict) -> str:
    started = datetime.fromtimestamp(trace["start_ns"] / 1e9, tz=timezone.utc).strftime("%Y-%m-%d %H:%M:%S")
    duration = f"{trace['duration_ns'] / 1e9:.2f}s" if trace["duration_ns"] is not None else "-"
    tokens = "-"
    if trace["input_tokens"] is not None or trace["output_tokens"] is not None:
        tokens = f"{trace['input_tokens'] or 0}/{trace['output_tokens'] or 0}"
    cost = "-" if trace["cost_usd"] is None else f"{trace['cost_usd']:.4f}"
    if trace["cost_usd"] and trace["cost_usd"] < 0.00005:
        cost = "<0.0001"
    root = trace["root_name"] or "(no root span)"
    models = ", ".join(trace["models"] or [])
    errors = f"  {trace['errors']} error span(s)" if trace["errors"] else ""
    return (f"{started}  {trace['trace_id']}  {trace['tenant']:10}  {trace['spans']:>5}  {duration:>9}  {tokens:>15}  "
            f"{cost:>8}  {root}{' / ' + models if models else ''}{errors}")

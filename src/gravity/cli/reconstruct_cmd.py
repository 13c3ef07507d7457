"""``gravity reconstruct``: print a stored trace exactly as it arrived."""

from __future__ import annotations

import click

from gravity.cli.options import store_option
from gravity.otlp.encode import encode_json
from gravity.reconstruct import TraceReader
from gravity.store import open_store

FORMATS = ("otlp-json", "text", "messages")


def _check_id(value: str, digits: int, what: str) -> None:
    try:
        bytes.fromhex(value)
    except ValueError:
        raise click.BadParameter(f"invalid {what} {value!r}: expected {digits} hex digits") from None
    if len(value) != digits:
        raise click.BadParameter(f"invalid {what} {value!r}: expected {digits} hex digits, got {len(value)}")


@click.command("reconstruct")
@store_option
@click.argument("trace_id")
@click.option("--span", "span_id", metavar="SPAN_ID", help="Only this span of the trace.")
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="otlp-json", show_default=True,
    help="otlp-json: the trace as OTLP JSON (its log records, if any, under resourceLogs); "
    "text: each span and log record with its content; messages: each LLM call as a conversation.",
)
@click.option("--tenant", help="Only this tenant's spans (org_id).")
def command(store_location: str | None, trace_id: str, span_id: str | None, output_format: str, tenant: str | None) -> None:
    """Rebuild TRACE_ID (32 hex digits) from the store; every chunk is checked against its hash."""
    _check_id(trace_id, 32, "trace id")
    if span_id is not None:
        _check_id(span_id, 16, "span id")
    store = open_store(store_location, create=False)
    document = TraceReader(store).trace_with_logs(trace_id, span_id=span_id, tenant=tenant)
    if output_format == "otlp-json":
        click.echo(encode_json(document, indent=True).decode())
    elif output_format == "text":
        from gravity.render import render_text

        click.echo(render_text(document))
    else:
        from gravity.render import render_conversations

        click.echo(render_conversations(document, trace_id))

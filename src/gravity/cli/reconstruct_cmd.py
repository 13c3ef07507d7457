"""``gravity reconstruct``: print a stored trace exactly as it arrived."""

from __future__ import annotations

import click

from gravity.cli.options import store_option
from gravity.otlp.encode import encode_json
from gravity.reconstruct import reconstruct_trace
from gravity.store import open_store

FORMATS = ("otlp-json", "text", "messages")


@click.command("reconstruct")
@store_option
@click.argument("trace_id")
@click.option("--span", "span_id", metavar="SPAN_ID", help="Only this span of the trace.")
@click.option(
    "--format", "output_format", type=click.Choice(FORMATS), default="otlp-json", show_default=True,
    help="otlp-json: the trace as OTLP JSON; text: each span with its content; "
    "messages: each LLM call as a conversation.",
)
@click.option("--tenant", help="Only this tenant's spans (org_id).")
def command(store_location: str | None, trace_id: str, span_id: str | None, output_format: str, tenant: str | None) -> None:
    """Rebuild TRACE_ID (32 hex digits) from the store; every chunk is checked against its hash."""
    store = open_store(store_location)
    document = reconstruct_trace(store, trace_id, span_id=span_id, tenant=tenant)
    if output_format == "otlp-json":
        click.echo(encode_json(document, indent=True).decode())
    elif output_format == "text":
        from gravity.render import render_text

        click.echo(render_text(document))
    else:
        from gravity.render import render_conversations

        click.echo(render_conversations(store, document, trace_id, tenant))

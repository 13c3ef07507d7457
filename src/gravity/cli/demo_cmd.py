"""``gravity demo``: a LiteLLM conversation traced, stored, inspected and rebuilt.

Everything runs locally: LiteLLM answers from ``mock_response`` (no provider is called) and
its OpenTelemetry callback records the spans, which are written in the Collector's S3 layout
into the store for the worker to process.
"""

from __future__ import annotations

import os
import time

import click

from gravity.cli.options import store_option

CONVERSATION = [
    ("You are a concise travel assistant.", None),
    ("Hi! What's the weather in Paris in May?", "Mild: 12-20 °C, with some rain showers. Pack layers."),
    ("Which museums should I see first?", "Start with the Louvre early, then the Musée d'Orsay in the afternoon."),
    ("And a good walk in the evening?", "Walk along the Seine from Pont Neuf to the Eiffel Tower at sunset."),
]


def run_conversation() -> list[object]:
    """Run a multi-turn chat through LiteLLM with its OpenTelemetry callback; return the spans."""
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price list download
    import litellm
    from litellm.integrations.opentelemetry import OpenTelemetry, OpenTelemetryConfig
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    exporter = InMemorySpanExporter()
    callback = OpenTelemetry(config=OpenTelemetryConfig(exporter=exporter, skip_set_global=True))
    litellm.callbacks = [callback]

    messages = [{"role": "system", "content": CONVERSATION[0][0]}]
    for question, answer in CONVERSATION[1:]:
        messages.append({"role": "user", "content": question})
        response = litellm.completion(
            model="gpt-4o-mini", messages=messages, mock_response=answer,
            metadata={"session_id": "demo-session"}, user="demo-user",
        )
        messages.append({"role": "assistant", "content": response.choices[0].message.content})

    # LiteLLM runs its success callbacks on a background thread: wait until every call's
    # litellm_request span has ended, flushing the callback's span processor while waiting.
    turns = len(CONVERSATION) - 1
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        provider = getattr(callback, "_tracer_provider", None)
        if provider is not None and hasattr(provider, "force_flush"):
            provider.force_flush()
        spans = exporter.get_finished_spans()
        if sum(span.name == "litellm_request" for span in spans) >= turns:
            break
        time.sleep(0.1)
    return list(exporter.get_finished_spans())


@click.command("demo")
@store_option
def command(store_location: str | None) -> None:
    """Trace a LiteLLM conversation, store it, and show what Gravity kept.

    The spans are written as Collector files under raw-spans/, the worker processes them,
    and the command prints the inspect report and the conversation rebuilt from the store.
    """
    from gravity.cli.inspect_cmd import command as inspect_command
    from gravity.raw.writer import spans_to_document, write_raw_document
    from gravity.reconstruct import TraceReader
    from gravity.render import render_conversations
    from gravity.store import open_store
    from gravity.worker.runner import Worker, WorkerSettings

    store = open_store(store_location)
    click.echo(f"1. LiteLLM conversation ({len(CONVERSATION) - 1} turns, mock responses) ...", err=True)
    spans = run_conversation()
    if not spans:
        raise click.ClickException("LiteLLM's OpenTelemetry callback recorded no spans")
    key = write_raw_document(store, spans_to_document(spans), file_prefix="demo-")
    click.echo(f"2. {len(spans)} spans written to {store.url}/{key}", err=True)

    stats = Worker(store, WorkerSettings(max_concurrent=1)).run_once()
    click.echo(f"3. worker committed {stats.committed} file(s), {stats.spans} spans", err=True)

    click.echo("\n== gravity inspect")
    click.get_current_context().invoke(inspect_command, store_location=store_location, as_json=False)

    last_call = max(
        (span for span in spans if span.name == "litellm_request"),
        key=lambda span: span.start_time, default=spans[-1],
    )
    trace_id = format(last_call.context.trace_id, "032x")
    click.echo(f"\n== gravity reconstruct {trace_id} --format messages")
    reader = TraceReader(store)
    try:
        click.echo(render_conversations(store, reader.trace(trace_id), trace_id, None))
    except ImportError:
        from gravity.render import render_text

        click.echo(render_text(reader.trace(trace_id)))

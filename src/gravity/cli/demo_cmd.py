"""``gravity demo``: a LiteLLM conversation sent to ``gravity serve``, stored, inspected, rebuilt.

Everything runs locally in one process. The receiver and worker of ``gravity serve`` listen
on a free port of 127.0.0.1, and LiteLLM answers from ``mock_response`` (no provider is
called). LiteLLM's OpenTelemetry callback exports the spans to that receiver with the
OpenTelemetry SDK's OTLP/HTTP exporter, as it would to any OTLP endpoint.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import logging
import os
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import click

from gravity.cli.options import store_option
from gravity.store.base import ObjectStore

CONVERSATION = [
    ("You are a concise travel assistant.", None),
    ("Hi! What's the weather in Paris in May?", "Mild: 12-20 °C, with some rain showers. Pack layers."),
    ("Which museums should I see first?", "Start with the Louvre early, then the Musée d'Orsay in the afternoon."),
    ("And a good walk in the evening?", "Walk along the Seine from Pont Neuf to the Eiffel Tower at sunset."),
]
TURNS = len(CONVERSATION) - 1

# Seconds to wait for LiteLLM's callbacks to end the spans, and again for the worker to
# commit the raw files.
TIMEOUT_SECONDS = 30


@click.command("demo")
@store_option
def command(store_location: str | None) -> None:
    """Send a LiteLLM conversation to 'gravity serve', then show what Gravity kept.

    Starts the OTLP/HTTP receiver and the worker of 'gravity serve' on a free port of
    127.0.0.1 and exports the spans of a three-turn LiteLLM conversation to it (mock
    responses, no provider called). Once the worker has committed them, prints the inspect
    report and the conversation rebuilt from the store. The server stops at the end.
    """
    from gravity.store import open_store

    store = open_store(store_location)
    serve = LocalServe.start(store)
    try:
        click.echo("1. gravity serve is running in this process: OTLP/HTTP receiver and worker")
        click.echo(f"   receiver  {serve.traces_url}")
        click.echo(f"   metrics   {serve.base_url}/metrics")
        click.echo(f"   store     {store.url}")

        spans = run_conversation(serve.traces_url)
        flushed = time.monotonic()
        keys = serve.wait_committed(TIMEOUT_SECONDS)
        waited = time.monotonic() - flushed
        stored = committed_records(store, keys)

        click.echo(f"2. LiteLLM ran {TURNS} chat turns with mock responses (no provider called);")
        click.echo(f"   its OpenTelemetry callback exported {spans.ended} spans to the receiver "
                   "over OTLP/HTTP")
        click.echo("3. the receiver acknowledged the export once it had written")
        for key in keys:
            click.echo(f"   {key}")
        files = f"{len(keys)} raw file" + ("s" if len(keys) > 1 else "")
        click.echo(f"4. the worker committed {stored} spans from {files} {waited:.1f} s after the "
                   "export; they are queryable now")
        if stored < spans.ended:
            click.echo(f"warning: {spans.ended} spans were exported but the store contains "
                       f"{stored} of them; the exporter's errors, if any, are above", err=True)

        show_store(store, store_location, spans.last_trace_id)
    finally:
        serve.stop()
    click.echo("\ngravity serve stopped.")


@dataclass
class LocalServe:
    """The receiver, worker and /metrics of ``gravity serve`` on 127.0.0.1, in threads.

    It has no API keys, because it listens only on the loopback address and only for the
    length of the demo.
    """

    server: Any  # gravity.receiver.server.GravityServer
    written: list[str] = field(default_factory=list)  # raw keys, in the order written

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.http_port}"

    @property
    def traces_url(self) -> str:
        return f"{self.base_url}/v1/traces"

    @property
    def receiver(self) -> Any:
        return self.server.receiver

    @classmethod
    def start(cls, store: ObjectStore) -> LocalServe:
        from gravity.receiver import ReceiverSettings
        from gravity.receiver.server import GravityServer
        from gravity.worker.runner import WorkerSettings

        written: list[str] = []
        server = GravityServer.start(
            store, socket.create_server(("127.0.0.1", 0)), settings=ReceiverSettings(),
            worker_settings=WorkerSettings(), on_written=written.append,
        )
        serve = cls(server, written)
        if not server.wait_started(10):
            serve.stop()
            raise click.ClickException(
                f"the OTLP/HTTP receiver did not start on 127.0.0.1:{server.http_port} within 10 s; "
                "run 'gravity -v demo' to see uvicorn's messages"
            )
        return serve

    def wait_committed(self, timeout: float) -> list[str]:
        """Wait until the worker has committed every raw file written so far, and return their keys.

        Raises ClickException when nothing was written, when a file was set aside as
        unreadable, or when the worker takes longer than ``timeout`` seconds.
        """
        from gravity import catalog

        # An export is acknowledged once its file is durable, which is before on_written
        # runs, so the writer's count is the number of keys to wait for.
        expected = self.receiver.writer.files_written
        if expected == 0:
            raise click.ClickException(
                "the receiver stored no spans; the exporter's error messages are above"
            )

        store = self.receiver.writer.store
        deadline = time.monotonic() + timeout
        while True:
            keys = list(self.written)
            pending = [key for key in keys if not store.exists(catalog.DONE + key)]
            for key in pending:
                if store.exists(catalog.FAILED + key):
                    raise click.ClickException(
                        f"the worker set {key} aside as unreadable; see "
                        f"{catalog.FAILED}{key}.reason.json in the store"
                    )
            if len(keys) >= expected and not pending:
                return keys
            if time.monotonic() > deadline:
                raise click.ClickException(
                    f"timed out after {timeout:g} s waiting for the worker to commit "
                    f"{len(pending) or expected} raw file(s); run 'gravity -v demo' to see its log"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Stop like ``gravity serve``: HTTP, then the raw file writer, then the worker."""
        self.server.stop()


@dataclass
class ExportedSpans:
    ended: int
    last_trace_id: str  # 32 hex digits: the trace of the conversation's last call


def run_conversation(endpoint: str) -> ExportedSpans:
    """Run the chat through LiteLLM and export its spans over OTLP/HTTP to ``endpoint``.

    LiteLLM's messages and prints go to stderr, so stdout shows only the demo's output.
    """
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # no price list download
    _bypass_proxy_for_loopback()
    _quiet_litellm_warnings()
    with contextlib.redirect_stdout(sys.stderr):
        return _run_conversation(endpoint)


def _run_conversation(endpoint: str) -> ExportedSpans:
    import litellm
    from litellm.integrations.custom_logger import CustomLogger
    from litellm.integrations.opentelemetry import OpenTelemetry, OpenTelemetryConfig
    from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider

    class EndedSpans(SpanProcessor):
        """Counts the spans that LiteLLM ends and keeps the trace id of the latest root span."""

        def __init__(self) -> None:
            self.lock = threading.Lock()
            self.count = 0
            self.last_root: tuple[int, str] | None = None  # (start time in ns, trace id)

        def on_end(self, span: ReadableSpan) -> None:
            with self.lock:
                self.count += 1
                if span.parent is None and span.context is not None:
                    root = (span.start_time or 0, format(span.context.trace_id, "032x"))
                    self.last_root = max(self.last_root or root, root)

    class FinishedCalls(CustomLogger):
        """Counts the calls whose success callbacks have all run.

        LiteLLM runs a call's success callbacks one after another on one thread, so this
        logger, listed after the OpenTelemetry one, runs once that call's spans have ended.
        """

        def __init__(self) -> None:
            super().__init__()
            self.count = 0
            self.done = threading.Condition()

        def log_success_event(
            self, kwargs: Any, response_obj: Any, start_time: Any, end_time: Any
        ) -> None:
            with self.done:
                self.count += 1
                self.done.notify_all()

    # exporter="otlp_http" makes LiteLLM build the SDK's OTLPSpanExporter behind a
    # BatchSpanProcessor, as it does for OTEL_EXPORTER=otlp_http (checked in litellm 1.110).
    config = OpenTelemetryConfig(exporter="otlp_http", endpoint=endpoint, skip_set_global=True)
    otel_callback = OpenTelemetry(config=config)
    # NOTE: _tracer_provider is a private attribute of LiteLLM's callback (checked in 1.110).
    # The demo needs it to count the spans and to flush them before it reads the store.
    provider = getattr(otel_callback, "_tracer_provider", None)
    if not isinstance(provider, TracerProvider):
        raise click.ClickException(
            "cannot flush LiteLLM's spans: its OpenTelemetry callback has no SDK tracer "
            f"provider in litellm {importlib.metadata.version('litellm')}"
        )
    ended = EndedSpans()
    provider.add_span_processor(ended)
    finished = FinishedCalls()
    litellm.callbacks = [otel_callback, finished]

    try:
        messages = [{"role": "system", "content": CONVERSATION[0][0]}]
        for question, answer in CONVERSATION[1:]:
            messages.append({"role": "user", "content": question})
            response = litellm.completion(
                model="gpt-4o-mini", messages=messages, mock_response=answer,
                metadata={"session_id": "demo-session"}, user="demo-user",
            )
            messages.append({"role": "assistant", "content": response.choices[0].message.content})

        # LiteLLM runs success callbacks on a background thread, after completion() returns.
        with finished.done:
            if not finished.done.wait_for(lambda: finished.count >= TURNS, TIMEOUT_SECONDS):
                raise click.ClickException(
                    f"timed out after {TIMEOUT_SECONDS} s waiting for LiteLLM's callbacks: "
                    f"{finished.count} of {TURNS} calls logged"
                )
        # force_flush sends what the BatchSpanProcessor has queued and returns once the
        # receiver has responded, which it does only after the raw file is durable.
        if not provider.force_flush(TIMEOUT_SECONDS * 1000):
            raise click.ClickException(
                f"timed out after {TIMEOUT_SECONDS} s exporting LiteLLM's spans to {endpoint}"
            )
    finally:
        litellm.callbacks = []
        provider.shutdown()  # stops the exporter's thread while the receiver still listens

    if ended.last_root is None:
        raise click.ClickException("LiteLLM's OpenTelemetry callback recorded no spans")
    return ExportedSpans(ended.count, ended.last_root[1])


def _bypass_proxy_for_loopback() -> None:
    # The OTLP/HTTP exporter sends with requests, which routes even 127.0.0.1 through
    # $HTTP_PROXY unless no_proxy lists it. requests reads no_proxy before NO_PROXY.
    current = os.environ.get("no_proxy") or os.environ.get("NO_PROXY") or ""
    if "127.0.0.1" not in current.split(","):
        os.environ["no_proxy"] = f"{current},127.0.0.1" if current else "127.0.0.1"


def _quiet_litellm_warnings() -> None:
    # LiteLLM warns "Proxy Server is not installed. Skipping OpenTelemetry initialization."
    # That step only concerns the LiteLLM proxy, and tracing still works. 'gravity -v demo'
    # shows LiteLLM's warnings and info messages again.
    if not logging.getLogger().isEnabledFor(logging.INFO):
        logging.getLogger("LiteLLM").setLevel(logging.ERROR)


def committed_records(store: ObjectStore, raw_keys: list[str]) -> int:
    """Return the number of spans that the commits of ``raw_keys`` contain."""
    import orjson

    from gravity import catalog

    total = 0
    for key in raw_keys:
        payload_id = orjson.loads(store.get(catalog.DONE + key))["payload_id"]
        commit = catalog.read_commit(store, payload_id)
        total += commit.records if commit is not None else 0
    return total


def show_store(store: ObjectStore, store_location: str | None, trace_id: str) -> None:
    """Print the inspect report, the newest traces and the conversation of ``trace_id``."""
    from gravity.cli.inspect_cmd import command as inspect_command
    from gravity.cli.traces_cmd import command as traces_command
    from gravity.reconstruct import TraceReader
    from gravity.render import render_conversations

    click.echo("\n== gravity inspect")
    context = click.get_current_context()
    context.invoke(inspect_command, store_location=store_location, as_json=False)

    click.echo("\n== gravity traces --limit 3")
    context.invoke(traces_command, store_location=store_location, service=None, model=None, session=None,
                   since=None, tenant=None, limit=3, as_json=False)

    click.echo(f"\n== gravity reconstruct {trace_id} --format messages")
    document = TraceReader(store).trace_with_logs(trace_id)
    click.echo(render_conversations(document, trace_id))

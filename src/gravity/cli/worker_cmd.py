"""``gravity worker``: turn raw OTLP files into packs and index rows."""

from __future__ import annotations

import dataclasses
import signal
import sys
import threading

import click
import orjson

from gravity.cli.options import json_option, store_option
from gravity.content.chunk_store import LAYOUTS
from gravity.content.chunkers import chunker_names
from gravity.store import open_store
from gravity.worker.pipeline import DEFAULT_SETTLE_SECONDS
from gravity.worker.runner import DEFAULT_CHUNKER, Worker, WorkerSettings


@click.command("worker")
@store_option
@click.option("--once", is_flag=True, help="Process every pending raw file, then exit.")
@click.option(
    "--poll-interval", envvar="POLL_INTERVAL", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
    metavar="SECONDS", help="Seconds between listings of raw-spans/ ($POLL_INTERVAL).",
)
@click.option(
    "--max-concurrent", envvar="MAX_CONCURRENT", type=click.IntRange(min=1), default=5, show_default=True,
    help="Raw files processed at once ($MAX_CONCURRENT).",
)
@click.option(
    "--chunker", type=click.Choice(chunker_names()), default=DEFAULT_CHUNKER, show_default=True,
    help="How long strings are cut into chunks.",
)
@click.option(
    "--layout", type=click.Choice(LAYOUTS), default="packed", show_default=True,
    help="packed: chunks in pack files; loose: one gzip object per chunk (for comparison).",
)
@click.option(
    "--compact/--no-compact", default=True, show_default=True,
    help="Merge small packs and index files after a --once pass (and every 10 minutes otherwise).",
)
@click.option(
    "--settle-seconds", type=click.FloatRange(min=0), default=DEFAULT_SETTLE_SECONDS, show_default=True,
    help="Seconds a raw file that cannot be read must stay unchanged before it is set aside "
    "in failed/; younger files may still be being written and are retried.",
)
@json_option
def command(
    store_location: str | None, once: bool, poll_interval: float, max_concurrent: int,
    chunker: str, layout: str, compact: bool, settle_seconds: float, as_json: bool,
) -> None:
    """Process raw OTLP files from raw-spans/ and raw-logs/ into the store.

    Run it with --once after copying Collector files into the store, or without it as a
    long-running service next to the Collector. Any number of workers may share one store.
    """
    store = open_store(store_location)
    settings = WorkerSettings(
        poll_interval=poll_interval, max_concurrent=max_concurrent, chunker=chunker, layout=layout,
        compact=compact, settle_seconds=settle_seconds,
    )
    worker = Worker(store, settings)

    if once:
        if not as_json:
            click.echo(f"processing raw files in {store.url} ...", err=True)
        stats = worker.run_once()
        if as_json:
            click.echo(orjson.dumps(dataclasses.asdict(stats)).decode())
        else:
            mb = stats.raw_json_bytes / 1e6
            rate = mb / stats.seconds if stats.seconds else 0.0
            click.echo(
                f"{stats.committed} files committed, {stats.duplicates} duplicates, "
                f"{stats.failed} set aside, {stats.pending} not readable yet; {stats.spans} records, "
                f"{mb:.1f} MB of OTLP JSON in {stats.seconds:.1f}s ({rate:.1f} MB/s)"
            )
            if stats.compaction_seconds:
                click.echo(f"then compacted packs and index files in {stats.compaction_seconds:.1f}s")
            if stats.pending:
                click.echo(f"{stats.pending} raw files could not be read yet; they are tried again, and set "
                           f"aside in failed/ once unchanged for {settle_seconds:g} s (-v names them)", err=True)
            if stats.failed:
                click.echo("files set aside are in failed/ of the store, each with a .reason.json", err=True)
            if not (stats.committed or stats.duplicates or stats.failed or stats.pending):
                click.echo("no new raw files under raw-spans/ or raw-logs/ of this store", err=True)
        # Exit 1 when files were set aside, so a script notices; the others are committed.
        sys.exit(1 if stats.failed else 0)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    click.echo(f"worker polling {store.url} every {poll_interval:g}s; Ctrl-C stops it", err=True)
    try:
        worker.run_forever(stop)
    except KeyboardInterrupt:
        stop.set()

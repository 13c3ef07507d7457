"""``gravity serve``: the OTLP receiver, the worker and /metrics in one process."""

from __future__ import annotations

import logging
import os
import signal
import socket
from typing import TYPE_CHECKING

import click

from gravity.cli.options import store_option
from gravity.errors import ConfigError
from gravity.receiver import ApiKeys, ReceiverSettings
from gravity.receiver.settings import MIB
from gravity.store import open_store

if TYPE_CHECKING:
    from gravity.receiver.server import GravityServer

logger = logging.getLogger(__name__)

_DEFAULTS = ReceiverSettings()

@click.command(
    "serve",
    epilog="Run it as the one process of a single-machine setup, or next to separate "
    "'gravity worker' processes (with --no-worker) that share the store. Ctrl-C or SIGTERM "
    "stops it: requests in flight finish and are acknowledged only once stored.",
)
@store_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=4318, show_default=True,
    help="OTLP/HTTP and /metrics port (0: any free port).",
)
@click.option("--grpc/--no-grpc", "grpc_enabled", default=False, show_default=True,
              help="Also receive OTLP/gRPC.")
@click.option(
    "--grpc-port", type=click.IntRange(0, 65535), default=4317, show_default=True,
    help="OTLP/gRPC port (0: any free port).",
)
@click.option(
    "--api-keys-file", type=click.Path(dir_okay=False), default=None,
    help="API keys and their orgs, as a JSON object or KEY=ORG lines; default: "
    "$GRAVITY_API_KEYS (same forms, commas between entries). Without keys, anyone may send "
    "and data goes to the default tenant.",
)
@click.option(
    "--max-body-size", type=click.IntRange(min=1), default=_DEFAULTS.max_body_bytes // MIB,
    show_default=True, metavar="MIB", help="Largest request body as sent, in MiB (413 above).",
)
@click.option(
    "--max-decompressed-size", type=click.IntRange(min=1),
    default=_DEFAULTS.max_decompressed_bytes // MIB, show_default=True, metavar="MIB",
    help="Largest request body after decompression, in MiB (413 above).",
)
@click.option(
    "--batch-window", type=click.FloatRange(min=0), default=_DEFAULTS.batch_window_seconds * 1000,
    show_default=True, metavar="MS",
    help="Requests arriving within this many milliseconds share one raw file (0: one file each).",
)
@click.option(
    "--max-backlog", type=click.IntRange(min=0), default=_DEFAULTS.max_backlog_files,
    show_default=True, metavar="FILES",
    help="Respond 429 while this many raw files wait for the worker (0: no limit).",
)
@click.option(
    "--min-free-disk", type=click.IntRange(min=0), default=_DEFAULTS.min_free_disk_bytes // MIB,
    show_default=True, metavar="MIB",
    help="Respond 503 while the local store's disk has less free space, in MiB (0: no check).",
)
@click.option("--worker/--no-worker", "worker_enabled", default=True, show_default=True,
              help="Process raw files in this process.")
@click.option(
    "--poll-interval", envvar="POLL_INTERVAL", type=float, default=30.0, show_default=True,
    metavar="SECONDS", help="Seconds between the worker's listings of raw-spans/ ($POLL_INTERVAL).",
)
@click.option(
    "--max-concurrent", envvar="MAX_CONCURRENT", type=click.IntRange(min=1), default=5,
    show_default=True, help="Raw files the worker processes at once ($MAX_CONCURRENT).",
)
def command(
    store_location: str | None, host: str, port: int, grpc_enabled: bool, grpc_port: int,
    api_keys_file: str | None, max_body_size: int, max_decompressed_size: int,
    batch_window: float, max_backlog: int, min_free_disk: int, worker_enabled: bool,
    poll_interval: float, max_concurrent: int,
) -> None:
    """Receive OTLP traces and logs, store them and process them, in one process.

    Exporters send to http://HOST:PORT/v1/traces and /v1/logs (OTLP/HTTP, protobuf or
    JSON, optionally gzip or deflate), or to HOST:GRPC-PORT with --grpc. The response to a
    request is 200 only once its raw file is durable in the store.
    """
    from gravity.receiver.server import GravityServer
    from gravity.worker.runner import WorkerSettings

    store = open_store(store_location)
    api_keys = _load_api_keys(api_keys_file)
    settings = ReceiverSettings(
        max_body_bytes=max_body_size * MIB,
        max_decompressed_bytes=max_decompressed_size * MIB,
        batch_window_seconds=batch_window / 1000,
        max_backlog_files=max_backlog,
        min_free_disk_bytes=min_free_disk * MIB,
    )
    http_socket = _listen(host, port)
    try:
        server = GravityServer.start(
            store, http_socket, settings=settings, api_keys=api_keys, run_worker=worker_enabled,
            worker_settings=WorkerSettings(poll_interval=poll_interval, max_concurrent=max_concurrent),
            grpc_address=(host, grpc_port) if grpc_enabled else None,
        )
    except OSError as exc:
        http_socket.close()
        raise ConfigError(str(exc)) from None

    try:
        _print_endpoints(server, store.url, host, poll_interval, worker_enabled, api_keys)
        _wait_for_signal(server)
    finally:
        logger.info("stopping: OTLP/HTTP, OTLP/gRPC, then the raw file writer, then the worker")
        server.stop()
        click.echo("stopped", err=True)


def _print_endpoints(
    server: GravityServer, store_url: str, host: str, poll_interval: float, worker_enabled: bool,
    api_keys: ApiKeys,
) -> None:
    base = f"http://{_url_host(host)}:{server.http_port}"
    click.echo(f"store: {store_url}")
    click.echo(f"OTLP/HTTP receiver: {base}/v1/traces and {base}/v1/logs")
    if server.grpc_server is not None:
        click.echo(f"OTLP/gRPC receiver: {_url_host(host)}:{server.grpc_port}")
    click.echo(f"metrics: {base}/metrics")
    if worker_enabled:
        click.echo(f"worker: processes each raw file as it is written; lists the store every "
                   f"{poll_interval:g} s")
    else:
        click.echo("worker: not started (--no-worker)")
    if api_keys.enabled:
        click.echo(f"API keys: {len(api_keys)} configured; requests without a valid key get 401")


def _wait_for_signal(server: GravityServer) -> None:
    """Serve until SIGINT or SIGTERM has let the requests in flight finish.

    The server's HTTP runs on a thread of its own. On the main thread, uvicorn 0.55 installs
    signal handlers that raise the signal again after its shutdown, which kills the process
    before the writer and the worker stop. A second signal closes connections at once.
    """

    def request_stop(signum: int, frame: object) -> None:
        server.request_stop()
        logger.info("received %s, stopping", signal.Signals(signum).name)

    previous = {sig: signal.signal(sig, request_stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while server.http_thread.is_alive():
            server.http_thread.join(0.5)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _load_api_keys(path: str | None) -> ApiKeys:
    if path:
        return ApiKeys.from_file(path)
    value = os.environ.get("GRAVITY_API_KEYS", "")
    if value.strip():
        return ApiKeys.parse(value, "GRAVITY_API_KEYS")
    return ApiKeys()


def _listen(host: str, port: int) -> socket.socket:
    """Bind the HTTP socket before serving, so the port (even with --port 0) is known."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        return socket.create_server((host, port), family=family, backlog=2048)
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc}") from None


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host

"""The receiver, the worker and /metrics of one Gravity process, each on a thread of its own.

``gravity serve`` runs a ``GravityServer`` until a signal; ``gravity demo`` runs one for the
length of the demo. Both stop it in the same order: HTTP first, so that no new request is
acknowledged, then gRPC, then the raw file writer, which makes every acknowledged request
durable, and the worker last.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gravity.receiver import ApiKeys, ReceiverSettings, open_receiver
from gravity.receiver.service import Receiver
from gravity.store.base import ObjectStore

# How long requests in flight, the writer and the worker get to finish when stopping.
SHUTDOWN_GRACE_SECONDS = 30


@dataclass
class GravityServer:
    receiver: Receiver
    http: Any  # uvicorn.Server
    http_socket: socket.socket
    http_thread: threading.Thread
    worker_thread: threading.Thread | None
    stop_worker: threading.Event
    grpc_server: Any | None  # grpc.Server
    grpc_port: int | None

    @property
    def http_port(self) -> int:
        return self.http_socket.getsockname()[1]

    @classmethod
    def start(
        cls,
        store: ObjectStore,
        http_socket: socket.socket,
        *,
        settings: ReceiverSettings,
        worker_settings: Any,  # gravity.worker.runner.WorkerSettings
        run_worker: bool = True,
        api_keys: ApiKeys | None = None,
        grpc_address: tuple[str, int] | None = None,
        on_written: Callable[[str], None] | None = None,
    ) -> GravityServer:
        """Start serving on ``http_socket`` (and gRPC on ``grpc_address``); return at once.

        ``on_written`` is called with each raw key the receiver makes durable. Raises
        OSError when the gRPC port cannot be bound; nothing is left running then.
        """
        import uvicorn
        from prometheus_client import CollectorRegistry

        from gravity.receiver.http import build_app, metrics_route
        from gravity.worker.runner import Worker

        # The receiver reads the backlog from a worker even when the workers run elsewhere.
        worker = Worker(store, worker_settings)
        callbacks = []
        if on_written is not None:
            callbacks.append(on_written)
        if run_worker:
            callbacks.append(worker.notify)

        def written(key: str) -> None:
            for callback in callbacks:
                callback(key)

        registry = CollectorRegistry()
        receiver = open_receiver(
            store, settings, api_keys=api_keys, backlog=worker.backlog,
            on_written=written if callbacks else None, registry=registry,
        )
        http = uvicorn.Server(
            uvicorn.Config(
                build_app(receiver, [metrics_route(registry)]), log_config=None, access_log=False,
                lifespan="off", timeout_graceful_shutdown=SHUTDOWN_GRACE_SECONDS,
            )
        )

        grpc_server = grpc_port = None
        if grpc_address is not None:
            from gravity.receiver.grpc import start_grpc_server

            try:
                grpc_server, grpc_port = start_grpc_server(receiver, *grpc_address)
            except OSError:
                receiver.writer.close()
                raise

        stop_worker = threading.Event()
        worker_thread = None
        if run_worker:
            worker_thread = threading.Thread(
                target=worker.run_forever, args=(stop_worker,), name="gravity-worker", daemon=True
            )
            worker_thread.start()
        # uvicorn installs no signal handlers off the main thread, so signals and Ctrl-C
        # stay with the command that started this server.
        http_thread = threading.Thread(
            target=http.run, kwargs={"sockets": [http_socket]}, name="gravity-http", daemon=True
        )
        http_thread.start()
        return cls(receiver, http, http_socket, http_thread, worker_thread, stop_worker, grpc_server, grpc_port)

    def wait_started(self, timeout: float) -> bool:
        """Return True once HTTP accepts requests, False if it stopped or ``timeout`` passed."""
        deadline = time.monotonic() + timeout
        while not self.http.started:
            if not self.http_thread.is_alive() or time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def request_stop(self) -> None:
        """Ask HTTP to stop after the requests in flight; a second call closes them at once."""
        if self.http.should_exit:
            self.http.force_exit = True
        self.http.should_exit = True

    def stop(self) -> None:
        """Stop HTTP, then gRPC, then the raw file writer, then the worker."""
        self.http.should_exit = True
        self.http_thread.join(SHUTDOWN_GRACE_SECONDS)
        if self.grpc_server is not None:
            self.grpc_server.stop(SHUTDOWN_GRACE_SECONDS).wait()
        self.receiver.writer.close()
        self.stop_worker.set()
        if self.worker_thread is not None:
            self.worker_thread.join(SHUTDOWN_GRACE_SECONDS)
        self.http_socket.close()

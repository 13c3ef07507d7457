"""Gravity's side of the benchmark: one worker run per chunker and layout, through the CLI.

Each run gets a fresh store with the corpus copied under ``raw-spans/``, as the Collector
would have written it, then runs ``gravity worker --once --json`` and ``gravity inspect
--json`` as a user would. The worker runs in a child process, so its peak RSS is its own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from baselines import Corpus


@dataclass
class GravityRun:
    chunker: str
    layout: str
    worker: dict[str, Any] = field(default_factory=dict)  # `gravity worker --json` output
    inspect: dict[str, Any] = field(default_factory=dict)  # `gravity inspect --json` output
    peak_rss_bytes: int = 0
    wall_seconds: float = 0.0
    error: str | None = None  # why the run has no figures

    @property
    def label(self) -> str:
        return f"gravity {self.chunker}, {self.layout}"


def gravity_command() -> list[str]:
    """Return the ``gravity`` console script installed beside this Python, or the module."""
    script = Path(sys.executable).with_name("gravity")
    if script.exists():
        return [str(script)]
    found = shutil.which("gravity")
    if found:
        return [found]
    return [sys.executable, "-c", "from gravity.cli import main; main()"]


def copy_corpus(corpus: Corpus, store: Path) -> None:
    for file in corpus.files:
        target = store / "raw-spans" / file.relative_path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus.root / file.relative_path, target)


def run_gravity(corpus: Corpus, chunker: str, layout: str, work_dir: Path | None) -> GravityRun:
    """Process the corpus into a fresh store with one chunker and layout, then inspect it."""
    run = GravityRun(chunker, layout)
    with tempfile.TemporaryDirectory(prefix=f"gravity-bench-{chunker}-{layout}-", dir=work_dir) as temp:
        store = Path(temp) / "store"
        copy_corpus(corpus, store)
        worker_args = [
            "worker", "--store", str(store), "--once", "--chunker", chunker,
            "--layout", layout, "--max-concurrent", "1", "--json",
        ]
        result = _run_child(worker_args)
        run.peak_rss_bytes = result.peak_rss_bytes
        run.wall_seconds = result.wall_seconds
        if result.returncode != 0:
            run.error = f"gravity worker exited with {result.returncode}: {result.stderr_tail}"
            return run
        try:
            run.worker = _last_json_line(result.stdout)
        except ValueError as exc:
            run.error = f"gravity worker output is not the expected JSON: {exc}"
            return run

        result = _run_child(["inspect", "--store", str(store), "--json"])
        if result.returncode != 0:
            run.error = f"gravity inspect exited with {result.returncode}: {result.stderr_tail}"
            return run
        try:
            run.inspect = orjson.loads(result.stdout)
        except orjson.JSONDecodeError as exc:
            run.error = f"gravity inspect output is not JSON: {exc}"
            return run
    if run.inspect.get("files_failed"):
        run.error = f"{run.inspect['files_failed']} raw files were set aside"
    return run


@dataclass
class _ChildResult:
    returncode: int
    stdout: bytes
    stderr_tail: str
    peak_rss_bytes: int
    wall_seconds: float


# Linux keeps a process's peak RSS across fork and exec, so a worker started straight from
# this process, which holds the whole corpus in memory, would report this peak as its own.
# A small launcher starts the worker instead, and writes the worker's ru_maxrss to a file.
_LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(process.pid, 0)
with open(sys.argv[1], "w") as out:
    out.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status))
"""


def _run_child(args: list[str]) -> _ChildResult:
    # The worker inherits this process's CPU affinity, so pinning the benchmark pins it.
    env = {**os.environ, "MAX_CONCURRENT": "1"}
    with tempfile.TemporaryFile() as stderr, tempfile.NamedTemporaryFile("r") as usage_file:
        command = [sys.executable, "-c", _LAUNCHER, usage_file.name, *gravity_command(), *args]
        started = time.monotonic()
        result = subprocess.run(command, stdout=subprocess.PIPE, stderr=stderr, env=env, check=False)
        wall_seconds = time.monotonic() - started
        stderr.seek(0)
        stderr_tail = stderr.read().decode(errors="replace").strip()[-2000:]
        max_rss_kib = int(usage_file.read() or 0)
    # ru_maxrss is in KiB on Linux.
    return _ChildResult(result.returncode, result.stdout, stderr_tail, max_rss_kib * 1024, wall_seconds)


def _last_json_line(stdout: bytes) -> dict[str, Any]:
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ValueError("gravity worker printed nothing on stdout; expected one JSON object")
    value = orjson.loads(lines[-1])
    if not isinstance(value, dict):
        raise ValueError(f"gravity worker printed {lines[-1][:200]!r}; expected one JSON object")
    return value

"""Compare Gravity's stored bytes, S3 bill and speed with gzip, zstd and xz on one corpus.

    .venv/bin/python benchmarks/run.py CORPUS_DIR [--chunkers a,b] [--layouts packed,loose]
                                        [--out FILE.md]

CORPUS_DIR contains Collector files (``*.json.gz`` or ``*.json``), directly or under
``raw-spans/``. The report goes to stdout, and to ``--out`` when given; progress goes to
stderr. See benchmarks/README.md for what each column measures.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import gravity
from gravity.content.chunkers import chunker_names

from baselines import Corpus, load_corpus, xz_stream, zstd_long_stream
from gravity_runs import run_gravity
from report import baseline_rows, gravity_row, render

LAYOUTS = ("packed", "loose")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Measure Gravity against gzip, zstd and xz on a corpus of Collector files.",
        epilog="Runs every chunker and layout by default, which takes tens of minutes on the "
        "243 MB dev corpus: the zstd -19 and xz -9 baselines alone take several minutes.",
    )
    parser.add_argument("corpus", type=Path, metavar="CORPUS_DIR", help="folder of Collector files")
    parser.add_argument(
        "--chunkers", default=",".join(chunker_names()),
        help="comma-separated chunker names (default: all registered: %(default)s)",
    )
    parser.add_argument(
        "--layouts", default=",".join(LAYOUTS), help="comma-separated layouts (default: %(default)s)"
    )
    parser.add_argument("--out", type=Path, metavar="FILE.md", help="also write the report to this file")
    parser.add_argument(
        "--core", type=int, default=0,
        help="CPU core that the benchmark and every worker run on (default: %(default)s)",
    )
    parser.add_argument("--no-pin", action="store_true", help="do not pin to one core")
    parser.add_argument(
        "--skip-streams", action="store_true",
        help="leave out the zstd -19 and xz -9 baselines, which take minutes on large corpora",
    )
    parser.add_argument(
        "--work-dir", type=Path, metavar="DIR",
        help="folder for the temporary stores (default: the system's temporary folder)",
    )
    args = parser.parse_args(argv)

    args.chunkers = _split(args.chunkers)
    unknown = sorted(set(args.chunkers) - set(chunker_names()))
    if unknown:
        parser.error(f"unknown chunker {', '.join(unknown)}; expected some of: {', '.join(chunker_names())}")
    args.layouts = _split(args.layouts)
    unknown = sorted(set(args.layouts) - set(LAYOUTS))
    if unknown:
        parser.error(f"unknown layout {', '.join(unknown)}; expected some of: {', '.join(LAYOUTS)}")
    if not args.corpus.is_dir():
        parser.error(f"corpus folder not found: {args.corpus}")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    pinned = _pin(args.core) if not args.no_pin else None
    load_before = os.getloadavg()

    progress(f"reading {args.corpus}")
    corpus = load_corpus(args.corpus)
    progress(
        f"{len(corpus.files)} files, {corpus.spans:,} spans, {corpus.llm_calls:,} LLM calls, "
        f"{corpus.raw_json_bytes / 1e6:,.1f} MB of OTLP JSON"
    )

    zstd = xz = None
    if not args.skip_streams:
        progress("zstd -19 --long=31 over the whole corpus")
        zstd = zstd_long_stream(corpus)
        progress("xz -9 over the whole corpus")
        xz = xz_stream(corpus)

    runs = []
    for chunker in args.chunkers:
        for layout in args.layouts:
            progress(f"gravity worker --chunker {chunker} --layout {layout}")
            run = run_gravity(corpus, chunker, layout, args.work_dir)
            if run.error:
                progress(f"  {run.error}")
            runs.append(run)

    rows = baseline_rows(corpus, zstd, xz) + [gravity_row(run) for run in runs]
    header = _header_lines(args, corpus, pinned, load_before)
    text = render(corpus, rows, runs, header)
    print(text)
    if args.out:
        args.out.write_text(text + "\n")
        progress(f"report written to {args.out}")
    return 1 if any(run.error for run in runs) else 0


def progress(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


def _pin(core: int) -> int | None:
    # Children inherit the affinity, so the workers run on this core too, one file at a time.
    if not hasattr(os, "sched_setaffinity"):
        progress("this platform cannot pin a process to a core; running unpinned")
        return None
    os.sched_setaffinity(0, {core})
    return core


def _header_lines(
    args: argparse.Namespace, corpus: Corpus, pinned: int | None, load_before: tuple[float, float, float]
) -> list[str]:
    return [
        f"- Corpus: `{args.corpus}`: {len(corpus.files)} files, {corpus.spans:,} spans, "
        f"{corpus.llm_calls:,} LLM calls, {corpus.raw_json_bytes / 1e6:,.1f} MB of OTLP JSON.",
        f"- Machine: {_cpu_model()}, {os.cpu_count()} cores; Python {platform.python_version()}; "
        + (f"everything pinned to core {pinned}" if pinned is not None else "not pinned")
        + "; workers run with MAX_CONCURRENT=1.",
        f"- Load average when the run started: {load_before[0]:.2f} (other processes on the "
        "machine slow the speed columns, not the byte columns).",
        f"- Gravity {_gravity_version()}, run {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC.",
        "- Worker speed: raw JSON bytes over the seconds of the whole `gravity worker` process, "
        "from start-up to exit.",
    ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _gravity_version() -> str:
    """Name the commit of the gravity package that the workers import, and say if it is dirty."""
    # src/gravity/__init__.py, so the checkout is two folders up from the package.
    checkout = Path(gravity.__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        changes = subprocess.run(
            ["git", "-C", str(checkout), "status", "--porcelain", "--", "src"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return f"from {checkout} (not a git checkout)"
    dirty = ", with uncommitted changes in src/" if changes else ""
    return f"commit {commit} in {checkout}{dirty}"


if __name__ == "__main__":
    sys.exit(main())

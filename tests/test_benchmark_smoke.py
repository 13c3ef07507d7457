"""The benchmark harness, run as a user runs it: on a few corpus files, and on all of them."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import CORPUS, REPO, require_shared

RUN = REPO / "benchmarks" / "run.py"
BASELINE_ROWS = [
    "raw OTLP JSON",
    "Collector gzip files",
    "zstd -19 --long=31, one stream",
    "xz -9, one stream",
]


def run_benchmark(corpus: Path, out: Path, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(RUN), str(corpus), "--out", str(out), *options],
        capture_output=True, text=True, timeout=1800,
    )


def table_rows(report: str, heading: str) -> dict[str, list[str]]:
    """Cells of each row of the Markdown table under ``heading``, keyed by the first cell."""
    lines = report.split(f"## {heading}\n", 1)[1].split("\n## ", 1)[0].splitlines()
    rows = {}
    for line in lines:
        if line.startswith("| ") and not line.startswith("|---"):
            cells = [cell.strip() for cell in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def number(cell: str) -> float:
    return float(cell.split(" ")[0].lstrip("$").rstrip("×%").replace(",", ""))


@pytest.fixture
def small_corpus(tmp_path: Path) -> Path:
    """The three smallest corpus files, in the Collector's folder layout."""
    require_shared()
    paths = sorted(CORPUS.glob("*/*/*.json.gz"), key=lambda path: path.stat().st_size)[:3]
    for path in paths:
        target = tmp_path / "corpus" / "raw-spans" / path.relative_to(CORPUS)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    return tmp_path / "corpus"


def test_small_corpus_report(small_corpus, tmp_path):
    out = tmp_path / "report.md"
    result = run_benchmark(small_corpus, out, "--chunkers", "cdc,message", "--layouts", "packed,loose")
    assert result.returncode == 0, result.stderr[-3000:]

    report = out.read_text()
    assert report.strip() == result.stdout.strip()
    rows = table_rows(report, "Bytes, objects, cost and speed")
    gravity_rows = [f"gravity {chunker}, {layout}" for chunker in ("cdc", "message") for layout in ("packed", "loose")]
    assert list(rows) == ["", *BASELINE_ROWS, *gravity_rows]

    # Columns: stored MB, ratio, objects, PUTs, $ per month, MB/s, speed / orjson,
    # pass alone / orjson, peak RSS.
    raw_json_bytes = sum(len(gzip.decompress(path.read_bytes())) for path in small_corpus.rglob("*.gz"))
    assert number(rows["raw OTLP JSON"][0]) == pytest.approx(raw_json_bytes / 1e6, abs=0.01)
    raw_mb = number(rows["raw OTLP JSON"][0])
    gzip_mb = number(rows["Collector gzip files"][0])
    assert gzip_mb < raw_mb / 4
    assert number(rows["zstd -19 --long=31, one stream"][0]) < gzip_mb
    assert number(rows["xz -9, one stream"][0]) < gzip_mb
    assert number(rows["raw OTLP JSON"][5]) > 10  # orjson.loads parses more than 10 MB/s

    for label in gravity_rows:
        stored_mb, ratio, objects, puts, dollars, speed, relative, pass_relative, rss = rows[label]
        assert 0 < number(stored_mb) < raw_mb, label
        assert number(ratio) > 1, label
        assert number(objects) >= 3, label
        assert number(puts) >= number(objects), label
        assert number(dollars) > 0, label
        assert number(speed) > 0, label
        assert 0 < number(relative) < 100, label
        assert number(relative) < number(pass_relative) < 100, label
        assert 30 < number(rss) < 4000, label

    # One loose object per stored chunk against a few packs per file.
    assert number(rows["gravity cdc, loose"][2]) > 5 * number(rows["gravity cdc, packed"][2])
    detail = table_rows(report, "Where Gravity's bytes go")
    assert set(gravity_rows) <= set(detail)
    assert all(cells[8] == "0" for label, cells in detail.items() if label)


def test_unknown_chunker_rejected(small_corpus, tmp_path):
    result = run_benchmark(small_corpus, tmp_path / "report.md", "--chunkers", "cdc,zip")

    assert result.returncode == 2
    assert "unknown chunker zip" in result.stderr


@pytest.mark.benchmark
def test_dev_corpus_benchmark(request, tmp_path):
    # The full run: every chunker and layout over the dev corpus, tens of minutes. A `-m`
    # on the command line replaces the `-m 'not benchmark'` in pyproject's addopts, so
    # `pytest -m "not slow"` would select this test too: it runs only when asked by name.
    if not re.search(r"(?<!not )\bbenchmark\b", request.config.getoption("markexpr")):
        pytest.skip('the full benchmark runs only with -m benchmark')
    require_shared()
    out = tmp_path / "dev-corpus.md"
    result = run_benchmark(CORPUS, out)
    print(result.stdout)
    assert result.returncode == 0, result.stderr[-3000:]

    rows = table_rows(out.read_text(), "Bytes, objects, cost and speed")
    gzip_mb = number(rows["Collector gzip files"][0])
    assert number(rows["gravity cdc, packed"][0]) < gzip_mb

"""The benchmark's Markdown report: one row per way of storing the corpus, side by side."""

from __future__ import annotations

from dataclasses import dataclass

from baselines import Corpus, StreamResult
from gravity_runs import GravityRun

# The S3 Standard prices this benchmark assumes: storage per GB-month, requests per 1,000.
# A GB is taken as 2^30 bytes.
STORAGE_USD_PER_GB_MONTH = 0.023
PUT_USD_PER_1000 = 0.005
GET_USD_PER_1000 = 0.0004
BYTES_PER_GB = 1024**3
CALLS_PER_BILL = 1_000_000

ASSUMPTIONS = f"""\
How the monthly bill is estimated, per {CALLS_PER_BILL:,} LLM calls:

- The corpus's figures scale linearly with the number of LLM calls in it.
- Storage: the stored bytes kept for one month at ${STORAGE_USD_PER_GB_MONTH} per GB-month
  (S3 Standard, GB = 2^30 bytes). Each later month of retention adds the same again.
- PUTs: every object written once, at ${PUT_USD_PER_1000} per 1,000. For the Collector's
  files that is one PUT per file. For a one-stream compressor it is a single PUT, although
  such a stream has no random access and could not be appended to. For Gravity it is the
  PUTs that `gravity worker` reports, which include index rows and state markers.
- GETs: every stored object read once in the month (one full scan, for example by a query
  engine), at ${GET_USD_PER_1000} per 1,000. Reads of single traces add ranged GETs that
  depend on use and are left out.
- Gravity rows count what Gravity writes (packs or loose blobs, index, dictionaries,
  state). The Collector's files under raw-spans/ live on until they expire (30 days by
  default), and the "Collector gzip files" row is their cost while they do.
- Prices leave out request bursts, lifecycle transitions, data transfer and taxes.
"""


@dataclass
class Cost:
    storage: float
    puts: float
    gets: float

    @property
    def total(self) -> float:
        return self.storage + self.puts + self.gets


@dataclass
class Row:
    label: str
    stored_bytes: int | None
    objects: int | None
    puts: int | None
    speed_mb_per_s: float | None = None  # MB of raw JSON per second
    speed_note: str = ""
    pass_speed_mb_per_s: float | None = None  # the worker's pass over the files alone
    peak_rss_bytes: int | None = None
    note: str = ""


def monthly_cost(row: Row, llm_calls: int) -> Cost | None:
    """Estimate the S3 bill for one month per million LLM calls (see ASSUMPTIONS)."""
    if row.stored_bytes is None or row.objects is None or row.puts is None or llm_calls == 0:
        return None
    scale = CALLS_PER_BILL / llm_calls
    return Cost(
        storage=row.stored_bytes * scale / BYTES_PER_GB * STORAGE_USD_PER_GB_MONTH,
        puts=row.puts * scale / 1000 * PUT_USD_PER_1000,
        gets=row.objects * scale / 1000 * GET_USD_PER_1000,
    )


def baseline_rows(corpus: Corpus, zstd: StreamResult | None, xz: StreamResult | None) -> list[Row]:
    files = len(corpus.files)
    raw_mb = corpus.raw_json_bytes / 1e6
    rows = [
        Row(
            "raw OTLP JSON", corpus.raw_json_bytes, files, files,
            speed_mb_per_s=_rate(raw_mb, corpus.parse_seconds), speed_note="orjson.loads",
        ),
        Row("Collector gzip files", corpus.stored_file_bytes, files, files),
    ]
    for label, result in (("zstd -19 --long=31, one stream", zstd), ("xz -9, one stream", xz)):
        if result is None:
            rows.append(Row(label, None, None, None, note="skipped (--skip-streams)"))
        else:
            rows.append(
                Row(
                    label, result.compressed_bytes, 1, 1,
                    speed_mb_per_s=_rate(raw_mb, result.seconds), speed_note="compression",
                )
            )
    return rows


def gravity_row(run: GravityRun) -> Row:
    if run.error is not None and not run.inspect:
        return Row(run.label, None, None, None, peak_rss_bytes=run.peak_rss_bytes or None, note=run.error)
    worker = run.worker
    # The whole `gravity worker` process: start-up, the pass over the files, and whatever
    # the command does after the pass (compaction, dictionary training). The pass alone is
    # what a long-running worker does per raw file; compaction runs every 10 minutes.
    return Row(
        run.label,
        stored_bytes=run.inspect["stored_bytes"]["total"],
        objects=run.inspect["objects"],
        puts=worker.get("puts"),
        speed_mb_per_s=_rate(worker.get("raw_json_bytes", 0) / 1e6, run.wall_seconds),
        speed_note="worker",
        pass_speed_mb_per_s=_rate(worker.get("raw_json_bytes", 0) / 1e6, worker.get("seconds") or 0),
        peak_rss_bytes=run.peak_rss_bytes,
        note=run.error or "",
    )


def render(
    corpus: Corpus, rows: list[Row], runs: list[GravityRun], header_lines: list[str]
) -> str:
    """Return the whole report as Markdown."""
    orjson_speed = rows[0].speed_mb_per_s
    raw_bytes = corpus.raw_json_bytes
    lines = ["# Gravity storage benchmark", "", *header_lines, ""]

    lines += [
        "## Bytes, objects, cost and speed",
        "",
        "| | stored MB | raw JSON / stored | objects | PUTs "
        f"| $ per month per {CALLS_PER_BILL:,} LLM calls | MB/s of raw JSON "
        "| speed / orjson.loads | pass alone / orjson.loads | peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        cost = monthly_cost(row, corpus.llm_calls)
        speed = "—"
        if row.speed_mb_per_s is not None:
            speed = f"{row.speed_mb_per_s:,.1f} ({row.speed_note})"
        relative_speed = pass_speed = "—"
        if row.speed_note == "worker" and row.speed_mb_per_s and orjson_speed:
            relative_speed = f"{row.speed_mb_per_s / orjson_speed:.1%}"
        if row.pass_speed_mb_per_s and orjson_speed:
            pass_speed = f"{row.pass_speed_mb_per_s / orjson_speed:.1%}"
        label = row.label if not row.note else f"{row.label} ({row.note})"
        lines.append(
            f"| {label} | {_mb(row.stored_bytes)} | {_ratio(raw_bytes, row.stored_bytes)} "
            f"| {_count(row.objects)} | {_count(row.puts)} "
            f"| {_usd(cost.total) if cost else '—'} | {speed} | {relative_speed} | {pass_speed} "
            f"| {_mb(row.peak_rss_bytes)} |"
        )

    lines += [
        "",
        f"## Monthly bill per {CALLS_PER_BILL:,} LLM calls, by charge",
        "",
        "| | storage $ | PUT $ | GET $ | total $ |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in rows:
        cost = monthly_cost(row, corpus.llm_calls)
        if cost is None:
            lines.append(f"| {row.label} | — | — | — | — |")
        else:
            lines.append(
                f"| {row.label} | {_usd(cost.storage)} | {_usd(cost.puts)} "
                f"| {_usd(cost.gets)} | {_usd(cost.total)} |"
            )

    lines += ["", "## Where Gravity's bytes go", ""]
    lines += [
        "| | packs MB | loose blobs MB | index MB | dicts MB | state MB | chunks referenced "
        "| chunks stored | spans | files set aside | pass s | process s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        stored = run.inspect.get("stored_bytes", {})
        lines.append(
            f"| {run.label} | {_mb(stored.get('packs'))} | {_mb(stored.get('blobs'))} "
            f"| {_mb(stored.get('index'))} | {_mb(stored.get('dicts'))} | {_mb(stored.get('state'))} "
            f"| {_count(run.inspect.get('chunks_referenced'))} | {_count(run.inspect.get('chunks_stored'))} "
            f"| {_count(run.worker.get('spans'))} | {_count(run.inspect.get('files_failed'))} "
            f"| {_seconds(run.worker.get('seconds'))} | {_seconds(run.wall_seconds or None)} |"
        )

    lines += ["", "## Assumptions", "", ASSUMPTIONS]
    return "\n".join(lines)


def _rate(megabytes: float, seconds: float) -> float | None:
    return megabytes / seconds if seconds > 0 else None


def _mb(value: int | None) -> str:
    return "—" if value is None else f"{value / 1e6:,.2f}"


def _ratio(raw_bytes: int, stored: int | None) -> str:
    return "—" if not stored else f"{raw_bytes / stored:,.1f}×"


def _count(value: int | None) -> str:
    return "—" if value is None else f"{value:,}"


def _usd(value: float) -> str:
    return f"${value:,.4f}" if value < 1 else f"${value:,.2f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}"

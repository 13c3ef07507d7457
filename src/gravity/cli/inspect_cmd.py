"""``gravity inspect``: what came in, what is stored, and the compression ratios."""

from __future__ import annotations

import click
import orjson

from gravity.cli.options import json_option, store_option
from gravity.inspect_stats import inspect_store
from gravity.store import open_store


def _mb(value: int) -> str:
    return f"{value / 1e6:,.2f} MB"


@click.command("inspect")
@store_option
@json_option
def command(store_location: str | None, as_json: bool) -> None:
    """Report raw bytes seen, bytes stored by kind, ratios, chunks and files."""
    store = open_store(store_location, create=False)
    report = inspect_store(store).as_dict()
    if as_json:
        click.echo(orjson.dumps(report, option=orjson.OPT_INDENT_2).decode())
        return

    stored = report["stored_bytes"]
    lines = [
        f"store                 {store.url}",
        f"files processed       {report['files_processed']}  (set aside: {report['files_failed']})",
        f"records               {report['records']:,}",
        f"raw OTLP JSON         {_mb(report['raw_json_bytes'])}",
        f"raw files as stored   {_mb(report['raw_file_bytes'])}",
        "stored by Gravity:",
        f"  packs               {_mb(stored['packs'])}",
        f"  loose blobs         {_mb(stored['blobs'])}",
        f"  index (Parquet)     {_mb(stored['index'])}",
        f"  dictionaries        {_mb(stored['dicts'])}",
        f"  state               {_mb(stored['state'])}",
        f"  total               {_mb(stored['total'])}  in {report['objects']:,} objects",
    ]
    if report["ratio_raw_json"]:
        lines.append(f"ratio raw JSON / Gravity    {report['ratio_raw_json']:.1f}x")
        lines.append(f"ratio raw files / Gravity   {report['ratio_raw_files']:.1f}x")
    lines.append(f"chunks referenced     {report['chunks_referenced']:,}")
    lines.append(f"chunks stored         {report['chunks_stored']:,}")
    for failure in report["failures"]:
        lines.append(f"set aside: {failure['raw_key']}: {failure['reason']}")
    click.echo("\n".join(lines))
    if report["files_processed"] == 0 and report["stored_bytes"]["raw"] > 0:
        click.echo("raw files wait under raw-spans/ or raw-logs/; 'gravity worker --once' processes them",
                   err=True)
    if report["objects"] == 0 and report["stored_bytes"]["raw"] == 0:
        click.echo(f"{store.url} holds no Gravity data and no raw files; check --store, or copy "
                   "Collector files under its raw-spans/ and run 'gravity worker --once'", err=True)

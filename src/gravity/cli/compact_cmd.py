"""``gravity compact``: merge small packs and index files into large, well-compressed ones."""

from __future__ import annotations

import click
import orjson

from gravity.cli.options import json_option, store_option
from gravity.compaction import compact_store
from gravity.store import open_store


@click.command("compact")
@store_option
@json_option
def command(store_location: str | None, as_json: bool) -> None:
    """Rewrite each tenant's small packs into large packs (32 MiB blocks, zstd 19) and each
    day's index files into one sorted Parquet file.

    The worker runs this after a --once pass; run it by hand after a large import. Safe to
    run beside workers: nothing is deleted before its copy is durable.
    """
    result = compact_store(open_store(store_location, create=False))
    if as_json:
        click.echo(orjson.dumps(result).decode())
    else:
        click.echo(
            f"{result['packs_replaced']} packs merged into {result['packs_written']}; "
            f"{result['index_files_merged']} index files merged"
        )

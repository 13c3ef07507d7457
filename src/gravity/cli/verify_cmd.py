"""``gravity verify``: read back every chunk and every reference of the store."""

from __future__ import annotations

import sys

import click

from gravity.cli.options import store_option
from gravity.store import open_store
from gravity.verify import verify_store


@click.command("verify")
@store_option
def command(store_location: str | None) -> None:
    """Check every chunk against its hash and every index reference against the packs.

    Reads the whole store; exits with 1 when anything is damaged or missing.
    """
    report = verify_store(open_store(store_location, create=False))
    for problem in report.problems:
        click.echo(problem)
    click.echo(
        f"{report.packs} packs, {report.blobs} loose blobs, {report.chunks} chunks, "
        f"{report.references} references checked; {len(report.problems)} problems"
    )
    sys.exit(1 if report.problems else 0)

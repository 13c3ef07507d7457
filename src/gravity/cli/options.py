"""Options shared by several commands, spelled the same everywhere."""

from __future__ import annotations

import click

store_option = click.option(
    "--store",
    "store_location",
    envvar="GRAVITY_STORE",
    default=None,
    metavar="DIR|s3://BUCKET[/PREFIX]",
    help="Where Gravity keeps its data: a directory or an S3 bucket. "
    "Default: $GRAVITY_STORE, else s3://$S3_BUCKET when S3_BUCKET is set, else ./gravity-data.",
)

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts instead of text.")

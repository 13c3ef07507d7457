"""``gravity dict``: zstd dictionaries for the small blocks of fresh packs."""

from __future__ import annotations

import click

from gravity.cli.options import store_option
from gravity.content.chunk_store import content_tenants
from gravity.content.dictionaries import train_dictionary
from gravity.store import open_store


@click.group("dict")
def command() -> None:
    """Manage per-tenant zstd dictionaries (trained automatically past 256 MB of content)."""


@command.command("train")
@store_option
@click.option("--tenant", "tenants", multiple=True, help="Train for this tenant (org_id); default: every tenant.")
def train(store_location: str | None, tenants: tuple[str, ...]) -> None:
    """Train a new dictionary from each tenant's stored chunks.

    New packs use the newest dictionary; data written with older ones stays readable because
    dictionaries are never deleted.
    """
    store = open_store(store_location, create=False)
    names = tenants or tuple(content_tenants(store, ["packed"]))
    if not names:
        raise click.ClickException(f"no content in {store.url} yet; run 'gravity worker --once' first")
    for tenant in names:
        dict_id = train_dictionary(store, tenant)
        if dict_id is None:
            click.echo(f"{tenant}: not enough content yet for a dictionary (1 MiB of unique chunks)")
        else:
            click.echo(f"{tenant}: dictionary {dict_id}")

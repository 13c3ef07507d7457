"""zstd dictionaries per tenant.

A dictionary is stored once under ``dicts/{tenant}/{dict_id}.zdict`` and never deleted, and
each block records the id of the dictionary it was compressed with, so old data stays
readable after newer dictionaries are trained.
"""

from __future__ import annotations

import zstandard

from gravity.content.ids import tenant_prefix
from gravity.errors import ObjectNotFound, StoreError
from gravity.store.base import ObjectStore


def dictionary_prefix(tenant: str) -> str:
    return f"dicts/{tenant_prefix(tenant)}/"


def load_dictionary(store: ObjectStore, tenant: str, dict_id: int) -> zstandard.ZstdCompressionDict:
    key = f"{dictionary_prefix(tenant)}{dict_id}.zdict"
    try:
        return zstandard.ZstdCompressionDict(store.get(key))
    except ObjectNotFound:
        raise StoreError(
            f"zstd dictionary {dict_id} of tenant {tenant!r} is missing ({key}); blocks compressed "
            "with it cannot be read. Restore the dictionary from a backup of the store."
        ) from None


def current_dictionary(store: ObjectStore, tenant: str) -> zstandard.ZstdCompressionDict | None:
    """Return the newest dictionary of a tenant, or None when none was trained yet."""
    # NOTE: dictionaries are not trained yet; every block is compressed without one.
    return None

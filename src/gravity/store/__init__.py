"""Object stores: a local directory (the default) or an S3-compatible bucket."""

from __future__ import annotations

import os
from collections.abc import Mapping

from gravity.errors import ConfigError
from gravity.store.base import ObjectInfo, ObjectStore
from gravity.store.local import LocalStore

__all__ = ["DEFAULT_STORE", "LocalStore", "ObjectInfo", "ObjectStore", "open_store"]

DEFAULT_STORE = "./gravity-data"


def open_store(
    location: str | None = None, environ: Mapping[str, str] | None = None, *, create: bool = True
) -> ObjectStore:
    """Open the store named by ``location``, else by the environment.

    ``location`` is a directory or ``s3://bucket[/prefix]``. Without it, ``GRAVITY_STORE`` is
    read, then ``S3_BUCKET`` (with ``S3_REGION``, ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``
    and ``AWS_SECRET_ACCESS_KEY``); the fallback is ``./gravity-data``. With ``create`` false,
    a local directory that does not exist is an error instead of a new, empty store.
    """
    env = os.environ if environ is None else environ
    location = location or env.get("GRAVITY_STORE")
    if not location and env.get("S3_BUCKET"):
        location = "s3://" + env["S3_BUCKET"]
    location = location or DEFAULT_STORE

    if not location.startswith("s3://"):
        if location.lower().startswith("s3:") or "://" in location:
            raise ConfigError(f"invalid store {location!r}: expected a directory or s3://bucket[/prefix]")
        if os.path.exists(location) and not os.path.isdir(location):
            raise ConfigError(f"store {location} is a file, not a directory; pass --store (or set "
                              "GRAVITY_STORE) to the directory that holds the store")
        if not create and not os.path.isdir(location):
            raise ConfigError(
                f"store directory {location} does not exist; pass --store (or set GRAVITY_STORE) "
                "to the directory that 'gravity worker' or 'gravity serve' writes"
            )
        return LocalStore(location)

    from gravity.store.s3 import S3Store

    bucket, _, prefix = location[len("s3://") :].partition("/")
    if not bucket:
        raise ConfigError(f"invalid store {location!r}: expected s3://bucket[/prefix]")
    return S3Store(
        bucket,
        prefix,
        region=env.get("S3_REGION") or env.get("AWS_REGION") or "us-east-1",
        endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
        access_key_id=env.get("AWS_ACCESS_KEY_ID") or None,
        secret_access_key=env.get("AWS_SECRET_ACCESS_KEY") or None,
    )

"""Claims: which worker processes which raw file.

A claim is a put-if-absent of ``state/claims/{raw_key}``, so of two workers (on any number
of machines) only one gets it. A claim older than ``CLAIM_TTL_SECONDS`` belongs to a worker
that died; it is deleted and may be taken again.
"""

from __future__ import annotations

import os
import socket
import time

import orjson

from gravity.catalog import CLAIMS
from gravity.errors import ObjectNotFound
from gravity.store.base import ObjectStore

# Longer than any one file takes to process (seconds per file on the dev corpus).
CLAIM_TTL_SECONDS = 600.0

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def try_claim(store: ObjectStore, raw_key: str) -> bool:
    key = CLAIMS + raw_key
    body = orjson.dumps({"worker": WORKER_ID, "at": time.time()})
    if store.put_if_absent(key, body):
        return True
    try:
        claim = orjson.loads(store.get(key))
    except ObjectNotFound:
        return store.put_if_absent(key, body)  # released between our two calls
    if time.time() - float(claim.get("at", 0)) > CLAIM_TTL_SECONDS:
        store.delete(key)
        return store.put_if_absent(key, body)
    return False


def release(store: ObjectStore, raw_key: str) -> None:
    store.delete(CLAIMS + raw_key)

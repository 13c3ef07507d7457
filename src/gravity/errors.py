"""Gravity's error catalog.

Every error that reaches the command line is a ``GravityError`` with its own exit code.
Bugs stay ordinary Python exceptions, so no handler meant for bad input swallows them.

    GravityError                      exit 2
    ├── ConfigError                   exit 2   a setting or argument is invalid
    ├── StoreError                    exit 3   the object store failed (I/O, S3)
    │   └── ObjectNotFound            exit 3   a key that should exist is missing
    ├── RawFileError                  exit 4   a raw OTLP file cannot be read
    ├── CorruptChunk                  exit 5   stored bytes do not match their hash
    └── TraceNotFound                 exit 6   no span of that trace id is stored
"""

from __future__ import annotations


class GravityError(Exception):
    exit_code = 2


class ConfigError(GravityError):
    exit_code = 2


class StoreError(GravityError):
    exit_code = 3


class ObjectNotFound(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"object not found in the store: {key}")
        self.key = key


class RawFileError(GravityError):
    """A raw file is not valid OTLP; the message names the file and the problem."""

    exit_code = 4

    def __init__(self, key: str, reason: str) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason


class CorruptChunk(GravityError):
    exit_code = 5

    def __init__(self, chunk_hash: str, pack_key: str, detail: str) -> None:
        super().__init__(
            f"chunk {chunk_hash} in {pack_key} is corrupt: {detail}. "
            "Run 'gravity verify' to list every damaged chunk."
        )
        self.chunk_hash = chunk_hash
        self.pack_key = pack_key


class TraceNotFound(GravityError):
    exit_code = 6

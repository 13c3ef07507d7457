"""API keys of the receiver, each naming the tenant (org_id) whose data it may send.

Keys come from a file or from ``GRAVITY_API_KEYS``, in either of two forms:

- a JSON object, ``{"KEY": "ORG", ...}``;
- lines of ``KEY=ORG``, with blank lines and ``#`` comments ignored; in the environment
  variable, commas may stand for line breaks.

A client sends its key as ``Authorization: Bearer KEY`` or ``x-gravity-api-key: KEY`` (HTTP
headers or gRPC metadata). Without any key configured, the receiver is open and every
request belongs to the default tenant.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path

import orjson

from gravity.errors import ConfigError

API_KEY_HEADER = "x-gravity-api-key"

# An org becomes a path component of raw files (raw-spans/{org}/...), so it must not contain
# '/' or '=' (which marks a partition) and must not start with '.'.
_ORG_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")


class Unauthenticated(Exception):
    """The request has no API key, or one that is not configured."""


class ApiKeys:
    """A map from API key to org. Keys are kept only as SHA-256 digests."""

    def __init__(self, orgs_by_key: Mapping[str, str] | None = None) -> None:
        self._orgs: dict[bytes, str] = {}
        for key, org in (orgs_by_key or {}).items():
            if not key:
                raise ConfigError("invalid API key configuration: an API key is empty")
            if not _ORG_PATTERN.fullmatch(org):
                raise ConfigError(
                    f"invalid org {org!r} for an API key: use 1 to 128 letters, digits, "
                    "'.', '_' or '-', starting with a letter or digit"
                )
            self._orgs[_digest(key)] = org

    @property
    def enabled(self) -> bool:
        return bool(self._orgs)

    def __len__(self) -> int:
        return len(self._orgs)

    @classmethod
    def parse(cls, text: str, source: str) -> ApiKeys:
        """Read keys in either form described in the module docstring; ``source`` names
        the file or variable in error messages."""
        stripped = text.strip()
        if stripped.startswith("{"):
            try:
                mapping = orjson.loads(stripped)
            except orjson.JSONDecodeError as exc:
                raise ConfigError(f"invalid JSON in {source}: {exc}") from None
            if not all(isinstance(v, str) for v in mapping.values()):
                raise ConfigError(f"invalid {source}: every value must be an org name string")
            return cls(mapping)

        mapping = {}
        for number, line in enumerate(stripped.replace(",", "\n").splitlines(), start=1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, separator, org = line.partition("=")
            if not separator:
                raise ConfigError(
                    f"invalid entry {number} in {source}: expected KEY=ORG, got a line "
                    f"of {len(line)} characters without '='"
                )
            mapping[key.strip()] = org.strip()
        return cls(mapping)

    @classmethod
    def from_file(cls, path: str | Path) -> ApiKeys:
        try:
            text = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot read the API keys file {path}: {exc}") from None
        return cls.parse(text, str(path))

    def org_for(self, presented: str | None) -> str | None:
        """Return the org of ``presented``; None when no keys are configured (open receiver).

        Raises Unauthenticated when keys are configured and ``presented`` is missing or not
        one of them.
        """
        if not self._orgs:
            return None
        if not presented:
            raise Unauthenticated(
                "missing API key: send 'Authorization: Bearer KEY' or 'x-gravity-api-key: KEY'"
            )
        org = self._orgs.get(_digest(presented))
        if org is None:
            raise Unauthenticated("invalid API key: it is not configured on this receiver")
        return org


def key_from_headers(headers: Mapping[str, str]) -> str | None:
    """Return the API key in ``headers`` (lower-case names), or None."""
    key = headers.get(API_KEY_HEADER)
    if key:
        return key.strip()
    authorization = headers.get("authorization", "")
    scheme, _, credentials = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None


def _digest(key: str) -> bytes:
    # Looking keys up by digest keeps plain keys out of memory dumps and makes the lookup
    # time independent of how many leading characters of a guess are right.
    return hashlib.sha256(key.encode("utf-8")).digest()

"""Keys of raw OTLP files, in the layout of the OpenTelemetry Collector's ``awss3`` exporter.

    raw-spans/[{org}/]dt=YYYY-MM-DD/hour=HH/<file_prefix>traces_<unique>.json[.gz]
    raw-logs/[{org}/]dt=YYYY-MM-DD/hour=HH/<file_prefix>logs_<unique>.binpb[.gz]

The exporter's other partition formats (``year=%Y/month=%m/...``) and files without any
partition are read too: every path component that contains ``=`` counts as a partition.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timezone

RAW_PREFIXES = ("raw-spans/", "raw-logs/")
SIGNAL_PREFIX = {"traces": "raw-spans/", "logs": "raw-logs/"}


@dataclass(frozen=True)
class RawKey:
    key: str
    org: str | None
    signal: str  # "traces" or "logs"
    marshaler: str  # "otlp_json" or "otlp_proto", from the suffix


def parse_raw_key(key: str) -> RawKey:
    """Read the org prefix, signal and marshaler from a raw file's key."""
    root, _, rest = key.partition("/")
    parts = rest.split("/")
    directories, name = parts[:-1], parts[-1]

    org = None
    if directories and "=" not in directories[0]:
        org = directories[0]

    bare = name[:-3] if name.endswith(".gz") else name
    bare = bare[:-4] if bare.endswith(".zst") else bare
    marshaler = "otlp_proto" if bare.endswith((".binpb", ".pb", ".proto")) else "otlp_json"

    if "logs_" in name:
        signal = "logs"
    elif "traces_" in name:
        signal = "traces"
    else:
        signal = "logs" if root == "raw-logs" else "traces"
    return RawKey(key, org, signal, marshaler)


def new_raw_key(
    signal: str,
    *,
    org: str | None = None,
    when: datetime | None = None,
    file_prefix: str = "batch-",
    marshaler: str = "otlp_json",
    gzip: bool = True,
) -> str:
    """Make a key the way the Collector names its uploads: upload time, random unique part."""
    when = when or datetime.now(timezone.utc)
    unique = 100_000_000 + secrets.randbelow(899_999_999)
    extension = ".json" if marshaler == "otlp_json" else ".binpb"
    if gzip:
        extension += ".gz"
    org_part = f"{org}/" if org else ""
    return (
        f"{SIGNAL_PREFIX[signal]}{org_part}dt={when:%Y-%m-%d}/hour={when:%H}/"
        f"{file_prefix}{signal}_{unique}{extension}"
    )

"""Write OTLP documents as raw files in the Collector's layout."""

from __future__ import annotations

import gzip
from typing import Any

import orjson

from gravity.raw.layout import new_raw_key
from gravity.store.base import ObjectStore


def write_raw_document(
    store: ObjectStore, document: dict[str, Any], *, org: str | None = None, file_prefix: str = "batch-"
) -> str:
    """Store ``document`` as gzip OTLP JSON under a fresh raw key; return the key."""
    signal = "traces" if "resourceSpans" in document else "logs"
    from gravity.otlp.encode import encode_json

    data = gzip.compress(encode_json(document), mtime=0)
    while True:
        key = new_raw_key(signal, org=org, file_prefix=file_prefix)
        if store.put_if_absent(key, data):
            return key


def spans_to_document(spans: Any) -> dict[str, Any]:
    """Encode OpenTelemetry SDK spans as an OTLP JSON document with hex ids."""
    from google.protobuf.json_format import MessageToDict
    from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans

    from gravity.otlp.decode import ids_base64_to_hex

    document = MessageToDict(encode_spans(spans), use_integers_for_enums=True)
    ids_base64_to_hex(document)
    return document

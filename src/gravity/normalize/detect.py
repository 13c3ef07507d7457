"""Pick the family of a span and read it into a call."""

from __future__ import annotations

import logging
from functools import cache
from types import ModuleType

from gravity.normalize.costs import apply_price
from gravity.normalize.families import family_modules
from gravity.normalize.families import otel_genai
from gravity.normalize.model import LlmCall
from gravity.normalize.span_fields import AttributeKeys, new_call, read_gen_ai, span_attributes, start_time_ns
from gravity.normalize.values import Attributes
from gravity.otlp.model import TRACES, Record

logger = logging.getLogger(__name__)

UNKNOWN = "unknown"


@cache
def _modules() -> tuple[ModuleType, ...]:
    return tuple(family_modules())


def detect_family(record: Record, attributes: Attributes | None = None) -> ModuleType | None:
    """Return the first family module in detection order that claims the span, or None.

    ``attributes`` is the span's attribute map when the caller has it (``span_attributes``).
    """
    keys = AttributeKeys(span_attributes(record) if attributes is None else attributes)
    for module in _modules():
        try:
            if module.matches(record, keys):
                return module
        except (AttributeError, TypeError, ValueError):
            logger.debug("family %s could not test span %s", module.FAMILY, record.span_id, exc_info=True)
    return None


def normalize_span(record: Record) -> LlmCall | None:
    """Read one span into a call, or return None when it is not an LLM-related span.

    A span no family claims becomes an "unknown" call when it carries usage, a model name or
    messages. Cost comes from the span when it has one, else from the price table. This
    function does not raise on bad content: a family that fails on a span is logged at debug
    level and the span still gives a call with its generic ``gen_ai.*`` fields.
    """
    if record.signal != TRACES:
        return None
    # Read once for detection and extraction. The family modules do not change it.
    try:
        attributes = span_attributes(record)
    except (AttributeError, TypeError):  # "attributes" is not a list
        logger.debug("span %s of trace %s could not be read", record.span_id, record.trace_id, exc_info=True)
        return None
    module = detect_family(record, attributes)
    family = module.FAMILY if module is not None else UNKNOWN
    call: LlmCall | None
    try:
        if module is not None:
            call = module.extract(record, attributes)
        elif otel_genai.looks_like_model_call(record, attributes):
            call = otel_genai.extract_as(record, UNKNOWN, attributes)
        else:
            call = None
    except Exception:  # noqa: BLE001 - one span's odd content must not fail the batch
        logger.debug("family %s failed on span %s of trace %s", family, record.span_id, record.trace_id, exc_info=True)
        call = _generic_call(record, family)

    if call is not None and call.is_model_call:
        apply_price(call, start_time_ns(record))
    return call


def _generic_call(record: Record, family: str) -> LlmCall | None:
    try:
        call = new_call(record, family)
        read_gen_ai(span_attributes(record), call)
    except Exception:  # noqa: BLE001 - the span is logged and skipped
        logger.debug("span %s of trace %s could not be read", record.span_id, record.trace_id, exc_info=True)
        return None
    return call

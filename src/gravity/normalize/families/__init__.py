"""One module per instrumentation family.

Each module defines ``FAMILY`` (its name), ``matches(record, keys=None) -> bool`` and
``extract(record, attributes=None) -> LlmCall | None``. Detection reads the span's attribute
map (``span_fields.span_attributes``) once and passes it as ``attributes``, and its keys as
``keys`` (``span_fields.AttributeKeys``). A module reads them when they are None, and never
changes them. Detection tries the modules in ``DETECTION_ORDER``:
more specific families come first, because several of them also write generic ``gen_ai.*``
keys (LiteLLM, Strands, pydantic-ai, Vercel AI SDK).
"""

from __future__ import annotations

import importlib
from types import ModuleType

DETECTION_ORDER = (
    "mlflow",
    "langfuse",
    "vercel_ai",
    "pydantic_ai",
    "strands",
    "litellm",
    "openinference",
    "openllmetry",
    "otel_genai",
)


def family_modules() -> list[ModuleType]:
    modules = []
    for name in DETECTION_ORDER:
        try:
            modules.append(importlib.import_module(f"{__name__}.{name}"))
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{name}":
                raise
    return modules

"""Value helpers shared by the family modules.

Instrumentation libraries encode the same value in many ways: OTLP AnyValues, integers as
numbers or decimal strings, JSON text, Python ``repr()`` text, and lists flattened into one
attribute per field (``prefix.{i}.field``). Every helper here accepts odd input and returns
None (or an empty result) instead of raising, so one bad attribute never loses a call.
"""

from __future__ import annotations

import ast
import base64
import logging
import math
from collections.abc import Iterable, Mapping
from typing import Any

import orjson

logger = logging.getLogger(__name__)

Attributes = dict[str, Any]

# ast.literal_eval is safe from code execution, but CPython's parser can exhaust the C stack on
# deeply nested input, and its time grows with the text. Python reprs in real spans (LiteLLM's
# provider payloads) nest fewer than 20 levels and rarely pass a few MB.
MAX_LITERAL_CHARS = 8 * 1024 * 1024
MAX_LITERAL_DEPTH = 100


def any_value(value: Any) -> Any:
    """Convert an OTLP AnyValue (JSON mapping) to a plain Python value.

    ``intValue`` may be a number or a decimal string; ``doubleValue`` may be ``"NaN"`` or
    ``"Infinity"``; ``bytesValue`` (base64) becomes bytes. An empty AnyValue is None.
    """
    # type() first: isinstance against the Mapping ABC is slow, and OTLP JSON gives dicts.
    if type(value) is not dict and not isinstance(value, Mapping):
        return None
    if "stringValue" in value:
        return value["stringValue"]
    if "intValue" in value:
        return to_int(value["intValue"])
    if "boolValue" in value:
        return to_bool(value["boolValue"])
    if "doubleValue" in value:
        return to_float(value["doubleValue"])
    if "arrayValue" in value:
        return [any_value(item) for item in mapping(value["arrayValue"]).get("values") or ()]
    if "kvlistValue" in value:
        return attribute_map(mapping(value["kvlistValue"]).get("values"))
    if "bytesValue" in value:
        try:
            return base64.b64decode(value["bytesValue"], validate=True)
        except (ValueError, TypeError):
            return None
    return None


def attribute_map(attributes: Iterable[Any] | None) -> Attributes:
    """Turn an OTLP key/value list into a dict of plain values; a repeated key keeps its last value."""
    result: Attributes = {}
    for attribute in attributes or ():
        if type(attribute) is not dict and not isinstance(attribute, Mapping):
            continue
        key = attribute.get("key")
        if type(key) is str or isinstance(key, str):
            result[key] = any_value(attribute.get("value"))
    return result


def to_int(value: Any) -> int | None:
    """Read an integer given as an int, an integral float or a decimal string ("42", " 42 ", "42.0")."""
    if type(value) is int:
        return value
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return int(number) if number.is_integer() else None
    return None


def to_float(value: Any) -> float | None:
    """Read a number given as int, float or string; NaN and infinities give None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
    else:
        return None
    return number if math.isfinite(number) else None


def to_bool(value: Any) -> bool | None:
    """Read a boolean given as a bool or as text ("true", "False"), as LiteLLM writes it."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text == "true":
            return True
        if text == "false":
            return False
    return None


def to_str(value: Any) -> str | None:
    """Return a non-empty string, or None for anything else (LiteLLM writes "" and "None" for unset)."""
    if isinstance(value, str) and value and value != "None":
        return value
    return None


def parse_json(text: Any) -> Any:
    """Parse JSON text; return None when ``text`` is not a string or not valid JSON."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None


def parse_python_literal(text: Any) -> Any:
    """Parse Python ``repr()`` text of literals (dicts, lists, strings, numbers, None, True).

    Uses ``ast.literal_eval``, never ``eval``. Returns None for text that is not a literal,
    such as reprs holding objects (``<PrismaClient object at 0x...>``), and for text longer
    than ``MAX_LITERAL_CHARS`` or nested deeper than ``MAX_LITERAL_DEPTH``.
    """
    if not isinstance(text, str) or len(text) > MAX_LITERAL_CHARS:
        return None
    if _bracket_depth(text) > MAX_LITERAL_DEPTH:
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return None


def _bracket_depth(text: str) -> int:
    # An upper bound: brackets inside string literals count too, which can only reject more.
    depth = deepest = 0
    for char in text:
        if char in "[{(":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]})":
            depth -= 1
    return deepest


def parse_structured(value: Any) -> list[Any] | dict[str, Any] | None:
    """Return ``value`` as a list or dict: as is, parsed from JSON, or parsed from a Python repr.

    Text that parses to a scalar (``"42"``, ``"true"``) is not structured and gives None, so
    a plain message text is never mistaken for data.
    """
    if isinstance(value, list | dict):
        return value
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text or text[0] not in "[{":
        return None
    parsed = parse_json(text)
    if parsed is None:
        parsed = parse_python_literal(text)
    return parsed if isinstance(parsed, list | dict) else None


def json_or_text(value: Any) -> Any:
    """Parse a JSON string when it parses (tool call arguments), else keep the value as it is."""
    if isinstance(value, str):
        parsed = parse_json(value)
        if parsed is not None:
            return parsed
    return value


def json_text(value: Any) -> str:
    """Serialize ``value`` as compact JSON with raw UTF-8 (no ``\\u00b0`` escapes)."""
    try:
        return orjson.dumps(value, default=_json_default, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:  # orjson.JSONEncodeError: nesting deeper than orjson's limit
        return repr(value)


def _json_default(value: Any) -> Any:
    # Values parsed from Python reprs may hold bytes, tuples and sets.
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    return repr(value)


def text_of(value: Any) -> str | None:
    """Return the text of a content value.

    A string is returned as it is. A list of text blocks (``{"text": ...}`` or
    ``{"type": "text", "content": ...}``) is joined with newlines. Anything else is
    serialized as JSON, so a structured tool result still has a stable text.
    """
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, list) and value and all(isinstance(item, dict) for item in value):
        texts = [_block_text(item) for item in value]
        if all(text is not None for text in texts):
            return "\n".join(text for text in texts if text is not None)
    return json_text(value)


def _block_text(block: Mapping[str, Any]) -> str | None:
    if isinstance(block.get("text"), str) and block.get("type") in (None, "text"):
        return str(block["text"])
    if block.get("type") == "text" and isinstance(block.get("content"), str):
        return str(block["content"])
    return None




def indexed(attributes: Mapping[str, Any], prefix: str) -> list[tuple[int, dict[str, Any]]]:
    """Collect flattened list items ``{prefix}.{i}.{field}`` into ``[(i, {field: value})]``.

    Indices are sorted as numbers (10 after 9), keys may arrive in any order, and gaps are
    kept as gaps: the caller sees the real indices. A nested list stays flattened inside its
    item (``{"tool_calls.0.name": ...}``), so ``indexed(item, "tool_calls")`` reads it.
    A key ``{prefix}.{i}`` with no field is stored under the field name "".
    """
    start = prefix + "."
    length = len(start)
    items: dict[int, dict[str, Any]] = {}
    matching = [key for key in attributes if key.startswith(start)]
    for key in matching:
        # The rest of the key is "{i}" or "{i}.{field}": i in decimal digits (str.isdecimal
        # accepts the same digits as re's \d), and a field of at least one character, no newline.
        index, dot, field = key[length:].partition(".")
        if not index.isdecimal() or (dot and (not field or "\n" in field)):
            continue
        items.setdefault(int(index), {})[field] = attributes[key]
    return sorted(items.items())


def dropped_attributes(item: Mapping[str, Any]) -> int:
    """Return the span's ``droppedAttributesCount`` (0 when absent or unreadable)."""
    return to_int(item.get("droppedAttributesCount")) or 0


def mapping(value: Any) -> Mapping[str, Any]:
    """Return ``value`` when it is a mapping, else an empty one."""
    return value if type(value) is dict or isinstance(value, Mapping) else {}


def first_present(attributes: Mapping[str, Any], *keys: str) -> Any:
    """Return the value of the first key that is present and not None or ""."""
    for key in keys:
        value = attributes.get(key)
        if value is not None and value != "":
            return value
    return None


def first_int(attributes: Mapping[str, Any], *keys: str) -> int | None:
    """Return the first of ``keys`` that reads as an integer."""
    for key in keys:
        number = to_int(attributes.get(key))
        if number is not None:
            return number
    return None


def string_list(value: Any) -> list[str]:
    """Read a list of strings given as an array, a JSON-string array or one plain string."""
    if isinstance(value, str):
        parsed = parse_json(value) if value.startswith("[") else None
        value = parsed if isinstance(parsed, list) else [value]
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, str)]

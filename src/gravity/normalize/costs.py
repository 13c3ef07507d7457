"""Cost of a call from the ``genai-prices`` price table, for spans that carry no cost.

The table ships inside the package (no download at run time; ``UpdatePrices`` is never
started here). Prices are looked up at the call's own time, so old traffic is priced at the
prices of its day. A model the table does not know gives None ("unknown"), never 0.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from genai_prices import Usage, calc_price

from gravity.normalize.model import LlmCall

logger = logging.getLogger(__name__)

PRICE_TABLE = "price_table"

# Provider names as instrumentations write them (gen_ai.provider.name, gen_ai.system,
# LiteLLM's provider prefix), mapped onto genai-prices provider ids.
_PROVIDER_IDS = {
    "openai": "openai",
    "anthropic": "anthropic",
    "google": "google",
    "gemini": "google",
    "vertex_ai": "google",
    "gcp.gemini": "google",
    "gcp.vertex_ai": "google",
    "gcp.gen_ai": "google",
    "aws": "aws",
    "bedrock": "aws",
    "aws.bedrock": "aws",
    "azure": "azure",
    "azure_ai": "azure",
    "azure.ai.openai": "azure",
    "azure.ai.inference": "azure",
    "mistral": "mistral",
    "mistral_ai": "mistral",
    "groq": "groq",
    "deepseek": "deepseek",
    "cohere": "cohere",
    "x-ai": "x-ai",
    "xai": "x-ai",
    "x_ai": "x-ai",
    "perplexity": "perplexity",
    "together": "together",
    "together_ai": "together",
    "fireworks": "fireworks",
    "fireworks_ai": "fireworks",
    "openrouter": "openrouter",
    "novita": "novita",
    "avian": "avian",
}


def price_call(call: LlmCall, at: datetime | None = None) -> float | None:
    """Return the call's cost in USD from the price table, or None when it cannot be priced.

    Token counts follow the OTel GenAI convention: ``input_tokens`` includes cache reads and
    cache writes, which are priced at their own rates. When the cached counts exceed the
    input count, the input count is taken to exclude them (Anthropic's raw usage does that)
    and they are added.
    """
    if call.input_tokens is None and call.output_tokens is None:
        return None
    provider_id = _PROVIDER_IDS.get((call.provider or "").lower())
    lookups = [
        (model, provider)
        for model in _model_refs(call)
        for provider in ((provider_id, None) if provider_id else (None,))
        if _known(model, provider)
    ]
    if not lookups:
        return None  # skips building the usage, which costs more than the lookups
    try:
        usage = _usage(call)
    except ValueError as exc:  # genai-prices validates the counts
        logger.debug("price table rejected the usage of span %s: %s", call.span_id, exc)
        return None
    if usage is None:
        return None

    when = at or datetime.now(tz=UTC)
    for model, provider in lookups:
        try:
            return float(calc_price(usage, model, provider_id=provider, genai_request_timestamp=when).total_price)
        except LookupError:
            _forget(model, provider)
        except ValueError as exc:
            logger.debug("price table rejected the usage of span %s: %s", call.span_id, exc)
            return None
    return None


def apply_price(call: LlmCall, start_time_unix_nano: int | None) -> None:
    """Set ``cost_usd`` from the price table when the span gave no cost and the model is known."""
    if call.cost_usd is not None:
        return
    at = datetime.fromtimestamp(start_time_unix_nano / 1e9, tz=UTC) if start_time_unix_nano else None
    cost = price_call(call, at)
    if cost is not None:
        call.cost_usd = cost
        call.cost_source = PRICE_TABLE


def _usage(call: LlmCall) -> Usage | None:
    input_tokens = call.input_tokens or 0
    output_tokens = call.output_tokens or 0
    cache_read = call.cache_read_tokens or 0
    cache_write = call.cache_write_tokens or 0
    if min(input_tokens, output_tokens, cache_read, cache_write) < 0:
        return None
    if cache_read + cache_write > input_tokens:
        input_tokens += cache_read + cache_write
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read or None,
        cache_write_tokens=cache_write or None,
    )


def _model_refs(call: LlmCall) -> list[str]:
    # The response model is the exact version served, and the request model may be an alias
    # the table has a price for. LiteLLM prefixes models with their provider ("anthropic/...").
    refs: list[str] = []
    for model in (call.response_model, call.request_model):
        if not model:
            continue
        for ref in (model, model.split("/", 1)[-1]):
            if ref and ref not in refs:
                refs.append(ref)
    return refs


# Lookups that failed once fail again: remember them, because a miss raises inside
# genai-prices on every call and the corpus repeats the same unknown models thousands of times.
_misses: set[tuple[str, str | None]] = set()
_MAX_MISSES = 10_000


def _known(model: str, provider: str | None) -> bool:
    return (model, provider) not in _misses


def _forget(model: str, provider: str | None) -> None:
    if len(_misses) >= _MAX_MISSES:
        _misses.clear()
    _misses.add((model, provider))


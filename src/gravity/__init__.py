"""Gravity: offline-first, compression-optimized storage for OpenTelemetry traces of LLM calls."""

__version__ = "0.1.0"

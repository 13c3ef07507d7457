#!/usr/bin/env bash
# Install everything the tests need into .venv, then run the whole suite, including the
# round trip over the dev corpus (marked slow). Benchmarks stay out: see benchmarks/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh test
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec .venv/bin/python -m pytest "$@"

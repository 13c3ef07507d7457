#!/usr/bin/env bash
# The main job on the embedded default: install Gravity, trace a LiteLLM conversation
# (mock responses, no provider called), store it in ./gravity-data and show what was kept.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh demo
export LITELLM_LOCAL_MODEL_COST_MAP=True
exec .venv/bin/gravity demo --store "${GRAVITY_STORE:-./gravity-data}"

#!/usr/bin/env bash
# Create .venv (Python 3.11+) and install Gravity with the extras named in $1 (e.g. "test").
# Safe to run again: pip only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

extras="${1:-}"
python="${PYTHON:-python3}"
if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "error: Gravity needs Python 3.11 or newer; $python is $("$python" --version 2>&1)" >&2
    exit 1
fi
if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
target="."
if [ -n "$extras" ]; then
    target=".[$extras]"
fi
.venv/bin/python -m pip install --quiet --editable "$target"

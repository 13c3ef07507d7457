"""The README's main job: a LiteLLM conversation traced, stored, inspected and rebuilt."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO


def test_readme_names_the_two_commands():
    readme = (REPO / "README.md").read_text()

    assert "scripts/demo.sh" in readme
    assert "scripts/test.sh" in readme
    assert "scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def test_demo_stores_and_rebuilds_conversation(tmp_path: Path):
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    store = tmp_path / "gravity-data"

    result = subprocess.run(
        [sys.executable, "-m", "gravity.cli", "demo", "--store", str(store)],
        capture_output=True, text=True, env=environment, timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert "files processed       1" in result.stdout
    assert "And a good walk in the evening?" in result.stdout
    assert "Walk along the Seine from Pont Neuf" in result.stdout
    assert list(store.glob("raw-spans/dt=*/hour=*/demo-traces_*.json.gz"))
    assert list(store.glob("packs/default/*.pack"))

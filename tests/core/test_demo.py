"""The README's main job: a LiteLLM conversation sent to gravity serve, stored and rebuilt."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from gravity.cli.demo_cmd import CONVERSATION
from tests.conftest import REPO


def test_readme_names_the_two_commands():
    readme = (REPO / "README.md").read_text()
    setup = readme.split("## Set up and run", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands = [line.split("#", 1)[0].strip() for line in setup.splitlines() if line.strip()]

    assert commands == ["scripts/demo.sh", "scripts/test.sh"]
    assert "scripts/test.sh" in (REPO / ".ci" / "run").read_text()


def test_demo_serves_stores_and_rebuilds(tmp_path: Path):
    environment = {
        **os.environ, "PYTHONPATH": os.pathsep.join(sys.path), "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    store = tmp_path / "gravity-data"

    # Importing LiteLLM takes most of the run, so the timeout is mostly for slow machines.
    result = subprocess.run(
        [sys.executable, "-m", "gravity.cli", "demo", "--store", str(store)],
        capture_output=True, text=True, env=environment, timeout=60,
    )

    assert result.returncode == 0, result.stderr
    output = result.stdout
    assert re.search(r"receiver  http://127\.0\.0\.1:\d+/v1/traces", output), output
    assert "== gravity inspect" in output
    assert re.search(r"records +[1-9]", output), output
    for question, answer in CONVERSATION[1:]:
        assert question in output
        assert answer in output
    assert "WARNING" not in output
    assert output.rstrip().endswith("gravity serve stopped.")

    # LiteLLM's OTLP/HTTP exporter sends protobuf, so .binpb raw files show that the receiver
    # wrote them. The flush at the end sends one request, but the exporter's 5 s timer may
    # have sent part of the spans earlier, in a request of their own.
    raw_files = list(store.glob("raw-spans/dt=*/hour=*/batch-traces_*.binpb.gz"))
    assert raw_files
    assert list(store.glob("raw-spans/**/*.json.gz")) == []
    assert f"files processed       {len(raw_files)}  (set aside: 0)" in output
    for raw_file in raw_files:
        raw_key = raw_file.relative_to(store).as_posix()
        assert raw_key in output
        assert (store / "state" / "done" / raw_key).exists()
    assert list(store.glob("packs/default/*.pack"))

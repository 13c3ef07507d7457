"""Fixtures shared by the whole suite: the shared test data and stores to run against."""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# The shared test data (real fixtures and the dev corpus) sits beside the checkout. A clone
# elsewhere names it with GRAVITY_SHARED.
SHARED = Path(os.environ.get("GRAVITY_SHARED") or REPO.parent / "shared")
FIXTURES = SHARED / "fixtures"
CORPUS = SHARED / "corpus" / "dev" / "raw-spans"


def require_shared() -> None:
    if not SHARED.is_dir():
        pytest.skip(f"the shared test data is not at {SHARED}; set GRAVITY_SHARED to its folder")


def pytest_report_header() -> str:
    if SHARED.is_dir():
        return f"shared test data: {SHARED}"
    return (f"shared test data: not found at {SHARED}, so the tests on real fixtures and the "
            "corpus are skipped; set GRAVITY_SHARED to its folder")


@pytest.fixture
def local_store(tmp_path: Path):
    from gravity.store import LocalStore

    return LocalStore(tmp_path / "store")


def fixture_raw_files() -> list[tuple[Path, str]]:
    """Every fixture file with the raw key it gets in a store: (path, key)."""
    files = []
    for path in sorted((FIXTURES / "collector-s3").glob("*.gz")):
        files.append((path, f"raw-spans/dt=2025-10-31/hour=08/{path.name}"))
    for path in sorted((FIXTURES / "conventions").glob("*.json")):
        stem = path.name.removesuffix(".json").replace(".", "_")
        if path.name.endswith(".logs.json"):
            files.append((path, f"raw-logs/dt=2026-01-01/hour=00/{stem}-logs_1.json"))
        else:
            files.append((path, f"raw-spans/dt=2026-01-01/hour=00/{stem}-traces_1.json"))
    return files


def copy_into_store(store, files: list[tuple[Path, str]]) -> None:
    for path, key in files:
        store.put(key, path.read_bytes())


def payload_of(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


@pytest.fixture
def corpus_sample(tmp_path: Path) -> list[tuple[Path, str]]:
    """Three corpus files (a few hundred spans of every family) with their keys."""
    require_shared()
    paths = sorted(CORPUS.glob("*/*/*.gz"))[:3]
    return [(path, "raw-spans/" + str(path.relative_to(CORPUS))) for path in paths]


def writable_copy(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    for path in target.rglob("*"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return target

"""Shared fixtures: the demo pipeline run once per test session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import settings

ROOT = Path(__file__).resolve().parents[1]

# Property tests (hypothesis) try the same examples on every run and keep no example database
# in the work tree; each test bounds itself with max_examples, and an example taking over two
# seconds fails (the machine is shared, so the limit is generous).
settings.register_profile("city-discourse", derandomize=True, database=None, deadline=2000)
settings.load_profile("city-discourse")


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory) -> Path:
    """Run the whole pipeline on the demo site once; return its project folder.

    Tests that read planted truth use this: <folder>/data/..., <folder>/reports/...
    """
    from demo import run as demo

    out = tmp_path_factory.mktemp("demo")
    status = demo.main(["--out", str(out)])
    assert status == 0, "the demo pipeline failed"
    return out


@pytest.fixture(scope="session")
def truth() -> dict:
    import json

    return json.loads((ROOT / "demo" / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture()
def project_copy(tmp_path) -> Path:
    """A copy of the repository's own files (no data), for DVC and CLI tests."""
    for name in ("pipeline", "demo", "dvc.yaml", "params.yaml", "frames.yaml", "sources.txt",
                 "pyproject.toml"):
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif src.exists():
            shutil.copy2(src, tmp_path / name)
    return tmp_path

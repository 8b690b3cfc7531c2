"""dvc.yaml and `python -m pipeline run` describe the same graph, and the CLI lists it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from pipeline.layout import STAGES, Layout, stage_args
from tests.conftest import ROOT


def dvc_stages() -> dict:
    return yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]


def test_dvc_commands_match_the_layout():
    stages = dvc_stages()
    assert list(stages) == list(STAGES)
    for stage, args in stage_args(Layout(Path("."))).items():
        expected = " ".join(["python", "-m", f"pipeline.{stage}", *args])
        assert " ".join(stages[stage]["cmd"].split()) == expected, stage


def test_dvc_code_dependencies_exist():
    for stage, spec in dvc_stages().items():
        for dep in spec.get("deps", []):
            if dep.startswith(("pipeline/", "frames.yaml", "sources.txt")):
                assert (ROOT / dep).exists(), f"dvc.yaml stage {stage}: dependency {dep} missing"


def test_every_stage_module_is_listed_by_help():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for command in (*STAGES, "run", "schedule"):
        assert command in out


def test_a_misspelt_param_key_is_named_by_every_stage(tmp_path, caplog):
    """A typo in params.yaml must stop the stage, naming the key, rather than be ignored."""
    import importlib

    from pipeline.config import read_params, write_params

    project = Layout(tmp_path / "project")
    project.root.mkdir()
    project.sources.write_text("acme page http://127.0.0.1:9/a\n", encoding="utf-8")
    for stage in STAGES:
        params = read_params(ROOT / "params.yaml")
        typo = next(iter(params[stage])) + "_typo"
        params[stage][typo] = 1
        path = write_params(params, tmp_path / f"{stage}.yaml")
        args = stage_args(project)[stage]
        args[args.index("--params") + 1] = str(path)
        caplog.clear()
        status = importlib.import_module(f"pipeline.{stage}.stage").main(args)
        assert status != 0, stage
        assert typo in caplog.text, stage

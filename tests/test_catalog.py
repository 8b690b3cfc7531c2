"""The stage catalog is the one description of the graph: dvc.yaml is written from it, every
stage's command line reads it, and every stage checks its params block before any work."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pipeline import schemas
from pipeline.catalog import CORE_CODE, PATHS, STAGES, Layout
from pipeline.dvcfile import dvc_yaml
from pipeline.errors import EXIT_INPUT
from pipeline.params import BLOCKS, read_params, write_params
from tests.conftest import ROOT


def test_the_committed_dvc_yaml_is_what_the_catalog_writes():
    assert (ROOT / "dvc.yaml").read_text(encoding="utf-8") == dvc_yaml("frames.yaml"), \
        "dvc.yaml is stale: run `python -m pipeline dvc`"


def test_dvc_check_says_when_dvc_yaml_is_stale(project_copy):
    run = [sys.executable, "-m", "pipeline", "dvc", "--check"]
    assert subprocess.run(run, cwd=project_copy, capture_output=True).returncode == 0
    (project_copy / "dvc.yaml").write_text("stages: {}\n", encoding="utf-8")
    stale = subprocess.run(run, cwd=project_copy, capture_output=True, text=True)
    assert stale.returncode == 1 and "python -m pipeline dvc" in stale.stderr
    subprocess.run([sys.executable, "-m", "pipeline", "dvc"], cwd=project_copy, check=True,
                   capture_output=True)
    assert (project_copy / "dvc.yaml").read_text() == (ROOT / "dvc.yaml").read_text()


def test_every_dependency_the_catalog_names_exists():
    for stage in STAGES.values():
        for dep in (*stage.code, *CORE_CODE):
            assert (ROOT / dep).exists(), f"stage {stage.name}: code dependency {dep} missing"


def test_stage_commands_come_from_the_catalog_paths():
    args = STAGES["topics"].command(Layout(Path("/p")))
    assert args[args.index("--processed") + 1] == f"/p/{PATHS['processed']}"
    assert args[args.index("--metrics") + 1] == f"/p/{PATHS['metrics']}"
    assert STAGES["preprocess"].deps[0] == f"data/interim/{schemas.file_name(schemas.PASSAGES)}"


def test_each_stage_reads_its_own_params_block_only():
    for name, stage in STAGES.items():
        assert set(stage.params) - {"lexicon"} == {name}, name


def test_every_stage_is_listed_by_help():
    out = subprocess.run([sys.executable, "-m", "pipeline", "--help"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    for command in (*STAGES, "run", "schedule", "params", "dvc"):
        assert command in out


def test_the_params_command_lists_every_key_with_its_range():
    out = subprocess.run([sys.executable, "-m", "pipeline", "params"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    params = read_params(ROOT / "params.yaml")
    for block in BLOCKS:
        for key in params[block]:
            assert f"`{block}.{key}`" in out, f"{block}.{key} is not documented"
    assert "| `extract.near_duplicate` | number | `0.9` | > 0 and ≤ 1 |" in out


@pytest.mark.parametrize(("key", "value", "says"), [
    ("typo", 1, "unknown key"),
    ("first", "thirty", "input should be"),
])
def test_a_bad_params_key_stops_every_stage_naming_it(tmp_path, caplog, key, value, says):
    """A misspelt or mistyped key stops the stage before any work, naming the key."""
    project = Layout(tmp_path / "project")
    project.root.mkdir()
    project.path("sources").write_text("acme page http://127.0.0.1:9/a\n", encoding="utf-8")
    for stage in STAGES:
        params = read_params(ROOT / "params.yaml")
        name = next(k for k, v in params[stage].items() if isinstance(v, int | float)
                    and not isinstance(v, bool)) if key == "first" else "typo"
        params[stage][name] = value
        path = write_params(params, tmp_path / f"{stage}.yaml")
        args = STAGES[stage].command(project)
        args[args.index("--params") + 1] = str(path)
        caplog.clear()
        status = importlib.import_module(f"pipeline.{stage}.stage").main(args)
        assert status == EXIT_INPUT, stage
        assert f"{stage}.{name}" in caplog.text and says in caplog.text, stage
        assert not project.path("raw").exists(), stage  # nothing was done


def test_the_catalog_matches_dvc_yaml_outputs():
    stages = yaml.safe_load((ROOT / "dvc.yaml").read_text(encoding="utf-8"))["stages"]
    for name, stage in STAGES.items():
        outs = [next(iter(o)) if isinstance(o, dict) else o for o in stages[name]["outs"]]
        assert outs == [o.path for o in stage.outs], name


def test_each_stage_core_function_takes_its_own_params_model():
    """The catalog names a real core function, and it takes the stage's own block's model."""
    import inspect
    import typing

    for name, stage in STAGES.items():
        module, _, func = stage.core.partition(":")
        core = getattr(importlib.import_module(module), func)
        hints = typing.get_type_hints(core)
        assert BLOCKS[name] in hints.values(), f"{stage.core} takes no {BLOCKS[name].__name__}"
        assert callable(core) and inspect.signature(core).parameters, stage.core

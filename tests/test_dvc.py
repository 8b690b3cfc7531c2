"""`dvc repro` runs the real pipeline graph, here on the demo site served by the test."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from pipeline.params import read_params, set_param, write_params
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

DEMO_FIRMS = 2  # a subset of the demo's firms keeps this test short; the wiring is what it proves


def run(cmd: list[str], cwd, env) -> str:
    done = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    assert done.returncode == 0, f"{' '.join(cmd)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def test_dvc_repro_runs_the_graph_and_skips_what_did_not_change(project_copy):
    from demo.server import serve_site
    from pipeline.scrape.sources import firms, parse_sources

    env = dict(os.environ)
    env["PATH"] = f"{os.path.dirname(sys.executable)}{os.pathsep}{env.get('PATH', '')}"
    template = (ROOT / "demo" / "sources.txt").read_text(encoding="utf-8")
    with serve_site(ROOT / "demo" / "site") as base:
        sources = parse_sources(template.replace("{site}", base))
        keep = set(firms(sources)[:DEMO_FIRMS])
        lines = [ln for ln in template.replace("{site}", base).splitlines()
                 if ln.split()[:1] and ln.split()[0] in keep]
        (project_copy / "sources.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        params = read_params(project_copy / "params.yaml")
        set_param(params, "scrape.wayback_url", base)
        set_param(params, "scrape.delay", 0.0)
        set_param(params, "topics.k_grid", [3, 4])
        set_param(params, "topics.n_bootstrap", 200)
        set_param(params, "contrasts.n_bootstrap", 200)
        write_params(params, project_copy / "params.yaml")

        run(["dvc", "init", "--no-scm", "-q"], project_copy, env)
        shutil.copytree(ROOT / ".dvc" / "plots", project_copy / ".dvc" / "plots")
        dag = run(["dvc", "dag"], project_copy, env)
        for stage in ("scrape", "extract", "preprocess", "topics", "contrasts", "report"):
            assert stage in dag
        run(["dvc", "repro"], project_copy, env)
        assert (project_copy / "reports" / "index.html").exists()
        for firm in keep:
            assert (project_copy / "reports" / "firms" / f"{firm}.html").exists()
        metrics = run(["dvc", "metrics", "show"], project_copy, env)
        assert "metrics.json" in metrics
        run(["dvc", "plots", "show", "-o", "dvc_plots"], project_copy, env)
        plots = (project_copy / "dvc_plots" / "index.html").read_text(encoding="utf-8")
        for plot in ("frame_shares", "k_sweep_coherence", "k_sweep_stability"):
            assert plot in plots, plot
        assert sorted(keep)[0] in plots  # one line per firm: firm ids are in the plot data

        again = run(["dvc", "repro"], project_copy, env)
    # scrape always runs (nothing new to fetch); everything after it is up to date.
    for stage in ("extract", "preprocess", "topics", "contrasts", "report"):
        assert f"Stage '{stage}' didn't change, skipping" in again, again

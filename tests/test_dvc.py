"""`dvc repro` runs the real pipeline graph, here on the demo site (`python -m demo --dvc`)."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from demo.run import run_dvc_demo

pytestmark = pytest.mark.slow

DVC = str(Path(sys.executable).parent / "dvc")
DEMO_FIRMS = ["aquantis", "vigimetra"]  # a subset: short; vigimetra has a robots-blocked page
FAST = {"topics.k_grid": [3, 4], "topics.n_bootstrap": 200, "contrasts.n_bootstrap": 200}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_dvc_repro_runs_the_graph_and_skips_what_did_not_change(tmp_path, capfd):
    project, port = tmp_path / "demo-dvc", free_port()
    index = run_dvc_demo(project, port=port, firms=DEMO_FIRMS, params=FAST)
    assert index.exists()
    for firm in DEMO_FIRMS:
        assert (project / "reports" / "firms" / f"{firm}.html").exists()
    for stage in ("scrape", "extract", "preprocess", "topics", "contrasts", "report"):
        assert stage in subprocess.run([DVC, "dag"], cwd=project, capture_output=True,
                                       text=True, check=True).stdout
    metrics = subprocess.run([DVC, "metrics", "show"], cwd=project, capture_output=True,
                             text=True, check=True).stdout
    assert "metrics.json" in metrics
    subprocess.run([DVC, "plots", "show", "-o", "dvc_plots"], cwd=project, check=True,
                   capture_output=True)
    plots = (project / "dvc_plots" / "index.html").read_text(encoding="utf-8")
    for plot in ("frame_shares", "k_sweep_coherence", "k_sweep_stability"):
        assert plot in plots, plot
    assert DEMO_FIRMS[0] in plots  # one line per firm: firm ids are in the plot data

    capfd.readouterr()
    run_dvc_demo(project, port=port, firms=DEMO_FIRMS, params=FAST)  # the same command again
    again = capfd.readouterr()
    # scrape always runs (nothing new to fetch, a robots-blocked page stays blocked);
    # everything after it is up to date.
    for stage in ("extract", "preprocess", "topics", "contrasts", "report"):
        assert f"Stage '{stage}' didn't change, skipping" in again.out + again.err, stage

"""Kill a run at random points, several times: the next run ends with the same outputs as a run
that was never interrupted (issue: nothing finished is lost, nothing half-written is kept)."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from demo.server import serve_site
from pipeline.params import read_params, set_param, write_params
from tests.conftest import ROOT

pytestmark = pytest.mark.slow

# Web-archive captures only: their ids come from the archive's timestamps, so two runs that
# scrape the same site agree on every id and the outputs can be compared as they are.
FIRMS = ("aquantis", "citavia", "lumidia")  # three: the correspondence analyses need them
FAST = {"scrape.delay": 0.0, "scrape.per_host": 8, "extract.workers": 1,
        "preprocess.n_process": 1, "topics.k_grid": [3, 4], "topics.stability_seeds": [1],
        "topics.n_bootstrap": 100, "topics.min_passages": 10, "contrasts.n_bootstrap": 100}
# Columns that say when or by which run a row was made, not what it holds.
RUN_COLUMNS = {"fetch_id", "fetched_at", "run_id", "warc_file", "warc_offset", "elapsed_s"}


def make_project(folder: Path, base: str) -> Path:
    folder.mkdir(parents=True)
    lines = [ln.replace("{site}", base) for ln in
             (ROOT / "demo" / "sources.txt").read_text(encoding="utf-8").splitlines()
             if ln.split()[:1] and ln.split()[0] in FIRMS and "live=no" in ln]
    (folder / "sources.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    params = read_params(ROOT / "params.yaml")
    set_param(params, "lexicon", str(ROOT / "frames.yaml"))
    set_param(params, "scrape.wayback_url", base)
    for key, value in FAST.items():
        set_param(params, key, value)
    write_params(params, folder / "params.yaml")
    return folder


def run(folder: Path, kill_after: float | None = None) -> int | None:
    """`python -m pipeline run` on `folder`; killed with SIGKILL after `kill_after` seconds."""
    proc = subprocess.Popen([sys.executable, "-m", "pipeline", "run", "--root", str(folder)],
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    if kill_after is None:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode in (0, 3), err[-3000:]
        return proc.returncode
    try:
        proc.wait(timeout=kill_after)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    proc.stderr.close()
    return None


def tables(folder: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for path in sorted(folder.glob("data/**/*.parquet")):
        df = pd.read_parquet(path)
        df = df.drop(columns=[c for c in df.columns if c in RUN_COLUMNS])
        out[str(path.relative_to(folder))] = df
    return out


def test_killed_runs_end_like_an_uninterrupted_one(tmp_path):
    rng = random.Random(20261205)
    with serve_site(ROOT / "demo" / "site") as base:
        reference = make_project(tmp_path / "reference", base)
        started = time.perf_counter()
        run(reference)
        full = time.perf_counter() - started
        chaos = make_project(tmp_path / "chaos", base)
        # Kill points spread over the run: scrape, extract, preprocess and the later stages.
        for share in sorted(rng.uniform(0.05, 0.95) for _ in range(3)):
            run(chaos, kill_after=share * full)
        run(chaos)
    expected, got = tables(reference), tables(chaos)
    assert sorted(got) == sorted(expected)
    for name, df in expected.items():
        if name.endswith("fetches.parquet"):
            # killed runs add attempts; what was captured, and how, is the same
            keep = ["doc_id", "url", "outcome"]
            ok = got[name][got[name]["outcome"] == "ok"]
            pd.testing.assert_frame_equal(
                ok[keep].drop_duplicates().sort_values(keep).reset_index(drop=True),
                df.loc[df["outcome"] == "ok", keep].drop_duplicates().sort_values(keep)
                .reset_index(drop=True))
            continue
        pd.testing.assert_frame_equal(got[name], df, check_exact=False, rtol=1e-9, obj=name)
    for page in ("index.html", "shifts.html", "topics.html"):
        assert (chaos / "reports" / page).read_text() == (reference / "reports" / page).read_text()

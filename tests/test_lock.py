"""One run at a time: a second run on the same project stops at once, naming the first."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time

import pytest

from pipeline.__main__ import main as pipeline_main
from pipeline.errors import EXIT_BUSY, BusyError
from pipeline.lock import LOCK_FILE, project_lock
from tests.conftest import ROOT

HOLD = """
import sys, time
from pathlib import Path
from pipeline.lock import project_lock
with project_lock(Path(sys.argv[1]), "the test's holder"):
    print("held", flush=True)
    time.sleep(60)
"""


@pytest.fixture()
def holder(tmp_path):
    """Another process holding the project's lock."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    yield proc
    proc.kill()
    proc.wait()


def test_a_second_run_stops_at_once_naming_the_holder(tmp_path, holder, caplog):
    (tmp_path / "params.yaml").write_text("extract: {}\n", encoding="utf-8")
    started = time.perf_counter()
    with caplog.at_level(logging.ERROR):
        status = pipeline_main(["run", "--root", str(tmp_path), "--stages", "extract"])
    assert status == EXIT_BUSY and time.perf_counter() - started < 5
    assert f"pid {holder.pid}" in caplog.text and "the test's holder" in caplog.text
    assert not (tmp_path / "data").exists()  # nothing was done


def test_a_stage_alone_also_waits_its_turn(tmp_path, holder, caplog):
    from pipeline.extract import stage as extract

    (tmp_path / "params.yaml").write_text("extract: {}\n", encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        status = extract.main(["--raw", str(tmp_path / "raw"), "--params",
                               str(tmp_path / "params.yaml"), "--out", str(tmp_path / "out")])
    assert status == EXIT_BUSY and f"pid {holder.pid}" in caplog.text


def test_a_killed_holder_leaves_no_lock_behind(tmp_path, holder):
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert "the test's holder" in (tmp_path / LOCK_FILE).read_text()  # its line is still there
    with project_lock(tmp_path, "the next run"):
        assert "the next run" in (tmp_path / LOCK_FILE).read_text()


def test_the_stages_of_one_run_share_its_lock(tmp_path):
    with project_lock(tmp_path, "a run"), project_lock(tmp_path, "one of its stages"):
        pass
    with project_lock(tmp_path, "the next run"):  # released by the outer block
        pass


def test_the_lock_is_per_project(tmp_path, holder):
    other = tmp_path / "other"
    with project_lock(other, "a run elsewhere"):
        pass
    with pytest.raises(BusyError, match=str(holder.pid)), project_lock(tmp_path, "here"):
        pass

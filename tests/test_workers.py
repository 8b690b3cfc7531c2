"""A run killed outright leaves no worker process behind (they would wait for ever)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT

RUN = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pipeline.workers import die_with_parent

with ProcessPoolExecutor(1, mp_context=get_context(sys.argv[1]), initializer=die_with_parent,
                         initargs=(os.getpid(),)) as pool:
    print(pool.submit(os.getpid).result(), flush=True)
    pool.submit(time.sleep, 60)
    time.sleep(60)
"""


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return "State:\tZ" not in fh.read()
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_workers_end_when_their_run_is_killed(method):
    proc = subprocess.Popen([sys.executable, "-c", RUN, method], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    worker = int(proc.stdout.readline())
    assert alive(worker)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(worker), "the worker outlived its killed parent"


# The run takes Ctrl-C as a run started at a terminal does, however pytest was started: a test
# run started in the background by a script (`cmd &`, nohup) ignores SIGINT, and passes that on
# to every process it starts, so this run would never see Ctrl-C.
POOL = """
import faulthandler, os, signal, sys, time
signal.signal(signal.SIGINT, signal.default_int_handler)
faulthandler.register(signal.SIGUSR1, all_threads=True)  # inherited by the forked workers
from pipeline.preprocess import pool
chunks = [[("fr", "Les villes publient leurs données. " * 40)] * 64] * 40
with pool.LemmaPool(chunks, lemmatizer="spacy", batch_size=16, n_process=2) as lemmas:
    assert lemmas.in_workers
    print(" ".join(str(p.pid) for p in lemmas._pool._pool), flush=True)
    for batch in lemmas:
        time.sleep(0.2)
"""


def _lemma_pool(**kwargs) -> tuple[subprocess.Popen, list[int]]:
    proc = subprocess.Popen([sys.executable, "-c", POOL], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)
    line = proc.stdout.readline()
    assert line.strip(), proc.stderr.read()
    workers = [int(pid) for pid in line.split()]
    assert len(workers) == 2 and all(alive(pid) for pid in workers)
    return proc, workers


def _gone(pids: list[int], seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not any(alive(pid) for pid in pids)


def _stacks(proc: subprocess.Popen, workers: list[int]) -> str:
    """Every thread's stack in a run that does not stop, and in its workers (faulthandler, on
    SIGUSR1), then the run killed: a hang that shows up once in many runs names its place."""
    states = {pid: _state(pid) for pid in [proc.pid, *workers]}
    for pid in states:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGUSR1)
    time.sleep(2)
    os.killpg(proc.pid, signal.SIGKILL)
    _, err = proc.communicate()
    return f"process states {states}\n{err[-12000:]}"


def _signal_masks(pid: int) -> str:
    """The blocked, ignored and caught signal masks of a process (a run started with SIGINT
    ignored or blocked, inherited from whatever started it, never sees Ctrl-C)."""
    with open(f"/proc/{pid}/status") as fh:
        return ", ".join(line.strip() for line in fh if line.startswith(("SigBlk", "SigIgn",
                                                                          "SigCgt")))


def _state(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/status") as fh:
            return next(line.split(None, 1)[1].strip() for line in fh if line.startswith("State"))
    except FileNotFoundError:
        return "gone"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_forked_lemmatisation_workers_end_when_their_run_is_killed():
    proc, workers = _lemma_pool()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert _gone(workers), "a lemmatisation worker outlived its killed parent"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_ctrl_c_stops_forked_lemmatisation_at_once():
    # A terminal's Ctrl-C goes to the whole process group: the run and its workers.
    proc, workers = _lemma_pool(start_new_session=True)
    signals = _signal_masks(proc.pid)  # as the run had them when Ctrl-C came
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"the run did not stop within 20 s of Ctrl-C; its signals ({signals}) "
                    f"and where it and its workers were:\n{_stacks(proc, workers)}")
    assert "KeyboardInterrupt" in err
    assert _gone(workers), "a lemmatisation worker outlived Ctrl-C"

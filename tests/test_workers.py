"""A run killed outright leaves no worker process behind (they would wait for ever)."""

from __future__ import annotations

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

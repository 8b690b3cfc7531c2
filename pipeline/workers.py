"""Worker processes that end with the run that started them.

A run killed outright (SIGKILL, the OOM killer, a closed terminal) cannot tell its process pools
to stop, and their workers would wait on their queues for ever, holding their memory (spaCy's
models, a topic sweep's corpus). Every pool of the pipeline starts its workers through
`die_with_parent`, which asks Linux to kill a worker when its parent ends (elsewhere it does
nothing, and workers end as the pool's pipes close).
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def die_with_parent(parent_pid: int) -> None:
    """Have the operating system kill this process when `parent_pid` ends.

    Args:
        parent_pid: the pid of the process that starts the pool (`os.getpid()` there).
    """
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent ended before the request was made
        os._exit(1)

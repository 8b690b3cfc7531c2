"""One run at a time: a lock on the project folder that says who holds it.

Every stage, `python -m pipeline run` and so `dvc repro` take `<project>/.pipeline.lock` (the
project being the params file's folder) before they read or write anything. A second run finds
it taken and stops at once, naming the holder; the stages that one `pipeline run` calls share
its lock. The lock is a POSIX record lock (`lockf`): the operating system drops it when its
process ends, however it ends, so a run that was killed leaves no lock behind and the next run
takes it over, rewriting the holder line. Unlike `flock`, it is not inherited by the worker
processes a stage forks, so a killed run's orphaned workers cannot keep the project locked.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from pipeline.errors import BusyError

LOCK_FILE = ".pipeline.lock"

_held: set[Path] = set()  # lock files this process holds (a run's stages re-enter its lock)


@contextmanager
def project_lock(folder: Path, holder: str) -> Iterator[Path]:
    """Hold the project's lock for the duration of the block.

    Args:
        folder: the project folder.
        holder: what takes the lock (written into the file for whoever finds it taken).

    Raises:
        BusyError: another process holds it; the message names that process.
    """
    path = (Path(folder) / LOCK_FILE).resolve()
    if path in _held:
        yield path
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as fh:
        try:
            fcntl.lockf(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:  # EACCES or EAGAIN: held by another process
            fh.seek(0)
            who = fh.read().strip() or "a process that has not said who it is"
            raise BusyError(f"{path}: another run is using this project ({who}); wait for it "
                            f"to end, or run in another folder") from None
        fh.seek(0)
        fh.truncate()
        started = datetime.now(UTC).isoformat(timespec="seconds")
        fh.write(f"{holder}, pid {os.getpid()}, started {started}\n")
        fh.flush()
        _held.add(path)
        try:
            yield path
        finally:
            _held.discard(path)
            fh.seek(0)
            fh.truncate()
            fcntl.lockf(fh, fcntl.LOCK_UN)  # from offset 0: the whole file

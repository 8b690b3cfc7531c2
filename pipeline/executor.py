"""Where the per-document work of extract and preprocess runs: here, or on a Dask cluster.

Both stages cut their work into independent tasks (a batch of captures to extract, a chunk of
passages to lemmatise) whose results are gathered in order. With `executor: local` (the default)
each stage runs them in its own process pool on this machine. With `executor: dask` they run as
dask.distributed tasks on the cluster whose scheduler is at `scheduler` (tcp://HOST:8786): the
same functions, on the same inputs, give the same outputs. A task carries its inputs (a capture's
payload bytes, a chunk's passages) and returns its rows, so the cluster's machines share no
folder with this one; each needs the project installed at the same version (its functions are
sent by name, never as code).

    >>> list(cluster_map("inproc://", abs, [], name="nothing"))  # no item, no connection
    []
"""

from __future__ import annotations

import logging
import uuid
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Any, TypeVar

from pipeline.errors import ExecutorError

log = logging.getLogger(__name__)

# Seconds to wait for the scheduler before giving up with an ExecutorError.
CONNECT_TIMEOUT = 20
# Tasks in flight per worker thread of the cluster: enough to keep every worker busy while
# results come back, few enough that the inputs in flight (payloads, passages) stay small.
IN_FLIGHT_PER_THREAD = 2

T = TypeVar("T")
R = TypeVar("R")


class TaskFailed:
    """What `cluster_map` yields for an item whose task failed (its worker died, or it raised):
    the caller decides whether to redo the item here or to stop."""

    def __init__(self, error: BaseException) -> None:
        self.error = error

    def __repr__(self) -> str:
        return f"TaskFailed({type(self.error).__name__}: {self.error})"


def connect(scheduler: str) -> Any:
    """A dask.distributed `Client` of the scheduler at `scheduler`.

    Raises:
        ExecutorError: dask.distributed is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - a dependency of the project
        raise ExecutorError("executor: dask needs dask.distributed (pip install "
                            "'dask[distributed]')") from None
    try:
        return Client(scheduler, timeout=CONNECT_TIMEOUT, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        raise ExecutorError(
            f"cannot reach the dask scheduler at {scheduler} ({type(exc).__name__}: {exc}); "
            f"start one with `dask scheduler` and workers with `dask worker {scheduler}`, or "
            f"set executor: local") from None


def cluster_map(scheduler: str, fn: Callable[[T], R], items: Iterable[T], *, name: str
                ) -> Generator[R | TaskFailed, None, None]:
    """`fn` over `items` as tasks on the cluster at `scheduler`; results in the items' order.

    Items are read from `items` only as tasks are submitted (at most `IN_FLIGHT_PER_THREAD`
    per worker thread in flight), so a generator that loads each item's inputs keeps few in
    memory. A task that raises, or whose worker dies more often than the scheduler allows,
    yields a `TaskFailed` in its place.

    Args:
        scheduler: the scheduler's address (tcp://HOST:8786).
        fn: a module-level function (workers import it by name).
        items: its arguments, one task each.
        name: what the tasks are called on the cluster's dashboard.

    Raises:
        ExecutorError: the scheduler cannot be reached.
    """
    items = iter(items)
    first = next(items, _END)
    if first is _END:
        return
    client = connect(scheduler)
    try:
        threads = sum(client.nthreads().values())
        window = max(2, IN_FLIGHT_PER_THREAD * max(threads, 1))
        log.info("dask: %d worker thread(s) at %s; up to %d %s tasks in flight", threads,
                 scheduler, window, name)
        pending: deque = deque()
        todo = _chain(first, items)
        done = False
        while pending or not done:
            while not done and len(pending) < window:
                item = next(todo, _END)
                if item is _END:
                    done = True
                    break
                # A key of our own: the name shows on the dashboard, and two equal inputs are
                # still two tasks (dask would otherwise share the result of equal calls).
                pending.append(client.submit(fn, item, key=f"{name}-{uuid.uuid4().hex}"))
            if pending:
                future = pending.popleft()
                try:
                    yield future.result()
                except Exception as exc:
                    log.warning("dask: a %s task failed: %s: %s", name, type(exc).__name__, exc)
                    yield TaskFailed(exc)
                finally:
                    future.release()
    finally:
        client.close()


_END: Any = object()


def _chain(first: T, rest: Iterator[T]) -> Iterator[T]:
    yield first
    yield from rest


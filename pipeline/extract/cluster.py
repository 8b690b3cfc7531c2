"""Extract's batches of captures as tasks on a Dask cluster (`executor: dask`), each capture
travelling with its payload.

The captures' payloads are read here from the WARC files, as the workers would read them, so
the cluster's machines need no access to the raw folder; the workers send back what they found,
without the payload. A capture whose payload cannot be read here is extracted here (it stops at
the read, with the same status and error as anywhere); a batch whose task fails (its worker
died: a PDF that crashes PDFium) is redone here one capture at a time, each in a process of its
own, as the local pool does.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from contextlib import closing
from dataclasses import replace
from functools import partial
from typing import Any

from pipeline.executor import TaskFailed, cluster_map
from pipeline.extract.captures import Capture, read_warc_payload

log = logging.getLogger(__name__)


def run_on_cluster(captures: Sequence[Capture], *, scheduler: str, batch: int,
                   max_bytes: int | None, extract: Callable[[Sequence[Capture]], list[Any]],
                   isolate: Callable[[Capture], Any]) -> list[Any]:
    """Extract `captures` in batches of `batch` as tasks on the cluster at `scheduler`.

    Args:
        captures: the captures, their payloads in WARC files this process can read.
        scheduler: the Dask scheduler's address.
        batch: captures per task.
        max_bytes: a payload larger than this is not read (the worker would not read it).
        extract: a module-level function (or a partial of one) that extracts a batch of
            captures into one result per capture, each with a `capture` attribute.
        isolate: extracts one capture in a process of its own (a crash becomes a result).

    Returns:
        One result per capture, in order, each holding the capture as given.
    """
    n = len(captures)
    batches = [list(captures[i:i + batch]) for i in range(0, n, batch)]
    here: list[dict[int, Any]] = [{} for _ in batches]
    shipped: list[list[int]] = [[] for _ in batches]

    def tasks():
        for b, todo in enumerate(batches):
            ready = []
            for i, capture in enumerate(todo):
                loaded = _with_payload(capture, max_bytes)
                if loaded is None:
                    here[b][i] = extract([capture])[0]
                else:
                    ready.append(loaded)
                    shipped[b].append(i)
            yield ready

    every = max(1, len(batches) // 20)
    results: list[Any] = []
    work = partial(_without_payloads, extract)
    with closing(cluster_map(scheduler, work, tasks(), name="extract")) as done:
        for b, out in enumerate(done):
            if isinstance(out, TaskFailed):
                # one process per capture, which reads its own payload (as the local run does)
                out = [isolate(batches[b][i]) for i in shipped[b]]
            for i, r in zip(shipped[b], out, strict=True):
                r.capture = batches[b][i]  # as given, without the payload read for the task
                here[b][i] = r
            results.extend(here[b][i] for i in range(len(batches[b])))
            if (b + 1) % every == 0 or b + 1 == len(batches):
                log.info("extracted %d/%d (dask)", min((b + 1) * batch, n), n)
    return results


def _without_payloads(extract: Callable[[Sequence[Capture]], list[Any]],
                      captures: Sequence[Capture]) -> list[Any]:
    """`extract` on a cluster worker, sending back what was found but not the payloads."""
    results = extract(captures)
    for r in results:
        r.capture = replace(r.capture, payload=None)
    return results


def _with_payload(capture: Capture, max_bytes: int | None) -> Capture | None:
    """The capture with its payload read from its WARC record, or None if that read fails."""
    if capture.payload is not None or not capture.warc_path or capture.warc_offset is None:
        return capture  # nothing to read: the worker decides as it would here
    try:
        payload = read_warc_payload(capture.warc_path, capture.warc_offset, max_bytes)
    except Exception:  # too large, damaged, missing: extracted here, where the read fails
        return None
    return replace(capture, payload=payload)

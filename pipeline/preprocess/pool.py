"""Lemmatisation in worker processes forked from a process that loaded the models once, returning
rows as bytes.

    >>> chunk_tasks([("fr", "a"), ("fr", "b"), ("en", "c")], size=2)[0]
    [('fr', 'a'), ('fr', 'b')]
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, nullcontext
from typing import Any

import pyarrow as pa

from pipeline.errors import LemmatizerError
from pipeline.executor import TaskFailed, cluster_map
from pipeline.preprocess.lemmatize import (
    ANALYSIS,
    _analyser_for,
    _pipeline_for,
    analyse_passages,
)
from pipeline.preprocess.patterns import CompiledPatterns
from pipeline.workers import die_with_parent

log = logging.getLogger(__name__)

_INIT_ERROR: Exception | None = None

# Fewer new passages than this are lemmatised in this process: two chunks (`stage._CHUNK_PASSAGES`
# = 64) are the least that gives two workers one each, and below that forking workers and
# shipping their rows back buys no parallelism. A re-run that adds a document or two (a
# document is a few to a few dozen passages) pays no pool at all.
IN_PROCESS_PASSAGES = 128


def load_models(langs: Sequence[str], lemmatizer: str) -> None:
    """Load the pipelines and analysers of `langs` in this process (each once: they are cached).

    Raises:
        LemmatizerError: a model that is not installed or cannot be loaded.
    """
    for lang in langs:
        _pipeline_for(lang, lemmatizer)
        _analyser_for(lang, lemmatizer)


def _leave_signals_to_the_run() -> None:
    # Ctrl-C reaches the whole process group, but stopping is the run's to do: a worker killed
    # by it while waiting for a task would die holding the pool's task-queue lock, and the
    # run's `terminate` would wait for that lock for ever. The run terminates its workers
    # (SIGTERM, which must end them as it does by default, not raise as in the run).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _init_forked(parent_pid: int) -> None:
    die_with_parent(parent_pid)
    _leave_signals_to_the_run()


def _init_worker(parent_pid: int, lemmatizer: str, langs: tuple[str, ...]) -> None:
    die_with_parent(parent_pid)
    _leave_signals_to_the_run()
    # Load the models as soon as the worker starts, while the parent reads its cache. A failure
    # is kept for the first job to raise: a Pool whose initializer raises restarts the worker
    # forever instead of reporting it.
    global _INIT_ERROR
    try:
        load_models(langs, lemmatizer)
    except Exception as exc:
        _INIT_ERROR = exc
        return
    # The models live as long as the worker: keep the garbage collector from walking them.
    gc.freeze()


def lemmatise_chunk(tasks: Sequence[tuple[str, str]], lemmatizer: str, batch_size: int) -> bytes:
    """`analyse_passages` of one chunk as Arrow IPC bytes: what a worker (a pool's or a Dask
    cluster's) sends back, the rows the caller stores, never pickled spaCy objects."""
    return analyse_passages(tasks, lemmatizer=lemmatizer, batch_size=batch_size
                            ).serialize().to_pybytes()


def read_rows(blob: bytes) -> pa.RecordBatch:
    """The `ANALYSIS` rows of `lemmatise_chunk`'s bytes."""
    return pa.ipc.read_record_batch(pa.py_buffer(blob), ANALYSIS)


# One chunk at a time per process on a cluster worker: a worker started with several threads
# must not run one spaCy pipeline (and its analyser's caches) from two threads at once.
_CLUSTER_LOCK = threading.Lock()


def _cluster_work(args: tuple[list[tuple[str, str]], str, int]) -> bytes:
    with _CLUSTER_LOCK:
        return lemmatise_chunk(*args)


def _work(args: tuple[list[tuple[str, str]], str, int]) -> bytes:
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    return lemmatise_chunk(*args)


class LemmaPool:
    """Lemmatise chunks of passages, in worker processes when `n_process` > 1 and there are at
    least `IN_PROCESS_PASSAGES` passages.

    This process loads the models the chunks need once, then forks the workers, which share
    the loaded models page for page (copy on write; `gc.freeze` keeps the workers' garbage
    collector from touching, and so copying, them) and start in milliseconds instead of paying
    spaCy's start-up each (about 4 s of CPU, mostly compiling the French tokenizer's patterns).
    The workers send back Arrow bytes, never spaCy objects. Where fork is not available, the
    workers are fresh processes (spawn) that each load the models. Iterate to get one
    `ANALYSIS` batch per chunk, in chunk order, its `task` column indexing the chunk. Use it as
    a context manager.

    With a `scheduler`, the chunks are tasks on that Dask cluster instead (`pipeline.executor`),
    from `IN_PROCESS_PASSAGES` passages on too; each cluster worker loads the models once.

    Args:
        chunks: lists of (lang, text) passages.
        lemmatizer: "spacy" or "simplemma".
        batch_size: texts per `nlp.pipe` batch.
        n_process: worker processes; 1 (or less) lemmatises in this process, lazily.
        scheduler: the address of a Dask scheduler whose workers lemmatise, or None.
        patterns: where this process keeps the compiled programs of the models' large
            patterns (None: they compile as usual when a model loads).

    Raises:
        LemmatizerError: a model that cannot be loaded (before any worker starts).
        ExecutorError: the scheduler cannot be reached.
    """

    def __init__(self, chunks: Sequence[Sequence[tuple[str, str]]], *, lemmatizer: str,
                 batch_size: int, n_process: int, scheduler: str | None = None,
                 patterns: CompiledPatterns | None = None) -> None:
        self.chunks = chunks
        self._patterns = patterns
        self.lemmatizer = lemmatizer
        self.batch_size = batch_size
        self._pool = None
        self._results: Iterator[Any] | None = None
        self._langs = tuple(sorted({lang for chunk in chunks for lang, _ in chunk}))
        n_passages = sum(len(chunk) for chunk in chunks)
        if scheduler is not None and n_passages >= IN_PROCESS_PASSAGES:
            jobs = ((list(chunk), lemmatizer, batch_size) for chunk in chunks)
            self._results = cluster_map(scheduler, _cluster_work, jobs, name="lemmatise")
        elif n_process > 1 and chunks and n_passages >= IN_PROCESS_PASSAGES:
            n_workers = min(n_process, len(chunks))
            if "fork" in multiprocessing.get_all_start_methods():
                # Not a forkserver that preloads the models: its workers would be the server's
                # children, and `die_with_parent` could not tie them to this run. Forking a
                # process that holds threads is safe here: Arrow's thread pools and OpenBLAS
                # re-create theirs in the child, and the workers only run spaCy and build
                # Arrow arrays, taking none of this process's other locks.
                with self._loading():
                    load_models(self._langs, lemmatizer)
                gc.freeze()
                try:
                    self._pool = multiprocessing.get_context("fork").Pool(
                        n_workers, initializer=_init_forked, initargs=(os.getpid(),))
                finally:
                    gc.unfreeze()  # the workers have forked; this process may collect again
            else:
                self._pool = multiprocessing.get_context("spawn").Pool(
                    n_workers, initializer=_init_worker,
                    initargs=(os.getpid(), lemmatizer, self._langs))
            jobs = ((list(chunk), lemmatizer, batch_size) for chunk in chunks)
            self._results = self._pool.imap(_work, jobs)

    @property
    def in_workers(self) -> bool:
        """True when worker processes do the work."""
        return self._results is not None

    def _loading(self) -> AbstractContextManager[int]:
        return self._patterns.loading() if self._patterns is not None else nullcontext(0)

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._results is None:
            if self._langs:  # nothing to lemmatise: no model, no stored pattern read
                with self._loading():
                    load_models(self._langs, self.lemmatizer)
            for chunk in self.chunks:
                yield analyse_passages(chunk, lemmatizer=self.lemmatizer,
                                       batch_size=self.batch_size)
            return
        for chunk, blob in zip(self.chunks, self._results, strict=True):
            if isinstance(blob, TaskFailed):
                if isinstance(blob.error, LemmatizerError):
                    raise blob.error  # a cluster worker without the model: the user's to fix
                # its worker died (memory?): this process does the chunk
                yield analyse_passages(chunk, lemmatizer=self.lemmatizer,
                                       batch_size=self.batch_size)
            else:
                yield read_rows(blob)

    def __enter__(self) -> LemmaPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        close = getattr(self._results, "close", None)
        if close is not None:  # the cluster's generator: disconnect from the scheduler
            close()
        if self._pool is not None:
            # Every result has been read (or the caller failed): stop the workers at once
            # rather than wait for each to tear its models down.
            self._pool.terminate()
            self._pool.join()
            self._pool = None


def chunk_tasks(tasks: Iterable[tuple[str, str]], *, size: int,
                max_chars: int = 400_000) -> list[list[tuple[str, str]]]:
    """Group passages into chunks of `size` passages (or fewer, up to `max_chars`)."""
    chunks: list[list[tuple[str, str]]] = []
    cur: list[tuple[str, str]] = []
    chars = 0
    for task in tasks:
        if cur and (len(cur) >= size or chars + len(task[1]) > max_chars):
            chunks.append(cur)
            cur, chars = [], 0
        cur.append(task)
        chars += len(task[1])
    if cur:
        chunks.append(cur)
    return chunks

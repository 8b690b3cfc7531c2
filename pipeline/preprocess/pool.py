"""Lemmatisation in worker processes that load their models once and return rows as bytes.

    >>> chunk_tasks([("fr", "a"), ("fr", "b"), ("en", "c")], size=2)[0]
    [('fr', 'a'), ('fr', 'b')]
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Iterable, Iterator, Sequence

import pyarrow as pa

from pipeline.preprocess.lemmatize import (
    ANALYSIS,
    _analyser_for,
    _pipeline_for,
    analyse_passages,
)
from pipeline.workers import die_with_parent

log = logging.getLogger(__name__)

_INIT_ERROR: Exception | None = None


def _init_worker(parent_pid: int, lemmatizer: str, langs: tuple[str, ...]) -> None:
    die_with_parent(parent_pid)
    # Load the models as soon as the worker starts, while the parent reads its cache. A failure
    # is kept for the first job to raise: a Pool whose initializer raises restarts the worker
    # forever instead of reporting it.
    global _INIT_ERROR
    try:
        for lang in langs:
            _pipeline_for(lang, lemmatizer)
            _analyser_for(lang, lemmatizer)
    except Exception as exc:
        _INIT_ERROR = exc
        return
    # The models live as long as the worker: keep the garbage collector from walking them.
    gc.freeze()


def _work(args: tuple[list[tuple[str, str]], str, int]) -> bytes:
    if _INIT_ERROR is not None:
        raise _INIT_ERROR
    tasks, lemmatizer, batch_size = args
    # Bytes, not Doc objects: the parent gets the rows it stores, ready to use.
    return analyse_passages(tasks, lemmatizer=lemmatizer, batch_size=batch_size
                            ).serialize().to_pybytes()


class LemmaPool:
    """Lemmatise chunks of passages, in worker processes when `n_process` > 1.

    The workers start at once (so they load their models while the caller reads its cache);
    they are fresh processes (spawn), each loading the models it needs once, and they send back
    Arrow bytes, never spaCy objects. Iterate to get one `ANALYSIS` batch per chunk, in chunk
    order, its `task` column indexing the chunk. Use it as a context manager.

    Args:
        chunks: lists of (lang, text) passages.
        lemmatizer: "spacy" or "simplemma".
        batch_size: texts per `nlp.pipe` batch.
        n_process: worker processes; 1 (or less) lemmatises in this process, lazily.
    """

    def __init__(self, chunks: Sequence[Sequence[tuple[str, str]]], *, lemmatizer: str,
                 batch_size: int, n_process: int) -> None:
        self.chunks = chunks
        self.lemmatizer = lemmatizer
        self.batch_size = batch_size
        self._pool = None
        self._results = None
        if n_process > 1 and chunks:
            langs = tuple(sorted({lang for chunk in chunks for lang, _ in chunk}))
            # Fresh processes (spawn), not forks of this one: it may hold threads (Arrow's
            # pools) and their locks. Each worker pays spaCy's start-up (~4 s of CPU, mostly
            # compiling the French tokenizer's patterns) while this process reads its cache.
            ctx = multiprocessing.get_context("spawn")
            self._pool = ctx.Pool(min(n_process, len(chunks)), initializer=_init_worker,
                                  initargs=(os.getpid(), lemmatizer, langs))
            jobs = ((list(chunk), lemmatizer, batch_size) for chunk in chunks)
            self._results = self._pool.imap(_work, jobs)

    @property
    def in_workers(self) -> bool:
        """True when worker processes do the work."""
        return self._results is not None

    def __iter__(self) -> Iterator[pa.RecordBatch]:
        if self._results is None:
            for chunk in self.chunks:
                yield analyse_passages(chunk, lemmatizer=self.lemmatizer,
                                       batch_size=self.batch_size)
            return
        for blob in self._results:
            yield pa.ipc.read_record_batch(pa.py_buffer(blob), ANALYSIS)

    def __enter__(self) -> LemmaPool:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
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

"""Per-document results of the contrasts stage's sentence pass, kept between runs.

A document's lexicon matches (counts per frame) and concordance lines (of lexicon terms and of
its firm's top keyness terms) depend only on its sentences, the lexicon, the concordance width
and the terms wanted for its firm; they are kept in `<cache>/matches.sqlite` under a key made of
all of these, so a re-run matches only the documents that are new or changed (or whose firm's
top terms changed). What spans documents (keyness, frame measures with their bootstrap,
trends, firm-versus-rest tests, correspondence analysis) is computed again from the counts on
every run. Delete the folder to start afresh.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline.errors import InputError
from pipeline.io import open_cache

log = logging.getLogger(__name__)

#: bump when what an entry holds, or how it is computed, changes
VERSION = "1"
#: the columns of a sentence a document's entry depends on
KEY_COLUMNS = ("doc_id", "passage_id", "sent_id", "firm", "year", "lang", "url", "start_char",
               "text", "tokens", "lemmas", "starts", "keep")


class CacheError(InputError):
    """The contrasts cache cannot be read."""


class MatchCache:
    """Per-document match counts and concordance lines in one SQLite file.

    Entries are pickles of the stage's own DataFrames, written and read by this stage only.
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / "matches.sqlite"
        self.hits = 0
        self.misses = 0
        self._db = open_cache(self.path, "value BLOB NOT NULL", CacheError)

    def get(self, key: str) -> tuple[pd.DataFrame, pd.DataFrame | None] | None:
        """A document's (match counts, concordance lines), or None."""
        row = self._db.execute("SELECT value FROM documents WHERE key = ?", (key,)).fetchone()
        if row is None:
            self.misses += 1
            return None
        try:
            value = pickle.loads(row[0])
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as exc:
            log.warning("%s: unreadable entry %s (%s); matching again", self.path, key, exc)
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, counts: pd.DataFrame, lines: pd.DataFrame | None) -> None:
        self._db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?)",
                         (key, pickle.dumps((counts, lines), protocol=pickle.HIGHEST_PROTOCOL)))

    def close(self) -> None:
        self._db.commit()
        self._db.close()


def settings_key(*parts: object) -> str:
    """What every entry of a run shares: the lexicon, the concordance width, the version."""
    return hashlib.sha256("\x1f".join(map(str, (VERSION, *parts))).encode()).hexdigest()


def document_keys(sentences: pd.DataFrame, settings: str, wanted: dict[str, str]
                  ) -> dict[str, str]:
    """Cache key of each document of a batch of sentences.

    Args:
        sentences: SENTENCES rows, each document's rows consecutive.
        settings: `settings_key` of the run.
        wanted: firm → hash of the terms whose concordance lines the firm gets.
    """
    keys: dict[str, str] = {}
    cols = [sentences[c].to_numpy() for c in KEY_COLUMNS]
    doc_ids = cols[0]
    firm_col = KEY_COLUMNS.index("firm")
    h = hashlib.sha256()
    current = ""
    for i in range(len(sentences)):
        if i == 0 or doc_ids[i] != current:
            if i:
                keys[current] = h.hexdigest()
            current = str(doc_ids[i])
            h = hashlib.sha256(f"{settings}\x1f{wanted.get(cols[firm_col][i], '')}".encode())
        for col in cols:
            value = col[i]
            text = (" ".join(map(str, value)) if isinstance(value, list | np.ndarray)
                    else str(value))
            h.update(text.encode("utf-8", "surrogatepass") + b"\x1e")
    if len(sentences):
        keys[current] = h.hexdigest()
    return keys


def wanted_keys(wanted: pd.DataFrame) -> dict[str, str]:
    """firm → hash of its wanted (term, lang) pairs."""
    out = {}
    for firm, part in wanted.groupby("firm", sort=True):
        pairs = sorted(zip(part["term"], part["lang"], strict=True))
        out[str(firm)] = hashlib.sha256(repr(pairs).encode()).hexdigest()
    return out


def split_by_doc(frame: pd.DataFrame | None, doc_ids: Iterable[str]
                 ) -> dict[str, pd.DataFrame | None]:
    """Rows of `frame` per document (None for a document with none)."""
    out: dict[str, pd.DataFrame | None] = dict.fromkeys(doc_ids)
    if frame is not None and len(frame):
        for doc, part in frame.groupby("doc_id", sort=False):
            out[str(doc)] = part.reset_index(drop=True)
    return out

"""Counts the contrasts are computed from, added up batch by batch so no table is held whole.

bags and sentences in batches of whole documents → per language, term counts and word tokens per
(firm, year) unit (keyness); per (document, language), word tokens, firm, year and the hash of
its terms (frames, bootstrap); per (document, language, frame), lexicon matches.

What grows with the corpus here is one row per document and one count per (unit, term) that
occurs, not one entry per token: the stage's memory follows the number of documents and the
vocabulary, with one batch of tokens at a time on top.

    >>> import pandas as pd
    >>> bags = pd.DataFrame({"passage_id": ["d1-0", "d2-0"], "doc_id": ["d1", "d2"],
    ...     "firm": ["a", "a"], "year": pd.array([2019, 2020], dtype="Int16"),
    ...     "lang": ["fr", "fr"], "n_tokens": [5, 4], "terms": [["ville", "eau"], ["ville"]]})
    >>> counts = TermCounts()
    >>> for batch in doc_batches([bags.iloc[:1], bags.iloc[1:]], by="doc_id"):
    ...     counts.add(batch)
    >>> units, matrix, vocab = counts.table("fr")
    >>> units["n_tokens"].tolist(), vocab, matrix.toarray().tolist()
    ([5, 4], ['ville', 'eau'], [[1, 1], [1, 0]])
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse

from pipeline.resample import content_keys

#: rows gathered before a batch is cut (at a document boundary)
BATCH_ROWS = 10_000


def doc_batches(frames: Iterable[pd.DataFrame], *, by: str = "doc_id",
                rows: int = BATCH_ROWS) -> Iterator[pd.DataFrame]:
    """Re-cut a stream of tables into batches of about `rows` rows holding whole documents.

    Args:
        frames: tables whose rows are grouped by `by` (a document's rows consecutive), read
            in any sizes.
        by: the document column.
        rows: rows a batch gathers before it is cut at the next document boundary.

    Raises:
        ValueError: a document's rows are not consecutive (it comes back after another).
    """
    pending: list[pd.DataFrame] = []
    n_pending = 0
    seen: set[str] = set()

    def check(batch: pd.DataFrame) -> pd.DataFrame:
        ids = pd.unique(batch[by])
        again = seen.intersection(ids)
        if again:
            raise ValueError(f"rows of document {sorted(again)[0]} are not consecutive: the "
                             "table must be grouped by document")
        seen.update(ids)
        return batch

    for frame in frames:
        if frame.empty:
            continue
        pending.append(frame)
        n_pending += len(frame)
        if n_pending < rows:
            continue
        whole = pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0]
        ids = whole[by].to_numpy()
        # Cut before the last document's first row: it may go on in the next frame.
        cut = int(np.flatnonzero(ids != ids[-1])[-1]) + 1 if (ids != ids[-1]).any() else 0
        if cut:
            yield check(whole.iloc[:cut].reset_index(drop=True))
        rest = whole.iloc[cut:].reset_index(drop=True)
        pending, n_pending = [rest], len(rest)
    if n_pending:
        yield check(pd.concat(pending, ignore_index=True) if len(pending) > 1 else pending[0])


@dataclass
class _LangCounts:
    # (firm, year) or, when the bags carry a `kind`, (firm, year, kind)
    units: dict[tuple, int] = field(default_factory=dict)
    tokens: list[int] = field(default_factory=list)
    vocab: dict[str, int] = field(default_factory=dict)
    rows: list[np.ndarray] = field(default_factory=list)
    cols: list[np.ndarray] = field(default_factory=list)
    vals: list[np.ndarray] = field(default_factory=list)

    def add(self, b: pd.DataFrame) -> None:
        years = b["year"].astype("Int64")
        parts = [b["firm"].astype(str), years.astype(object).where(years.notna(), None)]
        if "kind" in b:
            parts.append(b["kind"].astype(str))
        keys = list(zip(*parts, strict=True))
        local, uniq = pd.factorize(pd.Series(keys, dtype=object))
        unit = np.empty(len(uniq), dtype=np.int64)
        for i, key in enumerate(uniq):
            if key not in self.units:
                self.units[key] = len(self.units)
                self.tokens.append(0)
            unit[i] = self.units[key]
        row_unit = unit[local]
        for u, n in zip(row_unit, b["n_tokens"].to_numpy(np.int64), strict=True):
            self.tokens[u] += int(n)
        lengths = np.fromiter((len(t) for t in b["terms"]), dtype=np.int64, count=len(b))
        if not lengths.sum():
            return
        flat = np.concatenate([np.asarray(t, dtype=object) for t in b["terms"].to_numpy()])
        tcode, terms = pd.factorize(flat)
        term_id = np.fromiter((self.vocab.setdefault(t, len(self.vocab)) for t in terms),
                              dtype=np.int64, count=len(terms))
        m = sparse.coo_matrix((np.ones(len(tcode), dtype=np.int64),
                               (np.repeat(row_unit, lengths), term_id[tcode])),
                              shape=(len(self.units), len(self.vocab))).tocsr()
        m.sum_duplicates()
        coo = m.tocoo()
        self.rows.append(coo.row.astype(np.int64))
        self.cols.append(coo.col.astype(np.int64))
        self.vals.append(coo.data)
        if len(self.rows) > 64:  # keep the parts few: fold them into one
            self._fold()

    def _fold(self) -> None:
        m = self.matrix().tocoo()
        self.rows, self.cols, self.vals = [m.row.astype(np.int64)], [m.col.astype(np.int64)], \
            [m.data]

    def matrix(self) -> sparse.csr_matrix:
        shape = (len(self.units), len(self.vocab))
        if not self.rows:
            return sparse.csr_matrix(shape, dtype=np.int64)
        m = sparse.csr_matrix((np.concatenate(self.vals),
                               (np.concatenate(self.rows), np.concatenate(self.cols))),
                              shape=shape)
        m.sum_duplicates()
        m.sort_indices()
        return m


class TermCounts:
    """Per language, term counts and word tokens per (firm, year) unit, added batch by batch."""

    def __init__(self) -> None:
        self._langs: dict[str, _LangCounts] = {}

    def add(self, bags: pd.DataFrame) -> None:
        """Add a batch of BAGS rows (firm, year, lang, n_tokens, terms)."""
        for lang, b in bags.groupby("lang", sort=True):
            self._langs.setdefault(str(lang), _LangCounts()).add(b)

    @property
    def langs(self) -> list[str]:
        return sorted(self._langs)

    def table(self, lang: str) -> tuple[pd.DataFrame, sparse.csr_matrix, list[str]]:
        """The units of a language (firm, year, n_tokens, and kind when the bags had one;
        ordered by firm, then year with the undated first), their units × terms counts, and
        the terms (in order of first appearance)."""
        lc = self._langs[lang]
        keys = list(lc.units)
        order = sorted(range(len(keys)), key=lambda i: (keys[i][0], "" if keys[i][1] is None
                                                        else str(keys[i][1]), *keys[i][2:]))
        units = pd.DataFrame({
            "firm": [keys[i][0] for i in order],
            "year": pd.array([keys[i][1] for i in order], dtype="Int16"),
            "n_tokens": np.array([lc.tokens[i] for i in order], dtype=np.int64)})
        if keys and len(keys[0]) > 2:
            units["kind"] = [keys[i][2] for i in order]
        return units, lc.matrix()[order], list(lc.vocab)


class DocCounts:
    """Per (document, language): firm, year, word tokens and the hash of the document's terms;
    per (document, language, frame): lexicon matches. Added batch by batch."""

    def __init__(self) -> None:
        self._docs: list[pd.DataFrame] = []
        self._keys: list[pd.Series] = []
        self._hits: list[pd.DataFrame] = []

    def add_bags(self, bags: pd.DataFrame) -> None:
        """Add a batch of BAGS rows holding whole documents."""
        self._docs.append(bags.groupby(["doc_id", "lang"], sort=True)
                          .agg(firm=("firm", "first"), year=("year", "first"),
                               n_tokens=("n_tokens", "sum")).reset_index())
        self._keys.append(content_keys(bags))

    def add_hits(self, hits: pd.DataFrame, stream_sents: pd.DataFrame) -> None:
        """Add lexicon matches (`match_lexicon` rows) of a stream built from `stream_sents`."""
        self.add_counts(hit_counts(hits, stream_sents))

    def add_counts(self, counts: pd.DataFrame | None) -> None:
        """Add `hit_counts` rows."""
        if counts is not None and len(counts):
            self._hits.append(counts)

    def docs(self) -> pd.DataFrame:
        """doc_id, lang, firm, year, n_tokens, by doc_id and lang."""
        if not self._docs:
            return pd.DataFrame({"doc_id": pd.Series([], dtype=object),
                                 "lang": pd.Series([], dtype=object),
                                 "firm": pd.Series([], dtype=object),
                                 "year": pd.array([], dtype="Int16"),
                                 "n_tokens": pd.Series([], dtype=np.int64)})
        docs = pd.concat(self._docs, ignore_index=True)
        return docs.sort_values(["doc_id", "lang"], kind="stable").reset_index(drop=True)

    def content_keys(self) -> pd.Series:
        """doc_id → hash of its terms (see `pipeline.resample.content_keys`)."""
        keys = [k for k in self._keys if len(k)]
        return pd.concat(keys) if keys else pd.Series(dtype=object, name="content_key")

    def hits(self) -> pd.DataFrame:
        """doc_id, lang, col (`group/frame`), n: matches per document, language and frame."""
        if not self._hits:
            return pd.DataFrame(columns=["doc_id", "lang", "col", "n"])
        return (pd.concat(self._hits, ignore_index=True)
                .groupby(["doc_id", "lang", "col"], as_index=False)["n"].sum())


def hit_counts(hits: pd.DataFrame, stream_sents: pd.DataFrame) -> pd.DataFrame:
    """doc_id, lang, col (`group/frame`), n: lexicon matches (`match_lexicon` rows of a stream
    built from `stream_sents`) per document, language and frame."""
    if not len(hits):
        return pd.DataFrame({"doc_id": pd.Series([], dtype=object),
                             "lang": pd.Series([], dtype=object),
                             "col": pd.Series([], dtype=object),
                             "n": pd.Series([], dtype=np.int64)})
    h = pd.DataFrame({"doc_id": stream_sents["doc_id"].to_numpy()[hits["row"].to_numpy()],
                      "lang": hits["lang"].to_numpy(),
                      "col": (hits["group"] + "/" + hits["frame"]).to_numpy()})
    return h.groupby(["doc_id", "lang", "col"]).size().rename("n").reset_index()

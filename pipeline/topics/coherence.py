"""Topic coherence (c_npmi and c_v) from one pass over the texts, in time linear in their length.

The sweep scores every topic of every K with two measures that read the texts through sliding
windows: c_npmi (windows of 10 terms) and c_v (windows of 110). gensim's `CoherenceModel` walks
the texts once per measure and counts, window by window in Python, every pair of top terms the
window holds; on a large corpus that is most of the sweep. Here one pass over the texts turns
each text into the runs of windows in which each top term is present, for both window sizes at
once, and the co-occurrence counts are one sparse product per batch of texts. The counts are
additive over texts, so a pool can count batches apart and add them up (`Cooccurrence.add`).

The numbers are gensim's own (`tests/test_topics_coherence.py` compares them on random texts):
the same windows (a text shorter than the window is one window; an empty text counts as one
empty window), the same presence rule (gensim's accumulator slides a set of present terms:
entering the window adds the term at its right edge, leaving it removes the term at the left
edge, even when the same term is still inside the window; this module applies that rule, so
its counts are exactly gensim's), the same NPMI with ε = 1e-12, and the same aggregation
(c_npmi: the mean NPMI over the topic's pairs; c_v: the mean cosine between each term's NPMI
vector over the topic's terms and the topic's summed vector).

    >>> texts = [["tram", "bus", "gare", "parc"], ["tram", "bus"], ["parc", "arbre"]] * 5
    >>> counts = count_cooccurrence(texts, ["tram", "bus", "parc", "arbre"], windows=(10,))
    >>> [round(float(x), 2) for x in c_npmi([["tram", "bus"], ["bus", "arbre"]], counts[10])]
    [1.0, -0.95]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

#: gensim's ε in the log ratio (direct_confirmation_measure.EPSILON)
EPSILON = 1e-12
#: window sizes of each measure (gensim's SLIDING_WINDOW_SIZES)
WINDOWS = {"c_npmi": 10, "c_v": 110}
#: term positions per batch: bounds the memory of one batch's window matrix
BATCH_TOKENS = 200_000


@dataclass
class Cooccurrence:
    """Window counts of `words`: `co[i, j]` windows holding both words i and j (the diagonal:
    the windows holding each word), out of `n_windows`."""

    words: list[str]
    co: np.ndarray
    n_windows: int

    def add(self, other: Cooccurrence) -> Cooccurrence:
        """The counts of both sets of texts together (counted for the same words)."""
        if other.words != self.words:
            raise ValueError("cannot add window counts of different words")
        return Cooccurrence(self.words, self.co + other.co, self.n_windows + other.n_windows)


def count_cooccurrence(texts: Sequence[Sequence[str]], words: Sequence[str], *,
                       windows: Sequence[int] = tuple(WINDOWS.values())
                       ) -> dict[int, Cooccurrence]:
    """Count the windows holding each word and each pair of `words`, for each window size.

    Args:
        texts: term sequences (one per passage), in order.
        words: the words to count (ids: their positions in this list).
        windows: window sizes.

    Returns:
        Window size → counts.
    """
    words = list(words)
    index = {w: i for i, w in enumerate(words)}
    out = {w: Cooccurrence(words, np.zeros((len(words), len(words)), dtype=np.int64), 0)
           for w in windows}
    start = 0
    while start < len(texts):
        stop, size = start, 0
        while stop < len(texts) and (size < BATCH_TOKENS or stop == start):
            size += len(texts[stop])
            stop += 1
        batch = texts[start:stop]
        lengths = np.fromiter((len(t) for t in batch), dtype=np.int64, count=len(batch))
        ids = np.fromiter((index.get(term, -1) for t in batch for term in t), dtype=np.int64,
                          count=int(lengths.sum()))
        for w in windows:
            co, n_win = _batch_counts(ids, lengths, w, len(words))
            out[w] = out[w].add(Cooccurrence(words, co, n_win))
        start = stop
    return out


def _batch_counts(ids: np.ndarray, lengths: np.ndarray, window: int, n_words: int
                  ) -> tuple[np.ndarray, int]:
    """Counts over one batch of texts, concatenated in `ids` (-1: a word not counted)."""
    n_win = np.maximum(lengths - window + 1, 1)  # a short (or empty) text is one window
    win_offset = np.r_[0, np.cumsum(n_win)[:-1]]
    text_of = np.repeat(np.arange(len(lengths)), lengths)
    pos = np.arange(len(ids)) - np.repeat(np.r_[0, np.cumsum(lengths)[:-1]], lengths)
    keep = ids >= 0
    text, word, pos = text_of[keep], ids[keep], pos[keep]
    if not len(word):
        return np.zeros((n_words, n_words), dtype=np.int64), int(n_win.sum())
    # Each occurrence enters the window set at the first window it is the right edge of (or
    # the first window) and is removed when it leaves by the left edge; an entry at the same
    # window as a removal wins (gensim removes, then adds).
    n = len(word)
    times = np.r_[np.maximum(pos - window + 1, 0), pos + 1]
    kind = np.r_[np.ones(n, dtype=np.int8), np.zeros(n, dtype=np.int8)]
    text2, word2 = np.r_[text, text], np.r_[word, word]
    order = np.lexsort((kind, times, word2, text2))
    text2, word2, times, kind = text2[order], word2[order], times[order], kind[order]
    # Keep the last event of each (text, word, window): it decides presence from there on.
    last = np.r_[(text2[1:] != text2[:-1]) | (word2[1:] != word2[:-1])
                 | (times[1:] != times[:-1]), True]
    text2, word2, times, kind = text2[last], word2[last], times[last], kind[last]
    same_next = np.r_[(text2[1:] == text2[:-1]) & (word2[1:] == word2[:-1]), False]
    ends = np.where(same_next, np.r_[times[1:], 0], n_win[text2])
    on = kind == 1
    begin = times[on]
    end = np.minimum(ends[on], n_win[text2[on]])
    span = end - begin
    rows = np.repeat(win_offset[text2[on]] + begin - np.r_[0, np.cumsum(span)[:-1]], span) \
        + np.arange(int(span.sum()))
    cols = np.repeat(word2[on], span)
    m = sp.csr_matrix((np.ones(len(rows), dtype=np.int64), (rows, cols)),
                      shape=(int(n_win.sum()), n_words))
    return np.asarray((m.T @ m).todense(), dtype=np.int64), int(n_win.sum())


def npmi_matrix(counts: Cooccurrence) -> np.ndarray:
    """NPMI of every pair of words (gensim's normalised log ratio, with its ε)."""
    n = float(counts.n_windows)
    p = np.diag(counts.co) / n
    joint = counts.co / n
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log((joint + EPSILON) / np.outer(p, p)) / -np.log(joint + EPSILON)


def _topic_ids(topics: Sequence[Sequence[str]], words: list[str]) -> list[np.ndarray]:
    index = {w: i for i, w in enumerate(words)}
    return [np.fromiter((index[w] for w in t), dtype=np.int64, count=len(t)) for t in topics]


def c_npmi(topics: Sequence[Sequence[str]], counts: Cooccurrence) -> np.ndarray:
    """Mean NPMI over each topic's pairs of terms (windows of 10 for gensim's c_npmi).

    Args:
        topics: each topic's terms.
        counts: window counts of words that include every topic's terms.
    """
    npmi = npmi_matrix(counts)
    out = np.empty(len(topics))
    for t, ids in enumerate(_topic_ids(topics, counts.words)):
        sub = npmi[np.ix_(ids, ids)]
        off = ~np.eye(len(ids), dtype=bool)
        out[t] = sub[off].mean() if off.any() else np.nan
    return out


def c_v(topics: Sequence[Sequence[str]], counts: Cooccurrence) -> np.ndarray:
    """gensim's c_v: mean cosine between each term's NPMI vector over the topic's terms and
    the sum of those vectors (windows of 110). Arguments as for `c_npmi`."""
    npmi = npmi_matrix(counts)
    out = np.empty(len(topics))
    for t, ids in enumerate(_topic_ids(topics, counts.words)):
        vectors = npmi[np.ix_(ids, ids)]
        whole = vectors.sum(axis=0)
        with np.errstate(divide="ignore", invalid="ignore"):
            cos = vectors @ whole / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(whole))
        out[t] = cos.mean()
    return out


def topic_words(topics: Sequence[Sequence[str]]) -> list[str]:
    """The topics' distinct terms, in order of first appearance."""
    return list(dict.fromkeys(w for t in topics for w in t))


MEASURES = {"c_npmi": c_npmi, "c_v": c_v}

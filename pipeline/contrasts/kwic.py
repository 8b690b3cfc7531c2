"""Concordances (keyword in context) rebuilt from the sentences' own text.

matches (token spans in a `frames.Stream`) → one line per match: left context, the matched
words as written, right context, with the document, passage, sentence, URL, page and capture
date behind it.

The context is `kwic_window` words on each side (punctuation in between comes along), taken
across sentence ends but never out of the passage. Text is cut from the sentences as written
(offsets `start_char` + `starts`), so the match keeps its case, accents and punctuation; runs
of white space become one space.
"""

from __future__ import annotations

import logging
import re

import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import schemas
from pipeline.contrasts.frames import Stream
from pipeline.io import empty_frame

log = logging.getLogger(__name__)

_WORD = re.compile(r"\w")


def _passage_texts(sents: pd.DataFrame) -> tuple[dict[str, str], np.ndarray]:
    """Each passage's text rebuilt from its sentences, and each sentence's offset in it."""
    texts: dict[str, str] = {}
    offsets = np.zeros(len(sents), dtype=np.int64)
    pid = sents["passage_id"].to_numpy()
    start_char = sents["start_char"].to_numpy(dtype=np.int64)
    text = sents["text"].to_numpy()
    current, length = None, 0
    parts: list[str] = []
    for i in range(len(sents)):
        if pid[i] != current:
            if current is not None:
                texts[current] = "".join(parts)
            current, parts, length = pid[i], [], 0
        # Place the sentence at its offset; a gap is padded, an inconsistent offset just
        # follows the previous sentence after one space.
        pad = start_char[i] - length if start_char[i] >= length else (1 if length else 0)
        parts.append(" " * pad)
        offsets[i] = length + pad
        parts.append(text[i])
        length = offsets[i] + len(text[i])
    if current is not None:
        texts[current] = "".join(parts)
    return texts, offsets


def concordance(stream: Stream, hits: pd.DataFrame, *, kwic_window: int) -> pd.DataFrame:
    """Left context, match and right context of every hit.

    Args:
        stream: the token stream the hits were found in.
        hits: rows with `pos` (first token in the stream) and `n_words` (tokens spanned).
        kwic_window: word tokens of context on each side.

    Returns:
        `hits` (index reset) with `left`, `match`, `right`, and the sentence's `doc_id`,
        `passage_id`, `sent_id`, `firm`, `year`, `lang`, `url`.
    """
    out = hits.reset_index(drop=True).copy()
    sents = stream.sentences
    for col in ("left", "match", "right"):
        out[col] = pd.Series([], dtype=object) if not len(out) else ""
    meta = ["doc_id", "passage_id", "sent_id", "firm", "year", "lang", "url"]
    if not len(out):
        for col in meta:
            out[col] = pd.Series([], dtype=sents[col].dtype if col in sents else object)
        return out
    needed = np.unique(stream.row[out["pos"].to_numpy()])
    passages = sents["passage_id"].to_numpy()
    pcodes = pd.factorize(passages)[0]
    wanted = np.isin(pcodes, pcodes[needed])
    sub = sents[wanted]
    texts, offsets_sub = _passage_texts(sub)
    sent_offset = np.zeros(len(sents), dtype=np.int64)
    sent_offset[np.flatnonzero(wanted)] = offsets_sub
    # Passage of every token, and each passage's first and last token in the stream.
    pcode = pcodes[stream.row]
    change = np.r_[True, pcode[1:] != pcode[:-1]]
    seg_first = np.maximum.accumulate(np.where(change, np.arange(len(pcode)), 0))
    seg_last_rev = np.r_[pcode[1:] != pcode[:-1], True]
    idx = np.arange(len(pcode))
    seg_last = np.minimum.accumulate(np.where(seg_last_rev, idx, len(pcode))[::-1])[::-1]
    tok_len = np.fromiter((len(t) for t in stream.token), dtype=np.int64, count=len(stream))
    abs_start = sent_offset[stream.row] + stream.start
    abs_end = abs_start + tok_len

    # Windows count words: punctuation inside them comes along but does not use them up.
    has_word = np.zeros(len(stream.vocab), dtype=bool)
    for form, code in stream.vocab.items():
        has_word[code] = _WORD.search(form) is not None
    is_word = has_word[stream.form]
    word_at = np.flatnonzero(is_word)
    words_before = np.r_[0, np.cumsum(is_word)]  # words before each position
    pos = out["pos"].to_numpy(np.int64)
    last = pos + out["n_words"].to_numpy(np.int64) - 1
    n_words = len(word_at)
    back = words_before[pos] - kwic_window  # the window's first word (its index among words)
    left_first = np.where(back >= 0, word_at[np.clip(back, 0, max(n_words - 1, 0))], 0)
    left_first = np.maximum(np.minimum(left_first, pos), seg_first[pos])
    ahead = words_before[last + 1] + kwic_window  # the first word past the window
    right_last = np.where(ahead < n_words, word_at[np.clip(ahead, 0, max(n_words - 1, 0))] - 1,
                          len(stream) - 1)
    right_last = np.minimum(np.maximum(right_last, last), seg_last[last])
    a_left, a_match = abs_start[left_first], abs_start[pos]
    a_end, a_right = abs_end[last], abs_end[right_last]
    pid_of = passages[stream.row[pos]]
    left, match, right = [], [], []
    for p, l0, m0, m1, r1 in zip(pid_of, a_left.tolist(), a_match.tolist(), a_end.tolist(),
                                 a_right.tolist(), strict=True):
        text = texts[p]
        left.append(" ".join(text[l0:m0].split()))
        match.append(" ".join(text[m0:m1].split()))
        right.append(" ".join(text[m1:r1].split()))
    out["left"], out["match"], out["right"] = left, match, right
    rows = stream.row[pos]
    for col in meta:
        out[col] = sents[col].to_numpy()[rows]
    return out


_KWIC_TEXT = [f.name for f in schemas.KWIC if pa.types.is_string(f.type)]


def line_sources(documents: pd.DataFrame, passages: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """What a concordance line gives besides its text: each passage's first page and each
    document's capture date (built once a run; `kwic_lines` looks them up batch by batch)."""
    return (passages.set_index("passage_id")["page_start"],
            documents.drop_duplicates("doc_id").set_index("doc_id")["captured_at"])


def kwic_lines(stream, frame_hits, term_hits, sources: tuple[pd.Series, pd.Series], *,
               kwic_window):
    """Concordance lines of one batch's matches, in KWIC's columns (not sorted); `sources`
    from `line_sources`."""
    parts = []
    if len(frame_hits):
        parts.append(frame_hits[["pos", "n_words", "term", "group", "frame"]])
    if len(term_hits):
        parts.append(term_hits[["pos", "n_words", "term"]].assign(group=None, frame=None))
    if not parts:
        return None
    hits = pd.concat(parts, ignore_index=True)
    lines = concordance(stream, hits, kwic_window=kwic_window)
    page, captured = sources
    lines["page"] = pd.array(page.reindex(lines["passage_id"]).to_numpy(), dtype="Int32")
    lines["captured_at"] = captured.reindex(lines["doc_id"]).to_numpy()
    lines["year"] = pd.array(lines["year"], dtype="Int16")
    lines["sent_id"] = lines["sent_id"].astype(np.int32)
    # Held until every batch is done: text in Arrow buffers takes a fraction of Python strings.
    for col in _KWIC_TEXT:
        lines[col] = lines[col].astype("string[pyarrow]")
    return lines[[*schemas.KWIC.names, "pos"]]


def sort_kwic(parts: list[pd.DataFrame | None]) -> pd.DataFrame:
    """All batches' lines in one KWIC table, by group, frame, term, firm, year, document,
    passage, sentence and position (a position is only compared within its sentence)."""
    parts = [p for p in parts if p is not None and len(p)]
    if not parts:
        return empty_frame(schemas.KWIC)
    lines = pd.concat(parts, ignore_index=True)
    lines = lines.sort_values(["group", "frame", "term", "firm", "year", "doc_id", "passage_id",
                               "sent_id", "pos"], na_position="last", kind="stable")
    return lines[schemas.KWIC.names].reset_index(drop=True)

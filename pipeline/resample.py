"""Content keys for resampling: the order a bootstrap draws from, fixed by the text itself.

A bootstrap that resamples documents in the order of their ids gives different intervals for
two scrapes of identical content, because ids hash the URL and the capture time. Sorting the
documents of a cell by a hash of their content first makes the draws — and so the intervals —
depend only on the text (and the seed).

    >>> import pandas as pd
    >>> bags = pd.DataFrame({"doc_id": ["b", "a"], "passage_id": ["b-0000", "a-0000"],
    ...                      "terms": [["ville"], ["ville"]]})
    >>> keys = content_keys(bags)
    >>> keys["a"] == keys["b"]
    True
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def _text(value) -> str:
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    return "\x1f".join(map(str, value))


def content_keys(frame: pd.DataFrame, *, text: str = "terms", by: str = "doc_id",
                 order: str = "passage_id") -> pd.Series:
    """A hex SHA-1 per document of its content (its rows' `text` in `order`), indexed by `by`.

    Args:
        frame: rows of passages (bags or passages tables).
        text: the column holding the content (a string or a list of terms).
        by: the document column.
        order: the column that orders a document's rows (passage ids keep their sequence).

    Returns:
        Series doc_id → key; identical content gives an identical key whatever the doc_id.
    """
    if frame.empty:
        return pd.Series(dtype=object, name="content_key")
    rows = frame[[by, order, text]].sort_values([by, order], kind="stable")
    out = {}
    for doc, part in rows.groupby(by, sort=True):
        h = hashlib.sha1()
        for value in part[text]:
            h.update(_text(value).encode("utf-8"))
            h.update(b"\x1e")
        out[doc] = h.hexdigest()
    return pd.Series(out, name="content_key")


def content_order(keys: pd.Series | np.ndarray, ids: pd.Series | np.ndarray) -> np.ndarray:
    """Positions that sort rows by content key, then id (ties: identical content)."""
    return np.lexsort((np.asarray(ids, dtype=str), np.asarray(keys, dtype=str)))

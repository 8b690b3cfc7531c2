"""Each firm against the rest: does its frame share or domain rate differ from the others'?

reads the per-document frame counts (`stage.document_counts`) → the VERSUS table: for every
opposition share (citizens/clients …) and every rate of a `set` group (offer domains,
performance dimensions), per firm, the firm's figure, the rest's (all other firms pooled), their
difference with a 95 % bootstrap interval, a two-sided bootstrap p-value and its
Benjamini-Hochberg q-value across firms (per figure). A firm "differs" when q ≤ fdr.

Documents are resampled within the firm and within the rest independently, in content order
(so the same text gives the same numbers), all years together (undated documents included),
French and English pooled. A firm with fewer than `min_tokens` word tokens is flagged
`enough = False` and is never said to differ.

    >>> import numpy as np
    >>> p = bootstrap_p(np.array([0.1, 0.2, 0.3, -0.1]))
    >>> round(float(p), 2)
    0.8
"""

from __future__ import annotations

import logging
import zlib

import numpy as np
import pandas as pd

from pipeline.contrasts.frames import (
    Quantity,
    frame_quantities,
    pool_languages,
    resample_cells,
)
from pipeline.fdr import bh_adjust
from pipeline.lexicon import Lexicon

log = logging.getLogger(__name__)

COLUMNS = ["group", "frame", "measure", "firm", "value", "rest_value", "diff", "ci_low",
           "ci_high", "p_value", "q_value", "differs", "n_docs", "n_tokens", "enough"]


def bootstrap_p(diffs: np.ndarray) -> float:
    """Two-sided bootstrap p-value of a difference being zero: twice the smaller share of
    resampled differences on either side of zero (+1 smoothing, at most 1)."""
    d = diffs[~np.isnan(diffs)]
    if not len(d):
        return float("nan")
    below = (np.sum(d <= 0) + 1) / (len(d) + 1)
    above = (np.sum(d >= 0) + 1) / (len(d) + 1)
    return float(min(1.0, 2 * min(below, above)))


def _wanted(quantities: list[Quantity], lexicon: Lexicon) -> list[Quantity]:
    """Opposition shares and the rates of `set` groups (domains, performance dimensions)."""
    kinds = {g.name: g.kind for g in lexicon.groups.values()}
    return [q for q in quantities
            if (q.measure == "share") or (q.measure == "rate" and kinds.get(q.group) == "set")]


def firm_vs_rest(docs: pd.DataFrame, columns: list[tuple[str, str]], lexicon: Lexicon, *,
                 n_bootstrap: int, seed: int, min_tokens: int, fdr: float) -> pd.DataFrame:
    """Every firm's shares and domain rates against the rest's, tested.

    Args:
        docs: per (document, language) counts from `stage.document_counts`.
        columns: the (group, frame) count columns.
        lexicon: the frame lexicon.
        n_bootstrap: resamples of documents.
        seed: seed of the resampling (each firm draws from its own stream).
        min_tokens: a firm with fewer word tokens is flagged `enough = False`.
        fdr: a difference with q ≤ fdr (and enough text) is marked `differs`.

    Returns:
        Rows of the VERSUS table (columns COLUMNS), sorted by group, frame, firm.
    """
    quantities = _wanted(frame_quantities(lexicon, columns), lexicon)
    names = [f"{g}/{f}" for g, f in columns]
    d = pool_languages(docs, names)
    firms = sorted(d["firm"].unique())
    if len(firms) < 2 or not quantities:
        return pd.DataFrame(columns=COLUMNS)
    values = d[[*names, "n_tokens"]].to_numpy(dtype=float)
    rows = []
    for firm in firms:
        mine = (d["firm"] == firm).to_numpy()
        cell = np.where(mine, 0, 1).astype(np.int64)
        sums = np.stack([values[mine].sum(axis=0), values[~mine].sum(axis=0)])
        point = np.stack([_figure(sums, q) for q in quantities], axis=-1)  # (2, n_q)
        if n_bootstrap > 0 and mine.sum() >= 2:
            rng = np.random.default_rng([seed, zlib.crc32(f"versus|{firm}".encode())])
            reps = resample_cells(values, cell, 2, quantities, n_bootstrap=n_bootstrap, rng=rng)
            diffs = reps[:, 0, :] - reps[:, 1, :]
        else:
            diffs = np.full((1, len(quantities)), np.nan)
        tokens = values[mine, -1].sum()
        for qi, q in enumerate(quantities):
            dq = diffs[:, qi]
            ok = ~np.isnan(dq)
            lo, hi = (np.quantile(dq[ok], [0.025, 0.975]) if ok.sum() >= 2
                      else (np.nan, np.nan))
            rows.append({"group": q.group, "frame": q.frame, "measure": q.measure,
                         "firm": firm, "value": point[0, qi], "rest_value": point[1, qi],
                         "diff": point[0, qi] - point[1, qi], "ci_low": lo, "ci_high": hi,
                         "p_value": bootstrap_p(dq) if ok.sum() >= 2 else np.nan,
                         "n_docs": int(mine.sum()), "n_tokens": int(tokens),
                         "enough": bool(tokens >= min_tokens)})
    out = pd.DataFrame(rows)
    key = out["group"] + "/" + out["frame"] + "/" + out["measure"]
    testable = out["p_value"].notna() & out["enough"]
    out["q_value"] = np.nan
    if testable.any():
        codes = pd.factorize(key[testable])[0]
        out.loc[testable, "q_value"] = bh_adjust(out.loc[testable, "p_value"], codes)
    out["differs"] = (out["q_value"] <= fdr).fillna(False).astype(bool)
    log.info("firm vs rest: %d figures, %d differ (q ≤ %g)", len(out), int(out["differs"].sum()),
             fdr)
    return out[COLUMNS].sort_values(["group", "frame", "measure", "firm"]).reset_index(drop=True)


def _figure(sums: np.ndarray, q: Quantity) -> np.ndarray:
    num = sums[:, list(q.num)].sum(axis=1)
    den = sums[:, list(q.den)].sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, q.scale * num / np.where(den > 0, den, 1.0), np.nan)

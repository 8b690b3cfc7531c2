"""Topic prevalence: each document's topic shares, and their means by firm, year and firm ×
year with bootstrap intervals over documents (resampled in content order, so identical text
gives identical intervals); and each firm's topic trends over years, tested like the frame
shares (`pipeline.trends`).
"""

from __future__ import annotations

import logging
import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.errors import TopicsError
from pipeline.fdr import bh_adjust
from pipeline.resample import content_order
from pipeline.trends import fit_trend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DocShares:
    """Topic shares per document.

    Attributes:
        docs: one row per document: doc_id, firm, year, n_passages, n_tokens (word tokens
            of its placed passages; absent when no weights were given), and optionally
            content_key (a hash of its text: the order bootstrap draws follow).
        shares: documents × K matrix, rows summing to 1.
    """

    docs: pd.DataFrame
    shares: np.ndarray

    def in_content_order(self) -> DocShares:
        """The same documents sorted by content key (then doc_id), so resampling draws
        follow the text and two scrapes of identical content give identical intervals."""
        docs = self.docs.reset_index(drop=True)
        keys = docs["content_key"].fillna(docs["doc_id"]) if "content_key" in docs \
            else docs["doc_id"]
        order = content_order(keys, docs["doc_id"])
        return DocShares(docs=docs.iloc[order].reset_index(drop=True), shares=self.shares[order])


def document_shares(doc_topics: pd.DataFrame, weights: pd.Series | None = None,
                    keys: pd.Series | None = None) -> DocShares:
    """Average passage shares into document shares, weighting passages by their tokens.

    Args:
        doc_topics: rows of DOC_TOPICS for one language (passage × topic).
        weights: word tokens per passage_id; equal weights when not given.
        keys: content key per doc_id (`pipeline.resample.content_keys`), kept as
            `docs.content_key` for the bootstrap.

    Returns:
        The documents (sorted by doc_id) and their shares.
    """
    wide = doc_topics.pivot(index="passage_id", columns="topic", values="share")
    meta = (doc_topics.drop_duplicates("passage_id").set_index("passage_id")
            .loc[wide.index, ["doc_id", "firm", "year"]])
    w = (np.ones(len(wide)) if weights is None
         else weights.reindex(wide.index).fillna(1).clip(lower=1).to_numpy(dtype=float))
    codes, doc_ids = pd.factorize(meta["doc_id"], sort=True)
    n_docs = len(doc_ids)
    sums = np.zeros((n_docs, wide.shape[1]))
    np.add.at(sums, codes, wide.to_numpy() * w[:, None])
    tokens = np.bincount(codes, weights=w, minlength=n_docs)
    shares = sums / tokens[:, None]
    docs = (meta.reset_index(drop=True).assign(_code=codes).groupby("_code", sort=True)
            .agg(doc_id=("doc_id", "first"), firm=("firm", "first"), year=("year", "first"),
                 n_passages=("doc_id", "size"))
            .reset_index(drop=True))
    if weights is not None:
        docs["n_tokens"] = tokens.round().astype(np.int64)
    if keys is not None:
        docs["content_key"] = keys.reindex(docs["doc_id"]).to_numpy()
    return DocShares(docs=docs, shares=shares)


def bootstrap_means(values: np.ndarray, *, n_bootstrap: int, rng: np.random.Generator
                    ) -> np.ndarray:
    """Means of `n_bootstrap` resamples (with replacement) of the rows of `values`.

    Vectorised: each block of resamples is a matrix of draw counts times `values`.

    Args:
        values: n × K (documents × topics).
        n_bootstrap: resamples.
        rng: the random generator.

    Returns:
        n_bootstrap × K resampled means.
    """
    n, k = values.shape
    out = np.empty((n_bootstrap, k))
    block = max(1, 4_000_000 // max(n, 1))  # bounds the counts matrix to ~32 MB
    for start in range(0, n_bootstrap, block):
        b = min(block, n_bootstrap - start)
        draws = rng.integers(0, n, size=(b, n)) + n * np.arange(b)[:, None]
        counts = np.bincount(draws.ravel(), minlength=b * n).reshape(b, n)
        out[start:start + b] = counts @ values / n
    return out


def _group_rng(seed: int, *key: object) -> np.random.Generator:
    # One stream per group, so adding a firm never moves another firm's interval.
    tag = zlib.crc32("|".join(map(str, key)).encode("utf-8"))
    return np.random.default_rng([seed, tag])


def prevalence(doc_shares: DocShares, *, n_bootstrap: int, seed: int, lang: str = "",
               min_tokens: int = 0, min_firm_tokens: int = 0) -> pd.DataFrame:
    """Topic shares overall, per firm, per year and per firm × year with bootstrap intervals.

    Args:
        doc_shares: the documents' topic shares.
        n_bootstrap: document resamples per group (0: no intervals).
        seed: seeds the resampling (with the group's name).
        lang: recorded in the rows, and part of the seed.
        min_tokens: a year or firm-year with fewer word tokens is flagged `enough = False`.
        min_firm_tokens: the same for a firm (and the whole corpus): a firm of a few short
            pages gets a profile, flagged as too little text.

    Returns:
        Rows of PREVALENCE: level all, firm, year, firm_year; ci_low/ci_high are NaN for a
        group of fewer than two documents.
    """
    doc_shares = doc_shares.in_content_order()
    docs, shares = doc_shares.docs, doc_shares.shares
    if docs.empty:
        return pd.DataFrame(columns=[c for c in schemas.PREVALENCE.names if c != "lang"])
    k = shares.shape[1]
    n_passages = docs["n_passages"].to_numpy()
    tokens = docs["n_tokens"].to_numpy() if "n_tokens" in docs else None
    dated = np.flatnonzero(docs["year"].notna().to_numpy())
    by_date = docs.iloc[dated]
    groupings = {
        "all": {(None, None): np.arange(len(docs))},
        "firm": {(f, None): i for f, i in docs.groupby("firm", sort=True).indices.items()},
        "year": {(None, y): dated[i]
                 for y, i in by_date.groupby("year", sort=True).indices.items()},
        "firm_year": {key: dated[i]
                      for key, i in by_date.groupby(["firm", "year"], sort=True).indices.items()},
    }
    frames = []
    for level, groups in groupings.items():
        for (firm, year), idx in groups.items():
            values = shares[idx]
            low = high = np.full(k, np.nan)
            if len(idx) >= 2 and n_bootstrap > 0:
                rng = _group_rng(seed, lang, level, firm, year)
                low, high = np.quantile(bootstrap_means(values, n_bootstrap=n_bootstrap, rng=rng),
                                        [0.025, 0.975], axis=0)
            n_tok = None if tokens is None else int(tokens[idx].sum())
            floor = min_tokens if "year" in level else min_firm_tokens
            frames.append(pd.DataFrame({
                "level": level, "firm": firm, "year": year, "topic": np.arange(k),
                "share": values.mean(axis=0), "ci_low": low, "ci_high": high,
                "n_docs": len(idx), "n_passages": int(n_passages[idx].sum()),
                "n_tokens": n_tok, "enough": None if n_tok is None else n_tok >= floor,
            }))
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("Int16")
    out["n_tokens"] = out["n_tokens"].astype("Int64")
    out["enough"] = out["enough"].astype("boolean")
    return out


def share_change(doc_shares: DocShares, *, topic: int, year_from: int, year_to: int,
                 firm: str | None = None, n_bootstrap: int, seed: int) -> dict[str, float]:
    """Change of a topic's share between two years, with a 95 % bootstrap interval.

    Documents are resampled within each year independently.

    Args:
        doc_shares: the documents' topic shares.
        topic: the topic.
        year_from, year_to: the two years compared.
        firm: restrict to one firm (default: all firms).
        n_bootstrap: resamples.
        seed: random seed.

    Returns:
        dict with change (share in year_to minus share in year_from), ci_low, ci_high,
        n_docs_from, n_docs_to.

    Raises:
        TopicsError: when either year has no document.
    """
    doc_shares = doc_shares.in_content_order()
    docs = doc_shares.docs
    sel = docs["firm"].eq(firm).to_numpy() if firm is not None else np.ones(len(docs), bool)
    a = doc_shares.shares[sel & docs["year"].eq(year_from).fillna(False).to_numpy(), topic]
    b = doc_shares.shares[sel & docs["year"].eq(year_to).fillna(False).to_numpy(), topic]
    if not len(a) or not len(b):
        raise TopicsError(f"no documents of {firm or 'any firm'} in {year_from} or {year_to}")
    rng = _group_rng(seed, "change", firm, topic, year_from, year_to)
    diffs = (bootstrap_means(b[:, None], n_bootstrap=n_bootstrap, rng=rng)
             - bootstrap_means(a[:, None], n_bootstrap=n_bootstrap, rng=rng))[:, 0]
    low, high = np.quantile(diffs, [0.025, 0.975])
    return {"change": float(b.mean() - a.mean()), "ci_low": float(low), "ci_high": float(high),
            "n_docs_from": len(a), "n_docs_to": len(b)}


def topic_trends(doc_shares: DocShares, *, min_tokens: int, min_years: int) -> pd.DataFrame:
    """Each firm's trend of every topic's share over years, with the frame shares' test.

    A document's share of a topic times its word tokens is read as the topic's tokens out of
    the document's tokens, and the quasi-binomial regression on year of `pipeline.trends`
    (documents as units, dispersion-widened intervals) gives the slope in log-odds per year.
    The frame shares' too-little-text rule applies: a firm-year with fewer than `min_tokens`
    word tokens (in this language's documents) is left out of the fit, and a firm needs
    `min_years` years with enough text. Undated documents never enter. Within a firm, the
    q-values are Benjamini-Hochberg across its topics.

    Args:
        doc_shares: the documents' topic shares (`docs` must carry `n_tokens`).
        min_tokens: word tokens a firm-year needs to enter the fit.
        min_years: years with enough text a trend needs.

    Returns:
        Rows of TOPIC_TRENDS without `lang`: one per firm × topic.

        >>> docs = pd.DataFrame({"doc_id": list("abcdef"), "firm": "f", "n_passages": 1,
        ...                      "year": [2018, 2018, 2019, 2019, 2020, 2020],
        ...                      "n_tokens": [800, 900, 700, 900, 800, 1000]})
        >>> rising = np.array([0.1, 0.15, 0.3, 0.35, 0.5, 0.6])
        >>> t = topic_trends(DocShares(docs, np.column_stack([rising, 1 - rising])),
        ...                  min_tokens=500, min_years=3)
        >>> t[["topic", "n_years"]].values.tolist(), bool(t["slope"].iloc[0] > 0)
        ([[0, 3], [1, 3]], True)
    """
    docs, shares = doc_shares.docs.reset_index(drop=True), doc_shares.shares
    if "n_tokens" not in docs:
        raise TopicsError("topic trends need each document's word tokens (n_tokens)")
    k = shares.shape[1]
    dated = docs["year"].notna().to_numpy()
    rows = []
    for firm in sorted(docs["firm"].unique()):
        mine = np.flatnonzero(dated & (docs["firm"] == firm).to_numpy())
        per_year = docs.iloc[mine].groupby("year")["n_tokens"].sum()
        good = sorted(int(y) for y, n in per_year.items() if n >= min_tokens)
        thin = sorted(int(y) for y, n in per_year.items() if n < min_tokens)
        use = mine[docs["year"].iloc[mine].isin(good).to_numpy()]
        years = docs["year"].iloc[use].to_numpy(dtype=float)
        trials = docs["n_tokens"].iloc[use].to_numpy(dtype=float)
        note = (f"too few years with enough text: {len(good)} year(s) with at least "
                f"{min_tokens} word tokens, {min_years} needed" if len(good) < min_years
                else None)
        for topic in range(k):
            row = {"firm": firm, "topic": topic, "first_year": good[0] if good else None,
                   "last_year": good[-1] if good else None, "n_years": len(good),
                   "slope": np.nan, "ci_low": np.nan, "ci_high": np.nan, "p_value": np.nan,
                   "dispersion": np.nan, "n_docs": len(use), "n_tokens": int(trials.sum()),
                   "note": note, "excluded_years": thin}
            if note is None:
                fit = fit_trend(years, shares[use, topic] * trials, trials=trials)
                if fit.converged and np.isfinite(fit.se):
                    row.update(slope=fit.slope, ci_low=fit.ci_low, ci_high=fit.ci_high,
                               p_value=fit.p_value, dispersion=fit.dispersion)
                else:
                    row["note"] = ("no finite slope: the topic is absent from every document "
                                   "of the first or of the last years (separation)")
            rows.append(row)
    out = pd.DataFrame(rows, columns=[c for c in schemas.TOPIC_TRENDS.names
                                      if c not in ("lang", "q_value")])
    out["q_value"] = np.nan
    tested = out["p_value"].notna()
    out.loc[tested, "q_value"] = bh_adjust(out.loc[tested, "p_value"],
                                           pd.factorize(out.loc[tested, "firm"])[0])
    for c in ("first_year", "last_year"):
        out[c] = out[c].astype("Int16")
    for c in ("slope", "ci_low", "ci_high", "p_value", "q_value", "dispersion"):
        out[c] = out[c].astype(float)
    return out[[c for c in schemas.TOPIC_TRENDS.names if c != "lang"]]

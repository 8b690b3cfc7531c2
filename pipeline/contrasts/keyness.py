"""Keyness statistics for two groups of texts, vectorised over terms and comparisons.

counts of terms in group a and group b (sparse matrices, one row per comparison) → per term:
log-odds ratio with informative Dirichlet prior and its z-score, signed G² with its p-value,
Benjamini-Hochberg q-value and log ratio, and Lafon's specificity.

Every statistic is signed the same way: positive when the term is over-used in group a, so
swapping the groups flips every sign.

- **Log-odds with informative Dirichlet prior** (Monroe, Colaresi & Quinn 2008, "Fightin'
  Words", eq. 16-22): prior α_w = `alpha0` × f_w / F from the whole corpus's counts,
  δ_w = log[(a+α_w)/(n_a+α_0−a−α_w)] − log[(b+α_w)/(n_b+α_0−b−α_w)],
  var(δ_w) ≈ 1/(a+α_w) + 1/(b+α_w), z = δ_w / √var.
- **G²** (Dunning 1993): the log-likelihood ratio statistic of the full 2 × 2 table
  (term / other terms × group a / group b), without continuity correction (the value of
  `scipy.stats.chi2_contingency(..., correction=False, lambda_="log-likelihood")`), its p-value
  from χ² with one degree of freedom, and BH q-values over the tested vocabulary of each
  comparison.
- **Log ratio** (Hardie 2014): log2 of the ratio of relative frequencies, a zero count taken as
  0.5 so that a term absent from one group gets a finite effect size; and the conservative log
  ratio, the bound of its exact 95 % interval nearest zero, which ranks the terms.
- **Lafon's specificity** (Lafon 1980, as TXM reports it): with the two groups as the whole
  corpus, a ~ Hypergeometric(N = n_a+n_b, K = a+b, n = n_a). When a is at least its expectation,
  +(−log10 P(X ≥ a)); below it, log10 P(X ≤ a). Tails are summed in log space from the point
  probability (`log_tail`), so extreme scores stay finite where P underflows a double.

    >>> import numpy as np
    >>> from scipy import sparse
    >>> ca = sparse.csr_matrix(np.array([[30, 5, 65]]))
    >>> cb = sparse.csr_matrix(np.array([[10, 20, 70]]))
    >>> t = score_keyness(ca, cb, np.array([100]), np.array([100]),
    ...                   prior=np.array([40, 25, 135]), alpha0=100.0, min_count=1)
    >>> t.sort_values("term_idx")[["count_a", "count_b"]].values.tolist()
    [[30, 10], [5, 20], [65, 70]]
    >>> [round(x, 2) for x in t.sort_values("term_idx")["g2"]]
    [12.97, -10.92, -0.57]
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse, special, stats

from pipeline.fdr import bh_adjust

log = logging.getLogger(__name__)

LOG10E = np.log10(np.e)
PACK = np.int64(2**31)  # counts above this in one group would not pack; no corpus comes near


def log_odds_dirichlet(a, b, n_a, n_b, alpha, alpha0: float):
    """Log-odds ratio with informative Dirichlet prior and its z-score (Monroe et al. 2008).

    Args:
        a, b: counts of each term in group a and in group b.
        n_a, n_b: total counts (all terms) of each group.
        alpha: prior pseudo-count of each term (summing to `alpha0` over the vocabulary).
        alpha0: total prior weight.

    Returns:
        (delta, z): the log-odds ratio (positive: over-used in a) and its z-score.
    """
    a, b, n_a, n_b, alpha = (np.asarray(x, dtype=float) for x in (a, b, n_a, n_b, alpha))
    la = np.log(a + alpha) - np.log(n_a + alpha0 - a - alpha)
    lb = np.log(b + alpha) - np.log(n_b + alpha0 - b - alpha)
    delta = la - lb
    var = 1.0 / (a + alpha) + 1.0 / (b + alpha)
    return delta, delta / np.sqrt(var)


def g2_signed(a, b, n_a, n_b):
    """Dunning's G² of the 2 × 2 table, signed (+ when over-used in a), and its p-value.

    Returns:
        (g2, p): signed statistic and χ²(1) p-value.
    """
    a, b, n_a, n_b = (np.asarray(x, dtype=float) for x in (a, b, n_a, n_b))
    n = n_a + n_b
    k = a + b
    e_a, e_b = n_a * k / n, n_b * k / n
    c, d = n_a - a, n_b - b
    e_c, e_d = n_a - e_a, n_b - e_b
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2.0 * (_xlogx_over(a, e_a) + _xlogx_over(b, e_b) + _xlogx_over(c, e_c)
                    + _xlogx_over(d, e_d))
    g2 = np.maximum(g2, 0.0)  # rounding can leave a tiny negative on an exact fit
    p = special.erfc(np.sqrt(g2 / 2.0))  # χ²(1) survival function, without scipy's overhead
    sign = np.sign(a * n_b - b * n_a)
    return sign * g2, p


def _xlogx_over(o, e):
    # o·ln(o/e) with 0·ln 0 = 0; e is 0 only where o is 0 too.
    return np.where(o > 0, special.xlogy(o, o) - special.xlogy(o, np.where(e > 0, e, 1.0)), 0.0)


def log_ratio(a, b, n_a, n_b):
    """Binary log of the ratio of relative frequencies, zero counts taken as 0.5 (Hardie 2014)."""
    a, b, n_a, n_b = (np.asarray(x, dtype=float) for x in (a, b, n_a, n_b))
    return np.log2(np.where(a > 0, a, 0.5) / n_a) - np.log2(np.where(b > 0, b, 0.5) / n_b)


def conservative_log_ratio(a, b, n_a, n_b, *, level: float = 0.95):
    """The bound of the log ratio's confidence interval nearest zero (0 when it holds zero).

    Given the term's k = a + b occurrences, a ~ Binomial(k, π) with π/(1−π) = 2^LR · n_a/n_b;
    the exact (Clopper–Pearson) interval of π gives the interval of the log ratio LR (the
    "conservative log ratio" of Hardie and Evert, as CQPweb ranks keywords). A term used 30
    times in one group and never in the other gets a large bound; one used 3 times, a small one.

    Args:
        a, b, n_a, n_b: counts and totals, as for `log_ratio`.
        level: confidence level of the two-sided interval.

    Returns:
        The lower bound where it is above 0 (over-used in a), the upper bound where it is below
        0 (over-used in b), else 0; binary log units, like `log_ratio`.
    """
    a, b, n_a, n_b = np.broadcast_arrays(*(np.asarray(x, dtype=float)
                                           for x in (a, b, n_a, n_b)))
    tail = (1.0 - level) / 2.0
    out = np.zeros(a.shape)
    # Only the bound on the side of the observed difference can leave zero out.
    up = (a * n_b >= b * n_a) & (a > 0)
    down = ~up & (b > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = special.betaincinv(a[up], b[up] + 1, tail)  # Clopper-Pearson lower bound of π
        lo = np.log2(p) - np.log2(1.0 - p) + np.log2(n_b[up]) - np.log2(n_a[up])
        p = special.betaincinv(a[down] + 1, b[down], 1 - tail)  # upper bound
        hi = np.log2(p) - np.log2(1.0 - p) + np.log2(n_b[down]) - np.log2(n_a[down])
    out[up] = np.maximum(lo, 0.0)
    out[down] = np.minimum(hi, 0.0)
    return out if out.ndim else float(out)


def lafon_specificity(a, b, n_a, n_b):
    """Lafon's specificity: signed −log10 of the hypergeometric tail (TXM's convention).

    Returns:
        −log10 P(X ≥ a) where a is at least its expectation (over-use: positive), and
        log10 P(X ≤ a) below it (under-use: negative); X ~ Hypergeometric(N = n_a + n_b,
        K = a + b, n = n_a).
    """
    a, b, n_a, n_b = (np.asarray(x, dtype=np.int64) for x in (a, b, n_a, n_b))
    a, b, n_a, n_b = np.broadcast_arrays(a, b, n_a, n_b)
    n, k = n_a + n_b, a + b
    over = a * n >= n_a * k  # a ≥ its expectation n_a·k/n, in exact integer arithmetic
    log_p = log_tail(a.ravel(), n.ravel(), k.ravel(), n_a.ravel(), upper=over.ravel())
    return np.where(over, -1.0, 1.0) * log_p.reshape(a.shape) * LOG10E


def log_tail(x, n, k, draws, *, upper) -> np.ndarray:
    """ln P(X ≥ x) where `upper`, else ln P(X ≤ x), for X ~ Hypergeometric(n, k, draws).

    Summed outward from x: P = pmf(x)·(1 + r₁ + r₁r₂ + …), r the ratio of successive point
    probabilities, all entries at once (each iteration advances every unfinished entry by one
    term; an entry stops when its terms no longer change its sum). Working in log space from
    pmf(x) keeps far tails exact where P itself would underflow a double (P < 1e-308), and it
    is much faster than summing each tail separately (scipy) when counts are large.

    Args:
        x, n, k, draws: integer arrays of one shape (population, successes, draws).
        upper: boolean array (or scalar): which tail.

    Returns:
        Natural log of the tail probability.
    """
    x, n, k, draws = (np.asarray(v, dtype=float).ravel() for v in (x, n, k, draws))
    up = np.broadcast_to(np.asarray(upper, dtype=bool), x.shape).ravel()
    out = stats.hypergeom.logpmf(x, n, k, draws)
    total = np.ones_like(x)
    # State of the unfinished entries, compacted whenever half of them have finished.
    idx = np.arange(len(x))
    j, term = x.copy(), np.ones_like(x)
    nn, kk, dd, uu = n, k, draws, up
    lo = np.maximum(0.0, dd - (nn - kk))
    hi = np.minimum(kk, dd)
    alive = np.ones(len(x), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):  # finished entries compute rubbish
        _sum_series(idx, j, term, nn, kk, dd, uu, lo, hi, alive, total)
    return out + np.log(total)


def _sum_series(idx, j, term, nn, kk, dd, uu, lo, hi, alive, total) -> None:
    while len(idx):
        ratio = np.where(
            uu,
            (kk - j) * (dd - j) / ((j + 1) * (nn - kk - dd + j + 1)),
            j * (nn - kk - dd + j) / np.maximum((kk - j + 1) * (dd - j + 1), 1.0))
        j = np.where(uu, j + 1, j - 1)
        edge = np.where(uu, j > hi, j < lo)
        term = np.where(edge | ~alive, 0.0, term * ratio)
        total[idx] += term
        alive &= ~edge & (term > total[idx] * 1e-17)
        if alive.sum() * 2 < len(idx):
            idx, j, term, nn, kk, dd, uu, lo, hi, alive = (
                v[alive] for v in (idx, j, term, nn, kk, dd, uu, lo, hi, alive))


def score_keyness(counts_a: sparse.spmatrix, counts_b: sparse.spmatrix, totals_a, totals_b, *,
                  prior, alpha0: float, min_count: int) -> pd.DataFrame:
    """Score every term of every comparison at once.

    Args:
        counts_a, counts_b: (comparisons × vocabulary) counts in group a and group b.
        totals_a, totals_b: total counts of each comparison's groups (all terms, even those
            below `min_count`).
        prior: corpus counts of each term (scaled to `alpha0` for the Dirichlet prior).
        alpha0: total weight of the informative Dirichlet prior.
        min_count: a term seen fewer times in both groups together is not tested.

    Returns:
        One row per tested (comparison, term): `comparison_idx`, `term_idx`, `count_a`,
        `count_b`, `total_a`, `total_b`, `log_odds`, `log_odds_se`, `z`, `g2`, `log_ratio`,
        `log_ratio_cons`, `p_g2`, `q_g2`
        (BH over the comparison's tested terms) and `lafon`; sorted by comparison, then z
        descending.
    """
    # Both groups' counts in one matrix over the union of their non-zeros: a·2³¹ + b.
    packed = (sparse.csr_matrix(counts_a, dtype=np.int64) * PACK
              + sparse.csr_matrix(counts_b, dtype=np.int64))
    return _score_packed(packed, totals_a, totals_b, prior=prior, alpha0=alpha0,
                         min_count=min_count)


def score_groups(select_a: sparse.spmatrix, select_b: sparse.spmatrix,
                 counts: sparse.spmatrix, *, alpha0: float, min_count: int) -> pd.DataFrame:
    """Score comparisons given as selections of units (rows of a units × terms count matrix).

    Both groups' counts come from one sparse product, (2³¹·A + B) · counts, whose entries
    pack a and b; the prior is the counts of all units together.

    Args:
        select_a, select_b: (comparisons × units) 0/1 matrices: the units of each group.
        counts: (units × vocabulary) term counts.
        alpha0: total weight of the informative Dirichlet prior.
        min_count: a term seen fewer times in both groups together is not tested.

    Returns:
        As `score_keyness`.
    """
    counts = sparse.csr_matrix(counts, dtype=np.int64)
    select_a = sparse.csr_matrix(select_a, dtype=np.int64)
    select_b = sparse.csr_matrix(select_b, dtype=np.int64)
    unit_totals = np.asarray(counts.sum(axis=1)).ravel()
    packed = (select_a * PACK + select_b) @ counts
    return _score_packed(packed, select_a @ unit_totals, select_b @ unit_totals,
                         prior=np.asarray(counts.sum(axis=0)).ravel(), alpha0=alpha0,
                         min_count=min_count)


def _score_packed(packed, totals_a, totals_b, *, prior, alpha0, min_count) -> pd.DataFrame:
    packed = packed.tocoo()
    a_all, b_all = packed.data // PACK, packed.data % PACK
    keep = a_all + b_all >= max(int(min_count), 1)
    rows, cols = packed.row[keep].astype(np.int64), packed.col[keep].astype(np.int64)
    a, b = a_all[keep], b_all[keep]
    n_a = np.asarray(totals_a, dtype=np.int64)[rows]
    n_b = np.asarray(totals_b, dtype=np.int64)[rows]
    prior = np.asarray(prior, dtype=float)
    alpha = alpha0 * prior[cols] / prior.sum() if prior.sum() > 0 else np.zeros(len(cols))
    delta, z = log_odds_dirichlet(a, b, n_a, n_b, alpha, alpha0)
    g2, p = g2_signed(a, b, n_a, n_b)
    columns = {
        "comparison_idx": rows, "term_idx": cols, "count_a": a, "count_b": b,
        "total_a": n_a, "total_b": n_b, "log_odds": delta,
        "log_odds_se": np.sqrt(1.0 / (a + alpha) + 1.0 / (b + alpha)), "z": z, "g2": g2,
        "log_ratio": log_ratio(a, b, n_a, n_b),
        "log_ratio_cons": conservative_log_ratio(a, b, n_a, n_b), "p_g2": p,
        "q_g2": bh_adjust(p, rows),
        "lafon": lafon_specificity(a, b, n_a, n_b),
    }
    order = np.lexsort((-z, rows))  # by comparison, then z descending
    return pd.DataFrame({k: v[order] for k, v in columns.items()})


def rank_top(table: pd.DataFrame, *, fdr: float, terms: Sequence[str] | None = None
             ) -> np.ndarray:
    """Rank of each term among the significant terms favouring the same group.

    Significance filters, a conservative effect size ranks (Gabrielatos & Marchi 2012; Hardie
    2014): terms with q_g2 ≤ `fdr` are ordered by |log_ratio_cons|, ties by |G²|. Ranking by a
    test statistic (z, G², Lafon) favours frequent words of modest effect over words that one
    group uses and the other never does; ranking by the bare effect favours words seen three
    times. The conservative log ratio does neither, and it does not depend on `alpha0`.

    Args:
        table: output of `score_keyness` (any order), with `comparison_idx`, `term_idx`,
            `log_ratio_cons`, `g2`, `q_g2`.
        fdr: the BH false discovery rate a term's q-value must not exceed.
        terms: the vocabulary `term_idx` points into; ties are then broken alphabetically
            (else by `term_idx`).

    Returns:
        1 for the most distinctive term of its side (log_ratio_cons > 0: group a; < 0:
        group b), 2 for the next … (ties: alphabetically by term); 0 for terms that are not
        significant or whose 95 % interval of the log ratio holds zero.
    """
    cons = table["log_ratio_cons"].to_numpy()
    side = np.sign(cons)
    ok = np.flatnonzero((table["q_g2"].to_numpy() <= fdr) & (side != 0))
    ranks = np.zeros(len(table), dtype=np.int64)
    if not len(ok):
        return ranks
    comp = table["comparison_idx"].to_numpy()[ok]
    # Ties last by term, alphabetically: a rank must not depend on the order the vocabulary
    # was met in (which changes when the units are cut differently, e.g. by source kind).
    term = table["term_idx"].to_numpy()[ok]
    if terms is not None:
        alphabetical = np.argsort(np.asarray(terms, dtype=object).astype(str), kind="stable")
        place = np.empty(len(alphabetical), dtype=np.int64)
        place[alphabetical] = np.arange(len(alphabetical))
        term = place[term]
    order = np.lexsort((term, -np.abs(table["g2"].to_numpy()[ok]), -np.abs(cons[ok]), side[ok],
                        comp))
    c, sd = comp[order], side[ok][order]
    first = np.r_[True, (c[1:] != c[:-1]) | (sd[1:] != sd[:-1])]
    start = np.maximum.accumulate(np.where(first, np.arange(len(c)), 0))
    ranks[ok[order]] = np.arange(len(c)) - start + 1
    return ranks

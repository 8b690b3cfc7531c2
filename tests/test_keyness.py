"""Keyness statistics against hand-computed values and scipy's own distributions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse, stats

from pipeline.contrasts.keyness import (
    bh_adjust,
    conservative_log_ratio,
    g2_signed,
    lafon_specificity,
    log_odds_dirichlet,
    log_ratio,
    rank_top,
    score_keyness,
)

TABLES = [(30, 10, 100, 100), (5, 20, 100, 100), (1, 0, 50, 800), (0, 7, 1200, 300),
          (40, 400, 1000, 10_000), (12, 3, 5_000, 90)]


@pytest.mark.parametrize(("a", "b", "na", "nb"), TABLES)
def test_g2_equals_scipy_log_likelihood_on_the_2x2_table(a, b, na, nb):
    table = np.array([[a, b], [na - a, nb - b]])
    expected = stats.contingency.expected_freq(table)
    ref = stats.power_divergence(table.ravel(), expected.ravel(), lambda_="log-likelihood",
                                 ddof=2)
    chi2 = stats.chi2_contingency(table, correction=False, lambda_="log-likelihood")
    g2, p = g2_signed(a, b, na, nb)
    assert abs(g2) == pytest.approx(ref.statistic, rel=1e-10)
    assert abs(g2) == pytest.approx(chi2.statistic, rel=1e-10)
    assert p == pytest.approx(ref.pvalue, rel=1e-8)
    assert np.sign(g2) == np.sign(a / na - b / nb)


@pytest.mark.parametrize(("a", "b", "na", "nb"), TABLES)
def test_lafon_equals_the_hypergeometric_tail_txm_signs(a, b, na, nb):
    n, k = na + nb, a + b
    if a >= na * k / n:
        expected = -math.log10(stats.hypergeom.sf(a - 1, n, k, na))  # P(X >= a)
    else:
        expected = math.log10(stats.hypergeom.cdf(a, n, k, na))  # P(X <= a)
    assert lafon_specificity(a, b, na, nb) == pytest.approx(expected, rel=1e-10)


def test_lafon_stays_exact_where_the_tail_underflows_a_double():
    # P(X >= 10000) here is about 1e-3000: far below the smallest double.
    cases = [(10_000, 0, 500_000, 500_000), (3_000, 100, 400_000, 600_000), (0, 400, 5_000, 5_000)]
    got = lafon_specificity(*map(np.array, zip(*cases, strict=True)))
    for (a, b, na, nb), value in zip(cases, got, strict=True):
        n, k = na + nb, a + b
        if a >= na * k / n:
            ref = -stats.hypergeom.logsf(a - 1, n, k, na) / math.log(10)
        else:
            ref = stats.hypergeom.logcdf(a, n, k, na) / math.log(10)
        assert np.isfinite(value)
        assert value == pytest.approx(ref, rel=1e-9)
    assert got[0] > 2_000 and got[2] < -100


def test_log_odds_z_by_hand_on_a_tiny_table():
    # Two terms; corpus counts 4 and 16, alpha0 = 2 → prior 0.4 and 1.6.
    # Term 0: a = 3 of 10 words, b = 1 of 10 words.
    delta, z = log_odds_dirichlet(3, 1, 10, 10, 0.4, 2.0)
    hand = math.log(3.4 / 8.6) - math.log(1.4 / 10.6)  # (a+α)/(n_a+α0−a−α) etc.
    assert delta == pytest.approx(hand, rel=1e-12)
    assert delta == pytest.approx(1.09639, abs=1e-5)  # ln(0.39535) − ln(0.13208)
    assert z == pytest.approx(hand / math.sqrt(1 / 3.4 + 1 / 1.4), rel=1e-12)
    assert z == pytest.approx(1.09639 / 1.00419, abs=1e-4)  # √(1/3.4 + 1/1.4) = 1.00419
    # The same through the vectorised table, prior taken from corpus counts.
    t = score_keyness(sparse.csr_matrix([[3, 7]]), sparse.csr_matrix([[1, 9]]), [10], [10],
                      prior=np.array([4, 16]), alpha0=2.0, min_count=1)
    row = t[t["term_idx"] == 0].iloc[0]
    assert row["log_odds"] == pytest.approx(hand, rel=1e-12)
    assert row["z"] == pytest.approx(z, rel=1e-12)


def _table(ca, cb, prior=None, min_count=1):
    ca, cb = np.atleast_2d(ca), np.atleast_2d(cb)
    prior = ca.sum(axis=0) + cb.sum(axis=0) if prior is None else prior
    return score_keyness(sparse.csr_matrix(ca), sparse.csr_matrix(cb), ca.sum(axis=1),
                         cb.sum(axis=1), prior=prior, alpha0=50.0, min_count=min_count)


def test_swapping_the_groups_flips_every_sign():
    ca = np.array([30, 5, 65, 0, 12, 1])
    cb = np.array([10, 20, 70, 9, 12, 0])
    ab = _table(ca, cb).sort_values("term_idx").reset_index(drop=True)
    ba = _table(cb, ca).sort_values("term_idx").reset_index(drop=True)
    for col in ("log_odds", "z", "g2", "log_ratio", "log_ratio_cons", "lafon"):
        np.testing.assert_allclose(ab[col], -ba[col], rtol=1e-10, atol=1e-12, err_msg=col)
    for col in ("p_g2", "q_g2"):
        np.testing.assert_allclose(ab[col], ba[col], rtol=1e-10)
    assert (ab["count_a"] == ba["count_b"]).all() and (ab["total_a"] == ba["total_b"]).all()


def test_a_term_absent_from_one_group_gets_finite_positive_scores():
    t = _table(np.array([8, 92]), np.array([0, 300])).set_index("term_idx")
    row = t.loc[0]
    assert row["count_b"] == 0 and row["count_a"] == 8
    for col in ("log_odds", "z", "g2", "log_ratio", "log_ratio_cons", "lafon"):
        assert np.isfinite(row[col]) and row[col] > 0, col
    assert row["log_ratio"] == pytest.approx(math.log2((8 / 100) / (0.5 / 300)))  # Hardie's 0.5
    assert row["lafon"] == pytest.approx(-math.log10(stats.hypergeom.sf(7, 400, 8, 100)))


def test_a_group_with_a_single_short_document_still_gets_finite_scores():
    t = _table(np.array([2, 1, 0]), np.array([50, 300, 40]))
    assert len(t) == 3
    assert np.isfinite(t[["log_odds", "z", "g2", "log_ratio", "lafon", "p_g2"]].to_numpy()).all()
    assert (t["total_a"] == 3).all()


def test_min_count_leaves_rare_terms_untested_but_totals_keep_them():
    t = _table(np.array([10, 2, 1]), np.array([10, 1, 0]), min_count=4)
    assert t["term_idx"].tolist() == [0]
    assert t["total_a"].iloc[0] == 13 and t["total_b"].iloc[0] == 11


def test_all_comparisons_at_once_equal_one_by_one():
    rng = np.random.default_rng(3)
    ca = rng.poisson(3, (4, 30))
    cb = rng.poisson(3, (4, 30))
    prior = rng.poisson(20, 30) + 1
    together = _table(ca, cb, prior=prior)
    for c in range(4):
        alone = _table(ca[c], cb[c], prior=prior)
        mine = together[together["comparison_idx"] == c]
        np.testing.assert_allclose(mine["z"].to_numpy(), alone["z"].to_numpy())
        np.testing.assert_allclose(mine["q_g2"].to_numpy(), alone["q_g2"].to_numpy())


def test_bh_matches_scipy_within_each_group():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 0.2, 60) ** 2
    groups = np.repeat([0, 1, 2], 20)
    q = bh_adjust(p, groups)
    for g in range(3):
        np.testing.assert_allclose(q[groups == g],
                                   stats.false_discovery_control(p[groups == g]), rtol=1e-12)


def test_log_ratio_is_the_binary_log_of_relative_frequencies():
    assert log_ratio(20, 10, 1000, 1000) == pytest.approx(1.0)
    assert log_ratio(10, 10, 1000, 4000) == pytest.approx(2.0)


def test_rank_orders_significant_terms_per_side():
    ca = np.array([200, 5, 100, 50, 50])
    cb = np.array([20, 120, 100, 50, 52])
    t = _table(ca, cb)
    t["rank"] = rank_top(t, fdr=0.05)
    by_term = t.set_index("term_idx")
    assert by_term.loc[0, "rank"] == 1 and by_term.loc[0, "z"] > 0  # favours group a
    assert by_term.loc[1, "rank"] == 1 and by_term.loc[1, "z"] < 0  # favours group b
    assert by_term.loc[4, "rank"] == 0  # no difference: not ranked


def test_conservative_log_ratio_is_the_exact_interval_bound():
    for a, b, na, nb in [(30, 0, 1000, 3000), (3, 0, 1000, 3000), (400, 1000, 5400, 18000),
                         (2, 60, 1000, 1000), (50, 52, 1000, 1000)]:
        ci = stats.binomtest(a, a + b).proportion_ci(0.95, method="exact")
        bounds = [math.log2(p / (1 - p) * nb / na) if 0 < p < 1 else None
                  for p in (ci.low, ci.high)]
        got = conservative_log_ratio(a, b, na, nb)
        if bounds[0] is not None and bounds[0] > 0:
            assert got == pytest.approx(bounds[0], rel=1e-9)
        elif bounds[1] is not None and bounds[1] < 0:
            assert got == pytest.approx(bounds[1], rel=1e-9)
        else:
            assert got == 0.0
    assert conservative_log_ratio(30, 0, 1000, 3000) > conservative_log_ratio(3, 0, 1000, 3000)
    assert conservative_log_ratio(50, 52, 1000, 1000) == 0.0


def test_rank_prefers_a_sure_large_effect_to_a_frequent_small_one_or_a_rare_one():
    # term 0: frequent, modest over-use; term 1: 30 times in a, never in b;
    # term 2: 3 times in a, never in b; term 3: filler
    ca = np.array([400, 30, 3, 5_000])
    cb = np.array([1_000, 0, 0, 17_000])
    t = _table(ca, cb)
    t["rank"] = rank_top(t, fdr=0.05)
    by_term = t.set_index("term_idx")
    assert by_term.loc[0, "z"] > by_term.loc[1, "z"]  # z alone would put the frequent word first
    assert by_term.loc[1, "rank"] == 1
    assert by_term.loc[1, "log_ratio_cons"] > by_term.loc[2, "log_ratio_cons"] > 0
    assert by_term.loc[0, "rank"] > 1


def test_tied_terms_rank_alphabetically_whatever_order_the_vocabulary_came_in():
    """Ranks must not depend on the order terms were first met (cutting the units another way,
    e.g. by source kind, reorders the vocabulary): ties go alphabetically."""
    ca = np.array([40, 40, 40, 5_000])
    cb = np.array([2, 2, 2, 17_000])
    t = _table(ca, cb)
    for vocab in (["taux", "cuber", "mètre", "zz"], ["mètre", "taux", "cuber", "zz"]):
        ranks = rank_top(t, fdr=0.05, terms=vocab)
        by_term = {vocab[i]: r for i, r in zip(t["term_idx"], ranks, strict=True) if r}
        assert by_term == {"cuber": 1, "mètre": 2, "taux": 3}

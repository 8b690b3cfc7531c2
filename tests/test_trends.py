"""The trend GLM against statsmodels' GLM, as the keyness statistics are checked against scipy.

`fit_trend` is a hand-written IRLS: statsmodels fits the same model (same family, link, offset
and design) on generated documents, and the slope, its quasi-likelihood standard error, the
95 % interval and the p-value must agree. The dispersion is Pearson χ² over the residual
degrees of freedom, floored at 1, and the Wald ratio is referred to Student's t on those
degrees of freedom (statsmodels' `use_t`).
"""

from __future__ import annotations

import numpy as np
import pytest
import statsmodels.api as sm
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from pipeline.trends import fit_trend

ORACLE = settings(max_examples=40)


def _statsmodels_fit(endog, year, family, offset=None):
    """statsmodels' fit of the same model, with fit_trend's dispersion and reference."""
    x = np.asarray(year, dtype=float)
    design = np.column_stack([np.ones_like(x), x - x.mean()])
    model = sm.GLM(endog, design, family=family, offset=offset)
    first = model.fit(tol=1e-13, maxiter=200)
    phi = max(1.0, first.pearson_chi2 / first.df_resid)
    return model.fit(scale=phi, use_t=True, tol=1e-13, maxiter=200), phi


def _documents(seed: int, n: int, n_years: int):
    rng = np.random.default_rng(seed)
    years = rng.choice(np.arange(2008, 2024), n_years, replace=False)
    year = np.sort(rng.choice(years, n)).astype(float)
    year[:n_years] = years  # every chosen year has a document
    return rng, year


def _assert_agrees(fit, res, phi):
    lo, hi = res.conf_int()[1]
    assert fit.converged
    assert fit.slope == pytest.approx(res.params[1], rel=1e-7, abs=1e-9)
    assert fit.dispersion == pytest.approx(phi, rel=1e-7)
    assert fit.se == pytest.approx(res.bse[1], rel=1e-6)
    assert (fit.ci_low, fit.ci_high) == pytest.approx((lo, hi), rel=1e-6, abs=1e-9)
    assert fit.p_value == pytest.approx(res.pvalues[1], rel=1e-5, abs=1e-10)


@ORACLE
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(8, 80), n_years=st.integers(2, 8),
       slope=st.floats(-0.4, 0.4), overdispersed=st.booleans())
def test_binomial_trend_equals_statsmodels(seed, n, n_years, slope, overdispersed):
    rng, year = _documents(seed, n, n_years)
    trials = rng.integers(1, 40, n)
    p = 1 / (1 + np.exp(-(-0.2 + slope * (year - year.mean()))))
    if overdispersed:  # documents disagree more than a binomial allows
        p = rng.beta(4 * p, 4 * (1 - p))
    succ = rng.binomial(trials, p)
    fit = fit_trend(year, succ, trials=trials)
    assume(fit.converged)  # no finite slope (separation): nothing to compare
    res, phi = _statsmodels_fit(np.column_stack([succ, trials - succ]), year,
                                sm.families.Binomial())
    _assert_agrees(fit, res, phi)


@ORACLE
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(8, 80), n_years=st.integers(2, 8),
       slope=st.floats(-0.3, 0.3), overdispersed=st.booleans())
def test_poisson_rate_trend_with_token_offset_equals_statsmodels(seed, n, n_years, slope,
                                                                 overdispersed):
    rng, year = _documents(seed, n, n_years)
    tokens = rng.integers(100, 5000, n)
    rate = 3e-3 * np.exp(slope * (year - year.mean()))
    if overdispersed:
        rate = rate * rng.gamma(1.5, 1 / 1.5, n)
    counts = rng.poisson(tokens * rate)
    fit = fit_trend(year, counts, exposure=tokens)
    assume(fit.converged)
    res, phi = _statsmodels_fit(counts, year, sm.families.Poisson(), offset=np.log(tokens))
    _assert_agrees(fit, res, phi)

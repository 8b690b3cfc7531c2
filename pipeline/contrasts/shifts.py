"""Shifts: the trend of every frame rate and opposition share across years, per firm (the
SHIFTS table), by the quasi-likelihood regression of `pipeline.trends` over the firm's documents
in the years with enough text.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.contrasts.frames import frame_quantities, pool_languages
from pipeline.lexicon import Lexicon
from pipeline.trends import fit_trend


def shift_table(docs: pd.DataFrame, columns: list[tuple[str, str]], lexicon: Lexicon, *,
                min_tokens: int, min_years: int) -> pd.DataFrame:
    """Trend of every frame rate and opposition share over years, per firm.

    Args:
        docs: per (document, language) counts from `document_counts`.
        columns: the (group, frame) count columns.
        lexicon: the frame lexicon.
        min_tokens: a firm-year with fewer word tokens (both languages) is left out of the fit.
        min_years: a trend needs at least this many years with enough text.

    Returns:
        Rows of the SHIFTS table.
    """
    names = [f"{g}/{f}" for g, f in columns]
    pooled = pool_languages(docs[docs["year"].notna()], names)
    groups = list(lexicon.groups)
    # Rows per group: the opposition's share first, then the frame rates.
    quantities = sorted(frame_quantities(lexicon, columns),
                        key=lambda q: (groups.index(q.group), q.measure != "share"))
    rows = []
    for firm in sorted(docs["firm"].unique()):
        d = pooled[pooled["firm"] == firm]
        per_year = d.groupby("year")["n_tokens"].sum()
        good = sorted(int(y) for y, n in per_year.items() if n >= min_tokens)
        thin = sorted(int(y) for y, n in per_year.items() if n < min_tokens)
        d = d[d["year"].isin(good)]
        years = d["year"].to_numpy(dtype=float)
        values = d[[*names, "n_tokens"]].to_numpy(dtype=float)
        for q in quantities:
            measure = q.measure
            base = {"firm": firm, "group": q.group, "frame": q.frame, "measure": measure,
                    "first_year": good[0] if good else None,
                    "last_year": good[-1] if good else None, "n_years": len(good),
                    "slope": None, "ci_low": None, "ci_high": None, "p_value": None,
                    "dispersion": None, "n_docs": 0, "n_matches": 0, "note": None,
                    "excluded_years": thin}
            succ = values[:, list(q.num)].sum(axis=1)
            trials = values[:, list(q.den)].sum(axis=1)
            use = trials > 0
            base["n_matches"] = int((trials if measure == "share" else succ).sum())
            base["n_docs"] = int(use.sum())
            base["note"] = _no_trend_reason(len(good), min_years, min_tokens, years[use],
                                            succ[use], trials[use], measure)
            if base["note"] is None:
                fit = (fit_trend(years[use], succ[use], trials=trials[use]) if measure == "share"
                       else fit_trend(years[use], succ[use], exposure=trials[use]))
                if not fit.converged or not np.isfinite(fit.se):
                    base["note"] = (("no finite slope: the matches switch sides completely "
                                     "between years (separation)") if measure == "share" else
                                    "no finite slope: every match falls in the first year or "
                                    "every match in the last (separation)")
                else:
                    base.update(slope=fit.slope, ci_low=fit.ci_low, ci_high=fit.ci_high,
                                p_value=fit.p_value, dispersion=fit.dispersion)
            rows.append(base)
    out = pd.DataFrame(rows, columns=schemas.SHIFTS.names)
    for c in ("first_year", "last_year"):
        out[c] = out[c].astype("Int16")
    for c in ("slope", "ci_low", "ci_high", "p_value", "dispersion"):
        out[c] = out[c].astype(float)
    return out


def _no_trend_reason(n_good: int, min_years: int, min_tokens: int, years, succ, trials,
                     measure: str) -> str | None:
    if n_good < min_years:
        return (f"too few years with enough text: {n_good} year(s) with at least {min_tokens} "
                f"word tokens, {min_years} needed")
    if (trials.sum() if measure == "share" else succ.sum()) == 0:
        return "no matches"
    if len(np.unique(years)) < 2:
        return "text in fewer than two years"
    if measure == "share" and (succ.sum() == 0 or succ.sum() == trials.sum()):
        return "every match is on one side of the opposition: no finite slope"
    return None

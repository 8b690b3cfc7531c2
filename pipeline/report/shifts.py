"""The shifts page's view: frames and topics by year in one panel per firm, the trend tests,
and the terms that rose and fell between each firm's early and late years."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.report import charts, figures
from pipeline.report.changes import topic_ends
from pipeline.report.format import (
    anchor,
    firm_file,
    fmt_year,
    human,
    lang_name,
    none,
    records,
)
from pipeline.report.study import Study, rate_series, series, share_rows

TERMS_SHOWN = 10  # terms that rose, and that fell, per firm and language


def shifts_context(study: Study) -> dict:
    """Everything shifts.html shows (besides the fdr the template states)."""
    trends = study.inputs.shifts.assign(_o=study.inputs.shifts["firm"].map(study.order))
    return {"frames": _opposition_panels(study), "rate_sets": _rate_panels(study),
            "trends": records(trends.sort_values(["group", "frame", "measure", "_o"])),
            "topic_shifts": _topic_panels(study), "terms": _terms(study)}


def _opposition_panels(study: Study) -> list[dict]:
    """Per opposition: each firm's share of the first side by year, one panel per firm."""
    fm = study.inputs.frame_measures
    frames = []
    for g in study.groups:
        if g["kind"] != "opposition":
            continue
        rows = share_rows(fm, g, "firm_year")
        panels = []
        for firm in study.firms:
            r = rows[rows["firm"] == firm]
            if r.empty:
                continue
            lines = [series(part, label=lang_name(lang) if lang else g["side"])
                     for lang, part in r.groupby(r["lang"].fillna(""), sort=True)]
            panels.append((study.firm_label(firm), lines))
        svg = charts.small_multiples(
            panels, ylim=(0, 1), ylabel=f"share of {g['side']}",
            title=f"{g['name']}: share of {g['side']} in {g['side']} + {g['other']} by year, "
                  "one panel per firm on shared axes",
            desc="Shares per year with 95 % bootstrap intervals; × marks years with too little "
                 "text (not joined to the line).") if panels else None
        frames.append({**g, "svg": svg})
    return frames


def _rate_panels(study: Study) -> list[dict]:
    """Per small set group: each firm's rates by year, one panel per firm."""
    fm = study.inputs.frame_measures
    rate_sets = []
    for g in study.groups:
        if g["kind"] != "set":
            continue
        panels = [(study.firm_label(firm), lines) for firm in study.firms
                  if (lines := rate_series(fm, g, firm))]
        if panels:
            rate_sets.append({**g, "svg": charts.small_multiples(
                panels, percent=False, ylabel="rate per 10,000 tokens",
                title=f"{human(g['name'])}: rate per 10,000 tokens by year, one panel per firm "
                      "on shared axes",
                desc="One line per frame with 95 % bootstrap intervals over documents; × marks "
                     "years with too little text (not joined to the line).")})
    return rate_sets


def _topic_panels(study: Study) -> list[dict]:
    """Per language model: every topic's share by year, one panel per firm."""
    i = study.inputs
    ends = topic_ends(study)
    out = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm_year")]
        if p.empty:
            continue
        topics = sorted(p["topic"].astype(int).unique())
        pf = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm")]
        n_docs = pf.groupby("firm")["n_docs"].max().astype(int).to_dict()
        palette = figures.TOPIC_PALETTE
        colours = {t: palette[n % len(palette)] for n, t in enumerate(topics)}
        panels = []
        for firm in study.firms:
            r = p[p["firm"] == firm]
            if r.empty:
                continue
            lines = []
            for t, part in r.groupby("topic", sort=True):
                part = part.rename(columns={"share": "value"})
                lines.append(series(part, label=study.topic_name(lang, t),
                                    enough=part["n_docs"] >= study.min_docs,
                                    colour=colours[int(t)]))
            # The panel's N: the firm's documents in this language's model, not all languages.
            n = n_docs.get(firm, int(r.groupby("year")["n_docs"].max().sum()))
            panels.append((study.firm_label(firm, n), lines))
        out.append({"lang": lang, "ends": [t for t in ends if t["lang"] == lang],
                    "trends": (trends := _topic_trends(study, lang)),
                    "trends_found": sum(1 for r in trends or () if r["q_value"] is not None
                                        and r["q_value"] <= study.fdr),
                    "svg": charts.small_multiples(
            panels, ylabel="mean topic share",
            title=f"Topic shares by year, one panel per firm on shared axes "
                  f"({lang_name(lang)} model)",
            desc="Mean topic share per year; intervals are in the exported prevalence table; "
                 f"× marks years resting on fewer than {study.min_docs} documents.")})
    return out


def _topic_trends(study: Study, lang: str) -> list[dict] | None:
    """The topics stage's trend test of every firm × topic of a language (None: not run)."""
    t = study.inputs.topic_trends
    if t is None:
        return None
    t = t[t["lang"] == lang]
    t = t.assign(name=[study.topic_name(lang, x) for x in t["topic"]],
                 _o=t["firm"].map(study.order))
    return records(t.sort_values(["_o", "topic"]).drop(columns="_o"))


def _terms(study: Study) -> list[dict]:
    """Per firm and language: the terms that rose and fell (late against early years)."""
    i = study.inputs
    kw = i.keyness[i.keyness["comparison"] == "late_vs_early"]
    kw = kw.assign(firm=kw["group_a"].map(_firm_of))
    terms = []
    for firm in study.firms:
        rows = kw[kw["firm"] == firm]
        if rows.empty:
            continue
        langs = []
        for lang, r in rows.groupby("lang", sort=True):
            langs.append({
                "lang": lang, "group_a": r["group_a"].iloc[0], "group_b": r["group_b"].iloc[0],
                "years_a": none(r["years_a"].iloc[0]), "years_b": none(r["years_b"].iloc[0]),
                "total_a": int(r["total_a"].iloc[0]), "total_b": int(r["total_b"].iloc[0]),
                "rose": records(_ranked(r, side=1).head(TERMS_SHOWN)),
                "fell": records(_ranked(r, side=-1).head(TERMS_SHOWN))})
        sh = i.shifts[i.shifts["firm"] == firm]
        span = (f"{fmt_year(sh['first_year'].min())}–{fmt_year(sh['last_year'].max())}"
                if not sh.empty and sh["first_year"].notna().any() else "")
        terms.append({"firm": firm, "file": firm_file(firm), "anchor": anchor("terms", firm),
                      "span": span, "langs": langs})
    return terms


def _ranked(keyness: pd.DataFrame, *, side: int) -> pd.DataFrame:
    """Ranked terms of one side of a comparison (1: group a, -1: group b), best first."""
    rank = keyness["rank"]
    keep = (rank.notna() & (np.sign(keyness["log_ratio_cons"]) == side)).fillna(False)
    return keyness[keep.astype(bool)].sort_values(["rank", "term"])


def _firm_of(group: str) -> str:
    """`firm:late` → `firm` (keyness labels of a firm's periods)."""
    return str(group).split(":", 1)[0]

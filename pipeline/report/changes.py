"""The front page's "what changed" box: the significant shifts across years, each with its
direction, size, interval and a link to the panel that shows it.

Three kinds, each judged on a table an earlier stage wrote (the report computes no new test):

- frame shares: the contrasts stage's trend test of an opposition's share (`shifts`, measure
  share), kept when its Benjamini–Hochberg q over all share trends is at most the study's fdr;
- topic shares: the topics stage's trend test of a firm's share of a topic (`topic_trends`,
  the frame shares' quasi-binomial regression on year), kept when its Benjamini–Hochberg q
  across the firm's topics is at most the study's fdr; for a topics stage that predates that
  table, a share in the firm's first and last year with enough documents (`prevalence`) whose
  two 95 % intervals do not overlap and that moved by at least `MIN_TOPIC_CHANGE`;
- domains entered: an offer domain absent in the firm's first year with enough text and
  present in every year from some later year on (`domains`, level firm_year).
"""

from __future__ import annotations

import pandas as pd

from pipeline.fdr import bh_adjust
from pipeline.report.format import (
    anchor,
    firm_file,
    fmt_pct,
    human,
    isnull,
    lang_name,
    none,
)
from pipeline.report.study import Study

MIN_TOPIC_CHANGE = 0.10  # a topic share must move by this much (absolute) to be listed


def what_changed(study: Study) -> list[dict]:
    """Every significant shift, frame shares first, then topic shares, then domains entered.

    Each item: kind, firm, what (the measure in words), direction (rose, fell, entered),
    size and interval (as text), href (from the report's root to the panel that shows it).
    """
    return [*_frame_shifts(study), *_topic_shifts(study), *_domains_entered(study)]


def bh_q(p: pd.Series) -> pd.Series:
    """Benjamini–Hochberg q-values of `p` (missing p-values stay missing)."""
    ok = p.dropna().astype(float)
    return pd.Series(bh_adjust(ok.to_numpy()), index=ok.index).reindex(p.index)


def _frame_shifts(study: Study) -> list[dict]:
    i = study.inputs
    s = i.shifts[(i.shifts["measure"] == "share") & i.shifts["slope"].notna()]
    s = s.assign(q=bh_q(s["p_value"]))
    s = s[s["q"] <= study.fdr]
    groups = {g["name"]: g for g in study.groups}
    fm = i.frame_measures
    items = []
    for r in s.assign(_o=s["firm"].map(study.order)).sort_values(["_o", "group"]).itertuples():
        g = groups.get(r.group)
        if g is None:
            continue
        years = fm[(fm["group"] == r.group) & (fm["measure"] == "share")
                   & (fm["frame"] == r.frame) & (fm["level"] == "firm_year")
                   & (fm["firm"] == r.firm) & fm["enough"].astype(bool)]
        pooled = years[years["lang"].isna()]
        years = (pooled if not pooled.empty else years).sort_values("year")
        size = ""
        if not years.empty:
            a, b = years.iloc[0], years.iloc[-1]
            size = (f"{fmt_pct(a['value'], 0)} in {int(a['year'])} → "
                    f"{fmt_pct(b['value'], 0)} in {int(b['year'])}")
        items.append({
            "kind": "frame share", "firm": r.firm, "file": firm_file(r.firm),
            "what": f"share of {human(r.frame)} in {human(g['side'])} + {human(g['other'])}",
            "direction": "rose" if r.slope > 0 else "fell", "size": size,
            "interval": f"slope {r.slope:+.2f} log-odds per year (95 % interval "
                        f"{r.ci_low:+.2f} to {r.ci_high:+.2f}, q {r.q:.2g})",
            "href": f"firms/{firm_file(r.firm)}#{g['anchor']}"})
    return items


def topic_ends(study: Study) -> list[dict]:
    """Every firm × topic's share in its first and last year with enough documents.

    Each row: lang, firm, topic, name, year_a, share_a, low_a, high_a, n_a (and the same
    with `_b` for the last year), change (b - a) and `shift`: the two 95 % intervals do not
    overlap and the share moved by at least `MIN_TOPIC_CHANGE`. Firms in report order.
    """
    p = study.inputs.prevalence
    p = p[(p["level"] == "firm_year") & p["year"].notna() & (p["n_docs"] >= study.min_docs)]
    rows = []
    for (lang, firm, topic), r in p.groupby(["lang", "firm", "topic"], sort=False):
        r = r.sort_values("year")
        if len(r) < 2:
            continue
        a, b = r.iloc[0], r.iloc[-1]
        known = not any(isnull(v) for v in (a["ci_low"], a["ci_high"], b["ci_low"],
                                             b["ci_high"]))
        apart = known and (a["ci_high"] < b["ci_low"] or b["ci_high"] < a["ci_low"])
        change = float(b["share"] - a["share"])
        rows.append({
            "lang": lang, "firm": firm, "topic": int(topic),
            "name": study.topic_name(lang, topic), "change": change,
            "shift": bool(apart and abs(change) >= MIN_TOPIC_CHANGE),
            **{f"{k}_{side}": none(row[col]) for side, row in (("a", a), ("b", b))
               for k, col in (("year", "year"), ("share", "share"), ("low", "ci_low"),
                              ("high", "ci_high"), ("n", "n_docs"))}})
    rows.sort(key=lambda x: (x["lang"], study.order.get(x["firm"], 0), x["topic"]))
    return rows


def _topic_shifts(study: Study) -> list[dict]:
    trends = study.inputs.topic_trends
    if trends is not None:
        return _topic_trend_shifts(study, trends)
    items = []
    for t in topic_ends(study):
        if not t["shift"]:
            continue
        items.append({
            "kind": "topic share", "firm": t["firm"], "file": firm_file(t["firm"]),
            "what": f"share of topic {t['name']} ({lang_name(t['lang'])} texts)",
            "direction": "rose" if t["change"] > 0 else "fell",
            "size": f"{fmt_pct(t['share_a'], 0)} in {int(t['year_a'])} → "
                    f"{fmt_pct(t['share_b'], 0)} in {int(t['year_b'])}",
            "interval": f"95 % intervals {fmt_pct(t['low_a'], 0)}–{fmt_pct(t['high_a'], 0)} "
                        f"and {fmt_pct(t['low_b'], 0)}–{fmt_pct(t['high_b'], 0)}, "
                        f"{int(t['n_a'])} and {int(t['n_b'])} documents",
            "href": f"shifts.html#{anchor('topic-shifts', t['lang'])}",
            "_o": (study.order.get(t["firm"], 0), t["lang"], t["topic"])})
    items.sort(key=lambda x: x.pop("_o"))
    return items


def _topic_trend_shifts(study: Study, trends: pd.DataFrame) -> list[dict]:
    """The topic trends significant at the study's fdr, with the shares of their first and
    last years as the size."""
    ends = {(t["lang"], t["firm"], t["topic"]): t for t in topic_ends(study)}
    s = trends[trends["slope"].notna() & (trends["q_value"] <= study.fdr)]
    items = []
    for r in s.itertuples():
        t = ends.get((r.lang, r.firm, int(r.topic)))
        size = (f"{fmt_pct(t['share_a'], 0)} in {int(t['year_a'])} → "
                f"{fmt_pct(t['share_b'], 0)} in {int(t['year_b'])}" if t else "")
        items.append({
            "kind": "topic share", "firm": r.firm, "file": firm_file(r.firm),
            "what": f"share of topic {study.topic_name(r.lang, r.topic)} "
                    f"({lang_name(r.lang)} texts)",
            "direction": "rose" if r.slope > 0 else "fell", "size": size,
            "interval": f"slope {r.slope:+.2f} log-odds per year (95 % interval "
                        f"{r.ci_low:+.2f} to {r.ci_high:+.2f}, q {r.q_value:.2g})",
            "href": f"shifts.html#{anchor('topic-shifts', r.lang)}",
            "_o": (study.order.get(r.firm, 0), r.lang, int(r.topic))})
    items.sort(key=lambda x: x.pop("_o"))
    return items


def _domains_entered(study: Study) -> list[dict]:
    d = study.inputs.domains
    d = d[(d["level"] == "firm_year") & d["year"].notna() & d["enough"].astype(bool)
          & d["present"].notna()]
    items = []
    for (group, frame, firm), r in d.groupby(["group", "frame", "firm"], sort=False):
        r = r.sort_values("year")
        present = r["present"].astype(bool).tolist()
        if len(present) < 2 or present[0] or not present[-1]:
            continue
        since = len(present) - 1
        while since > 0 and present[since - 1]:
            since -= 1
        y0, y1 = int(r["year"].iloc[0]), int(r["year"].iloc[since])
        row = r.iloc[since]
        items.append({
            "kind": "domain entered", "firm": firm, "file": firm_file(firm),
            "what": f"offer domain {human(frame)} ({human(group)})", "direction": "entered",
            "size": f"absent in {y0}, present from {y1} on "
                    f"({row['rate']:.1f} per 10,000 tokens in {y1})",
            "interval": (f"95 % interval {row['ci_low']:.1f}–{row['ci_high']:.1f}, "
                         f"{int(row['n_docs_matching'])} of {int(row['n_docs'])} documents"
                         if not isnull(row["ci_low"]) else ""),
            "href": f"firms/{firm_file(firm)}#{anchor('frame', group)}",
            "_o": (study.order.get(firm, 0), group, frame)})
    items.sort(key=lambda x: x.pop("_o"))
    return items

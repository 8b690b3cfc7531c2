"""The index's correspondence-analysis section: one map per analysis, with its tables."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from pipeline.report import figures
from pipeline.report.format import anchor, human, lang_name, none, records
from pipeline.report.study import Study

# Analysis → (title, what its columns are); the maps appear in this order, others after.
ANALYSES = {"firm_domain": ("Firms and offer domains", "domains"),
            "firm_term": ("Firms and their distinctive terms", "terms")}


def correspondence_context(study: Study, *, ca_labels: int, term_links: dict) -> dict:
    """The index's correspondence-analysis section: one map and its tables per analysis.

    Args:
        study: the study.
        ca_labels: at most this many terms or domains are labelled on a map, those with the
            largest contributions to the plane (the others are grey marks, all in the tables).
        term_links: (lang, term) → link to the term's concordance lines on a firm page.

    Returns:
        {"analyses": [one dict per map]}: an empty list when no analysis was run.
    """
    pts, axes = study.inputs.ca_points, study.inputs.ca_axes
    analyses: list[dict] = []
    if pts is None or axes is None or axes.empty:
        return {"analyses": analyses}
    keys = {(str(a), none(lang)) for a, lang in zip(axes["analysis"], axes["lang"],
                                                      strict=True)}
    known = list(ANALYSES)
    order = sorted(keys, key=lambda k: (known.index(k[0]) if k[0] in known else len(known),
                                        k[0], k[1] or ""))
    for analysis, lang in order:
        p = _of(pts, analysis, lang)
        a = _of(axes, analysis, lang).sort_values("axis")
        if len(a) >= 2 and not p.empty:
            analyses.append(_analysis(study, analysis, lang, p, a, ca_labels=ca_labels,
                                      term_links=term_links))
    return {"analyses": analyses}


def _of(df: pd.DataFrame, analysis: str, lang: str | None) -> pd.DataFrame:
    """The rows of one analysis (of one language, or pooled when `lang` is None)."""
    same_lang = df["lang"].isna() if lang is None else df["lang"] == lang
    return df[(df["analysis"] == analysis) & same_lang]


def _analysis(study: Study, analysis: str, lang: str | None, p: pd.DataFrame,
              a: pd.DataFrame, *, ca_labels: int, term_links: dict) -> dict:
    """One map: its figure, its axes, its firms, its labelled columns, the firms' distances."""
    share1, share2 = (float(v) for v in a["share"].iloc[:2])
    eig1, eig2 = (float(v) for v in a["eigenvalue"].iloc[:2])
    rows = p[p["side"] == "row"].copy()
    rows["_o"] = rows["label"].map(study.order).fillna(len(study.order))
    rows = rows.sort_values(["_o", "label"]).drop(columns="_o")
    cols = p[p["side"] == "column"].copy()
    # A point's part of the plane's inertia: its contributions weighted by the axes'.
    cols["plane"] = (cols["contrib1"] * eig1 + cols["contrib2"].fillna(0) * eig2) / (
        eig1 + eig2)
    cols = cols.sort_values(["plane", "label"], ascending=[False, True])
    labelled = np.arange(len(cols)) < ca_labels
    title, kind = ANALYSES.get(analysis, (human(analysis), "columns"))
    where = f" ({lang_name(lang)} texts)" if lang else " (French and English pooled)"
    n_lab = int(labelled.sum())
    svg = figures.ca_map(
        [(study.name(r["label"]), r["dim1"], r["dim2"]) for r in records(rows)],
        [(human(r["label"]) if analysis == "firm_domain" else r["label"], r["dim1"],
          r["dim2"], bool(on)) for r, on in zip(records(cols), labelled, strict=True)],
        shares=(share1, share2), row_kind="firms", column_kind=kind,
        title=f"Correspondence analysis: {title.lower()}{where}, first two axes",
        desc=f"Symmetric map of {len(rows)} firms (blue dots) and {len(cols)} {kind} "
             f"(triangles) on axes 1 and 2, which hold {share1:.1%} and {share2:.1%} of "
             f"the inertia. The {n_lab} {kind} contributing most to the plane are labelled "
             "where their label fits; every point's coordinates are in the tables below.")
    recs = records(cols)
    for r in recs:
        r["link"] = term_links.get((lang, r["label"])) if analysis == "firm_term" else None
    firms_xy = rows.set_index("label")[["dim1", "dim2"]].astype(float)
    pairs = sorted(({"a": f, "b": g, "distance": float(np.hypot(
        *(firms_xy.loc[f] - firms_xy.loc[g]).to_numpy()))}
        for f, g in itertools.combinations(firms_xy.index, 2)),
        key=lambda r: r["distance"])
    return {
        "analysis": analysis, "lang": lang, "title": title, "where": where, "kind": kind,
        "anchor": anchor("ca", analysis, lang or "all"), "svg": svg,
        "axes": records(a), "rows": records(rows), "columns": recs,
        "n_columns": len(cols), "n_labelled": n_lab, "pairs": pairs,
        # Firms of the study not on this map: the contrasts stage left them out for too little
        # text (in these texts' language, for a term map).
        "left_out": [f for f in study.firms if f not in set(rows["label"].astype(str))],
        "filter": f"analysis = {analysis}" + (f", lang = {lang}" if lang else ""),
    }

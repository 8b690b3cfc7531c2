"""Frame × year grids of the `set` groups, shared by the index and the firm pages.

A grid shows, for one firm, a set group's rate of each frame in each year. For the offer
domains, a year's cell is shaded when the contrasts stage marks the domain present that year
(its DOMAINS table), and each row says when the domain entered the firm's texts.
"""

from __future__ import annotations

import pandas as pd

from pipeline.lexicon import OFFER_GROUP
from pipeline.report.format import anchor, firm_file, records
from pipeline.report.study import Study, all_languages


def set_grid(fm: pd.DataFrame, g: dict, firm: str, *, domains: pd.DataFrame | None = None,
             firm_domains: pd.DataFrame | None = None) -> dict:
    """Frame × year rates of one set group for one firm (when a firm entered a domain).

    A year's cell is shaded ("on") when the frame is present that year: for offer domains
    (`domains` and `firm_domains` given), by the contrasts stage's presence marks; for other
    groups, when it is mentioned. Each row also says when the frame entered the firm's texts
    (see `entry`).
    """
    rows = fm[(fm["group"] == g["name"]) & (fm["measure"] == "rate") & (fm["firm"] == firm)]
    years_rows = all_languages(rows[rows["level"] == "firm_year"])
    firm_rows = all_languages(rows[rows["level"] == "firm"])
    years = sorted(int(y) for y in years_rows["year"].dropna().unique())
    frames = [f["name"] for f in g["frames"]]
    frames += [f for f in dict.fromkeys(rows["frame"]) if f not in frames]
    by = {(r["frame"], r["year"]): r for r in records(years_rows)}
    presence = domains is not None
    marks = _year_marks(domains, g, firm) if presence else {}
    for r in by.values():
        r["on"] = bool(r["enough"]) and (
            marks.get((r["frame"], r["year"])) is True if presence else (r["value"] or 0.0) > 0)
    overall = {r["frame"]: r for r in records(firm_rows)}
    present = {}
    if firm_domains is not None:
        present = {r["domain"]: r["present"]
                   for r in records(firm_domains[firm_domains["firm"] == firm])}
    year_docs = years_rows.groupby("year")["n_docs"].max().to_dict()
    year_enough = years_rows.groupby("year")["enough"].all().to_dict()
    return {"presence": presence, "anchor": anchor(g["name"], "years"),
            "years": [{"year": y, "n_docs": int(year_docs.get(y, 0)),
                       "enough": bool(year_enough.get(y, True))} for y in years],
            "rows": [{"frame": f, "overall": overall.get(f), "present": present.get(f),
                      "anchor": anchor("kwic", g["name"], f),
                      "entry": entry([by.get((f, y)) for y in years]),
                      "cells": [by.get((f, y)) for y in years]} for f in frames]}


def _year_marks(domains: pd.DataFrame, g: dict, firm: str) -> dict[tuple, bool | None]:
    """(frame, year) → the contrasts stage's presence mark of a firm's year (null: too little
    text to tell)."""
    rows = domains[(domains["group"] == g["name"]) & (domains["level"] == "firm_year")
                   & (domains["firm"] == firm)]
    return {(r["frame"], r["year"]): r["present"] for r in records(rows)}


def entry(cells: list[dict | None]) -> dict | None:
    """When a frame entered a firm's texts, from its cells by year (oldest first).

    Years with too little text are skipped: they can show neither presence nor absence.

    Returns:
        None if the frame is never present; else {"year": the first year it is present,
        "new": whether an earlier year with enough text lacked it (an entry seen in the
        corpus) or it is there from the firm's first year with enough text}.
    """
    absent_before = False
    for cell in cells:
        if cell is None or not cell["enough"]:
            continue
        if cell["on"]:
            return {"year": int(cell["year"]), "new": absent_before}
        absent_before = True
    return None


def domain_grids(study: Study, *, group: str = OFFER_GROUP) -> dict[str, dict]:
    """Each firm's frame × year grid of the offer-domain group (see `set_grid`), in firm order.

    Empty when the lexicon has no such set group.
    """
    g = next((x for x in study.groups if x["name"] == group and x["kind"] == "set"), None)
    if g is None:
        return {}
    i = study.inputs
    return {firm: set_grid(i.frame_measures, g, firm, domains=i.domains,
                           firm_domains=i.firm_domains)
            for firm in study.firms}


def domain_entries(grids: dict[str, dict], *, group: str) -> list[dict]:
    """Every (firm, domain) that entered a firm's offer during the period, with the year.

    A domain enters in the first year it is present (the firm × domain thresholds, applied to
    that year) after a year with enough text where it was not.

    Args:
        grids: firm → its grid of the group, from `domain_grids`.
        group: the group's name (for the anchors).
    """
    out = []
    for firm, grid in grids.items():
        first = grid["years"][0]["year"] if grid["years"] else None
        for row in grid["rows"]:
            if row["entry"] and row["entry"]["new"]:
                out.append({"firm": firm, "file": firm_file(firm), "frame": row["frame"],
                            "year": row["entry"]["year"], "first_year": first,
                            "anchor": anchor(group, "years")})
    return out

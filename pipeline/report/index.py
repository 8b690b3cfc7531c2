"""The index page's view: what was collected, topic heat maps, oppositions, set groups (the
firm × domain table), failures and the correspondence analyses."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipeline.lexicon import OFFER_GROUP
from pipeline.report import charts
from pipeline.report.changes import what_changed
from pipeline.report.correspondence import correspondence_context
from pipeline.report.format import (
    anchor,
    firm_file,
    human,
    lang_name,
    records,
    shorten,
    years_span,
)
from pipeline.report.grids import domain_entries
from pipeline.report.study import (
    MAX_SERIES,
    Study,
    genre_terms,
    other_languages,
    rate_rows,
    share_items,
    share_rows,
    term_kwic_links,
)
from pipeline.schemas import OK_OUTCOMES

TOPIC_LABEL_WIDTH = 36  # characters of a topic's name on the heat map's axis


def index_context(study: Study, domain_grids: dict[str, dict], *, n_terms: int,
                  ca_labels: int) -> dict:
    """Everything index.html shows.

    Args:
        study: the study.
        domain_grids: each firm's offer-domain grid (from `grids.domain_grids`).
        n_terms: distinctive terms shown per firm (the terms of the maps link to their lines).
        ca_labels: terms or domains labelled on a correspondence-analysis map.
    """
    i = study.inputs
    collection = i.collection
    return {"changes": what_changed(study), "firms": _firm_rows(study),
            "totals": collection.drop(columns=["firm", "year"]).sum().to_dict(),
            "heatmaps": _heatmaps(study), "oppositions": _oppositions(study),
            "n_undated": int(study.usable["year"].isna().sum()),
            "other_langs": records(other_languages(study.usable)),
            "sets": _sets(study, domain_grids), "presence_rate": study.presence_rate,
            "genres": genre_terms(i.keyness, "report", n_terms=n_terms), "n_terms": n_terms,
            "presence_docs": study.presence_docs, "failures": _failure_reasons(i.fetches),
            "correspondence": correspondence_context(
                study, ca_labels=ca_labels,
                term_links=term_kwic_links(i.keyness, study.kwic.term_lines,
                                           n_terms=n_terms))}


def _firm_rows(study: Study) -> list[dict]:
    """One row per firm: its documents and words, its years, its collection by year."""
    collection = study.inputs.collection
    firms = []
    for firm in study.firms:
        c = collection[collection["firm"] == firm]
        firms.append({"firm": firm, "file": firm_file(firm), "n_docs": study.n_docs.get(firm, 0),
                      "n_words": int(study.n_words.get(firm, 0)),
                      "years": years_span(c[c["n_documents"] > 0]["year"]),
                      "n_undated": int(c.loc[c["year"].isna(), "n_documents"].sum()),
                      "rows": records(c)})
    return firms


def _heatmaps(study: Study) -> list[dict]:
    """Per language model: the firm × topic heat map and its cells."""
    i = study.inputs
    heatmaps = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm")]
        if p.empty:
            continue
        topics = sorted(p["topic"].astype(int).unique())
        rows_firms = [f for f in study.firms if f in set(p["firm"])]
        share = p.pivot_table(index="firm", columns="topic", values="share", aggfunc="first")
        ndocs = p.groupby("firm")["n_docs"].max()
        share = share.reindex(index=rows_firms, columns=topics)
        p = p.assign(_weak=study.too_little(p))
        thin = p.groupby("firm")["_weak"].any()
        weak = np.array([[bool(thin.get(f, True))] * len(topics) for f in rows_firms])
        svg = charts.heatmap(
            share.to_numpy(dtype=float),
            rows=[study.firm_label(f, int(ndocs.get(f, 0)))
                  + (" – too little text" if thin.get(f) else "") for f in rows_firms],
            cols=[shorten(study.topic_name(lang, t), TOPIC_LABEL_WIDTH) for t in topics],
            missing=weak, cbar_label="mean topic share",
            title=f"Topic prevalence per firm ({lang_name(lang)} model)",
            desc="Mean share of each topic in each firm's documents; each row names the "
                 "number of documents it rests on. Greyed italic values rest on too little "
                 f"text (fewer than {study.min_docs} documents, or too few word tokens).")
        p = p.sort_values(["firm", "topic"])
        cells = records(p)
        for c in cells:
            c["name"] = study.topic_name(lang, c["topic"])
            c["anchor"] = anchor("topic", lang, c["topic"])
            c["weak"] = bool(c.pop("_weak"))
        heatmaps.append({"lang": lang, "svg": svg, "cells": cells})
    return heatmaps


def _oppositions(study: Study) -> list[dict]:
    """Per opposition group: each firm's share of the first side, drawn with intervals."""
    fm = study.inputs.frame_measures
    oppositions = []
    for g in study.groups:
        if g["kind"] != "opposition":
            continue
        rows = share_rows(fm, g, "firm")
        rows = rows.assign(_o=rows["firm"].map(study.order)
                           ).sort_values(["_o", "lang"], na_position="first")
        svg = None
        if not rows.empty:
            svg = charts.interval_chart(
                share_items(rows, lambda r: study.firm_label(r["firm"], r["n_docs"])
                            + (f" [{r['lang']}]" if r["lang"] else "")),
                xlim=(0, 1), xlabel=f"share of {g['side']} in {g['side']} + {g['other']}",
                title=f"{g['name']}: share of {g['side']} per firm, with 95 % intervals",
                desc="Dots are shares, bars 95 % bootstrap intervals over documents; hollow "
                     "grey dots rest on too little text.")
        rates = rate_rows(fm, g, "firm").sort_values(["firm", "frame"])
        oppositions.append({**g, "svg": svg, "rows": records(rows), "rates": records(rates)})
    return oppositions


def _sets(study: Study, domain_grids: dict[str, dict]) -> list[dict]:
    """Per set group: the firm × frame table (the offer domains with their presence marks),
    a chart per frame when the group is small, the trend tests and the domains' entries."""
    i = study.inputs
    fm = i.frame_measures
    sets = []
    for g in study.groups:
        if g["kind"] != "set":
            continue
        offer = g["name"] == OFFER_GROUP
        rates = rate_rows(fm, g, "firm")
        if offer:
            table = i.firm_domains
        else:
            table = rates.rename(columns={"frame": "domain", "value": "rate"})
            table = table.assign(present=False)
        frames = [f["name"] for f in g["frames"]]
        frames += [d for d in dict.fromkeys(table["domain"]) if d not in frames]
        place = {f: n for n, f in enumerate(frames)}
        rates = rates.assign(_f=rates["frame"].map(place), _o=rates["firm"].map(study.order))
        rates = rates.sort_values(["_f", "_o"])
        trends = i.shifts[(i.shifts["group"] == g["name"]) & (i.shifts["measure"] == "rate")]
        trends = trends.assign(_f=trends["frame"].map(place), _o=trends["firm"].map(study.order))
        sets.append({**g, "columns": frames, "grid": _firm_grid(study, table, frames),
                     "presence": offer,
                     "charts": _set_charts(study, rates, g) if len(frames) <= MAX_SERIES
                     else [],
                     "rates": records(rates), "trends": records(trends.sort_values(
                         ["_f", "_o"])),
                     "entries": domain_entries(domain_grids, group=g["name"]) if offer else []})
    return sets


def _firm_grid(study: Study, table: pd.DataFrame, frames: list[str]) -> list[dict]:
    """The firm × frame grid: one row per firm with any cell, the cells in `frames` order."""
    cells = {(r["firm"], r["domain"]): r for r in records(table)}
    grid = []
    for firm in study.firms:
        row = [cells.get((firm, d)) for d in frames]
        if any(row):
            grid.append({"firm": firm, "file": firm_file(firm),
                         "n_docs": study.n_docs.get(firm, 0), "cells": row})
    return grid


def _set_charts(study: Study, rates: pd.DataFrame, g: dict) -> list[dict]:
    """One chart per frame of a small set group: every firm's rate with its interval, all on
    one scale so that frames compare as well as firms."""
    if rates.empty:
        return []
    top = float(pd.concat([rates["ci_high"], rates["value"]]).astype(float).max())
    xlim = (0.0, max(1.0, 1.05 * top if np.isfinite(top) else 1.0))
    out = []
    for frame in [f["name"] for f in g["frames"]]:
        r = rates[rates["frame"] == frame]
        if r.empty:
            continue
        out.append({"frame": frame, "svg": charts.interval_chart(
            share_items(r, lambda x: study.firm_label(x["firm"], x["n_docs"])),
            xlim=xlim, percent=False, xlabel="rate per 10,000 tokens", width=3.6,
            title=f"{human(g['name'])}: {human(frame)}, rate per 10,000 tokens per firm",
            desc="Dots are rates over all years, bars 95 % bootstrap intervals over "
                 "documents; hollow grey dots rest on too little text.")})
    return out


def _failure_reasons(fetches: pd.DataFrame) -> list[dict]:
    """Failed fetch attempts per firm and outcome, the most frequent first."""
    bad = fetches[~fetches["outcome"].isin(OK_OUTCOMES)]
    if bad.empty:
        return []
    t = bad.groupby(["firm", "outcome"]).size().rename("n").reset_index()
    return records(t.sort_values(["firm", "n"], ascending=[True, False]))

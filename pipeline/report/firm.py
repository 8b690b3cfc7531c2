"""A firm page's view: its topics with its own passages, its distinctive vocabulary, its frames
over the years, its concordances, and every capture behind them."""

from __future__ import annotations

import pandas as pd

from pipeline.lexicon import OFFER_GROUP
from pipeline.report import charts, views
from pipeline.report.format import (
    anchor,
    human,
    lang_name,
    records,
    safe_url,
    shorten,
    years_span,
)
from pipeline.report.grids import set_grid
from pipeline.report.study import (
    Study,
    distinctive_terms,
    genre_terms,
    rate_series,
    series,
    share_rows,
    share_xlim,
    top_terms,
)

TOPIC_LABEL_WIDTH = 40  # characters of a topic's name on the firm's topic chart
MAX_TOPIC_DETAILS = 5  # topics detailed (terms, passages) at most ...
SIDE_TOPIC_SHARE = 0.5  # ... the main one, then those holding this part of an even share (1/K)
DETAIL_TERMS = 10  # terms listed per detailed topic
DETAIL_PASSAGES = 2  # the firm's own passages per detailed topic


def firm_context(study: Study, firm: str, domain_grid: dict | None, *, max_kwic: int,
                 n_terms: int) -> dict:
    """Everything firms/<firm>.html shows.

    Args:
        study: the study.
        firm: the firm.
        domain_grid: the firm's offer-domain grid (from `grids.domain_grids`), if any.
        max_kwic: concordance lines shown per term (all are exported).
        n_terms: distinctive terms shown per language.
    """
    docs = study.usable[study.usable["firm"] == firm]
    caps = study.inputs.captures
    caps = caps[caps["firm"] == firm]
    known_docs = set(caps["doc_id"])
    lines = study.kwic.rows(firm)  # the firm's concordance lines only, read once per page
    vocab = _vocabulary(study, firm, lines, n_terms=n_terms)
    kwic_frames, kwic_terms = _concordances(study, lines, vocab, known_docs, max_kwic=max_kwic)
    return {
        "firm": firm, "n_docs": len(docs), "n_words": int(docs["n_words"].sum()),
        "years": years_span(docs["year"]), "n_undated": int(docs["year"].isna().sum()),
        "n_chrome": int(docs["n_chrome"].sum()) if "n_chrome" in docs else 0,
        "langs": sorted(docs["lang"].dropna().unique()),
        "kinds": docs["kind"].value_counts().to_dict(),
        "topics": _topics(study, firm, known_docs), "vocab": vocab,
        "genres": genre_terms(study.inputs.keyness, f"{firm}:report", n_terms=n_terms),
        "frames": _frames(study, firm, domain_grid),
        "kwic_frames": kwic_frames, "kwic_terms": kwic_terms, "max_kwic": max_kwic,
        "captures": records(caps), "n_terms": n_terms,
        "n_sources": int(caps["url"].nunique()), "thin": firm in study.thin,
    }


def _topics(study: Study, firm: str, known_docs: set[str]) -> list[dict]:
    """Per language model: this firm's topic shares, its main topics with its own passages."""
    i = study.inputs
    blocks = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm")
                         & (i.prevalence["firm"] == firm)].sort_values("share", ascending=False)
        if p.empty:
            continue
        k = max(1, i.prevalence.loc[i.prevalence["lang"] == lang, "topic"].nunique())
        n = int(p["n_docs"].max())
        enough = ~study.too_little(p)
        svg = charts.interval_chart(
            [(shorten(study.topic_name(lang, r["topic"]), TOPIC_LABEL_WIDTH), r["share"],
              r["ci_low"], r["ci_high"], bool(enough[idx])) for idx, r in p.iterrows()],
            xlim=share_xlim(p), xlabel="mean topic share",
            title=f"{study.name(firm)}: topic shares ({lang_name(lang)} model, {n} documents)",
            desc="Mean share of each topic in the firm's documents with 95 % bootstrap "
                 "intervals over documents.")
        rows = records(p.assign(_weak=~enough))
        for r in rows:
            r["name"] = study.topic_name(lang, r["topic"])
            r["anchor"] = anchor("topic", lang, r["topic"])
            r["weak"] = bool(r.pop("_weak"))
        details = []
        for n_shown, r in enumerate(rows[:MAX_TOPIC_DETAILS]):
            if n_shown and r["share"] < SIDE_TOPIC_SHARE / k:
                break
            details.append({**r, "terms": top_terms(i.topic_terms, lang, r["topic"], "prob",
                                                    DETAIL_TERMS),
                            "passages": _firm_passages(study, firm, lang, r["topic"],
                                                       known_docs)})
        blocks.append({"lang": lang, "svg": svg, "rows": rows, "details": details,
                       "n_docs": n})
    return blocks


def _vocabulary(study: Study, firm: str, fk: pd.DataFrame, *, n_terms: int) -> list[dict]:
    """Per language: the firm's distinctive terms against all other firms, with links to
    their concordance lines `fk` (or, for a lexicon term, its frame's lines)."""
    i = study.inputs
    kw = i.keyness[(i.keyness["comparison"] == "firm_vs_rest") & (i.keyness["group_a"] == firm)]
    kwic_terms = set(fk.loc[fk["group"].isna(), "term"])
    # A distinctive term that is also a lexicon term (phrases joined by _) links to its frame's
    # lines when it has none of its own.
    frame_terms = {t.replace(" ", "_"): anchor("kwic", g, f, t) for t, g, f in
                   fk.loc[fk["group"].notna(), ["term", "group", "frame"]]
                   .drop_duplicates("term").itertuples(index=False)}
    vocab = []
    for lang, rows in kw.groupby("lang", sort=True):
        recs = records(distinctive_terms(rows, n_terms=n_terms))
        for r in recs:
            r["rate_a"] = 1e4 * r["count_a"] / r["total_a"] if r["total_a"] else None
            r["rate_b"] = 1e4 * r["count_b"] / r["total_b"] if r["total_b"] else None
            r["significant"] = r["q_g2"] is not None and r["q_g2"] <= study.fdr
            r["kwic"] = (anchor("kwic-term", lang, r["term"]) if r["term"] in kwic_terms
                         else frame_terms.get(r["term"]))
        lang_docs = study.usable[study.usable["lang"] == lang]
        # a dot links where the table's "lines" link goes (the terms with lines shown here),
        # else to the frame's lines of a lexicon term
        links = {t: f"#{a}" for t, a in frame_terms.items()}
        links.update({r["term"]: f"#{r['kwic']}" for r in recs if r["kwic"]})
        scatter = views.term_scatter(
            rows, links=links,
            title=f"{study.name(firm)} against all other firms ({lang_name(lang)}): each term's "
                  "frequency in the firm against its log ratio; coloured terms are distinctive")
        vocab.append({"lang": lang, "rows": recs, "scatter": scatter,
                      "n_docs_a": int((lang_docs["firm"] == firm).sum()),
                      "n_docs_b": int((lang_docs["firm"] != firm).sum()),
                      "total_a": int(rows["total_a"].iloc[0]),
                      "total_b": int(rows["total_b"].iloc[0])})
    return vocab


def _frames(study: Study, firm: str, domain_grid: dict | None) -> list[dict]:
    """Per lexicon group: the firm's frames over the years, with the trend tests."""
    i = study.inputs
    blocks = []
    for g in study.groups:
        block = {**g, "svg": None, "rows": [], "overall": [], "trends": [], "grid": None}
        sh = i.shifts[(i.shifts["firm"] == firm) & (i.shifts["group"] == g["name"])]
        block["trends"] = records(sh.sort_values(["frame", "measure"]))
        if g["kind"] == "opposition":
            block.update(_opposition_years(study, firm, g))
        else:
            block["grid"] = (domain_grid if g["name"] == OFFER_GROUP else
                             set_grid(i.frame_measures, g, firm))
            block["svg"] = _set_years_figure(study, firm, g)
        blocks.append(block)
    return blocks


def _opposition_years(study: Study, firm: str, g: dict) -> dict:
    """An opposition's share by year for one firm: rows, overall rows and the figure."""
    fm = study.inputs.frame_measures
    rows = share_rows(fm, g, "firm_year")
    rows = rows[rows["firm"] == firm].sort_values(["lang", "year"], na_position="first")
    overall = share_rows(fm, g, "firm")
    svg = None
    if not rows.empty:
        lines = [series(part, label=lang_name(lang) if lang else firm)
                 for lang, part in rows.groupby(rows["lang"].fillna(""), sort=True)]
        weak = int((~rows["enough"].astype(bool)).sum())
        svg = charts.time_series(
            lines, ylim=(0, 1), ylabel=f"share of {g['side']}",
            title=f"{study.name(firm)}: share of {g['side']} in {g['side']} + {g['other']} by year",
            desc="Share per year with 95 % bootstrap intervals over documents"
                 + (f"; {weak} year(s) with too little text are marked × and not "
                    "joined" if weak else "") + ".")
    return {"svg": svg, "rows": records(rows),
            "overall": records(overall[overall["firm"] == firm])}


def _set_years_figure(study: Study, firm: str, g: dict) -> str | None:
    """A small set group's rates by year for one firm, one line per frame (None if too big)."""
    lines = rate_series(study.inputs.frame_measures, g, firm)
    if not lines:
        return None
    return charts.time_series(
        lines, percent=False, ylim=(0, None), ylabel="rate per 10,000 tokens",
        title=f"{study.name(firm)}: {human(g['name'])}, rate per 10,000 tokens by year",
        desc="One line per frame, with 95 % bootstrap intervals over documents; "
             "years with too little text are marked × and not joined.")


def _concordances(study: Study, lines: pd.DataFrame, vocab: list[dict], known_docs: set[str],
                  *, max_kwic: int) -> tuple[list[dict], list[dict]]:
    """Concordance blocks of a firm's `lines`: every frame term, then the distinctive terms
    listed in `vocab`.

    The firm's lines are counted (n, n_docs per term) and turned into rows once (one pass over
    its lines), then shared out to their terms: a firm with hundreds of terms costs one
    conversion, not one each.
    """
    k = lines.sort_values(["year", "doc_id", "passage_id", "sent_id"],
                                         na_position="last")
    keys = ["group", "frame", "lang", "term"]
    k = k.assign(group=k["group"].fillna(""), frame=k["frame"].fillna(""))
    counts = k.groupby(keys, sort=False).agg(n=("doc_id", "size"), n_docs=("doc_id", "nunique"))
    by_term: dict[tuple, list[dict]] = {}
    for r in _kwic_lines(k.groupby(keys, sort=False).head(max_kwic), known_docs):
        by_term.setdefault(tuple(r[c] or "" for c in keys), []).append(r)
    for r in (r for lines in by_term.values() for r in lines):
        r["group"] = r["group"] or None
        r["frame"] = r["frame"] or None
    # a frame's terms pool their languages (as before: grouped by term only)
    per_frame: dict[tuple, dict[str, dict]] = {}
    for (group, frame, lang, term), c in counts.iterrows():
        if not group:
            continue
        t = per_frame.setdefault((group, frame), {}).setdefault(
            term, {"term": term, "n": 0, "docs": set(), "lines": []})
        t["n"] += int(c["n"])
        t["lines"] += by_term[(group, frame, lang, term)]
    frame_docs = k[k["group"] != ""].groupby(["group", "frame"])["doc_id"].agg(["size",
                                                                                "nunique"])
    term_docs = k[k["group"] != ""].groupby(["group", "frame", "term"])["doc_id"].nunique()
    frames = []
    for g in study.groups:
        for f in g["frames"]:
            key = (g["name"], f["name"])
            terms = []
            for term in sorted(per_frame.get(key, {})):
                t = per_frame[key][term]
                lines = sorted(t["lines"], key=_line_order)[:max_kwic]
                terms.append({"term": term, "n": t["n"], "n_docs": int(term_docs[(*key, term)]),
                              "anchor": anchor("kwic", g["name"], f["name"], term),
                              "lines": lines})
            terms.sort(key=lambda t: -t["n"])
            n, n_docs = (frame_docs.loc[key] if key in frame_docs.index else (0, 0))
            frames.append({"group": g["name"], "frame": f["name"],
                           "anchor": anchor("kwic", g["name"], f["name"]),
                           "n": int(n), "n_docs": int(n_docs), "terms": terms})
    terms = []
    shown = {(v["lang"], r["term"]) for v in vocab for r in v["rows"]}
    for (group, _frame, lang, term), c in sorted(counts.iterrows(), key=lambda x: x[0][2:]):
        if not group and (lang, term) in shown:
            terms.append({"lang": lang, "term": term, "n": int(c["n"]),
                          "n_docs": int(c["n_docs"]),
                          "anchor": anchor("kwic-term", lang, term),
                          "lines": by_term[("", "", lang, term)]})
    return frames, terms


def _line_order(r: dict) -> tuple:
    """Concordance lines by year (undated last), document, passage, sentence."""
    return (r["year"] is None, r["year"] or 0, r["doc_id"], r["passage_id"], r["sent_id"])


def _firm_passages(study: Study, firm: str, lang: str, topic: int,
                   known_docs: set[str]) -> list[dict]:
    """The firm's own passages with the highest share of a topic (else the topic's list)."""
    i = study.inputs
    n = DETAIL_PASSAGES
    if i.passages is not None and not i.passages.empty:
        dt = i.doc_topics
        best = dt[(dt["lang"] == lang) & (dt["topic"] == topic) & (dt["firm"] == firm)]
        best = best.sort_values(["share", "passage_id"], ascending=[False, True]).head(n)
        merged = best.merge(i.passages, on=["passage_id"], how="inner", suffixes=("", "_p"))
        recs = records(merged)
    else:
        tp = i.topic_passages
        recs = records(tp[(tp["lang"] == lang) & (tp["topic"] == topic) & (tp["firm"] == firm)]
                       .sort_values("rank").head(n))
    for r in recs:
        r["lang"] = lang
        r["source"] = "#" + anchor("doc", r["doc_id"]) if r["doc_id"] in known_docs else None
    return recs


def _kwic_lines(t: pd.DataFrame, known_docs: set[str]) -> list[dict]:
    recs = records(t)
    for r in recs:
        r["source"] = anchor("doc", r["doc_id"]) if r["doc_id"] in known_docs else None
        # the link checked here: the concordance table is the report's longest loop, and a
        # macro call per line cost more than the rest of its row
        r["href"] = safe_url(r["url"])
    return recs

"""The topics page's view: model selection per language, then every topic's terms, its share
by firm and by year, and its representative passages."""

from __future__ import annotations

import pandas as pd

from pipeline.report import charts, views
from pipeline.report.format import anchor, firm_file, lang_name, records
from pipeline.report.study import Study, series, share_xlim, top_terms

SWEEP_METRICS = ("c_v", "c_npmi", "exclusivity", "stability")  # drawn per K, in this order
TOPIC_TERMS = 15  # terms listed per topic, by probability and by FREX


def topics_context(study: Study) -> dict:
    """Everything topics.html shows."""
    return {"sweeps": _sweeps(study), "models": [_model(study, lang) for lang in study.langs]}


def _sweeps(study: Study) -> list[dict]:
    """Per language and model kind: coherence, exclusivity and stability per K."""
    i = study.inputs
    sweeps = []
    for (lang, model), s in i.k_sweep.groupby(["lang", "model"], sort=True):
        s = s.sort_values("k")
        chosen = s.loc[s["chosen"].astype(bool), "k"]
        metrics = {m: s[m].astype(float).tolist() for m in SWEEP_METRICS}
        dt = i.doc_topics[i.doc_topics["lang"] == lang]
        sweeps.append({
            "lang": lang, "model": model, "rows": records(s),
            "n_passages": int(dt["passage_id"].nunique()), "n_docs": int(dt["doc_id"].nunique()),
            "svg": charts.sweep_chart(
                s["k"].astype(int).tolist(), metrics,
                chosen=int(chosen.iloc[0]) if len(chosen) else None,
                title=f"Model selection for the {lang_name(lang)} {model.upper()} model: "
                      "coherence, exclusivity and stability per number of topics K",
                desc="The dashed line marks the K in use.")})
    return sweeps


def _model(study: Study, lang: str) -> dict:
    """One language's model: a block per topic."""
    i = study.inputs
    p = i.prevalence[i.prevalence["lang"] == lang]
    topics = sorted(set(p["topic"].astype(int))
                    | set(i.topic_terms.loc[i.topic_terms["lang"] == lang, "topic"].astype(int)))
    dt = i.doc_topics[i.doc_topics["lang"] == lang]
    tt = i.topic_terms[(i.topic_terms["lang"] == lang) & (i.topic_terms["by"] == "prob")]
    overall = p[p["level"] == "all"].groupby("topic")["share"].first()
    topic_map = views.topic_map(
        tt, shares={int(t): float(s) for t, s in overall.items()},
        names={t: study.topic_name(lang, t) for t in topics},
        anchors={t: anchor("topic", lang, t) for t in topics},
        title=f"Inter-topic map of the {lang_name(lang)} model: topics closer together share "
              "more of their terms; circle areas are the topics' shares of the text")
    # Each topic's size: the passages it is the main topic of.
    main = (dt.sort_values(["passage_id", "share", "topic"], ascending=[True, False, True])
            .drop_duplicates("passage_id")["topic"].astype(int).value_counts().to_dict())
    topic_rows = [_topic(study, lang, t, p) for t in topics]
    mean_share = dt.groupby("topic")["share"].mean().to_dict()
    for row in topic_rows:
        row["n_main"] = int(main.get(row["topic"], 0))
        if row["size"] is None:  # no overall prevalence row: the mean passage share
            row["size"] = {"share": mean_share.get(row["topic"]), "ci_low": None,
                           "ci_high": None}
    return {"lang": lang, "topics": topic_rows, "map": topic_map,
            "n_passages": int(dt["passage_id"].nunique()),
            "n_docs": int(dt["doc_id"].nunique())}


def _topic(study: Study, lang: str, t: int, p: pd.DataFrame) -> dict:
    """One topic: its terms, its share by firm and by year, its representative passages."""
    i = study.inputs
    by_firm = p[(p["topic"] == t) & (p["level"] == "firm")]
    by_firm = by_firm.assign(_o=by_firm["firm"].map(study.order)).sort_values("_o")
    by_year = p[(p["topic"] == t) & (p["level"] == "year")].sort_values("year")
    tp = i.topic_passages[(i.topic_passages["lang"] == lang)
                          & (i.topic_passages["topic"] == t)].sort_values("rank")
    passages = records(tp)
    for r in passages:
        r["lang"] = lang
        r["source"] = (f"firms/{firm_file(r['firm'])}#{anchor('doc', r['doc_id'])}"
                       if (r["firm"], r["doc_id"]) in study.known else None)
    return {
        "topic": t, "label": study.label(lang, t), "anchor": anchor("topic", lang, t),
        "prob": top_terms(i.topic_terms, lang, t, "prob", TOPIC_TERMS),
        "frex": top_terms(i.topic_terms, lang, t, "frex", TOPIC_TERMS),
        "svg_firm": _by_firm_figure(study, lang, t, by_firm),
        "svg_year": _by_year_figure(study, lang, t, by_year), "passages": passages,
        "firm_rows": records(by_firm), "year_rows": records(by_year),
        "size": next(iter(records(p[(p["topic"] == t) & (p["level"] == "all")])), None),
    }


def _by_firm_figure(study: Study, lang: str, t: int, by_firm: pd.DataFrame) -> str | None:
    if by_firm.empty:
        return None
    enough = by_firm["n_docs"] >= study.min_docs
    return charts.interval_chart(
        [(study.firm_label(r["firm"], r["n_docs"]), r["share"], r["ci_low"], r["ci_high"],
          bool(e)) for r, e in zip(records(by_firm), enough, strict=True)],
        xlim=share_xlim(by_firm), xlabel="mean topic share",
        title=f"Topic {study.topic_name(lang, t)}: share by firm",
        desc="Mean share with 95 % bootstrap intervals over documents.")


def _by_year_figure(study: Study, lang: str, t: int, by_year: pd.DataFrame) -> str | None:
    if by_year.empty:
        return None
    enough = by_year["n_docs"] >= study.min_docs
    return charts.time_series(
        [series(by_year.rename(columns={"share": "value"}), label="share", enough=enough)],
        ylabel="mean topic share", height=2.2, ylim=(0, None),
        title=f"Topic {study.topic_name(lang, t)}: share by year",
        desc="Mean share per year with 95 % bootstrap intervals over documents; "
             f"years with fewer than {study.min_docs} documents are marked ×.")

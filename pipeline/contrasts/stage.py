"""Keyword contrasts and frames: who speaks of citoyens or clients, problems or solutions, and when.

reads <processed>/sentences.parquet, bags.parquet, <interim>/documents.parquet,
passages.parquet and the frame lexicon → writes <out>/keyness.parquet, frame_measures.parquet,
shifts.parquet, domains.parquet, firm_domains.parquet, thresholds.parquet, versus.parquet
(each firm's shares and domain rates against the rest's, tested, BH across firms), kwic.parquet +
kwic.csv, ca_points.parquet, ca_axes.parquet, and <plots>/frame_shares.csv

    python -m pipeline.contrasts --processed data/processed --interim data/interim \\
        --params params.yaml --out data/contrasts --plots reports/plots

What is counted, and how (the choices a reader of the figures needs):

- **Keyness** is computed per language (French and English vocabularies are never mixed) on the
  bags of words (kept lemmas and phrases), for four kinds of comparison: each firm against all
  other firms (`firm_vs_rest`), each firm against each other firm, in both directions
  (`firm_vs_firm`), each year against each earlier year, all firms pooled (`year_vs_year`:
  positive = rose), and each firm's late years against its early years (`late_vs_early`:
  the firm's years with at least `min_tokens` word tokens in the language, first half against
  last half, the middle year left out when their number is odd). Statistics: see
  `pipeline.keyness`. `rank` orders the significant terms (q ≤ `fdr`) of each side by the
  conservative log ratio (see `keyness.rank_top`). With `split_phrases`, the words of
  learned phrases are counted one by one (a brand name entering three phrases keeps all its
  occurrences); the lexicon's multi-word terms stay whole.
- **Frames** are matched on sentence lemmas (see `pipeline.frames`). Rates are per 10,000 word
  tokens (`bags.n_tokens`). Because the lexicon is bilingual, frame figures are given per
  language and pooled over French and English (`lang` null): a firm's pooled figure adds its
  French and English matches and tokens. Documents are the unit of the bootstrap: a document
  written in both languages is one unit in the pooled figures.
- **Duplicates**: documents that repeat another (`documents.duplicate_of`) are not lemmatised
  and are left out of every count; if any reach this stage they are dropped (and logged).
- **Shifts**: per firm and frame, a regression on year over the firm's documents in years with
  at least `min_tokens` word tokens (both languages); see `pipeline.trends`.
- **KWIC**: every lexicon match, and every occurrence of a firm's top keyness terms (its
  `n_top` terms against the rest, and the `n_top` that rose and fell most in its late years)
  in that firm's sentences.
- **Correspondence analysis** (the AFC of TXM and IRaMuTeQ, see `pipeline.ca`) of two tables:
  `firm_domain`, the matches of each offer domain (lexicon group `domains`) per firm, French
  and English pooled (the lexicon names each domain in both languages), over the firms with
  at least `min_firm_tokens` word tokens; and `firm_term`, per language, the counts of the
  firms' top distinctive terms: the union of each firm's `ca_n_terms` best-ranked terms against
  the rest (`rank`, over-used side), counted in every firm with at least `min_firm_tokens` word
  tokens in that language. A firm with less text would sit far out on its own few counts and
  pull an axis: it is left off the map (the report names it under the map). The
  term table is not pooled over languages: a French word and its English translation would be
  two columns, and the first axis would sort firms by the language they publish in rather
  than by what they say. A map needs two axes, hence at least 3 firms and 3 columns with
  counts; a table too small for it is logged and gives no rows, never an error.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

from pipeline import cli, schemas
from pipeline.contrasts.ca import correspondence_tables
from pipeline.contrasts.domains import domain_table, firm_domain_table, thresholds_table
from pipeline.contrasts.frames import (
    build_stream,
    frame_quantities,
    match_bag_terms,
    match_lexicon,
    measure_frames,
    pool_languages,
)
from pipeline.contrasts.keyness import rank_top, score_groups
from pipeline.contrasts.kwic import concordance
from pipeline.contrasts.versus import firm_vs_rest
from pipeline.errors import EXIT_OK
from pipeline.io import empty_frame, read_table, write_csv, write_table
from pipeline.lexicon import LANGS, Lexicon, load_lexicon
from pipeline.params import ContrastsParams, lexicon_path, load_block
from pipeline.resample import content_keys
from pipeline.trends import fit_trend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Contrasts:
    """The stage's tables, as DataFrames matching their schemas."""

    keyness: pd.DataFrame
    frame_measures: pd.DataFrame
    shifts: pd.DataFrame
    domains: pd.DataFrame
    firm_domains: pd.DataFrame
    thresholds: pd.DataFrame
    kwic: pd.DataFrame
    frame_shares: pd.DataFrame
    ca_points: pd.DataFrame
    ca_axes: pd.DataFrame
    versus: pd.DataFrame | None = None  # each firm against the rest (see versus.py)


# --- keyness ---------------------------------------------------------------------------------


def _year_span(years) -> str:
    """Years as runs: [2015, 2017, 2018] → "2015, 2017-2018" (a gap stays visible)."""
    years = sorted(int(y) for y in years)
    runs: list[list[int]] = []
    for y in years:
        if runs and y == runs[-1][-1] + 1:
            runs[-1].append(y)
        else:
            runs.append([y])
    return ", ".join(str(r[0]) if len(r) == 1 else f"{r[0]}-{r[-1]}" for r in runs)


def plan_comparisons(units: pd.DataFrame, *, min_tokens: int) -> list[dict]:
    """The comparisons of one language, each as two sets of unit indices.

    Args:
        units: one row per (firm, year) unit with `firm`, `year` (nullable) and `n_tokens`
            (word tokens).
        min_tokens: years with fewer word tokens are not compared (year_vs_year, late_vs_early).

    Returns:
        Dicts with `comparison`, `group_a`, `group_b`, `years_a`, `years_b`, `a`, `b` (arrays of
        unit indices).
    """
    plans = []
    firms = sorted(units["firm"].unique())
    idx = np.arange(len(units))
    firm = units["firm"].to_numpy()
    year = units["year"]
    has_year = year.notna().to_numpy()
    if len(firms) > 1:
        for f in firms:
            plans.append({"comparison": "firm_vs_rest", "group_a": f, "group_b": "rest",
                          "years_a": None, "years_b": None,
                          "a": idx[firm == f], "b": idx[firm != f]})
        for f in firms:
            for g in firms:
                if f != g:
                    plans.append({"comparison": "firm_vs_firm", "group_a": f, "group_b": g,
                                  "years_a": None, "years_b": None,
                                  "a": idx[firm == f], "b": idx[firm == g]})
    by_year = units[has_year].groupby("year")["n_tokens"].sum()
    years = sorted(int(y) for y, n in by_year.items() if n >= min_tokens)
    thin = sorted(int(y) for y, n in by_year.items() if n < min_tokens)
    if thin:
        log.info("keyness: year(s) %s have fewer than %d word tokens: not compared", thin,
                 min_tokens)
    yv = np.where(has_year, year.fillna(-1).to_numpy(dtype=np.int64), -1)
    for i, y2 in enumerate(years):
        for y1 in years[:i]:
            plans.append({"comparison": "year_vs_year", "group_a": str(y2), "group_b": str(y1),
                          "years_a": str(y2), "years_b": str(y1),
                          "a": idx[yv == y2], "b": idx[yv == y1]})
    for f in firms:
        mine = units[(units["firm"] == f) & has_year & (units["n_tokens"] >= min_tokens)]
        ys = sorted(int(y) for y in mine["year"].unique())
        if len(ys) < 2:
            continue
        half = len(ys) // 2
        early, late = ys[:half], ys[-half:]
        plans.append({"comparison": "late_vs_early", "group_a": f"{f}:late",
                      "group_b": f"{f}:early", "years_a": _year_span(late),
                      "years_b": _year_span(early),
                      "a": idx[(firm == f) & np.isin(yv, late)],
                      "b": idx[(firm == f) & np.isin(yv, early)]})
    return plans


def keyness_tables(bags: pd.DataFrame, *, alpha0: float, min_count: int, fdr: float,
                   min_tokens: int, split_phrases: bool = True,
                   whole: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every keyness comparison of every language, as one KEYNESS table.

    Counts are summed into one sparse (firm × year) × term matrix per language; each group's
    counts are then a product of a sparse selection matrix with it, and every statistic is
    computed over all comparisons and terms at once.

    Args:
        bags: rows of the `bags` table (duplicates already out).
        alpha0: total weight of the informative Dirichlet prior.
        min_count: terms seen fewer times in both groups together are not tested.
        fdr: false discovery rate for the `rank` of significant terms.
        min_tokens: years with fewer word tokens are not compared.
        split_phrases: count the words of learned phrases one by one (`ville_intelligent` →
            `ville`, `intelligent`), so that a word's occurrences are not scattered over the
            phrases it happens to enter.
        whole: phrases never split (the lexicon's multi-word terms, e.g. `tableau_de_bord`).

    Returns:
        Rows of the KEYNESS table, by language, comparison, groups and z descending.
    """
    tables = []
    for lang in sorted(bags["lang"].unique()):
        b = bags[bags["lang"] == lang]
        unit_keys = b["firm"].astype(str) + "\x1f" + b["year"].astype("string").fillna("")
        ucode, ukeys = pd.factorize(unit_keys, sort=True)
        units = (pd.DataFrame({"u": ucode, "firm": b["firm"].to_numpy(),
                               "year": b["year"].to_numpy(), "n_tokens": b["n_tokens"].to_numpy()})
                 .groupby("u").agg(firm=("firm", "first"), year=("year", "first"),
                                   n_tokens=("n_tokens", "sum"))
                 .reindex(range(len(ukeys))))
        lengths = np.fromiter((len(t) for t in b["terms"]), dtype=np.int64, count=len(b))
        if not lengths.sum():
            continue
        flat = np.concatenate([np.asarray(t, dtype=object) for t in b["terms"].to_numpy()])
        tcode, vocab = pd.factorize(flat)
        term_unit = np.repeat(ucode, lengths)
        if split_phrases:
            tcode, vocab, parent = _split_phrases(tcode, list(vocab), whole)
            term_unit = term_unit[parent]
        counts = sparse.csr_matrix(
            (np.ones(len(tcode), dtype=np.int64), (term_unit, tcode)),
            shape=(len(ukeys), len(vocab)))
        counts.sum_duplicates()
        plans = plan_comparisons(units.reset_index(drop=True), min_tokens=min_tokens)
        if not plans:
            continue
        sel_a = _selection(plans, "a", len(ukeys))
        sel_b = _selection(plans, "b", len(ukeys))
        unit_totals = np.asarray(counts.sum(axis=1)).ravel()
        ok = (sel_a @ unit_totals > 0) & (sel_b @ unit_totals > 0)
        plans = [p for p, keep in zip(plans, ok, strict=True) if keep]
        scored = score_groups(sel_a[ok], sel_b[ok], counts, alpha0=alpha0, min_count=min_count)
        scored["rank"] = rank_top(scored, fdr=fdr)
        ci = scored["comparison_idx"].to_numpy()
        for col in ("comparison", "group_a", "group_b", "years_a", "years_b"):
            scored[col] = _take_strings([p[col] for p in plans], ci)
        scored["term"] = _take_strings(list(vocab), scored["term_idx"].to_numpy())
        scored["lang"] = _take_strings([lang], np.zeros(len(scored), dtype=np.int64))
        tables.append(scored)
        log.info("keyness %s: %d comparisons, %d terms, %d rows", lang, len(plans), len(vocab),
                 len(scored))
    cols = schemas.KEYNESS.names
    if not tables:
        return empty_frame(schemas.KEYNESS)
    out = pd.concat(tables, ignore_index=True)
    out["rank"] = out["rank"].where(out["rank"] > 0, None).astype("Int32")
    return out[cols]


def _split_phrases(codes: np.ndarray, vocab: list[str], whole: frozenset[str]):
    """Codes of a term stream with learned phrases cut into their words.

    Returns:
        (codes, vocab, parent): the new stream's codes and vocabulary, and for each new
        position the position of the term it comes from.
    """
    pieces = [[t] if "_" not in t or t in whole else [w for w in t.split("_") if w] or [t]
              for t in vocab]
    words, new_vocab = pd.factorize(np.array([w for p in pieces for w in p], dtype=object))
    sizes = np.array([len(p) for p in pieces], dtype=np.int64)
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    n = sizes[codes]
    parent = np.repeat(np.arange(len(codes)), n)
    within = np.arange(len(parent)) - np.repeat(np.cumsum(n) - n, n)
    return words[offsets[codes][parent] + within], list(new_vocab), parent


def _take_strings(values: list, idx: np.ndarray) -> pd.Series:
    """values[idx] as an Arrow-backed string column (much faster than object arrays)."""
    taken = pa.array(values, type=pa.string()).take(pa.array(idx, type=pa.int64()))
    return pd.Series(pd.arrays.ArrowStringArray(taken))


def _selection(plans: list[dict], side: str, n_units: int) -> sparse.csr_matrix:
    rows = np.concatenate([np.full(len(p[side]), i) for i, p in enumerate(plans)])
    cols = np.concatenate([p[side] for p in plans])
    return sparse.csr_matrix((np.ones(len(cols), dtype=np.int64), (rows, cols)),
                             shape=(len(plans), n_units))


# --- frames ----------------------------------------------------------------------------------


def document_counts(bags: pd.DataFrame, hits: pd.DataFrame, stream_sents: pd.DataFrame,
                    lexicon: Lexicon) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Matches of every frame and word tokens per (document, language).

    Returns:
        The table (doc_id, firm, year, lang, n_tokens, one `group/frame` column per frame,
        `content_key`: a hash of the document's bag terms, the order the bootstrap draws
        from) and the (group, frame) of each count column.
    """
    columns = [(f.group, f.name) for f in lexicon.frames()]
    names = [f"{g}/{f}" for g, f in columns]
    docs = (bags.groupby(["doc_id", "lang"], sort=True)
            .agg(firm=("firm", "first"), year=("year", "first"), n_tokens=("n_tokens", "sum"))
            .reset_index())
    if len(hits):
        h = hits.assign(doc_id=stream_sents["doc_id"].to_numpy()[hits["row"].to_numpy()],
                        col=hits["group"] + "/" + hits["frame"])
        wide = (h.groupby(["doc_id", "lang", "col"]).size().unstack("col", fill_value=0)
                .reindex(columns=names, fill_value=0).reset_index())
        docs = docs.merge(wide, on=["doc_id", "lang"], how="left")
        orphan = set(map(tuple, h[["doc_id", "lang"]].drop_duplicates().to_numpy())) - set(
            map(tuple, docs[["doc_id", "lang"]].to_numpy()))
        if orphan:
            log.warning("%d (document, language) pairs have sentences but no bag of words; "
                        "their matches are not counted (e.g. %s)", len(orphan),
                        sorted(orphan)[0])
    for n in names:
        docs[n] = docs[n].fillna(0).astype(np.int64) if n in docs else 0
    docs["content_key"] = content_keys(bags).reindex(docs["doc_id"]).to_numpy()
    return docs, columns


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


def firm_level_enough(measures: pd.DataFrame, *, min_firm_tokens: int) -> pd.DataFrame:
    """A whole firm's figures (level firm) need `min_firm_tokens` word tokens, not the
    `min_tokens` of one year: a firm of a few short pages has too little text for a profile,
    a map position or a comparison with the rest, though each of its years is counted."""
    out = measures.copy()
    firm = (out["level"] == "firm").to_numpy()
    out.loc[firm, "enough"] = out.loc[firm, "n_tokens"] >= min_firm_tokens
    out["enough"] = out["enough"].astype(bool)
    return out


# --- the stage -------------------------------------------------------------------------------


def score_contrasts(sentences: pd.DataFrame, bags: pd.DataFrame, documents: pd.DataFrame,
                    passages: pd.DataFrame, lexicon: Lexicon, params: ContrastsParams
                    ) -> Contrasts:
    """Keyness, frame measures, shifts, domains and concordances of a lemmatised corpus.

    Args:
        sentences: the SENTENCES table.
        bags: the BAGS table.
        documents: the DOCUMENTS table (`doc_id`, `captured_at`, `duplicate_of` are used).
        passages: the PASSAGES table (`passage_id`, `page_start`, `is_duplicate` are used).
        lexicon: the frame lexicon.
        params: the `contrasts:` block (see `pipeline.params.ContrastsParams`): the keyness
            prior (`alpha0`), test threshold (`min_count`) and false discovery rate (`fdr`);
            `min_tokens` (a year or firm-year with fewer word tokens has `enough` false, is
            not compared by keyness and is left out of trends), `min_years`, and
            `min_firm_tokens` (a firm with fewer word tokens over all years has `enough` false
            at level firm and in versus, no presence marks, and is left off the
            correspondence-analysis maps); the bootstrap (`n_bootstrap`, `seed`); the domain
            presence rule (`presence_rate`, `presence_docs`, and not significantly below the
            rest by the versus test); concordance width (`kwic_window`) and terms (`n_top`);
            `split_phrases` (keyness counts the words of learned phrases one by one, the
            lexicon's multi-word terms staying whole); `ca_n_terms` (top distinctive terms per
            firm in the firm × term correspondence analysis).

    Returns:
        The stage's tables.
    """
    sentences, bags = _drop_unusable(sentences, bags, documents, passages)
    whole = frozenset(t.phrase for f in lexicon.frames() for terms in f.terms.values()
                      for t in terms if t.is_multiword)
    keyness = keyness_tables(bags, alpha0=params.alpha0, min_count=params.min_count,
                             fdr=params.fdr, min_tokens=params.min_tokens,
                             split_phrases=params.split_phrases, whole=whole)

    stream = build_stream(sentences)
    hits = match_lexicon(stream, lexicon)
    log.info("frames: %d matches in %d sentences", len(hits), len(stream.sentences))
    docs, columns = document_counts(bags, hits, stream.sentences, lexicon)
    measures = measure_frames(docs, columns, lexicon, n_bootstrap=params.n_bootstrap,
                              seed=params.seed, min_tokens=params.min_tokens)
    measures = firm_level_enough(measures[schemas.FRAME_MEASURES.names],
                                 min_firm_tokens=params.min_firm_tokens)
    shifts = shift_table(docs, columns, lexicon, min_tokens=params.min_tokens,
                         min_years=params.min_years)
    versus = firm_vs_rest(docs, columns, lexicon, n_bootstrap=params.n_bootstrap,
                          seed=params.seed, min_tokens=params.min_firm_tokens, fdr=params.fdr)
    domains = domain_table(measures, lexicon, presence_rate=params.presence_rate,
                           presence_docs=params.presence_docs, versus=versus)

    top = keyness[keyness["rank"].notna() & (keyness["rank"] <= params.n_top)
                  & (((keyness["comparison"] == "firm_vs_rest")
                      & (keyness["log_ratio_cons"] > 0))
                     | (keyness["comparison"] == "late_vs_early"))]
    wanted = pd.DataFrame({"term": top["term"], "lang": top["lang"],
                           "firm": top["group_a"].str.replace(r":(late|early)$", "",
                                                              regex=True)}).drop_duplicates()
    term_hits = match_bag_terms(stream, wanted)
    kwic = _kwic_table(stream, hits, term_hits, documents, passages,
                       kwic_window=params.kwic_window)
    shares = measures[(measures["measure"] == "share") & (measures["level"] == "firm_year")
                      & measures["lang"].isna() & measures["enough"] & measures["value"].notna()]
    frame_shares = (shares.rename(columns={"value": "share"})
                    [["group", "frame", "firm", "year", "share", "ci_low", "ci_high",
                      "n_matches", "n_docs", "n_tokens"]]
                    .sort_values(["group", "frame", "firm", "year"]).reset_index(drop=True))
    tokens = bags.groupby(["firm", "lang"], as_index=False)["n_tokens"].sum()
    ca_points, ca_axes = correspondence_tables(keyness, domains, tokens,
                                               ca_n_terms=params.ca_n_terms,
                                               min_tokens=params.min_firm_tokens,
                                               seed=params.seed)
    return Contrasts(keyness=keyness, frame_measures=measures, shifts=shifts, domains=domains,
                     firm_domains=firm_domain_table(domains, versus=versus),
                     thresholds=thresholds_table(fdr=params.fdr,
                                                 presence_rate=params.presence_rate,
                                                 presence_docs=params.presence_docs),
                     kwic=kwic, frame_shares=frame_shares, ca_points=ca_points, ca_axes=ca_axes,
                     versus=versus)


def _drop_unusable(sentences, bags, documents, passages):
    """Leave out duplicates and languages other than those of the lexicon (logged)."""
    dup_docs = set(documents.loc[documents["duplicate_of"].notna(), "doc_id"])
    dup_passages = set(passages.loc[passages["is_duplicate"].astype(bool), "passage_id"])
    s_dup = sentences["doc_id"].isin(dup_docs) | sentences["passage_id"].isin(dup_passages)
    b_dup = bags["doc_id"].isin(dup_docs) | bags["passage_id"].isin(dup_passages)
    if s_dup.any() or b_dup.any():
        log.warning("%d duplicate passage(s) reached the contrasts stage: not counted",
                    bags.loc[b_dup, "passage_id"].nunique())
    s_lang = sentences["lang"].isin(LANGS)
    b_lang = bags["lang"].isin(LANGS)
    if not b_lang.all():
        log.info("%d passage(s) in other languages (%s) skipped", int((~b_lang).sum()),
                 ", ".join(sorted(set(bags.loc[~b_lang, "lang"].astype(str)))))
    return sentences[~s_dup & s_lang], bags[~b_dup & b_lang]


def _kwic_table(stream, frame_hits, term_hits, documents, passages, *, kwic_window):
    parts = []
    if len(frame_hits):
        parts.append(frame_hits[["pos", "n_words", "term", "group", "frame"]])
    if len(term_hits):
        parts.append(term_hits[["pos", "n_words", "term"]].assign(group=None, frame=None))
    if not parts:
        return empty_frame(schemas.KWIC)
    hits = pd.concat(parts, ignore_index=True)
    lines = concordance(stream, hits, kwic_window=kwic_window)
    page = passages.set_index("passage_id")["page_start"]
    captured = documents.drop_duplicates("doc_id").set_index("doc_id")["captured_at"]
    lines["page"] = pd.array(page.reindex(lines["passage_id"]).to_numpy(), dtype="Int32")
    lines["captured_at"] = captured.reindex(lines["doc_id"]).to_numpy()
    lines["year"] = pd.array(lines["year"], dtype="Int16")
    lines["sent_id"] = lines["sent_id"].astype(np.int32)
    lines = lines.sort_values(["group", "frame", "term", "firm", "year", "doc_id", "passage_id",
                               "sent_id", "pos"], na_position="last", kind="stable")
    return lines[schemas.KWIC.names].reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("contrasts", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, ContrastsParams)
    lexicon = load_lexicon(lexicon_path(args.params))
    sentences = read_table(args.processed / schemas.file_name(schemas.SENTENCES),
                           schemas.SENTENCES)
    bags = read_table(args.processed / schemas.file_name(schemas.BAGS), schemas.BAGS)
    documents = read_table(args.interim / schemas.file_name(schemas.DOCUMENTS),
                           schemas.DOCUMENTS, columns=["doc_id", "captured_at", "duplicate_of"])
    passages = read_table(args.interim / schemas.file_name(schemas.PASSAGES), schemas.PASSAGES,
                          columns=["passage_id", "page_start", "is_duplicate"])
    result = score_contrasts(sentences, bags, documents, passages, lexicon, params)
    out = args.out
    for name in ("keyness", "frame_measures", "shifts", "domains", "firm_domains", "thresholds",
                 "kwic", "ca_points", "ca_axes", "versus"):
        schema = getattr(schemas, name.upper())
        write_table(getattr(result, name), out / schemas.file_name(schema), schema)
    write_csv(result.kwic, out / "kwic.csv")
    write_csv(result.frame_shares, args.plots / "frame_shares.csv")
    log.info("contrasts: %d keyness rows, %d frame figures, %d trends, %d concordance lines "
             "→ %s", len(result.keyness), len(result.frame_measures), len(result.shifts),
             len(result.kwic), out)
    return EXIT_OK

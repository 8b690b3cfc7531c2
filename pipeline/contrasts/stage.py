"""Keyword contrasts and frames: who speaks of citoyens or clients, problems or solutions, and when.

reads <processed>/sentences.parquet, bags.parquet, <interim>/documents.parquet,
passages.parquet and the frame lexicon → writes <out>/keyness.parquet, frame_measures.parquet,
shifts.parquet, domains.parquet, firm_domains.parquet, thresholds.parquet, versus.parquet
(each firm's shares and domain rates against the rest's, tested, BH across firms), kwic.parquet
(its CSV is the report's export, reports/data/kwic.csv), ca_points.parquet, ca_axes.parquet,
and <plots>/frame_shares.csv; sentences and bags are read in batches of whole documents (only
the columns used), and what is kept between batches is counts (`pipeline.contrasts.counts`);
each document's matches and concordance lines are cached in <cache> (`pipeline.contrasts.cache`)

    python -m pipeline.contrasts --processed data/processed --interim data/interim \\
        --params params.yaml --out data/contrasts --plots reports/plots \\
        --cache data/cache/contrasts

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
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
from scipy import sparse

from pipeline import cli, schemas
from pipeline.contrasts.ca import correspondence_tables
from pipeline.contrasts.cache import (
    MatchCache,
    document_keys,
    settings_key,
    split_by_doc,
    wanted_keys,
)
from pipeline.contrasts.counts import (
    BATCH_ROWS,
    DocCounts,
    TermCounts,
    doc_batches,
    hit_counts,
)
from pipeline.contrasts.domains import domain_table, firm_domain_table, thresholds_table
from pipeline.contrasts.frames import (
    build_stream,
    match_bag_terms,
    match_lexicon,
    measure_frames,
)
from pipeline.contrasts.keyness import rank_top, score_groups
from pipeline.contrasts.kwic import kwic_lines, line_sources, sort_kwic
from pipeline.contrasts.shifts import shift_table
from pipeline.contrasts.versus import firm_vs_rest
from pipeline.errors import EXIT_OK
from pipeline.io import empty_frame, iter_table, read_table, write_csv, write_table
from pipeline.lexicon import LANGS, Lexicon, load_lexicon
from pipeline.params import ContrastsParams, lexicon_path, load_block
from pipeline.subset import selected

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
    if "kind" in units:
        kind = units["kind"].to_numpy()
        for f in [None, *firms]:
            mine = np.ones(len(units), dtype=bool) if f is None else firm == f
            a, b = idx[mine & (kind == "report")], idx[mine & (kind == "page")]
            if len(a) and len(b):
                prefix = "" if f is None else f"{f}:"
                plans.append({"comparison": "kind_vs_kind", "group_a": f"{prefix}report",
                              "group_b": f"{prefix}page", "years_a": None, "years_b": None,
                              "a": a, "b": b})
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


def keyness_tables(bags: pd.DataFrame | TermCounts, *, alpha0: float, min_count: int,
                   fdr: float, min_tokens: int, split_phrases: bool = True,
                   whole: frozenset[str] = frozenset()) -> pd.DataFrame:
    """Every keyness comparison of every language, as one KEYNESS table.

    Counts are summed into one sparse (firm × year) × term matrix per language; each group's
    counts are then a product of a sparse selection matrix with it, and every statistic is
    computed over all comparisons and terms at once.

    Args:
        bags: rows of the `bags` table (duplicates already out), or their counts added up
            batch by batch (`counts.TermCounts`); with a `kind` column (page or report),
            reports are compared with pages too (kind_vs_kind).
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
    if isinstance(bags, pd.DataFrame):
        term_counts = TermCounts()
        term_counts.add(bags)
    else:
        term_counts = bags
    tables = []
    for lang in term_counts.langs:
        units, counts, vocab = term_counts.table(lang)
        if not counts.sum():
            continue
        if split_phrases:
            counts, vocab = _split_phrases(counts, vocab, whole)
        plans = plan_comparisons(units, min_tokens=min_tokens)
        if not plans:
            continue
        sel_a = _selection(plans, "a", len(units))
        sel_b = _selection(plans, "b", len(units))
        unit_totals = np.asarray(counts.sum(axis=1)).ravel()
        ok = (sel_a @ unit_totals > 0) & (sel_b @ unit_totals > 0)
        plans = [p for p, keep in zip(plans, ok, strict=True) if keep]
        scored = score_groups(sel_a[ok], sel_b[ok], counts, alpha0=alpha0, min_count=min_count)
        scored["rank"] = rank_top(scored, fdr=fdr, terms=vocab)
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


def _split_phrases(counts: sparse.csr_matrix, vocab: list[str], whole: frozenset[str]
                   ) -> tuple[sparse.csr_matrix, list[str]]:
    """Units × terms counts with learned phrases cut into their words (each word of a phrase
    counted once per occurrence of the phrase), and the words' vocabulary."""
    pieces = [[t] if "_" not in t or t in whole else [w for w in t.split("_") if w] or [t]
              for t in vocab]
    words, new_vocab = pd.factorize(np.array([w for p in pieces for w in p], dtype=object))
    sizes = np.array([len(p) for p in pieces], dtype=np.int64)
    into = sparse.csr_matrix((np.ones(len(words), dtype=np.int64),
                              (np.repeat(np.arange(len(vocab)), sizes), words)),
                             shape=(len(vocab), len(new_vocab)))
    split = (counts @ into).tocsr()
    split.sort_indices()  # the tests read terms in index order: keep it the terms' order
    return split, list(new_vocab)


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


def document_counts(bags: pd.DataFrame | DocCounts, hits: pd.DataFrame | None = None,
                    stream_sents: pd.DataFrame | None = None, lexicon: Lexicon | None = None
                    ) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Matches of every frame and word tokens per (document, language).

    Args:
        bags: the BAGS rows, or the counts added up batch by batch (`counts.DocCounts`,
            matches included; then `hits` and `stream_sents` are not given).
        hits: `match_lexicon` rows of the stream built from `stream_sents`.
        stream_sents: the stream's sentences.
        lexicon: the frame lexicon.

    Returns:
        The table (doc_id, firm, year, lang, n_tokens, one `group/frame` column per frame,
        `content_key`: a hash of the document's bag terms, the order the bootstrap draws
        from) and the (group, frame) of each count column.
    """
    assert lexicon is not None
    if isinstance(bags, pd.DataFrame):
        counts = DocCounts()
        counts.add_bags(bags)
        if hits is not None and stream_sents is not None:
            counts.add_hits(hits, stream_sents)
    else:
        counts = bags
    columns = [(f.group, f.name) for f in lexicon.frames()]
    names = [f"{g}/{f}" for g, f in columns]
    docs = counts.docs()
    h = counts.hits()
    if len(h):
        wide = (h.set_index(["doc_id", "lang", "col"])["n"].unstack("col", fill_value=0)
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
    docs["content_key"] = counts.content_keys().reindex(docs["doc_id"]).to_numpy()
    return docs, columns


# --- the stage -------------------------------------------------------------------------------


# A whole table, or its batches (each document's rows in one batch or consecutive).
Tables: TypeAlias = pd.DataFrame | Iterable[pd.DataFrame]


def firm_level_enough(measures: pd.DataFrame, *, min_firm_tokens: int) -> pd.DataFrame:
    """A whole firm's figures (level firm) need `min_firm_tokens` word tokens, not the
    `min_tokens` of one year: a firm of a few short pages has too little text for a profile,
    a map position or a comparison with the rest, though each of its years is counted."""
    out = measures.copy()
    firm = (out["level"] == "firm").to_numpy()
    out.loc[firm, "enough"] = out.loc[firm, "n_tokens"] >= min_firm_tokens
    out["enough"] = out["enough"].astype(bool)
    return out


def score_contrasts(sentences: Tables, bags: Tables, documents: pd.DataFrame,
                    passages: pd.DataFrame, lexicon: Lexicon, params: ContrastsParams,
                    cache: MatchCache | None = None) -> Contrasts:
    """Keyness, frame measures, shifts, domains and concordances of a lemmatised corpus.

    Args:
        sentences: the SENTENCES table, or its batches (each document's rows consecutive,
            `pos` not needed), read once.
        bags: the BAGS table, or its batches (the same way), read once.
        documents: the DOCUMENTS table (`doc_id`, `captured_at`, `duplicate_of` are used).
        passages: the PASSAGES table (`passage_id`, `page_start`, `is_duplicate`, `kind` and
            `section_family` are used).
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
            firm in the firm × term correspondence analysis); `kinds` and
            `section_families` (which passages are read: `pipeline.subset`) and
            `compare_kinds` (keyness compares reports with pages).
        cache: per-document matches and concordance lines kept between runs (see
            `pipeline.contrasts.cache`); None matches every document.

    Returns:
        The stage's tables.
    """
    unusable = _Unusable(documents, passages, kinds=params.kinds,
                         section_families=params.section_families)
    # (passages without a kind, as a caller may hand in, cannot be compared by kind)
    kind_of = (passages.drop_duplicates("passage_id").set_index("passage_id")["kind"]
               if params.compare_kinds and "kind" in passages else None)
    # First pass, over the bags: keyness counts per unit and word tokens per document.
    term_counts, doc_counts = TermCounts(), DocCounts()
    for batch in doc_batches(_frames(bags)):
        batch = unusable.drop(batch)
        if kind_of is not None:  # units split by source kind: reports compared with pages
            term_counts.add(batch.assign(
                kind=batch["passage_id"].map(kind_of).fillna("page").to_numpy()))
        else:
            term_counts.add(batch)
        doc_counts.add_bags(batch)
    unusable.log()
    whole = frozenset(t.phrase for f in lexicon.frames() for terms in f.terms.values()
                      for t in terms if t.is_multiword)
    keyness = keyness_tables(term_counts, alpha0=params.alpha0, min_count=params.min_count,
                             fdr=params.fdr, min_tokens=params.min_tokens,
                             split_phrases=params.split_phrases, whole=whole)
    top = keyness[keyness["rank"].notna() & (keyness["rank"] <= params.n_top)
                  & (((keyness["comparison"] == "firm_vs_rest")
                      & (keyness["log_ratio_cons"] > 0))
                     | (keyness["comparison"] == "late_vs_early"))]
    wanted = pd.DataFrame({"term": top["term"], "lang": top["lang"],
                           "firm": top["group_a"].str.replace(r":(late|early)$", "",
                                                              regex=True)}).drop_duplicates()

    # Second pass, over the sentences: lexicon matches, concordances of matches and terms;
    # a document whose results are in the cache is not matched again.
    settings = settings_key(repr([(f.group, f.name, f.terms) for f in lexicon.frames()]),
                            params.kwic_window)
    wanted_by_firm = wanted_keys(wanted)
    kwic_parts: list[pd.DataFrame | None] = []
    sources = line_sources(documents, passages)
    n_hits = n_sents = 0
    for batch in doc_batches(_frames(sentences)):
        batch = unusable.drop(batch, sentences=True)
        n_sents += len(batch)
        keys = document_keys(batch, settings, wanted_by_firm) if cache is not None else {}
        todo = []
        for doc in pd.unique(batch["doc_id"]):
            got = cache.get(keys[doc]) if cache is not None else None
            if got is None:
                todo.append(doc)
                continue
            doc_counts.add_counts(got[0])
            kwic_parts.append(got[1])
            n_hits += int(got[0]["n"].sum()) if got[0] is not None else 0
        if not todo:
            continue
        stream = build_stream(batch if len(todo) == len(keys) or cache is None
                              else batch[batch["doc_id"].isin(todo)])
        hits = match_lexicon(stream, lexicon)
        n_hits += len(hits)
        counts = hit_counts(hits, stream.sentences)
        doc_counts.add_counts(counts)
        lines = kwic_lines(stream, hits, match_bag_terms(stream, wanted), sources,
                           kwic_window=params.kwic_window)
        kwic_parts.append(lines)
        if cache is not None:
            doc_hits, doc_lines = split_by_doc(counts, todo), split_by_doc(lines, todo)
            for doc in todo:
                cache.put(keys[doc], doc_hits[doc], doc_lines[doc])
    log.info("frames: %d matches in %d sentences", n_hits, n_sents)
    kwic = sort_kwic(kwic_parts)

    docs, columns = document_counts(doc_counts, lexicon=lexicon)
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
    shares = measures[(measures["measure"] == "share") & (measures["level"] == "firm_year")
                      & measures["lang"].isna() & measures["enough"] & measures["value"].notna()]
    frame_shares = (shares.rename(columns={"value": "share"})
                    [["group", "frame", "firm", "year", "share", "ci_low", "ci_high",
                      "n_matches", "n_docs", "n_tokens"]]
                    .sort_values(["group", "frame", "firm", "year"]).reset_index(drop=True))
    tokens = docs.groupby(["firm", "lang"], as_index=False)["n_tokens"].sum()
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


def _frames(tables: Tables) -> Iterable[pd.DataFrame]:
    return [tables] if isinstance(tables, pd.DataFrame) else tables


class _Unusable:
    """Leaves out duplicates, languages other than those of the lexicon and passages outside
    the kinds and section families asked for, batch by batch, and logs what it left out once."""

    def __init__(self, documents: pd.DataFrame, passages: pd.DataFrame, *,
                 kinds: Sequence[str] = (), section_families: Sequence[str] = ()) -> None:
        # the passages of the kinds and section families asked for (None: all)
        self.chosen = (selected(passages, kinds=kinds, section_families=section_families)
                       if kinds or section_families else None)
        self.dup_docs = set(documents.loc[documents["duplicate_of"].notna(), "doc_id"])
        self.dup_passages = set(passages.loc[passages["is_duplicate"].astype(bool),
                                             "passage_id"])
        self.n_dup: set[str] = set()
        self.other: dict[str, int] = {}

    def drop(self, frame: pd.DataFrame, *, sentences: bool = False) -> pd.DataFrame:
        dup = frame["doc_id"].isin(self.dup_docs) | frame["passage_id"].isin(self.dup_passages)
        lang = frame["lang"].isin(LANGS)
        if not sentences:
            self.n_dup.update(frame.loc[dup, "passage_id"])
            for code, n in frame.loc[~lang, "lang"].astype(str).value_counts().items():
                self.other[str(code)] = self.other.get(str(code), 0) + int(n)
        keep = ~dup & lang
        if self.chosen is not None:
            keep &= frame["passage_id"].isin(self.chosen)
        return frame[keep]

    def log(self) -> None:
        if self.n_dup:
            log.warning("%d duplicate passage(s) reached the contrasts stage: not counted",
                        len(self.n_dup))
        if self.other:
            log.info("%d passage(s) in other languages (%s) skipped", sum(self.other.values()),
                     ", ".join(sorted(self.other)))


def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("contrasts", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, ContrastsParams)
    lexicon = load_lexicon(lexicon_path(args.params))
    # The two large tables are read in batches, only the columns the stage uses.
    sentences = iter_table(args.processed / schemas.file_name(schemas.SENTENCES),
                           schemas.SENTENCES,
                           columns=[c for c in schemas.SENTENCES.names if c != "pos"],
                           batch_rows=BATCH_ROWS)
    bags = iter_table(args.processed / schemas.file_name(schemas.BAGS), schemas.BAGS,
                      batch_rows=BATCH_ROWS)
    documents = read_table(args.interim / schemas.file_name(schemas.DOCUMENTS),
                           schemas.DOCUMENTS, columns=["doc_id", "captured_at", "duplicate_of"])
    passages = read_table(args.interim / schemas.file_name(schemas.PASSAGES), schemas.PASSAGES,
                          columns=["passage_id", "page_start", "is_duplicate", "kind",
                                   "section_family"])
    cache = MatchCache(args.cache)
    try:
        result = score_contrasts(sentences, bags, documents, passages, lexicon, params,
                                 cache=cache)
    finally:
        cache.close()
    log.info("contrasts: %d document(s) matched, %d from the cache (%s); keyness, frame "
             "measures, trends, tests and correspondence analysis were computed again over "
             "every document", cache.misses, cache.hits, cache.path)
    out = args.out
    for name in ("keyness", "frame_measures", "shifts", "domains", "firm_domains", "thresholds",
                 "kwic", "ca_points", "ca_axes", "versus"):
        schema = getattr(schemas, name.upper())
        write_table(getattr(result, name), out / schemas.file_name(schema), schema)
    write_csv(result.frame_shares, args.plots / "frame_shares.csv")
    log.info("contrasts: %d keyness rows, %d frame figures, %d trends, %d concordance lines "
             "→ %s", len(result.keyness), len(result.frame_measures), len(result.shifts),
             len(result.kwic), out)
    return EXIT_OK

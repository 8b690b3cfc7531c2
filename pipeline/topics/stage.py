"""Topic models per language: a K sweep, topic descriptions, and topic prevalence with intervals.

reads `<processed>/bags.parquet` (BAGS) and `<interim>/passages.parquet` (PASSAGES: page
ranges and text) → writes `<out>/k_sweep.parquet`, `topic_terms.parquet`, `doc_topics.parquet`,
`topic_passages.parquet`, `prevalence.parquet`, `topic_trends.parquet`; one saved model per
language under `<models>/<lang>/`; `<metrics>` (metrics.json: the chosen K's measures per
language) and `<plots>/k_sweep.csv` (one row per language × K).

One model per language present in the bags (French and English are never mixed in a topic);
a language with fewer than `min_passages` passages left after vocabulary pruning is skipped
with a log line. The unit of the model is the passage (about 250 words), so a long report is
not one blurred mixture.

**The K sweep.** For every K of `k_grid` the stage fits a reference model (seed `seed`, all
passages) and one model per seed of `stability_seeds`, each on a random `stability_sample`
share of the passages drawn with that seed; the fits run in a process pool of
`sweep_workers` processes. Per K it records
- `c_v` and `c_npmi`: coherence of the reference fit's top 10 terms over the passages' term
  sequences (mean over topics), gensim `CoherenceModel`'s measures and numbers, counted for
  every K and both measures in one pass over the texts (`pipeline.topics.coherence`), split
  between the sweep's processes;
- `exclusivity`: mean share of a topic's top 10 terms that are top terms of no other topic;
- `stability`: for each stability fit, topics are paired one to one with the reference fit's
  (Hungarian matching on shared top-10 terms) and the shared share averaged over pairs; the
  mean over seeds. 1 means every seed and subsample gives back the same topics. Subsamples
  make stability measure whether a topic is in the data rather than in one start: NMF's
  NNDSVD start barely depends on the seed, so seeds alone would call every NMF stable.

**The K rule (`k: auto`).** Among the K whose stability is at least `stability_floor`
(all K if none is), take the K with the highest mean of the standardised (z-scored across
the grid) `c_npmi` and `stability`; a tie goes to the smaller K. c_npmi rather than c_v,
because NPMI is a plain mean of pairwise associations on a fixed scale (-1 to 1), while
c_v's indirect cosine can score high word sets that merely share contexts. Without stability
seeds, c_npmi alone decides.
A number for `k` forces that K (it is added to the sweep if missing). The chosen K's
reference fit is the model kept: no refit.

**Topic description.** Top terms by probability and by FREX (harmonic mean of frequency and
exclusivity ranks, as in R's stm), a label (its three most probable terms, skipping any that
is among another topic's three), and the `n_passages` most representative passages: highest
share, at most one per document, among passages at least as long (in vocabulary terms) as
the language's first quartile, so a ten-word fragment never speaks for a topic.

**Prevalence.** A document's topic share is the mean of its passages' shares weighted by
their word tokens (`n_tokens`); a group's share (overall, per firm, per year, per firm ×
year) is the mean over its documents, with a 95 % percentile bootstrap interval resampling
documents (`n_bootstrap` resamples, seeded by `seed` and the group), left empty for a group
of one document. Passages the model cannot place (no term in the vocabulary) are left out
and counted in the log. A figure resting on fewer word tokens than `min_tokens` (a year or
firm-year) or `min_firm_tokens` (a firm) is flagged `enough = False`, as the contrasts stage
flags frame figures: a firm of a few short pages still gets a profile, marked as too little
text.

**Topic trends.** For each firm and topic, the regression on year the contrasts stage fits to
frame shares (`pipeline.trends`: quasi-binomial, documents as units), here on the topic's
share of each dated document's word tokens: slope in log-odds per year, 95 % interval, p, and
Benjamini-Hochberg q across the firm's topics. The same too-little-text rule as the frame
trends (`min_tokens` per firm-year, `min_years` years); undated documents stay out.

    python -m pipeline.topics --processed data/processed --interim data/interim \\
        --params params.yaml --out data/topics --models models/topics \\
        --metrics reports/metrics.json --plots reports/plots
"""

from __future__ import annotations

import itertools
import logging
import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from pipeline import cli, schemas
from pipeline.errors import EXIT_OK, TopicsError
from pipeline.io import empty_frame, iter_arrow, read_table, write_csv, write_json, write_table
from pipeline.lexicon import load_lexicon
from pipeline.params import TopicsParams, lexicon_path, load_block
from pipeline.resample import content_keys
from pipeline.subset import restrict
from pipeline.topics.coherence import (
    MEASURES,
    WINDOWS,
    Cooccurrence,
    count_cooccurrence,
    topic_words,
)
from pipeline.topics.models import (
    Corpus,
    TopicModel,
    build_corpus,
    clear_saved,
    exclusivity,
    fit_model,
    frex,
    match_topics,
    top_ids,
)
from pipeline.topics.names import drop_names, proper_nouns
from pipeline.topics.prevalence import document_shares, prevalence, topic_trends
from pipeline.workers import die_with_parent

log = logging.getLogger(__name__)

#: top terms every sweep measure (coherence, exclusivity, stability) looks at
N_EVAL_TERMS = 10
#: terms in a topic's label
N_LABEL_TERMS = 3
#: quantile of passage length (terms in the vocabulary) below which a passage is not shown
#: as representative
MIN_PASSAGE_QUANTILE = 0.25
COHERENCE_MEASURES = ("c_v", "c_npmi")
# The sweep's workers are forked: they inherit the corpus and texts instead of unpickling them.
_FORK = multiprocessing.get_context("fork")


@dataclass
class TopicsResult:
    """Everything the stage produces; tables follow `pipeline.schemas`."""

    k_sweep: pd.DataFrame
    topic_terms: pd.DataFrame
    doc_topics: pd.DataFrame
    topic_passages: pd.DataFrame
    prevalence: pd.DataFrame
    topic_trends: pd.DataFrame
    models: dict[str, TopicModel] = field(default_factory=dict)
    metrics: dict[str, dict[str, float | None]] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)


# --- the K sweep -----------------------------------------------------------------------------

# Set in each sweep process by `_init_sweep` (and in this process when the sweep runs inline),
# so the corpus is sent once per process rather than once per fit.
_SWEEP: dict[str, Any] = {}


def _init_worker(parent_pid: int, *args) -> None:
    die_with_parent(parent_pid)
    # One BLAS thread per process: the pool already fills the cores, and fixed threading keeps
    # floating-point sums, hence the fits, identical whatever the pool size.
    threadpool_limits(1)
    _init_sweep(*args)


def _init_sweep(corpus: Corpus, texts: list[list[str]], model: str, passes: int,
                chunksize: int, workers: int) -> None:
    _SWEEP.clear()
    _SWEEP.update(corpus=corpus, texts=texts, model=model, passes=passes, chunksize=chunksize,
                  workers=workers)


def _sweep_fit(ref: bool, k: int, seed: int, rows: np.ndarray | None
               ) -> TopicModel | np.ndarray:
    """Fit one model of the sweep: the reference model, or a stability fit's top-term ids."""
    fitted = fit_model(_SWEEP["corpus"], model=_SWEEP["model"], k=k, seed=seed,
                       passes=_SWEEP["passes"], chunksize=_SWEEP["chunksize"],
                       workers=_SWEEP["workers"], rows=rows)
    return fitted if ref else fitted.top_term_ids(N_EVAL_TERMS)


def _sweep_counts(words: list[str], start: int, stop: int) -> dict[int, Cooccurrence]:
    """Window counts of `words` over texts start..stop (a share of the one coherence pass)."""
    return count_cooccurrence(_SWEEP["texts"][start:stop], words)


def _coherences(topics: list[list[str]], counts: dict[int, Cooccurrence]
                ) -> dict[str, np.ndarray]:
    return {m: MEASURES[m](topics, counts[WINDOWS[m]]) for m in COHERENCE_MEASURES}


def _add_counts(parts: list[dict[int, Cooccurrence]]) -> dict[int, Cooccurrence]:
    total = parts[0]
    for part in parts[1:]:
        total = {w: total[w].add(part[w]) for w in total}
    return total


def _text_shares(texts: list[list[str]], n: int) -> list[tuple[int, int]]:
    """`n` consecutive ranges of texts with about the same number of terms each."""
    sizes = np.cumsum([len(t) for t in texts])
    cuts = [0, *(int(np.searchsorted(sizes, sizes[-1] * i / n)) for i in range(1, n)),
            len(texts)] if len(texts) else [0, 0]
    return [(a, b) for a, b in itertools.pairwise(cuts) if b > a]


def stability_rows(n_passages: int, *, seed: int, stability_sample: float) -> np.ndarray | None:
    """The passages a stability fit sees: a `stability_sample` share drawn with `seed`."""
    if stability_sample >= 1:
        return None
    size = max(2, round(n_passages * stability_sample))
    return np.sort(np.random.default_rng(seed).choice(n_passages, size=size, replace=False))


def sweep_k(corpus: Corpus, texts: list[list[str]], *, model: str, k_grid: Sequence[int],
            seed: int, stability_seeds: Sequence[int], stability_sample: float, passes: int,
            chunksize: int, workers: int, sweep_workers: int, lang: str = ""
            ) -> tuple[pd.DataFrame, dict[int, TopicModel]]:
    """Fit every K of the grid with the reference seed and each stability seed, and measure it.

    Args:
        corpus: the passages as bags of words.
        texts: the same passages' term sequences (for coherence).
        model, seed, passes, chunksize, workers: as for `fit_model`.
        k_grid: the K values.
        stability_seeds: seeds of the stability fits.
        stability_sample: share of passages each stability fit sees (1: all, seeds only).
        sweep_workers: processes running the fits (1: in this process).
        lang: for log lines.

    Returns:
        (table with columns k, c_v, c_npmi, exclusivity, stability; the reference model of
        every K).
    """
    grid = sorted(set(int(k) for k in k_grid))
    subsamples = {s: stability_rows(len(corpus.bows), seed=s, stability_sample=stability_sample)
                  for s in stability_seeds}
    # Largest K first: the longest fits start early, so the pool ends evenly.
    tasks: list[tuple[bool, int, int, np.ndarray | None]] = [
        (True, k, seed, None) for k in reversed(grid)]
    tasks += [(False, k, s, subsamples[s]) for k in reversed(grid) for s in stability_seeds]
    refs: dict[int, TopicModel] = {}
    tops: dict[tuple[int, int], np.ndarray] = {}

    def keep(task, result, n_done):
        ref, k, s, rows = task
        if ref:
            refs[k] = result
        else:
            tops[k, s] = result
        log.info("%s: sweep fit %d/%d done (%s, K=%d, seed %d%s)", lang, n_done, len(tasks),
                 model, k, s, "" if rows is None else f", {len(rows)} passages")

    initargs = (corpus, texts, model, passes, chunksize, workers)
    n_procs = max(1, min(sweep_workers, len(tasks)))
    if n_procs == 1:
        saved = dict(_SWEEP)
        with threadpool_limits(1):
            try:
                _init_sweep(*initargs)
                for n, task in enumerate(tasks, 1):
                    keep(task, _sweep_fit(*task), n)
                all_topics = _pooled_topics(refs, grid)
                words = topic_words(all_topics)
                counts = _sweep_counts(words, 0, len(texts))
            finally:
                _SWEEP.clear()
                _SWEEP.update(saved)
    else:
        # Forked workers inherit the corpus and texts (`initargs` are not pickled under fork),
        # so no task carries them.
        with ProcessPoolExecutor(n_procs, mp_context=_FORK, initializer=_init_worker,
                                 initargs=(os.getpid(), *initargs)) as pool:
            futures = {pool.submit(_sweep_fit, *task): task for task in tasks}
            for n, fut in enumerate(as_completed(futures), 1):
                keep(futures[fut], fut.result(), n)
            all_topics = _pooled_topics(refs, grid)
            words = topic_words(all_topics)
            # One pass over the texts for every measure and K, its share of texts per process.
            parts = [pool.submit(_sweep_counts, words, a, b)
                     for a, b in _text_shares(texts, n_procs)]
            counts = _add_counts([f.result() for f in parts])
    coherences = _coherences(all_topics, counts)
    log.info("%s: coherence of %d topics measured", lang, sum(grid))

    rows_out, start = [], 0
    for k in grid:
        top = refs[k].top_term_ids(N_EVAL_TERMS)
        stab = [match_topics(top, tops[k, s])[2] for s in stability_seeds]
        rows_out.append({
            "k": k,
            "c_v": float(np.nanmean(coherences["c_v"][start:start + k])),
            "c_npmi": float(np.nanmean(coherences["c_npmi"][start:start + k])),
            "exclusivity": exclusivity(top),
            "stability": float(np.mean(stab)) if stab else float("nan"),
        })
        start += k
    return pd.DataFrame(rows_out), refs


def _pooled_topics(refs: dict[int, TopicModel], grid: list[int]) -> list[list[str]]:
    # All K's topics in one list, so each coherence measure counts co-occurrences once.
    return [terms for k in grid for terms in refs[k].top_terms(N_EVAL_TERMS)]


def choose_k(sweep: pd.DataFrame, *, stability_floor: float) -> int:
    """The K the documented rule picks (see the module docstring).

    Args:
        sweep: one row per K with columns k, c_npmi, stability (NaN when not measured).
        stability_floor: minimum stability of a candidate K.

    Returns:
        The chosen K.
    """
    if sweep.empty:
        raise TopicsError("the K sweep is empty: no K to choose from")

    def z(col: pd.Series) -> pd.Series:
        col = col.astype(float)
        sd = col.std(ddof=0)
        return (col - col.mean()) / sd if sd > 0 else col * 0.0

    npmi = z(sweep["c_npmi"].fillna(sweep["c_npmi"].min() if sweep["c_npmi"].notna().any()
                                    else 0.0))
    stab = sweep["stability"]
    if stab.notna().all():
        score = (npmi + z(stab)) / 2
        candidates = stab >= stability_floor
        if not candidates.any():
            log.warning("no K reaches stability %.2f (best %.2f); choosing among all K",
                        stability_floor, stab.max())
            candidates = pd.Series(True, index=sweep.index)
    else:
        score, candidates = npmi, pd.Series(True, index=sweep.index)
    ranked = pd.DataFrame({"k": sweep["k"], "score": score})[candidates]
    ranked = ranked.sort_values(["score", "k"], ascending=[False, True], kind="stable")
    return int(ranked["k"].iloc[0])


# --- topic description -----------------------------------------------------------------------


def describe_topics(model: TopicModel, *, n_top_terms: int) -> pd.DataFrame:
    """Top terms by probability and by FREX, and a label per topic.

    Args:
        model: a fitted model.
        n_top_terms: terms kept per topic and ranking.

    Returns:
        Rows of TOPIC_TERMS without `lang` (each topic's label in its `label` column).
    """
    phi = model.topic_term()
    scores = frex(phi)
    vocab = np.array([model.dictionary[i] for i in range(phi.shape[1])], dtype=object)
    by_prob = top_ids(phi, n_top_terms)
    by_frex = top_ids(scores, n_top_terms)
    # A label's terms are the topic's most probable ones, skipping any that is among the
    # label terms of another topic, so no two labels look alike.
    heads = top_ids(phi, N_LABEL_TERMS)
    labels = []
    for t in range(phi.shape[0]):
        others = set(np.delete(heads, t, axis=0).ravel())
        label_ids = [i for i in by_prob[t] if i not in others][:N_LABEL_TERMS] or list(heads[t])
        labels.append(" / ".join(_readable(vocab[i]) for i in label_ids))
    frames = []
    for by, ids in (("prob", by_prob), ("frex", by_frex)):
        topic = np.repeat(np.arange(phi.shape[0]), ids.shape[1])
        flat = ids.ravel()
        frames.append(pd.DataFrame({
            "topic": topic,
            "label": np.asarray(labels, dtype=object)[topic],
            "rank": np.tile(np.arange(1, ids.shape[1] + 1), phi.shape[0]),
            "term": vocab[flat],
            "weight": phi[topic, flat],
            "frex": scores[topic, flat],
            "by": by,
        }))
    return pd.concat(frames, ignore_index=True)


def _readable(term: str) -> str:
    # Phrases are stored joined by "_" ("réseau_d'_eau"); a label shows them as words.
    return term.replace("_", " ").replace("' ", "'")


def representative_passages(shares: np.ndarray, meta: pd.DataFrame, *, n_passages: int
                            ) -> pd.DataFrame:
    """The passages that speak most for each topic.

    Args:
        shares: passages × K topic shares.
        meta: one row per passage (same order) with passage_id, doc_id and n_terms (terms in
            the vocabulary); other columns are carried along.
        n_passages: passages kept per topic.

    Returns:
        meta's columns plus topic, rank and share; highest share first, at most one passage
        per document, only passages at least as long as the first quartile.
    """
    floor = np.quantile(meta["n_terms"], MIN_PASSAGE_QUANTILE) if len(meta) else 0
    eligible = meta["n_terms"].to_numpy() >= floor
    frames = []
    for t in range(shares.shape[1]):
        cand = meta.loc[eligible].assign(share=shares[eligible, t], topic=t)
        cand = cand.sort_values(["share", "n_terms", "passage_id"],
                                ascending=[False, False, True], kind="stable")
        cand = cand.drop_duplicates("doc_id").head(n_passages)
        frames.append(cand.assign(rank=np.arange(1, len(cand) + 1)))
    return pd.concat(frames, ignore_index=True) if frames else meta.head(0)


# --- the stage core --------------------------------------------------------------------------


def in_content_order(bags: pd.DataFrame, keys: pd.Series | None = None) -> pd.DataFrame:
    """Passages sorted by their document's content key, then passage order: the order the
    models read them in. It makes the vocabulary ids, hence the fits and the shares, depend
    on the text only, not on the input row order or the capture ids."""
    keys = content_keys(bags) if keys is None else keys
    return (bags.assign(_key=keys.reindex(bags["doc_id"]).to_numpy())
            .sort_values(["_key", "doc_id", "passage_id"], kind="stable").drop(columns="_key"))


# The `topics:` keys the sweep takes as they are.
SWEEP_KEYS = {"model", "seed", "stability_seeds", "stability_sample", "passes", "chunksize",
              "workers", "sweep_workers"}


def fit_topics(bags: pd.DataFrame, passages: pd.DataFrame, params: TopicsParams
               ) -> TopicsResult:
    """Fit one topic model per language and describe and measure its topics.

    Args:
        bags: rows of BAGS (passages as lists of terms).
        passages: rows of PASSAGES with at least passage_id, page_start, page_end, text (and
            kind and section_family when `kinds` or `section_families` is set).
        params: the `topics:` block (see `pipeline.params.TopicsParams`): the model and its K
            (or the sweep's grid and rule), seeds, LDA settings, vocabulary pruning, how much
            each topic's description shows, the bootstrap of prevalence intervals, the
            too-little-text rule of topic trends (`min_tokens`, `min_years`), and which
            passages are modelled (`kinds`, `section_families`: see `pipeline.subset`).

    Returns:
        The tables, the models and the metrics, per language. The input frames are not
        modified.
    """
    grid = sorted(set(params.k_grid) | ({params.k} if params.k != "auto" else set()))
    if params.model == "lda" and params.workers > 1:
        log.warning("topics.workers = %d: LdaMulticore's topics vary slightly from run to run "
                    "(set 1 for reproducible topics)", params.workers)
    result = TopicsResult(*(empty_frame(s) for s in (schemas.K_SWEEP, schemas.TOPIC_TERMS,
                                                     schemas.DOC_TOPICS, schemas.TOPIC_PASSAGES,
                                                     schemas.PREVALENCE,
                                                     schemas.TOPIC_TRENDS)))
    tables: dict[str, list[pd.DataFrame]] = {n: [] for n in ("k_sweep", "topic_terms",
                                                             "doc_topics", "topic_passages",
                                                             "prevalence", "topic_trends")}
    bags = restrict(bags, passages, kinds=params.kinds,
                    section_families=params.section_families)
    if bags.empty:
        log.warning("no passages in the bags: no topic model")
    keys = content_keys(bags)
    bags = in_content_order(bags, keys)
    for lang, sub in bags.groupby("lang", sort=True):
        terms = [list(t) for t in sub["terms"]]
        corpus = build_corpus(terms, min_df=params.min_df, max_df=params.max_df)
        n_kept = len(corpus.bows)
        # NMF's NNDSVD start needs K no larger than the passages (of a subsample) and terms.
        n_fit = round(n_kept * params.stability_sample) if params.stability_seeds else n_kept
        lang_grid = [x for x in grid if x < min(n_kept, n_fit) and x <= corpus.n_terms]
        if n_kept < max(params.min_passages, 2) or not lang_grid:
            reason = (f"{n_kept} passages with terms in a vocabulary of {corpus.n_terms} "
                      f"(min_passages {params.min_passages}, K grid {grid})")
            log.warning("%s: no topic model: %s", lang, reason)
            result.skipped[lang] = reason
            continue
        if len(lang_grid) < len(grid):
            log.info("%s: K above the number of passages or terms dropped: %s", lang,
                     sorted(set(grid) - set(lang_grid)))
        log.info("%s: %d passages (%d with no term left out), %d terms; %s sweep over K=%s",
                 lang, n_kept, len(sub) - n_kept, corpus.n_terms, params.model, lang_grid)
        # Unlike lemmas and frame matches, nothing here is cached per document: say so.
        log.info("%s: every model of the sweep is refit on all passages (a topic model spans "
                 "documents: a new or changed document changes every fit)", lang)
        texts = [terms[i] for i in corpus.kept]
        sweep, refs = sweep_k(corpus, texts, k_grid=lang_grid, lang=lang,
                              **params.model_dump(include=SWEEP_KEYS))
        chosen = (choose_k(sweep, stability_floor=params.stability_floor)
                  if params.k == "auto" else int(params.k))
        if chosen not in refs:
            result.skipped[lang] = f"K={chosen} is not below the {n_kept} passages"
            log.warning("%s: no topic model: %s", lang, result.skipped[lang])
            continue
        fitted = refs[chosen]
        sweep = sweep.assign(lang=lang, model=params.model, chosen=sweep["k"] == chosen)
        tables["k_sweep"].append(sweep)
        best = sweep.loc[sweep["chosen"]].iloc[0]
        log.info("%s: K=%d (%s) c_npmi %.3f, c_v %.3f, exclusivity %.2f, stability %.2f", lang,
                 chosen, "rule" if params.k == "auto" else "forced", best["c_npmi"], best["c_v"],
                 best["exclusivity"], best["stability"])

        terms_table = describe_topics(fitted, n_top_terms=params.n_top_terms)
        tables["topic_terms"].append(terms_table.assign(lang=lang))

        shares = fitted.transform(corpus.bows)
        meta = sub.iloc[corpus.kept][["passage_id", "doc_id", "firm", "year", "url",
                                      "n_tokens"]].reset_index(drop=True)
        placed = shares.sum(axis=1) > 0
        if not placed.all():
            log.warning("%s: %d passages the model cannot place left out", lang,
                        int((~placed).sum()))
        shares, meta = shares[placed], meta.loc[placed].reset_index(drop=True)
        meta["n_terms"] = np.array([sum(c for _, c in corpus.bows[i])
                                    for i in np.flatnonzero(placed)])
        n, kk = shares.shape
        doc_topics = pd.DataFrame({
            "lang": lang,
            **{c: np.repeat(meta[c].to_numpy(), kk) for c in ("passage_id", "doc_id", "firm",
                                                              "url")},
            "year": pd.array(np.repeat(meta["year"].to_numpy(), kk), dtype="Int16"),
            "topic": np.tile(np.arange(kk), n),
            "share": shares.ravel(),
        })
        tables["doc_topics"].append(doc_topics)

        reps = representative_passages(shares, meta, n_passages=params.n_passages)
        reps = reps.merge(passages[["passage_id", "page_start", "page_end", "text"]],
                          on="passage_id", how="left")
        missing = reps["text"].isna()
        if missing.any():
            log.warning("%s: %d representative passages are not in passages.parquet (stale "
                        "interim data?): shown without text", lang, int(missing.sum()))
            reps["text"] = reps["text"].fillna("")
        tables["topic_passages"].append(reps.assign(lang=lang))

        docs = document_shares(doc_topics, meta.set_index("passage_id")["n_tokens"],
                               keys=keys)
        tables["prevalence"].append(prevalence(
            docs, n_bootstrap=params.n_bootstrap, seed=params.seed, lang=lang,
            min_tokens=params.min_tokens,
            min_firm_tokens=params.min_firm_tokens).assign(lang=lang))
        tables["topic_trends"].append(topic_trends(docs, min_tokens=params.min_tokens,
                                                   min_years=params.min_years).assign(lang=lang))

        result.models[lang] = fitted
        result.metrics[lang] = {
            "k": chosen,
            **{m: _num(best[m]) for m in ("c_v", "c_npmi", "exclusivity", "stability")},
            "n_passages": n, "n_docs": len(docs.docs), "n_terms": corpus.n_terms,
        }
    for name, frames in tables.items():
        if frames:
            schema = getattr(schemas, name.upper())
            setattr(result, name, pd.concat(frames, ignore_index=True)[schema.names])
    return result


def _num(value) -> float | None:
    value = float(value)
    return None if np.isnan(value) else round(value, 6)


# --- command line ----------------------------------------------------------------------------


def save_models(models: dict[str, TopicModel], folder: Path, extra: dict[str, dict]) -> None:
    """Save one model per language under `folder/<lang>/`; remove models of other languages."""
    folder.mkdir(parents=True, exist_ok=True)
    for sub in sorted(p for p in folder.iterdir() if p.is_dir()):
        if sub.name not in models and (sub / "meta.json").exists():
            log.info("removing the stale %s model in %s", sub.name, sub)
            clear_saved(sub)
    for lang, fitted in models.items():
        fitted.save(folder / lang, extra={"lang": lang, **extra.get(lang, {})})


def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("topics", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, TopicsParams)
    bags = read_table(args.processed / schemas.file_name(schemas.BAGS), schemas.BAGS)
    passages = read_table(args.interim / schemas.file_name(schemas.PASSAGES), schemas.PASSAGES,
                          columns=["passage_id", "page_start", "page_end", "text", "kind",
                                   "section_family"])
    sentences_path = args.processed / schemas.file_name(schemas.SENTENCES)
    if params.drop_names and sentences_path.exists():
        lexicon_file = lexicon_path(args.params)
        lexicon_words = load_lexicon(lexicon_file).words() if lexicon_file.exists() else set()
        batches = iter_arrow(sentences_path, schemas.SENTENCES,
                             columns=["tokens", "lemmas", "pos", "keep"])
        bags = drop_names(bags, proper_nouns(batches, lexicon_words=lexicon_words))
    elif params.drop_names:
        log.warning("%s is missing: proper nouns cannot be told and stay in the bags",
                    sentences_path)
    result = fit_topics(bags, passages, params)
    for name in ("k_sweep", "topic_terms", "doc_topics", "topic_passages", "prevalence",
                 "topic_trends"):
        schema = getattr(schemas, name.upper())
        write_table(getattr(result, name), args.out / schemas.file_name(schema), schema)
    fit = params.model_dump(include={"model", "passes", "chunksize", "min_df", "max_df"})
    save_models(result.models, args.models,
                {lang: {**m, **fit} for lang, m in result.metrics.items()})
    write_json({"topics": result.metrics}, args.metrics)
    write_csv(result.k_sweep[["lang", "model", "k", "c_v", "c_npmi", "exclusivity",
                               "stability", "chosen"]], args.plots / "k_sweep.csv")
    log.info("topics: %d language model(s) (%s) → %s", len(result.models),
             ", ".join(f"{lang} K={m['k']}" for lang, m in result.metrics.items()) or "none",
             args.out)
    return EXIT_OK

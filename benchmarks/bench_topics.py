"""Benchmark of the topics stage: our LDA/NMF wrappers against the bare libraries, and the sweep.

Prints medians of interleaved runs and their ratios, measured side by side in one run:
1. LDA fit, `pipeline.topic_models.fit_model` vs bare gensim `LdaModel` with the same corpus and
   settings, on a demo-sized corpus and on one ten times larger (the ratio should stay within
   1.1: the wrapper adds nothing);
2. NMF fit, ours vs bare scikit-learn `TfidfTransformer` + `NMF` (both fits on one BLAS
   thread, as in the sweep);
3. the K sweep (5 K × 4 fits) in a pool of two processes vs one process;
4. the sweep's measures of LDA and NMF side by side, with the K each one's rule picks (the
   evidence for the default `topics.model`);
5. the two coherence measures of a sweep's topics: the stage's one pass
   (`pipeline.topics.coherence`) against gensim's `CoherenceModel` run once per measure,
   with a check that the numbers are the same.

The demo-sized corpus is the demo's French bags (build/demo/data/processed/bags.parquet) when
the demo has been run, else a generated corpus of the same shape (planted topics, Zipfian
words); the larger one is always generated.

    .venv/bin/python benchmarks/bench_topics.py            # about 2 minutes on 2 cores
    .venv/bin/python benchmarks/bench_topics.py --quick    # one repeat, half the corpus,
                                                           # no one-process sweeps
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from gensim.models import CoherenceModel, LdaModel
from sklearn.decomposition import NMF
from sklearn.feature_extraction.text import TfidfTransformer
from threadpoolctl import threadpool_limits

from pipeline import schemas
from pipeline.io import read_table
from pipeline.topics.coherence import MEASURES, WINDOWS, count_cooccurrence, topic_words
from pipeline.topics.models import NMF_MAX_ITER, bows_to_csr, build_corpus, fit_model
from pipeline.topics.stage import choose_k, sweep_k

ROOT = Path(__file__).resolve().parents[1]
DEMO_BAGS = ROOT / "build" / "demo" / "data" / "processed" / "bags.parquet"
K, PASSES, CHUNKSIZE, SEED = 10, 5, 100, 42
SWEEP = dict(k_grid=[4, 5, 6, 8, 10], seed=SEED, stability_seeds=[1, 2, 3],
             stability_sample=0.8, passes=10, chunksize=CHUNKSIZE, workers=1)


def generated_terms(n_passages: int, mean_terms: int, *, n_topics: int = 8, n_words: int = 4000,
                    seed: int = 0) -> list[list[str]]:
    """Passages mixing planted topics over a Zipfian vocabulary, plus shared common words."""
    rng = np.random.default_rng(seed)
    words = np.array([f"w{i}" for i in range(n_words)])
    # Each topic favours its own slice of the vocabulary; all share the frequent head.
    topic_word = np.empty((n_topics, n_words))
    ranks = np.arange(1, n_words + 1)
    for t in range(n_topics):
        weight = 1 / ranks ** 1.05
        own = rng.permutation(n_words)[: n_words // n_topics]
        weight[own] *= 40
        topic_word[t] = weight / weight.sum()
    cum = np.cumsum(topic_word, axis=1)
    out = []
    for _ in range(n_passages):
        length = max(5, int(rng.poisson(mean_terms)))
        z = rng.choice(n_topics, size=length, p=rng.dirichlet(np.full(n_topics, 0.3)))
        idx = np.minimum((cum[z] < rng.random(length)[:, None]).sum(axis=1), n_words - 1)
        out.append(words[idx].tolist())
    return out


def demo_terms(path: Path) -> tuple[list[list[str]], str]:
    """The largest language of the demo's bags, or a generated stand-in of the same shape."""
    if path.exists():
        bags = read_table(path, schemas.BAGS, columns=["passage_id", "lang", "terms"])
        lang = bags["lang"].value_counts().idxmax()
        bags = bags[bags["lang"] == lang].sort_values("passage_id")
        return [list(t) for t in bags["terms"]], f"demo bags ({lang}, {path})"
    return generated_terms(400, 100, seed=1), f"generated, demo-shaped ({path} not found)"


def timed(fn) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def cpu_timed(fn) -> tuple[float, float]:
    """Wall-clock and CPU seconds of this process (all its threads) for one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def side_by_side(label: str, ours, bare, repeats: int) -> None:
    """Time two callables alternately; print wall-clock medians and both ratios.

    The CPU-time ratio is the steadier one when other programs share the cores.
    """
    t_ours, t_bare = [], []
    for _ in range(repeats):
        t_bare.append(cpu_timed(bare))
        t_ours.append(cpu_timed(ours))
    (w_ours, c_ours), (w_bare, c_bare) = (
        [statistics.median(x) for x in zip(*times, strict=True)] for times in (t_ours, t_bare))
    print(f"  {label:<44} ours {w_ours:6.2f} s   bare {w_bare:6.2f} s   "
          f"ratio {w_ours / w_bare:4.2f}   (CPU time ratio {c_ours / c_bare:4.2f})")


def bench_fits(name: str, terms: list[list[str]], repeats: int) -> None:
    corpus = build_corpus(terms, min_df=3, max_df=0.5)
    n_tokens = sum(len(t) for t in terms)
    print(f"{name}: {len(corpus.bows)} passages, {n_tokens:,} terms, vocabulary "
          f"{corpus.n_terms:,}; K={K}, {PASSES} passes, chunksize {CHUNKSIZE}")

    def ours_lda():
        fit_model(corpus, model="lda", k=K, seed=SEED, passes=PASSES, chunksize=CHUNKSIZE,
                  workers=1)

    def bare_lda():
        LdaModel(corpus=corpus.bows, num_topics=K, id2word=corpus.dictionary, passes=PASSES,
                 chunksize=CHUNKSIZE, random_state=SEED, eval_every=None)

    def ours_nmf():
        fit_model(corpus, model="nmf", k=K, seed=SEED, passes=PASSES, chunksize=CHUNKSIZE,
                  workers=1)

    def bare_nmf():
        x = TfidfTransformer().fit_transform(bows_to_csr(corpus.bows, corpus.n_terms))
        NMF(n_components=K, init="nndsvda", random_state=SEED, max_iter=NMF_MAX_ITER).fit(x)

    # One BLAS thread, as in the stage's sweep; idle BLAS threads spinning on busy cores
    # otherwise make NMF's times swing threefold from run to run.
    with threadpool_limits(1):
        side_by_side("LDA fit (fit_model vs gensim LdaModel)", ours_lda, bare_lda, repeats)
        side_by_side("NMF fit (fit_model vs sklearn TF-IDF + NMF)", ours_nmf, bare_nmf, repeats)


def bench_sweeps(terms: list[list[str]], *, speedup: bool) -> None:
    """Run the K sweep of each model on two processes (and on one, for the speed-up)."""
    corpus = build_corpus(terms, min_df=3, max_df=0.5)
    texts = [terms[i] for i in corpus.kept]
    n_fits = len(SWEEP["k_grid"]) * (1 + len(SWEEP["stability_seeds"]))
    print(f"K sweep on the demo-sized corpus: K={SWEEP['k_grid']}, {n_fits} fits + coherence")
    tables = {}
    for model in ("lda", "nmf"):
        started = time.perf_counter()
        tables[model], _ = sweep_k(corpus, texts, model=model, sweep_workers=2, **SWEEP)
        two = time.perf_counter() - started
        line = f"  {model.upper()} sweep{'':<34} 2 processes {two:6.2f} s"
        if speedup:
            one = timed(lambda m=model: sweep_k(corpus, texts, model=m, sweep_workers=1,
                                                **SWEEP))
            line += f"   1 process {one:6.2f} s   speed-up {one / two:4.2f}"
        print(line)
    print("Sweep measures (top 10 terms), LDA vs NMF on the demo-sized corpus (* = K rule):")
    print(f"  {'model':<6}{'K':>4}{'c_v':>8}{'c_npmi':>8}{'excl.':>7}{'stab.':>7}")
    for model, table in tables.items():
        chosen = choose_k(table, stability_floor=0.6)
        for row in table.itertuples():
            print(f"  {model:<6}{row.k:>4}{row.c_v:>8.3f}{row.c_npmi:>8.3f}"
                  f"{row.exclusivity:>7.2f}{row.stability:>7.2f}  {'*' if row.k == chosen else ''}")


def bench_coherence(name: str, terms: list[list[str]], repeats: int) -> None:
    """Both coherence measures of a sweep's 33 topics: one pass (the stage) against gensim's
    `CoherenceModel`, one per measure (the stage before), with the same numbers."""
    corpus = build_corpus(terms, min_df=3, max_df=0.5)
    texts = [terms[i] for i in corpus.kept]
    with threadpool_limits(1):
        topics = [t for k in [4, 5, 6, 8, 10] for t in fit_model(
            corpus, model="nmf", k=k, seed=SEED, passes=1, chunksize=CHUNKSIZE,
            workers=1).top_terms(10)]
    words = topic_words(topics)

    def ours():
        counts = count_cooccurrence(texts, words)
        return {m: MEASURES[m](topics, counts[WINDOWS[m]]) for m in WINDOWS}

    def bare():
        return {m: np.asarray(CoherenceModel(
            topics=topics, texts=texts, dictionary=corpus.dictionary, coherence=m, topn=10,
            processes=1).get_coherence_per_topic()) for m in WINDOWS}

    a, b = ours(), bare()
    same = all(np.allclose(a[m], b[m], rtol=1e-9) for m in WINDOWS)
    print(f"{name}: coherence of {len(topics)} topics over {len(texts)} passages "
          f"({sum(map(len, texts)):,} terms), c_npmi and c_v; same numbers: {same}")
    side_by_side("one pass vs gensim CoherenceModel x2", ours, bare, repeats)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat, half-size corpora")
    parser.add_argument("--bags", type=Path, default=DEMO_BAGS,
                        help="bags.parquet of the demo-sized corpus (default: %(default)s)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)  # gensim's convergence notes are not figures
    terms, source = demo_terms(args.bags)
    if args.quick:
        terms = terms[: max(100, len(terms) // 2)]
    mean_len = int(np.mean([len(t) for t in terms]))
    print(f"Demo-sized corpus: {source}")
    bench_fits("Demo-sized corpus", terms, repeats=1 if args.quick else 5)
    big = generated_terms(10 * len(terms), mean_len, seed=2)
    bench_fits("Generated corpus, 10x", big, repeats=1 if args.quick else 3)
    bench_coherence("Demo-sized corpus", terms, repeats=1 if args.quick else 3)
    bench_coherence("Generated corpus, 4x", generated_terms(4 * len(terms), mean_len, seed=3),
                    repeats=1)
    bench_sweeps(terms, speedup=not args.quick)
    return 0


if __name__ == "__main__":
    sys.exit(main())

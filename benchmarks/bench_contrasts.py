"""Benchmark of the contrasts stage on a generated corpus of 8 firms × 10 years.

Prints, as medians of several runs measured side by side in one process:

- the time to compute every keyness table (firm vs rest, firm vs firm both ways, year vs year,
  late vs early, in French and English: 234 comparisons) from the bags of words, and its ratio
  to one sparse matrix product over the same counts (passages × terms aggregated to firm-years);
- the time of each statistic alone on those rows, and Lafon's tails against scipy's;
- frame matching and measures (with 1,000 bootstrap resamples) on the same corpus as sentences;
- the whole stage's core function (keyness, frames, shifts, concordances) once.

    .venv/bin/python benchmarks/bench_contrasts.py           # 1 M tokens (under a minute)
    .venv/bin/python benchmarks/bench_contrasts.py --quick   # 200 k tokens
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse, stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipeline.contrasts.frames import build_stream, match_lexicon, measure_frames
from pipeline.contrasts.keyness import (
    bh_adjust,
    g2_signed,
    lafon_specificity,
    log_odds_dirichlet,
)
from pipeline.contrasts.stage import document_counts, keyness_tables, score_contrasts
from pipeline.lexicon import load_lexicon
from pipeline.params import load_block

ROOT = Path(__file__).resolve().parents[1]
FIRMS = [f"firm{i}" for i in range(8)]
YEARS = list(range(2011, 2021))


def make_bags(n_tokens: int, *, vocab: int = 30_000, passage_len: int = 250, seed: int = 0
              ) -> pd.DataFrame:
    """Passages of Zipf-distributed terms, spread over firms, years and two languages."""
    rng = np.random.default_rng(seed)
    n_passages = n_tokens // passage_len
    ranks = np.arange(1, vocab + 1)
    p = 1 / ranks**1.07
    p /= p.sum()
    words = np.array([f"w{i}" for i in range(vocab)], dtype=object)
    draws = words[rng.choice(vocab, size=n_passages * passage_len, p=p)]
    firm = rng.choice(FIRMS, n_passages)
    year = rng.choice(YEARS, n_passages)
    # each firm over-uses a few terms, so the contrasts have something to find
    own = {f: words[rng.choice(np.arange(200, 2000), 20, replace=False)] for f in FIRMS}
    terms = []
    for i in range(n_passages):
        t = draws[i * passage_len:(i + 1) * passage_len].copy()
        t[:5] = own[firm[i]][rng.integers(0, 20, 5)]
        terms.append(t)
    bags = pd.DataFrame({
        "passage_id": [f"p{i:07d}-0000" for i in range(n_passages)],
        "doc_id": [f"d{i // 4:06d}" for i in range(n_passages)],
        "firm": firm, "year": pd.array(year, dtype="Int16"),
        "lang": np.where(rng.random(n_passages) < 0.75, "fr", "en"),
        "url": "https://example.org/", "n_tokens": passage_len * 2, "terms": terms})
    # a document's passages share firm, year and language
    first = bags.groupby("doc_id")[["firm", "year", "lang"]].transform("first")
    bags[["firm", "year", "lang"]] = first
    return bags


def make_sentences(bags: pd.DataFrame, lexicon, *, seed: int = 1) -> pd.DataFrame:
    """Sentences of 25 tokens per bag passage, lexicon terms sprinkled in (2 %)."""
    rng = np.random.default_rng(seed)
    lex_words = {lang: [w for f in lexicon.frames() for t in f.terms.get(lang, ())
                        for w in [t.words]] for lang in ("fr", "en")}
    rows = []
    for r in bags.itertuples(index=False):
        terms = list(r.terms)
        pool = lex_words[r.lang]
        for j in range(0, len(terms), 25):
            chunk = terms[j:j + 25]
            toks: list[str] = []
            for w in chunk:
                if rng.random() < 0.02:
                    toks.extend(pool[rng.integers(len(pool))])
                toks.append(w)
            starts = np.r_[0, np.cumsum([len(t) + 1 for t in toks])[:-1]].astype(np.int32)
            rows.append((r.doc_id, r.passage_id, j // 25, r.firm, r.year, r.lang, r.url,
                         int(j * 8), " ".join(toks), toks, toks, ["NOUN"] * len(toks), starts,
                         [True] * len(toks)))
    cols = ["doc_id", "passage_id", "sent_id", "firm", "year", "lang", "url", "start_char",
            "text", "tokens", "lemmas", "pos", "starts", "keep"]
    sents = pd.DataFrame(rows, columns=cols)
    sents["year"] = sents["year"].astype("Int16")
    return sents


def timed(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 k tokens, fewer repeats")
    parser.add_argument("--tokens", type=int, default=None, help="corpus size in terms")
    args = parser.parse_args(argv)
    n_tokens = args.tokens or (200_000 if args.quick else 1_000_000)
    repeat = 3 if args.quick else 5

    bags = make_bags(n_tokens)
    n_terms = int(bags["terms"].map(len).sum())
    print(f"corpus: {n_terms:,} terms in {len(bags):,} passages, {bags['doc_id'].nunique():,} "
          f"documents, {len(FIRMS)} firms x {len(YEARS)} years, fr + en")

    params = {"alpha0": 1000.0, "min_count": 5, "fdr": 0.05, "min_tokens": 500}
    t_all, table = timed(lambda: keyness_tables(bags, **params), repeat)
    n_comp = table.groupby(["lang", "comparison", "group_a", "group_b"]).ngroups

    # The baseline: one sparse product over the same counts (passages × terms → firm-years),
    # with the matrices built outside the timing.
    flat = np.concatenate(bags["terms"].to_numpy())
    tcode, vocab = pd.factorize(flat)
    lengths = bags["terms"].map(len).to_numpy()
    dtm = sparse.csr_matrix((np.ones(len(flat)), (np.repeat(np.arange(len(bags)), lengths),
                                                  tcode)), shape=(len(bags), len(vocab)))
    unit = pd.factorize(bags["firm"].astype(str) + bags["year"].astype(str))[0]
    agg = sparse.csr_matrix((np.ones(len(bags)), (unit, np.arange(len(bags)))))
    t_prod, _ = timed(lambda: agg @ dtm, repeat)

    # The statistics alone, on exactly the counts of the tables above.
    a, b = table["count_a"].to_numpy(), table["count_b"].to_numpy()
    na, nb = table["total_a"].to_numpy(), table["total_b"].to_numpy()
    t_g2, _ = timed(lambda: g2_signed(a, b, na, nb), repeat)
    t_lafon, _ = timed(lambda: lafon_specificity(a, b, na, nb), repeat)
    t_lo, _ = timed(lambda: log_odds_dirichlet(a, b, na, nb, np.ones(len(a)), 1000.0), repeat)
    t_bh, _ = timed(lambda: bh_adjust(table["p_g2"].to_numpy(), table["rank"].fillna(0)
                                      .to_numpy(np.int64)), repeat)

    print(f"keyness, every table: {n_comp} comparisons, {len(table):,} rows: "
          f"median {t_all:.2f} s")
    print(f"one sparse product (passages x terms -> firm-years): median {t_prod * 1e3:.1f} ms")
    print(f"ratio keyness / sparse product: {t_all / t_prod:.0f}x")
    print(f"statistics alone on those {len(table):,} rows: G2 {t_g2 * 1e3:.0f} ms, log-odds "
          f"{t_lo * 1e3:.0f} ms, Lafon {t_lafon * 1e3:.0f} ms, BH {t_bh * 1e3:.0f} ms")
    pick = np.random.default_rng(0).choice(len(a), min(20_000, len(a)), replace=False)
    sa, sb, sna, snb = a[pick], b[pick], na[pick], nb[pick]
    over = sa * (sna + snb) >= sna * (sa + sb)
    t_scipy, ref = timed(lambda: np.where(
        over, -np.log10(stats.hypergeom.sf(sa - 1, sna + snb, sa + sb, sna)),
        np.log10(stats.hypergeom.cdf(sa, sna + snb, sa + sb, sna))), 1)
    t_mine, mine = timed(lambda: lafon_specificity(sa, sb, sna, snb), 1)
    finite = np.isfinite(ref)
    gap = np.max(np.abs(mine[finite] - ref[finite]))
    print(f"Lafon on {len(pick):,} random rows: scipy.stats.hypergeom tails {t_scipy:.2f} s, "
          f"log-space series {t_mine:.3f} s ({t_scipy / t_mine:.0f}x faster); largest "
          f"difference {gap:.1e}; {np.sum(~finite)} tails scipy underflows to 0")

    lexicon = load_lexicon(ROOT / "frames.yaml")
    sents = make_sentences(bags, lexicon)
    t_stream, stream = timed(lambda: build_stream(sents), 1)
    t_match, hits = timed(lambda: match_lexicon(stream, lexicon), max(1, repeat // 2))
    docs, columns = document_counts(bags, hits, stream.sentences, lexicon)
    t_meas, meas = timed(lambda: measure_frames(docs, columns, lexicon, n_bootstrap=1000,
                                                seed=42, min_tokens=500), 1)
    print(f"frames: stream of {len(stream):,} tokens built in {t_stream:.2f} s; "
          f"{len(hits):,} matches found in median {t_match:.2f} s; "
          f"{len(meas):,} figures with 1,000 bootstrap resamples in {t_meas:.2f} s")

    documents = pd.DataFrame({"doc_id": bags["doc_id"].unique(), "duplicate_of": None,
                              "captured_at": pd.Timestamp("2020-06-01", tz="UTC")})
    passages = pd.DataFrame({"passage_id": bags["passage_id"], "is_duplicate": False,
                             "page_start": pd.array([None] * len(bags), dtype="Int32")})
    stage = load_block(ROOT / "params.yaml", "contrasts")
    t_stage, result = timed(lambda: score_contrasts(sents, bags, documents, passages, lexicon,
                                                    stage), 1)
    print(f"whole stage core (score_contrasts): {t_stage:.1f} s: {len(result.keyness):,} "
          f"keyness rows, {len(result.frame_measures):,} frame figures, {len(result.shifts):,} "
          f"trends, {len(result.kwic):,} concordance lines")
    return 0


if __name__ == "__main__":
    sys.exit(main())

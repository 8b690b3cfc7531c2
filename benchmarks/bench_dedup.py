"""Benchmark of the near-duplicate check: banded MinHash candidates against the pairwise check.

    .venv/bin/python benchmarks/bench_dedup.py              # about two minutes
    .venv/bin/python benchmarks/bench_dedup.py --sizes 200 400 --rounds 1

Prints, for one firm of 200, 400, 800 and 1,600 pages of 500 words, the CPU seconds of
`find_duplicates` as it is now (candidates from bands of MinHash values, `pipeline.extract.dedup`)
and as it was before (each page compared with every earlier original behind a bottom-k sketch
screen: the module as of commit BEFORE, read from git), the median of `--rounds` rounds in which
both take turns, their ratio, and each one's growth exponent (the slope of log time against log
pages, fitted over the sizes). Both must flag the same duplicates: the run stops if they differ.

`--demo FOLDER` (a built demo, `make demo`: build/demo) checks the demo's documents too: the
duplicates found before and after, and those its documents table records, must be the same.

The pages are written here: words drawn from a Zipf-like vocabulary of 20,000 (so pages share
their common words as a firm's pages do), every fifth page an earlier page with 0 to 30 words
replaced (a near copy on either side of the 0.9 threshold), every twentieth an exact copy.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline.extract import dedup  # noqa: E402
from pipeline.extract.dedup import DupCandidate  # noqa: E402

# The last commit with the pairwise check (bottom-k screen over every earlier original).
BEFORE = "2f1c381"
WORDS = 500


def old_module():
    """The dedup module as of BEFORE, imported from git under another name."""
    source = subprocess.run(["git", "-C", str(ROOT), "show", f"{BEFORE}:pipeline/extract/dedup.py"],
                            check=True, capture_output=True, text=True).stdout
    path = Path(tempfile.mkdtemp()) / "dedup_before.py"
    path.write_text(source)
    spec = importlib.util.spec_from_file_location("dedup_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["dedup_before"] = module  # its dataclass looks its module up there
    spec.loader.exec_module(module)
    return module


def firm_pages(n: int, seed: int = 1) -> list[tuple[str, str, int, str]]:
    rng = random.Random(seed)
    vocab = [f"mot{i}" for i in range(20_000)]
    weights = [1 / (r + 1) for r in range(len(vocab))]
    pages: list[list[str]] = []
    for i in range(n):
        if i and i % 20 == 0:
            words = list(pages[rng.randrange(len(pages))])
        elif i and i % 5 == 0:
            words = list(pages[rng.randrange(len(pages))])
            for j in rng.sample(range(WORDS), rng.randrange(0, 31)):
                words[j] = rng.choice(vocab)
        else:
            words = rng.choices(vocab, weights, k=WORDS)
        pages.append(words)
    return [(f"p{i:05d}", "acme", i, " ".join(w)) for i, w in enumerate(pages)]


def cpu(fn, docs) -> tuple[float, dict]:
    start = time.process_time()
    out = fn(docs, near_duplicate=0.9)
    return time.process_time() - start, out


def exponent(sizes: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) against log(size)."""
    xs = [math.log(s) for s in sizes]
    ys = [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return (sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True))
            / sum((x - mx) ** 2 for x in xs))


def demo_check(folder: Path, old) -> bool:
    """Before, after and the demo's documents table agree on the demo's duplicates."""
    from pipeline import io, schemas
    from pipeline.extract.captures import load_captures

    fetches = io.read_table(folder / "data/raw/fetches.parquet", schemas.FETCHES)
    docs = io.read_table(folder / "data/interim/documents.parquet", schemas.DOCUMENTS)
    order = {c.doc_id: (c.captured_at.date(), c.source_line, c.depth, c.url)
             for c in load_captures(fetches, folder / "data/raw")}
    # 304 captures are copies made after the check: they are not offered to it
    ok = docs[(docs["status"] == "ok")
              & ~docs["error"].fillna("").str.startswith("not modified")]
    rows = [(d, f, order[d], t) for d, f, t in zip(ok["doc_id"], ok["firm"], ok["text"],
                                                    strict=True)]
    before = old.find_duplicates([old.DupCandidate(*r) for r in rows], near_duplicate=0.9)
    after = dedup.find_duplicates([DupCandidate(*r) for r in rows], near_duplicate=0.9)
    recorded = {d: (o, s) for d, o, s in zip(ok["doc_id"], ok["duplicate_of"],
                                             ok["similarity"], strict=True) if isinstance(o, str)}
    same = before == after == recorded
    print(f"demo ({folder}): {len(rows)} documents, {len(after)} duplicates after, "
          f"{len(before)} before, {len(recorded)} in its documents table: "
          f"{'the same' if same else 'DIFFERENT'}")
    return same


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[200, 400, 800, 1600])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--demo", type=Path, help="a built demo folder to check as well")
    args = ap.parse_args(argv)
    old = old_module()
    if args.demo and not demo_check(args.demo, old):
        return 1
    runs = {"before": (old.find_duplicates, old.DupCandidate),
            "after": (dedup.find_duplicates, DupCandidate)}
    print(f"near-duplicate check, one firm, {WORDS}-word pages, near_duplicate 0.9; "
          f"before = commit {BEFORE} (pairwise), after = bands {dedup.banding(0.9)}; "
          f"CPU s, median of {args.rounds} rounds")
    print(f"{'pages':>6} {'before s':>9} {'after s':>8} {'ratio':>6} {'duplicates':>10}")
    medians: dict[str, list[float]] = {k: [] for k in runs}
    for n in args.sizes:
        rows = firm_pages(n)
        times: dict[str, list[float]] = {k: [] for k in runs}
        found = {}
        for r in range(args.rounds):
            for name in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
                fn, cls = runs[name]
                t, out = cpu(fn, [cls(*row) for row in rows])
                times[name].append(t)
                found[name] = out
        if found["before"] != found["after"]:
            diff = set(found["before"].items()) ^ set(found["after"].items())
            print(f"DIFFERENT DUPLICATES at {n} pages: {sorted(diff)[:5]}")
            return 1
        for name in runs:
            medians[name].append(statistics.median(times[name]))
        b, a = medians["before"][-1], medians["after"][-1]
        print(f"{n:>6} {b:>9.2f} {a:>8.2f} {b / a:>5.1f}x {len(found['after']):>10}")
    if len(args.sizes) > 1:
        print(f"growth exponent: before {exponent(args.sizes, medians['before']):.2f}, "
              f"after {exponent(args.sizes, medians['after']):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

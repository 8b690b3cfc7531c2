"""Scale benchmark: every stage after extract on corpora of 1×, 4× and 16× the demo's text.

The corpora are built from the demo's extracted tables (build/demo/data, written by `make
demo`), not scraped: 1× is the demo as it is; at N× every firm appears under ceil(√N) ids and
every year span is repeated ceil(N / ceil(√N)) times, four years earlier each time, and every
passage of an added firm or span is new text: its sentences are drawn (seeded) from the
sentences of the same firm and language anywhere in the demo, so no passage is a copy of
another, vocabularies and frames keep their shape, and the lemmatisation cache gets nothing
for free. Documents, passages, fetches, captures and the collection table are written as
extract would write them; `data/cache` starts empty.

Each stage then runs as `python -m pipeline.<stage>` in its own process, like `python -m
pipeline run` runs it. For each stage and scale it prints
- CPU seconds of the stage and every process it waited for (its pool workers), from
  `os.wait4`;
- wall seconds;
- peak memory: the largest sum, over the stage's process tree, of each process's
  proportional set size (PSS: memory shared by forked workers counted once), sampled every
  0.1 s from /proc; and the largest single process (its ru_maxrss);
and per stage the growth exponents: the log-log slope of CPU time and of peak memory against
words, from the smallest to the largest scale run (1 means linear). Last, the projection to
50 M words: each stage's CPU time and memory extrapolated with its exponent from the largest
scale run, and with an affine fit (a fixed part plus a part per word, the worse of the two is
kept), against 24 GB.

    python benchmarks/bench_scale.py                          # 1×, 4×, 16×: about 20 minutes
    python benchmarks/bench_scale.py --scales 1 4 --stages topics contrasts
    python benchmarks/bench_scale.py --quick                  # 1× and 4×
    python benchmarks/bench_scale.py --work /tmp/scale --reuse --stages report   # again

The machine's other load shows in wall times; CPU seconds and memory are what count.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd

from pipeline import schemas
from pipeline.catalog import STAGES, Layout
from pipeline.io import read_table, write_table
from pipeline.params import read_params, set_param, write_params

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "build" / "demo"
STAGE_ORDER = ("preprocess", "topics", "contrasts", "report")
TARGET_WORDS = 50_000_000
# What each stage keeps between runs (removed before it is measured).
COLD = {"preprocess": ["data/cache/preprocess"], "topics": [],
        "contrasts": ["data/cache/contrasts"], "report": ["reports/.cache"]}
TARGET_GB = 24.0
YEARS_PER_SPAN = 4
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


# --- building a corpus -----------------------------------------------------------------------


def _hash(*parts: object, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:n]


def _variants(scale: int) -> list[tuple[int, int]]:
    """(firm copy, year span) of each variant; variant 0 is the demo itself."""
    side = math.ceil(math.sqrt(scale))
    return [(v % side, v // side) for v in range(scale)]


def _sentence_pools(passages: pd.DataFrame) -> dict[tuple[str, str], list[str]]:
    pools: dict[tuple[str, str], list[str]] = {}
    for firm, lang, text in zip(passages["firm"], passages["lang"].fillna(""), passages["text"],
                                strict=True):
        pool = pools.setdefault((firm, lang), [])
        for para in text.split("\n\n"):
            pool.extend(s for s in _SENTENCE_END.split(para.strip()) if s)
    return pools


def _new_text(text: str, pool: list[str], rng: np.random.Generator) -> str:
    """The passage's shape (paragraphs, sentences per paragraph) filled with drawn sentences."""
    paras = []
    for para in text.split("\n\n"):
        n = max(1, len([s for s in _SENTENCE_END.split(para.strip()) if s]))
        paras.append(" ".join(pool[i] for i in rng.integers(0, len(pool), size=n)))
    return "\n\n".join(paras)


def build_corpus(scale: int, demo: Path, root: Path, *, seed: int = 0) -> int:
    """Write a project folder at `root` holding the demo's extracted tables at `scale`×.

    Returns:
        Words in the usable documents (fr and en, duplicates left out).
    """
    src, dst = Layout(demo), Layout(root)
    interim, raw = src.path("interim"), src.path("raw")
    documents = read_table(interim / "documents.parquet", schemas.DOCUMENTS)
    passages = read_table(interim / "passages.parquet", schemas.PASSAGES)
    fetches = read_table(raw / "fetches.parquet", schemas.FETCHES)
    captures = read_table(interim / "captures.parquet", schemas.CAPTURES)
    collection = read_table(interim / "collection.parquet", schemas.COLLECTION)
    pools = _sentence_pools(passages)
    rng = np.random.default_rng(seed)
    out: dict[str, list[pd.DataFrame]] = {k: [] for k in
                                          ("documents", "passages", "fetches", "captures",
                                           "collection")}
    for v, (copy, span) in enumerate(_variants(scale)):
        if v == 0:
            for name, df in (("documents", documents), ("passages", passages),
                             ("fetches", fetches), ("captures", captures),
                             ("collection", collection)):
                out[name].append(df)
            continue
        shift = -YEARS_PER_SPAN * span
        delta = pd.DateOffset(years=shift)

        def firm_of(s: pd.Series, copy: int = copy) -> pd.Series:
            return s if copy == 0 else s + str(copy + 1)

        def year_of(s: pd.Series, shift: int = shift) -> pd.Series:
            return (s + shift).astype(s.dtype)

        def doc_of(s: pd.Series, v: int = v) -> pd.Series:
            return s.map(lambda x, v=v: None if x is None or pd.isna(x) else _hash(x, v))

        p = passages.copy()
        p["doc_id"] = doc_of(p["doc_id"])
        p["passage_id"] = p["doc_id"] + "-" + p["seq"].map("{:04d}".format)
        p["text"] = [_new_text(t, pools[(f, lang)], rng) for t, f, lang in
                     zip(passages["text"], passages["firm"], passages["lang"].fillna(""),
                         strict=True)]
        p["n_words"] = p["text"].str.split().str.len().astype("int32")
        p["firm"], p["year"] = firm_of(p["firm"]), year_of(p["year"])
        p["url"] = p["url"] + f"#v{v}"
        d = documents.copy()
        texts = p.groupby("doc_id")["text"].agg("\n\n".join)
        words = p.groupby("doc_id")["n_words"].sum()
        d["doc_id"], d["duplicate_of"] = doc_of(d["doc_id"]), doc_of(d["duplicate_of"])
        d["fetch_id"] = doc_of(d["fetch_id"])
        has = d["doc_id"].isin(texts.index)
        d.loc[has, "text"] = d.loc[has, "doc_id"].map(texts)
        d.loc[has, "n_words"] = d.loc[has, "doc_id"].map(words).astype("int32")
        d["firm"], d["year"] = firm_of(d["firm"]), year_of(d["year"])
        d["captured_at"] = d["captured_at"] + delta
        d["url"] = d["url"] + f"#v{v}"
        f = fetches.copy()
        f["doc_id"], f["fetch_id"] = doc_of(f["doc_id"]), doc_of(f["fetch_id"])
        f["firm"], f["source_year"] = firm_of(f["firm"]), year_of(f["source_year"])
        f["fetched_at"] = f["fetched_at"] + delta
        f["archive_timestamp"] = f["archive_timestamp"] + delta
        f["url"] = f["url"] + f"#v{v}"
        c = captures.copy()
        c["doc_id"], c["duplicate_of"] = doc_of(c["doc_id"]), doc_of(c["duplicate_of"])
        c["firm"], c["year"] = firm_of(c["firm"]), year_of(c["year"])
        c["captured_at"] = c["captured_at"] + delta
        c["url"] = c["url"] + f"#v{v}"
        col = collection.copy()
        col["firm"], col["year"] = firm_of(col["firm"]), year_of(col["year"])
        for name, df in (("documents", d), ("passages", p), ("fetches", f), ("captures", c),
                         ("collection", col)):
            out[name].append(df)
    tables = {name: pd.concat(parts, ignore_index=True) for name, parts in out.items()}
    # A firm's undated row repeats in each of its year spans: one row per (firm, year).
    tables["collection"] = (tables["collection"].groupby(["firm", "year"], dropna=False,
                                                         sort=False, as_index=False).sum())
    for name, folder in (("documents", "interim"), ("passages", "interim"),
                         ("captures", "interim"), ("collection", "interim"),
                         ("fetches", "raw")):
        write_table(tables[name], dst.path(folder) / f"{name}.parquet",
                    getattr(schemas, name.upper()))
    params = read_params(ROOT / "params.yaml")
    set_param(params, "lexicon", str((ROOT / "frames.yaml").resolve()))
    write_params(params, dst.path("params"))
    return corpus_words(root)


def corpus_words(root: Path) -> int:
    """Words in the usable documents (fr and en, duplicates left out) of a built corpus."""
    d = read_table(Layout(root).path("interim") / "documents.parquet", schemas.DOCUMENTS,
                   columns=["status", "duplicate_of", "lang", "n_words"])
    usable = d[(d["status"] == "ok") & d["duplicate_of"].isna() & d["lang"].isin(["fr", "en"])]
    return int(usable["n_words"].sum())


def _has_outputs(stage: str, root: Path) -> bool:
    return all((root / out.path).exists() for out in STAGES[stage].outs)


# --- measuring a stage -----------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_mb(pid: int) -> float:
    kids = _children()
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo.extend(kids.get(p, ()))
    return total / 1024


def run_stage(stage: str, root: Path, code: Path = ROOT) -> dict[str, float]:
    """Run one stage (the package in `code`) on the project at `root`; its CPU, wall time and
    peak memory."""
    cmd = [sys.executable, "-m", f"pipeline.{stage}", *STAGES[stage].command(Layout(root))]
    log = root / "logs" / f"{stage}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=code)
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4's usage covers the stage and every process it waited for (its pool workers).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{stage} failed with status {proc.returncode} at {root}; see {log}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "peak_mb": peak[0],
            "max_proc_mb": usage.ru_maxrss / 1024}


# --- growth and projection -------------------------------------------------------------------


def slope(words: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(words)."""
    x, y = np.log(np.asarray(words, float)), np.log(np.maximum(np.asarray(values, float), 1e-9))
    return float(np.polyfit(x, y, 1)[0]) if len(x) > 1 else float("nan")


def project(words: list[int], values: list[float], target: int) -> float:
    """The worse of a power-law and an affine extrapolation from the runs to `target` words."""
    if len(words) < 2:
        return float("nan")
    power = values[-1] * (target / words[-1]) ** slope(words, values)
    b, a = np.polyfit(np.asarray(words, float), np.asarray(values, float), 1)
    return float(max(power, a + b * target))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--stages", nargs="+", choices=STAGE_ORDER, default=list(STAGE_ORDER),
                    help="stages to measure (the earlier ones still run, unmeasured, when "
                         "their outputs are missing)")
    ap.add_argument("--quick", action="store_true", help="scales 1 and 4")
    ap.add_argument("--demo", type=Path, default=DEMO, help="a demo run's folder")
    ap.add_argument("--work", type=Path, help="keep the corpora here (default: a temporary "
                                              "folder, removed)")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="run the stages of the package in this checkout (another worktree, "
                         "to compare two versions side by side)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --work: keep corpora built by an earlier run, and the outputs of "
                         "the stages not measured")
    args = ap.parse_args(argv)
    scales = sorted(set([1, 4] if args.quick else args.scales))
    if not (args.demo / "data" / "interim" / "passages.parquet").exists():
        # `make bench` runs every script: without a demo run there is nothing to scale.
        print(f"bench_scale: skipped, no demo run in {args.demo} (run `make demo` first)")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_scale."))
    wanted = [s for s in STAGE_ORDER if s in args.stages]
    last = max(STAGE_ORDER.index(s) for s in wanted)
    results: dict[str, list[tuple[int, int, dict[str, float]]]] = {s: [] for s in wanted}
    try:
        for scale in scales:
            root = work / f"x{scale}"
            if args.reuse and (root / "params.yaml").exists():
                words = corpus_words(root)
            else:
                shutil.rmtree(root, ignore_errors=True)
                words = build_corpus(scale, args.demo, root)
            print(f"{scale}x: {words:,} words in {root}", flush=True)
            for stage in STAGE_ORDER[:last + 1]:
                if stage not in results and args.reuse and _has_outputs(stage, root):
                    continue
                # Every measured run is a cold one: no cache from an earlier run (--reuse).
                for cache in COLD[stage]:
                    shutil.rmtree(root / cache, ignore_errors=True)
                m = run_stage(stage, root, args.code)
                if stage in results:
                    results[stage].append((scale, words, m))
                    print(f"  {stage:<10} cpu {m['cpu']:8.1f} s  wall {m['wall']:7.1f} s  "
                          f"peak {m['peak_mb']:7.0f} MB  (largest process "
                          f"{m['max_proc_mb']:.0f} MB)", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    return 0


def print_table(results: dict[str, list[tuple[int, int, dict[str, float]]]]) -> None:
    print("\n| stage | scale | words | CPU s | CPU s / 100k words | peak MB | MB / 100k words |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for stage, runs in results.items():
        for scale, words, m in runs:
            print(f"| {stage} | {scale}× | {words:,} | {m['cpu']:.1f} | "
                  f"{m['cpu'] / words * 1e5:.2f} | {m['peak_mb']:.0f} | "
                  f"{m['peak_mb'] / words * 1e5:.1f} |")
    print(f"\n| stage | exponent CPU | exponent memory | CPU h at {TARGET_WORDS / 1e6:.0f} M "
          f"words | peak GB at {TARGET_WORDS / 1e6:.0f} M words | fits {TARGET_GB:.0f} GB |")
    print("|---|---:|---:|---:|---:|---|")
    for stage, runs in results.items():
        sizes = [w for _, w, _ in runs]
        cpu = [m["cpu"] for _, _, m in runs]
        mem = [m["peak_mb"] for _, _, m in runs]
        gb = project(sizes, mem, TARGET_WORDS) / 1024
        hours = project(sizes, cpu, TARGET_WORDS) / 3600
        fits = "—" if math.isnan(gb) else ("yes" if gb <= TARGET_GB else "NO")
        print(f"| {stage} | {slope(sizes, cpu):.2f} | {slope(sizes, mem):.2f} | {hours:.1f} | "
              f"{gb:.1f} | {fits} |")


if __name__ == "__main__":
    sys.exit(main())

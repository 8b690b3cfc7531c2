"""The Dask executor on the demo: extract and preprocess on a local two-worker cluster against the
local process pools, their wall times side by side, and whether the outputs are identical.

    .venv/bin/python benchmarks/bench_executor.py                  # reads build/demo (make demo)
    .venv/bin/python benchmarks/bench_executor.py --demo PATH

The cluster is a `distributed.LocalCluster` of two worker processes (one thread each) on
127.0.0.1, started before the clock runs; the local side uses the stages' own pools (2
processes). Both read the demo's raw captures (data/raw) and its frames.yaml; nothing is written.
On one machine the cluster can only match the pools: the figure that counts is "identical".
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pipeline import io, schemas  # noqa: E402
from pipeline.extract.stage import extract_documents, load_captures  # noqa: E402
from pipeline.lexicon import load_lexicon  # noqa: E402
from pipeline.params import ExtractParams, PreprocessParams  # noqa: E402
from pipeline.preprocess.stage import preprocess_passages  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--demo", type=Path, default=ROOT / "build" / "demo")
    args = ap.parse_args(argv)
    raw = args.demo / "data" / "raw"
    if not (raw / "fetches.parquet").exists():
        print(f"{raw}: no demo captures (run `make demo` first); skipped")
        return 0
    from distributed import LocalCluster

    captures = load_captures(io.read_table(raw / "fetches.parquet", schemas.FETCHES), raw)
    lexicon = load_lexicon(ROOT / "frames.yaml")
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster:
        dask = {"executor": "dask", "scheduler": cluster.scheduler_address}
        started = time.perf_counter()
        local = extract_documents(captures, ExtractParams(workers=2))
        t_local = time.perf_counter() - started
        started = time.perf_counter()
        remote = extract_documents(captures, ExtractParams(workers=2, **dask))
        t_remote = time.perf_counter() - started
        same = local[0].equals(remote[0]) and local[1].equals(remote[1])
        print(f"extract, {len(captures)} captures: local pool {t_local:.1f} s, dask "
              f"{t_remote:.1f} s; documents and passages identical: {same}")
        passages = local[1]
        started = time.perf_counter()
        pre_local = preprocess_passages(passages, PreprocessParams(n_process=2), lexicon=lexicon)
        t_local = time.perf_counter() - started
        started = time.perf_counter()
        pre_remote = preprocess_passages(passages, PreprocessParams(n_process=2, **dask),
                                         lexicon=lexicon)
        t_remote = time.perf_counter() - started
        assert pre_local.sentences is not None and pre_remote.sentences is not None
        same_pre = (pre_local.sentences.equals(pre_remote.sentences)
                    and pre_local.bags.equals(pre_remote.bags))
        words = int(passages.loc[~passages["is_duplicate"], "n_words"].sum())
        print(f"preprocess, {len(passages)} passages ({words:,} words): local pool "
              f"{t_local:.1f} s, dask {t_remote:.1f} s (the workers' first model load "
              f"included); sentences and bags identical: {same_pre}")
    return 0 if same and same_pre else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the report stage: where rendering time goes.

Renders the synthetic study of `tests/test_report.py` (3 firms, 4 years, French and English)
and, side by side in the same run, saves the same number of bare matplotlib figures to SVG
(one line plot each, no layout engine), and the report again with its figures cached (what a
re-run costs when only some tables changed). Figures dominate: the ratio shows what the whole stage
(tables, templates, layout, accessible SVG) costs over drawing its figures with bare matplotlib.

    python benchmarks/bench_report.py [--quick]
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matplotlib.figure import Figure  # noqa: E402

from pipeline.params import ReportParams  # noqa: E402
from pipeline.report import figures  # noqa: E402
from pipeline.report import stage as report  # noqa: E402
from tests.test_report import make_study  # noqa: E402


def bare_figures(n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        fig = Figure(figsize=(6, 2.8))
        ax = fig.add_subplot()
        ax.plot([2018, 2019, 2020, 2021], [0.3, 0.35, 0.4, 0.45], "-o")
        fig.savefig(io.StringIO(), format="svg")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of five")
    args = parser.parse_args()
    repeats = 1 if args.quick else 5
    tables = make_study()
    inputs = report.ReportInputs(**tables)
    count = {"n": 0}
    original = figures.render

    def counting(fig, **kw):
        count["n"] += 1
        return original(fig, **kw)

    figures.render = counting
    ours, bare = [], []
    for _ in range(repeats):
        count["n"] = 0
        started = time.perf_counter()
        rendered = report.build_report(inputs, ReportParams())
        ours.append(time.perf_counter() - started)
        bare.append(bare_figures(count["n"]))
    figures.render = original
    # the same report again with every figure in the cache (an unchanged figure is not redrawn)
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp)
        report.build_report(inputs, ReportParams(), figure_cache=cache)
        cached = []
        for _ in range(repeats):
            started = time.perf_counter()
            report.build_report(inputs, ReportParams(), figure_cache=cache)
            cached.append(time.perf_counter() - started)
    pages = len(rendered.pages)
    size = sum(len(h.encode()) for h in rendered.pages.values())
    print(f"report: {pages} pages, {count['n']} figures, {size / 1e6:.2f} MB of HTML")
    print(f"build_report            median {statistics.median(ours):6.2f} s")
    print(f"build_report, cached    median {statistics.median(cached):6.2f} s")
    print(f"bare matplotlib x{count['n']:<4}  median {statistics.median(bare):6.2f} s")
    print(f"ratio build_report / bare figures: "
          f"{statistics.median(ours) / statistics.median(bare):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

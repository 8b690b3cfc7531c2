"""Benchmark of the report stage: its CPU time on the demo, cold and warm, and where
rendering time goes.

1. The demo (`make demo` first; `--demo DIR` for another built project): the report stage run
   as `python -m pipeline.report` in that folder, its CPU time (user, as `/usr/bin/time` gives
   it) measured side by side for a cold run (empty figure cache, as `make demo` always starts),
   a warm one (figures cached, pages rendered again) and a re-run with nothing changed, each
   against the 15.0 s user the report took on the demo before issue 17 (the target: a third).
2. The synthetic study of `tests/test_report.py` (3 firms, 4 years, French and English) built
   in-process, against as many bare matplotlib figures saved to SVG (one line plot each, no
   layout engine) as its pages hold figures: the whole stage against drawing its figures alone.

    python benchmarks/bench_report.py [--quick] [--demo build/demo] [--repeat 3] \\
        [--against /path/to/another/checkout]
"""

from __future__ import annotations

import argparse
import io
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from matplotlib.figure import Figure  # noqa: E402

from pipeline.params import ReportParams  # noqa: E402
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


BEFORE_USER = 15.0  # s: the report stage on the demo before issue 17 (/usr/bin/time, user)


def child_user(cmd: list[str], cwd: Path, code: Path | None = None) -> float:
    """User CPU seconds of one run of `cmd` (and of any process it starts); `code`: another
    checkout whose `pipeline` package is run instead of this one."""
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    if code is not None:
        env["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_utime - before


def demo_runs(demo: Path, repeats: int, against: Path | None) -> None:
    """Cold, warm and unchanged runs of the report stage on a built demo, side by side (and
    cold runs of another checkout's code, interleaved with ours, when `against` is given)."""
    if not (demo / "data" / "contrasts").is_dir():
        print(f"{demo}: no built demo (run `make demo`); the demo runs are skipped")
        return
    cold, warm, same, other = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "reports"
        cmd = [sys.executable, "-m", "pipeline.report", "--out", str(out)]
        for _ in range(repeats):
            if against is not None:
                shutil.rmtree(out, ignore_errors=True)
                other.append(child_user(cmd, demo, against))
            shutil.rmtree(out, ignore_errors=True)
            cold.append(child_user(cmd, demo))               # nothing cached
            (out / ".cache" / "report.json").unlink()
            warm.append(child_user(cmd, demo))               # figures cached, pages rendered
            same.append(child_user(cmd, demo))               # nothing changed: nothing done
        sizes = {p.relative_to(out).as_posix(): p.stat().st_size for p in out.rglob("*.html")}
    print(f"demo report stage ({demo}), CPU user, median of {repeats}, side by side:")
    rows = [("cold (empty figure cache)", cold), ("warm (figures cached)", warm),
            ("nothing changed", same)]
    if against is not None:
        rows.append((f"cold, code of {against.name}", other))
    for name, runs in rows:
        m = statistics.median(runs)
        print(f"  {name:<27} {m:6.2f} s   {m / BEFORE_USER:6.1%} of the {BEFORE_USER} s "
              f"before issue 17   (runs: {', '.join(f'{r:.2f}' for r in runs)})")
    if against is not None:
        print(f"  cold ratio, this code / {against.name}'s: "
              f"{statistics.median(cold) / statistics.median(other):.2f}")
    firms = [v for k, v in sizes.items() if k.startswith("firms/")]
    print(f"  pages: index {sizes['index.html'] / 1e3:.0f} KB, topics "
          f"{sizes['topics.html'] / 1e3:.0f} KB, shifts {sizes['shifts.html'] / 1e3:.0f} KB, "
          f"firm pages {min(firms) / 1e6:.2f}-{max(firms) / 1e6:.2f} MB")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one repeat instead of five")
    parser.add_argument("--demo", type=Path, default=ROOT / "build" / "demo",
                        help="a built project to run the report stage in (default build/demo)")
    parser.add_argument("--repeat", type=int, default=3, help="demo runs of each kind")
    parser.add_argument("--against", type=Path, default=None,
                        help="another checkout (e.g. /work/main) whose report stage is run "
                             "cold on the same demo, interleaved with this one's")
    args = parser.parse_args()
    against = args.against.resolve() if args.against else None
    demo_runs(args.demo.resolve(), 1 if args.quick else args.repeat, against)
    repeats = 1 if args.quick else 5
    tables = make_study()
    inputs = report.ReportInputs(**tables)
    ours, bare = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        rendered = report.build_report(inputs, ReportParams())
        ours.append(time.perf_counter() - started)
        # every figure of the pages (plain SVG, matplotlib or interactive), as bare matplotlib
        n_figures = sum(html.count('<svg class="fig') for html in rendered.pages.values())
        bare.append(bare_figures(n_figures))
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
    print(f"synthetic study: {pages} pages, {n_figures} figures, {size / 1e6:.2f} MB of HTML")
    print(f"build_report            median {statistics.median(ours):6.2f} s")
    print(f"build_report, cached    median {statistics.median(cached):6.2f} s")
    print(f"bare matplotlib x{n_figures:<4}  median {statistics.median(bare):6.2f} s")
    print(f"ratio build_report / bare figures: "
          f"{statistics.median(ours) / statistics.median(bare):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

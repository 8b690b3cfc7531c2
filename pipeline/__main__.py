"""Command line: `python -m pipeline <command>`.

Commands:
    run         run every stage in order on a project folder, without DVC
    schedule    print or install a crontab line / systemd timer that runs `dvc repro`
    scrape, extract, preprocess, topics, contrasts, report
                run one stage (same as `python -m pipeline.<stage>`)
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

from pipeline.cli import setup_logging
from pipeline.layout import STAGES, Layout, stage_args

log = logging.getLogger("pipeline")

STAGE_HELP = {
    "scrape": "fetch sources.txt into WARC captures + fetches table",
    "extract": "clean text from HTML and PDF captures → documents, passages",
    "preprocess": "lemmatise French and English → sentences, bags of terms",
    "topics": "topic models, K sweep, prevalence with intervals",
    "contrasts": "keyness, frame measures, shifts, concordances",
    "report": "self-contained HTML reports and CSV/Parquet exports",
}


def run_stages(layout: Layout, stages: list[str] | None = None) -> None:
    """Run the given stages (default: all) in pipeline order on one project folder."""
    wanted = stages or list(STAGES)
    unknown = [s for s in wanted if s not in STAGES]
    if unknown:
        raise SystemExit(f"unknown stage(s) {unknown}; stages are {list(STAGES)}")
    args = stage_args(layout)
    for n, stage in enumerate(s for s in STAGES if s in wanted):
        started = time.perf_counter()
        log.info("stage %d/%d: %s", n + 1, len(wanted), stage)
        module = importlib.import_module(f"pipeline.{stage}.stage")
        status = module.main(args[stage])
        if status:
            raise SystemExit(f"stage {stage} failed with status {status}")
        log.info("stage %s done in %.1f s", stage, time.perf_counter() - started)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Measure how firms talk about the city: scrape → extract → preprocess → "
                    "topics → contrasts → report.",
    )
    sub = parser.add_subparsers(dest="command", metavar="command")
    run = sub.add_parser("run", help="run every stage in order (without DVC)")
    run.add_argument("--root", default=".", help="project folder holding sources.txt and "
                     "params.yaml (default: current folder)")
    run.add_argument("--stages", nargs="+", metavar="STAGE",
                     help=f"run only these stages, in pipeline order ({', '.join(STAGES)})")
    run.add_argument("-v", "--verbose", action="store_true")
    sub.add_parser("schedule", help="print or install a scheduled `dvc repro` (see --help)",
                   add_help=False)
    for stage in STAGES:
        sub.add_parser(stage, help=STAGE_HELP[stage], add_help=False)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Stage and schedule commands hand their remaining arguments to the module's own parser.
    if argv and (argv[0] in STAGES or argv[0] == "schedule"):
        name = f"pipeline.{argv[0]}.stage" if argv[0] in STAGES else "pipeline.schedule"
        module = importlib.import_module(name)
        return module.main(argv[1:]) or 0
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    setup_logging(args.verbose)
    if args.command == "run":
        run_stages(Layout(Path(args.root)), args.stages)
        print(Layout(Path(args.root)).reports / "index.html")
        return 0
    parser.print_help()
    return 2


if __name__ == "__main__":
    sys.exit(main())

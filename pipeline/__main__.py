"""Command line: `python -m pipeline <command>`.

Commands:
    run         run every stage in order on a project folder, without DVC
    schedule    print or install a crontab line / systemd timer that runs `dvc repro`
    params      print every params.yaml key: type, default, allowed values, meaning
    dvc         write dvc.yaml from the stage table (`--check`: say whether it is current)
    scrape, extract, preprocess, topics, contrasts, report
                run one stage (same as `python -m pipeline.<stage>`)

Exit statuses (the same for every command and stage): see `pipeline.errors.EXIT_STATUSES`.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import time
from pathlib import Path

from pipeline import cli
from pipeline.catalog import STAGES, Layout
from pipeline.errors import EXIT_INPUT, EXIT_OK, EXIT_SOURCES, EXIT_STATUSES
from pipeline.lock import project_lock

log = logging.getLogger("pipeline")


def run_stages(layout: Layout, stages: list[str] | None = None) -> int:
    """Run the given stages (default: all) in pipeline order on one project folder.

    Returns:
        EXIT_OK, or EXIT_SOURCES when every stage ran but some sources could not be fetched;
        a stage that fails stops the run and its status is returned.
    """
    wanted = stages or list(STAGES)
    unknown = [s for s in wanted if s not in STAGES]
    if unknown:
        log.error("unknown stage(s) %s; stages are %s", unknown, list(STAGES))
        return EXIT_INPUT
    outcome = EXIT_OK
    for n, stage in enumerate(s for s in STAGES if s in wanted):
        started = time.perf_counter()
        log.info("stage %d/%d: %s", n + 1, len(wanted), stage)
        module = importlib.import_module(f"pipeline.{stage}.stage")
        status = module.main(STAGES[stage].command(layout))
        if status == EXIT_SOURCES:
            outcome = status  # the scrape completed; the later stages still run
        elif status:
            log.error("stage %s failed with status %d; later stages not run", stage, status)
            return status
        log.info("stage %s done in %.1f s", stage, time.perf_counter() - started)
    return outcome


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m pipeline",
        description="Measure how firms talk about the city: scrape → extract → preprocess → "
                    "topics → contrasts → report.",
        epilog="exit statuses: " + "; ".join(f"{k} {v}" for k, v in EXIT_STATUSES.items()))
    sub = parser.add_subparsers(dest="command", metavar="command")
    run = sub.add_parser("run", help="run every stage in order (without DVC)")
    run.add_argument("--root", default=".", help="project folder holding sources.txt and "
                     "params.yaml; every output goes under it (default: current folder)")
    run.add_argument("--stages", nargs="+", metavar="STAGE",
                     help=f"run only these stages, in pipeline order ({', '.join(STAGES)})")
    run.add_argument("-v", "--verbose", action="store_true")
    sub.add_parser("schedule", help="print or install a scheduled `dvc repro` (see --help)",
                   add_help=False)
    sub.add_parser("params", help="print every params.yaml key as a Markdown table")
    dvc = sub.add_parser("dvc", help="write dvc.yaml from the stage table")
    dvc.add_argument("--root", default=".", help="project folder (default: current folder)")
    dvc.add_argument("--check", action="store_true",
                     help="write nothing; exit 1 when dvc.yaml differs from the stage table")
    for name, stage in STAGES.items():
        sub.add_parser(name, help=stage.help, add_help=False)
    return parser


def _write_dvc_yaml(root: Path, check: bool) -> int:
    from pipeline.dvcfile import dvc_yaml
    from pipeline.params import LEXICON_KEY, read_params

    text = dvc_yaml(str(read_params(Layout(root).path("params")).get(LEXICON_KEY,
                                                                     "frames.yaml")))
    path = root / "dvc.yaml"
    if check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            log.error("%s differs from the stage table: run `python -m pipeline dvc`", path)
            return 1
        return EXIT_OK
    path.write_text(text, encoding="utf-8")
    print(path)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    # Stage and schedule commands hand their remaining arguments to the module's own parser.
    if argv and (argv[0] in STAGES or argv[0] == "schedule"):
        name = f"pipeline.{argv[0]}.stage" if argv[0] in STAGES else "pipeline.schedule"
        return importlib.import_module(name).main(argv[1:]) or EXIT_OK
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_INPUT
    cli.setup_logging(getattr(args, "verbose", False))
    if args.command == "run":
        layout = Layout(Path(args.root))

        def locked() -> int:
            with project_lock(layout.root, "python -m pipeline run"):
                return run_stages(layout, args.stages)

        status = cli.run_main(locked)
        if status in (EXIT_OK, EXIT_SOURCES):
            print(layout.path("reports") / "index.html")
        return status
    if args.command == "params":
        from pipeline.params import params_table

        print(params_table())
        return EXIT_OK
    if args.command == "dvc":
        return cli.run_main(lambda: _write_dvc_yaml(Path(args.root), args.check))
    parser.print_help()
    return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())

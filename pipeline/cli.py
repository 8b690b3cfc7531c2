"""Shared command-line plumbing: logging set-up, each stage's parser from the catalog, and the
one place where errors become exit statuses (`pipeline.errors`).

Logging is configured here, by the command line only; library code just logs.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path

from pipeline.catalog import PATHS, STAGES
from pipeline.errors import EXIT_BUSY, EXIT_INPUT, EXIT_INTERRUPTED, BusyError, InputError
from pipeline.lock import project_lock

log = logging.getLogger(__name__)


def setup_logging(verbose: bool = False) -> None:
    """Log to stderr as `time level module: message` (once per process)."""
    root = logging.getLogger()
    if root.handlers:
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s",
                                           "%H:%M:%S"))
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("httpx", "httpcore", "trafilatura", "htmldate", "gensim", "matplotlib",
                  "urllib3", "charset_normalizer", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def stage_parser(stage: str) -> argparse.ArgumentParser:
    """A stage's parser: its path flags from the catalog (defaults: the project layout run
    from the project folder), and --verbose."""
    spec = STAGES[stage]
    parser = argparse.ArgumentParser(prog=f"python -m pipeline.{stage}",
                                     description=spec.help[0].upper() + spec.help[1:] + ".")
    for flag, key, help_text in spec.flags:
        parser.add_argument(flag, type=Path, default=Path(PATHS[key]),
                            help=f"{help_text} (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser


def _interrupt(signum, frame) -> None:
    # SIGTERM (cron, systemd, dvc) stops a run like Ctrl-C: each stage saves what finished.
    raise KeyboardInterrupt(f"signal {signum}")


def stage_main(stage: str, argv: list[str] | None,
               body: Callable[[argparse.Namespace], int],
               parser: argparse.ArgumentParser | None = None) -> int:
    """A stage's `main`: parse its command line, set up logging, take the project's lock (the
    params file's folder) and run `body(args)` under `run_main`'s error handling."""
    args = (parser or stage_parser(stage)).parse_args(argv)
    setup_logging(args.verbose)
    folder = Path(args.params).resolve().parent

    def locked() -> int:
        with project_lock(folder, f"python -m pipeline.{stage}"):
            return body(args)

    return run_main(locked)


def run_main(body: Callable[[], int]) -> int:
    """Run a command's body: an input error is one line and EXIT_INPUT, a held project lock
    one line and EXIT_BUSY, Ctrl-C or SIGTERM one line and EXIT_INTERRUPTED; any other
    exception keeps its traceback (it is a bug)."""
    in_main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _interrupt) if in_main_thread else None
    try:
        return body()
    except InputError as exc:
        log.error("%s", exc)
        return EXIT_INPUT
    except BusyError as exc:
        log.error("%s", exc)
        return EXIT_BUSY
    except KeyboardInterrupt:
        log.error("interrupted: what had finished is saved")
        return EXIT_INTERRUPTED
    finally:
        if in_main_thread:
            signal.signal(signal.SIGTERM, previous)

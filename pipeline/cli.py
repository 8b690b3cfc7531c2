"""Shared command-line plumbing for the stage modules: logging set-up and common flags.

Logging is configured here, by the command line only; library code just logs.
"""

from __future__ import annotations

import argparse
import logging
import sys


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


def stage_parser(prog: str, description: str) -> argparse.ArgumentParser:
    """A parser with the flags every stage shares (--params, --verbose)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--params", default="params.yaml",
                        help="params file (default: %(default)s)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    return parser

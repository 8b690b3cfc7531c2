"""Run the whole pipeline on the bundled offline demo site.

reads demo/site (served on 127.0.0.1), demo/sources.txt, params.yaml, frames.yaml
→ writes a complete project folder (default build/demo/): data/, models/, reports/

The demo site holds fictional firms whose themes, frames and shifts were planted by
`demo/generate.py` and recorded in `demo/truth.json`, so a run shows what the pipeline recovers.
The site is served by a local HTTP server on an ephemeral port, with a fake web archive (CDX
API + raw replay), and scraped for real by the scraper: no network is needed.

    python -m demo --out build/demo
"""

from __future__ import annotations

import argparse
import logging
import shutil
import time
from pathlib import Path

from pipeline.catalog import Layout
from pipeline.cli import setup_logging
from pipeline.errors import EXIT_OK, EXIT_SOURCES
from pipeline.params import read_params, set_param, write_params

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "demo"

# Outputs of a previous demo run that a new run replaces. The demo server's port changes
# from run to run, so earlier captures' URLs would not match; the lemmatisation cache is kept
# (it is keyed by text, not URL).
STALE = ("data/raw", "data/interim", "data/processed", "data/topics", "data/contrasts",
         "models", "reports")


def prepare_demo(out: Path, base_url: str, *, params_path: Path, lexicon_path: Path,
                 sources_template: Path) -> Layout:
    """Write the demo's sources.txt and params.yaml into `out`, pointed at `base_url`."""
    layout = Layout(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel in STALE:
        shutil.rmtree(out / rel, ignore_errors=True)
    text = sources_template.read_text(encoding="utf-8").replace("{site}", base_url)
    layout.path("sources").write_text(text, encoding="utf-8")
    params = read_params(params_path)
    set_param(params, "lexicon", str(lexicon_path.resolve()))
    set_param(params, "scrape.wayback_url", base_url)
    # Our own server on one local host: no politeness delay, more requests at once.
    set_param(params, "scrape.delay", 0.0)
    set_param(params, "scrape.per_host", 8)
    write_params(params, layout.path("params"))
    return layout


def run_demo(out: Path, *, site_dir: Path = DEMO_DIR / "site",
             sources_template: Path = DEMO_DIR / "sources.txt",
             params_path: Path = ROOT / "params.yaml",
             lexicon_path: Path = ROOT / "frames.yaml") -> Path:
    """Serve the demo site, run every stage on it, and return the report index path."""
    from demo.server import serve_site
    from pipeline.__main__ import run_stages

    started = time.perf_counter()
    with serve_site(site_dir) as base_url:
        log.info("demo site served at %s", base_url)
        layout = prepare_demo(out, base_url, params_path=params_path,
                              lexicon_path=lexicon_path, sources_template=sources_template)
        status = run_stages(layout)
    if status not in (EXIT_OK, EXIT_SOURCES):  # the demo plants unreachable pages on purpose
        raise SystemExit(f"the demo pipeline failed with status {status}")
    log.info("demo finished in %.0f s", time.perf_counter() - started)
    return layout.path("reports") / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo",
                                     description="Run the pipeline on the offline demo site.")
    parser.add_argument("--out", default="build/demo", help="output folder (default: %(default)s)")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"),
                        help="params file to start from (default: the repository's)")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    index = run_demo(Path(args.out), params_path=Path(args.params))
    print(f"Report: {index.resolve()}")
    return 0

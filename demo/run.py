"""Run the whole pipeline on the bundled offline demo site.

reads demo/site (served on 127.0.0.1), demo/sources.txt, params.yaml, frames.yaml
→ writes a complete project folder (default build/demo/): data/, models/, reports/

The demo site holds fictional firms whose themes, frames and shifts were planted by
`demo/generate.py` and recorded in `demo/truth.json`, so a run shows what the pipeline recovers.
The site is served by a local HTTP server on an ephemeral port, with a fake web archive (CDX
API + raw replay), and scraped for real by the scraper: no network is needed.

    python -m demo --out build/demo        # every stage in order, in process
    python -m demo --dvc                   # the same through `dvc repro`, in build/demo-dvc
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from pipeline.catalog import Layout
from pipeline.cli import setup_logging
from pipeline.errors import EXIT_OK, EXIT_SOURCES
from pipeline.params import read_params, set_param, write_params

log = logging.getLogger(__name__)

ROOT = Path(__file__).resolve().parents[1]
DEMO_DIR = ROOT / "demo"
DEFAULT_OUT = "build/demo"
# Fixed, so that the sources (hence every id) are the same from one `--dvc` run to the next.
DVC_PORT = 8765

# Outputs of a previous demo run that a new run replaces. The demo server's port changes
# from run to run, so earlier captures' URLs would not match; the lemmatisation cache is kept
# (it is keyed by text, not URL).
STALE = ("data/raw", "data/interim", "data/processed", "data/topics", "data/contrasts",
         "models", "reports")


def prepare_demo(out: Path, base_url: str, *, params_path: Path, lexicon_path: Path | None,
                 sources_template: Path, firms: list[str] | None = None,
                 fresh: bool = True) -> Layout:
    """Write the demo's sources.txt and params.yaml into `out`, pointed at `base_url`.

    Args:
        lexicon_path: the lexicon params.yaml names (None: the params file's own, relative).
        firms: only these demo firms' sources (default: all).
        fresh: remove the outputs of an earlier run first.
    """
    layout = Layout(out)
    out.mkdir(parents=True, exist_ok=True)
    for rel in STALE if fresh else ():
        shutil.rmtree(out / rel, ignore_errors=True)
    lines = sources_template.read_text(encoding="utf-8").replace("{site}", base_url).splitlines()
    if firms is not None:
        lines = [ln for ln in lines if ln.split()[:1] and ln.split()[0] in firms]
    layout.path("sources").write_text("\n".join(lines) + "\n", encoding="utf-8")
    params = read_params(params_path)
    if lexicon_path is not None:
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


def run_dvc_demo(out: Path, *, port: int = DVC_PORT, firms: list[str] | None = None,
                 params: dict | None = None) -> Path:
    """Serve the demo site and run `dvc repro` on it in a project folder of its own.

    `out` becomes a DVC project: a copy of the package, frames.yaml, dvc.yaml and the plot
    templates, the demo's sources.txt and params.yaml (with `params` set on top). The site is
    served on a fixed port, so a second call finds every stage after scrape up to date.
    """
    from demo.server import serve_site

    out.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(out / "pipeline", ignore_errors=True)
    shutil.copytree(ROOT / "pipeline", out / "pipeline",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("frames.yaml", "dvc.yaml"):
        shutil.copy2(ROOT / name, out / name)
    dvc = shutil.which("dvc", path=str(Path(sys.executable).parent)) or "dvc"
    if not (out / ".dvc").exists():
        subprocess.run([dvc, "init", "--no-scm", "-q"], cwd=out, check=True)
    shutil.copytree(ROOT / ".dvc" / "plots", out / ".dvc" / "plots", dirs_exist_ok=True)
    with serve_site(DEMO_DIR / "site", port=port) as base_url:
        log.info("demo site served at %s; dvc repro in %s", base_url, out)
        prepare_demo(out, base_url, params_path=ROOT / "params.yaml", lexicon_path=None,
                     sources_template=DEMO_DIR / "sources.txt", firms=firms, fresh=False)
        if params:
            data = read_params(out / "params.yaml")
            for key, value in params.items():
                set_param(data, key, value)
            write_params(data, out / "params.yaml")
        env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                                     f"{os.environ.get('PATH', '')}"}
        done = subprocess.run([dvc, "repro"], cwd=out, env=env)
    if done.returncode:
        raise SystemExit(f"dvc repro failed with status {done.returncode}")
    return out / "reports" / "index.html"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo",
                                     description="Run the pipeline on the offline demo site.")
    parser.add_argument("--out", default=DEFAULT_OUT,
                        help="output folder (default: %(default)s)")
    parser.add_argument("--params", default=str(ROOT / "params.yaml"),
                        help="params file to start from (default: the repository's)")
    parser.add_argument("--dvc", action="store_true",
                        help="run `dvc repro` in the output folder, made a DVC project of its "
                             f"own, with the site on port {DVC_PORT} (default --out: "
                             "build/demo-dvc); a second run skips every stage after scrape")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.dvc:
        out = Path(args.out if args.out != DEFAULT_OUT else "build/demo-dvc")
        index = run_dvc_demo(out)
    else:
        index = run_demo(Path(args.out), params_path=Path(args.params))
    print(f"Report: {index.resolve()}")
    return 0

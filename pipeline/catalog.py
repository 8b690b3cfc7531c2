"""The stage table: for each stage, its command line, what it reads and writes, its params
blocks and its core function. Everything that names a stage's paths reads it: each stage's
`main`, `python -m pipeline run`, the scheduler, and `dvc.yaml`, which `python -m pipeline dvc`
writes from it (a test checks that the committed file is what it writes).

    data/raw/            WARC captures + fetches.parquet            (scrape; raw, never edited)
    data/interim/        documents, sections, passages, collection, (extract)
                         captures
    data/processed/      sentences.parquet, bags.parquet            (preprocess)
    data/cache/          per-document caches: lemmas                (preprocess)
                         and matches, concordance lines             (contrasts)
    data/topics/         topic tables                               (topics)
    models/topics/       saved topic models                         (topics)
    data/contrasts/      keyness, frame measures, shifts, domains,  (contrasts)
                         firm_domains, thresholds, KWIC, CA
    reports/             HTML reports, exports, metrics.json, plots (report, topics, contrasts)

    >>> STAGES["extract"].command(Layout(Path(".")))
    ['--raw', 'data/raw', '--params', 'params.yaml', '--out', 'data/interim']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pipeline import schemas

# Every place a stage reads or writes, relative to the project folder.
PATHS = {
    "sources": "sources.txt",
    "params": "params.yaml",
    "raw": "data/raw",
    "interim": "data/interim",
    "processed": "data/processed",
    "cache": "data/cache/preprocess",
    "contrasts_cache": "data/cache/contrasts",
    "topics": "data/topics",
    "models": "models/topics",
    "contrasts": "data/contrasts",
    "reports": "reports",
    "metrics": "reports/metrics.json",
    "plots": "reports/plots",
}

# The core modules every stage imports: a change to one re-runs every stage under DVC.
CORE_CODE = ("pipeline/schemas.py", "pipeline/io.py", "pipeline/params.py", "pipeline/cli.py",
             "pipeline/errors.py", "pipeline/catalog.py")


def table(folder: str, schema: pa.Schema) -> str:
    """A table's path: its folder's path and the file name its schema gives."""
    return f"{PATHS[folder]}/{schemas.file_name(schema)}"


@dataclass(frozen=True)
class Out:
    """An output as DVC sees it: `cache: false` when it stays in the work tree (reports,
    plots) and `persist: true` when a re-run adds to it rather than replaces it."""

    path: str
    cache: bool = True
    persist: bool = False


@dataclass(frozen=True)
class Stage:
    """One stage: how it is called, what it reads and writes, and which params it uses."""

    name: str
    help: str
    core: str                                 # its pure core function, `module:function`
    flags: tuple[tuple[str, str, str], ...]   # (flag, PATHS key, help) of its command line
    params: tuple[str, ...]                   # params.yaml blocks it reads ("lexicon": the key)
    deps: tuple[str, ...]                     # what it reads (paths; "lexicon": the lexicon)
    outs: tuple[Out, ...]
    code: tuple[str, ...]                     # its own code, besides CORE_CODE
    metrics: tuple[str, ...] = ()
    always_changed: bool = False              # DVC runs it every time (the web changes)
    dvc_flags: tuple[str, ...] = ()           # flags dvc.yaml's command adds
    notes: tuple[str, ...] = field(default=())  # comment lines above it in dvc.yaml

    def command(self, layout: Layout) -> list[str]:
        """Its command-line arguments for a project folder."""
        return [part for flag, key, _ in self.flags for part in (flag, str(layout.path(key)))]


PARAMS_FLAG = ("--params", "params", "params file")

STAGES: dict[str, Stage] = {s.name: s for s in (
    Stage(
        "scrape", "fetch sources.txt into WARC captures + fetches table",
        "pipeline.scrape.stage:scrape",
        (("--sources", "sources", "sources.txt: one source a line"), PARAMS_FLAG,
         ("--out", "raw", "raw-data folder (WARCs, fetches.parquet)")),
        ("scrape",), (PATHS["sources"],), (Out(PATHS["raw"], cache=False, persist=True),),
        ("pipeline/scrape", "pipeline/warc.py", "pipeline/sources.py"), always_changed=True,
        dvc_flags=("--keep-going",),
        notes=("scrape always runs (the web changes), but fetches only what is not archived",
               "yet, so the stages after it re-run only when a capture was added or their own",
               "code, params or inputs changed. Its outputs persist: captures accumulate.",
               "--keep-going: sources that could not be fetched are listed in the summary",
               "and recorded in fetches.parquet, and do not stop the later stages.")),
    Stage(
        "extract", "clean text from HTML and PDF captures → documents, passages",
        "pipeline.extract.stage:extract_tables",
        (("--raw", "raw", "folder of fetches.parquet and the WARCs"), PARAMS_FLAG,
         ("--out", "interim", "folder for documents.parquet and passages.parquet")),
        # The manifest, not the WARC folder: each run archives robots.txt again, which changes
        # the folder but no capture; every capture extract reads is a row of the manifest.
        ("lexicon", "extract"), (table("raw", schemas.FETCHES), "lexicon"),
        (Out(PATHS["interim"]),), ("pipeline/extract", "pipeline/warc.py", "pipeline/lexicon.py",
                                 "pipeline/executor.py")),
    Stage(
        "preprocess", "lemmatise French and English → sentences, bags of terms",
        "pipeline.preprocess.stage:preprocess_passages",
        (("--interim", "interim", "folder of passages.parquet"), PARAMS_FLAG,
         ("--out", "processed", "folder for sentences.parquet and bags.parquet"),
         ("--cache", "cache", "lemmatisation cache folder")),
        ("lexicon", "preprocess"), (table("interim", schemas.PASSAGES), "lexicon"),
        (Out(PATHS["processed"]), Out(PATHS["cache"], cache=False, persist=True)),
        ("pipeline/preprocess", "pipeline/lexicon.py", "pipeline/executor.py")),
    Stage(
        "topics", "topic models, K sweep, prevalence with intervals",
        "pipeline.topics.stage:fit_topics",
        (("--processed", "processed", "folder of bags.parquet and sentences.parquet"),
         ("--interim", "interim", "folder of passages.parquet"), PARAMS_FLAG,
         ("--out", "topics", "folder for the topic tables"),
         ("--models", "models", "folder for the saved models"),
         ("--metrics", "metrics", "metrics.json for `dvc metrics show`"),
         ("--plots", "plots", "folder of the plot tables for `dvc plots show`")),
        # sentences and lexicon: the proper nouns that `drop_names` takes out of the bags,
        # never a lexicon word
        ("lexicon", "topics"), (table("processed", schemas.BAGS),
                                table("processed", schemas.SENTENCES),
                                table("interim", schemas.PASSAGES), "lexicon"),
        (Out(PATHS["topics"]), Out(PATHS["models"]),
         Out(f"{PATHS['plots']}/k_sweep.csv", cache=False)),
        ("pipeline/topics", "pipeline/trends.py", "pipeline/subset.py", "pipeline/fdr.py",
         "pipeline/lexicon.py"),
        metrics=(PATHS["metrics"],)),
    Stage(
        "contrasts", "keyness, frame measures, shifts, concordances",
        "pipeline.contrasts.stage:score_contrasts",
        (("--processed", "processed", "folder of sentences.parquet and bags.parquet"),
         ("--interim", "interim", "folder of documents.parquet and passages.parquet"),
         PARAMS_FLAG, ("--out", "contrasts", "folder for the contrast tables"),
         ("--plots", "plots", "folder of the plot tables for `dvc plots show`"),
         ("--cache", "contrasts_cache", "per-document match cache folder")),
        ("lexicon", "contrasts"), (PATHS["processed"], PATHS["interim"], "lexicon"),
        (Out(PATHS["contrasts"]), Out(f"{PATHS['plots']}/frame_shares.csv", cache=False),
         Out(PATHS["contrasts_cache"], cache=False, persist=True)),
        ("pipeline/contrasts", "pipeline/lexicon.py", "pipeline/trends.py", "pipeline/subset.py",
         "pipeline/fdr.py")),
    Stage(
        "report", "self-contained HTML reports and CSV/Parquet exports",
        "pipeline.report.stage:build_report",
        (("--sources", "sources", "sources.txt: the firms' display names (name=)"),
         ("--raw", "raw", "folder of fetches.parquet"),
         ("--interim", "interim", "folder of documents.parquet"),
         ("--topics", "topics", "folder of the topic tables"),
         ("--contrasts", "contrasts", "folder of the contrast tables"), PARAMS_FLAG,
         ("--out", "reports", "report folder")),
        ("lexicon", "report"),
        (PATHS["sources"], table("raw", schemas.FETCHES), table("interim", schemas.DOCUMENTS),
         table("interim", schemas.PASSAGES), table("interim", schemas.COLLECTION),
         table("interim", schemas.CAPTURES), PATHS["topics"], PATHS["contrasts"], "lexicon"),
        tuple(Out(f"{PATHS['reports']}/{name}", cache=False)
              for name in ("index.html", "topics.html", "shifts.html", "firms", "data")),
        ("pipeline/report", "pipeline/lexicon.py", "pipeline/sources.py", "pipeline/fdr.py")),
)}


@dataclass(frozen=True)
class Layout:
    """The paths of one project folder (the repository for DVC, build/demo for the demo)."""

    root: Path

    def path(self, key: str) -> Path:
        """The path of a PATHS key in this project folder."""
        rel = PATHS[key]
        return self.root / rel if str(self.root) not in ("", ".") else Path(rel)

"""Where each stage reads and writes, under one project folder.

`dvc.yaml` names these paths for `dvc repro`; `python -m pipeline run` and the demo use the
same layout through `stage_args`, and a test checks that `dvc.yaml` and this module agree.

    data/raw/            WARC captures + fetches.parquet            (scrape; raw, never edited)
    data/interim/        documents, passages, collection, captures  (extract)
    data/processed/      sentences.parquet, bags.parquet            (preprocess)
    data/cache/          per-document lemmatisation cache           (preprocess)
    data/topics/         topic tables                               (topics)
    models/topics/       saved topic models                         (topics)
    data/contrasts/      keyness, frame measures, shifts, domains,  (contrasts)
                         firm_domains, thresholds, KWIC, CA
    reports/             HTML reports, exports, metrics.json, plots (report, topics, contrasts)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

STAGES = ("scrape", "extract", "preprocess", "topics", "contrasts", "report")


@dataclass(frozen=True)
class Layout:
    """The paths of one project folder (the repository for DVC, build/demo for the demo)."""

    root: Path

    def _p(self, rel: str) -> Path:
        return self.root / rel if str(self.root) not in ("", ".") else Path(rel)

    @property
    def sources(self) -> Path:
        return self._p("sources.txt")

    @property
    def params(self) -> Path:
        return self._p("params.yaml")

    @property
    def raw(self) -> Path:
        return self._p("data/raw")

    @property
    def fetches(self) -> Path:
        return self.raw / "fetches.parquet"

    @property
    def interim(self) -> Path:
        return self._p("data/interim")

    @property
    def processed(self) -> Path:
        return self._p("data/processed")

    @property
    def cache(self) -> Path:
        return self._p("data/cache/preprocess")

    @property
    def topics(self) -> Path:
        return self._p("data/topics")

    @property
    def topic_models(self) -> Path:
        return self._p("models/topics")

    @property
    def contrasts(self) -> Path:
        return self._p("data/contrasts")

    @property
    def reports(self) -> Path:
        return self._p("reports")

    @property
    def metrics(self) -> Path:
        return self.reports / "metrics.json"

    @property
    def plots(self) -> Path:
        return self.reports / "plots"


def stage_args(layout: Layout) -> dict[str, list[str]]:
    """The command-line arguments of every stage's `main`, in run order."""
    L = layout
    return {
        "scrape": ["--sources", str(L.sources), "--params", str(L.params), "--out", str(L.raw)],
        "extract": ["--raw", str(L.raw), "--params", str(L.params), "--out", str(L.interim)],
        "preprocess": ["--interim", str(L.interim), "--params", str(L.params),
                       "--out", str(L.processed), "--cache", str(L.cache)],
        "topics": ["--processed", str(L.processed), "--interim", str(L.interim),
                   "--params", str(L.params), "--out", str(L.topics),
                   "--models", str(L.topic_models), "--metrics", str(L.metrics),
                   "--plots", str(L.plots)],
        "contrasts": ["--processed", str(L.processed), "--interim", str(L.interim),
                      "--params", str(L.params), "--out", str(L.contrasts),
                      "--plots", str(L.plots)],
        "report": ["--raw", str(L.raw), "--interim", str(L.interim), "--topics", str(L.topics),
                   "--contrasts", str(L.contrasts), "--params", str(L.params),
                   "--out", str(L.reports)],
    }

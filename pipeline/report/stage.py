"""Self-contained HTML reports, and the tables behind every figure as CSV and Parquet.

reads sources.txt (the firms' display names), data/raw/fetches.parquet,
data/interim/{documents,passages,collection,captures}.parquet,
data/topics/{k_sweep,topic_terms,doc_topics,topic_passages,prevalence}.parquet,
data/contrasts/{keyness,frame_measures,shifts,kwic,domains,firm_domains,thresholds}.parquet
(+ ca_points, ca_axes, versus and data/topics/topic_trends.parquet if present), frames.yaml
→ writes reports/index.html, topics.html, shifts.html, firms/<firm>.html, reports/data/*.csv,
*.parquet and README.md

The report renders: every figure and number comes from a table an earlier stage wrote (what
was collected from extract, the firm × domain table with its presence marks and the thresholds
behind them from contrasts); each page's view is built by its own module (`index`, `firm`,
`topics`, `shifts`), from the lookups of `study` and the filters of `format`.

The pages open from a USB stick: CSS inline, figures as inline SVG, no font, script or image
fetched from anywhere (a few lines of inline JavaScript only make tables sortable). Everything
that came from the web (titles, passages, concordance lines, URLs) goes through Jinja2's
autoescaping, and only http(s) URLs become links. Every figure names the number of documents
it rests on and the exported table it is drawn from; figures resting on too little text say so.

    python -m pipeline.report --sources sources.txt --raw data/raw --interim data/interim \\
        --topics data/topics --contrasts data/contrasts --params params.yaml --out reports
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from pipeline import cli, schemas
from pipeline.errors import EXIT_OK
from pipeline.io import (
    SchemaError,
    TableWriter,
    nullable_types,
    read_arrow,
    read_table,
    to_arrow,
    write_csv,
    write_csv_batches,
    write_table,
    write_text,
)
from pipeline.lexicon import LANGS, LexiconError, load_lexicon
from pipeline.params import ReportParams, lexicon_path, load_block
from pipeline.report import figures
from pipeline.report.concordance import Concordance
from pipeline.report.exports import EXPORTS, data_readme, export_tables, with_firm_names
from pipeline.report.firm import DETAIL_PASSAGES, firm_context
from pipeline.report.format import environment, firm_file, fmt_date, years_span
from pipeline.report.grids import domain_grids
from pipeline.report.index import index_context
from pipeline.report.shifts import shifts_context
from pipeline.report.study import ReportInputs, Study
from pipeline.report.topics import topics_context
from pipeline.sources import firm_names, read_sources

log = logging.getLogger(__name__)

#: the keyness comparisons the pages show (the rest is in the export only)
SHOWN_COMPARISONS = ["firm_vs_rest", "late_vs_early", "kind_vs_kind"]
#: rows per batch when a table is scanned or copied
EXPORT_BATCH = 50_000



@dataclass
class Report:
    """The rendered report: pages (path relative to the report folder → HTML) and exports."""

    pages: dict[str, str] = field(default_factory=dict)
    exports: dict[str, tuple[pd.DataFrame | Path, pa.Schema]] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # firm → display name, for the copies


def build_report(inputs: ReportInputs, params: ReportParams, *,
                 figure_cache: Path | None = None) -> Report:
    """Render every page and collect every exported table. No file is read or written but
    the figure cache's (when given): an SVG drawn before from the same data is read back.

    Args:
        inputs: the tables of the earlier stages.
        params: the `report:` block: `max_kwic` (concordance lines shown per term on a firm
            page; all are exported), `n_terms` (distinctive terms shown per firm and
            language), `min_docs` (topic figures resting on fewer documents are flagged "too
            little text"), `ca_labels` (terms or domains labelled on a correspondence-analysis
            map: the largest contributions to the plane).

        figure_cache: folder of SVGs named by a hash of each figure's data (None: draw all).

    Returns:
        The pages (relative path → HTML) and the exports (name → table, schema).
    """
    with figures.cached_figures(figure_cache):
        return _build(inputs, params)


def _build(inputs: ReportInputs, params: ReportParams) -> Report:
    study = Study(inputs, min_docs=params.min_docs)
    # The offer-domain grids serve both the index's entries table and each firm page.
    grids = domain_grids(study)
    env = environment(study.names)
    common = _common(study)
    report = Report()

    def render(template: str, path: str, **context) -> None:
        root = "../" * path.count("/")
        report.pages[path] = env.get_template(template).render(**common, **context, root=root,
                                                               page=path)

    render("index.html", "index.html",
           **index_context(study, grids, n_terms=params.n_terms, ca_labels=params.ca_labels))
    log.info("report: index done")
    render("topics.html", "topics.html", **topics_context(study))
    log.info("report: topics page done")
    render("shifts.html", "shifts.html", **shifts_context(study))
    log.info("report: shifts page done")
    for n, firm in enumerate(study.firms, 1):
        render("firm.html", f"firms/{firm_file(firm)}",
               **firm_context(study, firm, grids.get(firm), max_kwic=params.max_kwic,
                              n_terms=params.n_terms))
        log.info("report: firm page %d/%d (%s)", n, len(study.firms), firm)
    report.exports = export_tables(inputs)
    report.names = inputs.names
    return report


def _common(study: Study) -> dict:
    """What every page shows: the study in a line, the firms' links, the groups, the exports."""
    u = study.usable
    return {
        "study": {"n_firms": len(study.firms), "n_docs": len(u),
                  "n_words": int(u["n_words"].sum()), "years": years_span(u["year"]),
                  "langs": sorted(set(u["lang"].dropna()) & set(LANGS)),
                  "captured": (fmt_date(u["captured_at"].min()),
                               fmt_date(u["captured_at"].max()))},
        "firm_links": [{"firm": f, "file": firm_file(f)} for f in study.firms],
        "groups": study.groups, "min_docs": study.min_docs, "fdr": study.fdr,
        "exports": [{"name": n, "what": EXPORTS[n][1]} for n in EXPORTS],
    }


# --- reading and writing ------------------------------------------------------------------


def read_inputs(*, raw: Path, interim: Path, topics: Path, contrasts: Path,
                lexicon: Path | None = None, sources: Path | None = None) -> ReportInputs:
    """Read every input table (schema-checked); optional tables are None when absent.

    `sources` (sources.txt) gives the firms' display names; it is checked as the scrape
    stage checks it, so a bad line stops the report too.
    """
    doc_cols = [c for c in schemas.DOCUMENTS.names if c != "text"]
    ca = {}
    for name in ("ca_points", "ca_axes"):
        path = contrasts / f"{name}.parquet"
        if path.exists():
            ca[name] = read_table(path, getattr(schemas, name.upper()))
        else:
            log.info("%s not found: no correspondence analysis in the report", path)
    optional = {}
    for name, folder in (("topic_trends", topics), ("versus", contrasts)):
        path = folder / f"{name}.parquet"
        if path.exists():
            optional[name] = read_table(path, getattr(schemas, name.upper()))
        else:
            log.info("%s not found: rerun its stage to have it in the report", path)
    lex = None
    if lexicon is not None:
        try:
            lex = load_lexicon(lexicon)
        except LexiconError as exc:
            log.warning("%s; frame descriptions left out of the report", exc)
    tables = {"fetches": raw, "documents": interim, "collection": interim, "captures": interim,
              **dict.fromkeys(("k_sweep", "topic_terms", "doc_topics", "topic_passages",
                               "prevalence"), topics),
              **dict.fromkeys(("keyness", "frame_measures", "shifts", "kwic", "domains",
                               "firm_domains", "thresholds"), contrasts)}
    read = {name: read_table(folder / f"{name}.parquet", getattr(schemas, name.upper()),
                             columns=doc_cols if name == "documents" else None)
            for name, folder in tables.items() if name not in ("keyness", "kwic")}
    read["keyness"] = _shown_keyness(contrasts / "keyness.parquet")
    kwic = Concordance.from_file(contrasts / "kwic.parquet")
    passages_path = interim / "passages.parquet"
    passages = None
    if passages_path.exists():
        passages = _shown_passages(passages_path, read["doc_topics"])
    if len(read["thresholds"]) != 1:
        raise SchemaError(f"{contrasts / 'thresholds.parquet'}: {len(read['thresholds'])} rows, "
                          "expected one (rerun the contrasts stage)")
    names = firm_names(read_sources(sources)) if sources is not None else {}
    return ReportInputs(**read, kwic=kwic, passages=passages, lexicon=lex, names=names,
                        ca_points=ca.get("ca_points"), ca_axes=ca.get("ca_axes"), **optional)


def _shown_keyness(path: Path) -> pd.DataFrame:
    """The keyness rows the pages show (the comparisons in `SHOWN_COMPARISONS`), read batch by
    batch: every firm against every other and every year against every other stay on disk
    (the export copies them from the file)."""
    read_arrow(path, schemas.KEYNESS, columns=[])  # exists, and has the schema
    wanted = pa.array(SHOWN_COMPARISONS, type=pa.string())
    parts = [pa.Table.from_batches([b]).filter(pc.is_in(b.column("comparison"),
                                                        value_set=wanted))
             for b in pq.ParquetFile(path).iter_batches(batch_size=EXPORT_BATCH)]
    table = (pa.concat_tables(parts) if parts else schemas.KEYNESS.empty_table())
    return table.cast(schemas.KEYNESS).to_pandas(types_mapper=nullable_types)


def _shown_passages(path: Path, doc_topics: pd.DataFrame) -> pd.DataFrame:
    """The passages a firm page can show (each firm's best `DETAIL_PASSAGES` per language and
    topic), scanned in batches: the corpus's text is never held whole."""
    read_arrow(path, schemas.PASSAGES, columns=[])  # exists, and has the schema
    best = (doc_topics.sort_values(["share", "passage_id"], ascending=[False, True])
            .groupby(["firm", "lang", "topic"], sort=False).head(DETAIL_PASSAGES))
    wanted = pa.array(pd.unique(best["passage_id"].astype(str)), type=pa.string())
    table = ds.dataset(path, format="parquet").to_table(
        columns=["passage_id", "text", "page_start", "page_end"],
        filter=pc.field("passage_id").isin(wanted))
    return table.to_pandas(types_mapper=nullable_types)


def _export_file(source: Path, schema: pa.Schema, parquet: Path, csv: Path,
                 names: dict[str, str]) -> list[Path]:
    """Copy a table from its file batch by batch, as Parquet and CSV, with `firm_name` beside
    `firm` when the export's schema has it and the file has not."""
    named = "firm_name" in schema.names and "firm_name" not in pq.read_schema(source).names

    def frames() -> Iterator[pd.DataFrame]:
        for b in pq.ParquetFile(source).iter_batches(batch_size=EXPORT_BATCH):
            df = b.to_pandas(types_mapper=nullable_types)
            yield with_firm_names(df, names) if named else df

    sink = TableWriter(parquet, schema)

    def into_parquet_too() -> Iterator[pd.DataFrame]:  # one read of the file for both copies
        for df in frames():
            sink.write(to_arrow(df, schema, where=str(parquet)))
            yield df

    try:
        written_csv = write_csv_batches(into_parquet_too(), csv, schema.names)
    except BaseException:
        sink.abort()
        raise
    sink.close()
    return [parquet, written_csv]


def write_report(report: Report, out: Path) -> list[Path]:
    """Write pages and exports under `out`, atomically, and remove stale firm pages and exports.

    Leaves `metrics.json` and `plots/` (other stages' outputs) alone.
    """
    written: list[Path] = []
    for rel, html in report.pages.items():
        written.append(write_text(html, out / rel))
    data = out / "data"
    for name, (df, schema) in report.exports.items():
        if isinstance(df, Path):  # a table too large to hold: copied batch by batch
            written += _export_file(df, schema, data / f"{name}.parquet", data / f"{name}.csv",
                                    report.names)
            continue
        written.append(write_table(df, data / f"{name}.parquet", schema))
        written.append(write_csv(df, data / f"{name}.csv"))
    written.append(write_text(data_readme(report.exports), data / "README.md"))
    keep = set(written)
    for folder, patterns in ((out / "firms", ("*.html",)), (data, ("*.csv", "*.parquet"))):
        for pattern in patterns:
            for path in folder.glob(pattern):
                if path not in keep:
                    log.info("removing stale %s", path)
                    path.unlink()
    return written


def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("report", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, ReportParams)
    lexicon = lexicon_path(args.params)
    folders = {"raw": args.raw, "interim": args.interim, "topics": args.topics,
               "contrasts": args.contrasts}
    stamp_path = args.out / STAMP
    stamp = _stamp(folders, [args.sources, lexicon], params)
    if _unchanged(stamp_path, stamp, args.out):
        log.info("report: inputs, params and code unchanged since %s; nothing to do", stamp_path)
        return EXIT_OK
    inputs = read_inputs(**folders, lexicon=lexicon, sources=args.sources)
    report = build_report(inputs, params, figure_cache=args.out / ".cache" / "figures")
    # The pages read only some comparisons; the export is the whole table, from its file.
    report.exports["keyness"] = (args.contrasts / "keyness.parquet", schemas.KEYNESS)
    written = write_report(report, args.out)
    if isinstance(inputs.kwic, Concordance):
        inputs.kwic.close()  # its spilled lines
    files = {str(p.relative_to(args.out)): _digest(p.read_bytes()) for p in written}
    write_text(json.dumps({"inputs": stamp, "files": files}, indent=1), stamp_path)
    log.info("report: wrote %d files under %s", len(written), args.out)
    return EXIT_OK


# --- skipping an unchanged report ---------------------------------------------------------
# A re-run whose inputs, params and report code are those of the last run, and whose written
# files are still as written, does nothing (figures are cached apart, for partial changes).

STAMP = ".cache/report.json"
_CODE_DIR = Path(__file__).parent


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stamp(folders: dict[str, Path], files: list[Path | None], params: ReportParams) -> str:
    h = hashlib.sha256(params.model_dump_json().encode())
    paths = [p for folder in dict.fromkeys(folders.values()) for p in sorted(
        folder.glob("*.parquet"))]
    paths += [f for f in files if f is not None and f.exists()]
    paths += sorted(_CODE_DIR.rglob("*.py")) + sorted((_CODE_DIR / "templates").iterdir())
    for path in paths:
        h.update(str(path.name).encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def _unchanged(stamp_path: Path, stamp: str, out: Path) -> bool:
    try:
        last = json.loads(stamp_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if last.get("inputs") != stamp:
        return False
    for rel, digest in last.get("files", {}).items():
        path = out / rel
        if not path.exists() or _digest(path.read_bytes()) != digest:
            return False
    return True

"""The tables behind the report's figures, exported under reports/data/ with a README.

Every exported table is one the report read, as it was read (ca_points and ca_axes empty when
no correspondence analysis was run; topic_trends and versus empty when their stage predates
them), with the firm's display name beside each firm id. A table the report reads from its
file a part at a time (the concordance) is exported as that file's path, and copied batch by
batch (`pipeline.report.stage.write_report`).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline import schemas
from pipeline.io import empty_frame
from pipeline.report.concordance import Concordance
from pipeline.report.format import firm_name
from pipeline.report.study import ReportInputs

_named = schemas.with_firm_name  # the table's schema, `firm_name` beside `firm`

# Export name → (schema, what it feeds), for reports/data/README.md and figure captions.
EXPORTS = {
    "collection": (_named(schemas.COLLECTION), "index: sources and what was collected per firm "
                   "and year"),
    "captures": (_named(schemas.CAPTURES), "firm pages: every capture with its date, status "
                 "and links"),
    "prevalence": (_named(schemas.PREVALENCE), "topic heat map, topic shares by firm, by year and "
                   "firm × year"),
    "k_sweep": (schemas.K_SWEEP, "topics page: model selection (coherence, exclusivity, "
                "stability per K)"),
    "topic_terms": (schemas.TOPIC_TERMS, "topic terms by probability and FREX"),
    "topic_passages": (_named(schemas.TOPIC_PASSAGES), "representative passages of each topic"),
    "frame_measures": (_named(schemas.FRAME_MEASURES), "frame shares and rates per firm, year and "
                       "firm × year, with intervals"),
    "firm_domains": (_named(schemas.FIRM_DOMAINS), "index: firm × offer-domain table"),
    "shifts": (_named(schemas.SHIFTS), "trend tests of frame shares across years"),
    "topic_trends": (_named(schemas.TOPIC_TRENDS), "shifts page: trend tests of topic shares "
                     "across years (firm × language × topic)"),
    "versus": (_named(schemas.VERSUS), "index and firm pages: each firm's frame shares and domain "
               "rates against the rest's, with an interval for the difference and BH q "
               "across firms (the domain table's ▲/▼)"),
    "keyness": (schemas.KEYNESS, "distinctive vocabulary (firm vs rest) and terms that rose "
                "and fell (late vs early)"),
    "kwic": (_named(schemas.KWIC), "concordance lines of frame terms and distinctive terms"),
    "ca_points": (schemas.CA_POINTS, "index: correspondence-analysis maps (firm × domain, and "
                  "firm × term per language): coordinates, contributions and quality of every "
                  "firm, term and domain"),
    "ca_axes": (schemas.CA_AXES, "index: correspondence analyses, eigenvalue and share of "
                "inertia of each axis"),
}


def export_tables(inputs: ReportInputs) -> dict[str, tuple[pd.DataFrame | Path, pa.Schema]]:
    """Export name → (table, or the file to copy it from, schema), in the order of `EXPORTS`."""
    tables = {name: getattr(inputs, name) for name in EXPORTS}
    if isinstance(inputs.kwic, Concordance):
        kwic = inputs.kwic
        tables["kwic"] = kwic.frame if kwic.frame is not None else kwic.path
    for name in ("ca_points", "ca_axes", "topic_trends", "versus"):
        if tables[name] is None:
            tables[name] = empty_frame(EXPORTS[name][0])
    out: dict[str, tuple[pd.DataFrame | Path, pa.Schema]] = {}
    for name, df in tables.items():
        schema = EXPORTS[name][0]
        if isinstance(df, Path):
            out[name] = (df, schema)
            continue
        if "firm_name" in schema.names and "firm_name" not in df.columns:
            df = with_firm_names(df, inputs.names)
        out[name] = (df, schema)
    return out


def with_firm_names(df: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """`df` with `firm_name` beside `firm` (display names from sources.txt, else the id)."""
    firms = df["firm"]
    shown = {f: firm_name(f, names) for f in firms.dropna().unique()}
    df = df.copy(deep=False)
    df.insert(df.columns.get_loc("firm") + 1, "firm_name", firms.map(shown))
    return df


def data_readme(exports: dict[str, tuple[pd.DataFrame | Path, pa.Schema]]) -> str:
    """reports/data/README.md: each table's file names, rows and columns with their meaning."""
    lines = ["# Tables behind the report's figures", "",
             "Each table is here twice: `<name>.csv` (UTF-8, comma-separated, one header row; "
             "timestamps in UTC, ISO 8601) and `<name>.parquet` (typed, same columns).",
             "Text columns hold the text as scraped: import them as text in a spreadsheet, which "
             "would otherwise read a cell beginning with =, +, - or @ as a formula.", ""]
    for name, (df, schema) in exports.items():
        # an export copied from its file batch by batch is given as that file's path
        n_rows = pq.read_metadata(df).num_rows if isinstance(df, Path) else len(df)
        lines += [f"## {name} ({n_rows} rows)", "", EXPORTS[name][1], "",
                  "| column | type | meaning |", "| --- | --- | --- |"]
        for f in schema:
            comment = (f.metadata or {}).get(b"comment", b"").decode().replace("|", "/")
            lines.append(f"| {f.name} | {f.type} | {comment} |")
        lines.append("")
    return "\n".join(lines)

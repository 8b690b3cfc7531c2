"""Self-contained HTML reports, and the tables behind every figure as CSV and Parquet.

reads data/raw/fetches.parquet, data/interim/{documents,passages}.parquet,
data/topics/{k_sweep,topic_terms,doc_topics,topic_passages,prevalence}.parquet,
data/contrasts/{keyness,frame_measures,shifts,kwic}.parquet (+ domains.parquet,
ca_points.parquet and ca_axes.parquet if present), frames.yaml → writes reports/index.html,
topics.html, shifts.html, firms/<firm>.html, reports/data/*.csv, *.parquet and README.md

The pages open from a USB stick: CSS inline, figures as inline SVG, no font, script or image
fetched from anywhere (a few lines of inline JavaScript only make tables sortable). Everything
that came from the web (titles, passages, concordance lines, URLs) goes through Jinja2's
autoescaping, and only http(s) URLs become links. Every figure names the number of documents
it rests on and the exported table it is drawn from; figures resting on too little text say so.

    python -m pipeline.report --raw data/raw --interim data/interim --topics data/topics \\
        --contrasts data/contrasts --params params.yaml --out reports
"""

from __future__ import annotations

import hashlib
import itertools
import logging
import math
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import jinja2
import numpy as np
import pandas as pd
import pyarrow as pa

from pipeline import cli, schemas
from pipeline.errors import EXIT_OK
from pipeline.io import empty_frame, read_table, write_csv, write_table, write_text
from pipeline.lexicon import Lexicon, LexiconError, load_lexicon
from pipeline.params import ReportParams, lexicon_path, load_block
from pipeline.report import figures

log = logging.getLogger(__name__)

LANG_NAMES = {"fr": "French", "en": "English"}
OK_OUTCOMES = {"ok", "not_modified", "cached"}  # the capture is (already) archived
FIRM_FILE_RE = re.compile(r"^[a-z0-9_-]+$")


# --- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInputs:
    """Every table the report reads (DataFrames as `pipeline.io.read_table` returns them).

    `passages` (for each firm's own representative passages), `domains` (the contrasts
    stage's firm × domain table), `lexicon` (frame descriptions and kinds) and `ca_points` /
    `ca_axes` (correspondence analyses) are optional: without them the report falls back on
    topic_passages, frame_measures and the measures' own columns, and says that no
    correspondence analysis was run.
    """

    fetches: pd.DataFrame
    documents: pd.DataFrame
    k_sweep: pd.DataFrame
    topic_terms: pd.DataFrame
    doc_topics: pd.DataFrame
    topic_passages: pd.DataFrame
    prevalence: pd.DataFrame
    keyness: pd.DataFrame
    frame_measures: pd.DataFrame
    shifts: pd.DataFrame
    kwic: pd.DataFrame
    passages: pd.DataFrame | None = None
    domains: pd.DataFrame | None = None
    lexicon: Lexicon | None = None
    ca_points: pd.DataFrame | None = None
    ca_axes: pd.DataFrame | None = None


@dataclass
class Report:
    """The rendered report: pages (path relative to the report folder → HTML) and exports."""

    pages: dict[str, str] = field(default_factory=dict)
    exports: dict[str, tuple[pd.DataFrame, pa.Schema]] = field(default_factory=dict)


# Export name → (schema, what it feeds), for reports/data/README.md and figure captions.
EXPORTS = {
    "collection": (schemas.COLLECTION, "index: sources and what was collected per firm and year"),
    "captures": (schemas.CAPTURES, "firm pages: every capture with its date, status and links"),
    "prevalence": (schemas.PREVALENCE, "topic heat map, topic shares by firm, by year and "
                   "firm × year"),
    "k_sweep": (schemas.K_SWEEP, "topics page: model selection (coherence, exclusivity, "
                "stability per K)"),
    "topic_terms": (schemas.TOPIC_TERMS, "topic terms by probability and FREX"),
    "topic_passages": (schemas.TOPIC_PASSAGES, "representative passages of each topic"),
    "frame_measures": (schemas.FRAME_MEASURES, "frame shares and rates per firm, year and "
                       "firm × year, with intervals"),
    "firm_domains": (schemas.FIRM_DOMAINS, "index: firm × offer-domain table"),
    "shifts": (schemas.SHIFTS, "trend tests of frame shares across years"),
    "keyness": (schemas.KEYNESS, "distinctive vocabulary (firm vs rest) and terms that rose "
                "and fell (late vs early)"),
    "kwic": (schemas.KWIC, "concordance lines of frame terms and distinctive terms"),
    "ca_points": (schemas.CA_POINTS, "index: correspondence-analysis maps (firm × domain, and "
                  "firm × term per language): coordinates, contributions and quality of every "
                  "firm, term and domain"),
    "ca_axes": (schemas.CA_AXES, "index: correspondence analyses, eigenvalue and share of "
                "inertia of each axis"),
}


# --- small helpers ------------------------------------------------------------------------


def _isnull(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    try:
        return bool(isinstance(value, float) and math.isnan(value))
    except TypeError:
        return False


def _none(value: object) -> object:
    return None if _isnull(value) else value


def _records(df: pd.DataFrame) -> list[dict]:
    """Rows as dicts with every missing value as None (templates test `is none`)."""
    if df.empty:
        return []
    out = df.astype(object).where(df.notna(), None).to_dict("records")
    for row in out:
        for key, value in row.items():
            if isinstance(value, np.generic):
                row[key] = value.item()
            elif isinstance(value, np.ndarray):
                row[key] = value.tolist()
    return out


def anchor(*parts: object) -> str:
    """A stable, ASCII-only fragment id for any text (terms with accents, spaces, quotes)."""
    text = "-".join(str(p) for p in parts)
    ascii_ = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", ascii_).strip("_") or "x"
    if slug != text:
        slug += "-" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:6]
    return slug


def firm_file(firm: str) -> str:
    """The file name of a firm's page (firm ids are already safe; anything else is slugged)."""
    return f"{firm if FIRM_FILE_RE.match(firm) else anchor(firm)}.html"


def safe_url(url: object) -> str | None:
    """The URL if it is an http(s) URL that may become a link, else None (shown as text)."""
    if _isnull(url):
        return None
    text = str(url).strip()
    if any(ch in text for ch in "\n\r\t\x00") or any(ord(ch) < 32 for ch in text):
        return None
    try:
        scheme = urlsplit(text).scheme.lower()
    except ValueError:
        return None
    return text if scheme in ("http", "https") else None


def human(name: object) -> str:
    """A lexicon or column name for reading: `energy_performance` → `energy performance`."""
    return str(name).replace("_", " ")


def shorten(text: str, width: int) -> str:
    """Cut a label at a word boundary, marking the cut with an ellipsis."""
    if len(text) <= width:
        return text
    cut = text[:width - 1].rsplit(" ", 1)[0].rstrip(" /")
    return (cut or text[:width - 1]) + "…"


def plural(n: object, word: str) -> str:
    """`1 document`, `3 documents` (thousands separated)."""
    n = int(n)
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def lang_name(code: object) -> str:
    if _isnull(code):
        return "all languages"
    return LANG_NAMES.get(str(code), str(code))


def _fmt_pct(value: object, digits: int = 1) -> str:
    if _isnull(value):
        return "–"
    return f"{float(value) * 100:.{digits}f} %"


def _fmt_num(value: object, digits: int = 0) -> str:
    if _isnull(value):
        return "–"
    return f"{float(value):,.{digits}f}"


def _fmt_p(value: object) -> str:
    if _isnull(value):
        return "–"
    value = float(value)
    if value < 0.001:
        return "< 0.001"
    return f"{value:.3f}"


def _fmt_date(value: object) -> str:
    if _isnull(value):
        return "–"
    return pd.Timestamp(value).strftime("%Y-%m-%d")


def _fmt_year(value: object) -> str:
    return "unknown" if _isnull(value) else str(int(value))


def _sort_value(value: object) -> str:
    """`data-sort` value: numbers as plain decimals so the sorting script compares numbers."""
    if _isnull(value):
        return ""
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int | float | np.number):
        return repr(float(value))
    return str(value)


def environment() -> jinja2.Environment:
    """The Jinja2 environment: package templates, autoescaping always on, strict undefined."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("pipeline.report", "templates"),
        autoescape=True,  # every template, whatever its extension: nothing from the web is trusted
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(human=human, plural=plural, pct=_fmt_pct, num=_fmt_num, pval=_fmt_p,
                       date=_fmt_date, year=_fmt_year, safe_url=safe_url, lang_name=lang_name,
                       anchor=anchor, firm_file=firm_file, sortval=_sort_value)
    env.tests["null"] = _isnull
    return env


# --- derived tables -----------------------------------------------------------------------


def _usable(documents: pd.DataFrame) -> pd.DataFrame:
    """Documents the figures rest on: text extracted, not a duplicate."""
    return documents[(documents["status"] == "ok") & documents["duplicate_of"].isna()]


def _capture_time(fetches: pd.DataFrame) -> pd.Series:
    return fetches["archive_timestamp"].fillna(fetches["fetched_at"])


def collection_table(fetches: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """What was collected per firm and year: fetched, from archives, failed, usable documents.

    Args:
        fetches: the FETCHES table (every attempt of every run).
        documents: the DOCUMENTS table.

    Returns:
        A COLLECTION table, one row per firm and year (year null when unknown).
    """
    f = fetches.copy()
    doc_year = documents.drop_duplicates("doc_id").set_index("doc_id")["year"]
    # A failed attempt has no document: its year is the source's, the archive capture's, the
    # year of another capture of the same URL (a live page retried), or at last the fetch year.
    url_year = (documents.dropna(subset=["year"]).sort_values("captured_at")
                .drop_duplicates(["firm", "url"], keep="last").set_index(["firm", "url"])["year"])
    same_url = pd.Series([url_year.get((a, b)) for a, b in zip(f["firm"], f["url"], strict=True)],
                         index=f.index, dtype="Int16")
    year = f["doc_id"].map(doc_year).astype("Int16")
    for fallback in (f["source_year"].astype("Int16"),
                     f["archive_timestamp"].dt.year.astype("Int16"), same_url,
                     f["fetched_at"].dt.year.astype("Int16")):
        year = year.fillna(fallback)
    f["year"] = year
    ok = f[f["outcome"] == "ok"].drop_duplicates("doc_id")
    good_urls = set(zip(f.loc[f["outcome"].isin(OK_OUTCOMES), "firm"],
                        f.loc[f["outcome"].isin(OK_OUTCOMES), "url"], strict=True))
    failed = f[~f["outcome"].isin(OK_OUTCOMES)]
    # A boolean Series, not a list: an empty list would select zero columns instead of rows.
    never_ok = pd.Series([(a, b) not in good_urls for a, b in
                          zip(failed["firm"], failed["url"], strict=True)],
                         index=failed.index, dtype=bool)
    failed = failed[never_ok]
    failed = failed.drop_duplicates(["firm", "url"])
    d = documents
    usable = _usable(d)
    keys = ["firm", "year"]
    parts = [
        f.groupby(keys, dropna=False)["url"].nunique().rename("n_sources"),
        ok.groupby(keys, dropna=False).size().rename("n_fetched"),
        ok[ok["from_archive"].astype(bool)].groupby(keys, dropna=False).size()
        .rename("n_from_archive"),
        failed.groupby(keys, dropna=False).size().rename("n_failed"),
        usable.groupby(keys, dropna=False).size().rename("n_documents"),
        d[d["duplicate_of"].notna()].groupby(keys, dropna=False).size().rename("n_duplicates"),
        d[d["status"] != "ok"].groupby(keys, dropna=False).size().rename("n_skipped"),
        usable.groupby(keys, dropna=False)["n_words"].sum().rename("n_words"),
    ]
    out = pd.concat(parts, axis=1).reset_index()
    out.columns = ["firm", "year", *[p.name for p in parts]]
    for col in out.columns[2:]:
        out[col] = out[col].fillna(0).astype("int64")
    out["year"] = out["year"].astype("Int16")
    return out.sort_values(["firm", "year"], na_position="last").reset_index(drop=True)


def captures_table(fetches: pd.DataFrame, documents: pd.DataFrame) -> pd.DataFrame:
    """Every capture (one row per firm and doc_id) with its last attempt and its document.

    Args:
        fetches: the FETCHES table.
        documents: the DOCUMENTS table.

    Returns:
        A CAPTURES table sorted by firm, URL and capture time.
    """
    f = fetches.sort_values("fetched_at")
    tries = f.groupby(["firm", "doc_id"]).size().rename("n_fetches")
    last = f.groupby(["firm", "doc_id"]).tail(1).set_index(["firm", "doc_id"])
    last = last.drop(columns=["n_attempts"]).join(tries)
    last["captured_at"] = _capture_time(last)
    last = last.rename(columns={"status": "http_status"})[
        ["kind", "url", "final_url", "from_archive", "captured_at", "http_status", "outcome",
         "error", "n_fetches"]]
    d = documents.drop_duplicates(["firm", "doc_id"]).set_index(["firm", "doc_id"])
    d = d.rename(columns={"status": "doc_status"})
    out = last.join(d[["doc_status", "duplicate_of", "title", "lang", "year", "year_source",
                       "n_words"]], how="outer")
    # A document with no fetch row (an older fetches table) still gets its line.
    only_docs = out["url"].isna()
    if only_docs.any():
        src = d.loc[out.index[only_docs]]
        out.loc[only_docs, "url"] = src["url"].to_numpy()
        out.loc[only_docs, "kind"] = src["kind"].to_numpy()
        out.loc[only_docs, "final_url"] = src["final_url"].to_numpy()
        out.loc[only_docs, "captured_at"] = src["captured_at"].to_numpy()
    out["n_fetches"] = out["n_fetches"].fillna(0).astype("int64")
    out = out.reset_index()
    return out.sort_values(["firm", "url", "captured_at"], na_position="last"
                           ).reset_index(drop=True)[schemas.CAPTURES.names]


def firm_domains_table(*, frame_measures: pd.DataFrame, domains: pd.DataFrame | None,
                       presence_rate: float, presence_docs: int) -> pd.DataFrame:
    """The firm × offer-domain table (issue 9): rate, documents mentioning, presence mark.

    Uses the contrasts stage's own domains table when there is one; otherwise derives it from
    the frame measures of the lexicon group `domains` (level firm, all languages).

    Args:
        frame_measures: the FRAME_MEASURES table.
        domains: the contrasts stage's firm × domain table, or None.
        presence_rate: rate per 10,000 tokens from which a domain counts as present...
        presence_docs: ... when at least this many documents mention it.

    Returns:
        A FIRM_DOMAINS table.
    """
    if domains is not None:
        return _from_domains_table(domains)
    fm = frame_measures
    rows = fm[(fm["group"] == "domains") & (fm["measure"] == "rate") & (fm["level"] == "firm")]
    rows = _all_languages(rows)
    out = pd.DataFrame({
        "firm": rows["firm"].astype(str), "domain": rows["frame"], "rate": rows["value"],
        "ci_low": rows["ci_low"], "ci_high": rows["ci_high"], "n_matches": rows["n_matches"],
        "n_docs": rows["n_docs"], "n_docs_matching": rows["n_docs_matching"],
        "enough": rows["enough"].astype(bool),
    })
    out["present"] = (out["enough"] & (out["rate"].fillna(0) >= presence_rate)
                      & (out["n_docs_matching"] >= presence_docs))
    return out[schemas.FIRM_DOMAINS.names].reset_index(drop=True)


def _from_domains_table(domains: pd.DataFrame) -> pd.DataFrame:
    """The offer-domain rows (all years) of the contrasts stage's DOMAINS table."""
    df = domains[(domains["group"] == "domains") & (domains["level"] == "firm")]
    out = df.rename(columns={"frame": "domain"}).copy()
    out["firm"] = out["firm"].astype(str)
    out["enough"] = out["enough"].astype(bool)
    # A null mark means too little text to tell: not marked present.
    out["present"] = out["present"].astype("boolean").fillna(False).astype(bool)
    return out[schemas.FIRM_DOMAINS.names].reset_index(drop=True)


def _all_languages(df: pd.DataFrame) -> pd.DataFrame:
    """Rows for all languages together when the table has them, else every language's rows."""
    pooled = df[df["lang"].isna()]
    return pooled if not pooled.empty else df


# --- the study: shared lookups ------------------------------------------------------------


class _Study:
    """Lookups every page shares: firms, documents per firm, topic labels, frame groups."""

    def __init__(self, inputs: ReportInputs, *, min_docs: int) -> None:
        self.inputs = inputs
        self.min_docs = min_docs
        docs = inputs.documents
        self.usable = _usable(docs)
        self.firms = self._firm_order()
        self.order = {f: n for n, f in enumerate(self.firms)}  # firm → its place in the report
        self.n_docs = self.usable.groupby("firm").size().to_dict()
        self.n_words = self.usable.groupby("firm")["n_words"].sum().to_dict()
        self.langs = sorted(set(inputs.topic_terms["lang"]) | set(inputs.prevalence["lang"]))
        tt = inputs.topic_terms
        self.labels = {(r.lang, int(r.topic)): r.label
                       for r in tt.drop_duplicates(["lang", "topic"]).itertuples()}
        for r in inputs.prevalence.drop_duplicates(["lang", "topic"]).itertuples():
            self.labels.setdefault((r.lang, int(r.topic)), f"topic {int(r.topic)}")
        self.groups = self._groups()
        self.known: set[tuple[str, str]] = set()  # (firm, doc_id) of every listed capture

    def _firm_order(self) -> list[str]:
        i = self.inputs
        f = i.fetches.sort_values(["source_line"]) if not i.fetches.empty else i.fetches
        names: list[str] = list(dict.fromkeys(f["firm"].astype(str)))
        # Firms seen only in a later table (sources.txt edited since the scrape) still get a
        # page, so every link to a firm resolves.
        seen = [i.documents["firm"], i.prevalence["firm"], i.frame_measures["firm"],
                i.kwic["firm"], i.topic_passages["firm"], i.shifts["firm"],
                i.keyness.loc[i.keyness["comparison"] == "firm_vs_rest", "group_a"]]
        for column in seen:
            for firm in column.dropna().astype(str).unique():
                if firm not in names:
                    names.append(firm)
        return names

    def _groups(self) -> list[dict]:
        """Lexicon groups in file order: name, kind, description, frames (with descriptions)."""
        fm = self.inputs.frame_measures
        lex = self.inputs.lexicon
        groups: dict[str, dict] = {}
        if lex is not None:
            for g in lex.groups.values():
                groups[g.name] = {
                    "name": g.name, "kind": g.kind, "description": g.description,
                    "frames": [{"name": f.name, "description": f.description,
                                "terms": {lang: [t.text for t in ts]
                                          for lang, ts in f.terms.items()}}
                               for f in g.frames.values()],
                }
        for g, rows in fm.groupby("group", sort=False):
            if g in groups:
                continue
            kind = "opposition" if (rows["measure"] == "share").any() else "set"
            names = list(dict.fromkeys(rows["frame"]))
            groups[g] = {"name": g, "kind": kind, "description": "",
                         "frames": [{"name": n, "description": "", "terms": {}}
                                    for n in names]}
        for g in groups.values():
            g["anchor"] = anchor("frame", g["name"])
            frames = [f["name"] for f in g["frames"]]
            g["side"] = frames[0] if frames else ""
            g["other"] = frames[1] if len(frames) > 1 else ""
        return list(groups.values())

    def label(self, lang: str, topic: int) -> str:
        return self.labels.get((lang, int(topic)), f"topic {int(topic)}")

    def topic_name(self, lang: str, topic: int) -> str:
        return f"{int(topic)}: {self.label(lang, topic)}"

    def firm_label(self, firm: str, n: int | None = None) -> str:
        n = self.n_docs.get(firm, 0) if n is None else n
        return f"{firm} ({n} doc{'s' if n != 1 else ''})"


# --- page contexts ------------------------------------------------------------------------


def _share_items(rows: pd.DataFrame, label) -> list[tuple]:
    return [(label(r), r["value"], r["ci_low"], r["ci_high"], bool(r["enough"]))
            for r in _records(rows)]


def _series(rows: pd.DataFrame, *, label: str, value: str = "value",
            enough: pd.Series | None = None, colour: str | None = None) -> dict:
    rows = rows.sort_values("year")
    rows = rows[rows["year"].notna()]
    ok = rows["enough"].astype(bool) if enough is None else enough.loc[rows.index]
    return {"label": label, "years": rows["year"].astype(int).tolist(),
            "values": rows[value].astype(float).tolist(),
            "lows": rows["ci_low"].astype(float).tolist(),
            "highs": rows["ci_high"].astype(float).tolist(),
            "enough": ok.astype(bool).tolist(), "colour": colour}


def _share_rows(fm: pd.DataFrame, group: dict, level: str) -> pd.DataFrame:
    rows = fm[(fm["group"] == group["name"]) & (fm["measure"] == "share")
              & (fm["frame"] == group["side"]) & (fm["level"] == level)]
    return _all_languages(rows)


def _rate_rows(fm: pd.DataFrame, group: dict, level: str, *,
               firm: str | None = None) -> pd.DataFrame:
    """A group's rate rows at one level (of one firm when given), all languages if pooled."""
    rows = fm[(fm["group"] == group["name"]) & (fm["measure"] == "rate") & (fm["level"] == level)]
    if firm is not None:
        rows = rows[rows["firm"] == firm]
    return _all_languages(rows)


def _index_context(study: _Study, collection: pd.DataFrame, firm_domains: pd.DataFrame,
                   domain_grids: dict[str, dict], *, presence_rate: float, presence_docs: int,
                   n_terms: int, ca_labels: int) -> dict:
    i = study.inputs
    fm = i.frame_measures
    firms = []
    for firm in study.firms:
        c = collection[collection["firm"] == firm]
        firms.append({"firm": firm, "file": firm_file(firm), "n_docs": study.n_docs.get(firm, 0),
                      "n_words": int(study.n_words.get(firm, 0)),
                      "years": _years_span(c[c["n_documents"] > 0]["year"]),
                      "rows": _records(c)})
    totals = collection.drop(columns=["firm", "year"]).sum().to_dict()

    heatmaps = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm")]
        if p.empty:
            continue
        topics = sorted(p["topic"].astype(int).unique())
        rows_firms = [f for f in study.firms if f in set(p["firm"])]
        share = p.pivot_table(index="firm", columns="topic", values="share", aggfunc="first")
        ndocs = p.groupby("firm")["n_docs"].max()
        share = share.reindex(index=rows_firms, columns=topics)
        weak = np.array([[ndocs.get(f, 0) < study.min_docs] * len(topics) for f in rows_firms])
        svg = figures.heatmap(
            share.to_numpy(dtype=float),
            rows=[study.firm_label(f, int(ndocs.get(f, 0))) for f in rows_firms],
            cols=[shorten(study.topic_name(lang, t), 36) for t in topics],
            missing=weak, cbar_label="mean topic share",
            title=f"Topic prevalence per firm ({lang_name(lang)} model)",
            desc="Mean share of each topic in each firm's documents; each row names the "
                 "number of documents it rests on. Greyed italic values rest on fewer than "
                 f"{study.min_docs} documents.")
        cells = _records(p.sort_values(["firm", "topic"]))
        for c in cells:
            c["name"] = study.topic_name(lang, c["topic"])
            c["anchor"] = anchor("topic", lang, c["topic"])
            c["weak"] = c["n_docs"] < study.min_docs
        heatmaps.append({"lang": lang, "svg": svg, "cells": cells})

    oppositions = []
    for g in study.groups:
        if g["kind"] != "opposition":
            continue
        rows = _share_rows(fm, g, "firm")
        rows = rows.assign(_o=rows["firm"].map(study.order)
                           ).sort_values(["_o", "lang"], na_position="first")
        svg = None
        if not rows.empty:
            svg = figures.interval_chart(
                _share_items(rows, lambda r: study.firm_label(r["firm"], r["n_docs"])
                             + (f" [{r['lang']}]" if r["lang"] else "")),
                xlim=(0, 1), xlabel=f"share of {g['side']} in {g['side']} + {g['other']}",
                title=f"{g['name']}: share of {g['side']} per firm, with 95 % intervals",
                desc="Dots are shares, bars 95 % bootstrap intervals over documents; hollow "
                     "grey dots rest on too little text.")
        rates = _rate_rows(fm, g, "firm").sort_values(["firm", "frame"])
        oppositions.append({**g, "svg": svg, "rows": _records(rows), "rates": _records(rates)})

    sets = []
    for g in study.groups:
        if g["kind"] != "set":
            continue
        rates = _rate_rows(fm, g, "firm")
        if g["name"] == "domains":
            table = firm_domains
        else:
            table = rates.rename(columns={"frame": "domain", "value": "rate"})
            table = table.assign(present=False)
        frames = [f["name"] for f in g["frames"]]
        extra = [d for d in dict.fromkeys(table["domain"]) if d not in frames]
        frames += extra
        cells = {(r["firm"], r["domain"]): r for r in _records(table)}
        grid = []
        for firm in study.firms:
            row = [cells.get((firm, d)) for d in frames]
            if any(row):
                grid.append({"firm": firm, "file": firm_file(firm),
                             "n_docs": study.n_docs.get(firm, 0), "cells": row})
        rates = rates.assign(_f=rates["frame"].map({f: n for n, f in enumerate(frames)}),
                             _o=rates["firm"].map(study.order))
        rates = rates.sort_values(["_f", "_o"])
        trends = i.shifts[(i.shifts["group"] == g["name"]) & (i.shifts["measure"] == "rate")]
        trends = trends.assign(
            _f=trends["frame"].map({f: n for n, f in enumerate(frames)}),
            _o=trends["firm"].map(study.order))
        sets.append({**g, "columns": frames, "grid": grid,
                     "presence": g["name"] == "domains",
                     "charts": _set_charts(study, rates, g) if len(frames) <= MAX_SERIES
                     else [],
                     "rates": _records(rates), "trends": _records(trends.sort_values(
                         ["_f", "_o"])),
                     "entries": domain_entries(domain_grids, group=g["name"])
                     if g["name"] == "domains" else []})

    return {"firms": firms, "totals": totals, "heatmaps": heatmaps,
            "oppositions": oppositions, "sets": sets, "presence_rate": presence_rate,
            "presence_docs": presence_docs, "failures": _failure_reasons(i.fetches),
            "correspondence": _correspondence_context(
                study, ca_labels=ca_labels,
                term_links=term_kwic_links(i.keyness, i.kwic, n_terms=n_terms))}


ANALYSES = {"firm_domain": ("Firms and offer domains", "domains"),
            "firm_term": ("Firms and their distinctive terms", "terms")}


def _set_charts(study: _Study, rates: pd.DataFrame, g: dict) -> list[dict]:
    """One chart per frame of a small set group: every firm's rate with its interval, all on
    one scale so that frames compare as well as firms."""
    if rates.empty:
        return []
    top = float(pd.concat([rates["ci_high"], rates["value"]]).astype(float).max())
    xlim = (0.0, max(1.0, 1.05 * top if np.isfinite(top) else 1.0))
    charts = []
    for frame in [f["name"] for f in g["frames"]]:
        r = rates[rates["frame"] == frame]
        if r.empty:
            continue
        charts.append({"frame": frame, "svg": figures.interval_chart(
            _share_items(r, lambda x: study.firm_label(x["firm"], x["n_docs"])),
            xlim=xlim, percent=False, xlabel="rate per 10,000 tokens", width=3.6,
            title=f"{human(g['name'])}: {human(frame)}, rate per 10,000 tokens per firm",
            desc="Dots are rates over all years, bars 95 % bootstrap intervals over "
                 "documents; hollow grey dots rest on too little text.")})
    return charts


def _correspondence_context(study: _Study, *, ca_labels: int, term_links: dict) -> dict:
    """The index's correspondence-analysis section: one map and its tables per analysis.

    Args:
        study: the study.
        ca_labels: at most this many terms or domains are labelled on a map, those with the
            largest contributions to the plane (the others are grey marks, all in the tables).
        term_links: (lang, term) → link to the term's concordance lines on a firm page.

    Returns:
        {"analyses": [one dict per map]}: an empty list when no analysis was run.
    """
    pts, axes = study.inputs.ca_points, study.inputs.ca_axes
    analyses = []
    if pts is None or axes is None or axes.empty:
        return {"analyses": analyses}
    keys = {(str(a), _none(lang)) for a, lang in zip(axes["analysis"], axes["lang"],
                                                      strict=True)}
    known = list(ANALYSES)
    order = sorted(keys, key=lambda k: (known.index(k[0]) if k[0] in known else len(known),
                                        k[0], k[1] or ""))
    def of(df: pd.DataFrame, analysis: str, lang: str | None) -> pd.DataFrame:
        same_lang = df["lang"].isna() if lang is None else df["lang"] == lang
        return df[(df["analysis"] == analysis) & same_lang]

    for analysis, lang in order:
        p = of(pts, analysis, lang)
        a = of(axes, analysis, lang).sort_values("axis")
        if len(a) < 2 or p.empty:
            continue
        share1, share2 = (float(v) for v in a["share"].iloc[:2])
        eig1, eig2 = (float(v) for v in a["eigenvalue"].iloc[:2])
        rows = p[p["side"] == "row"].copy()
        rows["_o"] = rows["label"].map(study.order).fillna(len(study.order))
        rows = rows.sort_values(["_o", "label"]).drop(columns="_o")
        cols = p[p["side"] == "column"].copy()
        # A point's part of the plane's inertia: its contributions weighted by the axes'.
        cols["plane"] = (cols["contrib1"] * eig1 + cols["contrib2"].fillna(0) * eig2) / (
            eig1 + eig2)
        cols = cols.sort_values(["plane", "label"], ascending=[False, True])
        labelled = np.arange(len(cols)) < ca_labels
        title, kind = ANALYSES.get(analysis, (human(analysis), "columns"))
        where = f" ({lang_name(lang)} texts)" if lang else " (French and English pooled)"
        n_lab = int(labelled.sum())
        svg = figures.ca_map(
            [(r["label"], r["dim1"], r["dim2"]) for r in _records(rows)],
            [(human(r["label"]) if analysis == "firm_domain" else r["label"], r["dim1"],
              r["dim2"], bool(on)) for r, on in zip(_records(cols), labelled, strict=True)],
            shares=(share1, share2), row_kind="firms", column_kind=kind,
            title=f"Correspondence analysis: {title.lower()}{where}, first two axes",
            desc=f"Symmetric map of {len(rows)} firms (blue dots) and {len(cols)} {kind} "
                 f"(triangles) on axes 1 and 2, which hold {share1:.1%} and {share2:.1%} of "
                 f"the inertia. The {n_lab} {kind} contributing most to the plane are labelled "
                 "where their label fits; every point's coordinates are in the tables below.")
        recs = _records(cols)
        for r in recs:
            r["link"] = term_links.get((lang, r["label"])) if analysis == "firm_term" else None
        firms_xy = rows.set_index("label")[["dim1", "dim2"]].astype(float)
        pairs = sorted(({"a": f, "b": g, "distance": float(np.hypot(
            *(firms_xy.loc[f] - firms_xy.loc[g]).to_numpy()))}
            for f, g in itertools.combinations(firms_xy.index, 2)),
            key=lambda r: r["distance"])
        analyses.append({
            "analysis": analysis, "lang": lang, "title": title, "where": where, "kind": kind,
            "anchor": anchor("ca", analysis, lang or "all"), "svg": svg,
            "axes": _records(a), "rows": _records(rows), "columns": recs,
            "n_columns": len(cols), "n_labelled": n_lab, "pairs": pairs,
            "filter": f"analysis = {analysis}" + (f", lang = {lang}" if lang else ""),
        })
    return {"analyses": analyses}


def _failure_reasons(fetches: pd.DataFrame) -> list[dict]:
    bad = fetches[~fetches["outcome"].isin(OK_OUTCOMES)]
    if bad.empty:
        return []
    t = bad.groupby(["firm", "outcome"]).size().rename("n").reset_index()
    return _records(t.sort_values(["firm", "n"], ascending=[True, False]))


def _years_span(years: pd.Series) -> str:
    ys = sorted(int(y) for y in years.dropna().unique())
    if not ys:
        return "–"
    return str(ys[0]) if ys[0] == ys[-1] else f"{ys[0]}–{ys[-1]}"


def distinctive_terms(keyness: pd.DataFrame, *, n_terms: int) -> pd.DataFrame:
    """The distinctive terms a firm page shows: the contrasts stage's own ranking.

    Rows of comparison `firm_vs_rest` ranked on the firm's side (`log_ratio_cons` > 0) with
    `rank` ≤ `n_terms`: significant terms (q ≤ fdr) ordered by the conservative log ratio, the
    same terms that have concordance lines and enter the correspondence analysis.

    Args:
        keyness: rows of the KEYNESS table.
        n_terms: terms kept per firm and language.

    Returns:
        The rows, by firm, language and rank.
    """
    k = keyness[keyness["comparison"] == "firm_vs_rest"]
    rank = k["rank"]
    keep = (rank.notna() & (rank <= n_terms) & (k["log_ratio_cons"] > 0)).fillna(False)
    return k[keep.astype(bool)].sort_values(["group_a", "lang", "rank", "term"])


def term_kwic_links(keyness: pd.DataFrame, kwic: pd.DataFrame, *,
                    n_terms: int) -> dict[tuple[str, str], str]:
    """(lang, term) → link, from the report's root, to the term's concordance lines.

    A term links to the page of the firm that ranks it best among those showing it (firm pages
    show concordances of the distinctive terms they list).
    """
    shown = distinctive_terms(keyness, n_terms=n_terms).sort_values(["rank", "group_a"])
    lines = kwic[kwic["group"].isna()]
    has = set(zip(lines["firm"], lines["lang"], lines["term"], strict=True))
    links: dict[tuple[str, str], str] = {}
    for firm, lang, term in zip(shown["group_a"], shown["lang"], shown["term"], strict=True):
        if (lang, term) not in links and (firm, lang, term) in has:
            links[(lang, term)] = f"firms/{firm_file(firm)}#{anchor('kwic-term', lang, term)}"
    return links


def _firm_context(study: _Study, firm: str, captures: pd.DataFrame, domain_grid: dict | None,
                  *, max_kwic: int, n_terms: int, fdr: float, passages: pd.DataFrame | None,
                  presence_rate: float, presence_docs: int) -> dict:
    i = study.inputs
    fm = i.frame_measures
    docs = study.usable[study.usable["firm"] == firm]
    caps = captures[captures["firm"] == firm]
    known_docs = set(caps["doc_id"])

    # Topics: this firm's prevalence, with its own most representative passages.
    topic_blocks = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm")
                         & (i.prevalence["firm"] == firm)].sort_values("share", ascending=False)
        if p.empty:
            continue
        k = max(1, i.prevalence.loc[i.prevalence["lang"] == lang, "topic"].nunique())
        n = int(p["n_docs"].max())
        enough = pd.Series(p["n_docs"] >= study.min_docs, index=p.index)
        svg = figures.interval_chart(
            [(shorten(study.topic_name(lang, r["topic"]), 40), r["share"], r["ci_low"],
              r["ci_high"], bool(enough[idx])) for idx, r in p.iterrows()],
            xlim=(0, max(0.05, float(p["ci_high"].fillna(p["share"]).max()) * 1.1)),
            xlabel="mean topic share",
            title=f"{firm}: topic shares ({lang_name(lang)} model, {n} documents)",
            desc="Mean share of each topic in the firm's documents with 95 % bootstrap "
                 "intervals over documents.")
        rows = _records(p)
        for r in rows:
            r["name"] = study.topic_name(lang, r["topic"])
            r["anchor"] = anchor("topic", lang, r["topic"])
            r["weak"] = r["n_docs"] < study.min_docs
        details = []
        for n_shown, r in enumerate(rows[:5]):
            # The firm's main topic, then any other holding at least half an even share (1/2K).
            if n_shown and r["share"] < 0.5 / k:
                break
            details.append({**r, "terms": _top_terms(i.topic_terms, lang, r["topic"], "prob", 10),
                            "passages": _firm_passages(i, passages, firm, lang, r["topic"],
                                                       known_docs)})
        topic_blocks.append({"lang": lang, "svg": svg, "rows": rows, "details": details,
                             "n_docs": n})

    # Distinctive vocabulary against all other firms.
    vocab = []
    kw = i.keyness[(i.keyness["comparison"] == "firm_vs_rest") & (i.keyness["group_a"] == firm)]
    fk = i.kwic[i.kwic["firm"] == firm]
    kwic_terms = set(fk.loc[fk["group"].isna(), "term"])
    # A distinctive term that is also a lexicon term (phrases joined by _) links to its frame's
    # lines when it has none of its own.
    frame_terms = {t.replace(" ", "_"): anchor("kwic", g, f, t) for t, g, f in
                   fk.loc[fk["group"].notna(), ["term", "group", "frame"]]
                   .drop_duplicates("term").itertuples(index=False)}
    for lang, rows in kw.groupby("lang", sort=True):
        recs = _records(distinctive_terms(rows, n_terms=n_terms))
        for r in recs:
            r["rate_a"] = 1e4 * r["count_a"] / r["total_a"] if r["total_a"] else None
            r["rate_b"] = 1e4 * r["count_b"] / r["total_b"] if r["total_b"] else None
            r["significant"] = r["q_g2"] is not None and r["q_g2"] <= fdr
            r["kwic"] = (anchor("kwic-term", lang, r["term"]) if r["term"] in kwic_terms
                         else frame_terms.get(r["term"]))
        lang_docs = study.usable[study.usable["lang"] == lang]
        vocab.append({"lang": lang, "rows": recs,
                      "n_docs_a": int((lang_docs["firm"] == firm).sum()),
                      "n_docs_b": int((lang_docs["firm"] != firm).sum()),
                      "total_a": int(rows["total_a"].iloc[0]),
                      "total_b": int(rows["total_b"].iloc[0])})

    # Frames over years, with the trend test.
    frame_blocks = []
    for g in study.groups:
        block = {**g, "svg": None, "rows": [], "overall": [], "trends": [], "grid": None}
        sh = i.shifts[(i.shifts["firm"] == firm) & (i.shifts["group"] == g["name"])]
        block["trends"] = _records(sh.sort_values(["frame", "measure"]))
        if g["kind"] == "opposition":
            rows = _share_rows(fm, g, "firm_year")
            rows = rows[rows["firm"] == firm].sort_values(["lang", "year"], na_position="first")
            overall = _share_rows(fm, g, "firm")
            block["overall"] = _records(overall[overall["firm"] == firm])
            if not rows.empty:
                series = [_series(part, label=lang_name(lang) if lang else firm)
                          for lang, part in rows.groupby(rows["lang"].fillna(""), sort=True)]
                weak = int((~rows["enough"].astype(bool)).sum())
                block["svg"] = figures.time_series(
                    series, ylim=(0, 1), ylabel=f"share of {g['side']}",
                    title=f"{firm}: share of {g['side']} in {g['side']} + {g['other']} by year",
                    desc="Share per year with 95 % bootstrap intervals over documents"
                         + (f"; {weak} year(s) with too little text are marked × and not "
                            "joined" if weak else "") + ".")
            block["rows"] = _records(rows)
        else:
            block["grid"] = (domain_grid if g["name"] == "domains" else
                             _set_grid(fm, g, firm, None, presence_rate=presence_rate,
                                       presence_docs=presence_docs))
            series = _rate_series(fm, g, firm)
            if series:
                block["svg"] = figures.time_series(
                    series, percent=False, ylim=(0, None), ylabel="rate per 10,000 tokens",
                    title=f"{firm}: {human(g['name'])}, rate per 10,000 tokens by year",
                    desc="One line per frame, with 95 % bootstrap intervals over documents; "
                         "years with too little text are marked × and not joined.")
        frame_blocks.append(block)

    # Concordances: every frame term, then the distinctive terms shown above.
    k = i.kwic[i.kwic["firm"] == firm].sort_values(["year", "doc_id", "passage_id", "sent_id"],
                                                      na_position="last")
    kwic_frames = []
    for g in study.groups:
        for f in g["frames"]:
            lines = k[(k["group"] == g["name"]) & (k["frame"] == f["name"])]
            terms = []
            for term, t in lines.groupby("term", sort=True):
                terms.append({"term": term, "n": len(t), "n_docs": t["doc_id"].nunique(),
                              "anchor": anchor("kwic", g["name"], f["name"], term),
                              "lines": _kwic_lines(t.head(max_kwic), known_docs)})
            terms.sort(key=lambda t: -t["n"])
            kwic_frames.append({"group": g["name"], "frame": f["name"],
                                "anchor": anchor("kwic", g["name"], f["name"]),
                                "n": len(lines), "n_docs": lines["doc_id"].nunique(),
                                "terms": terms})
    kwic_terms_blocks = []
    shown = {(v["lang"], r["term"]) for v in vocab for r in v["rows"]}
    kt = k[k["group"].isna()]
    for (lang, term), t in kt.groupby(["lang", "term"], sort=True):
        if (lang, term) in shown:
            kwic_terms_blocks.append({"lang": lang, "term": term, "n": len(t),
                                      "n_docs": t["doc_id"].nunique(),
                                      "anchor": anchor("kwic-term", lang, term),
                                      "lines": _kwic_lines(t.head(max_kwic), known_docs)})

    return {
        "firm": firm, "n_docs": len(docs), "n_words": int(docs["n_words"].sum()),
        "years": _years_span(docs["year"]), "langs": sorted(docs["lang"].dropna().unique()),
        "kinds": docs["kind"].value_counts().to_dict(),
        "topics": topic_blocks, "vocab": vocab, "frames": frame_blocks,
        "kwic_frames": kwic_frames, "kwic_terms": kwic_terms_blocks, "max_kwic": max_kwic,
        "captures": _records(caps), "fdr": fdr, "n_terms": n_terms,
        "n_sources": int(caps["url"].nunique()),
    }


def _set_grid(fm: pd.DataFrame, g: dict, firm: str, firm_domains: pd.DataFrame | None,
              *, presence_rate: float, presence_docs: int) -> dict:
    """Frame × year rates of one set group for one firm (when a firm entered a domain).

    A year's cell is shaded ("on") when the frame is present that year: for offer domains, by
    the same thresholds as the firm × domain table; for other groups, when it is mentioned.
    Each row also says when the frame entered the firm's texts (see `_entry`).
    """
    rows = fm[(fm["group"] == g["name"]) & (fm["measure"] == "rate") & (fm["firm"] == firm)]
    years_rows = _all_languages(rows[rows["level"] == "firm_year"])
    firm_rows = _all_languages(rows[rows["level"] == "firm"])
    years = sorted(int(y) for y in years_rows["year"].dropna().unique())
    frames = [f["name"] for f in g["frames"]]
    frames += [f for f in dict.fromkeys(rows["frame"]) if f not in frames]
    by = {(r["frame"], r["year"]): r for r in _records(years_rows)}
    for r in by.values():
        rate = r["value"] or 0.0
        r["on"] = bool(r["enough"]) and (
            rate >= presence_rate and r["n_docs_matching"] >= presence_docs
            if firm_domains is not None else rate > 0)
    overall = {r["frame"]: r for r in _records(firm_rows)}
    present = {}
    if firm_domains is not None:
        present = dict(zip(firm_domains.loc[firm_domains["firm"] == firm, "domain"],
                           firm_domains.loc[firm_domains["firm"] == firm, "present"],
                           strict=True))
    year_docs = years_rows.groupby("year")["n_docs"].max().to_dict()
    year_enough = years_rows.groupby("year")["enough"].all().to_dict()
    return {"presence": firm_domains is not None, "anchor": anchor(g["name"], "years"),
            "years": [{"year": y, "n_docs": int(year_docs.get(y, 0)),
                       "enough": bool(year_enough.get(y, True))} for y in years],
            "rows": [{"frame": f, "overall": overall.get(f), "present": present.get(f),
                      "anchor": anchor("kwic", g["name"], f),
                      "entry": _entry([by.get((f, y)) for y in years]),
                      "cells": [by.get((f, y)) for y in years]} for f in frames]}


MAX_SERIES = 5  # a set group with more frames (offer domains) is shown as a table, not lines


def _rate_series(fm: pd.DataFrame, g: dict, firm: str) -> list[dict]:
    """Rate-by-year series of a small set group's frames for one firm (all languages), or []
    when the group has too many frames to draw as lines."""
    frames = [f["name"] for f in g["frames"]]
    if len(frames) > MAX_SERIES:
        return []
    rows = _rate_rows(fm, g, "firm_year", firm=firm)
    out = []
    for n, frame in enumerate(frames):
        part = rows[rows["frame"] == frame]
        if not part.empty:
            out.append(_series(part, label=human(frame),
                               colour=figures.PALETTE[n % len(figures.PALETTE)]))
    return out


def _entry(cells: list[dict | None]) -> dict | None:
    """When a frame entered a firm's texts, from its cells by year (oldest first).

    Years with too little text are skipped: they can show neither presence nor absence.

    Returns:
        None if the frame is never present; else {"year": the first year it is present,
        "new": whether an earlier year with enough text lacked it (an entry seen in the
        corpus) or it is there from the firm's first year with enough text}.
    """
    absent_before = False
    for cell in cells:
        if cell is None or not cell["enough"]:
            continue
        if cell["on"]:
            return {"year": int(cell["year"]), "new": absent_before}
        absent_before = True
    return None


def domain_grids(study: _Study, firm_domains: pd.DataFrame, *, group: str,
                 presence_rate: float, presence_docs: int) -> dict[str, dict]:
    """Each firm's frame × year grid of the offer-domain group (see `_set_grid`), in firm order.

    Empty when the lexicon has no such set group.
    """
    g = next((x for x in study.groups if x["name"] == group and x["kind"] == "set"), None)
    if g is None:
        return {}
    return {firm: _set_grid(study.inputs.frame_measures, g, firm, firm_domains,
                            presence_rate=presence_rate, presence_docs=presence_docs)
            for firm in study.firms}


def domain_entries(grids: dict[str, dict], *, group: str) -> list[dict]:
    """Every (firm, domain) that entered a firm's offer during the period, with the year.

    A domain enters in the first year it is present (the firm × domain thresholds, applied to
    that year) after a year with enough text where it was not.

    Args:
        grids: firm → its grid of the group, from `domain_grids`.
        group: the group's name (for the anchors).
    """
    out = []
    for firm, grid in grids.items():
        first = grid["years"][0]["year"] if grid["years"] else None
        for row in grid["rows"]:
            if row["entry"] and row["entry"]["new"]:
                out.append({"firm": firm, "file": firm_file(firm), "frame": row["frame"],
                            "year": row["entry"]["year"], "first_year": first,
                            "anchor": anchor(group, "years")})
    return out


def _top_terms(tt: pd.DataFrame, lang: str, topic: int, by: str, n: int) -> list[dict]:
    rows = tt[(tt["lang"] == lang) & (tt["topic"] == topic) & (tt["by"] == by)]
    return _records(rows.sort_values("rank").head(n))


def _firm_passages(i: ReportInputs, passages: pd.DataFrame | None, firm: str, lang: str,
                   topic: int, known_docs: set[str], n: int = 2) -> list[dict]:
    """The firm's own passages with the highest share of a topic (else the topic's list)."""
    if passages is not None and not passages.empty:
        dt = i.doc_topics
        best = dt[(dt["lang"] == lang) & (dt["topic"] == topic) & (dt["firm"] == firm)]
        best = best.sort_values(["share", "passage_id"], ascending=[False, True]).head(n)
        merged = best.merge(passages, on=["passage_id"], how="inner", suffixes=("", "_p"))
        recs = _records(merged)
    else:
        tp = i.topic_passages
        recs = _records(tp[(tp["lang"] == lang) & (tp["topic"] == topic) & (tp["firm"] == firm)]
                        .sort_values("rank").head(n))
    for r in recs:
        r["lang"] = lang
        r["source"] = "#" + anchor("doc", r["doc_id"]) if r["doc_id"] in known_docs else None
    return recs


def _kwic_lines(t: pd.DataFrame, known_docs: set[str]) -> list[dict]:
    recs = _records(t)
    for r in recs:
        r["source"] = anchor("doc", r["doc_id"]) if r["doc_id"] in known_docs else None
    return recs


def _topics_context(study: _Study) -> dict:
    i = study.inputs
    sweeps = []
    for (lang, model), s in i.k_sweep.groupby(["lang", "model"], sort=True):
        s = s.sort_values("k")
        chosen = s.loc[s["chosen"].astype(bool), "k"]
        metrics = {m: s[m].astype(float).tolist() for m in ("c_v", "c_npmi", "exclusivity",
                                                             "stability")}
        dt = i.doc_topics[i.doc_topics["lang"] == lang]
        sweeps.append({
            "lang": lang, "model": model, "rows": _records(s),
            "n_passages": int(dt["passage_id"].nunique()), "n_docs": int(dt["doc_id"].nunique()),
            "svg": figures.sweep_chart(
                s["k"].astype(int).tolist(), metrics,
                chosen=int(chosen.iloc[0]) if len(chosen) else None,
                title=f"Model selection for the {lang_name(lang)} {model.upper()} model: "
                      "coherence, exclusivity and stability per number of topics K",
                desc="The dashed line marks the K in use.")})
    models = []
    for lang in study.langs:
        p = i.prevalence[i.prevalence["lang"] == lang]
        topics = sorted(set(p["topic"].astype(int))
                        | set(i.topic_terms.loc[i.topic_terms["lang"] == lang, "topic"]
                              .astype(int)))
        dt = i.doc_topics[i.doc_topics["lang"] == lang]
        blocks = []
        for t in topics:
            by_firm = p[(p["topic"] == t) & (p["level"] == "firm")]
            by_firm = by_firm.assign(_o=by_firm["firm"].map(study.order)).sort_values("_o")
            by_year = p[(p["topic"] == t) & (p["level"] == "year")].sort_values("year")
            enough_f = by_firm["n_docs"] >= study.min_docs
            svg_firm = figures.interval_chart(
                [(study.firm_label(r["firm"], r["n_docs"]), r["share"], r["ci_low"],
                  r["ci_high"], bool(e)) for r, e in zip(_records(by_firm), enough_f,
                                                         strict=True)],
                xlim=(0, max(0.05, float(by_firm["ci_high"].fillna(by_firm["share"]).max()
                                         if not by_firm.empty else 0.05) * 1.1)),
                xlabel="mean topic share",
                title=f"Topic {study.topic_name(lang, t)}: share by firm",
                desc="Mean share with 95 % bootstrap intervals over documents.",
            ) if not by_firm.empty else None
            svg_year = None
            if not by_year.empty:
                enough_y = by_year["n_docs"] >= study.min_docs
                svg_year = figures.time_series(
                    [_series(by_year.rename(columns={"share": "value"}), label="share",
                             enough=enough_y)],
                    ylabel="mean topic share", height=2.2, ylim=(0, None),
                    title=f"Topic {study.topic_name(lang, t)}: share by year",
                    desc="Mean share per year with 95 % bootstrap intervals over documents; "
                         f"years with fewer than {study.min_docs} documents are marked ×.")
            tp = i.topic_passages[(i.topic_passages["lang"] == lang)
                                  & (i.topic_passages["topic"] == t)].sort_values("rank")
            passages = _records(tp)
            for r in passages:
                r["lang"] = lang
                r["source"] = (f"firms/{firm_file(r['firm'])}#{anchor('doc', r['doc_id'])}"
                               if (r["firm"], r["doc_id"]) in study.known else None)
            blocks.append({
                "topic": t, "label": study.label(lang, t), "anchor": anchor("topic", lang, t),
                "prob": _top_terms(i.topic_terms, lang, t, "prob", 15),
                "frex": _top_terms(i.topic_terms, lang, t, "frex", 15),
                "svg_firm": svg_firm, "svg_year": svg_year, "passages": passages,
                "firm_rows": _records(by_firm), "year_rows": _records(by_year),
            })
        models.append({"lang": lang, "topics": blocks,
                       "n_passages": int(dt["passage_id"].nunique()),
                       "n_docs": int(dt["doc_id"].nunique())})
    return {"sweeps": sweeps, "models": models}


def _ranked(keyness: pd.DataFrame, *, side: int) -> pd.DataFrame:
    """Ranked terms of one side of a comparison (1: group a, -1: group b), best first."""
    rank = keyness["rank"]
    keep = (rank.notna() & (np.sign(keyness["log_ratio_cons"]) == side)).fillna(False)
    return keyness[keep.astype(bool)].sort_values(["rank", "term"])


def _firm_of(group: str) -> str:
    """`firm:late` → `firm` (keyness labels of a firm's periods)."""
    return str(group).split(":", 1)[0]


def _shifts_context(study: _Study) -> dict:
    i = study.inputs
    fm = i.frame_measures
    frames = []
    for g in study.groups:
        if g["kind"] != "opposition":
            continue
        rows = _share_rows(fm, g, "firm_year")
        panels = []
        for firm in study.firms:
            r = rows[rows["firm"] == firm]
            if r.empty:
                continue
            series = [_series(part, label=lang_name(lang) if lang else g["side"])
                      for lang, part in r.groupby(r["lang"].fillna(""), sort=True)]
            panels.append((study.firm_label(firm), series))
        svg = figures.small_multiples(
            panels, ylim=(0, 1), ylabel=f"share of {g['side']}",
            title=f"{g['name']}: share of {g['side']} in {g['side']} + {g['other']} by year, "
                  "one panel per firm on shared axes",
            desc="Shares per year with 95 % bootstrap intervals; × marks years with too little "
                 "text (not joined to the line).") if panels else None
        frames.append({**g, "svg": svg})
    rate_sets = []
    for g in study.groups:
        if g["kind"] != "set":
            continue
        panels = [(study.firm_label(firm), series) for firm in study.firms
                  if (series := _rate_series(fm, g, firm))]
        if panels:
            rate_sets.append({**g, "svg": figures.small_multiples(
                panels, percent=False, ylabel="rate per 10,000 tokens",
                title=f"{human(g['name'])}: rate per 10,000 tokens by year, one panel per firm "
                      "on shared axes",
                desc="One line per frame with 95 % bootstrap intervals over documents; × marks "
                     "years with too little text (not joined to the line).")})
    trends = i.shifts.assign(_o=i.shifts["firm"].map(study.order))
    trends = _records(trends.sort_values(["group", "frame", "measure", "_o"]))

    topic_shifts = []
    for lang in study.langs:
        p = i.prevalence[(i.prevalence["lang"] == lang) & (i.prevalence["level"] == "firm_year")]
        if p.empty:
            continue
        topics = sorted(p["topic"].astype(int).unique())
        palette = figures.matplotlib.colormaps["tab10" if len(topics) <= 10 else "tab20"]
        colours = {t: figures.matplotlib.colors.to_hex(palette(n % palette.N))
                   for n, t in enumerate(topics)}
        panels = []
        for firm in study.firms:
            r = p[p["firm"] == firm]
            if r.empty:
                continue
            series = []
            for t, part in r.groupby("topic", sort=True):
                part = part.rename(columns={"share": "value"})
                series.append(_series(part, label=shorten(study.topic_name(lang, t), 30),
                                      enough=part["n_docs"] >= study.min_docs,
                                      colour=colours[int(t)]))
            panels.append((study.firm_label(firm), series))
        topic_shifts.append({"lang": lang, "svg": figures.small_multiples(
            panels, ylabel="mean topic share",
            title=f"Topic shares by year, one panel per firm on shared axes "
                  f"({lang_name(lang)} model)",
            desc="Mean topic share per year; intervals are in the exported prevalence table; "
                 f"× marks years resting on fewer than {study.min_docs} documents.")})

    terms = []
    kw = i.keyness[i.keyness["comparison"] == "late_vs_early"]
    kw = kw.assign(firm=kw["group_a"].map(_firm_of))
    for firm in study.firms:
        rows = kw[kw["firm"] == firm]
        if rows.empty:
            continue
        langs = []
        for lang, r in rows.groupby("lang", sort=True):
            langs.append({
                "lang": lang, "group_a": r["group_a"].iloc[0], "group_b": r["group_b"].iloc[0],
                "years_a": _none(r["years_a"].iloc[0]), "years_b": _none(r["years_b"].iloc[0]),
                "total_a": int(r["total_a"].iloc[0]), "total_b": int(r["total_b"].iloc[0]),
                "rose": _records(_ranked(r, side=1).head(10)),
                "fell": _records(_ranked(r, side=-1).head(10))})
        sh = i.shifts[i.shifts["firm"] == firm]
        span = (f"{_fmt_year(sh['first_year'].min())}–{_fmt_year(sh['last_year'].max())}"
                if not sh.empty and sh["first_year"].notna().any() else "")
        terms.append({"firm": firm, "file": firm_file(firm), "anchor": anchor("terms", firm),
                      "span": span, "langs": langs})
    return {"frames": frames, "rate_sets": rate_sets, "trends": trends,
            "topic_shifts": topic_shifts, "terms": terms}


# --- the core -----------------------------------------------------------------------------


def build_report(inputs: ReportInputs, params: ReportParams, *, presence_rate: float,
                 presence_docs: int, fdr: float = 0.05) -> Report:
    """Render every page and collect every exported table. No file is read or written.

    Args:
        inputs: the tables of the earlier stages.
        params: the `report:` block: `max_kwic` (concordance lines shown per term on a firm
            page; all are exported), `n_terms` (distinctive terms shown per firm and
            language), `min_docs` (topic figures resting on fewer documents are flagged "too
            little text"), `ca_labels` (terms or domains labelled on a correspondence-analysis
            map: the largest contributions to the plane).
        presence_rate: rate per 10,000 tokens from which a domain counts as present (used
            when the contrasts stage gives no domains table).
        presence_docs: ... with at least this many documents mentioning it.
        fdr: false discovery rate; distinctive terms with q at most this are significant.

    Returns:
        The pages (relative path → HTML) and the exports (name → table, schema).
    """
    max_kwic, n_terms, min_docs, ca_labels = (params.max_kwic, params.n_terms, params.min_docs,
                                              params.ca_labels)
    study = _Study(inputs, min_docs=min_docs)
    collection = collection_table(inputs.fetches, inputs.documents)
    captures = captures_table(inputs.fetches, inputs.documents)
    study.known = set(zip(captures["firm"], captures["doc_id"], strict=True))
    firm_domains = firm_domains_table(frame_measures=inputs.frame_measures,
                                      domains=inputs.domains, presence_rate=presence_rate,
                                      presence_docs=presence_docs)
    # The offer-domain grids serve both the index's entries table and each firm page.
    grids = domain_grids(study, firm_domains, group="domains", presence_rate=presence_rate,
                         presence_docs=presence_docs)
    env = environment()
    common = {
        "study": {"n_firms": len(study.firms), "n_docs": len(study.usable),
                  "n_words": int(study.usable["n_words"].sum()),
                  "years": _years_span(study.usable["year"]),
                  "langs": sorted(study.usable["lang"].dropna().unique()),
                  "captured": (_fmt_date(study.usable["captured_at"].min()),
                               _fmt_date(study.usable["captured_at"].max()))},
        "firm_links": [{"firm": f, "file": firm_file(f)} for f in study.firms],
        "groups": study.groups, "min_docs": min_docs,
        "exports": [{"name": n, "what": EXPORTS[n][1]} for n in EXPORTS],
    }
    report = Report()

    def render(template: str, path: str, **context) -> None:
        root = "../" * path.count("/")
        report.pages[path] = env.get_template(template).render(**common, **context, root=root,
                                                               page=path)

    render("index.html", "index.html",
           **_index_context(study, collection, firm_domains, grids,
                            presence_rate=presence_rate,
                            presence_docs=presence_docs, n_terms=n_terms,
                            ca_labels=ca_labels))
    log.info("report: index done")
    render("topics.html", "topics.html", **_topics_context(study))
    log.info("report: topics page done")
    render("shifts.html", "shifts.html", **_shifts_context(study), fdr=fdr)
    log.info("report: shifts page done")
    passages = inputs.passages
    for n, firm in enumerate(study.firms, 1):
        render("firm.html", f"firms/{firm_file(firm)}",
               **_firm_context(study, firm, captures, grids.get(firm), max_kwic=max_kwic,
                               n_terms=n_terms, fdr=fdr, passages=passages,
                               presence_rate=presence_rate, presence_docs=presence_docs))
        log.info("report: firm page %d/%d (%s)", n, len(study.firms), firm)

    tables = {"collection": collection, "captures": captures, "firm_domains": firm_domains,
              "prevalence": inputs.prevalence, "k_sweep": inputs.k_sweep,
              "topic_terms": inputs.topic_terms, "topic_passages": inputs.topic_passages,
              "frame_measures": inputs.frame_measures, "shifts": inputs.shifts,
              "keyness": inputs.keyness, "kwic": inputs.kwic,
              "ca_points": _or_empty(inputs.ca_points, schemas.CA_POINTS),
              "ca_axes": _or_empty(inputs.ca_axes, schemas.CA_AXES)}
    report.exports = {name: (tables[name], EXPORTS[name][0]) for name in EXPORTS}
    return report


def _or_empty(df: pd.DataFrame | None, schema: pa.Schema) -> pd.DataFrame:
    return empty_frame(schema) if df is None else df


# --- reading and writing ------------------------------------------------------------------


def read_inputs(*, raw: Path, interim: Path, topics: Path, contrasts: Path,
                lexicon: Path | None = None) -> ReportInputs:
    """Read every input table (schema-checked); optional tables are None when absent."""
    doc_cols = [c for c in schemas.DOCUMENTS.names if c != "text"]
    passages_path = interim / "passages.parquet"
    passages = None
    if passages_path.exists():
        passages = read_table(passages_path, schemas.PASSAGES,
                              columns=["passage_id", "text", "page_start", "page_end"])
    domains = _read_domains(contrasts / "domains.parquet")
    ca = {}
    for name in ("ca_points", "ca_axes"):
        path = contrasts / f"{name}.parquet"
        if path.exists():
            ca[name] = read_table(path, getattr(schemas, name.upper()))
        else:
            log.info("%s not found: no correspondence analysis in the report", path)
    lex = None
    if lexicon is not None:
        try:
            lex = load_lexicon(lexicon)
        except LexiconError as exc:
            log.warning("%s; frame descriptions left out of the report", exc)
    return ReportInputs(
        fetches=read_table(raw / "fetches.parquet", schemas.FETCHES),
        documents=read_table(interim / "documents.parquet", schemas.DOCUMENTS, columns=doc_cols),
        k_sweep=read_table(topics / "k_sweep.parquet", schemas.K_SWEEP),
        topic_terms=read_table(topics / "topic_terms.parquet", schemas.TOPIC_TERMS),
        doc_topics=read_table(topics / "doc_topics.parquet", schemas.DOC_TOPICS),
        topic_passages=read_table(topics / "topic_passages.parquet", schemas.TOPIC_PASSAGES),
        prevalence=read_table(topics / "prevalence.parquet", schemas.PREVALENCE),
        keyness=read_table(contrasts / "keyness.parquet", schemas.KEYNESS),
        frame_measures=read_table(contrasts / "frame_measures.parquet", schemas.FRAME_MEASURES),
        shifts=read_table(contrasts / "shifts.parquet", schemas.SHIFTS),
        kwic=read_table(contrasts / "kwic.parquet", schemas.KWIC),
        passages=passages, domains=domains, lexicon=lex,
        ca_points=ca.get("ca_points"), ca_axes=ca.get("ca_axes"),
    )


def _read_domains(path: Path) -> pd.DataFrame | None:
    if not path.exists():
        log.info("%s not found: domain presence derived from frame_measures", path)
        return None
    return read_table(path, schemas.DOMAINS)


def write_report(report: Report, out: Path) -> list[Path]:
    """Write pages and exports under `out`, atomically, and remove stale firm pages and exports.

    Leaves `metrics.json` and `plots/` (other stages' outputs) alone.
    """
    written: list[Path] = []
    for rel, html in report.pages.items():
        written.append(write_text(html, out / rel))
    data = out / "data"
    for name, (df, schema) in report.exports.items():
        written.append(write_table(df, data / f"{name}.parquet", schema))
        written.append(write_csv(df, data / f"{name}.csv"))
    written.append(write_text(_data_readme(report), data / "README.md"))
    keep = set(written)
    for folder, patterns in ((out / "firms", ("*.html",)), (data, ("*.csv", "*.parquet"))):
        for pattern in patterns:
            for path in folder.glob(pattern):
                if path not in keep:
                    log.info("removing stale %s", path)
                    path.unlink()
    return written


def _data_readme(report: Report) -> str:
    lines = ["# Tables behind the report's figures", "",
             "Each table is here twice: `<name>.csv` (UTF-8, comma-separated, one header row; "
             "timestamps in UTC, ISO 8601) and `<name>.parquet` (typed, same columns).",
             "Text columns hold the text as scraped: import them as text in a spreadsheet, which "
             "would otherwise read a cell beginning with =, +, - or @ as a formula.", ""]
    for name, (df, schema) in report.exports.items():
        lines += [f"## {name} ({len(df)} rows)", "", EXPORTS[name][1], "",
                  "| column | type | meaning |", "| --- | --- | --- |"]
        for f in schema:
            comment = (f.metadata or {}).get(b"comment", b"").decode().replace("|", "/")
            lines.append(f"| {f.name} | {f.type} | {comment} |")
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    return cli.stage_main("report", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, "report")
    contrasts = load_block(args.params, "contrasts")
    inputs = read_inputs(raw=args.raw, interim=args.interim, topics=args.topics,
                         contrasts=args.contrasts, lexicon=lexicon_path(args.params))
    report = build_report(inputs, params, presence_rate=contrasts.presence_rate,
                          presence_docs=contrasts.presence_docs, fdr=contrasts.fdr)
    written = write_report(report, args.out)
    log.info("report: wrote %d files under %s", len(written), args.out)
    return EXIT_OK

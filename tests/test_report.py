"""Tests of the report stage: pages, exports, escaping, links, numbers, and a real browser.

The inputs are small synthetic tables built from the schema objects in `pipeline.schemas`
(`_table` fills any column a test does not set with a typed default, so the fixture follows the
schemas as they gain columns), written with `pipeline.io.write_table` as the stages would.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from pipeline import schemas
from pipeline.contrasts.domains import domain_table, firm_domain_table, thresholds_table
from pipeline.extract.collection import captures_table, collection_table
from pipeline.io import conform, read_table, write_table
from pipeline.lexicon import load_lexicon
from pipeline.report import format as fmt
from pipeline.report import stage as report
from pipeline.report.exports import EXPORTS

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
JS_URL = "javascript:alert(1)"
FIRMS = ("alpha", "beta", "gamma")
YEARS = (2018, 2019, 2020, 2021)
LANGS = {"alpha": ("fr",), "beta": ("en",), "gamma": ("fr", "en")}
T0 = pd.Timestamp("2024-03-01 12:00", tz="UTC")


# --- fixture builder ----------------------------------------------------------------------


def _default(typ: pa.DataType):
    if pa.types.is_string(typ):
        return ""
    if pa.types.is_boolean(typ):
        return False
    if pa.types.is_integer(typ):
        return 0
    if pa.types.is_floating(typ):
        return 0.0
    if pa.types.is_timestamp(typ):
        return T0
    if pa.types.is_list(typ):
        return []
    raise TypeError(typ)


def _table(schema: pa.Schema, rows: list[dict]) -> pd.DataFrame:
    """Rows completed with typed defaults (null where allowed) for unset columns."""
    unknown = {k for r in rows for k in r} - set(schema.names)
    assert not unknown, f"fixture sets columns not in {schema.metadata}: {unknown}"
    full = [{f.name: r.get(f.name, None if f.nullable else _default(f.type)) for f in schema}
            for r in rows]
    return pd.DataFrame(full, columns=schema.names)


def _doc_id(url: str, when: pd.Timestamp) -> str:
    return hashlib.sha1(f"{url}\n{when:%Y%m%d%H%M%S}".encode()).hexdigest()[:16]


def make_study(hostile: bool = False) -> dict[str, pd.DataFrame]:
    """A small study: 3 firms, 4 years, French and English, archive and live captures."""
    rng = np.random.default_rng(7)
    fetches, documents, passages = [], [], []
    line = 0
    for firm in FIRMS:
        for year in YEARS:
            for n in range(2):
                line += 1
                lang = LANGS[firm][n % len(LANGS[firm])]
                url = f"https://{firm}.example/{year}/page-{n}.html"
                archived = year <= 2019
                when = pd.Timestamp(f"{year}-06-0{n + 1} 10:00", tz="UTC") if archived else T0
                doc_id = _doc_id(url, when)
                final = (f"http://127.0.0.1:9/web/{when:%Y%m%d%H%M%S}id_/{url}" if archived
                         else url)
                fetches.append(dict(fetch_id=f"f{line}", doc_id=doc_id, firm=firm, kind="page",
                                    source_url=url, source_line=line, url=url, final_url=final,
                                    status=200, outcome="ok", fetched_at=T0,
                                    archive_timestamp=when if archived else None,
                                    from_archive=archived, n_attempts=1, n_bytes=1000,
                                    warc_file="warc/a.warc.gz", warc_offset=0))
                documents.append(dict(doc_id=doc_id, fetch_id=f"f{line}", firm=firm, kind="page",
                                      url=url, final_url=final, format="html",
                                      title=f"{firm} {year} page {n}", text="…", lang=lang,
                                      year=year, year_source="archive" if archived else "captured",
                                      captured_at=when, n_words=400 + n, status="ok"))
                passages.append(dict(passage_id=f"{doc_id}-0000", doc_id=doc_id, seq=0, firm=firm,
                                     kind="page", year=year, lang=lang, url=url,
                                     text=f"Texte de {firm} en {year} : la ville et ses habitants.",
                                     n_words=12))
    # alpha: a URL that never answered (two attempts); beta: one that failed, then worked.
    for k, outcome in enumerate(("http_error", "http_error")):
        fetches.append(dict(fetch_id=f"bad{k}", doc_id=_doc_id("https://alpha.example/gone", T0
                                                              + pd.Timedelta(seconds=k)),
                            firm="alpha", kind="page", source_url="https://alpha.example/gone",
                            source_line=99, source_year=2019, url="https://alpha.example/gone",
                            status=404, outcome=outcome, error="HTTP 404", n_attempts=1,
                            fetched_at=T0 + pd.Timedelta(seconds=k), from_archive=False))
    beta_url = "https://beta.example/2021/page-0.html"
    fetches.append(dict(fetch_id="retry", doc_id=_doc_id(beta_url, T0 - pd.Timedelta(days=1)),
                        firm="beta", kind="page", source_url=beta_url, source_line=50,
                        url=beta_url, outcome="timeout", error="read timeout", n_attempts=4,
                        fetched_at=T0 - pd.Timedelta(days=1), from_archive=False))
    # gamma: a duplicate and a skipped PDF in 2020.
    dup_of = documents[-3]["doc_id"]
    for k, extra in enumerate((dict(duplicate_of=dup_of, similarity=1.0, status="ok"),
                               dict(status="no_text_layer", error="scanned PDF"))):
        url = f"https://gamma.example/extra-{k}.pdf"
        doc_id = _doc_id(url, T0)
        fetches.append(dict(fetch_id=f"g{k}", doc_id=doc_id, firm="gamma", kind="report",
                            source_url=url, source_line=80 + k, url=url, final_url=url, status=200,
                            outcome="ok", fetched_at=T0, from_archive=False, n_attempts=1))
        documents.append(dict(doc_id=doc_id, fetch_id=f"g{k}", firm="gamma", kind="report",
                              url=url, format="pdf", title=f"report {k}", text="", lang="fr",
                              year=2020, year_source="sources", captured_at=T0, n_words=50,
                              **extra))

    docs = pd.DataFrame(documents)
    usable = docs[(docs["status"] == "ok") & docs["duplicate_of"].isna()] \
        if "duplicate_of" in docs else docs
    doc_topics, topic_terms, topic_passages, prevalence, k_sweep = [], [], [], [], []
    for lang in ("fr", "en"):
        for k in (2, 3, 4):
            k_sweep.append(dict(lang=lang, model="nmf", k=k, c_v=0.4 + 0.05 * k,
                                c_npmi=0.01 * k, exclusivity=0.9 - 0.1 * k,
                                stability=0.8, chosen=k == 3))
        words = {"fr": ["ville", "citoyen", "mobilité", "donnée", "énergie", "eau", "déchet",
                        "plateforme", "service", "réseau", "quartier", "sécurité"],
                 "en": ["city", "citizen", "mobility", "data", "energy", "water", "waste",
                        "platform", "service", "network", "district", "safety"]}[lang]
        for t in range(3):
            label = f"{words[t]} / {words[t + 3]}"
            if hostile and lang == "fr" and t == 0:
                label = SCRIPT
            for by in ("prob", "frex"):
                for rank in range(1, 11):
                    term = words[(t * 3 + rank) % len(words)]
                    if hostile and lang == "fr" and t == 1 and rank == 1:
                        term = IMG
                    topic_terms.append(dict(lang=lang, topic=t, label=label, rank=rank, term=term,
                                            weight=1.0 / rank, frex=1.0 / rank, by=by))
        in_lang = usable[usable["lang"] == lang]
        for row in in_lang.itertuples():
            shares = rng.dirichlet([1, 1, 1])
            for t in range(3):
                doc_topics.append(dict(lang=lang, passage_id=f"{row.doc_id}-0000",
                                       doc_id=row.doc_id, firm=row.firm, year=row.year,
                                       url=row.url, topic=t, share=float(shares[t])))
        dt = pd.DataFrame(doc_topics)
        dt = dt[dt["lang"] == lang]
        for t in range(3):
            best = dt[dt["topic"] == t].sort_values("share", ascending=False).head(2)
            for rank, r in enumerate(best.itertuples(), 1):
                text = f"Passage {rank} du thème {t} : les usagers et la ville."
                if hostile and lang == "fr" and t == 0 and rank == 1:
                    text = f"Avant {SCRIPT} après {IMG} fin."
                topic_passages.append(dict(lang=lang, topic=t, rank=rank,
                                           passage_id=r.passage_id, doc_id=r.doc_id, firm=r.firm,
                                           year=r.year, url=r.url, share=r.share, text=text,
                                           page_start=3 if rank == 2 else None,
                                           page_end=4 if rank == 2 else None))
            for level, keys in (("firm", ["firm"]), ("year", ["year"]),
                                ("firm_year", ["firm", "year"])):
                for key, g in dt[dt["topic"] == t].groupby(keys):
                    key = key if isinstance(key, tuple) else (key,)
                    vals = dict(zip(keys, key, strict=True))
                    m = float(g["share"].mean())
                    prevalence.append(dict(lang=lang, level=level, firm=vals.get("firm"),
                                           year=vals.get("year"), topic=t, share=m,
                                           ci_low=max(0.0, m - 0.1), ci_high=min(1.0, m + 0.1),
                                           n_docs=g["doc_id"].nunique(), n_passages=len(g)))

    keyness = []
    for firm in FIRMS:
        for lang in LANGS[firm]:
            for i in range(40):
                # 30 terms over-used (ranked 1-30 by the stage), 10 under-used; among the
                # over-used, z grows as the rank worsens, so ranking by z would reverse them.
                over = i < 30
                z = 3.0 + 0.2 * i if over else -1.0 - 0.3 * (i - 30)
                term = f"{firm}_terme_{i:02d}" if lang == "fr" else f"{firm}_term_{i:02d}"
                if hostile and firm == "alpha" and i == 0:
                    term = SCRIPT
                keyness.append(dict(comparison="firm_vs_rest", group_a=firm, group_b="rest",
                                    lang=lang, term=term, count_a=50 - i, count_b=10 + i,
                                    total_a=5000, total_b=15000, log_odds=z / 4, z=z, g2=z * 3,
                                    log_ratio=z / 5, p_g2=0.001, q_g2=0.01, lafon=z * 1.5,
                                    log_ratio_cons=(30 - i) / 10 if over else -(i - 29) / 10,
                                    rank=i + 1 if over else i - 29))
            # The highest z of all, but not significant: no rank, never shown as distinctive.
            keyness.append(dict(comparison="firm_vs_rest", group_a=firm, group_b="rest",
                                lang=lang, term=f"{firm}_bruit", count_a=3, count_b=0,
                                total_a=5000, total_b=15000, log_odds=3.0, z=20.0, g2=5.0,
                                log_ratio=3.0, p_g2=0.03, q_g2=0.3, lafon=1.0,
                                log_ratio_cons=0.0, rank=None))
            for i in range(40):
                rose = i < 20
                keyness.append(dict(comparison="late_vs_early", group_a=f"{firm}:late",
                                    group_b=f"{firm}:early", years_a="2020-2021",
                                    years_b="2018-2019", lang=lang, term=f"shift_{i:02d}",
                                    count_a=20 + i, count_b=20, total_a=2000, total_b=2000,
                                    z=5 - 0.25 * i, g2=5 - 0.25 * i, lafon=5 - 0.25 * i,
                                    log_odds=0.1, log_ratio=0.1, p_g2=0.01, q_g2=0.02,
                                    log_ratio_cons=(20 - i) / 10 if rose else -(i - 19) / 10,
                                    rank=i + 1 if rose else i - 19))

    # Reports against pages (contrasts.compare_kinds): all firms, and gamma, which has both.
    for group in ("report", "gamma:report"):
        for i in range(6):
            over = i < 4  # ranks 1-4 on the reports' side, 1-2 on the pages'
            term = f"rapport{i}" if over else f"page{i}"
            if hostile and i == 0:
                term = SCRIPT
            keyness.append(dict(comparison="kind_vs_kind", group_a=group,
                                group_b=group.replace("report", "page"), lang="fr", term=term,
                                count_a=30 - i if over else 2, count_b=5 if over else 20 + i,
                                total_a=4000, total_b=6000, log_odds=0.5, z=3.0,
                                g2=12.0 - i if over else -(12.0 - i), log_ratio=1.0,
                                p_g2=0.001, q_g2=0.01, lafon=2.0,
                                log_ratio_cons=(4 - i) / 4 if over else -(i - 3) / 4,
                                rank=i + 1 if over else i - 3))
        keyness.append(dict(comparison="kind_vs_kind", group_a=group,
                            group_b=group.replace("report", "page"), lang="fr",
                            term="rapportbruit", count_a=3, count_b=1, total_a=4000,
                            total_b=6000, log_odds=0.5, z=1.0, g2=1.0, log_ratio=1.0, p_g2=0.3,
                            q_g2=0.4, lafon=0.2, log_ratio_cons=0.0, rank=None))

    frames = {"audience": ("citizens", "clients"), "framing": ("problems", "solutions")}
    domains = ("data_analysis", "mobility", "water")
    fm, shifts = [], []

    def measure(**kw):
        base = dict(lang=None, ci_low=None, ci_high=None, n_matches=20, n_tokens=4000, n_docs=8,
                    n_docs_matching=5, enough=True)
        fm.append({**base, **kw})

    for firm_i, firm in enumerate(FIRMS):
        for group, (side, other) in frames.items():
            share = 0.3 + 0.2 * firm_i
            measure(group=group, frame=side, measure="share", level="firm", firm=firm,
                    value=share, ci_low=share - 0.08, ci_high=share + 0.08)
            for f in (side, other):
                measure(group=group, frame=f, measure="rate", level="firm", firm=firm,
                        value=12.5, ci_low=10.0, ci_high=15.0)
            for y_i, year in enumerate(YEARS):
                weak = firm == "gamma" and year == 2021
                v = share + 0.05 * y_i
                measure(group=group, frame=side, measure="share", level="firm_year", firm=firm,
                        year=year, value=v, ci_low=v - 0.1, ci_high=v + 0.1, n_docs=2,
                        n_tokens=300 if weak else 1000, enough=not weak)
            shifts.append(dict(firm=firm, group=group, frame=side, measure="share",
                               first_year=2018, last_year=2021 if firm != "gamma" else 2020,
                               n_years=4 if firm != "gamma" else 3, slope=0.2 + firm_i,
                               ci_low=0.05, ci_high=0.4, p_value=0.004, n_matches=80,
                               n_docs=8, dispersion=1.0,
                               excluded_years=[2021] if firm == "gamma" else []))
        for d_i, domain in enumerate(domains):
            # alpha offers everything; beta only mobility; gamma mentions water in 1 document.
            rate = {"alpha": 5.0, "beta": 4.0 if domain == "mobility" else 0.5,
                    "gamma": 3.0 if domain == "water" else 0.0}[firm]
            docs_m = {"alpha": 4, "beta": 3 if domain == "mobility" else 1,
                      "gamma": 1 if domain == "water" else 0}[firm]
            measure(group="domains", frame=domain, measure="rate", level="firm", firm=firm,
                    value=rate, n_docs_matching=docs_m, ci_low=rate / 2, ci_high=rate * 2)
            for year in YEARS:
                measure(group="domains", frame=domain, measure="rate", level="firm_year",
                        firm=firm, year=year, value=rate + d_i, n_docs=2,
                        n_docs_matching=min(2, docs_m))
        measure(group="performance", frame="pooling", measure="rate", level="firm", firm=firm,
                value=1.0 + firm_i)
    measure(group="audience", frame="citizens", measure="share", level="all", value=0.5)

    kwic = []
    for firm in FIRMS:
        firm_docs = usable[usable["firm"] == firm]
        for n in range(60 if firm == "alpha" else 3):
            d = firm_docs.iloc[n % len(firm_docs)]
            left, match, right = "Nous servons les", "citoyens", "de la métropole chaque jour."
            url = d["url"]
            if hostile and firm == "alpha" and n == 0:
                left, match, right, url = SCRIPT, IMG, f"{SCRIPT} end", JS_URL
            kwic.append(dict(term="citoyen", group="audience", frame="citizens", firm=firm,
                             year=d["year"], lang=d["lang"], left=left, match=match, right=right,
                             doc_id=d["doc_id"], passage_id=f"{d['doc_id']}-0000", sent_id=n,
                             url=url, page=None, captured_at=d["captured_at"]))
        d = firm_docs.iloc[0]
        kwic.append(dict(term="mobilité", group="domains", frame="mobility", firm=firm,
                         year=d["year"], lang="fr", left="la", match="mobilité", right="urbaine",
                         doc_id=d["doc_id"], passage_id=f"{d['doc_id']}-0000", sent_id=0,
                         url=d["url"], captured_at=d["captured_at"]))
        kterm = keyness[[k["group_a"] for k in keyness].index(firm)]["term"]
        kwic.append(dict(term=kterm, group=None, frame=None, firm=firm, year=d["year"],
                         lang=LANGS[firm][0], left="un", match=kterm, right="ici",
                         doc_id=d["doc_id"], passage_id=f"{d['doc_id']}-0000", sent_id=1,
                         url=d["url"], captured_at=d["captured_at"]))

    if hostile:
        fetches[0]["url"] = f"https://alpha.example/?q={SCRIPT}"
        fetches[1]["url"] = JS_URL
        fetches[1]["final_url"] = JS_URL
        fetches[1]["from_archive"] = True
        documents[0]["title"] = f"Title {SCRIPT} {IMG}"
        documents[1]["url"] = JS_URL
        for p in passages:  # whichever of alpha's passages is shown as representative
            if p["firm"] == "alpha":
                p["text"] = f"Passage {SCRIPT} {IMG}"
    tables = {
        "fetches": _table(schemas.FETCHES, fetches),
        "documents": _table(schemas.DOCUMENTS, documents),
        "passages": _table(schemas.PASSAGES, passages),
        "k_sweep": _table(schemas.K_SWEEP, k_sweep),
        "topic_terms": _table(schemas.TOPIC_TERMS, topic_terms),
        "doc_topics": _table(schemas.DOC_TOPICS, doc_topics),
        "topic_passages": _table(schemas.TOPIC_PASSAGES, topic_passages),
        "prevalence": _table(schemas.PREVALENCE, prevalence),
        "keyness": _table(schemas.KEYNESS, keyness),
        "frame_measures": _table(schemas.FRAME_MEASURES, fm),
        "shifts": _table(schemas.SHIFTS, shifts),
        "kwic": _table(schemas.KWIC, kwic),
    }
    return {**tables, **stage_tables(tables)}


def stage_tables(tables: dict[str, pd.DataFrame], *, presence_rate: float = 2.0,
                 presence_docs: int = 2, fdr: float = 0.05) -> dict[str, pd.DataFrame]:
    """The tables extract and contrasts derive from the study's, made by their own functions."""
    fetches = conform(tables["fetches"], schemas.FETCHES)
    documents = conform(tables["documents"], schemas.DOCUMENTS)
    fm = conform(tables["frame_measures"], schemas.FRAME_MEASURES)
    domains = domain_table(fm, load_lexicon(ROOT / "frames.yaml"), presence_rate=presence_rate,
                           presence_docs=presence_docs)
    return {"collection": collection_table(fetches, documents),
            "captures": captures_table(fetches, documents),
            "domains": domains, "firm_domains": firm_domain_table(domains),
            "thresholds": thresholds_table(fdr=fdr, presence_rate=presence_rate,
                                           presence_docs=presence_docs)}


LOCATIONS = {
    "fetches": ("data/raw", schemas.FETCHES),
    **{n: ("data/interim", getattr(schemas, n.upper()))
       for n in ("documents", "passages", "collection", "captures")},
    **{n: ("data/topics", getattr(schemas, n.upper()))
       for n in ("k_sweep", "topic_terms", "doc_topics", "topic_passages", "prevalence")},
    **{n: ("data/contrasts", getattr(schemas, n.upper()))
       for n in ("keyness", "frame_measures", "shifts", "kwic", "domains", "firm_domains",
                 "thresholds")},
}


# A display name that differs from the id and must be escaped wherever it is shown.
NAMES = {"gamma": "Gamma & Söhne <GmbH>"}


def write_project(root: Path, tables: dict[str, pd.DataFrame], *,
                  names: dict[str, str] | None = None, **params) -> list[str]:
    """Write the tables where the stages put them, plus params.yaml and a sources.txt naming
    the firms of `names` (default NAMES); return the CLI args."""
    for name, df in tables.items():
        folder, schema = LOCATIONS[name]
        write_table(df, root / folder / f"{name}.parquet", schema)
    names = NAMES if names is None else names
    lines = [f"{f} page https://{f}.example/ville" + (f' name="{names[f]}"' if f in names else "")
             for f in dict.fromkeys(tables["fetches"]["firm"])]
    (root / "sources.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    block = {"max_kwic": 50, "n_terms": 25, "min_docs": 3, **params}
    # The report's own block only: the thresholds it states come with the contrasts tables.
    lines = [f"lexicon: {ROOT / 'frames.yaml'}", "report:"]
    lines += [f"  {k}: {v}" for k, v in block.items()]
    (root / "params.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return ["--sources", str(root / "sources.txt"), "--raw", str(root / "data/raw"),
            "--interim", str(root / "data/interim"), "--topics", str(root / "data/topics"),
            "--contrasts", str(root / "data/contrasts"),
            "--params", str(root / "params.yaml"), "--out", str(root / "reports")]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The synthetic study rendered once (reports/ under the returned folder)."""
    root = tmp_path_factory.mktemp("study")
    (root / "reports" / "plots").mkdir(parents=True)
    (root / "reports" / "metrics.json").write_text('{"kept": true}\n', encoding="utf-8")
    assert report.main(write_project(root, make_study())) == 0
    return root / "reports"


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    assert report.main(write_project(root, make_study(hostile=True))) == 0
    return root / "reports"


def pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


# --- HTML inspection ----------------------------------------------------------------------


class Page(HTMLParser):
    """Collects what the tests look at: ids, links, scripts, attributes, visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.links: list[tuple[str, str]] = []  # (tag, href)
        self.srcs: list[str] = []
        self.scripts: list[str] = []
        self.handlers: list[str] = []
        self.tags: list[str] = []
        self.text: list[str] = []
        self._script = False

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name == "id":
                self.ids.add(value)
            elif name in ("href", "xlink:href"):
                self.links.append((tag, value))
            elif name == "src":
                self.srcs.append(value)
            elif name.startswith("on"):
                self.handlers.append(f"{tag} {name}")
        if tag == "script":
            self._script = True
            self.scripts.append("")

    def handle_endtag(self, tag):
        if tag == "script":
            self._script = False

    def handle_data(self, data):
        if self._script:
            self.scripts[-1] += data
        else:
            self.text.append(data)


def parse(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


# --- tests --------------------------------------------------------------------------------


def test_writes_every_page_and_export_and_leaves_other_stages_outputs(built):
    names = {p.relative_to(built).as_posix() for p in pages(built)}
    assert names == {"index.html", "topics.html", "shifts.html",
                     *(f"firms/{f}.html" for f in FIRMS)}
    for name in EXPORTS:
        csv = pd.read_csv(built / "data" / f"{name}.csv")
        parquet = pd.read_parquet(built / "data" / f"{name}.parquet")
        assert list(csv.columns) == EXPORTS[name][0].names
        assert len(csv) == len(parquet), name
    assert "| doc_id |" in (built / "data" / "README.md").read_text(encoding="utf-8")
    assert (built / "metrics.json").read_text(encoding="utf-8") == '{"kept": true}\n'
    assert not any((built / "plots").iterdir())


def test_links_between_pages_resolve_and_nothing_is_fetched(built):
    checked = 0
    ids = {path: parse(path).ids for path in pages(built)}
    for path in pages(built):
        page = parse(path)
        assert page.srcs == [], f"{path.name} loads a resource: {page.srcs}"
        assert not {"link", "img", "iframe", "object", "embed"} & set(page.tags), path.name
        for tag, href in page.links:
            parts = urlsplit(href)
            if parts.scheme in ("http", "https"):
                assert tag == "a", f"{path.name}: <{tag}> points outside: {href}"
                continue
            assert not parts.scheme, f"{path.name}: unexpected link {href}"
            target = (path.parent / unquote(parts.path)).resolve() if parts.path else path
            assert target.exists(), f"{path.name}: broken link {href}"
            if parts.fragment and target.suffix == ".html":
                assert unquote(parts.fragment) in ids[target], \
                    f"{path.name}: no #{parts.fragment} in {target.name}"
            checked += 1
    assert checked > 200


def test_scraped_markup_appears_as_text_and_never_runs(hostile):
    sort_js = (ROOT / "pipeline/report/templates/sort.js").read_text(encoding="utf-8").strip()
    seen = ""
    for path in pages(hostile):
        raw = path.read_text(encoding="utf-8")
        page = parse(path)
        assert [s.strip() for s in page.scripts] == [sort_js], f"{path.name}: foreign script"
        assert page.handlers == [], f"{path.name}: event handler attributes {page.handlers}"
        assert "<img" not in raw.lower(), path.name
        for _tag, href in page.links:
            assert not href.strip().lower().startswith("javascript:"), f"{path.name}: {href}"
        seen += "\n".join(page.text)
    # Every payload is shown to the reader as the text it was.
    firm = "\n".join(parse(hostile / "firms/alpha.html").text)
    assert f"Title {SCRIPT} {IMG}" in firm                       # a title
    assert f"Passage {SCRIPT} {IMG}" in firm                     # the firm's own passage
    assert SCRIPT in firm and IMG in firm and f"{SCRIPT} end" in firm  # a KWIC line
    assert f"https://alpha.example/?q={SCRIPT}" in firm          # a URL
    assert JS_URL in firm                                        # shown, not linked
    topics = "\n".join(parse(hostile / "topics.html").text)
    assert f"Avant {SCRIPT} après {IMG} fin." in topics          # a topic's passage
    assert f"Topic 0: {SCRIPT}" in topics                        # a label from the web's words
    assert html.escape(SCRIPT) in (hostile / "index.html").read_text(encoding="utf-8")


def test_reports_against_pages_for_all_firms_and_for_a_firm_with_both(built):
    """The kind_vs_kind comparison: each side's ranked terms in rank order, nothing that is
    not significant, and no such section for a firm that was not compared."""
    for path, who in ((built / "index.html", "All firms"),
                      (built / "firms" / "gamma.html", "Gamma &amp; Söhne &lt;GmbH&gt;")):
        page = path.read_text(encoding="utf-8")
        assert 'href="#genres"' in page and 'id="genres"' in page
        reports = page.split('id="genres-fr-reports"')[1].split("</table>")[0]
        pages_side = page.split('id="genres-fr-pages"')[1].split("</table>")[0]
        assert f"{who}: terms used more in the annual reports" in reports
        terms = re.compile(r">(rapport\w+|page\d)<")
        assert terms.findall(reports) == ["rapport0", "rapport1", "rapport2", "rapport3"]
        assert terms.findall(pages_side) == ["page4", "page5"]
        assert "rapportbruit" not in page
    alpha = (built / "firms" / "alpha.html").read_text(encoding="utf-8")
    assert 'id="genres"' not in alpha


def test_captures_keep_last_attempt_and_archive_links(built):
    caps = read_table(built / "data/captures.parquet", schemas.with_firm_name(schemas.CAPTURES))
    alpha = caps[caps["firm"] == "alpha"]
    gone = alpha[alpha["url"] == "https://alpha.example/gone"]
    assert len(gone) == 2 and set(gone["outcome"]) == {"http_error"}
    assert gone["doc_status"].isna().all()
    archived = alpha[alpha["from_archive"].astype(bool)]
    assert archived["final_url"].str.contains("/web/").all()
    page = (built / "firms/alpha.html").read_text(encoding="utf-8")
    first = archived.iloc[0]
    assert f'href="{first["final_url"]}"' in page and f'href="{first["url"]}"' in page
    assert first["captured_at"].strftime("%Y-%m-%d") in page


@pytest.mark.parametrize("study", ["built", "hostile"])
def test_index_shows_domain_cells_with_documents_and_kwic_links(study, request):
    index = (request.getfixturevalue(study) / "index.html").read_text(encoding="utf-8")
    table = index.split('id="frame-domains"')[1].split("</table>")[0]
    row = re.search(r'<tr><th scope="row" class="firm"><a href="firms/beta.html">Beta</a>.*?</tr>',
                    table, re.S).group(0)
    on = re.findall(r'<td class="cell on".*?</td>', row, re.S)
    assert len(on) == 1 and "#kwic-domains-mobility" in on[0]  # only mobility is present
    assert "3/8" in on[0] and "●" in on[0]
    n_domains = len(load_lexicon(ROOT / "frames.yaml").groups["domains"].frames)
    assert len(re.findall(r'<td class="cell"', row)) == n_domains - 1  # the other domains


def test_thresholds_stated_are_those_the_contrasts_tables_were_made_with(tmp_path):
    tables = make_study()
    tables.update(stage_tables(tables, presence_rate=4.5, presence_docs=3, fdr=0.01))
    args = write_project(tmp_path, tables)
    params = tmp_path / "params.yaml"  # another stage's block is not the report's to read
    params.write_text(params.read_text(encoding="utf-8")
                      + "contrasts:\n  presence_rate: 99.0\n  fdr: 0.5\n", encoding="utf-8")
    assert report.main(args) == 0
    index = (tmp_path / "reports/index.html").read_text(encoding="utf-8")
    assert re.search(r"a rate of at least 4\.5 per 10,000 tokens in at\s+least 3 documents",
                     index)
    table = index.split('id="frame-domains"')[1].split("</table>")[0]
    on = re.findall(r'<tr><th scope="row" class="firm"><a href="firms/(\w+)\.html">.*?</tr>',
                    table, re.S)
    assert on == ["alpha", "beta", "gamma"]
    assert 'class="cell on"' not in table.split("firms/beta.html")[1].split("</tr>")[0]
    assert "q ≤ 0.01" in (tmp_path / "reports/firms/alpha.html").read_text(encoding="utf-8")
    assert "q ≤ 0.01" in (tmp_path / "reports/shifts.html").read_text(encoding="utf-8")


def test_firm_page_numbers_rest_on_documents(built):
    page = "\n".join(parse(built / "firms/alpha.html").text)
    # distinctive vocabulary: n_terms rows in the stage's rank order (not by z, which would
    # reverse them), with the documents behind them; a term without rank is not shown
    assert "Alpha: 8 documents" in page
    html_ = (built / "firms/alpha.html").read_text("utf-8")
    vocab = html_.split('id="vocabulary"')[1].split('id="frames"')[0]
    # phrases read with spaces (the preprocess stage joins them with underscores)
    ranked = re.findall(r'<th scope="row" lang="fr">alpha terme (\d\d)</th>', vocab)
    assert ranked == [f"{i:02d}" for i in range(25)]
    table = vocab.split("</figure>")[-1]  # the scatter above the table draws every term
    assert "alpha bruit" not in table and "alpha_terme_00</th>" not in vocab
    # the trend test and a year with too little text (gamma 2021)
    assert "0.200" in page and "0.004" in page
    # offer domains by year: shaded where present that year (beta: mobility only)
    beta = (built / "firms/beta.html").read_text(encoding="utf-8")
    grid = beta.split("Beta: domains, rate per 10,000 tokens by year")[1].split("</table>")[0]
    rows = {re.search(r'#kwic-domains-(\w+)"', r).group(1): r.count('class="cell on"')
            for r in grid.split("<tr>")[2:]}
    assert rows["mobility"] == 4 and rows["data_analysis"] == 0 and rows["water"] == 0
    gamma = (built / "firms/gamma.html").read_text(encoding="utf-8")
    assert "left out (too little text): 2021" in gamma
    row = re.search(r"<tr><th scope=\"row\">2021</th>.*?</tr>", gamma, re.S).group(0)
    assert "too little text" in row


def test_kwic_shows_at_most_max_kwic_lines_per_term_and_exports_all(built):
    page = (built / "firms/alpha.html").read_text(encoding="utf-8")
    block = page.split('id="kwic-audience-citizens"')[1].split("<h3")[0]
    assert block.count('<td class="match">') == 50
    assert "60 lines" in block and "first 50 shown" in block
    kwic = pd.read_csv(built / "data/kwic.csv")
    assert (kwic["firm"] == "alpha").sum() == 62


def test_figures_are_inline_svg_with_titles_and_flag_thin_text(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    svgs = re.findall(r"<svg\b.*?</svg>", index, re.S)
    assert len(svgs) >= 4
    for svg in svgs:
        assert 'role="img"' in svg and "<title" in svg
    ids = re.findall(r'\bid="([^"]+)"', index)
    assert len(ids) == len(set(ids)), "duplicate ids between figures"
    assert "(8 docs)" in index
    topics = (built / "topics.html").read_text(encoding="utf-8")
    assert "fewer than 3 documents" in topics


def test_rendering_is_reproducible_and_replaces_stale_pages(tmp_path, built):
    args = write_project(tmp_path, make_study())
    stale = tmp_path / "reports/firms/oldfirm.html"
    stale.parent.mkdir(parents=True)
    stale.write_text("old", encoding="utf-8")
    assert report.main(args) == 0
    assert not stale.exists()
    for path in pages(built):
        again = tmp_path / "reports" / path.relative_to(built)
        assert again.read_bytes() == path.read_bytes(), path.name


def test_no_missing_value_leaks_into_the_text(built):
    for path in pages(built):
        text = "\n".join(parse(path).text)
        leaks = re.findall(r"\b(?:nan|NaN|None|NaT)\b|<NA>|\bundefined\b", text)
        assert not leaks, f"{path.name}: {leaks}"


def test_bad_param_and_missing_table_fail_clearly(tmp_path, caplog):
    # an error naming the key or file and a non-zero status, not a traceback
    args = write_project(tmp_path, make_study())
    params = tmp_path / "params.yaml"
    params.write_text(params.read_text().replace("  min_docs: 3\n", "  min_docs: many\n"),
                      encoding="utf-8")
    assert report.main(args) == 2
    assert "min_docs" in caplog.text
    args = write_project(tmp_path, make_study())
    (tmp_path / "data/contrasts/shifts.parquet").unlink()
    assert report.main(args) == 2
    assert re.search(r"shifts\.parquet.*not found", caplog.text)
    # a contrasts folder from before the stage recorded its thresholds
    args = write_project(tmp_path, make_study())
    (tmp_path / "data/contrasts/thresholds.parquet").unlink()
    assert report.main(args) == 2
    assert re.search(r"thresholds\.parquet.*not found", caplog.text)
    assert not (tmp_path / "reports" / "index.html").exists()


def test_safe_url_only_links_http():
    assert fmt.safe_url("https://a.example/x?y=1") == "https://a.example/x?y=1"
    for bad in (JS_URL, " JavaScript:alert(1)", "data:text/html,hi", "vbscript:x", None,
                "https://a.example/\nx"):
        assert fmt.safe_url(bad) is None


def test_anchors_are_ascii_stable_and_distinct():
    a, b = fmt.anchor("kwic", "domains", "énergie"), fmt.anchor("kwic", "domains", "energie")
    assert a != b and a.isascii() and a == fmt.anchor("kwic-domains-énergie")
    assert fmt.anchor("doc", "0123abcd") == "doc-0123abcd"  # plain ids stay readable
    assert fmt.shorten("2: security / video_surveillance / surveillance", 30) == "2: security…"


# --- the browser test ---------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists(
    "/usr/bin/chromium") else None)
SHOTS = ROOT / "build" / "screenshots"


def run_chromium(url: str, profile: Path, *extra: str) -> tuple[str, str, list[str]]:
    """Load `url` headless with every host unresolvable; return DOM, log and page requests."""
    netlog = profile / "net.json"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}", "--enable-logging=stderr", "--v=0",
           "--host-resolver-rules=MAP * ~NOTFOUND", f"--log-net-log={netlog}", *extra, url]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout, done.stderr, page_requests(netlog)


def page_requests(netlog: Path) -> list[str]:
    """URLs the page itself asked the network for (the browser's own housekeeping left out)."""
    data = json.loads(netlog.read_text(encoding="utf-8"))
    start = data["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    urls = []
    for event in data["events"]:
        params = event.get("params") or {}
        if event["type"] == start and "file://" in params.get("network_isolation_key", ""):
            urls.append(params.get("url", ""))
    return [u for u in urls if not u.startswith(("file:", "data:"))]


def console_lines(log: str) -> list[str]:
    # Our pages never log: any console message is a script error or a failed load.
    return [line for line in log.splitlines() if ":CONSOLE" in line]


def check_in_browser(out: Path, tmp: Path, shots: dict[str, str],
                     only: tuple[str, ...] = ()) -> None:
    targets = [out / rel for rel in only] if only else pages(out)

    def visit(n_path):
        n, path = n_path
        dom, log, requests = run_chromium(path.as_uri(), tmp / f"p{n}", "--dump-dom")
        return path, dom, log, requests

    with ThreadPoolExecutor(2) as pool:
        for path, dom, log, requests in pool.map(visit, enumerate(targets)):
            assert console_lines(log) == [], f"{path.name}: {console_lines(log)}"
            assert requests == [], f"{path.name} asked the network for {requests}"
            assert "</h1>" in dom, path.name
            assert "<svg" in dom or "firms" in path.parts, path.name
            assert "<button" in dom or "sortable" not in dom, f"{path.name}: sorting script"
    SHOTS.mkdir(parents=True, exist_ok=True)
    for name, rel in shots.items():
        target = SHOTS / name
        target.unlink(missing_ok=True)
        run_chromium((out / rel).as_uri(), tmp / f"s-{name}", f"--screenshot={target}",
                     "--window-size=1280,2000", "--hide-scrollbars")
        assert target.exists() and target.stat().st_size > 10_000, name


needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed: apt-get install chromium")


@pytest.mark.browser
@needs_chromium
def test_browser_detects_console_errors_and_requests(tmp_path):
    """The checks below can fail: a page that errs and fetches is caught."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!DOCTYPE html><html><body><img src="http://example.com/x.png" alt="">'
                   "<script>nope();</script></body></html>", encoding="utf-8")
    _, log, requests = run_chromium(bad.as_uri(), tmp_path / "p", "--dump-dom")
    assert any("nope" in line for line in console_lines(log))
    assert requests == ["http://example.com/x.png"]


@pytest.mark.browser
@needs_chromium
def test_pages_load_in_chromium_offline(built, hostile, tmp_path):
    check_in_browser(built, tmp_path / "built", {"index.png": "index.html",
                                                 "firm-alpha.png": "firms/alpha.html"})
    check_in_browser(hostile, tmp_path / "hostile", {},
                     only=("firms/alpha.html", "topics.html", "index.html"))
    check_widths(built, tmp_path / "widths")


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_demo_reports_in_chromium(demo_build, tmp_path):
    out = demo_build / "reports"
    firm = sorted((out / "firms").glob("*.html"))[0]
    check_in_browser(out, tmp_path, {"demo-index.png": "index.html",
                                     "demo-firm.png": f"firms/{firm.name}"})
    check_widths(out, tmp_path / "widths")
    check_views(out)


# --- what changed (issue 17) ---------------------------------------------------------------


def change_items(index: Path) -> list[tuple[str, str, str]]:
    """(direction, text, href) of each item of the front page's "what changed" box."""
    text = index.read_text(encoding="utf-8")
    box = text[text.index('<section class="changed"'):]
    box = box[:box.index("</section>")]
    items = []
    for li in re.findall(r"<li class=\"(\w+)\">(.*?)</li>", box, flags=re.S):
        href = re.search(r'href="([^"]+)"', li[1]).group(1)
        body = re.sub(r'<span class="dir">.*?</span>', "", li[1])
        words = " ".join(html.unescape(re.sub(r"<[^>]+>", "", body)).split())
        items.append((li[0], words, href))
    return items


def assert_resolves(out: Path, href: str) -> None:
    target, _, frag = href.partition("#")
    assert (out / target).exists(), href
    assert unquote(frag) in parse(out / target).ids, href


def test_bh_q_values_are_monotone_and_keep_missing():
    from pipeline.report.changes import bh_q

    q = bh_q(pd.Series([0.01, 0.04, None, 0.03, 0.5]))
    assert q.round(4).tolist()[:2] == [0.04, 0.0533] and pd.isna(q[2])
    assert q[4] == 0.5


@pytest.mark.slow
def test_front_page_lists_the_demo_planted_shifts(demo_build):
    out = demo_build / "reports"
    items = change_items(out / "index.html")
    text = [(d, t) for d, t, _ in items]
    assert any(d == "rose" and t.startswith("Lumidia: share of citizens") for d, t in text)
    assert any(d == "fell" and t.startswith("Citavia: share of problems") for d, t in text)
    # Vigimetra's data-platform theme (the topic whose top terms hold "donnée") rises.
    assert any(d == "rose" and t.startswith("Vigimetra: share of topic") and "donnée" in t
               for d, t in text)
    assert any(d == "entered" and t.startswith("Lumidia: offer domain bim") for d, t in text)
    # No shift that was not planted: Aquantis and Nexurba stay flat.
    assert not any(t.startswith(("Aquantis", "Nexurba")) for _, t in text), text
    for _, t, href in items:
        assert re.search(r"\d+ % in \d{4} → \d+ % in \d{4}|absent in \d{4}", t), t
        assert "interval" in t, t
        assert_resolves(out, href)


# --- readable everywhere (issue 17) --------------------------------------------------------

WIDTH_PROBE = """<script>addEventListener("load", function () {
  var w = innerWidth, wide = [];
  document.querySelectorAll("body *").forEach(function (e) {
    // an inline SVG clips what it draws beyond its box, so only the svg itself counts
    var inner = e.closest("svg") && e.tagName.toLowerCase() !== "svg";
    if (e.getBoundingClientRect().right > w + 1 && !e.closest(".scroll") && !inner) {
      wide.push(e.tagName + "." + e.className);
    }
  });
  parent.postMessage(JSON.stringify({width: w, scroll: document.documentElement.scrollWidth,
                                     wide: wide.slice(0, 5), toc: tocClashes()}), "*");
});
// Where the table of contents collides: with the content around it (boxes that intersect),
// or inside it, one item's text running into the next column's item and its list marker.
function tocClashes() {
  var toc = document.querySelector("nav.toc"), out = [];
  if (!toc) return out;
  var box = toc.getBoundingClientRect();
  document.querySelectorAll("main *").forEach(function (e) {
    if (toc.contains(e) || e.contains(toc) || e.closest("svg")) return;
    var r = e.getBoundingClientRect();
    if (r.width && r.height && r.left < box.right - 1 && r.right > box.left + 1
        && r.top < box.bottom - 1 && r.bottom > box.top + 1) {
      out.push("toc over " + e.tagName + "." + e.className);
    }
  });
  var items = Array.prototype.map.call(toc.querySelectorAll("li"), function (li) {
    var range = document.createRange();
    range.selectNodeContents(li.querySelector("a") || li);
    var em = parseFloat(getComputedStyle(li).fontSize);
    return {li: li, left: li.getBoundingClientRect().left, em: em,
            text: Array.prototype.slice.call(range.getClientRects())};
  });
  items.forEach(function (a) {
    items.forEach(function (b) {
      if (a === b || b.left <= a.left) return;
      a.text.forEach(function (t) {
        // b's marker sits in the 1.5 em left of b: a's text on the same line must stop short
        var sameLine = b.text.some(function (u) { return t.top < u.bottom && u.top < t.bottom; });
        if (sameLine && t.right > b.left - 1.5 * b.em && t.left < b.left) {
          out.push(a.li.textContent.trim().slice(0, 40) + " | "
                   + b.li.textContent.trim().slice(0, 40));
        }
      });
    });
  });
  return out.slice(0, 5);
}</script>"""
WIDTH_FRAME = """<!DOCTYPE html><html><body><pre id="probe"></pre>
<iframe src="{src}" width="{width}" height="900"></iframe><script>
addEventListener("message", function (e) {{
  document.getElementById("probe").textContent = e.data; }});
</script></body></html>"""


def page_width(path: Path, width: int, profile: Path) -> dict:
    """How wide `path` lays out in a `width`-px viewport (headless Chromium's window cannot be
    narrower than 500 px, so the page is loaded, with a probe, in an iframe of that width)."""
    probe = path.with_name(f"_probe_{path.name}")
    frame = path.with_name(f"_frame_{path.name}")
    probe.write_text(path.read_text(encoding="utf-8").replace("</body>", WIDTH_PROBE + "</body>"),
                     encoding="utf-8")
    frame.write_text(WIDTH_FRAME.format(src=probe.name, width=width), encoding="utf-8")
    try:
        dom, _, _ = run_chromium(frame.as_uri(), profile, "--dump-dom",
                                 "--virtual-time-budget=10000", "--window-size=1500,1000")
    finally:
        probe.unlink()
        frame.unlink()
    found = re.search(r'<pre id="probe">(.*?)</pre>', dom, flags=re.S)
    assert found and found.group(1), f"{path.name}: the width probe did not report"
    return json.loads(html.unescape(found.group(1)))


TOC_PAGE = """<!DOCTYPE html><html><head><style>{css}</style></head><body><main>
<nav class="toc"><strong>On this page</strong><ul><li><a href="#a">Model selection</a></li>
{groups}</ul></nav><h2 id="a">Model selection</h2><p>Text.</p></main></body></html>"""
# The demo's topic labels when the topics page's two columns of links had no room for their
# list markers at 1400 px (each column's long labels ran into the next column's bullets).
TOC_LABELS = {"English": ["sensor / data / predictive", "energy / energy consumption / "
                          "streetlight", "security / safety / surveillance",
                          "traffic / transport / bike", "waste / collection / recycling"],
              "French": ["énergie / éclairage / led", "sécurité / caméra / vidéoprotection",
                         "collecte / déchet / réseau d'eau", "transport / vélo / trafic",
                         "donnée / capteur / mesure"]}
OLD_TOC_RULE = ".toc ul { margin: .2rem 0; padding-left: 1.2rem; columns: 2; }"


@pytest.mark.browser
@needs_chromium
def test_the_layout_probe_catches_a_table_of_contents_that_collides(tmp_path):
    """The check of `check_widths` can fail: the old rule of the topics page's contents (its
    labels ran into the next column's markers at 1400 px) and a box laid over the content are
    caught; the stylesheet's rule passes at both widths."""
    groups = "".join(f'<li><a href="#a">{lang} topics</a><ul>' + "".join(
        f'<li><a href="#a">{n}: {label}</a></li>' for n, label in enumerate(labels))
        + "</ul></li>" for lang, labels in TOC_LABELS.items())
    css = (ROOT / "pipeline/report/templates/style.css").read_text(encoding="utf-8")
    rule = re.search(r"^\.toc ul \{.*\}$", css, flags=re.M).group(0)
    cases = {"old": (css.replace(rule, OLD_TOC_RULE), 1400),
             "over": (css + ".toc { position: absolute; top: 0; }", 1400),
             "ours": (css, 1400), "ours-narrow": (css, 420)}
    for name, (style, width) in cases.items():
        page = tmp_path / f"{name}.html"
        page.write_text(TOC_PAGE.format(css=style, groups=groups), encoding="utf-8")
        got = page_width(page, width, tmp_path / f"p-{name}")["toc"]
        if name == "old":
            assert any("energy consumption" in g for g in got), got
        elif name == "over":
            assert any(g.startswith("toc over H2") for g in got), got
        else:
            assert got == [], (name, got)


def check_widths(out: Path, tmp: Path) -> None:
    """No page scrolls sideways at 420 or 1400 px (wide tables scroll inside their box)."""
    for width in (420, 1400):
        for n, path in enumerate(pages(out)):
            got = page_width(path, width, tmp / f"w{width}-{n}")
            assert got["width"] == width, got
            assert got["scroll"] <= width and not got["wide"], f"{path.name} at {width}: {got}"
            assert got["toc"] == [], f"{path.name} at {width}: table of contents {got['toc']}"


def test_stylesheet_colours_pass_wcag_aa():
    from pipeline.report.figures import AA_TEXT, MUTED, contrast

    css = (ROOT / "pipeline/report/templates/style.css").read_text(encoding="utf-8")
    var = dict(re.findall(r"--([a-z]+):\s*(#[0-9a-fA-F]{6})", css))
    for name in ("ink", "muted", "accent", "good", "warn"):
        for bg in ("#ffffff", var["soft"]):
            assert contrast(var[name], bg) >= AA_TEXT, (name, bg)
    header = re.search(r"header\.site \{[^}]*background: (#[0-9a-fA-F]{6})", css).group(1)
    assert contrast("#ffffff", header) >= AA_TEXT
    for colour in re.findall(r"\.changes \.\w+ \.dir \{ color: (#[0-9a-fA-F]{6})", css):
        assert contrast(colour, "#ffffff") >= AA_TEXT, colour
    assert contrast(MUTED, "#ffffff") >= AA_TEXT  # grey text in the figures
    assert contrast("#9a9a9a", "#ffffff") < AA_TEXT  # the check can fail


def test_heat_map_cell_text_passes_aa_on_every_shade():
    import matplotlib

    from pipeline.report.figures import AA_TEXT, contrast, ink_on

    for v in np.linspace(0, 1, 21):
        bg = matplotlib.colors.to_hex(matplotlib.colormaps["Blues"](v))
        assert contrast(ink_on(bg), bg) >= AA_TEXT, bg


def test_phrases_and_firms_read_as_words():
    assert fmt.term("réseau_d'_eau") == "réseau d'eau"
    assert fmt.term("smart_city") == "smart city"
    assert fmt.firm_name("lumidia") == "Lumidia"
    assert fmt.firm_name("eau_de_paris") == "Eau De Paris"
    assert fmt.firm_name("eau_de_paris", {"eau_de_paris": "Eau de Paris"}) == "Eau de Paris"


def test_firms_show_their_display_name_everywhere_and_ids_stay_in_urls(built):
    """Issue 17, part 5: a firm with name= in sources.txt is shown by that name (escaped) on
    every page, in figures and scatters too; its id stays in URLs and exports add the name."""
    name = NAMES["gamma"]
    escaped = html.escape(name, quote=False)
    for path in pages(built):
        raw = path.read_text(encoding="utf-8")
        assert name not in raw, path.name  # never unescaped
        text = " ".join(parse(path).text)
        # every "Gamma" shown is the display name, never the id title-cased
        assert text.count("Gamma") == text.count(name), path.name
        if path.name in ("index.html", "topics.html", "shifts.html", "gamma.html"):
            assert text.count(name) >= 2, path.name
    index = (built / "index.html").read_text(encoding="utf-8")
    assert f'<a href="firms/gamma.html">{escaped}</a>' in index
    firm = (built / "firms" / "gamma.html").read_text(encoding="utf-8")
    assert f"<h1>{escaped}</h1>" in firm and f"<title>{escaped}" in firm
    titles = re.findall(r"<title[^>]*>(.*?)</title>", firm)  # the page's and its figures'
    assert len(titles) > 3 and not any(t.startswith("gamma:") for t in titles), titles
    assert sum(t.startswith(f"{escaped}: ") for t in titles) >= 2, titles
    # figures name the firm too (matplotlib keeps text as <text>)
    assert f"{escaped} (" in (built / "topics.html").read_text(encoding="utf-8")
    # the firms without name= keep their id title-cased
    assert '<a href="firms/beta.html">Beta</a>' in index
    for export in ("collection", "captures", "prevalence", "frame_measures", "kwic"):
        df = pd.read_csv(built / "data" / f"{export}.csv")
        cols = list(df.columns)
        assert cols[cols.index("firm") + 1] == "firm_name", export
        pairs = set(zip(df["firm"].dropna(), df["firm_name"].dropna(), strict=True))
        assert ("gamma", name) in pairs and ("beta", "Beta") in pairs, export


def test_a_bad_name_in_sources_stops_the_report_naming_the_line(tmp_path):
    args = write_project(tmp_path, make_study())
    path = tmp_path / "sources.txt"
    extra = 'gamma page https://g.example/2 name="Other"\n'
    path.write_text(path.read_text(encoding="utf-8") + extra, encoding="utf-8")
    assert report.main(args) == 2
    path.write_text("alpha page https://alpha.example/ville\n", encoding="utf-8")
    assert report.main(args) == 0  # a firm left out of sources.txt keeps its page, title-cased
    assert "<h1>Gamma</h1>" in (tmp_path / "reports/firms/gamma.html").read_text(encoding="utf-8")


# --- the shifts page around its figures (issue 17) -----------------------------------------


def test_shifts_page_puts_figures_first_and_collapses_the_trend_table(built):
    page = (built / "shifts.html").read_text(encoding="utf-8")
    heads = re.findall(r'<h2 id="([^"]+)"', page)
    first_topic = next(n for n, h in enumerate(heads) if h.startswith("topic-shifts-"))
    assert heads[0].startswith("frame-") and heads.index("trends") > first_topic
    # the trend table is folded away, filterable, and still holds every test (no JS needed)
    trends = page.split('<h2 id="trends">')[1].split('<h2 id="terms">')[0]
    assert trends.index("<details") < trends.index("<table") < trends.index("</details>")
    assert "data-filter" in trends
    shifts = pd.read_parquet(built / "data" / "shifts.parquet")
    assert trends.count("<tr><th scope=\"row\">") == len(shifts)
    # each topic panel with a firm that has two years of enough documents (min_docs 3) has
    # its first/last-year table with both intervals
    p = pd.read_parquet(built / "data" / "prevalence.parquet")
    p = p[(p["level"] == "firm_year") & (p["n_docs"] >= 3)]
    years = p.groupby(["lang", "firm"])["year"].nunique()
    langs = sorted({lang for (lang, _), n in years.items() if n >= 2})
    assert ('id="topic-ends-' in page) == bool(langs)
    for lang in langs:
        block = page.split(f'id="topic-ends-{lang}"')[1].split("</details>")[0]
        assert "95 % interval" in block and " pts</td>" in block


# --- evidence one click away (issue 17) ----------------------------------------------------


def test_numbers_link_to_their_concordance_lines(built):
    index = (built / "index.html").read_text(encoding="utf-8")
    opposition = index.split('id="frames"')[1].split("</table>")[0]
    links = re.findall(r'<td class="num" data-sort="[^"]*"><a href="(firms/[^"]+)"', opposition)
    assert links
    for href in links:
        assert_resolves(built, html.unescape(href))
    trends = (built / "shifts.html").read_text(encoding="utf-8").split('id="trend-table"')[1]
    for href in re.findall(r'<td class="num" data-sort="[^"]*"><a href="(firms/[^"]+)"',
                           trends)[:20]:
        assert_resolves(built, html.unescape(href))
    # a PDF line names its page and the document's year; the capture date says what it is
    firm = (built / "firms/alpha.html").read_text(encoding="utf-8")
    kwic = firm.split('id="kwic"')[1]
    assert re.search(r"PDF page \d+ of the \d{4} document", kwic) or ", p. " not in kwic
    assert re.search(r"captured \d{4}-\d\d-\d\d", kwic) and "data-filter" in kwic


@pytest.mark.browser
@needs_chromium
def test_a_link_to_folded_lines_opens_them(built, tmp_path):
    firm = built / "firms/alpha.html"
    folded = re.search(r'<details id="([^"]+)">', firm.read_text(encoding="utf-8")).group(1)
    dom, _, _ = run_chromium(f"{firm.as_uri()}#{folded}", tmp_path / "p", "--dump-dom")
    assert re.search(rf'<details id="{re.escape(folded)}" open', dom)
    others = re.findall(r'<details id="[^"]+" open', dom)
    assert len(others) == 1  # only the target opens


# --- speed (issue 17) ----------------------------------------------------------------------


def test_unchanged_figures_are_read_back_not_redrawn(tmp_path):
    from pipeline.params import ReportParams
    from pipeline.report import figures
    from tests.test_lens import ca_inputs  # the maps matplotlib still draws (and caches)

    inputs = report.ReportInputs(**make_study(), **ca_inputs())
    cache = tmp_path / "figures"
    with figures.cached_figures(None):
        plain = report.build_report(inputs, ReportParams())
    first = report.build_report(inputs, ReportParams(), figure_cache=cache)
    drawn = {p.name for p in cache.glob("*.svg")}
    assert len(drawn) == 2 and first.pages == plain.pages  # the cache changes no byte of a page
    calls = []
    original = figures.render
    figures.render = lambda fig, **kw: calls.append(kw) or original(fig, **kw)
    try:
        again = report.build_report(inputs, ReportParams(), figure_cache=cache)
    finally:
        figures.render = original
    assert calls == [] and again.pages == first.pages
    # a changed table redraws the figures it feeds, and only those; stale SVGs are dropped
    points = inputs.ca_points
    moved = points.assign(dim1=points["dim1"].where(points["analysis"] != "firm_term",
                                                    points["dim1"] * 1.5))
    changed = report.ReportInputs(**make_study(), ca_points=moved, ca_axes=inputs.ca_axes)
    report.build_report(changed, ReportParams(), figure_cache=cache)
    now = {p.name for p in cache.glob("*.svg")}
    assert len(now) == 2 and len(now & drawn) == 1


def test_charts_drawn_without_matplotlib_keep_their_marks_and_escape_their_text():
    from pipeline.report import charts

    svg = charts.interval_chart(
        [("a <b>", 0.4, 0.3, 0.5, True), ("thin", 0.2, 0.1, 0.3, False), ("none", None, None,
                                                                          None, True)],
        title="Shares <x>", xlabel="share", desc="d & e", xlim=(0, 1))
    assert svg.startswith('<svg class="fig" role="img"') and "<title" in svg
    assert "a &lt;b&gt;" in svg and "Shares &lt;x&gt;" in svg and "d &amp; e" in svg
    assert "too little text" in svg and "no data" in svg and ">100%<" in svg
    assert svg.count("<circle") == 2 and 'fill="#ffffff"' in svg  # the thin row is hollow
    weak = {"label": "w", "years": [2018, 2019, 2020], "values": [0.2, 0.5, 0.3],
            "lows": [0.1, 0.4, 0.2], "highs": [0.3, 0.6, 0.4], "enough": [True, False, True]}
    line = charts.time_series([weak, {**weak, "label": "v", "enough": [True] * 3}],
                              title="t", ylabel="share", ylim=(0, 1))
    # the weak year is a ×, and the known years are joined past it, never through it
    assert line.count("<path") == 1 and line.count("<polyline") == 2
    assert '"#0072B2"' in line and ">2019<" in line and ">v<" in line
    grid = charts.small_multiples([("Alpha &", [weak]), ("Beta", [])], title="g",
                                  ylabel="share", ylim=(0, 1))
    assert "Alpha &amp;" in grid and "no data" in grid
    sweep = charts.sweep_chart([4, 5, 6], {"c_v": [0.5, 0.6, float("nan")]}, chosen=5,
                               title="s")
    assert "stroke-dasharray" in sweep and sweep.count("<circle") == 2
    heat = charts.heatmap(np.array([[0.1, np.nan], [0.9, 0.5]]), rows=["a (3 docs)", "b"],
                          cols=["0: eau & gaz", "1: x"], title="h", cbar_label="share",
                          missing=np.array([[True, True], [False, False]]))
    assert "0: eau &amp; gaz" in heat and ">–<" in heat and heat.count("<rect") == 4
    assert heat.count('font-style="italic"') == 1 and ">90%<" in heat
    # the darkest cell's value is white, the lightest's black (contrast)
    assert re.search(r'fill="#ffffff"[^>]*>90%<', heat) and re.search(r'fill="#000000"[^>]*>10%<',
                                                                       heat)
    ids = re.findall(r'\bid="([^"]+)"', svg + line + grid + sweep + heat)
    assert len(ids) == len(set(ids))


def test_a_rerun_with_unchanged_inputs_does_nothing_and_a_change_reruns(tmp_path):
    args = write_project(tmp_path, make_study())
    assert report.main(args) == 0
    index = tmp_path / "reports/index.html"
    stamp = index.stat().st_mtime_ns
    assert report.main(args) == 0
    assert index.stat().st_mtime_ns == stamp  # nothing rewritten
    index.write_text("edited by hand", encoding="utf-8")
    assert report.main(args) == 0
    assert "</h1>" in index.read_text(encoding="utf-8")  # a damaged output is rewritten
    study = make_study()
    study["shifts"] = study["shifts"].iloc[:-1]
    write_project(tmp_path, study)
    assert report.main(args) == 0
    assert (tmp_path / "reports/data/shifts.parquet").exists()
    assert len(pd.read_parquet(tmp_path / "reports/data/shifts.parquet")) == len(
        study["shifts"])


# --- interactive views (issue 17) ----------------------------------------------------------


def check_views(out: Path) -> None:
    """The term scatters and topic maps are inline SVG whose every link lands on an anchor."""
    firm_pages = sorted((out / "firms").glob("*.html"))
    n_scatters, n_links = 0, 0
    for path in firm_pages:
        text = path.read_text(encoding="utf-8")
        for fig in re.findall(r'<figure class="term-scatter".*?</figure>', text, flags=re.S):
            n_scatters += 1
            svg = fig[fig.index("<svg"):fig.index("</svg>")]
            assert svg.count("<circle") >= 5 and 'class="pt key"' in svg
            hrefs = re.findall(r'<a href="#([^"]+)"', svg)
            n_links += len(hrefs)
            ids = parse(path).ids
            assert all(unquote(html.unescape(h)) in ids for h in hrefs), path.name
    assert n_scatters >= 1 and n_links >= 1
    topics = (out / "topics.html").read_text(encoding="utf-8")
    maps = re.findall(r'<div class="topic-map".*?</figure>', topics, flags=re.S)
    assert maps
    ids = parse(out / "topics.html").ids
    for block in maps:
        hrefs = re.findall(r'<a href="#([^"]+)" data-topic', block)
        assert len(hrefs) >= 2 and all(unquote(h) in ids for h in hrefs)
        data = json.loads(html.unescape(re.search(r'data-topics="([^"]*)"', block).group(1)))
        assert all(t["terms"] and t["href"][1:] in ids for t in data["topics"])
        assert all(w[2] > 0 for t in data["topics"] for w in t["terms"])  # no log(x / 0)


def test_scatters_and_topic_maps_link_to_existing_anchors(built, hostile):
    check_views(built)
    # terms from the web stay escaped inside the SVG and the JSON
    for path in [*sorted((hostile / "firms").glob("*.html")), hostile / "topics.html"]:
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text.replace("<script>\n", "")


@pytest.mark.browser
@needs_chromium
def test_interactive_views_run_offline_and_pages_read_without_javascript(built, tmp_path):
    topics = built / "topics.html"
    dom, log, requests = run_chromium(topics.as_uri(), tmp_path / "js", "--dump-dom")
    assert console_lines(log) == [] and requests == []
    panel = dom.split('class="relevance"')[1].split("</div>")[0]
    assert 'type="range"' in panel and len(re.findall(r"<li>", panel)) >= 3
    firm = built / "firms/alpha.html"
    dom, _, _ = run_chromium(firm.as_uri(), tmp_path / "js2", "--dump-dom")
    assert "Find a term on the scatter" in dom
    # without JavaScript the page is its HTML as written: no control, the static map, the
    # scatter and the tables
    for path in (topics, firm):
        page = path.read_text(encoding="utf-8")
        assert 'class="relevance"' not in page and 'class="filter"' not in page
        assert "<svg" in page and "<table" in page and "</h1>" in page




def test_undated_and_other_language_documents_are_counted_and_named(tmp_path):
    """Issue 14, parts 1 and 3: the index and the firm page say how many documents are
    undated and why; a document in another language is listed with its confidence."""
    tables = make_study()
    docs = tables["documents"].copy()
    live = docs.index[(docs["firm"] == "alpha") & (docs["year_source"] == "captured")]
    docs.loc[live[:2], "year"] = None
    docs.loc[live[:2], "year_source"] = "undated"
    other = docs.index[(docs["firm"] == "beta") & (docs["year_source"] == "captured")][0]
    docs.loc[other, ["lang", "lang_confidence"]] = ["de", 0.97]
    docs.loc[live[2:4], "n_chrome"] = 3  # issue 14, part 4: chrome lines counted per firm
    docs["year"] = docs["year"].astype("Int16")
    tables["documents"] = docs
    tables = {**tables, **stage_tables(tables)}
    assert report.main(write_project(tmp_path, tables)) == 0
    index = " ".join(" ".join(parse(tmp_path / "reports" / "index.html").text).split())
    assert "2 documents carry no date" in index and "date_by_capture" in index
    assert "left out of the analyses for their language (1)" in index and "0.97" in index
    # The study's languages stay French and English.
    assert "German" not in index.split("languages")[0]
    alpha = " ".join(" ".join(parse(tmp_path / "reports" / "firms" / "alpha.html").text).split())
    assert "2 documents carry no date of Alpha" in alpha
    assert "6 page-chrome lines" in alpha
    collection = tables["collection"]
    assert collection[(collection["firm"] == "alpha") & collection["year"].isna()][
        "n_documents"].sum() == 2


def test_each_topic_shows_its_size(built):
    """Issue 14, part 5: a topic's share of the text and the passages it leads."""
    text = " ".join(" ".join(parse(built / "topics.html").text).split())
    sizes = re.findall(r"Size: [\d.,]+ ?% of the text.*? the main topic of (\d+) of (\d+) "
                       r"passages", text)
    dt = make_study()["doc_topics"]
    assert len(sizes) == len(dt[["lang", "topic"]].drop_duplicates())
    # Every passage has one main topic: the sizes add up to the models' passages.
    assert sum(int(n) for n, _ in sizes) == dt.groupby("lang")["passage_id"].nunique().sum()

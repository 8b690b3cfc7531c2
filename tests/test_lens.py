"""The study's own lens (issue 9): the firm × domain table and its years, the government-by-
performance group, and the correspondence-analysis maps, from the contrasts stage to the report.

Small synthetic tables first; the demo site's planted truth at the end (slow: whole pipeline).
"""

from __future__ import annotations

import html
import logging
import re
from itertools import combinations
from pathlib import Path
from urllib.parse import unquote, urlsplit

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.contrasts.ca import (
    analyse_table,
    ca_tables,
    correspondence_analysis,
    correspondence_tables,
    firm_domain_counts,
    firm_term_counts,
)
from pipeline.contrasts.stage import score_contrasts
from pipeline.io import read_table, write_table
from pipeline.params import ContrastsParams
from pipeline.report import figures, grids
from pipeline.report import stage as report
from tests.test_contrasts import LEXICON, PARAMS, planted_corpus
from tests.test_report import SCRIPT, _table, make_study, parse, write_project

# --- the contingency tables ------------------------------------------------------------------


def keyness_rows(rows: list[tuple]) -> pd.DataFrame:
    """firm_vs_rest rows from (firm, lang, term, count_a, rank, log_ratio_cons)."""
    return _table(schemas.KEYNESS, [
        dict(comparison="firm_vs_rest", group_a=f, group_b="rest", lang=lang, term=t,
             count_a=n, rank=r, log_ratio_cons=c, q_g2=0.01 if r else 0.5)
        for f, lang, t, n, r, c in rows])


def domain_rows(counts: dict[str, dict[str, int]], thin: tuple[str, ...] = ()) -> pd.DataFrame:
    rows = []
    for firm, by_domain in counts.items():
        for domain, n in by_domain.items():
            rows.append(dict(group="domains", frame=domain, level="firm", firm=firm,
                             n_matches=n, enough=firm not in thin))
            rows.append(dict(group="domains", frame=domain, level="firm_year", firm=firm,
                             year=2020, n_matches=n, enough=True))
            rows.append(dict(group="performance", frame="pooling", level="firm", firm=firm,
                             n_matches=99, enough=True))
    return _table(schemas.DOMAINS, rows).drop_duplicates(["group", "frame", "level", "firm"])


def test_firm_term_table_takes_each_firms_top_ranked_terms_and_counts_them_everywhere():
    k = keyness_rows([
        ("a", "fr", "eau", 30, 1, 2.0), ("b", "fr", "eau", 5, None, -1.0),
        ("a", "fr", "tri", 10, 2, 1.0), ("b", "fr", "tri", 9, None, 0.0),
        ("a", "fr", "ville", 50, 3, 0.5),  # ranked, but past ca_n_terms
        ("b", "fr", "vélo", 40, 1, 3.0), ("a", "fr", "vélo", 0, 4, -3.0),  # a's other side
        ("a", "en", "water", 7, 1, 2.0),  # another language: another table
    ])
    t = firm_term_counts(k, lang="fr", ca_n_terms=2)
    assert list(t.columns) == ["eau", "vélo", "tri"]  # by best rank, then alphabetically
    assert t.loc["a"].tolist() == [30, 0, 10] and t.loc["b"].tolist() == [5, 40, 9]
    # a firm left out of the rows brings no terms of its own
    only_a = firm_term_counts(k, lang="fr", ca_n_terms=2, firms=["a", "c"])
    assert list(only_a.columns) == ["eau", "tri"] and only_a.loc["c"].sum() == 0


def test_firm_domain_table_counts_matches_of_firms_with_enough_text():
    d = domain_rows({"a": {"water": 4, "waste": 0}, "b": {"water": 1, "waste": 6},
                     "c": {"water": 2, "waste": 2}}, thin=("c",))
    t = firm_domain_counts(d)
    assert t.to_dict("index") == {"a": {"water": 4, "waste": 0}, "b": {"water": 1, "waste": 6}}


def test_a_table_too_small_for_a_map_gives_empty_tables_and_says_why(caplog):
    two_firms = pd.DataFrame([[5, 1, 0], [1, 5, 2]], index=["a", "b"], columns=list("xyz"))
    with caplog.at_level(logging.WARNING, logger="pipeline.contrasts"):
        points, axes = analyse_table(two_firms, analysis="firm_domain", lang=None, seed=1)
    assert points.empty and axes.empty
    assert list(points.columns) == schemas.CA_POINTS.names
    assert "needs at least 3 firms and 3 columns" in caplog.text and "2 × 3" in caplog.text
    # three firms, but every count in two columns once empty ones go: still no map
    flat = pd.DataFrame([[5, 1, 0], [1, 5, 0], [2, 2, 0]], index=list("abc"), columns=list("xyz"))
    assert analyse_table(flat, analysis="firm_term", lang="fr", seed=1)[0].empty
    # nothing at all (no keyness, no domains): empty tables, no error
    points, axes = correspondence_tables(keyness_rows([]), domain_rows({}),
                                         pd.DataFrame(columns=["firm", "lang", "n_tokens"]),
                                         ca_n_terms=5, min_tokens=1, seed=1)
    assert points.empty and axes.empty


def test_correspondence_tables_one_pooled_domain_map_and_one_term_map_per_language(tmp_path):
    domains = domain_rows({"a": {"water": 30, "waste": 25, "mobility": 2, "security": 1},
                           "b": {"water": 28, "waste": 27, "mobility": 3, "security": 0},
                           "c": {"water": 2, "waste": 1, "mobility": 30, "security": 10},
                           "d": {"water": 1, "waste": 3, "mobility": 8, "security": 40}})
    rows = []
    for lang, words in (("fr", ["eau", "tri", "vélo", "caméra"]),
                        ("en", ["water", "bin", "bike", "camera"])):
        profile = {"a": [20, 15, 1, 1], "b": [18, 17, 2, 1], "c": [1, 2, 25, 6],
                   "d": [2, 1, 5, 30]}
        for firm, counts in profile.items():
            order = sorted(counts, reverse=True)
            for w, c in zip(words, counts, strict=True):
                rank = order.index(c) + 1 if c >= order[1] else None  # its two main words
                rows.append((firm, lang, w, c, rank, 1.0 if rank else 0.0))
    tokens = pd.DataFrame({"firm": list("abcd") * 2, "lang": ["fr"] * 4 + ["en"] * 4,
                           "n_tokens": [900, 900, 900, 900, 900, 900, 900, 10]})
    points, axes = correspondence_tables(keyness_rows(rows), domains, tokens, ca_n_terms=5,
                                         min_tokens=100, seed=3)
    write_table(points, tmp_path / "p.parquet", schemas.CA_POINTS)
    write_table(axes, tmp_path / "a.parquet", schemas.CA_AXES)
    got = {(a, lang) for a, lang in
           read_table(tmp_path / "a.parquet", schemas.CA_AXES)[["analysis", "lang"]]
           .astype(object).where(axes[["analysis", "lang"]].notna(), None).itertuples(index=False)}
    assert got == {("firm_domain", None), ("firm_term", "fr"), ("firm_term", "en")}
    en = points[(points["analysis"] == "firm_term") & (points["lang"] == "en")]
    assert set(en.loc[en["side"] == "row", "label"]) == {"a", "b", "c"}  # d: 10 English tokens
    for (analysis, lang), part in points.groupby(["analysis", points["lang"].fillna("")]):
        firms = part[part["side"] == "row"].set_index("label")[["dim1", "dim2"]]
        dist = {(f, g): float(np.linalg.norm(firms.loc[f] - firms.loc[g]))
                for f, g in combinations(sorted(firms.index), 2)}
        assert min(dist, key=dist.get) == ("a", "b"), (analysis, lang)
        assert part.groupby("side")["contrib1"].sum().to_numpy() == pytest.approx([1, 1])
    shares = axes.set_index(["analysis", axes["lang"].fillna("")])["share"]
    assert ((shares > 0) & (shares < 1)).all()


@pytest.fixture(scope="module")
def planted():
    s, b, d, p = planted_corpus()
    return score_contrasts(s, b, d, p, LEXICON,
                           ContrastsParams(**PARAMS, ca_n_terms=10))


def test_the_stage_maps_firms_by_their_distinctive_terms(planted):
    """acme, bolt and cora each have a distinctive word: the term map puts each word by its
    firm; the lexicon's domains are too few for a domain map, which is left out, not an error."""
    assert set(planted.ca_axes["analysis"]) == {"firm_term"}
    pts = planted.ca_points
    assert set(pts.loc[pts["side"] == "row", "label"]) == {"acme", "bolt", "cora"}
    xy = pts.set_index("label")[["dim1", "dim2"]]
    for firm, word in (("acme", "hyperviseur"), ("bolt", "tarification"),
                       ("cora", "biodiversité")):
        others = [f for f in ("acme", "bolt", "cora") if f != firm]
        near = np.linalg.norm(xy.loc[word] - xy.loc[firm])
        assert all(near < np.linalg.norm(xy.loc[word] - xy.loc[o]) for o in others), word


# --- the report: map, tables, exports --------------------------------------------------------


def test_ca_map_is_accessible_svg_with_escaped_labels_and_inertia_on_the_axes():
    svg = figures.ca_map([("a<b", 0.5, 0.1), ("c", -0.4, 0.2), ("d", 0.0, -0.6)],
                         [(SCRIPT, 0.6, 0.1, True), ("eau & gaz", -0.5, 0.3, True),
                          ("quiet", 0.1, 0.1, False)],
                         shares=(0.512, 0.281), title="Map <of> firms", desc="Firms & terms")
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "Map &lt;of&gt; firms" in svg and "Firms &amp; terms" in svg
    assert "<script" not in svg and "&lt;script&gt;" in svg and "eau &amp; gaz" in svg
    assert "a&lt;b" in svg and ">quiet<" not in svg  # an unlabelled column is a mark only
    assert "Axis 1 (51.2% of inertia)" in svg and "Axis 2 (28.1% of inertia)" in svg
    # two firms on the same spot share one label rather than one set apart from its dot
    same = figures.ca_map([("a", 0.5, 0.1), ("b", 0.5001, 0.1), ("c", -0.4, 0.2)],
                          [("x", 0.1, 0.3, True), ("y", -0.3, -0.2, True)],
                          shares=(0.6, 0.4), title="t")
    assert "a · b" in same and ">c<" in same


def ca_inputs() -> dict[str, pd.DataFrame]:
    """CA tables for the synthetic study of test_report (firms alpha, beta, gamma)."""
    domains = pd.DataFrame([[9, 8, 1, 0], [8, 9, 0, 1], [1, 0, 9, 7]],
                           index=["alpha", "beta", "gamma"],
                           columns=["water", "data_analysis", "mobility", "security"])
    terms = pd.DataFrame([[12, 2, 1, 3], [2, 11, 1, 2], [1, 1, 14, 2]],
                         index=["alpha", "beta", "gamma"],
                         columns=["alpha_terme_00", SCRIPT, "gamma_terme_00", "ville"])
    parts = [ca_tables(correspondence_analysis(domains), "firm_domain"),
             ca_tables(correspondence_analysis(terms), "firm_term", "fr")]
    return {"ca_points": pd.concat([p for p, _ in parts], ignore_index=True),
            "ca_axes": pd.concat([a for _, a in parts], ignore_index=True)}


def render_study(root: Path, with_ca: bool) -> Path:
    tables = make_study()
    # performance by year, which make_study gives only over all years
    fm = tables["frame_measures"]
    perf = fm[(fm["group"] == "performance") & (fm["level"] == "firm")]
    years = [perf.assign(level="firm_year", year=y, value=perf["value"] + k)
             for k, y in enumerate((2018, 2019, 2020))]
    tables["frame_measures"] = pd.concat([fm, *years], ignore_index=True)
    tables["frame_measures"]["year"] = tables["frame_measures"]["year"].astype("Int16")
    args = write_project(root, tables)
    if with_ca:
        for name, df in ca_inputs().items():
            write_table(df, root / "data/contrasts" / f"{name}.parquet",
                        getattr(schemas, name.upper()))
    assert report.main(args) == 0
    return root / "reports"


@pytest.fixture(scope="module")
def with_ca(tmp_path_factory) -> Path:
    return render_study(tmp_path_factory.mktemp("ca"), with_ca=True)


def section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def test_index_shows_each_map_with_inertia_coordinates_and_closest_pairs(with_ca):
    index = (with_ca / "index.html").read_text(encoding="utf-8")
    ca = section(index, '<h2 id="correspondence">', '<h2 id="pages">')
    axes = ca_inputs()["ca_axes"]
    assert len(re.findall(r'<svg class="fig" role="img"', ca)) == 2
    assert "Firms and offer domains (French and English pooled)" in ca
    assert "Firms and their distinctive terms (French texts)" in ca
    for share in axes["share"]:
        assert f"{share * 100:.1f} %" in ca
    assert "Axis 1 (" in ca and "% of inertia)" in ca
    # closest pair first: alpha and beta share their profile in both tables
    pairs = re.findall(r"Firm pairs, closest first.*?</table>", ca, re.S)
    assert len(pairs) == 2 and all(
        re.search(r"<tbody>\s*<tr><th scope=\"row\"><a[^>]*>Alpha</a> · <a[^>]*>Beta</a>", p)
        for p in pairs)
    # every term is in the table, escaped; a term with concordance lines links to them
    assert html.escape(SCRIPT) in ca and SCRIPT not in ca
    link = re.search(r'<a href="([^"]+)" title="concordance lines">alpha_terme_00</a>', ca)
    target = urlsplit(link.group(1))
    assert target.path == "firms/alpha.html"
    assert unquote(target.fragment) in parse(with_ca / target.path).ids
    assert "data/ca_points.csv" in ca and "data/ca_axes.csv" in ca


def test_ca_tables_are_exported_and_listed(with_ca):
    given = ca_inputs()
    for name in ("ca_points", "ca_axes"):
        csv = pd.read_csv(with_ca / "data" / f"{name}.csv")
        parquet = read_table(with_ca / "data" / f"{name}.parquet", getattr(schemas, name.upper()))
        assert len(csv) == len(parquet) == len(given[name])
        assert list(csv.columns) == getattr(schemas, name.upper()).names
    readme = (with_ca / "data/README.md").read_text(encoding="utf-8")
    assert "## ca_points (" in readme and "## ca_axes (" in readme and "| contrib1 |" in readme


def test_without_ca_tables_the_report_says_so_and_exports_empty_tables(tmp_path):
    out = render_study(tmp_path, with_ca=False)
    index = (out / "index.html").read_text(encoding="utf-8")
    ca = section(index, '<h2 id="correspondence">', '<h2 id="pages">')
    assert "No correspondence analysis was run" in ca and "<svg" not in ca
    assert list(pd.read_csv(out / "data/ca_axes.csv").columns) == schemas.CA_AXES.names


def test_performance_is_compared_across_firms_with_intervals_and_trends(with_ca):
    index = (with_ca / "index.html").read_text(encoding="utf-8")
    perf = section(index, 'id="frame-performance"', '<h2 id="correspondence">')
    assert "Performance compared across firms" in perf
    assert len(re.findall(r"<svg\b", perf)) == 1  # one frame (pooling) in the fixture
    assert "rate per 10,000 tokens per firm, all years" in perf and "95 % interval" in perf
    assert "trend of each rate across years" in perf
    shifts = (with_ca / "shifts.html").read_text(encoding="utf-8")
    by_year = section(shifts, '<h2 id="frame-performance">', "</figure>")
    assert "rates by year" in by_year and "one panel per firm" in by_year
    firm = (with_ca / "firms/alpha.html").read_text(encoding="utf-8")
    assert "Alpha: performance, rate per 10,000 tokens by year</title>" in firm


def grid_cell(year: int, rate: float, docs: int, enough: bool = True) -> dict:
    return {"year": year, "value": rate, "n_docs_matching": docs, "enough": enough,
            "on": enough and rate >= 2 and docs >= 2}


def test_entry_year_is_the_first_presence_after_an_observed_absence():
    entry = grids.entry
    assert entry([grid_cell(2017, 0, 0), grid_cell(2018, 0, 0), grid_cell(2019, 5, 3),
                  grid_cell(2020, 5, 3)]) == {"year": 2019, "new": True}
    # present from the first year with enough text: no entry seen in the corpus
    assert entry([None, grid_cell(2018, 0, 0, enough=False), grid_cell(2019, 5, 3)]) == {
        "year": 2019, "new": False}
    assert entry([grid_cell(2017, 5, 1), grid_cell(2018, 1, 4)]) is None  # never present


# --- the demo site's planted truth (needs the whole pipeline) --------------------------------


def firm_distances(points: pd.DataFrame, analysis: str, lang: str | None) -> dict:
    same = points["lang"].isna() if lang is None else points["lang"] == lang
    rows = points[(points["analysis"] == analysis) & same & (points["side"] == "row")]
    xy = rows.set_index("label")[["dim1", "dim2"]]
    return {(f, g): float(np.linalg.norm(xy.loc[f] - xy.loc[g]))
            for f, g in combinations(sorted(xy.index), 2)}


@pytest.mark.slow
def test_demo_domain_table_marks_the_planted_domains_and_their_entries(demo_build, truth):
    shown = read_table(demo_build / "reports/data/firm_domains.parquet",
                       schemas.with_firm_name(schemas.FIRM_DOMAINS))
    present = shown[shown["present"]].groupby("firm")["domain"].apply(set).to_dict()
    assert present == {f: set(spec["domains"]) for f, spec in truth["firms"].items()}
    # the per-year table: a firm entering a domain, on the index and on the firm's page
    index = (demo_build / "reports/index.html").read_text(encoding="utf-8")
    entries = section(index, "Domains that entered a firm's offer during the period", "</table>")
    rows = re.findall(r'<tr><th scope="row"><a [^>]*>(\w+)</a></th><td><a [^>]*>([^<]+)</a></td>'
                      r'\s*<td class="num">(\d{4})</td>', entries)
    assert {(f, d.replace(" ", "_"), int(y)) for f, d, y in rows} == {
        (truth["firms"][e["firm"]]["name"], e["domain"], e["year"])
        for e in truth["domain_entries"]}  # firms by display name
    for e in truth["domain_entries"]:
        page = (demo_build / f"reports/firms/{e['firm']}.html").read_text(encoding="utf-8")
        grid = section(page, 'id="domains-years"', "</table>")
        row = re.search(rf'<tr><th scope="row"><a href="#kwic-domains-{e["domain"]}".*?</tr>',
                        grid, re.S).group(0)
        assert f"<strong>{e['year']}</strong>" in row
        assert row.count('class="cell on"') == max(truth["years"]) - e["year"] + 1


@pytest.mark.slow
def test_demo_ca_places_the_most_similar_firms_closest(demo_build, truth):
    points = read_table(demo_build / "data/contrasts/ca_points.parquet", schemas.CA_POINTS)
    pair = tuple(sorted(truth["most_similar_pair"]))
    for analysis, lang in (("firm_domain", None), ("firm_term", "fr"), ("firm_term", "en")):
        dist = firm_distances(points, analysis, lang)
        assert len(dist) == 10, (analysis, lang)  # the five firms are on every map
        ranked = sorted(dist, key=dist.get)
        assert ranked[0] == pair, (analysis, lang, {k: round(dist[k], 3) for k in ranked[:3]})
    index = (demo_build / "reports/index.html").read_text(encoding="utf-8")
    ca = section(index, '<h2 id="correspondence">', '<h2 id="pages">')
    assert len(re.findall(r'<svg class="fig" role="img"', ca)) == 3

"""The report shows the topics stage's trend tests beside the topic charts, and exports the
topic trends and the firm-vs-rest comparisons (versus) with the other tables."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schemas
from pipeline.io import read_table, write_table
from pipeline.report import stage as report
from tests.test_report import NAMES, _table, make_study, write_project


def section(page: str, start: str, end: str) -> str:
    return page.split(start, 1)[1].split(end, 1)[0]


def topic_trend_rows() -> pd.DataFrame:
    rows = []
    for lang, firms in (("fr", ("alpha", "gamma")), ("en", ("beta", "gamma"))):
        for firm in firms:
            for t in range(3):
                row = dict(lang=lang, firm=firm, topic=t, first_year=2018, last_year=2021,
                           n_years=4, slope=0.05, ci_low=-0.2, ci_high=0.3, p_value=0.6,
                           q_value=0.6, dispersion=1.5, n_docs=4, n_tokens=1600)
                if (lang, firm, t) == ("fr", "alpha", 1):  # the one trend found
                    row.update(slope=0.71, ci_low=0.4, ci_high=1.02, p_value=0.001,
                               q_value=0.003)
                if firm == "gamma":  # too little text: no slope, and the reason
                    row.update(slope=None, ci_low=None, ci_high=None, p_value=None,
                               q_value=None, dispersion=None, n_years=2,
                               note="too few years with enough text: 2 year(s) with at least "
                                    "500 word tokens, 3 needed", excluded_years=[2019, 2021])
                rows.append(row)
    return _table(schemas.TOPIC_TRENDS, rows)


def versus_rows() -> pd.DataFrame:
    return _table(schemas.VERSUS, [
        dict(group="audience", frame="citizens", measure="share", firm=f, value=v,
             rest_value=0.5, diff=v - 0.5, ci_low=v - 0.6, ci_high=v - 0.4, p_value=p,
             q_value=min(1.0, 3 * p), differs=3 * p <= 0.05, n_docs=8, n_tokens=3200,
             enough=True)
        for f, v, p in (("alpha", 0.8, 0.001), ("beta", 0.45, 0.5), ("gamma", 0.5, 0.9))])


@pytest.fixture(scope="module")
def with_trends(tmp_path_factory) -> tuple[Path, dict[str, pd.DataFrame]]:
    root = tmp_path_factory.mktemp("trends")
    args = write_project(root, make_study())
    extra = {"topic_trends": topic_trend_rows(), "versus": versus_rows()}
    write_table(extra["topic_trends"], root / "data/topics/topic_trends.parquet",
                schemas.TOPIC_TRENDS)
    write_table(extra["versus"], root / "data/contrasts/versus.parquet", schemas.VERSUS)
    assert report.main(args) == 0
    return root / "reports", extra


def test_shifts_page_gives_the_topic_trend_tests_beside_the_topic_charts(with_trends):
    out, _ = with_trends
    page = (out / "shifts.html").read_text(encoding="utf-8")
    fr = section(page, '<h2 id="topic-shifts-fr">', "<h2 ")
    table = section(fr, '<details id="topic-trends-fr">', "</details>")
    assert "(1 trend with q ≤ 0.05)" in table
    rows = re.findall(r"<tr(?: class=\"flag\")?><th scope=\"row\">.*?</tr>", table, re.S)
    assert len(rows) == 6  # alpha and gamma × 3 topics
    flagged = [r for r in rows if r.startswith('<tr class="flag">')]
    assert len(flagged) == 1 and "firms/alpha.html" in flagged[0]
    assert 'href="topics.html#topic-fr-1"' in flagged[0] and "0.710" in flagged[0]
    assert "0.400 – 1.020" in flagged[0]
    thin = [r for r in rows if "firms/gamma.html" in r]
    assert all("too few years with enough text" in r and "2019, 2021" in r for r in thin)
    # the English model's table holds the English rows only
    en = section(page, '<details id="topic-trends-en">', "</details>")
    assert "firms/beta.html" in en and "firms/alpha.html" not in en
    assert 'href="data/topic_trends.csv"' in table


def test_topic_trends_and_versus_are_exported_as_read(with_trends):
    out, extra = with_trends
    for name, schema in (("topic_trends", schemas.TOPIC_TRENDS), ("versus", schemas.VERSUS)):
        # exported as read, with the firms' display names beside their ids
        named = schemas.with_firm_name(schema)
        exported = read_table(out / "data" / f"{name}.parquet", named)
        assert set(exported["firm_name"]) == {NAMES.get(f, f.title()) for f in exported["firm"]}
        pd.testing.assert_frame_equal(exported.drop(columns="firm_name").reset_index(drop=True),
                                      read_table(out.parent / "data" / (
                                          "topics" if name == "topic_trends" else "contrasts")
                                          / f"{name}.parquet", schema))
        csv = pd.read_csv(out / "data" / f"{name}.csv")
        assert list(csv.columns) == named.names and len(csv) == len(extra[name])
    readme = (out / "data" / "README.md").read_text(encoding="utf-8")
    assert "## versus (3 rows)" in readme and "## topic_trends (12 rows)" in readme
    assert "| differs | bool |" in readme


def test_without_the_tables_the_exports_are_empty_and_the_page_says_nothing_false(tmp_path):
    assert report.main(write_project(tmp_path, make_study())) == 0
    out = tmp_path / "reports"
    assert pd.read_parquet(out / "data/versus.parquet").empty
    assert pd.read_parquet(out / "data/topic_trends.parquet").empty
    assert 'id="topic-trends-' not in (out / "shifts.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_demo_exports_versus_and_shows_the_planted_topic_rise_as_a_trend(demo_build, truth):
    data = demo_build / "reports" / "data"
    pd.testing.assert_frame_equal(
        read_table(data / "versus.parquet", schemas.with_firm_name(schemas.VERSUS)).drop(
            columns="firm_name"),
        read_table(demo_build / "data/contrasts/versus.parquet", schemas.VERSUS))
    trends = read_table(demo_build / "data/topics/topic_trends.parquet", schemas.TOPIC_TRENDS)
    page = (demo_build / "reports/shifts.html").read_text(encoding="utf-8")
    for shift in (s for s in truth["shifts"] if s["kind"] == "theme"):
        lang = truth["firms"][shift["firm"]]["main_lang"]
        found = trends[(trends["lang"] == lang) & (trends["firm"] == shift["firm"])
                       & (trends["q_value"] <= 0.05)]
        table = section(page, f'<details id="topic-trends-{lang}">', "</details>")
        rows = re.findall(r'<tr class="flag"><th scope="row"><a href="firms/(\w+)\.html">.*?'
                          r'href="topics.html#topic-\w+-(\d+)"', table, re.S)
        assert {(shift["firm"], int(t)) for t in found["topic"]} <= {
            (f, int(t)) for f, t in rows}


def test_front_page_lists_topic_shifts_by_their_trend_test():
    """The "what changed" box takes a topic share when its trend test passes (q at most the
    study's fdr), whatever its first and last years' intervals, and not otherwise."""
    from types import SimpleNamespace

    from pipeline.report.changes import _topic_shifts

    prevalence = pd.DataFrame({
        "level": "firm_year", "lang": "fr", "firm": "acme", "topic": [0, 0, 1, 1],
        "year": [2017, 2020, 2017, 2020], "share": [0.10, 0.30, 0.40, 0.38],
        "ci_low": [0.05, 0.22, 0.3, 0.3], "ci_high": [0.15, 0.38, 0.5, 0.46],
        "n_docs": [6, 6, 6, 6]})
    trends = pd.DataFrame({"lang": "fr", "firm": "acme", "topic": [0, 1],
                           "slope": [0.4, -0.02], "ci_low": [0.2, -0.1], "ci_high": [0.6, 0.06],
                           "q_value": [0.001, 0.7]})
    study = SimpleNamespace(
        fdr=0.05, min_docs=3, order={"acme": 0},
        topic_name=lambda lang, topic: f"t{topic}",
        inputs=SimpleNamespace(prevalence=prevalence, topic_trends=trends))
    items = _topic_shifts(study)
    assert [(i["what"], i["direction"]) for i in items] == [("share of topic t0 (French texts)",
                                                             "rose")]
    assert items[0]["size"] == "10 % in 2017 → 30 % in 2020"
    assert "q 0.001" in items[0]["interval"]
    # a topics stage that wrote no trend table: the first and last years' intervals decide
    study.inputs.topic_trends = None
    assert [i["what"] for i in _topic_shifts(study)] == ["share of topic t0 (French texts)"]

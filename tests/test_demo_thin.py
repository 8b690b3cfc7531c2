"""The demo's thin firm (truth.json `thin_firms`: six short French pages in two years) is
flagged as too little text everywhere it appears, and no other firm is (issue 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipeline import schemas
from pipeline.io import read_table

pytestmark = pytest.mark.slow


def table(root: Path, folder: str, name: str):
    return read_table(root / "data" / folder / f"{name}.parquet", getattr(schemas, name.upper()))


@pytest.fixture(scope="module")
def thin(truth) -> set[str]:
    assert truth["thin_firms"], "truth.json plants no thin firm"
    return set(truth["thin_firms"])


def test_the_thin_firm_is_collected_with_its_six_dated_pages(demo_build, truth, thin):
    docs = table(demo_build, "interim", "documents")
    for firm, spec in truth["thin_firms"].items():
        mine = docs[(docs["firm"] == firm) & (docs["status"] == "ok")]
        by_year = mine.groupby("year").size().to_dict()
        assert by_year == {int(y): n for y, n in spec["n_documents"].items()}, firm
        assert set(mine["lang"]) == {spec["main_lang"]}


def test_firm_figures_and_comparisons_flag_the_thin_firm_only(demo_build, truth, thin):
    versus = table(demo_build, "contrasts", "versus")
    enough = versus.groupby("firm")["enough"].agg(set).to_dict()
    assert {f for f, e in enough.items() if e == {False}} == thin
    assert all(e == {True} for f, e in enough.items() if f not in thin)
    assert versus.loc[versus["firm"].isin(thin), "q_value"].isna().all()
    fm = table(demo_build, "contrasts", "frame_measures")
    whole = fm[(fm["level"] == "firm") & fm["lang"].isna()]
    assert set(whole.loc[~whole["enough"], "firm"]) == thin
    domains = table(demo_build, "contrasts", "firm_domains")
    assert domains.loc[domains["firm"].isin(thin), "present"].isna().all()
    assert domains.loc[~domains["firm"].isin(thin), "present"].notna().all()


def test_topic_profiles_flag_the_thin_firm_only(demo_build, truth, thin):
    prev = table(demo_build, "topics", "prevalence")
    firm = prev[prev["level"] == "firm"]
    flagged = set(firm.loc[firm["enough"].eq(False), "firm"])
    assert flagged == thin
    assert firm.loc[~firm["firm"].isin(thin), "enough"].all()
    trends = table(demo_build, "topics", "topic_trends")
    assert trends.loc[trends["firm"].isin(thin), "slope"].isna().all()
    assert trends.loc[trends["firm"].isin(thin), "note"].str.startswith("too few years").all()
    index = (demo_build / "reports/index.html").read_text(encoding="utf-8")
    weak_rows = set(re.findall(r'<tr class="weak"><th scope="row"><a href="firms/(\w+)\.html"',
                               index))
    assert weak_rows == thin
    for f in thin:
        name = truth["thin_firms"][f]["name"]
        assert re.search(rf"{name} \(\d+ docs\) – too little text", index)


def test_correspondence_maps_leave_the_thin_firm_off_and_say_so(demo_build, truth, thin):
    points = table(demo_build, "contrasts", "ca_points")
    rows = points[points["side"] == "row"]
    assert not set(rows["label"]) & thin
    assert set(rows["label"]) == set(truth["firms"])
    index = (demo_build / "reports/index.html").read_text(encoding="utf-8")
    notes = re.findall(r'<p class="note weak">Not on this map, too little text[^:]*: (.*?)</p>',
                       index)
    assert len(notes) == 3  # the domain map and the two term maps
    for note in notes:
        assert set(re.findall(r'href="firms/(\w+)\.html"', note)) == thin


def test_only_the_thin_firms_page_says_too_little_text_at_the_top(demo_build, truth, thin):
    for firm in [*truth["firms"], *thin]:
        page = (demo_build / f"reports/firms/{firm}.html").read_text(encoding="utf-8")
        top = page.split('<h2 id="topics">', 1)[0]
        assert ('id="too-little-text"' in top) == (firm in thin), firm
        if firm in thin:
            topics = page.split('<h2 id="topics">', 1)[1].split('<h2 id="vocabulary">', 1)[0]
            rows = re.findall(r"<tr( class=\"weak\")?><th scope=\"row\"><a href=\"../topics",
                              topics)
            assert rows and all(rows), firm  # every topic share greyed

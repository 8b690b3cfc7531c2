"""The demo's long registration documents come out of extraction as planted: their sections
(demo/truth.json `long_reports`) found with their level, pages and family, the city sections
kept (relevance precision and recall at least 0.9 each) and everything else accounted for."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from pipeline.extract.captures import Capture
from pipeline.extract.stage import extract_tables
from pipeline.lexicon import load_lexicon
from pipeline.params import ExtractParams, load_block

ROOT = Path(__file__).resolve().parents[1]
TRUTH = json.loads((ROOT / "demo" / "truth.json").read_text(encoding="utf-8"))
LONG = TRUTH.get("long_reports") or []
pytestmark = pytest.mark.skipif(not LONG, reason="the demo has no long reports yet")


def _key(title: str) -> str:
    """A title without its number, lower case, accents and spaces folded."""
    title = re.sub(r"^\s*(?:\d{1,2}\.)*\d{1,2}\.?\s+", "", title)
    text = unicodedata.normalize("NFKD", title.lower().replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


@pytest.fixture(scope="module")
def extracted():
    params = load_block(ROOT / "params.yaml", ExtractParams).model_copy(update={"workers": 1})
    caps = []
    for e in LONG:
        path = ROOT / "demo" / "site" / "live" / e["url_path"].lstrip("/")
        caps.append(Capture(doc_id=f"{e['firm']}-{e['year']}", fetch_id=path.name,
                            firm=e["firm"], kind="report", url=e["url_path"], final_url=None,
                            content_type="application/pdf", charset=None,
                            fetched_at=datetime(2024, 1, 1, tzinfo=UTC), source_year=e["year"],
                            source_lang=e["lang"], payload=path.read_bytes()))
    return extract_tables(caps, params, lexicon=load_lexicon(ROOT / "frames.yaml"))


def _matched(extracted):
    """Per planted section: the planted row and the section found with its title (or None)."""
    _, sections, _ = extracted
    out = []
    for e in LONG:
        mine = sections[sections["doc_id"] == f"{e['firm']}-{e['year']}"]
        by_title = {_key(t): row for t, row in zip(mine["title"], mine.itertuples(),
                                                     strict=True)}
        out.extend((e, s, by_title.get(_key(s["title"]))) for s in e["sections"])
    return out


def test_the_planted_sections_are_found_with_their_pages_and_family(extracted):
    docs, _, _ = extracted
    sources = dict(zip(docs["doc_id"], docs["sections_source"], strict=True))
    for e, planted, found in _matched(extracted):
        source = sources[f"{e['firm']}-{e['year']}"]
        assert source == ("outline" if e["bookmarks"] else "headings"), e["firm"]
        assert found is not None, (e["firm"], e["year"], planted["title"])
        assert (found.level, found.page_start, found.page_end, found.family) == (
            planted["level"], planted["first_page"], planted["last_page"],
            planted["family"]), (e["firm"], e["year"], planted["title"])
    # nothing else but the cover and contents ("(front matter)")
    _, sections, _ = extracted
    assert len(sections) == sum(len(e["sections"]) + 1 for e in LONG)


def test_relevance_keeps_the_city_sections_with_precision_and_recall_of_at_least_0_9(
        extracted):
    pairs = [(planted["relevant"], found is not None and bool(found.relevant))
             for _, planted, found in _matched(extracted)]
    tp = sum(1 for want, got in pairs if want and got)
    precision = tp / sum(1 for _, got in pairs if got)
    recall = tp / sum(1 for want, _ in pairs if want)
    assert precision >= 0.9 and recall >= 0.9, (precision, recall)
    # the hard cases: a city section with a neutral title is kept, a risk section naming
    # local authorities once is not
    for _, planted, found in _matched(extracted):
        if planted["relevant"]:
            assert found.n_words_kept > 0.9 * (found.n_words - found.n_words_tables)


def test_each_long_report_accounts_for_every_word_it_read(extracted):
    docs, sections, passages = extracted
    for doc in docs.itertuples():
        mine = sections[sections["doc_id"] == doc.doc_id]
        assert doc.status == "ok" and doc.filtered
        assert mine["n_words"].sum() == doc.n_words_read
        assert mine["n_words_kept"].sum() == doc.n_words < 0.1 * doc.n_words_read
        assert mine.loc[mine["n_words_kept"] == 0, "why"].notna().all()
        assert "tables of figures" in doc.sections_note and "not relevant" in doc.sections_note
        assert doc.n_sections == len(mine) and doc.n_sections_kept == \
            (mine["n_words_kept"] > 0).sum()
        financial = mine[mine["family"] == "financial"]
        assert financial["n_words_tables"].sum() > 0.1 * financial["n_words"].sum()
    # passages come only from the planted city sections
    planted = {(f"{e['firm']}-{e['year']}", _key(s["title"])) for e in LONG
               for s in e["sections"] if s["relevant"]}
    titles = sections.set_index("section_id")["title"]
    got = {(d, _key(titles[s])) for d, s in zip(passages["doc_id"], passages["section_id"],
                                                strict=True)}
    assert got == planted
    assert pd.Series(passages["section_family"]).isin(["strategy", "business", "csr"]).all()


@pytest.mark.slow
def test_the_report_accounts_for_the_long_reports_text(demo_build):
    """A reader sees, on the index, the words read beside the words kept, and on each firm
    page, for each long report, which sections were kept and why the rest was left."""
    import html as html_lib

    truth = json.loads((Path(__file__).resolve().parents[1] / "demo" / "truth.json")
                       .read_text(encoding="utf-8"))
    reports = demo_build / "reports"
    index = html_lib.unescape((reports / "index.html").read_text(encoding="utf-8"))
    assert "Words read" in index and "Words kept" in index
    for firm in {r["firm"] for r in truth["long_reports"]}:
        page = html_lib.unescape((reports / "firms" / f"{firm}.html").read_text(encoding="utf-8"))
        notes = re.findall(r"kept \d+ of \d+ sections \(([\d,]+) of ([\d,]+) words\)", page)
        assert len(notes) == sum(r["firm"] == firm for r in truth["long_reports"]), firm
        for kept, read in notes:
            assert int(kept.replace(",", "")) < int(read.replace(",", "")) / 10
        assert "tables of figures" in page and "not relevant" in page

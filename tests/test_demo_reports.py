"""The demo's long registration documents are written as planted (demo/longreport.py).

Read back with pypdfium2: page count, cover, printed contents, bookmarks (present or absent as
the plan says), running headers, headings on the pages truth.json gives, tables of figures in
the financial chapter, city words only in the planted city sections; and the builder itself
writes what it is asked to. What extraction makes of them (sections found, relevance precision
and recall) is tested in tests/test_demo_long_sections.py.
"""

from __future__ import annotations

import itertools
import json
import re
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest
import yaml

from demo import longreport

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
LIVE = DEMO / "site" / "live"
TRUTH = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))
LONG = TRUTH["long_reports"]


@cache
def _pages(url_path: str) -> tuple[str, ...]:
    pdf = pdfium.PdfDocument(str(LIVE / url_path.lstrip("/")))
    try:
        # PDFium marks a line-end hyphen U+FFFE: rejoin the word; lines become spaces
        return tuple(re.sub(r"\s+", " ", pdf[i].get_textpage().get_text_range()
                            .replace("\ufffe", "")) for i in range(len(pdf)))
    finally:
        pdf.close()


def _outline(path: Path) -> list[tuple[int, str, int]]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return [(b.level + 1, b.get_title(), b.get_dest().get_index() + 1)
                for b in pdf.get_toc()]
    finally:
        pdf.close()


@cache
def _subject_pattern() -> re.Pattern:
    """The study's subject terms (frames.yaml `relevance:`, else the generator's own list)."""
    data = yaml.safe_load((ROOT / "frames.yaml").read_text(encoding="utf-8"))
    subject = data.get("relevance") or {}
    return longreport.subject_pattern([t for lang in ("fr", "en") for t in subject.get(lang, [])])


def test_every_firm_has_long_reports_for_two_years_or_more():
    firms = set(TRUTH["firms"])
    for firm in firms:
        years = sorted(e["year"] for e in LONG if e["firm"] == firm)
        assert len(years) >= 2, firm
        assert all(e["lang"] == TRUTH["firms"][firm]["main_lang"] for e in LONG
                   if e["firm"] == firm)
    without = {e["firm"] for e in LONG if not e["bookmarks"]}
    assert len(without) == 1 and without == set(longreport.NO_BOOKMARKS)
    sources = (DEMO / "sources.txt").read_text(encoding="utf-8")
    for e in LONG:
        line = f"{{site}}{e['url_path']} year={e['year']} lang={e['lang']}"
        assert re.search(rf"^{e['firm']}\s+report\s+{re.escape(line)}$", sources, re.M), line
        docs = [d for d in TRUTH["documents"] if d["path"] == e["url_path"]]
        assert len(docs) == 1 and docs[0]["pages"] == e["pages"] and docs[0]["counted"]


@pytest.mark.parametrize("entry", LONG, ids=lambda e: f"{e['firm']}-{e['year']}")
def test_long_report_has_the_planted_pages_cover_contents_and_outline(entry):
    path = LIVE / entry["url_path"].lstrip("/")
    pages = _pages(entry["url_path"])
    assert len(pages) == entry["pages"] >= 150
    # cover: the document's title and year
    assert entry["title"] in pages[0] and str(entry["year"]) in entry["title"]
    name = TRUTH["firms"][entry["firm"]]["name"]
    assert name in pages[0]
    # running header and page number on every page but the cover
    for number, text in enumerate(pages[1:], start=2):
        assert text.startswith(f"{name} — {entry['title']}"), number
        assert re.search(rf"(?<!\d){number}(?!\d)", text), number
    # printed contents: every section with its first page, before the first chapter
    sections = entry["sections"]
    contents = " ".join(pages[1:sections[0]["first_page"] - 1])
    for s in sections:
        assert f"{s['title']} {s['first_page']}" in contents, s["title"]
    # each heading is printed on the page truth gives, inside its chapter's pages
    for s in sections:
        assert s["title"] in pages[s["first_page"] - 1], s["title"]
        assert s["first_page"] <= s["last_page"]
    chapters = [s for s in sections if s["level"] == 1]
    assert len(chapters) >= 6
    assert {c["family"] for c in chapters} >= {"strategy", "business", "csr", "governance",
                                              "risks", "financial"}
    for a, b in itertools.pairwise(chapters):
        assert a["last_page"] < b["first_page"]
    # the outline: exactly the planted sections, or nothing
    outline = _outline(path)
    planted = [(s["level"], s["title"], s["first_page"]) for s in sections]
    assert outline == (planted if entry["bookmarks"] else [])


@pytest.mark.parametrize("entry", LONG, ids=lambda e: f"{e['firm']}-{e['year']}")
def test_city_words_only_in_the_planted_city_sections(entry):
    pages = _pages(entry["url_path"])
    pattern = _subject_pattern()
    relevant = [s for s in entry["sections"] if s["relevant"]]
    assert len(relevant) >= 3
    assert any(s["title"].split(" ", 1)[1] in {"Faits marquants de l'exercice",
                                              "Highlights of the year"} for s in relevant)
    city_pages = {p for s in relevant for p in range(s["first_page"], s["last_page"] + 1)}
    for s in relevant:
        text = " ".join(pages[s["first_page"] - 1:s["last_page"]])
        assert len(pattern.findall(text.lower())) >= 3, s["title"]
        assert s["themes"] and set(s["themes"]) <= set(
            TRUTH["firms"][entry["firm"]]["theme_mix"][str(entry["year"])])
    first_body = entry["sections"][0]["first_page"]
    hits = [(n, m.group(0)) for n, text in enumerate(pages, start=1)
            if n >= first_body and n not in city_pages
            for m in pattern.finditer(text.lower())]
    # the one planted hard case: a risk section naming local authorities once
    assert len(hits) == 1, hits
    page = hits[0][0]
    risk = [s for s in entry["sections"] if s["family"] == "risks" and s["level"] == 2
            and s["first_page"] <= page <= s["last_page"]]
    assert risk and not any(s["relevant"] for s in risk)


@pytest.mark.parametrize("entry", LONG[:1] + LONG[-1:], ids=lambda e: e["firm"])
def test_financial_statements_are_pages_of_figures(entry):
    statements = next(s for s in entry["sections"] if s["family"] == "financial"
                  and s["level"] == 2 and not s["relevant"])
    pdf = pdfium.PdfDocument(str(LIVE / entry["url_path"].lstrip("/")))
    try:
        lines = [line.strip() for i in range(statements["first_page"] - 1,
                                              statements["last_page"])
                 for line in pdf[i].get_textpage().get_text_range().splitlines()]
    finally:
        pdf.close()
    # a row: a label, then a figure per year (negative ones in brackets)
    rows = [line for line in lines if re.search(r"\(?\d[\d\s,.]*\)?\s+\(?\d[\d\s,.]*\)?$", line)]
    assert len(rows) >= 60 and len(rows) / len(lines) > 0.6, (len(rows), len(lines))


def test_long_reports_stay_small_enough_to_commit():
    total = sum((LIVE / e["url_path"].lstrip("/")).stat().st_size for e in LONG)
    assert total < 8_000_000


def test_builder_writes_the_plan_it_is_given(tmp_path):
    def wrap(text, width, font, size):
        return longreport._plain_wrap(text, width, font, size)

    city = [[(f"Dans la ville de Valbrune, la collectivité {i} avance.", "mobility")] * 3
            for i in range(4)]
    out = tmp_path / "r.pdf"
    entry = longreport.write_long_report(out, firm="testfirm", name="Testfirm", year=2018,
                                         lang="fr", seed=1, wrap=wrap, city=city)
    assert entry["title"] == "Document de référence 2018" and entry["bookmarks"]
    pdf = pdfium.PdfDocument(str(out))
    try:
        assert len(pdf) == entry["pages"] >= 150
        assert "Document de référence 2018" in pdf[0].get_textpage().get_text_range()
    finally:
        pdf.close()
    relevant = [s for s in entry["sections"] if s["relevant"]]
    assert [s["themes"] for s in relevant] == [["mobility"]] * 4
    assert len(_outline(out)) == len(entry["sections"])
    entry_2020 = longreport.write_long_report(tmp_path / "u.pdf", firm="citavia", name="Citavia",
                                              year=2020, lang="en", seed=1, wrap=wrap,
                                              city=city)
    assert entry_2020["title"] == "Universal registration document 2020"
    assert not entry_2020["bookmarks"] and _outline(tmp_path / "u.pdf") == []
    with pytest.raises(ValueError, match="city sections"):
        longreport.write_long_report(tmp_path / "x.pdf", firm="testfirm", name="Testfirm",
                                     year=2018, lang="fr", seed=1, wrap=wrap, city=city[:2])


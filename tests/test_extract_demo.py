"""Extraction on the bundled demo site (demo/site): its pages' own structure is the answer key.

Each demo page keeps its text in <main><article> and wraps it in a cookie banner, navigation,
a newsletter box and a footer; the mixed-language page marks its English paragraphs with
lang="en". So the expected text and the boilerplate can be read off the markup itself.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import lxml.html
import pytest

from pipeline.extract.stage import Capture, extract_batch

SITE = Path(__file__).resolve().parents[1] / "demo" / "site"
pytestmark = pytest.mark.skipif(not SITE.exists(), reason="no demo site")


def capture(path: Path, content_type: str, kind: str = "page") -> Capture:
    return Capture(doc_id=path.stem, fetch_id=path.stem, firm="demo", kind=kind,
                   url=f"https://demo.example/{path.name}", final_url=None,
                   content_type=content_type, charset=None,
                   fetched_at=datetime(2024, 1, 1, tzinfo=UTC), payload=path.read_bytes())


def texts(tree, xpath: str) -> list[str]:
    return [" ".join(e.text_content().split()) for e in tree.xpath(xpath)]


def sample_pages(n: int = 8) -> list[Path]:
    pages = sorted(SITE.glob("archive/*/*/*.html"))
    return pages[:: max(1, len(pages) // n)][:n]


def test_demo_pages_keep_the_article_and_drop_the_wrapping():
    pages = sample_pages()
    assert pages
    results = extract_batch([capture(p, "text/html") for p in pages], min_words=30)
    for path, result in zip(pages, results, strict=True):
        tree = lxml.html.fromstring(path.read_bytes())
        got = "\n".join(p.text for p in result.paragraphs)
        assert result.status == "ok", path
        wanted = texts(tree, "//main//article//p | //main//article//h1")
        noise = texts(tree, "//*[contains(@class, 'cookie')]//p | //aside//p | //footer//p "
                            "| //nav//a")
        assert len(wanted) >= 3 and len(noise) >= 5
        for expected in wanted:
            assert expected in got, f"{path}: lost {expected[:60]!r}"
        for boilerplate in noise:
            assert boilerplate not in got, f"{path}: kept {boilerplate[:60]!r}"


def test_the_mixed_language_page_keeps_its_english_paragraphs_apart():
    truth = json.loads((SITE.parent / "truth.json").read_text(encoding="utf-8"))
    path = truth["oddities"]["mixed_language_page"]["path"]
    page = sorted(SITE.glob(f"archive/*{path}"))[0]
    (result,) = extract_batch([capture(page, "text/html")], min_words=30)
    english = set(texts(lxml.html.fromstring(page.read_bytes()), "//p[@lang='en']"))
    assert english
    tags = {p.text: p.lang for p in result.paragraphs}
    assert {tags[t] for t in english} == {"en"}
    assert {lang for t, lang in tags.items() if t not in english and len(t.split()) > 12} \
        == {"fr"}


def test_demo_reports_lose_headers_and_page_numbers_and_keep_their_pages():
    reports = sorted(SITE.glob("live/*/publications/*.pdf"))[:3]
    assert reports
    results = extract_batch([capture(p, "application/pdf", "report") for p in reports],
                            min_words=30)
    for path, result in zip(reports, results, strict=True):
        text = "\n".join(p.text for p in result.paragraphs)
        assert result.status == "ok" and result.n_pages >= 2
        assert not re.search(r"\bPage \d+ (?:sur|of) \d+\b", text), path
        assert result.paragraphs[-1].page_end == result.n_pages
        year = int(re.search(r"(\d{4})", path.stem).group(1))
        assert (result.year, result.year_source) == (year, "title")

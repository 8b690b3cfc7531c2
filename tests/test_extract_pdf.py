"""PDF extraction: pages kept, headers and page numbers dropped, hyphens re-joined, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.pdf_text import _rejoin, _Vocabulary, read_pdf

DATA = Path(__file__).resolve().parent / "data" / "extract"
GOLD = DATA / "gold" / "pdf"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def aquavia():
    return read_pdf((GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes())


def test_paragraphs_keep_their_pages(aquavia):
    assert aquavia.status == "ok" and aquavia.n_pages == 4
    pages = {p.text.split()[0]: (p.page_start, p.page_end) for p in aquavia.paragraphs}
    assert pages["Perspectives"] == (4, 4)
    assert pages["Nos"] == (3, 3)


def test_a_paragraph_running_over_a_page_break_is_joined_and_spans_both(aquavia):
    joined = [p for p in aquavia.paragraphs if p.text.startswith("Je tiens à remercier")]
    assert len(joined) == 1
    assert joined[0].page_start == 2 and joined[0].page_end == 3
    assert joined[0].text.endswith("indicateurs publics et vérifiables, publiés chaque "
                                   "trimestre.")


def test_running_headers_and_page_numbers_are_removed(aquavia):
    text = "\n".join(p.text for p in aquavia.paragraphs)
    assert "Aquavia — Rapport annuel 2019" not in text
    assert "Page 2 / 4" not in text and "/ 4" not in text
    # ... but the header still dates the report (see pipeline.dating).
    assert "Aquavia — Rapport annuel 2019" in aquavia.first_page


def test_page_numbers_that_are_not_the_pdf_page_numbers_are_removed():
    result = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    paragraph_texts = [p.text for p in result.paragraphs]
    assert not {"12", "13", "14"} & set(paragraph_texts)
    assert not any("DOCUMENT D'ENREGISTREMENT" in t for t in paragraph_texts)


def test_line_end_hyphens_are_rejoined_and_real_hyphens_kept(aquavia):
    text = " ".join(p.text for p in aquavia.paragraphs)
    for word in ("continuité", "télérelève", "expérimentée", "approvisionnement"):
        assert word in text
    assert "sous-traitance" in text and "vingt-quatre" in text
    assert "\ufffe" not in text and "\x02" not in text


def test_rejoin_rule():
    vocab = _Vocabulary(["La sous-traitance locale, un partenaire. Pour l’information du public."])
    assert "information" in vocab and "sous-traitance" in vocab and "soustraitance" not in vocab
    assert _rejoin("dévelop", "pement", vocab) == "développement"
    assert _rejoin("sous", "traitance", vocab) == "sous-traitance"
    assert _rejoin("par", "tenaire", vocab) == "partenaire"
    assert _rejoin("in", "formation", vocab) == "information"


def test_title_from_metadata_else_from_the_largest_line():
    meta = read_pdf((GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes())
    assert meta.title == "Rapport annuel 2019"
    untitled = read_pdf((GOLD / "civitas-integrated-report-2018.pdf").read_bytes())
    assert untitled.title == "Integrated Report 2018"
    junk = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    assert junk.title == "Document d'enregistrement universel 2020"


def test_list_items_are_paragraphs_of_their_own():
    result = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    items = [p.text for p in result.paragraphs if p.text.startswith("•")]
    assert len(items) == 3


def test_corrupt_pdf():
    result = read_pdf((BAD / "corrupt.pdf").read_bytes())
    assert result.status == "corrupt" and "PDFium" in result.note


def test_truncated_pdf_never_raises():
    data = (GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes()
    for cut in (10, len(data) // 3, len(data) // 2):
        assert read_pdf(data[:cut]).status in ("ok", "corrupt", "empty")


def test_encrypted_pdf_needs_its_password():
    result = read_pdf((BAD / "encrypted.pdf").read_bytes())
    assert result.status == "encrypted" and "password" in result.note


def test_pdf_with_an_owner_password_only_is_read():
    result = read_pdf((BAD / "owner-only.pdf").read_bytes())
    assert result.status == "ok" and any("continuité" in p.text for p in result.paragraphs)


def test_scanned_pdf_has_no_text_layer_and_is_not_called_empty():
    result = read_pdf((BAD / "scanned.pdf").read_bytes())
    assert result.status == "no_text_layer"
    assert result.n_pages == 2 and "OCR" in result.note


def test_blank_pdf_and_empty_file_are_empty():
    assert read_pdf((BAD / "blank.pdf").read_bytes()).status == "empty"
    assert read_pdf(b"").status == "empty"

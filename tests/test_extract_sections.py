"""Sections and relevance: long reports cut into their chapters, the city chapters kept, the
rest (and the tables of figures) accounted for; web pages and short reports keep everything."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from pipeline.errors import ParamsError
from pipeline.extract.captures import Capture
from pipeline.extract.passages import Paragraph, cut_passages
from pipeline.extract.pdf import read_pdf
from pipeline.extract.relevance import RelevanceRule, SubjectTerms, filter_sections, is_table
from pipeline.extract.sections import (
    Section,
    assign,
    html_sections,
    load_families,
    pdf_sections,
    set_families,
    toc_sections,
)
from pipeline.extract.stage import extract_tables
from pipeline.lexicon import load_lexicon
from pipeline.params import ExtractParams

sys.path.insert(0, str(Path(__file__).parent / "data" / "extract"))
from long_report import write_long_report  # a fixture writer beside its data

ROOT = Path(__file__).resolve().parents[1]
LEXICON = load_lexicon(ROOT / "frames.yaml")
PARAMS = ExtractParams(workers=1)


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports")
    out = {}
    for name, kw in {"outline": {}, "headings": {"bookmarks": False},
                     "toc": {"bookmarks": False, "headings": False}}.items():
        path = folder / f"{name}.pdf"
        plan = write_long_report(path, **kw)
        out[name] = (path.read_bytes(), plan)
    return out


def _capture(url: str, payload: bytes, *, kind: str = "report", ctype: str = "application/pdf"):
    return Capture(doc_id=url.rsplit("/", 1)[-1], fetch_id="f-" + url, firm="ardelis", kind=kind,
                   url=url, final_url=url, content_type=ctype, charset=None,
                   fetched_at=datetime(2022, 4, 1, tzinfo=UTC), source_year=2021,
                   payload=payload)


@pytest.mark.parametrize("source", ["outline", "headings", "toc"])
def test_each_rule_finds_the_planned_sections(reports, source):
    data, plan = reports[source]
    pdf = read_pdf(data)
    sections = pdf_sections(pdf.outline, pdf.paragraphs, pdf.sizes, pdf.n_pages)
    set_families(sections, load_families())
    assert {s.source for s in sections} == {source}
    got = [(s.level, s.first_page, s.last_page, s.family) for s in sections]
    assert got == [(p["level"], p["first_page"], p["last_page"], p["family"]) for p in plan]
    assert [s.title.split(" ", 1)[-1] if source == "headings" else s.title
            for s in sections] == [p["title"] for p in plan]


def test_a_long_report_keeps_its_city_sections_and_accounts_for_the_rest(reports):
    data, plan = reports["outline"]
    docs, sections, passages = extract_tables([_capture("https://a.example/urd", data)],
                                              PARAMS, lexicon=LEXICON)
    doc = docs.iloc[0]
    assert doc["status"] == "ok" and doc["filtered"] and doc["sections_source"] == "outline"
    # the planted sections, plus the cover and contents before the first bookmark
    assert doc["n_sections"] == len(plan) + 1 and sections.iloc[0]["title"] == "(front matter)"
    body = sections.iloc[1:].reset_index(drop=True)
    assert list(body["relevant"]) == [p["relevant"] for p in plan]
    kept = body[body["n_words_kept"] > 0]
    assert set(kept["title"]) == {p["title"] for p in plan if p["relevant"]}
    assert doc["n_sections_kept"] == len(kept)
    # every word read is kept, left as not relevant, or left as a table
    assert sections["n_words"].sum() == doc["n_words_read"]
    assert doc["n_words"] == sections["n_words_kept"].sum() < 0.2 * doc["n_words_read"]
    left = body[body["n_words_kept"] == 0]
    assert left["why"].str.startswith("not relevant").all()
    assert sections.iloc[0]["why"].startswith("front matter")
    financial = body[body["family"] == "financial"].iloc[0]
    assert financial["n_words_tables"] > 0.1 * financial["n_words"]
    assert "tables of figures" in doc["sections_note"] and "not relevant" in doc["sections_note"]
    # passages stay inside their section and name it
    assert set(passages["section_path"]) == {
        "Nos activités > Services aux villes et aux territoires",
        "Déclaration de performance extra-financière > Engagement auprès des collectivités"}
    assert set(passages["section_family"]) == {"business", "csr"}
    assert (passages["relevance"] > 10).all()
    ids = dict(zip(sections["section_id"], sections["page_start"], strict=True))
    assert (passages["page_start"] >= passages["section_id"].map(ids)).all()


def test_keep_all_and_short_reports_keep_everything_but_tables(reports):
    data, _ = reports["headings"]
    everything = ExtractParams(workers=1, keep_all_sections=True)
    docs, sections, _ = extract_tables([_capture("https://a.example/urd", data)], everything,
                                       lexicon=LEXICON)
    doc = docs.iloc[0]
    assert not doc["filtered"]
    tables = sections["n_words_tables"].sum()
    assert tables > 0 and doc["n_words"] == doc["n_words_read"] - tables
    assert doc["sections_note"].startswith(f"kept {len(sections)} of {len(sections)} sections")
    # a report shorter than relevance_min_pages is not filtered either
    short = ExtractParams(workers=1, relevance_min_pages=500)
    docs, _, _ = extract_tables([_capture("https://a.example/urd", data)], short,
                                lexicon=LEXICON)
    assert not docs.iloc[0]["filtered"] and docs.iloc[0]["n_words"] == doc["n_words"]


def test_a_long_report_that_never_names_the_subject_keeps_nothing_and_says_why(reports):
    data, _ = reports["outline"]
    no_subject = load_lexicon(ROOT / "frames.yaml")
    object.__setattr__(no_subject, "relevance", {})
    docs, sections, passages = extract_tables([_capture("https://a.example/urd", data)],
                                              PARAMS, lexicon=no_subject)
    assert docs.iloc[0]["status"] == "not_relevant" and passages.empty
    assert "not relevant" in docs.iloc[0]["error"]
    assert (sections["n_words_kept"] == 0).all() and sections["why"].notna().all()


def test_web_pages_get_their_headings_as_sections_and_keep_all_their_text():
    page = ("<html lang='fr'><head><title>Nos offres</title></head><body><main><article>"
            "<h1>Nos offres</h1><h2>Énergie</h2><p>" + "Nous produisons une énergie sobre et "
            "locale pour les réseaux de chaleur. " * 6 + "</p><h2>Gouvernance</h2><p>"
            + "Le conseil d'administration se réunit chaque trimestre pour arrêter les "
            "comptes. " * 6 + "</p></article></main></body></html>").encode()
    docs, sections, passages = extract_tables(
        [_capture("https://a.example/offres", page, kind="page", ctype="text/html")], PARAMS,
        lexicon=LEXICON)
    assert docs.iloc[0]["sections_source"] == "html" and not docs.iloc[0]["filtered"]
    assert list(sections["path"]) == ["Nos offres", "Nos offres > Énergie",
                                      "Nos offres > Gouvernance"]
    assert list(sections["family"]) == ["business", "business", "governance"]
    assert sections["n_words_kept"].sum() == docs.iloc[0]["n_words"] == \
        docs.iloc[0]["n_words_read"]
    assert not passages.empty


def test_tables_of_figures_are_told_from_prose():
    assert is_table("Résultat net 1 204 1 187 +1,4 %", 0.5)
    assert is_table("EBITDA 4,512 4,208 7.2% 3,950", 0.5)
    assert not is_table("En 2021, le chiffre d'affaires a atteint 12,3 milliards d'euros, en "
                        "hausse de 4 % sur 2020.", 0.5)
    assert not is_table("2019 2020", 0.5)
    # English figures are one token each, and row labels run together without a full stop
    assert is_table("(in millions of euros) 2018 2017 Revenue (215.5) 3,898.4 Other operating "
                    "income 468.6 2,915.3 Purchases consumed 3,374.4 (165.2)", 0.5)
    assert not is_table("Revenue rose to 3,898.4 million euros in 2018, against 2,915.3 "
                        "million in 2017 and 2,700 million in 2016.", 0.5)


def test_subject_terms_match_inflections_and_not_other_words():
    terms = SubjectTerms.from_terms(LEXICON.relevance_terms())
    assert terms.count("Les villes, les métropoles et leurs habitants.") == 3
    assert terms.count("Smart cities and urban districts serve citizens.") == 4
    assert terms.count("Un villégiature, un territorialisme, des urbanistes ?") == 0
    assert SubjectTerms.from_terms([]).count("la ville") == 0


def test_a_section_named_for_the_subject_holds_its_parts():
    paras = [Paragraph("Le Groupe a poursuivi sa croissance. " * 30, "fr", 1, 1)] * 2
    sections = [Section("Nos engagements pour les villes", 1, 1, 1),
                Section("Gouvernance des projets", 2, 1, 1, parent=0)]
    paras = [Paragraph(p.text, "fr", 1, 1, section=i) for i, p in enumerate(paras)]
    f = filter_sections(paras, sections, SubjectTerms.from_terms(["ville"]),
                        RelevanceRule(min_pages=1), is_pdf=True, n_pages=50)
    assert f.filtered and [s.relevant for s in f.scores] == [True, True]
    assert len(f.paragraphs) == 2


def test_paragraphs_go_to_the_section_opened_before_them():
    paras = [Paragraph("Couverture", None, 1, 1), Paragraph("1. Stratégie", None, 2, 2),
             Paragraph("Texte de la stratégie.", None, 2, 2),
             Paragraph("Fin de la stratégie.", None, 3, 3),
             Paragraph("2. Risques", None, 3, 3), Paragraph("Texte des risques.", None, 3, 4)]
    sections = [Section("Stratégie", 1, 2, 2), Section("Risques", 1, 3, 4)]
    found, owners = assign(paras, sections)
    assert [s.title for s in found] == ["(front matter)", "Stratégie", "Risques"]
    assert owners == [0, 1, 1, 1, 2, 2]
    found, owners = assign(paras, [])
    assert [s.title for s in found] == ["(whole document)"] and set(owners) == {0}


def test_a_printed_contents_with_dot_leaders_and_a_page_shift():
    paras = [Paragraph("Sommaire", None, 2, 2),
             Paragraph("1 Profil .......... 1 2 Facteurs de risques .......... 3 "
                       "2.1 Risques de marché .......... 4", None, 2, 2),
             Paragraph("1 Profil", None, 4, 4), Paragraph("Texte.", None, 4, 4),
             Paragraph("2 Facteurs de risques", None, 6, 6),
             Paragraph("2.1 Risques de marché", None, 7, 7)]
    found = toc_sections(paras, 9)
    assert [(s.title, s.level, s.first_page, s.last_page) for s in found] == [
        ("Profil", 1, 4, 5), ("Facteurs de risques", 1, 6, 9), ("Risques de marché", 2, 7, 9)]


def test_html_headings_missing_from_the_text_open_no_section():
    paras = [Paragraph("Titre"), Paragraph("Du texte.")]
    found = html_sections(paras, [(1, "Titre"), (2, "Menu")])
    assert [(s.title, s.level) for s in found] == [("Titre", 1)]


def test_passages_of_a_filtered_report_never_cross_a_section():
    paras = [Paragraph("Un mot. " * 40, "fr", 1, 1, section=0),
             Paragraph("Deux mots. " * 40, "fr", 1, 1, section=1)]
    assert len(cut_passages(paras, passage_words=250)) == 1
    split = cut_passages(paras, passage_words=250, by_section=True)
    assert [p.section for p in split] == [0, 1]


def test_a_bad_family_list_is_named(tmp_path):
    bad = tmp_path / "families.yaml"
    bad.write_text("families:\n  finance: [bilan]\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"families\.yaml: unknown family 'finance'"):
        load_families(bad)
    bad.write_text("families:\n  risks: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"families\.yaml: family 'risks': bad pattern"):
        load_families(bad)


def test_families_from_french_and_english_titles():
    rules = load_families()
    assert [rules.family(t) for t in (
        "Déclaration de performance extra-financière", "Non-financial statement",
        "Corporate governance", "Risk factors", "Consolidated financial statements",
        "Notre stratégie", "Our businesses", "Annexes")] == [
        "csr", "csr", "governance", "risks", "financial", "strategy", "business", None]


def test_the_sections_table_is_in_the_documents_order_whatever_the_captures_order(reports):
    caps = [_capture("https://a.example/urd", reports["outline"][0]),
            _capture("https://a.example/b/urd2", reports["headings"][0])]
    docs, one, _ = extract_tables(caps, PARAMS, lexicon=LEXICON)
    two = extract_tables(caps[::-1], PARAMS, lexicon=LEXICON).sections
    assert list(one["doc_id"].drop_duplicates()) == list(docs["doc_id"])
    assert one.equals(two)

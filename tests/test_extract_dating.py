"""The year of a document and its provenance, rule by rule."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pipeline.extract.dating import date_document, report_year

CAPTURED = datetime(2024, 5, 2, tzinfo=UTC)


def when(**kw):
    args = {"source_year": None, "archive_timestamp": None, "is_report": True,
            "title": None, "first_page": None, "published": None, "captured_at": CAPTURED}
    return date_document(**(args | kw))


@pytest.mark.parametrize(("text", "year"), [
    ("Rapport annuel 2019", 2019),
    ("Groupe Exemple — Document d'enregistrement universel 2020", 2020),
    ("Annual report 2019", 2019),
    ("2018 Integrated Report", 2018),
    ("Integrated report 2018", 2018),
    ("Rapport d'activité 2017 de la régie", 2017),
    ("Rapport annuel du groupe 2016", 2016),
    ("RAPPORT DE DÉVELOPPEMENT DURABLE 2015", 2015),
    ("Sustainability Report 2019-2020", 2019),
    ("Document de référence 2014/15", 2014),
    ("Déclaration de performance extra-financière 2021", 2021),
    ("Universal Registration Document 2022", 2022),
])
def test_report_names_with_a_year(text, year):
    assert report_year(text) == year


@pytest.mark.parametrize("text", [
    "La ville de demain", "Smart city 2030 : notre vision", "Rapport annuel",
    "Annual report 1850", "Bilan carbone 2019 de nos sites",
])
def test_no_report_year(text):
    assert report_year(text) is None


def test_years_after_the_capture_are_ignored():
    assert report_year("Rapport annuel 2031", latest=2025) is None


def test_sources_year_wins_over_everything():
    assert when(source_year=2016, archive_timestamp=datetime(2018, 6, 1, tzinfo=UTC),
                title="Rapport annuel 2017", published="2015-01-01") == (2016, "sources")


def test_archive_year_comes_next():
    assert when(archive_timestamp=datetime(2018, 6, 1, tzinfo=UTC),
                title="Rapport annuel 2017") == (2018, "archive")


def test_then_a_report_title_then_its_first_page():
    assert when(title="Rapport annuel 2017", published="2018-03-01") == (2017, "title")
    assert when(title="Untitled", first_page="Exemple SA\nIntegrated report 2016\n...",
                published="2018-03-01") == (2016, "title")


def test_the_title_rule_applies_to_reports_only():
    assert when(is_report=False, title="Notre rapport annuel 2017 est en ligne",
                published="2018-03-01") == (2018, "published")


def test_then_the_publication_date_then_nothing_a_live_page_is_undated():
    """Issue 14, part 1: the scrape year is no year of the text; only params make it one."""
    assert when(published="2019-11-30") == (2019, "published")
    assert when(published="not a date") == (None, "undated")
    assert when() == (None, "undated")
    assert when(date_by_capture=True) == (2024, "captured")
    # An archive capture keeps its capture year whatever the setting.
    archived = datetime(2017, 3, 1, tzinfo=UTC)
    assert when(archive_timestamp=archived) == (2017, "archive")

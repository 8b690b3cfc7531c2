"""The year a document speaks for, and where that year comes from.

The rule, first match wins (the `year_source` column records which):

1. `sources`   the year written in sources.txt (`year=`): the researcher knows best;
2. `archive`   the year of the web-archive capture: the page was online that year;
3. `title`     for reports (PDFs or `report` sources), a year next to a report name in the title
               or on the first page: "Rapport annuel 2019", "Document d'enregistrement
               universel 2020", "Integrated report 2018", "2019 Annual Report";
4. `published` the publication date found in the page (metadata, htmldate);
5. `undated`   none of these: a live capture with no date in its source line, its page or its
               text has no year (null). Such a document is counted (collection table, firm
               pages) but kept off every time axis. With `extract.date_by_capture` it is
               given its capture year instead (`captured`): the year it was scraped, which
               says nothing of when it was written.

A fiscal year written "2019-2020" or "2019/20" counts as its first year. Years before 1990 or
after the capture year (plus one, for reports dated ahead) are ignored as implausible.

    >>> report_year("Groupe Exemple — Document d'enregistrement universel 2020")
    2020
    >>> report_year("2018 Integrated Report")
    2018
"""

from __future__ import annotations

import re
from datetime import datetime

MIN_YEAR = 1990

_REPORT_NAMES = (
    # French
    r"rapports?\s+(?:annuels?|int[ée]gr[ée]s?|d['’]\s*activit[ée]s?|financiers?(?:\s+annuels?)?"
    r"|de\s+d[ée]veloppement\s+durable|rse|extra[-\s]?financiers?|de\s+gestion"
    r"|de\s+responsabilit[ée]\s+soci[ée]tale(?:\s+de\s+l['’]\s*entreprise)?)",
    r"document\s+d['’]\s*enregistrement\s+universel",
    r"document\s+de\s+r[ée]f[ée]rence",
    r"d[ée]claration\s+de\s+performance\s+extra[-\s]?financi[èe]re",
    r"bilan\s+(?:annuel|d['’]\s*activit[ée]s?|rse)",
    # English
    r"annual\s+(?:report|review|financial\s+report)",
    r"integrated\s+(?:annual\s+)?report",
    r"(?:sustainability|sustainable\s+development|csr|activity|corporate\s+responsibility"
    r"|esg|non[-\s]financial)\s+report",
    r"(?:universal\s+)?registration\s+document",
)
_NAME = "(?:" + "|".join(_REPORT_NAMES) + ")"
_YEAR = r"((?:19|20)\d{2})(?:\s*[-/–]\s*(?:(?:19|20)?\d{2}))?"
# A year right after the report's name (a few words may sit between: "Rapport annuel du
# groupe 2019") or right before it ("2019 Annual Report").
_AFTER = re.compile(_NAME + r"(?:[\s,:–—-]+(?:[^\W\d]+[\s,:–—-]+){0,4}?)" + _YEAR + r"\b",
                    re.IGNORECASE)
_BEFORE = re.compile(r"\b" + _YEAR + r"[\s,:–—-]+" + _NAME, re.IGNORECASE)


def report_year(text: str | None, *, latest: int | None = None) -> int | None:
    """A year written next to a report name in `text` (the first one found), or None.

    Args:
        text: a title or the start of a report's first page.
        latest: ignore years after this one (the capture year plus one).

    Returns:
        The year, or None when no report name with a plausible year is found.
    """
    if not text:
        return None
    found = []
    for pattern in (_AFTER, _BEFORE):
        for m in pattern.finditer(text):
            year = int(m.group(1))
            if year >= MIN_YEAR and (latest is None or year <= latest):
                found.append((m.start(), year))
    return min(found)[1] if found else None


def date_document(
    *,
    source_year: int | None,
    archive_timestamp: datetime | None,
    is_report: bool,
    title: str | None,
    first_page: str | None,
    published: str | None,
    captured_at: datetime,
    date_by_capture: bool = False,
) -> tuple[int | None, str]:
    """The year a document speaks for, and its source (sources, archive, title, published,
    captured or undated).

    Args:
        source_year: `year=` from sources.txt, if any.
        archive_timestamp: the web-archive capture time, for archive captures.
        is_report: whether the title/first-page rule applies (PDFs and `report` sources).
        title: the document's title.
        first_page: the start of the document's text (its first page for a PDF).
        published: the publication date found in the page, as an ISO date.
        captured_at: when the capture was made (archive time or fetch time).
        date_by_capture: give an otherwise undated document its capture year.

    Returns:
        (year, year_source); (None, "undated") when nothing dates a live capture.
    """
    if source_year is not None:
        return int(source_year), "sources"
    if archive_timestamp is not None:
        return archive_timestamp.year, "archive"
    latest = captured_at.year + 1
    if is_report:
        for text in (title, first_page):
            year = report_year(text, latest=latest)
            if year is not None:
                return year, "title"
    if published:
        m = re.match(r"((?:19|20)\d{2})", published)
        if m and MIN_YEAR <= int(m.group(1)) <= latest:
            return int(m.group(1)), "published"
    year, source = by_capture(None, "undated", captured_at, date_by_capture=date_by_capture)
    return year, source or "undated"


def by_capture(year: int | None, source: str | None, captured_at: datetime, *,
               date_by_capture: bool) -> tuple[int | None, str | None]:
    """An undated document's year when the study dates by capture (`captured`); any other
    (year, source) as it is.

    >>> by_capture(None, "undated", datetime(2026, 3, 1), date_by_capture=True)
    (2026, 'captured')
    >>> by_capture(None, "undated", datetime(2026, 3, 1), date_by_capture=False)
    (None, 'undated')
    """
    if source == "undated" and date_by_capture:
        return captured_at.year, "captured"
    return year, source

"""What is left out of the documents' text once every capture is read: the steps that look
across documents, each editing the `Extracted` records in place.

- a firm's boilerplate: paragraphs on at least `boilerplate_share` of its pages (per language
  section of its site, `pipeline.extract.dedup`);
- page chrome: lines of the editable list or found word for word in several firms' documents
  (`pipeline.extract.chrome`);
- the sections of long reports that do not speak of the subject, and tables of figures
  (`pipeline.extract.relevance`).

A document left with fewer than `min_words` words keeps none and says why in its status.
"""

from __future__ import annotations

import logging

from pipeline.extract.chrome import ChromeRules, normalize_line, spread_lines
from pipeline.extract.dedup import boilerplate_keys, normalize_paragraph
from pipeline.extract.extracted import Extracted
from pipeline.extract.language import dominant_language
from pipeline.extract.passages import Paragraph
from pipeline.extract.relevance import RelevanceRule, SubjectTerms, filter_sections
from pipeline.extract.sections import FamilyRules, set_families
from pipeline.params import ExtractParams

log = logging.getLogger(__name__)


def language_section(r: Extracted) -> str | None:
    """The language section of the site a page belongs to: its dominant language."""
    return dominant_language([p.lang for p in r.paragraphs], [p.n_words for p in r.paragraphs])


def remove_boilerplate(results: list[Extracted], *, min_words: int, boilerplate_share: float,
                       boilerplate_min_docs: int) -> None:
    """Drop the paragraphs a firm repeats on many of its pages (per language section)."""
    pages = [r for r in results if r.status == "ok" and r.format == "html"]
    sections = [language_section(r) for r in pages]
    para_keys = [[normalize_paragraph(p.text) for p in r.paragraphs] for r in pages]
    keys = boilerplate_keys(
        ((r.capture.firm, section, r.capture.url, k)
         for r, section, k in zip(pages, sections, para_keys, strict=True)),
        boilerplate_share=boilerplate_share, boilerplate_min_docs=boilerplate_min_docs)
    for r, section, own in zip(pages, sections, para_keys, strict=True):
        found = keys.get((r.capture.firm, section))
        if not found:
            continue
        kept = [p for p, k in zip(r.paragraphs, own, strict=True) if k not in found]
        _keep(r, kept, min_words, "recur on the firm's other pages")


def _keep(r: Extracted, kept: list[Paragraph], min_words: int, why: str) -> None:
    """Keep `kept` of a document's paragraphs; a document left with fewer than `min_words`
    words keeps none and is `boilerplate_only`, saying why the others went."""
    removed = len(r.paragraphs) - len(kept)
    if not removed:
        return
    n_words = sum(p.n_words for p in kept)
    if n_words < min_words:
        r.status = "boilerplate_only"
        r.error = (f"{removed} of {len(r.paragraphs)} paragraphs {why}; {n_words} words remain "
                   f"(fewer than min_words={min_words})")
        r.paragraphs = []
    else:
        r.paragraphs = kept


def remove_chrome(results: list[Extracted], rules: ChromeRules, *, min_firms: int,
                   min_words: int) -> None:
    """Drop page-chrome paragraphs (by the list, or shared word for word by several firms)."""
    ok = [r for r in results if r.status == "ok"]
    spread = spread_lines(((r.capture.firm, [p.text for p in r.paragraphs]) for r in ok),
                          min_firms=min_firms)
    for r in ok:
        kept = [p for p in r.paragraphs
                if not (rules.is_chrome(p.text) or normalize_line(p.text) in spread)]
        r.n_chrome = len(r.paragraphs) - len(kept)
        _keep(r, kept, min_words, "are page chrome")
    if spread:
        log.info("page chrome: %d line(s) shared by %d firms or more, e.g. %r", len(spread),
                 min_firms, sorted(spread)[0])


def rule_of(params: ExtractParams) -> RelevanceRule:
    """The relevance settings of the extract block."""
    return RelevanceRule(table_share=params.table_share, min_pages=params.relevance_min_pages,
                         rate=params.relevance_rate, min_matches=params.relevance_min_matches,
                         paragraph_matches=params.relevance_paragraph_matches,
                         keep_all=params.keep_all_sections)


def apply_relevance(results: list[Extracted], *, terms: SubjectTerms, rule: RelevanceRule,
                     families: FamilyRules, min_words: int) -> None:
    """Name each document's section families, then keep its relevant text (see
    `pipeline.extract.relevance`); a document left with fewer than `min_words` words keeps
    none: `not_relevant` (a long report that never names the subject) or `tables_only`."""
    for r in results:
        if r.status != "ok":
            continue
        set_families(r.sections, families)
        f = filter_sections(r.paragraphs, r.sections, terms, rule, is_pdf=r.format == "pdf",
                            n_pages=r.n_pages)
        r.filtered = f
        if len(f.paragraphs) == len(r.paragraphs):
            continue
        n_words = sum(p.n_words for p in f.paragraphs)
        if n_words < min_words:
            r.status = "not_relevant" if f.filtered else "tables_only"
            r.error = (f"{f.note}: {n_words} words remain (fewer than min_words={min_words})")
            r.paragraphs = []
        else:
            r.paragraphs = f.paragraphs

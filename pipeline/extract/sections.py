"""Sections: a document cut into titled parts (title path, level, page range, family).

A registration document runs to hundreds of pages in chapters (strategy, business lines, the
non-financial statement, governance, risks, financial statements); a web page has headings.
Both become a list of `Section`s and each paragraph knows the section it sits in, so later
steps can keep the chapters that speak of the study's subject (`pipeline.extract.relevance`)
and the analyses can compare "the same chapter across years".

A PDF's sections come, by the first rule that finds at least two:

1. its outline (bookmarks), read by PDFium (`pdfium.outline`);
2. its headings: short paragraphs set well above the body's font size (`pdf.py` gives each
   paragraph's first-line size), the largest size level 1, the next level 2;
3. its printed table of contents: lines "Title .... 12" or "1.2 Title 12" on its first pages,
   the printed page numbers shifted to the PDF's where the titles are found again.

An HTML page's sections are its <h1>-<h6> headings found among its paragraphs. Paragraphs before
the first section belong to a section "(front matter)"; a document without structure is one
section "(whole document)", so every word sits in a section.

The family of a section (strategy, csr, business, governance, risks, financial, other) comes
from its title by the first matching pattern of the editable list `sections.yaml` (French and
English), else from its parent's family.

    >>> secs = outline_sections([(1, "Stratégie", 2), (1, "Gouvernement d'entreprise", 5)], 9)
    >>> [(s.title, s.first_page, s.last_page) for s in secs]
    [('Stratégie', 2, 4), ("Gouvernement d'entreprise", 5, 9)]
    >>> load_families().family("Déclaration de performance extra-financière")
    'csr'
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.errors import ParamsError
from pipeline.extract.passages import Paragraph
from pipeline.subset import FAMILIES

FAMILY_LIST = Path(__file__).with_name("sections.yaml")
FRONT = "(front matter)"
WHOLE = "(whole document)"
# A heading is at least this much larger than the body text, and at most HEADING_WORDS long.
HEADING_RATIO = 1.1
HEADING_WORDS = 16
# At most this many heading sizes become levels (the largest first).
HEADING_LEVELS = 3
# A printed table of contents is looked for on the first TOC_PAGES pages.
TOC_PAGES = 12
_TOC_LINE = re.compile(r"^(?P<num>(?:\d{1,2}\.){0,3}\d{1,2}\.?\s+)?(?P<title>\D.*?)"
                       r"(?:\s*(?:\.{2,}|…+|\s)\s*)(?P<page>\d{1,3})$")
_TOC_SPLIT = re.compile(r"(?:(?<=\s\d)|(?<=\s\d\d)|(?<=\s\d\d\d))\s+"
                        r"(?=(?:\d{1,2}\.)*\d{0,2}\.?\s*[A-ZÀ-Ý])")
_SENTENCE_END = (".", "!", "?", ":", ";", ",")
_NUMBERING = re.compile(r"^\s*(?:\d{1,2}\.)*\d{1,2}\.?\s+")


@dataclass
class Section:
    """One section of a document.

    Attributes:
        title: its title as printed.
        level: 1 for a chapter, 2 for its parts (and deeper).
        first_page: its first PDF page (1-based); None for HTML.
        last_page: its last PDF page (a section ending mid-page shares it with the next).
        parent: the index of its parent section in the document's list, or None.
        source: outline, headings, toc, html, or none (no structure found).
        family: see `FAMILIES`.
        anchor: the paragraph that opens it, when known (headings, HTML).
    """

    title: str
    level: int
    first_page: int | None = None
    last_page: int | None = None
    parent: int | None = None
    source: str = "none"
    family: str = "other"
    anchor: int | None = None


@dataclass(frozen=True)
class FamilyRules:
    """The compiled family list: per family, a pattern searched in the title."""

    patterns: tuple[tuple[str, re.Pattern], ...]

    def family(self, title: str) -> str | None:
        """The family of a title by the first matching family, or None."""
        key = _fold(title)
        for name, pattern in self.patterns:
            if pattern.search(key):
                return name
        return None


def _fold(text: str) -> str:
    """Lower case without accents, apostrophes straight: the form titles are matched in."""
    text = unicodedata.normalize("NFKD", text.lower().replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).split())


def load_families(path: str | Path = FAMILY_LIST) -> FamilyRules:
    """Read the family list (see sections.yaml for its format).

    Raises:
        ParamsError: the file is missing, not YAML, names an unknown family or holds a bad
            pattern (naming the file and the pattern).
    """
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ParamsError(f"{path}: cannot read the section families: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("families"), dict):
        raise ParamsError(f"{path}: expected a mapping 'families:' of family -> patterns")
    compiled = []
    for name, items in data["families"].items():
        if name not in FAMILIES or name == "other":
            raise ParamsError(f"{path}: unknown family {name!r} (one of "
                              f"{', '.join(FAMILIES[:-1])})")
        if not isinstance(items, list) or not all(isinstance(i, str) for i in items):
            raise ParamsError(f"{path}: family {name!r}: expected a list of patterns")
        try:
            pattern = re.compile("|".join(f"(?:{_fold(i)})" for i in items))
        except re.error as exc:
            raise ParamsError(f"{path}: family {name!r}: bad pattern: {exc}") from None
        compiled.append((name, pattern))
    return FamilyRules(tuple(compiled))


def _link(sections: list[Section]) -> list[Section]:
    """Set each section's parent: the nearest section before it at a lower level."""
    stack: list[int] = []
    for i, s in enumerate(sections):
        while stack and sections[stack[-1]].level >= s.level:
            stack.pop()
        s.parent = stack[-1] if stack else None
        stack.append(i)
    return sections


def _close_pages(sections: list[Section], n_pages: int) -> list[Section]:
    """Set last pages: up to the page before the next section at its level or above starts
    (its own first page if that one starts on the same page)."""
    for i, s in enumerate(sections):
        if s.first_page is None:
            continue
        nxt = next((t.first_page for t in sections[i + 1:]
                    if t.level <= s.level and t.first_page is not None), None)
        end = n_pages if nxt is None else nxt - 1
        s.last_page = max(s.first_page, end)
    return sections


def outline_sections(entries: Sequence[tuple[int, str, int | None]],
                     n_pages: int) -> list[Section]:
    """Sections from a PDF outline.

    Args:
        entries: (level from 1, title, 1-based page or None) per bookmark, in order.
        n_pages: the document's pages.

    Returns:
        The sections; bookmarks without a page or title, or pointing backwards, are skipped.
    """
    out: list[Section] = []
    last = 0
    for level, title, page in entries:
        title = " ".join(title.split())
        if not title or page is None or page < last or page > n_pages:
            continue
        out.append(Section(title, level, page, source="outline"))
        last = page
    return _close_pages(_link(out), n_pages)


def heading_sections(paragraphs: Sequence[Paragraph], sizes: Sequence[float],
                     n_pages: int) -> list[Section]:
    """Sections from the headings PDFium's font sizes show.

    Args:
        paragraphs: the document's paragraphs.
        sizes: the size of each paragraph's first line (0.0 when unknown).
        n_pages: the document's pages.

    Returns:
        The sections (empty when the sizes show no heading).
    """
    weights: Counter[float] = Counter()
    for p, size in zip(paragraphs, sizes, strict=True):
        if size > 0:
            weights[round(size, 1)] += p.n_words
    if not weights:
        return []
    body = weights.most_common(1)[0][0]
    candidates: list[tuple[int, float]] = []
    for i, (p, size) in enumerate(zip(paragraphs, sizes, strict=True)):
        if size < HEADING_RATIO * body or not _heading_like(p.text):
            continue
        # A chapter's title on its divider page and again, smaller, atop its first page of
        # text: the first opens the chapter, the repeat is no section.
        if candidates and _same_title(paragraphs[candidates[-1][0]], p):
            continue
        candidates.append((i, round(size, 1)))
    # A size that only one heading has (a cover title, "Sommaire") is not a level.
    per_size = Counter(size for _, size in candidates)
    levels = sorted((s for s in per_size if per_size[s] >= 2), reverse=True)[:HEADING_LEVELS]
    out = [Section(paragraphs[i].text, levels.index(size) + 1, paragraphs[i].page_start,
                   source="headings", anchor=i)
           for i, size in candidates if size in levels]
    return _close_pages(_link(out), n_pages)


def _same_title(a: Paragraph, b: Paragraph) -> bool:
    near = a.page_start is None or b.page_start is None or b.page_start - a.page_start <= 2
    return near and _fold(_NUMBERING.sub("", a.text, count=1)) == \
        _fold(_NUMBERING.sub("", b.text, count=1))


def _heading_like(text: str) -> bool:
    words = text.split()
    return 0 < len(words) <= HEADING_WORDS and not text.rstrip().endswith(_SENTENCE_END) \
        and any(c.isalpha() for c in text)


def toc_sections(paragraphs: Sequence[Paragraph], n_pages: int) -> list[Section]:
    """Sections from a printed table of contents on the first pages.

    Each entry's printed page is shifted by the offset that most often brings its title onto
    a paragraph opening on that PDF page (covers and unnumbered pages come before page 1);
    numbered entries ("2.1 ...") are level 2 below the unnumbered or one-number ones.

    Args:
        paragraphs: the document's paragraphs (PDF, with their pages).
        n_pages: the document's pages.

    Returns:
        The sections (empty when no table of contents is found).
    """
    entries: list[tuple[int, str, int, int]] = []  # (level, title, printed page, toc page)
    lines: list[tuple[str, int]] = []
    for p in paragraphs:
        if p.page_start is None or p.page_start > TOC_PAGES:
            break
        for line in _toc_lines(p.text):
            # PDFium gives a right-aligned page number a line of its own.
            if line.isdigit() and len(line) <= 3 and lines and lines[-1][1] == p.page_start \
                    and not lines[-1][0][-1:].isdigit():
                lines[-1] = (f"{lines[-1][0]} {line}", p.page_start)
            else:
                lines.append((line, p.page_start))
    for line, page in lines:
        m = _TOC_LINE.match(line)
        if not m or len(m["title"].split()) > HEADING_WORDS:
            continue
        num = (m["num"] or "").strip().rstrip(".")
        level = 2 if num.count(".") >= 1 else 1
        entries.append((level, m["title"].strip(" .…"), int(m["page"]), page))
    if len(entries) < 2:
        return []
    toc_page = max(e[3] for e in entries)
    starts: dict[int, list[str]] = {}
    for p in paragraphs:
        if p.page_start is not None and p.page_start > toc_page:
            starts.setdefault(p.page_start, []).append(
                _fold(_NUMBERING.sub("", p.text, count=1))[:80])
    offsets: Counter[int] = Counter()
    for _, title, printed, _ in entries:
        key = _fold(title)[:40]
        for shift in range(-4, 13):
            if any(t.startswith(key) for t in starts.get(printed + shift, ())):
                offsets[shift] += 1
    shift = offsets.most_common(1)[0][0] if offsets else 0
    found = outline_sections([(lv, t, pg + shift) for lv, t, pg, _ in entries], n_pages)
    for section in found:
        section.source = "toc"
    return found


def _toc_lines(text: str) -> list[str]:
    """A paragraph of a table of contents holds several entries: split after each page
    number that a new title follows."""
    return [s.strip() for s in _TOC_SPLIT.split(text) if s.strip()]


def html_sections(paragraphs: Sequence[Paragraph],
                  headings: Sequence[tuple[int, str]]) -> list[Section]:
    """Sections from an HTML page's headings.

    Args:
        paragraphs: the page's paragraphs.
        headings: (level 1-6, text) of the page's <h1>-<h6>, in order.

    Returns:
        One section per paragraph that is a heading, levels ranked from 1.
    """
    wanted: dict[str, int] = {}
    for level, text in headings:
        wanted.setdefault(_fold(text), level)
    found = [(i, wanted[_fold(p.text)]) for i, p in enumerate(paragraphs)
             if _fold(p.text) in wanted]
    ranks = {level: rank for rank, level in enumerate(sorted({lv for _, lv in found}), 1)}
    out = [Section(paragraphs[i].text, ranks[lv], source="html", anchor=i) for i, lv in found]
    return _link(out)


def pdf_sections(outline: Sequence[tuple[int, str, int | None]],
                 paragraphs: Sequence[Paragraph], sizes: Sequence[float],
                 n_pages: int) -> list[Section]:
    """A PDF's sections by the first rule that finds two (outline, headings, printed table of
    contents); none when no rule does."""
    for found in (lambda: outline_sections(outline, n_pages),
                  lambda: heading_sections(paragraphs, sizes, n_pages),
                  lambda: toc_sections(paragraphs, n_pages)):
        sections = found()
        if len(sections) >= 2:
            return sections
    return []


def assign(paragraphs: Sequence[Paragraph],
           sections: list[Section]) -> tuple[list[Section], list[int]]:
    """Each paragraph's section (the deepest one it sits in).

    Returns:
        The sections, with "(front matter)" (or "(whole document)" when there is none) added
        first where paragraphs sit outside every section, and per paragraph the index of its
        section in that list.

    A paragraph goes to the last section opened before it: a section with an anchor opens at
    that paragraph; one with only a page opens at the paragraph of that page whose text starts
    with its title, else at the page's first paragraph.
    """
    sections = list(sections)
    opens = _openings(paragraphs, sections)
    _share_pages(paragraphs, sections, opens)
    owner: list[int | None] = []
    current: int | None = None
    pending = sorted(opens.items(), key=lambda kv: (kv[1], kv[0]))
    k = 0
    for i in range(len(paragraphs)):
        while k < len(pending) and pending[k][1] <= i:
            current = pending[k][0]
            k += 1
        owner.append(current)
    if any(o is None for o in owner) or not sections:
        sections.insert(0, Section(FRONT if sections else WHOLE, 1,
                                   paragraphs[0].page_start if paragraphs else None,
                                   source=sections[0].source if sections else "none"))
        for s in sections[1:]:
            if s.parent is not None:
                s.parent += 1
        owner = [0 if o is None else o + 1 for o in owner]
        front = [p.page_end for p, o in zip(paragraphs, owner, strict=True)
                 if o == 0 and p.page_end is not None]
        sections[0].last_page = max(front) if front else None
    # A blank page at a section's end (before a chapter opening on a right-hand page) is
    # no part of it.
    texty = {pg for p in paragraphs if p.page_start is not None
             for pg in range(p.page_start, (p.page_end or p.page_start) + 1)}
    if texty:
        for s in sections:
            while s.first_page is not None and s.last_page is not None \
                    and s.last_page > s.first_page and s.last_page not in texty:
                s.last_page -= 1
    return sections, [o if o is not None else 0 for o in owner]


def _share_pages(paragraphs: Sequence[Paragraph], sections: list[Section],
                 opens: dict[int, int]) -> None:
    """A section whose successor opens below text on the successor's first page ends on that
    page (the page is shared), not on the page before."""
    for j, s in enumerate(sections):
        if s.first_page is None:
            continue
        nxt = next((k for k in range(j + 1, len(sections))
                    if sections[k].level <= s.level and sections[k].first_page is not None),
                   None)
        if nxt is None or nxt not in opens:
            continue
        page, at = sections[nxt].first_page, opens[nxt]
        k = at - 1
        while k >= 0 and (paragraphs[k].page_end or 0) >= (page or 0):
            if any(c.isalpha() for c in paragraphs[k].text):  # a number alone opens a divider
                s.last_page = max(s.first_page, page or s.first_page)
                break
            k -= 1


def _openings(paragraphs: Sequence[Paragraph], sections: list[Section]) -> dict[int, int]:
    """The index of the paragraph each section opens at (sections that open nowhere left
    out: they hold no paragraph of their own)."""
    first_on: dict[int, int] = {}
    for i, p in enumerate(paragraphs):
        if p.page_start is not None:
            first_on.setdefault(p.page_start, i)
            if p.page_end is not None and p.page_end != p.page_start:
                first_on.setdefault(p.page_end, i + 1)
    opens: dict[int, int] = {}
    floor = 0
    for j, s in enumerate(sections):
        at: int | None
        if s.anchor is not None:
            at = s.anchor
        elif s.first_page is not None:
            at = _title_on_page(paragraphs, s, floor)
            if at is None:
                at = next((first_on[pg] for pg in range(s.first_page, (s.last_page or
                                                                       s.first_page) + 1)
                           if pg in first_on), None)
                if at is None:
                    continue
                at = max(at, floor)
        else:
            continue
        opens[j] = at
        floor = at
    return opens


def _title_on_page(paragraphs: Sequence[Paragraph], s: Section, floor: int) -> int | None:
    key = _fold(_NUMBERING.sub("", s.title, count=1))[:60]
    for i in range(floor, len(paragraphs)):
        p = paragraphs[i]
        if p.page_start is None or p.page_start > (s.first_page or 0):
            return None
        if (p.page_end or p.page_start) >= (s.first_page or 0) \
                and _fold(_NUMBERING.sub("", p.text, count=1)).startswith(key):
            return i
    return None


def set_families(sections: list[Section], rules: FamilyRules) -> None:
    """Each section's family: its title's, else its parent's, else other."""
    for s in sections:
        own = rules.family(s.title)
        if own is not None:
            s.family = own
        elif s.parent is not None:
            s.family = sections[s.parent].family
        else:
            s.family = "other"


def title_path(sections: list[Section], index: int) -> str:
    """The titles from the top section down to `index`, joined by " > "."""
    parts = []
    at: int | None = index
    while at is not None:
        parts.append(sections[at].title)
        at = sections[at].parent
    return " > ".join(reversed(parts))


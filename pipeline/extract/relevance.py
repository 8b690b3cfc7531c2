"""Relevance: which sections of a long report speak of the study's subject, and tables of
figures left out of the text.

A 300-page registration document speaks of cities in a few chapters; the rest (governance,
risk factors, financial statements) would make topics, keyness and frame rates describe the
report genre. The subject is named by the `relevance:` terms of frames.yaml (ville,
territoire, collectivité, smart city, citoyen, ...), matched here on the text as written (the
paragraph's words lower-cased; a term also matches its plural and feminine: "villes",
"urbaines", "territoriaux", "cities").

The rule (params.yaml, extract block):

- a paragraph of a PDF whose words are mostly figures (at least `table_share` of its tokens
  are numbers or signs, half that in rows without a sentence: a financial table) is a table:
  left out of the text of every PDF, counted per section;
- a section is relevant when its title names the subject (or an enclosing section's title
  does), or its own text holds at least `relevance_min_matches` subject terms at a rate of at
  least `relevance_rate` per 1,000 words;
- a PDF of at least `relevance_min_pages` pages keeps the paragraphs of its relevant sections,
  and, in the other sections, each paragraph naming the subject at least
  `relevance_paragraph_matches` times (prose of at least PARAGRAPH_MIN_WORDS words); the
  front matter (cover, contents) and the rest are left out and accounted for in the sections
  table (`why`). Shorter PDFs and web pages keep everything; `keep_all_sections: true` keeps
  everything everywhere (the sections are still scored).

    >>> m = SubjectTerms.from_terms(["ville", "smart city", "territorial"])
    >>> m.count("Les villes et les smart cities : des enjeux territoriaux.")
    3
    >>> is_table("Chiffre d'affaires 43 519 40 248 8,1 %", 0.4)
    True
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from pipeline.extract.passages import Paragraph
from pipeline.extract.sections import FRONT, Section

# A token of a table: a number (signs, separators, a trailing % or unit sign) or a sign alone.
_FIGURE = re.compile(r"^[(+\-–−]?[\d][\d.,\u202f\u00a0]*\)?%?$|^[-–—%€$£()*]+$|^n/?[ad]$|^nm$",
                     re.IGNORECASE)
_FIGURE_START = frozenset("0123456789(+-–−—%€$£*nN")
# A paragraph of a section left out is kept for its own subject terms only when it is prose
# (a line of the printed contents naming two city chapters is not), and not in the front
# matter (cover, contents).
PARAGRAPH_MIN_WORDS = 25


def is_table(text: str, share: float) -> bool:
    """Whether a paragraph is (a piece of) a table of figures: at least `share` of its tokens
    are numbers or signs, or, when it holds no sentence (no full stop before a space or at its
    end: rows of labels and figures run together), half that share; at least three figures
    either way (four without a sentence).

    English tables write a figure as one token ("3,898.4") where French ones write two
    ("3 898,4") and their row labels are longer: half the share catches them, and prose,
    which has full stops, is held to the whole share.
    """
    tokens = text.split()
    prose = text.rstrip().endswith((".", "!", "?", "…")) or ". " in text
    need = share if prose else share / 2
    # most paragraphs stop here: fewer tokens open with a digit or a sign than a table needs
    opening = len([t for t in tokens if t[0] in _FIGURE_START])
    if opening < 3 or opening < need * len(tokens):
        return False
    figures = sum(1 for t in tokens if _FIGURE.match(t))
    return figures >= (3 if prose else 4) and figures >= need * len(tokens)


# What may stick to a word in text split on spaces: elided articles before, punctuation
# after. Every form is listed with them, so a word of text is looked up as it is split.
_BEFORE = ("", "l'", "d'", "l’", "d’", "qu'", "qu’", "(", "«", "“", '"', "'", "[")
_AFTER = ("", ",", ".", ";", ":", ")", "»", "”", '"', "'", "!", "?", "),", ").", "]", "…")


def _forms(word: str) -> set[str]:
    """A lexicon word and its regular inflections (plural, feminine; -al/-aux; -y/-ies;
    -en/-enne)."""
    forms = {word, word + "s", word + "x", word + "e", word + "es"}
    if word.endswith("al"):
        forms.add(word[:-2] + "aux")
    if word.endswith("y"):
        forms.add(word[:-1] + "ies")
    if word.endswith(("en", "on")):
        forms |= {word + "ne", word + "nes"}
    return forms


def _written(forms: set[str], *, before: bool = True, after: bool = True) -> frozenset[str]:
    """The forms as they can be split out of text (see _BEFORE, _AFTER)."""
    return frozenset(b + f + a for f in forms for b in (_BEFORE if before else ("",))
                     for a in (_AFTER if after else ("",)))


@dataclass(frozen=True)
class SubjectTerms:
    """The study's subject terms, as sets of written forms: text is split on spaces and each
    word looked up (a regular expression of fifty alternatives, or a word pattern, cost a
    report's extraction a third more)."""

    singles: frozenset[str] = frozenset()
    # first word, as written -> the multi-word terms starting with it, as forms per word
    multi: dict[str, tuple[tuple[frozenset[str], ...], ...]] = field(default_factory=dict)
    n_terms: int = 0

    @classmethod
    def from_terms(cls, terms: Iterable[str]) -> SubjectTerms:
        """Terms (words or phrases, any language), matched whatever their case."""
        singles: set[str] = set()
        multi: dict[str, list[tuple[frozenset[str], ...]]] = {}
        n = 0
        for term in dict.fromkeys(terms):
            words = term.lower().replace("’", "'").replace("-", " ").split()
            if not words:
                continue
            n += 1
            if len(words) == 1:
                singles |= _written(_forms(words[0]))
                continue
            last = len(words) - 1
            forms = tuple(_written(_forms(w), before=i == 0, after=i == last)
                          for i, w in enumerate(words))
            for first in forms[0]:
                multi.setdefault(first, []).append(forms)
        return cls(frozenset(singles),
                   {k: tuple(sorted(v, key=len, reverse=True)) for k, v in multi.items()}, n)

    def count(self, text: str) -> int:
        """How many subject terms the text holds (a phrase counts once, with the words in
        it that are terms too: "smart city" is one)."""
        if not self.n_terms:
            return 0
        tokens = text.lower().split()
        singles, multi = self.singles, self.multi
        n = len([t for t in tokens if t in singles])
        if multi:
            for i in [i for i, t in enumerate(tokens) if t in multi]:
                for forms in multi[tokens[i]]:
                    span = tokens[i:i + len(forms)]
                    if len(span) == len(forms) and all(
                            w in f for w, f in zip(span, forms, strict=True)):
                        # counted once: less the words in it already counted alone
                        n += 1 - sum(1 for w in span if w in singles)
                        break
        return n


@dataclass(frozen=True)
class RelevanceRule:
    """The relevance settings of the extract block (see the module docstring)."""

    table_share: float = 0.5
    min_pages: int = 40
    rate: float = 2.0
    min_matches: int = 3
    paragraph_matches: int = 3
    keep_all: bool = False


@dataclass
class SectionScore:
    """What the rule found in one section (its own paragraphs, not its subsections')."""

    n_paragraphs: int = 0
    n_words: int = 0          # words read, tables included
    n_words_tables: int = 0   # of which in tables of figures
    n_matches: int = 0        # subject terms in the text (tables out)
    title_match: bool = False
    relevant: bool = False
    n_words_kept: int = 0
    why: str | None = None

    @property
    def rate(self) -> float:
        """Subject terms per 1,000 words of text (tables out)."""
        words = self.n_words - self.n_words_tables
        return 1000.0 * self.n_matches / words if words else 0.0


@dataclass
class Filtered:
    """One document after the rule: the paragraphs kept and the score of each section."""

    paragraphs: list[Paragraph]
    scores: list[SectionScore]
    filtered: bool               # whether its sections were kept or left one by one
    n_words_read: int = 0
    note: str | None = None
    counts: dict[str, int] = field(default_factory=dict)  # words left, by reason


def applies(n_pages: int | None, rule: RelevanceRule) -> bool:
    """Whether a document's sections are kept or left one by one: PDFs long enough."""
    return not rule.keep_all and n_pages is not None and n_pages >= rule.min_pages


def filter_sections(paragraphs: Sequence[Paragraph], sections: Sequence[Section],
                    terms: SubjectTerms, rule: RelevanceRule, *, is_pdf: bool,
                    n_pages: int | None) -> Filtered:
    """Score a document's sections and keep its relevant text (see the module docstring).

    Args:
        paragraphs: the document's paragraphs, each with its `section` index.
        sections: its sections.
        terms: the subject terms.
        rule: the settings.
        is_pdf: tables of figures are looked for in PDFs only.
        n_pages: the PDF's pages (None for a web page).

    Returns:
        The kept paragraphs (in order) and one score per section.
    """
    scores = [SectionScore(title_match=terms.count(s.title) > 0) for s in sections]
    for i, s in enumerate(sections):  # a chapter named for the subject holds its parts
        at = s.parent
        while at is not None and not scores[i].title_match:
            scores[i].title_match = scores[at].title_match and at < i
            at = sections[at].parent
    tables = [is_pdf and is_table(p.text, rule.table_share) for p in paragraphs]
    matches = [0 if t else terms.count(p.text) for p, t in zip(paragraphs, tables, strict=True)]
    for p, t, m in zip(paragraphs, tables, matches, strict=True):
        sc = scores[p.section or 0]
        sc.n_paragraphs += 1
        sc.n_words += p.n_words
        if t:
            sc.n_words_tables += p.n_words
        sc.n_matches += m
    for sc in scores:
        sc.relevant = sc.title_match or (sc.n_matches >= rule.min_matches
                                         and sc.rate >= rule.rate)
    filtered = applies(n_pages, rule) and is_pdf
    kept: list[Paragraph] = []
    for p, t, m in zip(paragraphs, tables, matches, strict=True):
        sc = scores[p.section or 0]
        front = sections[p.section or 0].title == FRONT
        keep = not t and (not filtered or (not front and (
            sc.relevant or (rule.paragraph_matches > 0 and m >= rule.paragraph_matches
                            and p.n_words >= PARAGRAPH_MIN_WORDS))))
        if keep:
            kept.append(p)
            sc.n_words_kept += p.n_words
    counts = {"tables of figures": 0, "not relevant": 0}
    for section, sc in zip(sections, scores, strict=True):
        counts["tables of figures"] += sc.n_words_tables
        counts["not relevant"] += sc.n_words - sc.n_words_tables - sc.n_words_kept
        if sc.n_words_kept:
            continue
        if not sc.n_words:
            sc.why = "no text of its own"
        elif filtered and section.title == FRONT:
            sc.why = "front matter (cover, contents: before the first section)"
        elif sc.n_words_tables == sc.n_words:
            sc.why = "tables of figures"
        else:
            sc.why = (f"not relevant: {sc.n_matches} subject term(s), {sc.rate:.1f} per 1,000 "
                      f"words (relevance_min_matches {rule.min_matches}, relevance_rate "
                      f"{rule.rate:g}), title without one")
    read = sum(p.n_words for p in paragraphs)
    out = Filtered(kept, scores, filtered, read, counts=counts)
    out.note = _note(out, len(sections))
    return out


def _note(f: Filtered, n_sections: int) -> str | None:
    """The document's account of what it left out, e.g. "kept 4 of 37 sections (5,120 of
    88,400 words); left: not relevant 71,000 words, tables of figures 12,280 words"."""
    left = {k: v for k, v in f.counts.items() if v}
    if not left:
        return None
    kept_words = sum(s.n_words_kept for s in f.scores)
    n_kept = sum(1 for s in f.scores if s.n_words_kept)
    parts = ", ".join(f"{k} {v:,} words" for k, v in left.items())
    return (f"kept {n_kept} of {n_sections} sections ({kept_words:,} of {f.n_words_read:,} "
            f"words); left: {parts}")

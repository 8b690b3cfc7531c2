"""Paragraphs and passages: the units extraction hands to the rest of the pipeline.

A document's clean text is a list of `Paragraph`s (text, language, PDF page range). Topic
models and concordances work on passages of about `passage_words` words, so `cut_passages`
groups a document's paragraphs into passages that never mix languages, end on a paragraph or
sentence end, and, for PDFs, end on a page boundary where one falls in the allowed range.

    >>> paras = [Paragraph("Une ville. " * 60, "fr", 1, 1), Paragraph("A city. " * 60, "en", 2, 2)]
    >>> [(p.lang, p.n_words, p.page_start) for p in cut_passages(paras, passage_words=100)]
    [('fr', 120, 1), ('en', 120, 2)]
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

# A passage may run this far past `passage_words` to reach a paragraph end rather than cut
# inside one, and is closed early (on a page or paragraph end) once it holds the lower share.
SOFT_MAX = 1.5
SOFT_MIN = 0.6
# A last passage shorter than this share of `passage_words` joins the one before it.
TAIL_MIN = 0.3

# Sentence ends: . ! ? … (and closing quotes or brackets, French-spaced or not), then a space
# and a capital, a digit or an opening quote. Abbreviations that often precede a capital are
# protected below.
_SENTENCE_END = re.compile(
    r"(?<=[.!?…])((?:\s?[\"»”’)\]])*)\s+(?=[«\"“(\[]?\s?[A-ZÀ-ÖØ-Þ0-9])")
_ABBREV = re.compile(
    r"(?:\b(?:M|MM|Mme|Mmes|Mlle|Dr|Pr|St|Ste|Mr|Mrs|Ms|Prof|Inc|Ltd|Co|Corp|cf|etc|env|"
    r"vol|no|n°|p|pp|fig|art|al|vs|e\.g|i\.e)|\b[A-Z])\.$"
)


# Scripts written without spaces between words: Thai, Lao, Myanmar, Khmer, Japanese kana and
# the Han ideographs of Chinese and Japanese. A run of them is one "word" to str.split, so a
# Chinese article would count as a handful of words; each of their characters counts instead
# (a Chinese word is one to two characters: the count errs towards more words, never towards
# an article that looks empty).
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff" \
    "\uf900-\ufaff"
_UNSPACED_CHAR = re.compile(f"[{_UNSPACED}]")
_UNSPACED_TOKEN = re.compile(f"\\S*[{_UNSPACED}]\\S*")


def count_words(text: str) -> int:
    """Words as a reader counts them: runs of non-space characters, and each character of a
    script written without spaces (Chinese, Japanese, Thai...).

        >>> count_words("La ville de demain"), count_words("新しい法律では")
        (4, 7)
    """
    n = len(text.split())
    if text.isascii():
        return n
    unspaced = len(_UNSPACED_CHAR.findall(text))
    return n + unspaced - len(_UNSPACED_TOKEN.findall(text)) if unspaced else n


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a document's clean text.

    Attributes:
        text: the paragraph, on one line.
        lang: ISO 639-1 language of the paragraph (None until tagged).
        page_start: first PDF page it sits on (1-based); None for HTML.
        page_end: last PDF page it sits on (a paragraph may run over a page break).
        section: the index of its section in its document's list (see
            `pipeline.extract.sections`); None until sections are found.
    """

    text: str
    lang: str | None = None
    page_start: int | None = None
    page_end: int | None = None
    section: int | None = None

    @cached_property
    def n_words(self) -> int:
        return count_words(self.text)


@dataclass(frozen=True)
class Passage:
    """A run of paragraphs of one language, about `passage_words` long."""

    text: str
    lang: str | None
    page_start: int | None
    page_end: int | None
    n_words: int
    section: int | None = None  # the section of its first paragraph


def split_sentences(text: str) -> list[str]:
    """Split a paragraph into sentences (French and English punctuation; no model needed).

    Args:
        text: one paragraph.

    Returns:
        The sentences, in order; joining them with single spaces gives back the paragraph
        (up to whitespace).
    """
    pieces: list[str] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        candidate = text[start:m.end(1)].strip()
        if _ABBREV.search(candidate.rstrip("\"»”’)] ")):
            continue
        pieces.append(candidate)
        start = m.end()
    tail = text[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _split_long(par: Paragraph, limit: int) -> list[Paragraph]:
    """Cut a paragraph longer than `limit` words into pieces at sentence ends.

    A single sentence longer than `limit` (a table dumped as text, a list without stops) is
    cut between words, since a passage has to end somewhere.
    """
    pieces: list[str] = []
    current: list[str] = []
    size = 0
    for sentence in split_sentences(par.text):
        words = sentence.split()
        while len(words) > limit:
            if current:
                pieces.append(" ".join(current))
                current, size = [], 0
            pieces.append(" ".join(words[:limit]))
            words = words[limit:]
        if current and size + len(words) > limit:
            pieces.append(" ".join(current))
            current, size = [], 0
        if words:
            current.append(" ".join(words))
            size += len(words)
    if current:
        pieces.append(" ".join(current))
    return [replace(par, text=p) for p in pieces]


def _close(group: list[Paragraph]) -> Passage:
    pages = [p for par in group for p in (par.page_start, par.page_end) if p is not None]
    return Passage(
        text="\n\n".join(par.text for par in group),
        lang=group[0].lang,
        page_start=min(pages) if pages else None,
        page_end=max(pages) if pages else None,
        n_words=sum(par.n_words for par in group),
        section=group[0].section,
    )


def cut_passages(paragraphs: list[Paragraph], *, passage_words: int,
                 by_section: bool = False) -> list[Passage]:
    """Group a document's paragraphs into passages of about `passage_words` words.

    Each language's paragraphs form their own stream (in document order), so a passage never
    mixes languages: the English paragraphs of a French document become English passages. A
    passage closes on a paragraph end once it holds about `passage_words` words, or earlier
    (from `SOFT_MIN` of that) on a PDF page boundary; a paragraph longer than `SOFT_MAX` times
    the target is cut at sentence ends. A short tail joins the passage before it.

    Args:
        paragraphs: the document's paragraphs, in order, each tagged with its language.
        passage_words: the target length in words (params.yaml `extract.passage_words`).
        by_section: a passage never runs over a section's end (a report whose sections are
            kept or left one by one); otherwise a passage takes the section it starts in.

    Returns:
        The passages, ordered by the position of their first paragraph in the document.

    Raises:
        ValueError: if passage_words is not a positive number.
    """
    if passage_words <= 0:
        raise ValueError(f"passage_words must be positive, got {passage_words}")
    hard = max(1, int(passage_words * SOFT_MAX))
    streams: dict[str | None, list[tuple[int, Paragraph]]] = {}
    for pos, par in enumerate(paragraphs):
        if not par.text.strip():
            continue
        for piece in (_split_long(par, passage_words) if par.n_words > hard else [par]):
            streams.setdefault(par.lang, []).append((pos, piece))

    out: list[tuple[int, Passage]] = []
    for items in streams.values():
        groups: list[tuple[int, list[Paragraph]]] = []
        current: list[Paragraph] = []
        first = 0
        size = 0
        for pos, par in items:
            n = par.n_words
            if current:
                prev_page = current[-1].page_end
                new_page = (par.page_start is not None and prev_page is not None
                            and par.page_start != prev_page)
                full = size >= passage_words
                overflow = size + n > hard or (size + n > passage_words and size >= SOFT_MIN
                                               * passage_words)
                if full or overflow or (new_page and size >= SOFT_MIN * passage_words) \
                        or (by_section and par.section != current[-1].section):
                    groups.append((first, current))
                    current, size = [], 0
            if not current:
                first = pos
            current.append(par)
            size += n
        if current:
            if (groups and size < TAIL_MIN * passage_words
                    and sum(p.n_words for p in groups[-1][1]) + size <= hard
                    and not (by_section and groups[-1][1][-1].section != current[0].section)):
                groups[-1][1].extend(current)
            else:
                groups.append((first, current))
        out.extend((start, _close(group)) for start, group in groups)
    out.sort(key=lambda item: item[0])
    return [passage for _, passage in out]

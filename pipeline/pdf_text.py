"""Clean text of a PDF, page by page, with pypdfium2.

PDFium gives each page's text line by line; this module turns the lines into paragraphs that
keep their page numbers, and removes what is not the report's prose:

- running headers and footers: a line near the top or bottom of the page that recurs (digits
  aside) on at least half of the pages ("Rapport annuel 2019 | 12");
- page numbers ("12", "- 12 -", "Page 12", "12 / 80", "xii") in those positions;
- line-end hyphens: "développe-" + "ment" becomes "développement", unless the document itself
  writes the word with its hyphen elsewhere and never whole ("sous-traitance" stays);
- line breaks inside paragraphs. A paragraph ends where the vertical gap between two lines
  grows, the font size changes (a heading), a list item starts, or a line ends a sentence well
  short of the page's longest lines. A paragraph that runs over a page break is joined (once
  the running lines are gone) and records both pages: the page's last paragraph does not end
  a sentence, and the next page's first one starts in lower case or with a digit ("54" +
  "000 euros"), or the first ends on a comma, a hyphen or a word no sentence ends on ("à",
  "de", "the"); not when the two are set in different sizes (a heading).

Positions cost one PDFium call a line, so they are asked only for the lines that could be
anything but the middle of a paragraph (see `_needs_position`); a page whose text does not map
onto PDFium's characters falls back on the text alone (first and last lines as header
candidates, short sentence-final lines as paragraph ends).

Failures are results, never exceptions: an unreadable file is `corrupt`, a password-protected
one `encrypted`, one whose pages hold images but no text `no_text_layer` (scanned, needs OCR),
one without any text or image `empty`.

    >>> result = read_pdf(b"%PDF-1.4 this is not a PDF")
    >>> result.status
    'corrupt'
"""

from __future__ import annotations

import itertools
import logging
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from pipeline.passages import Paragraph

log = logging.getLogger(__name__)

# A line counts as a running header or footer when it recurs on at least this share of the
# pages with text (and the document has at least RUNNING_MIN_PAGES of them).
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3
# Header and footer candidates: the lines in the top or bottom band of the page (share of its
# height), or, when PDFium gives no positions, the first and last lines.
EDGE_LINES = 3
EDGE_BAND = 0.08
# A vertical step this much larger than the page's usual line step starts a new paragraph.
PARAGRAPH_GAP = 1.3
# A line ending a sentence shorter than this share of the page's longest line ends a paragraph.
SHORT_LINE = 0.8
# One pair of lines in this many is placed on the page whatever its text (see _needs_position).
SAMPLE_EVERY = 6
# The start of the first page kept for dating (see pipeline.dating).
FIRST_PAGE_CHARS = 1500
# A PDF title from the metadata that is really a file or tool name is ignored.
_JUNK_TITLE = re.compile(
    r"^(?:untitled|sans titre|document\d*|microsoft (?:word|powerpoint)\b.*|\(anonymous\)"
    r"|.*\.(?:docx?|pptx?|indd|pdf|qxp|ai))$", re.IGNORECASE)
_PAGE_NUMBER = re.compile(
    r"^(?:(?:page|p\.)\s*)?[-–—|]?\s*(?:\d{1,4}|[ivxlcdm]{1,6})\s*"
    r"(?:(?:/|sur|of|de)\s*\d{1,4})?\s*[-–—|]?$", re.IGNORECASE)
_DIGITS = re.compile(r"\d+")

_SENTENCE_END = (".", "!", "?", "…", ":", ";", "»", '"', "”", ")")
_BULLET = re.compile(r"^(?:[•▪◦●■–—*-]|\d{1,2}[.)])\s")
_BULLET_START = frozenset("•▪◦●■–—*-0123456789")
# PDFium merges a line ending in a hyphen with the next one and marks the hyphen U+FFFE (older
# builds: U+0002); a soft hyphen U+00AD is only ever a break point.
_LINE_HYPHENS = ("\ufffe", "\x02")
_SOFT_HYPHEN = "\u00ad"
_LAST_WORD = re.compile(r"[^\W\d_]+$")
_FIRST_WORD = re.compile(r"[^\W\d_]+")
# Words no sentence ends on (articles, prepositions, conjunctions): a page ending on one ends
# mid-sentence whatever the next page starts with ("à" + "Ormelune").
_DANGLING = re.compile(
    r"(?:^|[\s'’])(?:à|au|aux|de|des|du|la|le|les|un|une|et|ou|en|par|pour|avec|dans|sur"
    r"|sous|entre|vers|chez|que|qui|dont|the|a|an|of|to|and|or|in|on|for|with|by|at|from"
    r"|into|than|that)$", re.IGNORECASE)


class _Line:
    """One line of a page: its text and, when PDFium gives it, its first character's box."""

    __slots__ = ("bottom", "ends", "geometry", "left", "merged", "page", "size", "tail", "text",
                 "top")

    def __init__(self, text: str, page: int, box: tuple[float, float, float] | None = None):
        self.text = text
        self.page = page
        self.ends = text.endswith(_SENTENCE_END)  # ends a sentence
        # Lines PDFium merged into this one (a word hyphenated at the end of each), and the
        # length of the last of them.
        if "\ufffe" in text or "\x02" in text:
            self.merged = text.count("\ufffe") + text.count("\x02")
            self.tail = len(text.replace("\x02", "\ufffe").rsplit("\ufffe", 1)[-1])
        else:
            self.merged, self.tail = 0, len(text)
        if box is None:
            self.geometry, self.left, self.top, self.bottom, self.size = False, 0.0, 0.0, 0.0, 0.0
        else:
            self.geometry = True
            self.left, self.top, self.bottom = box
            # The height of the character's box stands for the font size (equal for equal
            # fonts): one PDFium call fewer per line.
            self.size = self.top - self.bottom


@dataclass
class PdfResult:
    """What `read_pdf` found in one PDF.

    Attributes:
        status: ok, empty, corrupt, encrypted or no_text_layer.
        paragraphs: the clean paragraphs with their page ranges (language not yet tagged).
        n_pages: pages in the file (None when it could not be opened).
        title: the metadata title, or the largest line of the first page.
        first_page: the start of the first page's raw text and the running headers (for
            dating).
        note: why the PDF was skipped, or what was odd about a kept one.
    """

    status: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    n_pages: int | None = None
    title: str | None = None
    first_page: str = ""
    note: str | None = None


def _norm(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


def _page_lines(page, number: int, rect) -> tuple[list[_Line], bool]:
    """The text lines of one page with their geometry, and whether the page has an image."""
    textpage = page.get_textpage()
    try:
        n_chars = textpage.count_chars()
        if n_chars <= 0:
            has_image = any(True for _ in page.get_objects(
                filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=4))
            return [], has_image
        text = textpage.get_text_range(0, n_chars)
        found: list[tuple[str, int]] = []  # (line, char index of its first character)
        index = 0
        for chunk in text.split("\r\n"):
            stripped = chunk.strip()
            if stripped:
                found.append((stripped, index + len(chunk) - len(chunk.lstrip())))
            index += len(chunk) + 2
        # A line's position comes from its first character's index, which only works when the
        # string maps one to one onto PDFium's characters.
        if len(text) != n_chars:
            return [_Line(t, number) for t, _ in found], False
        need = _needs_position(found)
        raw = textpage.raw
        box = pdfium_c.FPDFText_GetLooseCharBox
        lines: list[_Line] = []
        for (line_text, first), wanted in zip(found, need, strict=True):
            if wanted:
                box(raw, first, rect)
                lines.append(_Line(line_text, number, (rect.left, rect.top, rect.bottom)))
            else:
                lines.append(_Line(line_text, number))
        return lines, False
    finally:
        textpage.close()


def _needs_position(found: list[tuple[str, int]]) -> list[bool]:
    """Which lines need their position (one PDFium call each, a third of our time per page).

    A full-width line that does not end a sentence and is followed by a line starting in lower
    case is the middle of a paragraph whatever its position: only the others can be headers,
    footers, page numbers, headings or paragraph ends. Every SAMPLE_EVERY-th pair of lines is
    placed too, so the page's usual line step is known.
    """
    n = len(found)
    longest = max(len(t) for t, _ in found)
    need = [False] * n
    for i, (line, _) in enumerate(found):
        if i < EDGE_LINES or i >= n - EDGE_LINES or len(line) < SHORT_LINE * longest \
                or line.endswith(_SENTENCE_END) or i % SAMPLE_EVERY == 0:
            need[i] = True
            if i + 1 < n:
                need[i + 1] = True
        elif i + 1 < n and not found[i + 1][0][0].islower():
            need[i] = need[i + 1] = True
    return need


def _edge_indices(lines: list[_Line], height: float) -> set[int]:
    """Lines that may be running headers, footers or page numbers.

    With positions, the lines in the top or bottom band of the page (a heading that opens
    every page is not a header); without, the first and last few lines.
    """
    placed = [line.geometry for line in lines]
    if lines and height > 0 and any(placed):
        return {i for i, line in enumerate(lines)
                if line.geometry and (line.top > height * (1 - EDGE_BAND)
                                      or line.bottom < height * EDGE_BAND)}
    n = len(lines)
    return set(range(min(EDGE_LINES, n))) | set(range(max(0, n - EDGE_LINES), n))


def _strip_running(pages: list[list[_Line]], heights: list[float]) -> tuple[list[list[_Line]],
                                                                          list[str]]:
    """Drop running headers/footers and page numbers; return the pages and the headers seen."""
    edges = [_edge_indices(lines, h) for lines, h in zip(pages, heights, strict=True)]
    with_text = sum(1 for lines in pages if lines)
    running: set[str] = set()
    if with_text >= RUNNING_MIN_PAGES:
        counts: Counter[str] = Counter()
        for lines, idx in zip(pages, edges, strict=True):
            counts.update({_norm(lines[i].text) for i in idx})
        need = max(2, math.ceil(RUNNING_SHARE * with_text))
        running = {text for text, c in counts.items() if c >= need}
    examples: dict[str, str] = {}
    out = []
    for lines, idx in zip(pages, edges, strict=True):
        kept = []
        for i, line in enumerate(lines):
            if i in idx:
                if _PAGE_NUMBER.match(line.text):
                    continue
                key = _norm(line.text)
                if key in running:
                    examples.setdefault(key, line.text)
                    continue
            kept.append(line)
        out.append(kept)
    return out, list(examples.values())


class _Vocabulary:
    """What a document writes, to tell a typesetter's hyphen from a real one.

    A form is attested when it occurs anywhere in the document's text (a substring search on
    the lower-cased text, built on the first question: most documents never ask). The broken
    occurrence itself never attests: it is split by a line break or PDFium's U+FFFE.
    """

    def __init__(self, texts: list[str]):
        self._texts = texts
        self._text: str | None = None

    def __contains__(self, form: str) -> bool:
        if self._text is None:
            self._text = "\n".join(self._texts).lower()
        return form in self._text


def _rejoin(head: str, tail: str, vocab: _Vocabulary) -> str:
    """A word hyphenated at a line end, made whole unless the document writes it hyphenated.

    "dévelop-" + "pement" becomes "développement"; "sous-" + "traitance" stays hyphenated when
    the document writes "sous-traitance" (and never "soustraitance") elsewhere. Both halves
    being words is no evidence: "par-" + "tenaire" is a syllable break.
    """
    whole = f"{head}{tail}".lower()
    if whole not in vocab and f"{head}-{tail}".lower() in vocab:
        return f"{head}-{tail}"
    return head + tail


def _dehyphenate(text: str, vocab: _Vocabulary) -> str:
    """Resolve the hyphens PDFium marked (U+FFFE) where it merged two lines."""
    if "\ufffe" not in text and "\x02" not in text:
        return text
    text = text.replace("\x02", "\ufffe")
    pieces = text.split("\ufffe")
    out = pieces[0]
    for piece in pieces[1:]:
        head = _LAST_WORD.search(out[-60:])
        tail = _FIRST_WORD.match(piece.lstrip())
        if head and tail:
            rest = piece.lstrip()
            out = out[:len(out) - len(head.group(0))] + _rejoin(head.group(0), tail.group(0),
                                                                vocab) + rest[tail.end():]
        else:
            out = out + "-" + piece
    return out


def _join_hyphen(left: str, right: str, vocab: _Vocabulary) -> str | None:
    """`left` and `right` joined over a line-end hyphen, or None when `left` ends without one."""
    if left.endswith(_SOFT_HYPHEN):
        return left[:-1] + right
    if left.endswith(("-", *_LINE_HYPHENS)) and len(left) > 1 and left[-2].isalpha():
        head = _LAST_WORD.search(left[-60:-1])
        tail = _FIRST_WORD.match(right)
        if right[:1].islower() and head and tail:
            return left[:-len(head.group(0)) - 1] + _rejoin(head.group(0), tail.group(0),
                                                            vocab) + right[tail.end():]
        if right[:1].isupper():
            return left[:-1] + "-" + right  # "Saint-" + "Étienne"
    return None


def _join(left: str, right: str, vocab: _Vocabulary) -> str:
    """Join two lines of one paragraph, re-joining a word hyphenated across them."""
    return _join_hyphen(left, right, vocab) or f"{left} {right}"


def _breaks(a: _Line, b: _Line, step: float, longest: int) -> bool:
    """Whether a paragraph ends between line a and the next line b."""
    if b.text[0] in _BULLET_START and _BULLET.match(b.text):
        return True
    ends_sentence = a.ends
    # A sentence ending well short of the page's longest lines ends its paragraph.
    short = ends_sentence and a.tail < SHORT_LINE * longest
    if not (a.geometry and b.geometry):
        # Unplaced lines are mid-paragraph (see _needs_position), or the page gave no
        # positions at all.
        return short
    if abs(a.size - b.size) > max(0.6, 0.1 * a.size):
        return True
    gap = a.bottom - b.bottom - a.merged * step
    if gap <= 0.2 * a.size or gap > 3 * max(a.size, 1.0):
        return True  # a new column, a jump back up, or a wide gap
    if step and gap > PARAGRAPH_GAP * step:
        return True
    return short or (ends_sentence and b.left > a.left + a.size)  # an indented first line


def _paragraphs(lines: list[_Line], vocab: _Vocabulary) -> list[tuple[str, int, float, float]]:
    """Assemble one page's lines into paragraphs: text, page, first and last line's size.

    A size is 0.0 when the line has no position.
    """
    if not lines:
        return []
    by_size: dict[float, list[float]] = {}
    for a, b in itertools.pairwise(lines):
        if a.geometry and b.geometry and not a.merged and a.size == b.size \
                and a.bottom > b.bottom:
            by_size.setdefault(a.size, []).append(a.bottom - b.bottom)
    # The usual step is the lower quartile: the placed pairs lean towards paragraph ends.
    steps = {size: sorted(v)[len(v) // 4] for size, v in by_size.items()}
    longest = max(line.tail for line in lines)
    out: list[tuple[str, int, float, float]] = []
    parts = [lines[0].text]
    first = lines[0]
    for a, b in itertools.pairwise(lines):
        if _breaks(a, b, steps.get(a.size, 0.0), longest):
            out.append((" ".join(parts), a.page, first.size, a.size))
            parts = [b.text]
            first = b
        else:
            joined = _join_hyphen(parts[-1], b.text, vocab)
            if joined is None:
                parts.append(b.text)
            else:
                parts[-1] = joined
    out.append((" ".join(parts), lines[-1].page, first.size, lines[-1].size))
    return [(_dehyphenate(t, vocab), page, top, bottom) for t, page, top, bottom in out]


def _title(metadata: dict, first: list[_Line]) -> str | None:
    meta = (metadata.get("Title") or "").strip()
    if meta and not _JUNK_TITLE.match(meta):
        return meta
    sized = [line for line in first if line.geometry and line.size > 0]
    if not sized:
        return None
    body = statistics.median(line.size for line in sized)
    biggest = max(line.size for line in sized)
    if biggest < body * 1.15:
        return None
    start = next(i for i, line in enumerate(sized) if line.size == biggest)
    words: list[str] = []
    for line in sized[start:]:
        if line.size != biggest or len(words) > 25:
            break
        words.append(line.text)
    return " ".join(words)


def read_pdf(data: bytes) -> PdfResult:
    """Extract a PDF's paragraphs with their page numbers.

    Args:
        data: the PDF file's bytes.

    Returns:
        A `PdfResult`; its `status` says whether text was found and, if not, why.
    """
    if not data:
        return PdfResult("empty", note="empty file")
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        if exc.err_code in (pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY):
            return PdfResult("encrypted", note=f"password-protected PDF, not readable without "
                             f"its password ({exc})")
        return PdfResult("corrupt", note=f"PDFium cannot open it: {exc}")
    try:
        return _read_open(pdf)
    finally:
        pdf.close()


def _read_open(pdf) -> PdfResult:
    n_pages = len(pdf)
    if n_pages == 0:
        return PdfResult("empty", n_pages=0, note="the PDF has no pages")
    rect = pdfium_c.FS_RECTF()
    pages: list[list[_Line]] = []
    heights: list[float] = []
    scanned: list[int] = []
    broken: list[str] = []
    for i in range(n_pages):
        try:
            page = pdf[i]
        except pdfium.PdfiumError as exc:
            broken.append(f"page {i + 1}: {exc}")
            pages.append([])
            heights.append(0.0)
            continue
        try:
            lines, has_image = _page_lines(page, i + 1, rect)
            heights.append(page.get_height())
        finally:
            page.close()
        if not lines and has_image:
            scanned.append(i + 1)
        pages.append(lines)
    try:
        metadata = pdf.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:
        metadata = {}
    title = _title(metadata, pages[0])
    first_raw = "\n".join(line.text for line in pages[0])

    notes = []
    if broken:
        notes.append("unreadable " + "; ".join(broken))
    if not any(pages):
        if scanned:
            return PdfResult("no_text_layer", n_pages=n_pages, title=title,
                             note=f"no text layer: {len(scanned)} of {n_pages} page(s) hold "
                                  f"only images (a scan; OCR it first)")
        return PdfResult("empty", n_pages=n_pages, title=title,
                         note="; ".join([*notes, "no text on any page"]))
    if scanned:
        shown = ", ".join(map(str, scanned[:10])) + (" ..." if len(scanned) > 10 else "")
        notes.append(f"{len(scanned)} page(s) without a text layer (scanned?): {shown}")

    pages, running = _strip_running(pages, heights)
    vocab = _Vocabulary([line.text for lines in pages for line in lines])
    paragraphs: list[Paragraph] = []
    last_size = 0.0  # of the last line of paragraphs[-1]
    for lines in pages:
        for text, page_no, first_size, size in _paragraphs(lines, vocab):
            prev = paragraphs[-1] if paragraphs else None
            if prev is not None and prev.page_end is not None and page_no == prev.page_end + 1 \
                    and _continues(prev.text, text, last_size, first_size):
                paragraphs[-1] = Paragraph(_join(prev.text.rstrip(), text.lstrip(), vocab), None,
                                           prev.page_start, page_no)
            else:
                paragraphs.append(Paragraph(text, None, page_no, page_no))
            last_size = size
    paragraphs = [p for p in paragraphs if p.text.strip()]
    # A report names itself at the top of its first page or in its running header.
    first_page = "\n".join([first_raw[:FIRST_PAGE_CHARS], *running])
    return PdfResult("ok", paragraphs, n_pages=n_pages, title=title, first_page=first_page,
                     note="; ".join(notes) or None)


def _continues(prev: str, text: str, prev_size: float, size: float) -> bool:
    """Whether `text`, first on its page, continues `prev`, last on the page before.

    Args:
        prev: the last paragraph of the page before.
        text: the first paragraph of the page (running lines removed).
        prev_size: the size of `prev`'s last line (0.0 when unknown).
        size: the size of `text`'s first line (0.0 when unknown).
    """
    tail, head = prev.rstrip(), text.lstrip()
    if not tail or not head or (head[0] in _BULLET_START and _BULLET.match(head)):
        return False
    if prev_size and size and abs(prev_size - size) > max(0.6, 0.1 * prev_size):
        return False  # a heading ends the page or opens the next one
    if tail.endswith(_SOFT_HYPHEN):
        return True
    if tail.endswith(("-", *_LINE_HYPHENS)) and len(tail) > 1 and tail[-2].isalpha():
        return head[0].isalpha()  # "dévelop-" + "pement", "Saint-" + "Étienne"
    if tail.endswith(_SENTENCE_END):
        return False
    if tail.endswith(",") or head[0].islower() or head[0].isdigit():
        return True
    return _DANGLING.search(tail[-12:]) is not None

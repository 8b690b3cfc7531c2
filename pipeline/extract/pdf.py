"""Clean text of a PDF, page by page, with pypdfium2.

PDFium gives each page's text line by line; this module turns the lines into paragraphs that
keep their page numbers, and removes what is not the report's prose:

- running headers and footers: a line near the top or bottom of the page that recurs (digits
  aside) on at least half of the pages ("Rapport annuel 2019 | 12"), or whose first four words
  do (a header naming the chapter: "Groupe — Document de référence 2018 3 Gouvernance");
- page numbers ("12", "- 12 -", "Page 12", "12 / 80", "xii") in those positions;
- line-end hyphens: "développe-" + "ment" becomes "développement", unless the document itself
  writes the word with its hyphen elsewhere and never whole ("sous-traitance" stays);
- line breaks inside paragraphs. A paragraph ends where the vertical gap between two lines
  grows, the font size changes (a heading), a list item starts, or a line ends a sentence well
  short of the page's longest lines (in characters; in justified text, short of the right
  edge of the line above). A paragraph that runs over a column or page break is joined (once
  the running lines are gone; over a page break it records both pages): the column's or
  page's last paragraph does not end a sentence, and the next one's first starts in lower
  case, with a digit ("54" + "000 euros") or a closing sign ("43" + "% grâce"), or the first
  ends on a comma, a hyphen or a word no sentence ends on ("à", "de", "the"); not when the
  two are set in different sizes (a heading).

PDFium is reached through `pipeline.extract.pdfium`, which holds every pypdfium2 call.
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

import logging
import math
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from pipeline.extract import pdfium
from pipeline.extract.hyphens import (
    LINE_HYPHENS,
    SOFT_HYPHEN,
    Vocabulary,
    dehyphenate,
    join_hyphen,
    join_words,
)
from pipeline.extract.passages import Paragraph

log = logging.getLogger(__name__)

# A line counts as a running header or footer when it recurs on at least this share of the
# pages with text (and the document has at least RUNNING_MIN_PAGES of them).
RUNNING_SHARE = 0.5
RUNNING_MIN_PAGES = 3
# ... or when its first words (this many, of a longer line) do: a header naming the chapter.
RUNNING_HEAD_WORDS = 4
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
# Signs no paragraph opens with: a line starting with one goes on from the line before.
_CLOSING = frozenset("%),.;:]}»”’")
# PDFium merges a line ending in a hyphen with the next one and marks the hyphen U+FFFE (older
# builds: U+0002); a soft hyphen U+00AD is only ever a break point.
_END_HYPHENS = frozenset("-\u00ad\ufffe\x02")  # what a line ending on a hyphen ends with
_PLAIN_CHARACTER = re.compile(r"[A-Za-z0-9]")
# Words no sentence ends on (articles, prepositions, conjunctions): a page ending on one ends
# mid-sentence whatever the next page starts with ("à" + "Ormelune").
_DANGLING = re.compile(
    r"(?:^|[\s'’])(?:à|au|aux|de|des|du|la|le|les|un|une|et|ou|en|par|pour|avec|dans|sur"
    r"|sous|entre|vers|chez|que|qui|dont|the|a|an|of|to|and|or|in|on|for|with|by|at|from"
    r"|into|than|that)$", re.IGNORECASE)


@dataclass(slots=True)
class _Page:
    """The text lines of one page, and the box of each line PDFium placed.

    Parallel lists rather than an object per line: the work done per line is what this module
    adds to PDFium's time (a report has tens of thousands of lines), so a line costs no more
    than its text and, where asked for, its box.

    Attributes:
        number: the page number (1-based).
        texts: the page's lines, stripped, in PDFium's order.
        boxes: per line, (left, top, bottom, size, shortfall) of its first character, or None
            when the line was not placed (see `_needs_position`) or the page gives no
            positions. The height of the character's box stands for the font size (equal for
            equal fonts): one PDFium call fewer per line. A line opening on an accented capital
            takes its top, bottom and size from its first plain letter or digit (see
            `_page_lines`). The shortfall is how far the line stops short of the right edge of
            the line above, measured only where its characters alone would end its paragraph
            (see `_measure_shortfalls`); None elsewhere.
        height: the page's height in points.
    """

    number: int
    texts: list[str]
    boxes: list[tuple[float, float, float, float, float | None] | None]
    height: float = 0.0


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
        sizes: per paragraph, the size of its first line (0.0 when unknown): headings stand
            out by it (see `pipeline.extract.sections`).
        outline: the PDF's bookmarks, (level, title, page) each (see `pdfium.outline`).
    """

    status: str
    paragraphs: list[Paragraph] = field(default_factory=list)
    n_pages: int | None = None
    title: str | None = None
    first_page: str = ""
    note: str | None = None
    sizes: list[float] = field(default_factory=list)
    outline: list[tuple[int, str, int | None]] = field(default_factory=list)


def _norm(text: str) -> str:
    return " ".join(_DIGITS.sub("#", text.lower()).split())


def _page_lines(number: int, page, rect) -> tuple[_Page, bool]:
    """The text lines of one page with their boxes, and, for a page without text, whether it
    holds an image.

    Args:
        number: the page number (1-based).
        page: the page's raw PDFium handle.
        rect: a rectangle to receive character boxes (reused from page to page).
    """
    textpage = pdfium.load_text(page)
    try:
        n_chars = pdfium.count_chars(textpage)
        text = pdfium.page_text(textpage, n_chars) if n_chars > 0 else ""
        texts: list[str] = []
        firsts: list[int] = []  # the char index of each line's first character
        at = 0
        for chunk in text.split("\r\n"):
            stripped = chunk.strip()
            if stripped:
                texts.append(stripped)
                firsts.append(at + len(chunk) - len(chunk.lstrip()))
            at += len(chunk) + 2
        if not texts:  # no character, or only spaces
            return _Page(number, [], []), pdfium.has_image(page)
        # A line's position comes from its first character's index, which only works when the
        # string maps one to one onto PDFium's characters.
        if len(text) != n_chars:
            return _Page(number, texts, [None] * len(texts)), False
        box = pdfium.char_box
        boxes: list[tuple | None] = []
        for line, first, wanted in zip(texts, firsts, _needs_position(texts), strict=True):
            if not wanted:
                boxes.append(None)
            elif line[0].isascii():  # the common case, written out: a call less per line
                box(textpage, first, rect)
                top, bottom = rect.top, rect.bottom
                boxes.append((rect.left, top, bottom, top - bottom, None))
            else:
                boxes.append(_line_box(textpage, rect, line, first))
        _measure_shortfalls(textpage, rect, texts, firsts, boxes)
        return _Page(number, texts, boxes), False
    finally:
        pdfium.close_text(textpage)


def _line_box(textpage, rect, line: str, first: int) -> tuple:
    """A line's box (see `_Page`), from its first character at index `first`."""
    pdfium.char_box(textpage, first, rect)
    left, top, bottom = rect.left, rect.top, rect.bottom
    # In an embedded font, the loose box of an accented capital ("À", "É") covers the accent:
    # its height is that of a larger size (10.5 points in 9-point text). The line's first
    # plain letter or digit gives its height instead.
    if not line[0].isascii():
        plain = _PLAIN_CHARACTER.search(line, 1, 8)
        if plain:
            pdfium.char_box(textpage, first + plain.start(), rect)
            top, bottom = rect.top, rect.bottom
    return (left, top, bottom, top - bottom, None)


def _measure_shortfalls(textpage, rect, texts: list[str], firsts: list[int],
                        boxes: list[tuple | None]) -> None:
    """Measure how far a sentence-ending line that looks short stops short of the line above,
    where the lines around it say its paragraph goes on (see `_paragraph_starts`).

    A line ending a sentence well short of the page's longest lines (in characters) ends its
    paragraph. In justified text a full line can hold a fifth fewer characters than the
    longest, and would end its paragraph on every sentence it closes; its right edge, level
    with the line above (within one font size), tells it apart. The shortfall is the right
    edge of the line above minus the line's, stored as the fifth item of its box. Two PDFium
    calls a line (three when the line above was not placed), asked only where the next line
    follows at the same step, size and margin (the paragraph seems to go on) and the line above
    does not end a sentence itself (it should be a full line).
    """
    plain = [len(text) for text in texts if "\ufffe" not in text and "\x02" not in text]
    if len(texts) < 3 or not plain:
        return
    short = SHORT_LINE * max(plain)
    box = pdfium.char_box
    for i in range(1, len(texts) - 1):
        line, above = texts[i], texts[i - 1]
        if len(line) >= short or not line.endswith(_SENTENCE_END) \
                or above.endswith(_SENTENCE_END):
            continue
        before, this, after = boxes[i - 1], boxes[i], boxes[i + 1]
        if this is None or after is None:
            continue
        if before is None:  # a full line is not placed (see _needs_position)
            before = _line_box(textpage, rect, above, firsts[i - 1])
        size = this[3]
        if abs(before[3] - size) > 0.6 or abs(after[3] - size) > 0.6 \
                or abs(before[0] - this[0]) > 1 or abs(after[0] - this[0]) > 1 \
                or abs((before[2] - this[2]) - (this[2] - after[2])) > 0.2 * size \
                or "\ufffe" in line or "\x02" in line or "\ufffe" in above or "\x02" in above:
            continue
        box(textpage, firsts[i] + len(line) - 1, rect)
        right = rect.right
        box(textpage, firsts[i - 1] + len(above) - 1, rect)
        boxes[i] = (*this[:4], rect.right - right)


def _needs_position(texts: list[str]) -> list[bool]:
    """Which lines need their position (one PDFium call each).

    A full-width line that does not end a sentence and is followed by a line starting in lower
    case is the middle of a paragraph whatever its position: only the others can be headers,
    footers, page numbers, headings or paragraph ends. Every SAMPLE_EVERY-th pair of lines is
    placed too, so the page's usual line step is known.
    """
    n = len(texts)
    # Whole lengths, merged lines included: a line PDFium merged with the next (a word
    # hyphenated at its end) is the page's longest, so nearly every line of such a page is
    # placed. Measuring the printed length instead placed fewer lines, sampled the page's line
    # step worse and lost paragraph breaks in a software manual.
    short = SHORT_LINE * max(map(len, texts))
    need = [False] * (n + 1)  # one more: a line that needs a position places the next one too
    for i, line in enumerate(texts):
        # The last line is always an edge line, so texts[i + 1] exists where it is read.
        if i < EDGE_LINES or i >= n - EDGE_LINES or len(line) < short \
                or line.endswith(_SENTENCE_END) or i % SAMPLE_EVERY == 0 \
                or not texts[i + 1][0].islower():
            need[i] = need[i + 1] = True
    return need[:n]


def _edge_indices(page: _Page) -> list[int]:
    """Lines that may be running headers, footers or page numbers.

    With positions, the lines in the top or bottom band of the page (a heading that opens
    every page is not a header); without, the first and last few lines.
    """
    n = len(page.texts)
    if n and page.height > 0 and page.boxes[0] is not None:
        high, low = page.height * (1 - EDGE_BAND), page.height * EDGE_BAND
        return [i for i, box in enumerate(page.boxes)
                if box is not None and (box[1] > high or box[2] < low)]
    return sorted(set(range(min(EDGE_LINES, n))) | set(range(max(0, n - EDGE_LINES), n)))


def _head(normed: str) -> str | None:
    """The first RUNNING_HEAD_WORDS words of a normalised edge line of RUNNING_HEAD_WORDS + 1
    to 20 words: a running header that names the chapter ("Aquantis — Document de référence
    2018 3 Déclaration extra-financière") recurs by its start, not whole."""
    words = normed.split()
    if not RUNNING_HEAD_WORDS < len(words) <= 20:
        return None
    return " ".join(words[:RUNNING_HEAD_WORDS])


def _strip_running(pages: list[_Page]) -> list[str]:
    """Drop running headers/footers and page numbers from the pages; return the headers seen."""
    # Each page's edge lines, with their text normalised (digits aside).
    edges = [{i: _norm(page.texts[i]) for i in _edge_indices(page)} for page in pages]
    with_text = sum(1 for page in pages if page.texts)
    running: set[str] = set()
    heads: set[str] = set()
    if with_text >= RUNNING_MIN_PAGES:
        counts: Counter[str] = Counter()
        starts: Counter[str] = Counter()
        for normed in edges:
            counts.update(set(normed.values()))
            starts.update({h for h in map(_head, normed.values()) if h})
        need = max(2, math.ceil(RUNNING_SHARE * with_text))
        running = {text for text, c in counts.items() if c >= need}
        heads = {head for head, c in starts.items() if c >= need}
    examples: dict[str, str] = {}
    for page, normed in zip(pages, edges, strict=True):
        dropped = []
        for i, key in normed.items():
            line = page.texts[i]
            if _PAGE_NUMBER.match(line):
                dropped.append(i)
            elif key in running or (heads and _head(key) in heads):
                examples.setdefault(key, line)
                dropped.append(i)
        for i in reversed(dropped):
            del page.texts[i], page.boxes[i]
    return list(examples.values())


def _line_steps(boxes: list[tuple | None], merged: list[int]) -> dict[float, float]:
    """The usual vertical step between two lines of one size on a page.

    The lower quartile of the steps between placed lines of that size: the placed pairs lean
    towards paragraph ends.
    """
    by_size: dict[float, list[float]] = {}
    for a, b, m in zip(boxes[:-1], boxes[1:], merged[:-1], strict=True):
        if a is not None and b is not None and not m and a[3] == b[3] and a[2] > b[2]:
            by_size.setdefault(a[3], []).append(a[2] - b[2])
    return {size: sorted(v)[len(v) // 4] for size, v in by_size.items()}


def _join_lines(lines: list[str], vocab: Vocabulary) -> str:
    """The lines of one paragraph on one line, words hyphenated across lines made whole."""
    parts = [lines[0]]
    for line in lines[1:]:
        joined = join_hyphen(parts[-1], line, vocab)
        if joined is None:
            parts.append(line)
        else:
            parts[-1] = joined
    return " ".join(parts)


def _paragraph_starts(texts: list[str], boxes: list[tuple | None], merged: list[int],
                      tails: list[int]) -> list[int]:
    """The index of the first line of each paragraph of a page.

    A paragraph ends before a list item, and after a sentence ending well short of the page's
    longest lines. Between two placed lines it also ends where the size changes (a heading),
    where the next line is not about one line step lower (a new column, a jump back up, a wide
    gap, or a step PARAGRAPH_GAP times the page's usual one), and before an indented first
    line; but a paragraph goes on at the top of the next column as it goes on over a page
    break (see `_continues`). Unplaced lines are mid-paragraph (see `_needs_position`), or the
    page gave no positions at all.

    Args:
        texts: the page's lines.
        boxes: their boxes (see `_Page`).
        merged: per line, how many lines PDFium merged into it (each ending on a hyphen).
        tails: per line, the length of the last line merged into it (its length if none).
    """
    steps = _line_steps(boxes, merged)
    # Per font size: its line step, how far another size may differ, and the gaps to the next
    # line that keep a paragraph going (wider than a fifth of the size, at most three sizes
    # and at most PARAGRAPH_GAP line steps).
    limits = {}
    for size in {box[3] for box in boxes if box is not None}:
        step = steps.get(size, 0.0)
        widest = min(3 * max(size, 1.0), PARAGRAPH_GAP * step) if step else 3 * max(size, 1.0)
        limits[size] = (step, max(0.6, 0.1 * size), 0.2 * size, widest)
    short = SHORT_LINE * max(tails)
    ends = [text.endswith(_SENTENCE_END) for text in texts]
    starts = [0]
    # One loop with the rules written out rather than a function call per pair of lines: the
    # call cost about as much as the rules.
    a_box = boxes[0]
    for i in range(1, len(texts)):
        b_box = boxes[i]
        if (ends[i - 1] and tails[i - 1] < short
                and (a_box is None or a_box[4] is None or abs(a_box[4]) > a_box[3])) \
                or (texts[i][0] in _BULLET_START and _BULLET.match(texts[i])):
            starts.append(i)
        elif a_box is not None and b_box is not None:
            left, _, bottom, size, _ = a_box
            step, other_size, narrowest, widest = limits[size]
            gap = bottom - b_box[2] - merged[i - 1] * step
            if (not narrowest < gap <= widest or abs(size - b_box[3]) > other_size
                    or (ends[i - 1] and b_box[0] > left + size)) \
                    and not (gap < 0 and b_box[0] > left + size
                             and _continues(texts[i - 1], texts[i], size, b_box[3])):
                starts.append(i)
        a_box = b_box
    return starts


def _paragraphs(page: _Page, vocab: Vocabulary) -> list[tuple[str, int, float, float]]:
    """Assemble one page's lines into paragraphs: text, page, first and last line's size.

    A size is 0.0 when the line has no position.
    """
    texts, boxes = page.texts, page.boxes
    if not texts:
        return []
    whole = "\n".join(texts)
    merged, tails = [0] * len(texts), list(map(len, texts))
    if "\ufffe" in whole or "\x02" in whole:
        for i, text in enumerate(texts):
            if "\ufffe" in text or "\x02" in text:
                merged[i] = text.count("\ufffe") + text.count("\x02")
                tails[i] = len(text.replace("\x02", "\ufffe").rsplit("\ufffe", 1)[-1])
    starts = _paragraph_starts(texts, boxes, merged, tails)
    on_hyphen = [text[-1] in _END_HYPHENS for text in texts]
    out = []
    for start, stop in zip(starts, [*starts[1:], len(texts)], strict=True):
        # Most paragraphs have no line ending on a hyphen: they are plain joins.
        if True in on_hyphen[start:stop - 1]:
            text = _join_lines(texts[start:stop], vocab)
        else:
            text = " ".join(texts[start:stop])
        first, last = boxes[start], boxes[stop - 1]
        out.append((dehyphenate(text, vocab), page.number, first[3] if first else 0.0,
                    last[3] if last else 0.0))
    return out


def _title(title: str, first: _Page) -> str | None:
    """The metadata title, or the first page's largest line when the metadata has none."""
    title = title.strip()
    if title and not _JUNK_TITLE.match(title):
        return title
    sized = [(text, box[3]) for text, box in zip(first.texts, first.boxes, strict=True)
             if box is not None and box[3] > 0]
    if not sized:
        return None
    body = statistics.median(size for _, size in sized)
    biggest = max(size for _, size in sized)
    if biggest < body * 1.15:
        return None
    start = next(i for i, (_, size) in enumerate(sized) if size == biggest)
    words: list[str] = []
    for text, size in sized[start:]:
        if size != biggest or len(words) > 25:
            break
        words.append(text)
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
        pdf = pdfium.open_pdf(data)
    except pdfium.PdfiumError as exc:
        if pdfium.needs_password(exc):
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
    rect = pdfium.new_rect()
    pages: list[_Page] = []
    scanned: list[int] = []
    broken: list[str] = []
    for i in range(n_pages):
        page = pdfium.load_page(pdf, i)
        try:
            if not page:
                raise pdfium.PdfiumError("PDFium cannot load it")
            lines, has_image = _page_lines(i + 1, page, rect)
            lines.height = pdfium.page_height(page)
        except pdfium.PdfiumError as exc:
            broken.append(f"page {i + 1}: {exc}")
            pages.append(_Page(i + 1, [], []))
            continue
        finally:
            if page:
                pdfium.close_page(page)
        if not lines.texts and has_image:
            scanned.append(i + 1)
        pages.append(lines)
    title = _title(pdfium.metadata_title(pdf), pages[0])
    first_raw = "\n".join(pages[0].texts)

    notes = []
    if broken:
        notes.append("unreadable " + "; ".join(broken))
    if not any(page.texts for page in pages):
        if scanned:
            return PdfResult("no_text_layer", n_pages=n_pages, title=title,
                             note=f"no text layer: {len(scanned)} of {n_pages} page(s) hold "
                                  f"only images (a scan; OCR it first)")
        return PdfResult("empty", n_pages=n_pages, title=title,
                         note="; ".join([*notes, "no text on any page"]))
    if scanned:
        shown = ", ".join(map(str, scanned[:10])) + (" ..." if len(scanned) > 10 else "")
        notes.append(f"{len(scanned)} page(s) without a text layer (scanned?): {shown}")

    running = _strip_running(pages)
    vocab = Vocabulary([text for page in pages for text in page.texts])
    paragraphs: list[Paragraph] = []
    sizes: list[float] = []
    last_size = 0.0  # of the last line of paragraphs[-1]
    for page in pages:
        for text, page_no, first_size, size in _paragraphs(page, vocab):
            prev = paragraphs[-1] if paragraphs else None
            if prev is not None and prev.page_end is not None and page_no == prev.page_end + 1 \
                    and _continues(prev.text, text, last_size, first_size):
                joined = join_words(prev.text.rstrip(), text.lstrip(), vocab)
                paragraphs[-1] = Paragraph(joined, None, prev.page_start, page_no)
            else:
                paragraphs.append(Paragraph(text, None, page_no, page_no))
                sizes.append(first_size)
            last_size = size
    kept = [i for i, p in enumerate(paragraphs) if p.text.strip()]
    paragraphs, sizes = [paragraphs[i] for i in kept], [sizes[i] for i in kept]
    # A report names itself at the top of its first page or in its running header.
    first_page = "\n".join([first_raw[:FIRST_PAGE_CHARS], *running])
    try:
        outline = pdfium.outline(pdf)
    except pdfium.PdfiumError as exc:  # a damaged outline loses the bookmarks, not the text
        notes.append(f"unreadable outline: {exc}")
        outline = []
    return PdfResult("ok", paragraphs, n_pages=n_pages, title=title, first_page=first_page,
                     note="; ".join(notes) or None, sizes=sizes, outline=outline)


def _continues(prev: str, text: str, prev_size: float, size: float) -> bool:
    """Whether `text`, first on its page (or column), continues `prev`, last on the page (or
    column) before.

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
    if tail.endswith(SOFT_HYPHEN):
        return True
    if tail.endswith(("-", *LINE_HYPHENS)) and len(tail) > 1 and tail[-2].isalpha():
        return head[0].isalpha()  # "dévelop-" + "pement", "Saint-" + "Étienne"
    if tail.endswith(_SENTENCE_END):
        return False
    if tail.endswith(",") or head[0].islower() or head[0].isdigit() or head[0] in _CLOSING:
        return True
    return _DANGLING.search(tail[-12:]) is not None

"""The demo reports' text set as annual reports are set, for benchmarks/bench_extract.py.

The demo's reports (demo/generate.py) are typeset the lightest way a PDF can be: one column,
the standard Helvetica font (not embedded), one text object per line. PDFium reads them at
about 1,000 pages/s on a 2-core machine where the reports the extraction issue measured ran at
286. Our own work per page (a few microseconds a line) therefore weighs far more next to
PDFium's on the demo than on real reports. This module sets the same paragraphs the way annual
reports are set: two justified columns of 9-point text in an embedded TrueType font, headings
in a second font, a running header and a page number. The benchmark measures the extraction
on those pages as well, and checks that it reads the two columns in order.

    pdf = lay_out(["Rapport annuel 2019", "Nous rénovons ...", ...], title="Rapport annuel 2019")

Deterministic: the same paragraphs give the same bytes (reportlab's invariant mode). The fonts
are the DejaVu fonts matplotlib ships (a dependency of the project).
"""

from __future__ import annotations

import io
from functools import lru_cache
from pathlib import Path

PAGE_W, PAGE_H = 595.27, 841.89  # A4, in points
MARGIN, TOP, BOTTOM = 48, 770, 60
COLUMNS, GUTTER = 2, 20
BODY_FONT, BODY_SIZE, LEADING = "BenchSerif", 9, 11.5
HEAD_FONT, HEAD_SIZE, HEAD_LEADING = "BenchSansBold", 10.5, 14
FURNITURE_FONT, FURNITURE_SIZE = "BenchSans", 7.5
PARAGRAPH_SPACE, HEADING_SPACE = 5, 9
# A paragraph this short and without closing punctuation is set as a heading.
HEADING_WORDS = 8


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    for name, file in ((BODY_FONT, "DejaVuSerif.ttf"), (HEAD_FONT, "DejaVuSans-Bold.ttf"),
                       (FURNITURE_FONT, "DejaVuSans.ttf")):
        pdfmetrics.registerFont(TTFont(name, str(fonts / file)))


def is_heading(paragraph: str) -> bool:
    return (len(paragraph.split()) < HEADING_WORDS
            and not paragraph.rstrip().endswith((".", "!", "?", ":", ";", "…", ")")))


def _lines(text: str, font: str, size: float, width: float) -> list[list[str]]:
    """Greedy line breaking of one paragraph into lines of words."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    space = stringWidth(" ", font, size)
    lines: list[list[str]] = [[]]
    used = 0.0
    for word in text.split():
        w = stringWidth(word, font, size)
        if lines[-1] and used + space + w > width:
            lines.append([])
            used = 0.0
        used += (space if lines[-1] else 0.0) + w
        lines[-1].append(word)
    return [line for line in lines if line]


class _Columns:
    """Where the next line goes: page, column and height, with the page furniture drawn on
    each new page."""

    def __init__(self, canvas, title: str):
        self.canvas, self.title = canvas, title
        self.width = (PAGE_W - 2 * MARGIN - (COLUMNS - 1) * GUTTER) / COLUMNS
        self.page, self.column, self.y = 0, COLUMNS - 1, 0.0
        self.next_column()

    @property
    def x(self) -> float:
        return MARGIN + self.column * (self.width + GUTTER)

    def next_column(self) -> None:
        self.column += 1
        if self.column == COLUMNS:
            if self.page:
                self.canvas.showPage()
            self.page, self.column = self.page + 1, 0
            self.canvas.setFont(FURNITURE_FONT, FURNITURE_SIZE)
            self.canvas.drawString(MARGIN, PAGE_H - 40, self.title)
            self.canvas.line(MARGIN, PAGE_H - 46, PAGE_W - MARGIN, PAGE_H - 46)
            self.canvas.drawRightString(PAGE_W - MARGIN, 36, str(self.page))
        self.y = TOP


def lay_out(paragraphs: list[str], title: str) -> bytes:
    """A PDF of `paragraphs` in two justified columns, `title` as its running header.

    Args:
        paragraphs: the report's paragraphs, in order (short ones without closing punctuation
            are set as headings).
        title: the report's title (metadata and running header).

    Returns:
        The PDF file's bytes.
    """
    from reportlab.pdfbase.pdfmetrics import stringWidth
    from reportlab.pdfgen.canvas import Canvas

    _register_fonts()
    out = io.BytesIO()
    canvas = Canvas(out, pagesize=(PAGE_W, PAGE_H), invariant=1)
    canvas.setTitle(title)
    at = _Columns(canvas, title)
    for paragraph in paragraphs:
        heading = is_heading(paragraph)
        font, size, leading = ((HEAD_FONT, HEAD_SIZE, HEAD_LEADING) if heading
                               else (BODY_FONT, BODY_SIZE, LEADING))
        if heading and at.y < TOP:
            at.y -= HEADING_SPACE
        lines = _lines(paragraph, font, size, at.width)
        space = stringWidth(" ", font, size)
        for i, words in enumerate(lines):
            # A heading is not left alone at the foot of a column.
            if at.y - leading < BOTTOM or (heading and at.y - 3 * leading < BOTTOM):
                at.next_column()
            text = canvas.beginText(at.x, at.y - size)
            text.setFont(font, size)
            if i < len(lines) - 1 and len(words) > 1:  # justified, but for the last line
                natural = sum(stringWidth(w, font, size) for w in words)
                text.setWordSpace((at.width - natural) / (len(words) - 1) - space)
            text.textLine(" ".join(words))
            canvas.drawText(text)
            at.y -= leading
        at.y -= PARAGRAPH_SPACE
    canvas.showPage()
    canvas.save()
    return out.getvalue()

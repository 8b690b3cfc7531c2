"""PDFium, as `pipeline.extract.pdf` uses it: every pypdfium2 call behind one named function.

pypdfium2's page and text page objects (a finaliser each, parent and child bookkeeping) cost
about a twentieth of the time of reading a demo report's page (`benchmarks/bench_extract.py`
prints both), so pages are read through PDFium's own C functions (`pypdfium2.raw`) on raw
handles. Those calls, their constants and the ctypes buffers they fill live here alone: a
pypdfium2 release that renames a function or changes a signature breaks this module, not the
layout rules in `pdf.py`. The functions called once a line are the C functions themselves
under a plain name (a Python wrapper would cost a call a line).

A page is read as: `load_page` → `load_text` → `count_chars`, `page_text`, `char_box` ... →
`close_text` → `close_page`; a handle is only valid until it is closed.

    >>> try:
    ...     open_pdf(b"%PDF-1.4 not a PDF")
    ... except PdfiumError as exc:
    ...     print("cannot open it; a password would help:", needs_password(exc))
    cannot open it; a password would help: False
"""

from __future__ import annotations

import ctypes

import pypdfium2 as _pdfium
import pypdfium2.raw as _c

# What PDFium raises (a file it cannot open, a page or text it cannot load), for pdf.py to catch.
from pypdfium2 import PdfiumError

#: char_box(textpage, index, rect): fill `rect` (see `new_rect`) with the loose box of the
#: character at `index` (points from the page's bottom left: left, top, right, bottom).
char_box = _c.FPDFText_GetLooseCharBox
#: count_chars(textpage): the number of characters PDFium found on the page (-1 on error).
count_chars = _c.FPDFText_CountChars
#: page_height(page): the page's height in points.
page_height = _c.FPDF_GetPageHeightF
#: close_page(page), close_text(textpage): release a handle.
close_page = _c.FPDF_ClosePage
close_text = _c.FPDFText_ClosePage


def open_pdf(data: bytes):
    """Open a PDF from its bytes (a pypdfium2 `PdfDocument`: `len()`, `close()`).

    Raises:
        PdfiumError: the file cannot be opened (see `needs_password`).
    """
    return _pdfium.PdfDocument(data)


def needs_password(exc: PdfiumError) -> bool:
    """Whether `open_pdf` failed because the PDF is encrypted (password or security handler)."""
    return getattr(exc, "err_code", None) in (_c.FPDF_ERR_PASSWORD, _c.FPDF_ERR_SECURITY)


def metadata_title(pdf) -> str:
    """The Title of the document's metadata ("" when absent or unreadable)."""
    try:
        return pdf.get_metadata_value("Title")
    except (PdfiumError, UnicodeDecodeError):
        return ""


def new_rect():
    """A rectangle for `char_box` to fill (one per document, reused from call to call)."""
    return _c.FS_RECTF()


def load_page(pdf, index: int):
    """The raw handle of page `index` (0-based), or a false value when PDFium cannot load it."""
    return _c.FPDF_LoadPage(pdf.raw, index)


def load_text(page):
    """The text page of a page handle: PDFium's characters with their boxes.

    Raises:
        PdfiumError: PDFium cannot read the page's text.
    """
    textpage = _c.FPDFText_LoadPage(page)
    if not textpage:
        raise PdfiumError("PDFium cannot read its text")
    return textpage


def page_text(textpage, n_chars: int) -> str:
    """A text page's whole text, as pypdfium2's `PdfTextPage.get_text_range()` gives it:
    lines end with "\\r\\n", and a line PDFium merged over a hyphen holds U+FFFE.

    Characters PDFium leaves out of the text at either end are left out of the range, or
    PDFium could write past the buffer (PDFium bug 2079).

    Raises:
        PdfiumError: PDFium reports writing more characters than the buffer holds.
    """
    text_index = _c.FPDFText_GetTextIndexFromCharIndex
    first, last = 0, n_chars - 1
    while first <= last and text_index(textpage, first) == -1:
        first += 1
    while last >= first and text_index(textpage, last) == -1:
        last -= 1
    if first > last:
        return ""
    size = text_index(textpage, last) + 2 - text_index(textpage, first)  # with the final NUL
    buffer = (ctypes.c_ushort * size)()
    written = _c.FPDFText_GetText(textpage, first, last - first + 1, buffer)
    if written > size:
        raise PdfiumError(f"PDFium wrote {written} characters into a buffer of {size}")
    return bytes(memoryview(buffer)[:max(written - 1, 0)]).decode("utf-16-le", "ignore")


def has_image(page, depth: int = 0) -> bool:
    """Whether a page (or a form object, at `depth`) holds an image, looking into forms up to
    four levels deep."""
    if depth == 0:
        count, get = _c.FPDFPage_CountObjects(page), _c.FPDFPage_GetObject
    else:
        count, get = _c.FPDFFormObj_CountObjects(page), _c.FPDFFormObj_GetObject
    for i in range(max(count, 0)):
        obj = get(page, i)
        kind = _c.FPDFPageObj_GetType(obj)
        if kind == _c.FPDF_PAGEOBJ_IMAGE:
            return True
        if kind == _c.FPDF_PAGEOBJ_FORM and depth < 4 and has_image(obj, depth + 1):
            return True
    return False


def outline(pdf, max_depth: int = 6) -> list[tuple[int, str, int | None]]:
    """The document's outline (bookmarks), in order: (level from 1, title, 1-based page or
    None when the bookmark points nowhere PDFium can place). A bookmark met twice (a loop in
    a damaged file) ends its branch."""
    doc = pdf.raw
    out: list[tuple[int, str, int | None]] = []
    seen: set[int] = set()

    def walk(parent, level: int) -> None:
        mark = _c.FPDFBookmark_GetFirstChild(doc, parent)
        while mark and len(out) < 5000:
            address = ctypes.addressof(mark.contents)
            if address in seen:
                return
            seen.add(address)
            n = _c.FPDFBookmark_GetTitle(mark, None, 0)
            title = ""
            if n > 2:
                buffer = ctypes.create_string_buffer(n)
                _c.FPDFBookmark_GetTitle(mark, buffer, n)
                title = buffer.raw[:n - 2].decode("utf-16-le", "ignore")
            dest = _c.FPDFBookmark_GetDest(doc, mark)
            if not dest:
                action = _c.FPDFBookmark_GetAction(mark)
                dest = _c.FPDFAction_GetDest(doc, action) if action else None
            index = _c.FPDFDest_GetDestPageIndex(doc, dest) if dest else -1
            out.append((level, title, index + 1 if index >= 0 else None))
            if level < max_depth:
                walk(mark, level + 1)
            mark = _c.FPDFBookmark_GetNextSibling(doc, mark)

    walk(None, 1)
    return out

"""What one worker found in one capture: the record the per-capture steps fill
(`pipeline.extract.stage`) and the cross-document steps then edit (`pipeline.extract.filters`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from pipeline.extract.captures import Capture
from pipeline.extract.passages import Paragraph
from pipeline.extract.relevance import Filtered
from pipeline.extract.sections import Section


@dataclass
class Extracted:
    """What one worker found in one capture (before the cross-document steps)."""

    capture: Capture
    format: str
    status: str
    error: str | None = None
    title: str | None = None
    published: str | None = None
    declared_lang: str | None = None
    n_pages: int | None = None
    year: int | None = None
    year_source: str | None = None
    lang_confidence: float | None = None  # how sure the document-level language decision is
    n_chrome: int = 0  # page-chrome lines removed (see chrome.py)
    paragraphs: list[Paragraph] = field(default_factory=list)
    first_page: str = ""  # a PDF's raw first page and running headers, for dating
    sections: list[Section] = field(default_factory=list)  # each paragraph's `section` indexes it
    filtered: Filtered | None = None  # what the relevance rule kept and left (extract_documents)

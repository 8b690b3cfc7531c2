"""Extract clean text, year and language from the captured HTML pages and PDF reports.

reads <raw>/fetches.parquet + the WARC records it points to → writes
<out>/documents.parquet (one row per capture), <out>/passages.parquet (passages of the
documents kept), and what was collected: <out>/collection.parquet (per firm and year) and
<out>/captures.parquet (every capture with its last attempt and its document; see
`pipeline.extract.collection`)

For each capture (the latest `ok` attempt of each doc_id), in batches shared out to a pool of
`workers` processes (or, with `executor: dask`, to a Dask cluster: `pipeline.extract.cluster`):
HTML through `pipeline.extract.html` (trafilatura), PDF through `pipeline.extract.pdf`
(pypdfium2) and its sections (`pipeline.extract.sections`), then each paragraph's language
(`pipeline.extract.language`) and the year (`pipeline.extract.dating`). Each worker reads its
captures' WARC records itself. Then, across documents (`pipeline.extract.filters`): boilerplate
paragraphs repeated on a firm's pages, page chrome and the irrelevant sections of long reports
are removed; duplicate documents are flagged (`pipeline.extract.dedup`), and each kept document
is cut into passages (`pipeline.extract.passages`). A capture answered `304 not modified` on a
re-scrape becomes a duplicate of the capture it confirms, so the page is dated to that year too.

Every capture gets a documents row; one that yields no usable text says why in `status`
(empty, corrupt, encrypted, no_text_layer, link_list, unsupported_type, too_large,
boilerplate_only, unreadable, failed) and `error`. No single capture stops the run, and none
costs more memory than `max_bytes` of payload: a payload is read (and a compressed one
inflated) a megabyte at a time, and one that grows past `max_bytes` is left unread
(`too_large`), so a decompression bomb stored by an older scraper is never inflated.

A capture whose WARC record cannot be read (a damaged or missing file) is `unreadable`; the
run still writes every table, names each such record, and exits with status 3
(`EXIT_SOURCES`: the run completed, some sources are missing) when any is lost, that is not
replaced by a later readable capture of its URL (`python -m pipeline.scrape` re-fetches what
it cannot read back).

    python -m pipeline.extract --raw data/raw --params params.yaml --out data/interim
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from datetime import datetime
from functools import partial
from typing import NamedTuple

import pandas as pd

from pipeline import cli, io, schemas, warc
from pipeline.errors import EXIT_OK, EXIT_SOURCES
from pipeline.extract import language
from pipeline.extract.captures import Capture, load_captures, read_warc_payload, sniff_format
from pipeline.extract.chrome import ChromeRules, load_chrome
from pipeline.extract.cluster import run_on_cluster
from pipeline.extract.collection import captures_table, collection_table
from pipeline.extract.dating import by_capture, date_document
from pipeline.extract.dedup import DupCandidate, find_duplicates
from pipeline.extract.extracted import Extracted
from pipeline.extract.filters import (
    apply_relevance,
    language_section,
    remove_boilerplate,
    remove_chrome,
    rule_of,
)
from pipeline.extract.html import decode_html, extract_html
from pipeline.extract.language import tag_document
from pipeline.extract.passages import Paragraph, count_words, cut_passages
from pipeline.extract.pdf import read_pdf
from pipeline.extract.relevance import SubjectTerms
from pipeline.extract.sections import (
    FamilyRules,
    assign,
    html_sections,
    load_families,
    pdf_sections,
    title_path,
)
from pipeline.lexicon import Lexicon, load_lexicon
from pipeline.params import ExtractParams, lexicon_path, load_block
from pipeline.workers import die_with_parent

log = logging.getLogger(__name__)

# Below this many captures a process pool costs more (start-up, pickling) than it saves.
POOL_MIN_DOCS = 16
# Captures a worker extracts at a time (see extract_batch).
BATCH = 8
PayloadTooLarge = warc.PayloadTooLarge


# --- one capture (runs in the worker processes) -----------------------------------------------

def _plain_text(payload: bytes, charset: str | None) -> tuple[list[str], str | None]:
    text, _, note = decode_html(payload, charset)
    blocks = [" ".join(b.split()) for b in text.replace("\r\n", "\n").split("\n\n")]
    return [b for b in blocks if b], note


def extract_batch(captures: Sequence[Capture], *, min_words: int,
                  max_bytes: int | None = None) -> list[Extracted]:
    """Extract a batch of captures: text, title, date, declared language, year, languages.

    Never raises: a capture that cannot be read or extracted comes back with a status and an
    error saying why, naming its URL. Languages are identified after all the batch's texts are
    extracted, so py3langid's model tables stay in the processor's cache from one document to
    the next (interleaved with HTML parsing, each call costs twice as much).

    Args:
        captures: the captures (a worker process gets a batch at a time).
        min_words: fewer words of text make a document `empty`.
        max_bytes: a payload larger than this is not read (`too_large`); None: no limit.

    Returns:
        One `Extracted` per capture, in order.
    """
    results = []
    for capture in captures:
        out = Extracted(capture, format="other", status="ok",
                        declared_lang=capture.source_lang)
        try:
            _extract_into(out, capture, min_words, max_bytes)
        except Exception as exc:  # one broken capture must not stop the run
            log.warning("%s: extraction failed: %s: %s", capture.url, type(exc).__name__, exc)
            out.status, out.error = "failed", f"{type(exc).__name__}: {exc}"
        if out.status != "ok":
            out.paragraphs = []
        results.append(out)
    for out in results:
        if out.status == "ok":
            try:
                found = tag_document([p.text for p in out.paragraphs],
                                     prior=out.capture.source_lang)
                tags = found.tags
                out.lang_confidence = _confidence(found, out.paragraphs)
            except Exception as exc:  # never lose a document to language identification
                log.warning("%s: language identification failed: %s", out.capture.url, exc)
                tags = [None] * len(out.paragraphs)
            # The constructor, not dataclasses.replace: a tenth of the cost, per paragraph.
            out.paragraphs = [Paragraph(p.text, t, p.page_start, p.page_end, p.section)
                              for p, t in zip(out.paragraphs, tags, strict=True)]
        _date(out)
    return results


def _confidence(found, paragraphs) -> float | None:
    """The document-level decision's confidence when the dominant language is the decided
    one; for a mixed document dominated by another language, that language's share of words."""
    weights: Counter[str] = Counter()
    for tag, p in zip(found.tags, paragraphs, strict=True):
        if tag is not None:
            weights[tag] += p.n_words
    if not weights:
        return None
    dominant = weights.most_common(1)[0][0]
    if dominant == found.lang:
        return found.confidence
    return round(weights[dominant] / sum(weights.values()), 3)


def extract_capture(capture: Capture, *, min_words: int,
                    max_bytes: int | None = None) -> Extracted:
    """Extract one capture (see `extract_batch`)."""
    return extract_batch([capture], min_words=min_words, max_bytes=max_bytes)[0]


def _date(out: Extracted) -> None:
    c = out.capture
    first_page = out.first_page or "\n".join(p.text for p in out.paragraphs[:40])[:4000]
    out.year, out.year_source = date_document(
        source_year=c.source_year,
        archive_timestamp=c.archive_timestamp if c.from_archive else None,
        is_report=c.kind == "report" or out.format == "pdf",
        title=out.title, first_page=first_page, published=out.published,
        captured_at=c.captured_at)


def _date_by_capture(results: list[Extracted], date_by_capture: bool) -> None:
    """Undated documents get their capture year when params.yaml asks for it."""
    for r in results:
        r.year, r.year_source = by_capture(r.year, r.year_source, r.capture.captured_at,
                                           date_by_capture=date_by_capture)


def _extract_into(out: Extracted, capture: Capture, min_words: int,
                  max_bytes: int | None) -> None:
    payload = capture.payload
    content_type = capture.content_type
    charset = capture.charset
    if payload is None:
        if not capture.warc_path or capture.warc_offset is None:
            out.status, out.error = "unreadable", "no WARC record recorded for this capture"
            return
        try:
            payload = read_warc_payload(capture.warc_path, capture.warc_offset, max_bytes)
        except PayloadTooLarge as exc:
            out.status, out.error = "too_large", str(exc)
            log.warning("%s: %s", capture.url, exc)
            return
        except Exception as exc:
            out.status = "unreadable"
            out.error = (f"{capture.warc_path} @ {capture.warc_offset}: {type(exc).__name__}: "
                         f"{exc}")
            log.warning("%s: %s", capture.url, out.error)
            return
    if max_bytes is not None and len(payload) > max_bytes:
        out.status = "too_large"
        out.error = f"payload larger than max_bytes ({max_bytes} bytes): not read"
        return
    if not payload:
        out.status, out.error = "empty", "empty response body"
        return
    fmt = sniff_format(content_type, payload)
    if fmt is None:
        out.status = "unsupported_type"
        out.error = f"content type {content_type or 'unknown'} is neither HTML nor PDF"
        return
    if fmt == "html":
        out.format = "html"
        # The publication date decides the year only of live captures without a year.
        dated = capture.source_year is not None or capture.from_archive
        page = extract_html(payload, min_words=min_words, charset=charset,
                            url=capture.url, captured_at=capture.captured_at,
                            search_date_text=not dated)
        out.status, out.error = page.status, page.note
        out.title, out.published = page.title, page.published
        out.declared_lang = page.declared_lang or capture.source_lang
        out.paragraphs = [Paragraph(t) for t in page.paragraphs]
        out.sections = html_sections(out.paragraphs, page.headings)
    elif fmt == "pdf":
        out.format = "pdf"
        pdf = read_pdf(payload)
        out.status, out.error = pdf.status, pdf.note
        out.title, out.n_pages = pdf.title, pdf.n_pages
        out.paragraphs = pdf.paragraphs
        out.first_page = pdf.first_page
        if pdf.status == "ok":
            out.sections = pdf_sections(pdf.outline, pdf.paragraphs, pdf.sizes, pdf.n_pages or 0)
    else:
        blocks, note = _plain_text(payload, charset)
        out.error = note
        out.paragraphs = [Paragraph(b) for b in blocks]
    if out.status != "ok":
        return
    out.sections, owners = assign(out.paragraphs, out.sections)
    out.paragraphs = [Paragraph(p.text, p.lang, p.page_start, p.page_end, o)
                      for p, o in zip(out.paragraphs, owners, strict=True)]
    # Counted only as far as min_words: the document's count is taken after language tagging.
    n_words = 0
    for paragraph in out.paragraphs:
        n_words += count_words(paragraph.text)
        if n_words >= min_words:
            return
    out.status = "empty"
    out.error = f"{n_words} words of text (fewer than min_words={min_words})"


# --- all captures ---------------------------------------------------------------------------

def _run_all(captures: Sequence[Capture], *, min_words: int, workers: int,
             max_bytes: int | None = None, scheduler: str | None = None) -> list[Extracted]:
    if scheduler is not None and captures:
        return run_on_cluster(
            captures, scheduler=scheduler, batch=BATCH, max_bytes=max_bytes,
            extract=partial(extract_batch, min_words=min_words, max_bytes=max_bytes),
            isolate=partial(_isolated, min_words=min_words, max_bytes=max_bytes))
    n = len(captures)
    work = partial(extract_batch, min_words=min_words, max_bytes=max_bytes)
    batches = [list(captures[i:i + BATCH]) for i in range(0, n, BATCH)]
    done: list[list[Extracted] | None] = [None] * len(batches)
    every = max(1, len(batches) // 20)

    def progress(i: int) -> None:
        if i % every == 0 or i == len(batches):
            log.info("extracted %d/%d", min(i * BATCH, n), n)

    if workers > 1 and n >= POOL_MIN_DOCS:
        language.preload()  # load py3langid's model once, before the workers fork
        try:
            with ProcessPoolExecutor(max_workers=workers, mp_context=_context(),
                                     initializer=die_with_parent,
                                     initargs=(os.getpid(),)) as pool:
                for i, batch in enumerate(pool.map(work, batches), 1):
                    done[i - 1] = batch
                    progress(i)
        except BrokenProcessPool:
            # A worker died (a PDF that crashes PDFium): redo the unfinished batches one
            # capture at a time, each in its own process, so only the culprit is lost.
            for i, finished in enumerate(done):
                if finished is None:
                    done[i] = [_isolated(c, min_words, max_bytes) for c in batches[i]]
    else:
        for i, todo in enumerate(batches, 1):
            done[i - 1] = work(todo)
            progress(i)
    return [r for results in done for r in results or ()]


def _context():
    # fork starts workers with the libraries already imported (spawn re-imports them all).
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else None)


def _isolated(capture: Capture, min_words: int, max_bytes: int | None) -> Extracted:
    """Extract one capture in a process of its own; a crash becomes a `failed` row."""
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=_context(),
                                 initializer=die_with_parent, initargs=(os.getpid(),)) as pool:
            return pool.submit(extract_capture, capture, min_words=min_words,
                               max_bytes=max_bytes).result()
    except BrokenProcessPool:
        log.error("%s: the extraction process crashed (a PDF that breaks PDFium?)",
                  capture.url)
        out = Extracted(capture, format="other", status="failed",
                        error="the extraction process crashed on this capture")
        _date(out)
        return out


def _document_row(r: Extracted) -> dict:
    c = r.capture
    text = "\n\n".join(p.text for p in r.paragraphs)
    lang = language_section(r)
    f = r.filtered
    return {
        "doc_id": c.doc_id, "fetch_id": c.fetch_id, "firm": c.firm, "kind": c.kind,
        "url": c.url, "final_url": c.final_url, "format": r.format, "title": r.title,
        "text": text, "lang": lang,
        "lang_confidence": r.lang_confidence if lang is not None else None,
        "declared_lang": r.declared_lang, "year": r.year,
        "year_source": r.year_source, "published": r.published,
        "captured_at": pd.Timestamp(c.captured_at), "n_pages": r.n_pages,
        "n_words": sum(p.n_words for p in r.paragraphs), "n_chrome": r.n_chrome,
        "status": r.status, "error": r.error,
        "duplicate_of": None, "similarity": None,
        "sections_source": r.sections[-1].source if f is not None and r.sections else None,
        "n_sections": len(r.sections) if f is not None else 0,
        "n_sections_kept": sum(1 for sc in f.scores if sc.n_words_kept) if f else 0,
        "n_words_read": f.n_words_read if f is not None else 0,
        "filtered": bool(f is not None and f.filtered),
        "sections_note": f.note if f is not None else None,
    }


def _not_modified_rows(pending: list[Extracted], rows: list[dict]) -> list[dict]:
    """Documents for `304 not modified` captures: copies of the capture they confirm."""
    by_url: dict[str, list[dict]] = {}
    for row in rows:
        by_url.setdefault(row["url"], []).append(row)
    out = []
    for r in pending:
        c = r.capture
        earlier = [row for row in by_url.get(c.url, [])
                   if row["status"] == "ok" and row["captured_at"] < pd.Timestamp(c.captured_at)]
        if not earlier:
            log.warning("%s: not modified since a capture that is not in the fetches table; "
                        "skipped", c.url)
            continue
        prev = max(earlier, key=lambda row: row["captured_at"])
        row = dict(prev)
        row.update({
            "doc_id": c.doc_id, "fetch_id": c.fetch_id, "final_url": c.final_url,
            "captured_at": pd.Timestamp(c.captured_at), "year": r.year,
            "year_source": r.year_source,
            "duplicate_of": prev["duplicate_of"] or prev["doc_id"],
            "similarity": prev["similarity"] if prev["duplicate_of"] else 1.0,
            "error": f"not modified (HTTP 304) since capture {prev['doc_id']}",
        })
        out.append(row)
    return out


class Extraction(NamedTuple):
    """The extract stage's tables (schemas DOCUMENTS, SECTIONS, PASSAGES)."""

    documents: pd.DataFrame
    sections: pd.DataFrame
    passages: pd.DataFrame


def extract_documents(captures: Iterable[Capture], params: ExtractParams,
                      chrome: ChromeRules | None = None, lexicon: Lexicon | None = None,
                      ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Extract every capture into (documents, passages): `extract_tables` without its
    sections table."""
    out = extract_tables(captures, params, chrome=chrome, lexicon=lexicon)
    return out.documents, out.passages


def extract_tables(captures: Iterable[Capture], params: ExtractParams,
                   chrome: ChromeRules | None = None, lexicon: Lexicon | None = None,
                   families: FamilyRules | None = None) -> Extraction:
    """Extract every capture into documents, sections and passages.

    Args:
        captures: the captures (see `load_captures`); the WARC files they point to are read,
            never written.
        params: the `extract:` block: `min_words` (a shorter document is `empty`, or
            `boilerplate_only` when it falls below once the firm's boilerplate is removed),
            `boilerplate_share` and `boilerplate_min_docs` (which paragraphs are a firm's
            boilerplate), `near_duplicate` (the Jaccard similarity of word 5-gram shingles from
            which a document duplicates an earlier one of its firm), `passage_words`, `workers`
            (a pool is used from `POOL_MIN_DOCS` captures on), `executor` and `scheduler`
            (`dask`: the captures are extracted as tasks on that Dask cluster), `max_bytes`
            (a capture whose payload, inflated, is larger is not read: `too_large`; the bound
            on one capture's memory, whatever it holds), `date_by_capture` (an undated live
            capture takes its capture year instead of none), `chrome_min_firms` (a short line
            in documents of that many firms is page chrome), `table_share`, `relevance_*` and
            `keep_all_sections` (which text of a long report is kept: see
            `pipeline.extract.relevance`).
        chrome: the page-chrome list (default: `pipeline/extract/chrome.yaml`).
        lexicon: the frame lexicon, whose `relevance:` terms name the subject (none: no
            section is relevant, so a long report keeps no text).
        families: the section families (default: `pipeline/extract/sections.yaml`).

    Returns:
        The documents, sections and passages, as DataFrames with the columns of their
        schemas.
    """
    captures = list(captures)
    started = time.perf_counter()
    fresh = [c for c in captures if c.outcome != "not_modified"]
    results = _run_all(fresh, min_words=params.min_words, workers=params.workers,
                       max_bytes=params.max_bytes,
                       scheduler=params.scheduler if params.executor == "dask" else None)
    _date_by_capture(results, params.date_by_capture)
    remove_boilerplate(results, min_words=params.min_words,
                        boilerplate_share=params.boilerplate_share,
                        boilerplate_min_docs=params.boilerplate_min_docs)
    remove_chrome(results, chrome or load_chrome(), min_firms=params.chrome_min_firms,
                   min_words=params.min_words)
    terms = SubjectTerms.from_terms(lexicon.relevance_terms() if lexicon else ())
    apply_relevance(results, terms=terms, rule=rule_of(params),
                     families=families or load_families(), min_words=params.min_words)
    rows = [_document_row(r) for r in results]
    by_doc = {r.capture.doc_id: r for r in results}
    # The earliest capture is the original; captures of one day (one scrape) are taken in the
    # order of sources.txt, then by crawl depth.
    order = {r.capture.doc_id: (r.capture.captured_at.date(), r.capture.source_line,
                                r.capture.depth, r.capture.url) for r in results}
    paragraphs = {r.capture.doc_id: r.paragraphs for r in results}

    dups = find_duplicates(
        (DupCandidate(row["doc_id"], row["firm"], order[row["doc_id"]], row["text"])
         for row in rows if row["status"] == "ok"),
        near_duplicate=params.near_duplicate)
    for row in rows:
        if row["doc_id"] in dups:
            row["duplicate_of"], row["similarity"] = dups[row["doc_id"]]

    pending = [Extracted(c, format="other", status="ok") for c in captures
               if c.outcome == "not_modified"]
    for r in pending:
        _date(r)
    _date_by_capture(pending, params.date_by_capture)
    for row in (extra := _not_modified_rows(pending, rows)):
        paragraphs[row["doc_id"]] = paragraphs[row["duplicate_of"]]
        by_doc[row["doc_id"]] = by_doc[row["duplicate_of"]]
    rows.extend(extra)

    section_rows = []
    passage_rows = []
    for row in rows:
        doc = by_doc.get(row["doc_id"])
        if doc is None or doc.filtered is None:
            continue
        kept = doc.filtered
        section_rows.extend(_section_rows(row, doc))
        if row["status"] != "ok":
            continue
        paths = [title_path(doc.sections, i) for i in range(len(doc.sections))]
        for seq, p in enumerate(cut_passages(paragraphs[row["doc_id"]],
                                             passage_words=params.passage_words,
                                             by_section=kept.filtered)):
            sec = p.section if p.section is not None else 0
            passage_rows.append({
                "passage_id": f"{row['doc_id']}-{seq:04d}", "doc_id": row["doc_id"],
                "seq": seq, "firm": row["firm"], "kind": row["kind"], "year": row["year"],
                "lang": p.lang, "url": row["url"], "page_start": p.page_start,
                "page_end": p.page_end, "text": p.text, "n_words": p.n_words,
                "is_duplicate": row["duplicate_of"] is not None,
                "section_id": f"{row['doc_id']}-s{sec:03d}", "section_path": paths[sec],
                "section_family": doc.sections[sec].family,
                "relevance": round(1000.0 * terms.count(p.text) / max(p.n_words, 1), 3),
            })

    documents = pd.DataFrame(rows, columns=schemas.DOCUMENTS.names)
    sections = pd.DataFrame(section_rows, columns=schemas.SECTIONS.names)
    if not documents.empty:
        documents = documents.sort_values(["firm", "url", "captured_at", "doc_id"],
                                          kind="stable", ignore_index=True)
    passages = pd.DataFrame(passage_rows, columns=schemas.PASSAGES.names)
    # In the documents' order, not the order captures were fetched in: the same captures give
    # the same tables (and the same ties downstream) however a scrape was interrupted.
    rank = pd.Series(range(len(documents)), index=documents["doc_id"].to_numpy(), dtype="int64")
    rank = rank.groupby(level=0).first()
    if not passages.empty:
        passages = (passages.assign(_doc=rank.reindex(passages["doc_id"]).to_numpy())
                    .sort_values(["_doc", "seq"], kind="stable", ignore_index=True)
                    .drop(columns="_doc"))
    if not sections.empty:
        sections = (sections.assign(_doc=rank.reindex(sections["doc_id"]).to_numpy())
                    .sort_values(["_doc", "seq"], kind="stable", ignore_index=True)
                    .drop(columns="_doc"))
    statuses = Counter(documents["status"]) if not documents.empty else Counter()
    log.info("extracted %d captures in %.1f s: %s; %d duplicates; %d passages",
             len(documents), time.perf_counter() - started,
             ", ".join(f"{k} {v}" for k, v in statuses.most_common()) or "none",
             int(documents["duplicate_of"].notna().sum()) if not documents.empty else 0,
             len(passages))
    return Extraction(documents, sections, passages)


def _section_rows(row: dict, r: Extracted) -> list[dict]:
    """The sections table's rows of one document (see schemas.SECTIONS)."""
    assert r.filtered is not None
    doc = row["doc_id"]
    out = []
    for i, (s, sc) in enumerate(zip(r.sections, r.filtered.scores, strict=True)):
        out.append({
            "section_id": f"{doc}-s{i:03d}", "doc_id": doc, "seq": i,
            "parent_id": None if s.parent is None else f"{doc}-s{s.parent:03d}",
            "firm": row["firm"], "kind": row["kind"], "year": row["year"], "url": row["url"],
            "title": s.title, "path": title_path(r.sections, i), "level": s.level,
            "family": s.family, "source": s.source, "page_start": s.first_page,
            "page_end": s.last_page, "n_paragraphs": sc.n_paragraphs, "n_words": sc.n_words,
            "n_words_tables": sc.n_words_tables, "n_matches": sc.n_matches,
            "relevance": round(sc.rate, 3), "title_match": sc.title_match,
            "relevant": sc.relevant,
            "n_words_kept": sc.n_words_kept if row["status"] == "ok" else 0,
            "why": sc.why if row["status"] == "ok" or not sc.n_words else
            (sc.why or f"the document is {row['status']}"),
        })
    return out


def lost_captures(captures: Sequence[Capture], documents: pd.DataFrame) -> list[Capture]:
    """The captures whose WARC record could not be read and that nothing replaces.

    A live page's unreadable capture is replaced by a later readable capture of its URL (the
    scraper re-fetches what it cannot read back; a `304 not modified` replaces nothing); an
    archive capture only by itself, read again (same doc_id, a later attempt), since another
    capture speaks for another date.

    Args:
        captures: the captures extracted (see `load_captures`).
        documents: their documents rows.

    Returns:
        The lost captures, in the order given.
    """
    if documents.empty:
        return []
    status = dict(zip(documents["doc_id"], documents["status"], strict=True))
    readable_live: dict[str, datetime] = {}
    for c in captures:  # a 304 confirms a capture, it does not replace one
        if not c.from_archive and c.outcome == "ok" and status.get(c.doc_id) not in (
                None, "unreadable"):
            readable_live[c.url] = max(c.fetched_at, readable_live.get(c.url, c.fetched_at))
    return [c for c in captures if status.get(c.doc_id) == "unreadable"
            and (c.from_archive or c.url not in readable_live
                 or readable_live[c.url] <= c.fetched_at)]


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.extract --raw data/raw --params params.yaml --out data/interim`."""
    return cli.stage_main("extract", argv, _run)


def _run(args) -> int:
    params = load_block(args.params, ExtractParams)
    fetches = io.read_table(args.raw / schemas.file_name(schemas.FETCHES), schemas.FETCHES)
    captures = load_captures(fetches, args.raw)
    if not captures:
        log.warning("%s: no successful capture to extract", args.raw)
    lexicon = load_lexicon(lexicon_path(args.params))
    documents, sections, passages = extract_tables(captures, params, lexicon=lexicon)
    # The collection tables count documents as later stages read them back (typed columns).
    typed = io.conform(documents, schemas.DOCUMENTS)
    for df, schema in ((documents, schemas.DOCUMENTS), (sections, schemas.SECTIONS),
                       (passages, schemas.PASSAGES),
                       (collection_table(fetches, typed), schemas.COLLECTION),
                       (captures_table(fetches, typed), schemas.CAPTURES)):
        path = io.write_table(df, args.out / schemas.file_name(schema), schema)
        log.info("wrote %s (%d rows)", path, len(df))
    # Captures lost to a damaged WARC: the run completed, but some sources are missing.
    return EXIT_SOURCES if _report_lost(captures, documents) else EXIT_OK


def _report_lost(captures: Sequence[Capture], documents: pd.DataFrame) -> bool:
    """Name every lost capture's record (see `lost_captures`); True when there is any."""
    lost = lost_captures(captures, documents)
    if not lost:
        return False
    errors = dict(zip(documents["doc_id"], documents["error"], strict=True))
    for c in lost:
        log.error("lost: %s (%s): %s", c.url, c.doc_id, errors.get(c.doc_id))
    log.error("%d capture(s) lost: their WARC records cannot be read (run the scrape stage "
              "again to re-fetch them)", len(lost))
    return True

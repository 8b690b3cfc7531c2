"""Benchmark of the extract stage: quality on the gold set, and speed next to the bare libraries.

    .venv/bin/python benchmarks/bench_extract.py            # about a minute and a half
    .venv/bin/python benchmarks/bench_extract.py --quick    # a few seconds

Prints:
1. word-level precision / recall / F1 on the annotated gold set (tests/data/extract/gold) of
   our extraction, next to the recorded baseline the quality test enforces and to bare
   trafilatura (default, fast and precision modes) and bare pypdfium2 on the same files; and
   on the demo reports set as annual reports are (report_layout.py: two justified columns,
   embedded fonts), with how many of the paragraphs laid out come back whole and in order;
2. HTML pages per second: our per-page extraction (decode, parse, title, language, date,
   trafilatura, clean-up, paragraph languages, year) against `trafilatura.extract` on the same
   bytes, on one process; then the whole stage (cross-page boilerplate, duplicates,
   passages) on one and two processes, against the bare library on as many;
3. PDF pages per second: our extraction (pages, headers, hyphens, paragraphs, languages,
   year), and the PDF text alone (without languages and year), against bare pypdfium2
   (`get_textpage().get_text_range()` page by page), and against the same text read through
   pypdfium2's raw PDFium functions, as our extraction reads it; on the demo reports, then on
   the same reports set as annual reports are;
4. how many texts language identification hands to py3langid.

Both sides of a comparison take turns document by document within each round, the order
alternating (our side extracts each capture as a worker's batch of one); a ratio is the median
over rounds of each round's ratio, printed with its range across rounds.

Pages come from the demo site (demo/site) when it is there, else from the gold set, repeated
to the requested count. One-process figures are CPU time of this process (steadier than wall
time on a shared machine; both sides run in the same process); pool figures are wall time.
The machine is shared, so the ratios measured side by side are what count.
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import pypdfium2 as pdfium  # noqa: E402
import trafilatura  # noqa: E402
from report_layout import lay_out  # noqa: E402

from pipeline.extract import pdfium as adapter  # noqa: E402
from pipeline.extract.language import preload  # noqa: E402
from pipeline.extract.pdf import read_pdf  # noqa: E402
from pipeline.extract.stage import Capture, extract_batch, extract_documents  # noqa: E402
from pipeline.params import ExtractParams  # noqa: E402
from tests.test_extract_quality import BASELINE, evaluate_gold, gold_items, score  # noqa: E402

PARAMS = {"min_words": 30, "boilerplate_share": 0.5, "boilerplate_min_docs": 4,
          "near_duplicate": 0.9, "passage_words": 250}


def corpus(suffix: str) -> list[tuple[str, bytes]]:
    files = sorted((ROOT / "demo" / "site").rglob(f"*{suffix}"))
    if not files:
        files = sorted((ROOT / "tests" / "data" / "extract" / "gold").rglob(f"*{suffix}"))
    return [(str(f.relative_to(ROOT)), f.read_bytes()) for f in files]


def captures(files: list[tuple[str, bytes]], n: int, content_type: str) -> list[Capture]:
    """Captures as the scraper makes them from the demo site: demo/site/archive/<timestamp>/
    pages are web-archive captures of that time, the others live captures."""
    fetched = datetime(2024, 1, 1, tzinfo=UTC)
    out = []
    for i in range(n):
        name, body = files[i % len(files)]
        parts = Path(name).parts
        archived = None
        if len(parts) > 4 and parts[2] == "archive":
            archived = datetime.strptime(parts[3], "%Y%m%d%H%M%S").replace(tzinfo=UTC)
            firm = parts[4]
        else:
            firm = parts[3] if len(parts) > 4 and parts[2] == "live" else f"firm{i % 5}"
        out.append(Capture(
            doc_id=f"d{i:05d}", fetch_id=f"f{i:05d}", firm=firm,
            kind="report" if content_type == "application/pdf" else "page",
            url=f"https://{firm}.example/{i}/{Path(name).name}", final_url=None,
            content_type=content_type, charset=None, fetched_at=fetched,
            archive_timestamp=archived, from_archive=archived is not None, payload=body))
    return out


def timed(fn, items) -> float:
    # CPU time of this process: on a shared machine it is far steadier than wall time, and both
    # sides of a comparison run in this same process.
    start = time.process_time()
    for item in items:
        fn(item)
    return time.process_time() - start


def side_by_side(rounds: int, **runs) -> dict[str, list[float]]:
    """CPU seconds of each run in each of `rounds` rounds.

    Each run is (function, items), the items of every run standing for the same documents; the
    runs take turns document by document, the order alternating, so that the machine's changes
    of speed within a round (other tenants, caches) touch every run alike. Taking turns by
    batches of eight documents instead left a round's ratio twice as far from the median.
    """
    names = list(runs)
    n_items = len(runs[names[0]][1])
    times: dict[str, list[float]] = {k: [] for k in names}
    for r in range(rounds):
        total = dict.fromkeys(names, 0.0)
        for i in range(n_items):
            for name in (names if (r + i) % 2 == 0 else names[::-1]):
                fn, items = runs[name]
                total[name] += timed(fn, items[i:i + 1])
        for name in names:
            times[name].append(total[name])
    return times


def ratio(times: dict[str, list[float]], ours: str, bare: str) -> str:
    """The median over rounds of each round's time ratio, with its range."""
    ratios = sorted(a / b for a, b in zip(times[ours], times[bare], strict=True))
    return (f"ratio {statistics.median(ratios):.2f}x the bare time "
            f"(rounds {ratios[0]:.2f}-{ratios[-1]:.2f})")


def speed(n: int, times: list[float]) -> float:
    """Items per second at the median round."""
    return n / statistics.median(times)


def bare_trafilatura(body: bytes) -> str | None:
    return trafilatura.extract(body)


def bare_pdfium(body: bytes) -> int:
    pdf = pdfium.PdfDocument(body)
    n = 0
    try:
        for i in range(len(pdf)):
            page = pdf[i]
            textpage = page.get_textpage()
            n += len(textpage.get_text_range())
            textpage.close()
            page.close()
    finally:
        pdf.close()
    return n


def bare_pdfium_raw(body: bytes) -> int:
    """The same text through pypdfium2's raw PDFium functions, as pipeline.extract.pdf reads
    it (no page or text page objects), by way of its adapter (pipeline.extract.pdfium)."""
    pdf = adapter.open_pdf(body)
    n = 0
    try:
        for i in range(len(pdf)):
            page = adapter.load_page(pdf, i)
            textpage = adapter.load_text(page)
            n += len(adapter.page_text(textpage, adapter.count_chars(textpage)))
            adapter.close_text(textpage)
            adapter.close_page(page)
    finally:
        pdf.close()
    return n


def ours(capture: Capture):
    """One capture through the per-document extraction, as a worker runs it (a batch of one)."""
    return extract_batch([capture], min_words=PARAMS["min_words"])


def pool_time(fn, items, workers: int = 2) -> float:
    start = time.perf_counter()
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for _ in pool.map(fn, items, chunksize=8):
            pass
    return time.perf_counter() - start


def quality() -> None:
    print("== Quality on the gold set (word-level, micro-averaged)")
    ours_scores = evaluate_gold()
    baseline = json.loads(BASELINE.read_text(encoding="utf-8"))
    items = gold_items()
    html = [it for it in items if it["format"] == "html"]
    pdfs = [it for it in items if it["format"] == "pdf"]

    def row(label, s, base=None):
        extra = ""
        if base:
            extra = "   baseline P {precision:.3f}  R {recall:.3f}  F1 {f1:.3f}".format(**base)
        print(f"  {label:34s} P {s['precision']:.3f}  R {s['recall']:.3f}  F1 {s['f1']:.3f}"
              f"  ({s['n_docs']} docs){extra}")

    row("HTML  ours", ours_scores["html"], baseline.get("html"))
    for label, kw in (("default", {}), ("fast=True", {"fast": True}),
                      ("favor_precision=True", {"favor_precision": True})):
        got = {it["name"]: trafilatura.extract(it["path"].read_bytes(), **kw) for it in html}
        row(f"HTML  bare trafilatura {label}", evaluate_gold(got)["html"])
    row("PDF   ours", ours_scores["pdf"], baseline.get("pdf"))
    bare = {}
    for it in pdfs:
        pdf = pdfium.PdfDocument(it["path"].read_bytes())
        bare[it["name"]] = "\n".join(pdf[i].get_textpage().get_text_range()
                                     for i in range(len(pdf)))
    row("PDF   bare pypdfium2", evaluate_gold(bare)["pdf"])
    row("All   ours", ours_scores["all"], baseline.get("all"))


def report_layout_corpus() -> list[tuple[str, bytes, list[str]]]:
    """The demo reports set as annual reports are set (see report_layout.py): each report's
    name, its PDF and the paragraphs laid out (the demo report's, as our extraction reads them)."""
    docs = []
    for name, body in corpus(".pdf"):
        result = read_pdf(body)
        paragraphs = [p.text for p in result.paragraphs]
        docs.append((name, lay_out(paragraphs, result.title or Path(name).stem), paragraphs))
    return docs


def report_layout_quality(docs: list[tuple[str, bytes, list[str]]]) -> None:
    """Our extraction of the report layout against the paragraphs laid out: word scores, and
    how many paragraphs come out whole and in order (two columns read in the right order, the
    running header and page numbers gone, a paragraph going on over a column break joined)."""
    pairs, in_order, laid_out, extracted = [], 0, 0, 0
    for _, pdf, paragraphs in docs:
        got = [p.text for p in read_pdf(pdf).paragraphs]
        text = "\n".join(got).replace("\n", " ")
        pairs.append(("\n".join(paragraphs), "\n".join(got)))
        at = 0
        for paragraph in paragraphs:
            found = text.find(paragraph, at)
            if found >= 0:
                in_order, at = in_order + 1, found + len(paragraph)
        laid_out += len(paragraphs)
        extracted += len(got)
    s = score(pairs)
    print(f"  PDF   ours, report layout      P {s['precision']:.3f}  R {s['recall']:.3f}  "
          f"F1 {s['f1']:.3f}  ({len(docs)} docs): {in_order} of {laid_out} paragraphs whole and "
          f"in order; {extracted} paragraphs extracted")


def language_calls() -> None:
    """How often language identification falls back on py3langid (see pipeline.language)."""
    from pipeline.extract import language

    calls = []
    detect = language.detect_language
    language.detect_language = lambda text: calls.append(len(text)) or detect(text)
    try:
        docs = paragraphs = 0
        for suffix, content_type in ((".html", "text/html"), (".pdf", "application/pdf")):
            files = corpus(suffix)
            for out in extract_batch(captures(files, len(files), content_type), min_words=1):
                docs += 1
                paragraphs += len(out.paragraphs)
    finally:
        language.detect_language = detect
    print(f"\n== Languages: py3langid read {len(calls)} texts for {docs} documents and "
          f"{paragraphs} paragraphs (function words decided the rest)")


def html_speed(n: int, rounds: int) -> None:
    files = corpus(".html")
    caps = captures(files, n, "text/html")
    bodies = [c.payload for c in caps]
    print(f"\n== HTML: {n} pages ({len(files)} distinct, from {Path(files[0][0]).parts[0]}/), "
          f"{rounds} rounds taking turns document by document, one process (CPU time)")
    t = side_by_side(rounds, bare=(bare_trafilatura, bodies), ours=(ours, caps))
    print(f"  trafilatura.extract (bare)   {speed(n, t['bare']):7.1f} pages/s")
    print(f"  our extraction, per page     {speed(n, t['ours']):7.1f} pages/s   "
          f"{ratio(t, 'ours', 'bare')} (target <= 1.2)")
    stage_figures(n, "pages", caps, bodies, bare_trafilatura, "trafilatura", rounds=3)


def stage_figures(n: int, unit: str, caps: list[Capture], bodies: list[bytes], bare_fn,
                  bare_name: str, rounds: int) -> None:
    """The whole stage on one process (CPU time) and on two (wall time), each side by side
    with the bare library over the same input, in rounds alternating the order."""
    times: dict[str, list[float]] = {"stage1": [], "bare1": [], "stage2": [], "bare2": []}
    runs = {"stage1": lambda: time_stage(caps, 1), "bare1": lambda: timed(bare_fn, bodies),
            "stage2": lambda: time_stage(caps, 2), "bare2": lambda: pool_time(bare_fn, bodies)}
    for r in range(rounds):
        for name in (list(runs) if r % 2 == 0 else list(runs)[::-1]):
            times[name].append(runs[name]())
    print(f"  whole stage, 1 process       {speed(n, times['stage1']):7.1f} {unit}/s   "
          f"{ratio(times, 'stage1', 'bare1')} (CPU time)")
    print(f"  whole stage, 2 processes     {speed(n, times['stage2']):7.1f} {unit}/s   "
          f"{ratio(times, 'stage2', 'bare2')} (wall time; bare: {bare_name} in a 2-process "
          f"pool, {speed(n, times['bare2']):.1f} {unit}/s)")


def time_stage(caps: list[Capture], workers: int) -> float:
    clock = time.process_time if workers == 1 else time.perf_counter
    start = clock()
    extract_documents(caps, ExtractParams(**PARAMS, workers=workers))
    return clock() - start


def pdf_speed(files: list[tuple[str, bytes]], label: str, n_docs: int, rounds: int, *,
              full: bool) -> None:
    """Our extraction of `files` (repeated to `n_docs` reports) against bare pypdfium2; `full`
    adds the raw-API baseline and the whole stage."""
    caps = captures(files, n_docs, "application/pdf")
    bodies = [c.payload for c in caps]
    pages = sum(len(pdfium.PdfDocument(b)) for b in bodies)
    print(f"\n== PDF, {label}: {n_docs} reports, {pages} pages ({len(files)} distinct files), "
          f"{rounds} rounds taking turns document by document, one process (CPU time)")
    runs = {"bare": (bare_pdfium, bodies), "ours": (ours, caps), "text": (read_pdf, bodies)}
    if full:
        runs["raw"] = (bare_pdfium_raw, bodies)
    t = side_by_side(rounds, **runs)
    print(f"  pypdfium2 text (bare)        {speed(pages, t['bare']):7.1f} pages/s")
    print(f"  our extraction, per report   {speed(pages, t['ours']):7.1f} pages/s   "
          f"{ratio(t, 'ours', 'bare')} (target <= 1.2)")
    print(f"  of which the PDF text alone  {speed(pages, t['text']):7.1f} pages/s   "
          f"{ratio(t, 'text', 'bare')} (pipeline.pdf_text.read_pdf: pages, headers, hyphens, "
          f"paragraphs; without languages and year)")
    if full:
        print(f"  pypdfium2 raw API (bare)     {speed(pages, t['raw']):7.1f} pages/s   "
              f"ours: {ratio(t, 'ours', 'raw')} (our page handles are raw too)")
        stage_figures(pages, "pages", caps, bodies, bare_pdfium, "pypdfium2", rounds=3)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run (a few seconds)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    preload()  # load py3langid's model once, before any timing (and before forking)
    quality()
    layout = report_layout_corpus()
    report_layout_quality(layout)
    language_calls()
    n_pages, n_reports, rounds = (60, 8, 3) if args.quick else (800, 80, 7)
    html_speed(n_pages, rounds)
    pdf_speed(corpus(".pdf"), "demo reports (one column, a standard font, a text object per "
              "line)", n_reports, rounds, full=True)
    pdf_speed([(name, pdf) for name, pdf, _ in layout], "the same reports set as annual "
              "reports are (two justified columns, embedded fonts; report_layout.py)",
              n_reports, rounds, full=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())

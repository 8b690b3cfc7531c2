"""Benchmark of extract on long reports: pages per second with and without sections and
relevance, and the share of the text kept.

    .venv/bin/python benchmarks/bench_reports.py              # the demo's long reports, else a
                                                              # generated 300-page report
    .venv/bin/python benchmarks/bench_reports.py --generated 300 --rounds 5

For each report, in one process, two runs take turns (order alternating by round):

- without: what extract did per report before sections (read the PDF, paragraph languages,
  year, passages), with the section rules switched off (the document is one section,
  nothing is scored, every paragraph is cut into passages);
- with: the same plus the sections (outline, headings or printed contents), their families,
  tables of figures and the relevance rule, as the stage runs them.

Times are CPU seconds of this process (steadier than wall time on a shared machine); the
figures printed are medians over rounds, and the overhead is the median of each round's ratio.
Then, per report: pages, sections found and their source, sections kept, and words read, kept,
left as not relevant and left as tables.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "data" / "extract"))

from long_report import write_long_report  # noqa: E402

from pipeline.extract import filters, stage  # noqa: E402
from pipeline.extract.captures import Capture  # noqa: E402
from pipeline.extract.language import preload  # noqa: E402
from pipeline.extract.passages import cut_passages  # noqa: E402
from pipeline.extract.relevance import SubjectTerms  # noqa: E402
from pipeline.extract.sections import load_families  # noqa: E402
from pipeline.lexicon import load_lexicon  # noqa: E402
from pipeline.params import ExtractParams  # noqa: E402

PARAMS = ExtractParams(workers=1)


def long_reports(min_pages: int) -> list[tuple[str, bytes]]:
    """The demo site's PDFs of at least `min_pages` pages."""
    from pipeline.extract import pdfium
    out = []
    for path in sorted((ROOT / "demo" / "site").rglob("*.pdf")):
        data = path.read_bytes()
        pdf = pdfium.open_pdf(data)
        try:
            if len(pdf) >= min_pages:
                out.append((str(path.relative_to(ROOT)), data))
        finally:
            pdf.close()
    return out


def capture(name: str, data: bytes) -> Capture:
    return Capture(doc_id=name, fetch_id=name, firm="bench", kind="report", url=name,
                   final_url=name, content_type="application/pdf", charset=None,
                   fetched_at=datetime(2024, 1, 1, tzinfo=UTC), payload=data)


def _passages(out: stage.Extracted) -> None:
    cut_passages(out.paragraphs, passage_words=PARAMS.passage_words,
                 by_section=out.filtered is not None and out.filtered.filtered)


def without_sections(cap: Capture) -> stage.Extracted:
    real = stage.pdf_sections
    stage.pdf_sections = lambda *args: []
    try:
        out = stage.extract_batch([cap], min_words=PARAMS.min_words)[0]
    finally:
        stage.pdf_sections = real
    _passages(out)
    return out


def with_sections(cap: Capture, terms: SubjectTerms, families) -> stage.Extracted:
    out = stage.extract_batch([cap], min_words=PARAMS.min_words)
    filters.apply_relevance(out, terms=terms, rule=filters.rule_of(PARAMS), families=families,
                            min_words=PARAMS.min_words)
    _passages(out[0])
    return out[0]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--generated", type=int, default=0, metavar="PAGES",
                    help="use a generated report of this many pages (default: the demo's "
                         "long reports, else 300 pages)")
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args(argv)
    preload()
    terms = SubjectTerms.from_terms(load_lexicon(ROOT / "frames.yaml").relevance_terms())
    families = load_families()
    reports = [] if args.generated else long_reports(PARAMS.relevance_min_pages)
    if not reports:
        pages = args.generated or 300
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "report.pdf"
            write_long_report(path, pages=pages)
            reports = [(f"generated {pages}-page report", path.read_bytes())]
    caps = [capture(name, data) for name, data in reports]
    times: dict[str, list[float]] = {"without": [], "with": []}
    ratios = []
    n_pages = 0
    results = []
    for r in range(args.rounds):
        order = ("without", "with") if r % 2 == 0 else ("with", "without")
        spent = {}
        for side in order:
            start = time.process_time()
            got = [without_sections(c) if side == "without" else with_sections(c, terms, families)
                   for c in caps]
            spent[side] = time.process_time() - start
            if side == "with":
                results = got
        for side in spent:
            times[side].append(spent[side])
        ratios.append(spent["with"] / spent["without"])
    n_pages = sum(x.n_pages or 0 for x in results)
    print(f"{len(caps)} report(s), {n_pages} pages, {args.rounds} rounds, one process (CPU s)")
    for side in ("without", "with"):
        t = statistics.median(times[side])
        print(f"  {side:8} sections and relevance: {n_pages / t:7.0f} pages/s "
              f"({t:.2f} s; range {min(times[side]):.2f}-{max(times[side]):.2f})")
    print(f"  sections + relevance add {100 * (statistics.median(ratios) - 1):+.1f} % "
          f"(range {100 * (min(ratios) - 1):+.1f} to {100 * (max(ratios) - 1):+.1f} %)")
    read = kept = tables = 0
    print("\nper report: pages, sections (source), kept, words read -> kept")
    for (name, _), x in zip(reports, results, strict=True):
        f = x.filtered
        if f is None:
            print(f"  {name}: {x.status} {x.error}")
            continue
        k = sum(s.n_words_kept for s in f.scores)
        read, kept = read + f.n_words_read, kept + k
        tables += f.counts.get("tables of figures", 0)
        source = x.sections[-1].source if x.sections else "none"
        print(f"  {name}: {x.n_pages} pages, {len(x.sections)} sections ({source}), "
              f"{sum(1 for s in f.scores if s.n_words_kept)} kept, {f.n_words_read:,} -> "
              f"{k:,} words")
    if read:
        print(f"\nwords read {read:,}, kept {kept:,} ({100 * kept / read:.1f} %), left as "
              f"tables of figures {tables:,}, left as not relevant {read - kept - tables:,}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

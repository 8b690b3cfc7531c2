"""One scrape run: its jobs, what it records for each, and its summary table."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.scrape import wayback
from pipeline.scrape.crawl import extract_links, in_scope, normalise_url
from pipeline.scrape.fetch import FetchResult
from pipeline.scrape.manifest import SUCCESS, Held, Journal, make_doc_id, ts14
from pipeline.scrape.responses import HTML_LIKE
from pipeline.sources import Source
from pipeline.warc import WarcWriter, open_record

log = logging.getLogger(__name__)


# --- the summary ------------------------------------------------------------------------------

@dataclass
class Summary:
    """Counts of one run, for the closing table and the exit status."""

    run_id: str
    outcomes: Counter = field(default_factory=Counter)  # reason → rows
    skipped: int = 0
    damaged: int = 0  # captures held whose WARC record could not be read back (fetched again)
    sources_tried: set[int] = field(default_factory=set)
    sources_ok: set[int] = field(default_factory=set)

    def add(self, row: dict, source: Source) -> None:
        self.sources_tried.add(source.line)
        reason = row["outcome"]
        if reason == "http_error" and row["status"] is not None:
            reason = f"http_error {row['status']}"
        self.outcomes[reason] += 1
        if row["outcome"] in SUCCESS:
            self.sources_ok.add(source.line)

    def skip(self, source: Source) -> None:
        self.skipped += 1
        self.sources_ok.add(source.line)

    @property
    def n_failed_sources(self) -> int:
        """Sources tried that gave no capture in this run and had none before."""
        return len(self.sources_tried - self.sources_ok)

    def table(self) -> str:
        failures = {k: v for k, v in self.outcomes.items() if k not in SUCCESS}
        lines = [f"scrape summary (run {self.run_id})",
                 f"  {'fetched':<28}{self.outcomes['ok']:>7}",
                 f"  {'not modified (304)':<28}{self.outcomes['not_modified']:>7}",
                 f"  {'already captured (skipped)':<28}{self.skipped:>7}",
                 *([f"  {'unreadable, so fetched again':<28}{self.damaged:>7}"]
                   if self.damaged else []),
                 f"  {'failed':<28}{sum(failures.values()):>7}"]
        lines += [f"    {reason:<26}{n:>7}" for reason, n in sorted(failures.items())]
        lines.append(f"  sources with a capture: {len(self.sources_ok)} of "
                     f"{len(self.sources_tried | self.sources_ok)}")
        return "\n".join(lines)


# --- one run ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Job:
    """One thing to fetch: a live URL (a source or a crawled link) or an archive year."""

    source: Source
    url: str
    depth: int = 0
    year: int | None = None  # set for a web-archive capture

    @property
    def wants_links(self) -> bool:
        return self.year is None and self.depth < self.source.depth


class Run:
    """The state one run shares between its workers: output, journal, what is held."""

    def __init__(self, out: Path, run_id: str, held: Held, refresh: bool, warc: WarcWriter,
                 journal: Journal, wayback_url: str) -> None:
        self.out = out
        self.run_id = run_id
        self.held = held
        self.refresh = refresh
        self.warc = warc
        self.journal = journal
        self.wayback_url = wayback_url.rstrip("/")
        self.summary = Summary(run_id)
        self.seen: set[str] = set()  # normalised URLs queued this run (crawl de-duplication)
        self.pages: Counter = Counter()  # source line → pages taken (max_pages)
        self.done = 0
        self.total = 0  # jobs known so far: the initial ones plus the links a crawl took
        self._last_log = time.monotonic()

    def record(self, job: Job, result: FetchResult, *, archive_ts: str | None = None) -> dict:
        """Turn a fetch result into a manifest row, journal it and count it."""
        source = job.source
        fetched_at = result.fetched_at
        stamp = archive_ts or ts14(fetched_at)
        row = {
            "fetch_id": hashlib.sha1(
                f"{job.url}\n{archive_ts or ''}\n{fetched_at.isoformat()}\n{self.run_id}"
                .encode()).hexdigest()[:16],
            "doc_id": make_doc_id(job.url, stamp),
            "firm": source.firm, "kind": source.kind, "source_url": source.url,
            "source_line": source.line, "source_year": source.year,
            "source_lang": source.lang, "url": job.url, "final_url": result.final_url,
            "depth": job.depth, "status": result.status, "outcome": result.outcome,
            "error": result.error, "content_type": result.content_type,
            "charset": result.charset, "n_bytes": result.n_bytes, "sha256": result.sha256,
            "warc_file": result.warc_file, "warc_offset": result.warc_offset,
            "etag": result.etag, "last_modified": result.last_modified,
            "n_attempts": result.n_attempts, "fetched_at": fetched_at,
            "archive_timestamp": wayback.timestamp_to_datetime(archive_ts) if archive_ts
            else None,
            "from_archive": job.year is not None,
            "_year": job.year,  # journal only: lets a resumed run skip a settled year
        }
        # A live page failing again exactly as its latest attempt did (robots.txt still says no,
        # the host still has no address) adds no row: the table already says so, and an
        # unchanged table keeps `dvc repro` from re-running the stages after scrape.
        repeated = (job.year is None and result.outcome not in SUCCESS
                    and result.warc_file is None
                    and self.held.same_failure(job.url, result.outcome, result.status,
                                               result.error))
        if not repeated:
            self.journal.add(row)
        self.summary.add(row, source)
        if job.year is not None and archive_ts and result.outcome == "ok":
            # held from now on: a job of another year that meets this capture adds no copy
            self.held.archive_stamps.add((job.url, archive_ts))
        if result.outcome not in SUCCESS:
            what = f"{job.url} ({job.year})" if job.year else job.url
            (log.warning if job.depth == 0 else log.info)(
                "%s: %s%s", what, result.outcome, f" — {result.error}" if result.error else "")
        self._progress()
        return row

    def skip(self, job: Job) -> None:
        self.summary.skip(job.source)
        self._progress()

    def _progress(self) -> None:
        self.done += 1
        now = time.monotonic()
        if now - self._last_log >= 10:
            self._last_log = now
            log.info("scrape: %d/%d done (%d fetched, %d skipped)", self.done, self.total,
                     self.summary.outcomes["ok"], self.summary.skipped)

    def seed(self, jobs: list[Job]) -> None:
        """Count the initial jobs and mark their live pages as taken, so no crawl repeats them."""
        self.total = len(jobs)
        for job in jobs:
            if job.year is None:
                self.seen.add(normalise_url(job.url))
                self.pages[job.source.line] += 1

    def take(self, job: Job, link: str) -> Job | None:
        """A crawl job for `link` found on `job`'s page, if the crawl may follow it."""
        source = job.source
        if link in self.seen or not in_scope(link, source.url):
            return None
        if self.pages[source.line] >= source.max_pages:
            return None
        self.seen.add(link)
        self.pages[source.line] += 1
        self.total += 1
        return Job(source=source, url=link, depth=job.depth + 1)

    def stored_links(self, row: dict) -> list[str]:
        """Links of an HTML capture already in the archive (to resume or refresh a crawl)."""
        if row.get("warc_file") is None or row.get("content_type") not in HTML_LIKE:
            return []
        with open_record(self.out / row["warc_file"], row["warc_offset"]) as record:
            return extract_links(record.content_stream(), row["final_url"] or row["url"],
                                 row.get("charset"))


def initial_jobs(sources: list[Source]) -> list[Job]:
    """The jobs sources.txt asks for, before any crawl: live pages, then archive years."""
    jobs = [Job(source=s, url=s.url) for s in sources if s.live]
    jobs += [Job(source=s, url=s.url, year=y) for s in sources for y in s.archive_years]
    return jobs

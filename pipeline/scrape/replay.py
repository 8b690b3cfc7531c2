"""Replay: answer a run's jobs from existing WARC files (ours, Browsertrix, Heritrix, wget).

Every capture of a source's URL, and for `archive=` years the web-archive captures (Wayback `id_`
URLs) closest to mid-year. Replayed records are copied unchanged into our own WARC files.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from collections import defaultdict, deque
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from urllib.parse import urljoin

from warcio.archiveiterator import ArchiveIterator

from pipeline.scrape import wayback
from pipeline.scrape.crawl import extract_links, normalise_url
from pipeline.scrape.fetch import REDIRECT_STATUSES, FetchResult, FetchSettings
from pipeline.scrape.manifest import ts14
from pipeline.scrape.responses import (
    HTML_LIKE,
    content_type_from_bytes,
    parse_content_type,
    sniff_type,
)
from pipeline.scrape.run import Job, Run
from pipeline.warc import (
    open_record,
    parse_warc_date,
)

log = logging.getLogger(__name__)


# --- replay -----------------------------------------------------------------------------------

class ReplayIndex:
    """The response records of the replay WARCs, by URL and by archived URL."""

    def __init__(self, entries: list[IndexEntry]) -> None:
        self.by_url: dict[str, list[IndexEntry]] = defaultdict(list)
        self.by_original: dict[str, list[IndexEntry]] = defaultdict(list)
        for entry in sorted(entries, key=lambda e: e.date):
            self.by_url[normalise_url(entry.url)].append(entry)
            if entry.original:
                self.by_original[normalise_url(entry.original)].append(entry)

    def live(self, url: str) -> list[IndexEntry]:
        return self.by_url.get(normalise_url(url), [])

    def archived(self, url: str, year: int) -> IndexEntry | None:
        entries = {e.archive_timestamp: e for e in self.by_original.get(normalise_url(url), [])
                   if e.archive_timestamp and e.archive_timestamp.startswith(str(year))
                   and (e.status is None or e.status < 300 or e.status in REDIRECT_STATUSES)}
        best = wayback.closest_to_midyear(
            [wayback.Capture(timestamp=ts, original=url) for ts in entries], year)
        return entries[best.timestamp] if best else None

    def near(self, url: str, when: datetime) -> IndexEntry | None:
        """The capture of `url` closest in time to `when` (a redirect's target)."""
        entries = self.live(url)
        return min(entries, key=lambda e: abs(e.date - when)) if entries else None


def resolve_chain(index: ReplayIndex, entry: IndexEntry, max_redirects: int
                  ) -> tuple[list[IndexEntry], str | None, str | None]:
    """Follow a record's redirects through the index (nothing is read yet).

    Returns:
        (the records from `entry` to the last one found, outcome, error); the outcome is None
        when the chain ends on a record that is not a redirect.
    """
    chain = [entry]
    while entry.status in REDIRECT_STATUSES and entry.location:
        target = urljoin(entry.url, entry.location)
        urls = [e.url for e in chain]
        if normalise_url(target) in {normalise_url(u) for u in urls}:
            return chain, "redirect_loop", "redirect loop: " + " → ".join([*urls, target])
        if len(chain) > max_redirects:
            return chain, "too_many_redirects", (f"more than {max_redirects} redirects: "
                                                 + " → ".join([*urls, target]))
        nxt = index.near(target, entry.date)
        if nxt is None:
            return chain, "replay_missing", f"redirect target {target} is not in the replay WARC(s)"
        chain.append(nxt)
        entry = nxt
    return chain, None, None


def _replay_chain(run: Run, chain: list[IndexEntry], problem: list[str | None],
                  settings: FetchSettings, keep_body: bool) -> FetchResult:
    """Copy a resolved chain's records into our WARC and describe its last one."""
    for hop in chain[:-1]:
        run.warc.copy_record(hop.path, hop.offset, hop.length, hop.compressed)
    result = _replay_record(run, chain[-1], settings, keep_body and problem[0] is None)
    outcome, error = problem
    if outcome is not None:
        result.close()
        result.outcome, result.error = outcome, error
    return result


def _replay_record(run: Run, entry: IndexEntry, settings: FetchSettings,
                   keep_body: bool) -> FetchResult:
    """Read one response record, apply the live rules (size, type, status), copy it over."""
    with open_record(entry.path, entry.offset) as record:
        http = record.http_headers
        status = entry.status
        media, charset = parse_content_type(http.get_header("Content-Type") if http else None)
        result = FetchResult(
            url=entry.url, final_url=entry.url, status=status, outcome="ok",
            fetched_at=entry.date, content_type=media, charset=charset, n_attempts=0,
            etag=http.get_header("ETag") if http else None,
            last_modified=http.get_header("Last-Modified") if http else None)
        spool = tempfile.SpooledTemporaryFile(max_size=1 << 20)  # noqa: SIM115
        handed_over = False  # the caller closes a kept body
        digest = hashlib.sha256()
        stream = record.content_stream()
        while chunk := stream.read(1 << 16):
            result.n_bytes += len(chunk)
            if result.n_bytes > settings.max_bytes:
                break
            digest.update(chunk)
            spool.write(chunk)
    try:
        ok_status = status is not None and 200 <= status < 300
        if result.n_bytes > settings.max_bytes:
            result.outcome = "too_large"
            result.error = f"body larger than max_bytes ({settings.max_bytes} bytes): not copied"
            result.n_bytes = settings.max_bytes
            return result
        if ok_status:  # the bytes win for HTML vs PDF, and name a generic type
            spool.seek(0)
            result.content_type = content_type_from_bytes(media, sniff_type(spool.read(1024)))
        if ok_status and result.content_type not in settings.accept_types:
            result.outcome = "unsupported_type"
            result.error = (f"content type {media or '(none)'} is neither HTML nor PDF "
                            f"(not copied)")
            return result
        result.sha256 = digest.hexdigest()
        result.warc_file, result.warc_offset = run.warc.copy_record(
            entry.path, entry.offset, entry.length, entry.compressed)
        if status in REDIRECT_STATUSES and entry.location:
            result.outcome = "redirect"
            result.error = entry.location
        elif status == 304:
            result.outcome = "not_modified"
        elif status is None:
            result.outcome = "http_error"
            result.error = "the record has no HTTP status line"
        elif not ok_status:
            result.outcome = "http_error"
            result.error = f"HTTP {status}"
        if keep_body and result.outcome == "ok":
            spool.seek(0)
            result.body, handed_over = spool, True
        return result
    finally:
        if not handed_over:
            spool.close()


def _replay(run: Run, jobs: list[Job], paths: list[Path], settings: FetchSettings) -> None:
    log.info("replay: indexing %d WARC file(s)", len(paths))
    index = ReplayIndex(index_warcs(paths))
    log.info("replay: %d URL(s), %d web-archive URL(s) in the WARC(s)", len(index.by_url),
             len(index.by_original))
    queue = deque(jobs)
    while queue:
        job = queue.popleft()
        if job.year is not None:
            entry = index.archived(job.url, job.year)
            if entry is None:
                run.record(job, FetchResult(
                    url=job.url, outcome="replay_missing", n_attempts=0,
                    error=f"no web-archive capture of it from {job.year} in the replay WARC(s)"))
                continue
            chain, *problem = resolve_chain(index, entry, settings.max_redirects)
            stamp = chain[-1].archive_timestamp or entry.archive_timestamp
            assert stamp is not None
            if (job.url, stamp) in run.held.archive_stamps:
                run.skip(job)
                continue
            result = _replay_chain(run, chain, problem, settings, keep_body=False)
            result.url = job.url
            result.final_url = entry.url  # the replay asked for, as a live run records it
            run.record(job, result, archive_ts=stamp)
            continue
        entries = [e for e in index.live(job.url) if not e.archive_timestamp]
        if not entries:
            if job.depth == 0:  # a crawled link absent from the WARCs was simply not captured
                run.record(job, FetchResult(url=job.url, outcome="replay_missing", n_attempts=0,
                                            error="no capture of it in the replay WARC(s)"))
            continue
        for entry in entries:
            chain, *problem = resolve_chain(index, entry, settings.max_redirects)
            if (job.url, ts14(chain[-1].date)) in run.held.live_times:
                run.skip(job)
                continue
            result = _replay_chain(run, chain, problem, settings, keep_body=job.wants_links)
            result.url = job.url
            try:
                run.record(job, result)
                if result.body is not None and result.content_type in HTML_LIKE:
                    links = extract_links(result.body, result.final_url or job.url,
                                          result.charset)
                    queue.extend(c for link in links
                                 if index.live(link) and (c := run.take(job, link)))
            finally:
                result.close()



@dataclass(frozen=True)
class IndexEntry:
    """Where a response record sits, and what a replay needs to pick it."""

    path: Path
    offset: int
    length: int
    compressed: bool
    url: str  # WARC-Target-URI
    date: datetime  # WARC-Date
    status: int | None
    location: str | None  # Location header of a redirect
    archive_timestamp: str | None  # for a web-archive replay URL: the capture's timestamp
    original: str | None  # for a web-archive replay URL: the archived URL


def index_warcs(paths: list[Path]) -> list[IndexEntry]:
    """Index the response records of WARC files (ours, or made by any other WARC tool).

    Args:
        paths: `.warc.gz` or `.warc` files.

    Returns:
        One entry per response record, in file order. Other record types (request, metadata,
        revisit, warcinfo) are left out.

    Raises:
        ValueError: naming a file that is not a readable WARC.
    """
    entries: list[IndexEntry] = []
    for path in paths:
        path = Path(path)
        n_other = 0
        try:
            with open(path, "rb") as fh:
                records = ArchiveIterator(fh)
                for record in records:
                    if record.rec_type != "response":
                        n_other += record.rec_type == "revisit"
                        continue
                    url = record.rec_headers.get_header("WARC-Target-URI") or ""
                    date = parse_warc_date(record.rec_headers.get_header("WARC-Date"))
                    http = record.http_headers
                    status = None
                    location = None
                    if http is not None:
                        try:
                            status = int(http.get_statuscode())
                        except (TypeError, ValueError):
                            status = None
                        location = http.get_header("Location")
                    records.read_to_end(record)
                    archived = wayback.parse_replay_url(url)
                    entries.append(IndexEntry(
                        path=path, offset=records.get_record_offset(),
                        length=records.get_record_length(),
                        compressed=records.reader.decompressor is not None,
                        url=url, date=date, status=status, location=location,
                        archive_timestamp=archived[0] if archived else None,
                        original=archived[1] if archived else None))
        except FileNotFoundError:
            raise ValueError(f"{path}: replay WARC not found") from None
        except Exception as exc:  # warcio raises many types on a damaged file
            raise ValueError(f"{path}: not a readable WARC file ({exc})") from exc
        if n_other:
            log.warning("%s: %d revisit record(s) skipped (replay reads full responses only)",
                        path, n_other)
    return entries

"""Scrape: fetch every source into WARC captures and a manifest of every attempt.

reads sources.txt + the `scrape:` params block (or WARC files with `--replay`)
→ writes <out>/warc/scrape-<run>-<n>.warc.gz and <out>/fetches.parquet

For each source of `sources.txt`, the live page (unless `live=no`), a crawl of its links when it
asks for one (`depth=`, `max_pages=`), and one web-archive capture per year of `archive=`
(the capture closest to July 1st, found through the Wayback CDX API at `wayback_url`). The
fetching itself (politeness, robots.txt, retries, redirects, size cap) is `pipeline.fetch`; the
WARC files are `pipeline.warc`; the crawl rules are `pipeline.crawl`.

Raw data is never edited: WARC files are only ever appended to, under a new name each run, and
`fetches.parquet` accumulates the rows of every run (one row per attempt). A re-run skips what is
already captured (a live URL fetched before, or a web-archive year already held) unless
`--refresh`, which re-asks live pages with conditional requests (ETag / Last-Modified) — a 304
is recorded as `not_modified` — and looks the archive up again, skipping captures already held
(same URL and archive timestamp).

Every finished attempt is appended to `<out>/journal/<run>.jsonl` as it happens, after its WARC
record is on disk. A run that is killed leaves its journal and `.open` WARC files; the next run
cuts those files back to their last complete record, folds the journal into fetches.parquet and
skips everything the killed run finished.

`--replay FILE.warc.gz ...` reads the responses from existing WARC files (ours, or any WARC
tool's: Browsertrix, Heritrix, wget) instead of the network: every capture of a source's URL,
and for `archive=` years the web-archive captures (Wayback `id_` URLs) closest to mid-year.
Replayed records are copied unchanged into our own WARC files, so `<out>` stands on its own.

Exit status: 0 when at least one source gave a capture (or was already captured), 1 when none
could be fetched, 2 for bad input (sources.txt, params.yaml). A summary table (fetched, not
modified, failed by reason) ends every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import hashlib
import json
import logging
import secrets
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pyarrow as pa

from pipeline import cli, config, io, schemas, wayback
from pipeline.crawl import extract_links, in_scope, normalise_url, origin
from pipeline.fetch import (
    HTML_LIKE,
    REDIRECT_STATUSES,
    Fetcher,
    FetchResult,
    FetchSettings,
    parse_content_type,
    sniff_type,
)
from pipeline.sources import Source, SourcesError, read_sources
from pipeline.warc import IndexEntry, WarcWriter, index_warcs, open_record, recover_open_files

log = logging.getLogger(__name__)

FETCHES_FILE = "fetches.parquet"
WARC_DIR = "warc"
JOURNAL_DIR = "journal"
CDX_MAX_BYTES = 20 * 1024 * 1024
SUCCESS = ("ok", "not_modified")
TS_COLUMNS = ("fetched_at", "archive_timestamp")
# Columns of the fetches table a run needs to know what is held (and to refresh it).
HELD_COLUMNS = ["url", "outcome", "from_archive", "archive_timestamp", "warc_file",
                "warc_offset", "fetched_at", "etag", "last_modified", "content_type",
                "charset", "final_url"]


def ts14(dt: datetime) -> str:
    """A UTC datetime as 14 digits (YYYYMMDDhhmmss), the form archive timestamps take."""
    return dt.astimezone(UTC).strftime("%Y%m%d%H%M%S")


def make_doc_id(url: str, timestamp14: str) -> str:
    """The capture id: first 16 hex of sha1(url + "\\n" + 14-digit capture time).

    The capture time is the web-archive timestamp for an archive capture, and the fetch time
    for a live one, so replaying a WARC gives back the same ids.
    """
    return hashlib.sha1(f"{url}\n{timestamp14}".encode()).hexdigest()[:16]


# --- what is already held ---------------------------------------------------------------------

@dataclass
class Held:
    """What earlier runs captured, to skip it or to ask for it conditionally."""

    live_ok: dict[str, dict] = field(default_factory=dict)  # url → latest ok live row
    live_times: set[tuple[str, str]] = field(default_factory=set)  # (url, ts14) archived
    archive_years: set[tuple[str, int]] = field(default_factory=set)  # (url, year) settled
    archive_stamps: set[tuple[str, str]] = field(default_factory=set)  # (url, ts14) held
    resumed: set[tuple[str, int | None]] = field(default_factory=set)  # finished by a killed run

    @classmethod
    def from_table(cls, table: pa.Table | None) -> Held:
        """Index the fetches table, reading it in batches (it grows with every run)."""
        held = cls()
        if table is None:
            return held
        for batch in table.select(HELD_COLUMNS).to_batches(max_chunksize=10_000):
            for row in batch.to_pylist():
                url = row["url"]
                if row["from_archive"]:
                    if row["outcome"] == "ok" and row["archive_timestamp"] is not None:
                        stamp = ts14(row["archive_timestamp"])
                        held.archive_years.add((url, int(stamp[:4])))
                        held.archive_stamps.add((url, stamp))
                    elif row["outcome"] == "not_archived":
                        # Settled too: the archive's past rarely changes (--refresh asks
                        # again). The year is in the CDX query kept as final_url.
                        year = parse_qs(urlsplit(row["final_url"] or "").query).get("from")
                        if year and year[0].isdigit():
                            held.archive_years.add((url, int(year[0])))
                elif row["warc_file"] is not None:  # any archived response, even a 404
                    held.live_times.add((url, ts14(row["fetched_at"])))
                    prev = held.live_ok.get(url)
                    if row["outcome"] == "ok" and (prev is None
                                                   or row["fetched_at"] >= prev["fetched_at"]):
                        held.live_ok[url] = row
        return held


# --- the journal and the manifest -------------------------------------------------------------

def _jsonable(row: dict) -> dict:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}


def read_journal(path: Path) -> Iterator[dict]:
    """The rows of a journal file, in order (a last line cut by a kill is dropped)."""
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                return  # a killed run may leave its last line cut: everything before counts
            for col in TS_COLUMNS:
                if row.get(col):
                    row[col] = datetime.fromisoformat(row[col])
            yield row


def rows_to_table(rows: list[dict]) -> pa.Table:
    """Rows (dicts with the FETCHES columns; other keys ignored) as an Arrow table."""
    names = schemas.FETCHES.names
    return pa.Table.from_pylist([{k: r.get(k) for k in names} for r in rows],
                                schema=schemas.FETCHES)


def _journal_tables(paths: list[Path], batch: int = 1000) -> Iterator[pa.Table]:
    rows: list[dict] = []
    for path in paths:
        for row in read_journal(path):
            rows.append(row)
            if len(rows) == batch:
                yield rows_to_table(rows)
                rows = []
    if rows:
        yield rows_to_table(rows)


def _load_manifest(path: Path) -> pa.Table | None:
    return io.read_arrow(path, schemas.FETCHES) if path.exists() else None


def _write_manifest(path: Path, old: pa.Table | None, journals: list[Path]) -> pa.Table:
    """Write the old rows and the journals' rows, each once (a journal folded twice adds
    nothing), as the new fetches table."""
    parts = ([old] if old is not None else []) + list(_journal_tables(journals))
    table = pa.concat_tables(parts) if parts else schemas.FETCHES.empty_table()
    seen: set[str] = set()
    keep = [not (fid in seen or seen.add(fid)) for fid in table.column("fetch_id").to_pylist()]
    if not all(keep):
        table = table.filter(pa.array(keep))
    io.write_table(table, path, schemas.FETCHES)
    return table


class Journal:
    """Appends one JSON line per finished attempt, flushed at once (it survives a kill)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._fh = open(path, "a", encoding="utf-8")  # noqa: SIM115 - open for the whole run
        self.n_rows = 0

    def add(self, row: dict) -> None:
        self._fh.write(json.dumps(_jsonable(row), ensure_ascii=False) + "\n")
        self._fh.flush()
        self.n_rows += 1

    def close(self) -> None:
        self._fh.close()


@contextmanager
def _run_lock(out: Path) -> Iterator[None]:
    out.mkdir(parents=True, exist_ok=True)
    with open(out / ".scrape.lock", "w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RuntimeError(f"{out}: another scrape is writing here; wait for it to end"
                               ) from None
        yield


# --- the summary ------------------------------------------------------------------------------

@dataclass
class Summary:
    """Counts of one run, for the closing table and the exit status."""

    run_id: str
    outcomes: Counter = field(default_factory=Counter)  # reason → rows
    skipped: int = 0
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
    def failed(self) -> bool:
        """True when sources were tried and not one of them gave (or had) a capture."""
        return bool(self.sources_tried) and not self.sources_ok

    def table(self) -> str:
        failures = {k: v for k, v in self.outcomes.items() if k not in SUCCESS}
        lines = [f"scrape summary (run {self.run_id})",
                 f"  {'fetched':<28}{self.outcomes['ok']:>7}",
                 f"  {'not modified (304)':<28}{self.outcomes['not_modified']:>7}",
                 f"  {'already captured (skipped)':<28}{self.skipped:>7}",
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
        self.journal.add(row)
        self.summary.add(row, source)
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


# --- live fetching ----------------------------------------------------------------------------

class Frontier:
    """The queue of jobs, one line per host, handing a worker a job whose host has a free slot.

    Among hosts with a free slot it picks the one whose politeness delay ends first, so a
    worker does not sleep on a slow host while another host is ready.
    """

    def __init__(self, per_host: int, ready_at) -> None:
        self.per_host = per_host
        self.ready_at = ready_at  # host key → monotonic time its next request may start
        self.queues: dict[str, deque[Job]] = defaultdict(deque)
        self.active: Counter = Counter()
        self.pending = 0
        self.running = 0
        self.changed = asyncio.Event()

    def put(self, host: str, job: Job) -> None:
        self.queues[host].append(job)
        self.pending += 1
        self.changed.set()

    def done(self, host: str) -> None:
        self.active[host] -= 1
        self.running -= 1
        self.changed.set()

    async def get(self) -> tuple[str, Job] | None:
        while True:
            candidates = [h for h, q in self.queues.items()
                          if q and self.active[h] < self.per_host]
            if candidates:
                # Soonest ready first; then the host with fewest requests in flight, so work
                # spreads over hosts (one connection each) instead of piling onto the first.
                host = min(candidates, key=lambda h: (self.ready_at(h), self.active[h]))
                job = self.queues[host].popleft()
                if not self.queues[host]:
                    del self.queues[host]
                self.active[host] += 1
                self.pending -= 1
                self.running += 1
                return host, job
            if self.pending == 0 and self.running == 0:
                self.changed.set()  # wake the other workers so they see the end too
                return None
            self.changed.clear()
            await self.changed.wait()


async def _live(run: Run, jobs: list[Job], settings: FetchSettings) -> None:
    async with Fetcher(settings, run.warc) as fetcher:
        wayback_host = origin(run.wayback_url)
        frontier = Frontier(settings.per_host, lambda h: fetcher.gate_ready_at(h))

        def enqueue(job: Job) -> None:
            frontier.put(wayback_host if job.year is not None else origin(job.url), job)

        for job in jobs:
            enqueue(job)

        async def worker() -> None:
            while (item := await frontier.get()) is not None:
                host, job = item
                try:
                    if job.year is None:
                        children = await _live_page(run, fetcher, job)
                    else:
                        children = []
                        await _archive_year(run, fetcher, job)
                    for child in children:
                        enqueue(child)
                except Exception as exc:  # a bug on one page must not stop the run
                    log.exception("%s: unexpected error", job.url)
                    run.record(job, FetchResult(url=job.url, outcome="internal_error",
                                                error=f"{type(exc).__name__}: {exc}"))
                finally:
                    frontier.done(host)

        await asyncio.gather(*(worker() for _ in range(settings.concurrency)))


async def _live_page(run: Run, fetcher: Fetcher, job: Job) -> list[Job]:
    """Fetch one live URL (or skip it if held); return the crawl jobs its links give."""
    prev = run.held.live_ok.get(job.url)
    if (job.url, None) in run.held.resumed or (prev is not None and not run.refresh):
        run.skip(job)
        links = run.stored_links(prev) if job.wants_links and prev is not None else []
        return [c for link in links if (c := run.take(job, link))]
    headers = {}
    if run.refresh and prev is not None:
        if prev.get("etag"):
            headers["If-None-Match"] = prev["etag"]
        if prev.get("last_modified"):
            headers["If-Modified-Since"] = prev["last_modified"]
    result = await fetcher.fetch(job.url, headers=headers, keep_body=job.wants_links)
    try:
        run.record(job, result)
        links: list[str] = []
        if job.wants_links:
            if result.outcome == "ok" and result.body is not None \
                    and result.content_type in HTML_LIKE:
                links = extract_links(result.body, result.final_url or job.url, result.charset)
            elif result.outcome == "not_modified" and prev is not None:
                links = run.stored_links(prev)
        return [c for link in links if (c := run.take(job, link))]
    finally:
        result.close()


async def _archive_year(run: Run, fetcher: Fetcher, job: Job) -> None:
    """Find and fetch the web-archive capture of one source for one year."""
    assert job.year is not None
    key = (job.url, job.year)
    if key in run.held.resumed or (key in run.held.archive_years and not run.refresh):
        run.skip(job)
        return
    lookup = wayback.cdx_url(run.wayback_url, job.url, job.year)
    cdx = await fetcher.fetch(lookup, check_robots=False, keep_body=True, accept=None,
                              max_bytes=CDX_MAX_BYTES)
    try:
        if cdx.outcome != "ok" or cdx.body is None:
            outcome = "archive_error" if cdx.outcome in ("ok", "too_large") else cdx.outcome
            run.record(job, FetchResult(
                url=job.url, final_url=lookup, status=cdx.status, outcome=outcome,
                n_attempts=cdx.n_attempts,
                error=f"web-archive lookup (CDX) failed: {cdx.error or cdx.outcome}"))
            return
        try:
            captures = wayback.parse_cdx(cdx.body.read().decode("utf-8", errors="replace"))
        except wayback.CdxError as exc:
            run.record(job, FetchResult(url=job.url, final_url=lookup, status=cdx.status,
                                        outcome="archive_error", error=f"{lookup}: {exc}",
                                        n_attempts=cdx.n_attempts))
            return
    finally:
        cdx.close()
    capture = wayback.closest_to_midyear(captures, job.year)
    if capture is None:
        run.record(job, FetchResult(url=job.url, final_url=lookup, status=None,
                                    outcome="not_archived", n_attempts=cdx.n_attempts,
                                    error=f"the web archive has no capture of it from "
                                          f"{job.year}"))
        return
    if (job.url, capture.timestamp) in run.held.archive_stamps:
        run.skip(job)
        return
    target = wayback.replay_url(run.wayback_url, capture.timestamp, capture.original)
    result = await fetcher.fetch(target, check_robots=False)
    # The archive may redirect to a neighbouring capture: the timestamp is the one served.
    served = wayback.parse_replay_url(result.final_url or target)
    stamp = served[0] if served else capture.timestamp
    result.n_attempts += cdx.n_attempts
    run.record(job, result, archive_ts=stamp)


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
    if problem[0] is not None:
        result.close()
        result.outcome, result.error = problem
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
        if ok_status and media in (None, "application/octet-stream", "binary/octet-stream"):
            spool.seek(0)
            result.content_type = sniff_type(spool.read(1024))
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
            result.body, spool = spool, None
        return result
    finally:
        if spool is not None:
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


# --- the stage --------------------------------------------------------------------------------

def scrape(sources: list[Source], *, out: Path, replay: list[Path] | None = None,
           refresh: bool = False, user_agent: str, concurrency: int = 8, per_host: int = 2,
           delay: float = 1.0, obey_robots: bool = True, connect_timeout: float = 10.0,
           read_timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
           max_retry_wait: float = 300.0, max_redirects: int = 10,
           max_bytes: int = 50 * 1024 * 1024,
           accept_types: list[str] | tuple[str, ...] = ("text/html", "application/xhtml+xml",
                                                        "application/pdf"),
           warc_max_bytes: int = 1 << 30, wayback_url: str = "https://web.archive.org"
           ) -> Summary:
    """Fetch the sources (or replay them from WARC files) into `out`.

    Args:
        sources: from `pipeline.sources.read_sources`.
        out: the raw-data folder: `warc/`, `journal/` and `fetches.parquet` go there.
        replay: WARC files to read instead of the network.
        refresh: re-ask live pages already captured (conditional requests) and look the web
            archive up again.
        user_agent ... wayback_url: the `scrape:` params (see params.yaml).

    Returns:
        The run's summary; the rows are in `out/fetches.parquet`.
    """
    settings = FetchSettings.from_params(locals())  # first: only the arguments are local yet
    out = Path(out)
    manifest_path = out / FETCHES_FILE
    with _run_lock(out):
        recover_open_files(out / WARC_DIR)
        table = _load_manifest(manifest_path)
        old_journals = sorted((out / JOURNAL_DIR).glob("*.jsonl"))
        resumed = {(r["url"], r.get("_year")) for p in old_journals for r in read_journal(p)}
        if old_journals:
            log.info("resuming: %d attempt(s) finished by an interrupted run are kept and "
                     "not repeated", len(resumed))
            table = _write_manifest(manifest_path, table, old_journals)
        held = Held.from_table(table)
        held.resumed = resumed

        run_id = f"{ts14(datetime.now(UTC))}-{secrets.token_hex(3)}"
        warc = WarcWriter(out / WARC_DIR, run_id=run_id, max_bytes=warc_max_bytes,
                          relative_to=out, info={
                              "http-header-user-agent": user_agent,
                              "robots": "obey" if obey_robots else "ignore",
                              "description": "replayed from " + ", ".join(
                                  Path(p).name for p in replay) if replay else ""})
        journal = Journal(out / JOURNAL_DIR / f"{run_id}.jsonl")
        run = Run(out, run_id, held, refresh, warc, journal, wayback_url)
        jobs = initial_jobs(sources)
        run.seed(jobs)
        log.info("run %s: %d source(s), %d job(s) before crawling%s", run_id, len(sources),
                 len(jobs), " (replay)" if replay else "")
        try:
            if replay:
                _replay(run, jobs, [Path(p) for p in replay], settings)
            else:
                asyncio.run(_live(run, jobs, settings))
        finally:
            warc.close()
            journal.close()
        if journal.n_rows or table is None:
            table = _write_manifest(manifest_path, table, [journal.path])
        # else: nothing new; fetches.parquet is left untouched, so DVC sees no change
        for path in [*old_journals, journal.path]:
            path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            journal.path.parent.rmdir()  # only when empty
        log.info("%s: %d row(s) from this run, %d in all", manifest_path, journal.n_rows,
                 table.num_rows)
    log.info("%s", run.summary.table())
    return run.summary


# The keys of the `scrape:` params block: the core's keyword arguments, less the CLI's.
PARAM_KEYS = set(config.keyword_params(scrape)) - {"out", "replay", "refresh"}


def _interrupt(signum, frame) -> None:
    # SIGTERM (cron, systemd, dvc) ends the run like Ctrl-C: WARC files closed, journal kept.
    raise KeyboardInterrupt(f"signal {signum}")


def main(argv: list[str] | None = None) -> int:
    parser = cli.stage_parser("python -m pipeline.scrape",
                              "Fetch sources.txt into WARC files and the fetches table.")
    parser.add_argument("--sources", required=True, help="sources.txt")
    parser.add_argument("--out", required=True, help="raw-data folder (WARCs, fetches.parquet)")
    parser.add_argument("--replay", nargs="+", metavar="FILE.warc.gz",
                        help="read responses from these WARC files instead of the network")
    parser.add_argument("--refresh", action="store_true",
                        help="re-ask pages already captured (conditional requests)")
    args = parser.parse_args(argv)
    cli.setup_logging(args.verbose)
    try:
        sources = read_sources(args.sources)
        params = config.load_params(args.params, "scrape", keys=PARAM_KEYS)
    except (SourcesError, config.ParamsError) as exc:
        log.error("%s", exc)
        return 2
    params.pop("lexicon", None)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        summary = scrape(sources, out=Path(args.out), replay=args.replay,
                         refresh=args.refresh, **params)
    except (ValueError, RuntimeError) as exc:
        log.error("%s", exc)
        return 2
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())

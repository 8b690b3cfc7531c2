"""Live fetching: the crawl frontier, live pages and web-archive years over HTTP."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict, deque

from pipeline.scrape import wayback
from pipeline.scrape.crawl import extract_links, origin
from pipeline.scrape.fetch import Fetcher, FetchResult, FetchSettings
from pipeline.scrape.manifest import CDX_MAX_BYTES
from pipeline.scrape.responses import HTML_LIKE
from pipeline.scrape.run import Job, Run

log = logging.getLogger(__name__)


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
        links = []
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
    result.n_attempts += cdx.n_attempts
    # The archive may redirect to a neighbouring capture: the row records the capture served
    # (its timestamp, hence its doc_id), and final_url the one asked for (the year's job).
    served = wayback.parse_replay_url(result.final_url or target)
    stamp = served[0] if served else capture.timestamp
    if stamp != capture.timestamp and result.outcome == "ok":
        note = (f"the archive replayed its capture of {stamp} for the one listed for "
                f"{job.year} ({capture.timestamp})")
        if (job.url, stamp) in run.held.archive_stamps:
            # Held already (by another year's job, or an earlier run): no second copy.
            run.record(job, FetchResult(
                url=job.url, final_url=lookup, status=result.status, outcome="not_archived",
                n_attempts=result.n_attempts, fetched_at=result.fetched_at,
                error=f"{note}, which is already held: no capture of {job.year} of its own"))
            return
        result.error = note
    if result.outcome == "ok" and served and (job.url, stamp) in run.held.archive_stamps:
        run.skip(job)  # another job of this run recorded the same capture meanwhile
        return
    result.final_url = target
    run.record(job, result, archive_ts=stamp)

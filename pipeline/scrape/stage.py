"""Scrape: fetch every source into WARC captures and a manifest of every attempt.

reads sources.txt + the `scrape:` params block (or WARC files with `--replay`)
→ writes <out>/warc/scrape-<run>-<n>.warc.gz and <out>/fetches.parquet

For each source of `sources.txt`, the live page (unless `live=no`), a crawl of its links when it
asks for one (`depth=`, `max_pages=`), and one web-archive capture per year of `archive=`
(the capture closest to July 1st, found through the Wayback CDX API at `wayback_url`). The
fetching itself (politeness, robots.txt, retries, redirects, size caps, deadlines) is
`pipeline.fetch`; the WARC files are `pipeline.warc`; the crawl rules are `pipeline.crawl`.

Raw data is never edited: WARC files are only ever appended to, under a new name each run, and
`fetches.parquet` accumulates the rows of every run (one row per attempt). A re-run skips what is
already captured (a live URL fetched before, or a web-archive year already tried) provided its
WARC record still reads back whole (it is re-fetched otherwise), unless
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

Exit status (`pipeline.errors`): 0 when every source gave a capture (or had one already), 3 when
the run completed but some sources could not be fetched (0 with `--keep-going`, as dvc.yaml
runs it), 2 for bad input (sources.txt, params.yaml, a replay WARC). A summary table (fetched,
not modified, failed by reason) ends every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from datetime import UTC, datetime
from pathlib import Path

from pipeline import cli
from pipeline.errors import EXIT_OK, EXIT_SOURCES, InputError
from pipeline.params import ScrapeParams, load_block
from pipeline.scrape.fetch import (
    FetchSettings,
)
from pipeline.scrape.live import _live
from pipeline.scrape.manifest import (
    FETCHES_FILE,
    JOURNAL_DIR,
    WARC_DIR,
    Held,
    Journal,
    _load_manifest,
    _run_lock,
    _write_manifest,
    read_journal,
    ts14,
)
from pipeline.scrape.replay import _replay
from pipeline.scrape.run import Run, Summary, initial_jobs
from pipeline.sources import Source, read_sources
from pipeline.warc import WarcWriter, record_problem, recover_open_files

log = logging.getLogger(__name__)


# --- the stage --------------------------------------------------------------------------------

def scrape(sources: list[Source], params: ScrapeParams, *, out: Path,
           replay: list[Path] | None = None, refresh: bool = False) -> Summary:
    """Fetch the sources (or replay them from WARC files) into `out`.

    Args:
        sources: from `pipeline.sources.read_sources`.
        out: the raw-data folder: `warc/`, `journal/` and `fetches.parquet` go there.
        replay: WARC files to read instead of the network.
        refresh: re-ask live pages already captured (conditional requests) and look the web
            archive up again.
        params: the `scrape:` block (see `pipeline.params.ScrapeParams`).

    Returns:
        The run's summary; the rows are in `out/fetches.parquet`.
    """
    settings = FetchSettings.from_params(params.model_dump())
    out = Path(out)
    manifest_path = out / FETCHES_FILE
    with _run_lock(out):
        recover_open_files(out / WARC_DIR)
        table = _load_manifest(manifest_path)
        old_journals = sorted((out / JOURNAL_DIR).glob("*.jsonl"))
        resumed = [r for p in old_journals for r in read_journal(p)]
        if old_journals:
            log.info("resuming: %d attempt(s) finished by an interrupted run are kept and "
                     "not repeated", len(resumed))
            table = _write_manifest(manifest_path, table, old_journals)
        # Every capture a run would skip is read back first (offset and digest): one whose
        # WARC record is damaged or gone is not held, so it is fetched again.
        held = Held.from_table(table, problem=lambda row: record_problem(
            out / row["warc_file"], int(row["warc_offset"] or 0), row["sha256"]))
        damaged = {(row["warc_file"], row["warc_offset"]) for row, _ in held.damaged}
        for row, why in held.damaged:
            log.warning("%s: its capture in %s cannot be read back (%s): fetching it again",
                        row["url"], row["warc_file"], why)
        held.resumed = {(r["url"], r.get("_year")) for r in resumed
                        if (r.get("warc_file"), r.get("warc_offset")) not in damaged}

        run_id = f"{ts14(datetime.now(UTC))}-{secrets.token_hex(3)}"
        warc = WarcWriter(out / WARC_DIR, run_id=run_id, max_bytes=params.warc_max_bytes,
                          relative_to=out, info={
                              "http-header-user-agent": params.user_agent,
                              "robots": "obey" if params.obey_robots else "ignore",
                              "description": "replayed from " + ", ".join(
                                  Path(p).name for p in replay) if replay else ""})
        journal = Journal(out / JOURNAL_DIR / f"{run_id}.jsonl")
        run = Run(out, run_id, held, refresh, warc, journal, params.wayback_url)
        run.summary.damaged = len(held.damaged)
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


def main(argv: list[str] | None = None) -> int:
    parser = cli.stage_parser("scrape")
    parser.add_argument("--replay", nargs="+", type=Path, metavar="FILE.warc.gz",
                        help="read responses from these WARC files instead of the network")
    parser.add_argument("--refresh", action="store_true",
                        help="re-ask pages already captured (conditional requests)")
    parser.add_argument("--keep-going", action="store_true",
                        help="exit 0 even when some sources could not be fetched, so that the "
                             "stages after this one run (dvc.yaml uses it; the summary still "
                             "lists the failures)")
    return cli.stage_main("scrape", argv, _run, parser)


def _run(args) -> int:
    sources = read_sources(args.sources)
    params = load_block(args.params, ScrapeParams)
    try:
        summary = scrape(sources, params, out=args.out, replay=args.replay,
                         refresh=args.refresh)
    except (ValueError, RuntimeError) as exc:  # an unreadable replay WARC, a held lock
        raise InputError(str(exc)) from None
    if summary.n_failed_sources and not args.keep_going:
        return EXIT_SOURCES
    return EXIT_OK

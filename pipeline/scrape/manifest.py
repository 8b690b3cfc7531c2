"""What a project already holds: the fetches manifest, each run's journal, and the run lock.

Every finished attempt is appended to `<out>/journal/<run>.jsonl` as it happens, after its WARC
record is on disk; the journals are folded into `fetches.parquet` (one row per attempt, every run)
at the end of a run, or by the next run when one was killed.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pyarrow as pa

from pipeline import io, schemas
from pipeline.scrape import wayback

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
                "charset", "final_url", "sha256", "status", "error"]


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
    damaged: list[tuple[dict, str]] = field(default_factory=list)  # (ok row, why unreadable)
    # url → (fetched_at, outcome, status, error) of its latest live attempt
    live_last: dict[str, tuple] = field(default_factory=dict)

    def same_failure(self, url: str, outcome: str, status: int | None,
                     error: str | None) -> bool:
        """Whether the latest live attempt of `url` already failed exactly this way."""
        last = self.live_last.get(url)
        return last is not None and last[1:] == (outcome, status, error)

    @classmethod
    def from_table(cls, table: pa.Table | None,
                   problem: Callable[[dict], str | None] | None = None) -> Held:
        """Index the fetches table, reading it in batches (it grows with every run).

        Args:
            table: the fetches table (None: nothing held yet).
            problem: why a capture's WARC record cannot be read back (None when it can):
                a capture that cannot is not held, so the run fetches it again.
        """
        held = cls()
        if table is None:
            return held
        archive_ok: dict[tuple[str, str], dict] = {}  # (url, served ts14) → latest ok row
        for batch in table.select(HELD_COLUMNS).to_batches(max_chunksize=10_000):
            for row in batch.to_pylist():
                url = row["url"]
                if row["from_archive"]:
                    if row["outcome"] == "ok" and row["archive_timestamp"] is not None:
                        archive_ok[(url, ts14(row["archive_timestamp"]))] = row
                    elif row["outcome"] == "not_archived":
                        # Settled too: the archive's past rarely changes (--refresh asks
                        # again). The year is in the CDX query kept as final_url.
                        year = parse_qs(urlsplit(row["final_url"] or "").query).get("from")
                        if year and year[0].isdigit():
                            held.archive_years.add((url, int(year[0])))
                else:
                    last = held.live_last.get(url)
                    if last is None or row["fetched_at"] >= last[0]:
                        held.live_last[url] = (row["fetched_at"], row["outcome"], row["status"],
                                               row["error"])
                if not row["from_archive"] and row["warc_file"] is not None:
                    # any archived response, even a 404
                    held.live_times.add((url, ts14(row["fetched_at"])))
                    prev = held.live_ok.get(url)
                    if row["outcome"] == "ok" and (prev is None
                                                   or row["fetched_at"] >= prev["fetched_at"]):
                        held.live_ok[url] = row
        if problem is not None:
            # Only the captures that would be skipped are read back: a page's latest, and
            # each archive capture.
            for url, row in list(held.live_ok.items()):
                if (why := problem(row)) is not None:
                    held.damaged.append((row, why))
                    del held.live_ok[url]
                    held.live_times.discard((url, ts14(row["fetched_at"])))
            for key, row in list(archive_ok.items()):
                if (why := problem(row)) is not None:
                    held.damaged.append((row, why))
                    del archive_ok[key]
        for (url, stamp), row in archive_ok.items():
            # Held: the capture served, and the one asked for (the replay URL asked, kept as
            # final_url), whose year the job was for.
            held.archive_years.add((url, int(stamp[:4])))
            held.archive_stamps.add((url, stamp))
            asked = wayback.parse_replay_url(row["final_url"] or "")
            if asked:
                held.archive_years.add((url, int(asked[0][:4])))
                held.archive_stamps.add((url, asked[0]))
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
    keep = []
    for fid in table.column("fetch_id").to_pylist():
        keep.append(fid not in seen)
        seen.add(fid)
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

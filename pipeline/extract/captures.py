"""The captures to extract, from the fetches manifest, and their payloads, read from the WARC
records bounded in memory (a payload is read, and inflated, a megabyte at a time).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd

from pipeline import warc

log = logging.getLogger(__name__)

_HTML_TYPES = {"text/html", "application/xhtml+xml", "application/xml", "text/xml"}
_PDF_TYPES = {"application/pdf", "application/x-pdf", "application/acrobat"}
READ_STEP = 1 << 20  # a payload is read (and inflated) a megabyte at a time


@dataclass(frozen=True)
class Capture:
    """One capture to extract: its fetches row, and where its payload is.

    The payload is either given (`payload`, for tests and replays) or read from the WARC
    record at `warc_offset` in `warc_path`, by the worker process that extracts it.
    """

    doc_id: str
    fetch_id: str
    firm: str
    kind: str
    url: str
    final_url: str | None
    content_type: str | None
    charset: str | None
    fetched_at: datetime
    archive_timestamp: datetime | None = None
    from_archive: bool = False
    source_year: int | None = None
    source_lang: str | None = None
    source_line: int = 0
    depth: int = 0
    outcome: str = "ok"
    warc_path: str | None = None
    warc_offset: int | None = None
    payload: bytes | None = None

    @property
    def captured_at(self) -> datetime:
        """The archive timestamp of an archive capture, else the fetch time."""
        if self.from_archive and self.archive_timestamp is not None:
            return self.archive_timestamp
        return self.fetched_at


# --- reading captures -------------------------------------------------------------------------

def _value(v):
    """A fetches cell as a plain Python value (None for pandas' missing markers)."""
    if v is None or v is pd.NaT:
        return None
    try:
        if pd.isna(v):
            return None
    except (TypeError, ValueError):
        pass
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    return v


def load_captures(fetches: pd.DataFrame, raw: str | Path) -> list[Capture]:
    """The captures to extract: the latest `ok` (or `not_modified`) attempt of each doc_id.

    Args:
        fetches: the scraper's fetches table (schema FETCHES).
        raw: the folder of fetches.parquet; `warc_file` paths are relative to it.

    Returns:
        One `Capture` per doc_id, in the table's order.
    """
    raw = Path(raw)
    rows = fetches[fetches["outcome"].isin(["ok", "not_modified"])]
    if rows.empty:
        return []
    # An ok attempt wins over a later not_modified one for the same doc_id (it holds the body).
    rows = rows.assign(_ok=rows["outcome"].eq("ok")).sort_values(
        ["_ok", "fetched_at"], kind="stable")
    rows = rows.drop_duplicates("doc_id", keep="last").sort_index()
    captures = []
    for rec in rows.to_dict("records"):
        rec = {k: _value(v) for k, v in rec.items()}
        warc = rec.get("warc_file")
        captures.append(Capture(
            doc_id=rec["doc_id"], fetch_id=rec["fetch_id"], firm=rec["firm"],
            kind=rec["kind"], url=rec["url"], final_url=rec.get("final_url"),
            content_type=rec.get("content_type"), charset=rec.get("charset"),
            fetched_at=rec["fetched_at"], archive_timestamp=rec.get("archive_timestamp"),
            from_archive=bool(rec.get("from_archive")),
            source_year=None if rec.get("source_year") is None else int(rec["source_year"]),
            source_lang=rec.get("source_lang"), outcome=rec["outcome"],
            source_line=int(rec.get("source_line") or 0), depth=int(rec.get("depth") or 0),
            warc_path=str(raw / warc) if warc else None,
            warc_offset=None if rec.get("warc_offset") is None else int(rec["warc_offset"]),
        ))
    return captures


def read_warc_payload(path: str, offset: int, max_bytes: int | None = None) -> bytes:
    """The payload of the response (or resource) record at `offset` in `path`.

    Its Content-Type is not read: the scraper copied it into the capture's fetches row. A
    payload the server compressed (Content-Encoding) comes back inflated, a step at a time.

    Args:
        path: the WARC file.
        offset: where the record starts.
        max_bytes: read no more than this (None: no limit).

    Raises:
        PayloadTooLarge: when the payload (inflated) holds more than `max_bytes`.
        ValueError: when no response or resource record starts at that offset.
        OSError: when the file cannot be read.
    """
    with warc.open_record(Path(path), offset) as record:
        if record.rec_type not in ("response", "resource"):
            raise ValueError(f"{path}: the record at offset {offset} is a '{record.rec_type}' "
                             f"record, not a response")
        try:
            return warc.read_payload(record, max_bytes, step=READ_STEP)
        except warc.PayloadTooLarge:
            raise
        except ValueError as exc:
            raise ValueError(f"{path}: the record at offset {offset}: {exc}") from None


def sniff_format(content_type: str | None, payload: bytes) -> str | None:
    """html, pdf, text, or None for a type this stage does not read.

    The bytes win over the declared type: a PDF served as `application/octet-stream` or an
    HTML page served as `text/plain` or as `application/pdf` is still read for what it is.
    """
    head = payload[:1024]
    if b"%PDF-" in head:
        return "pdf"
    ctype = (content_type or "").split(";")[0].strip().lower()
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:200].lower()
    if start.startswith((b"<!doctype html", b"<html")) or b"<html" in start \
            or b"<body" in start:
        return "html"
    if ctype in _PDF_TYPES:
        return "pdf"
    if ctype in _HTML_TYPES or start.startswith(b"<?xml"):
        return "html"
    if ctype == "text/plain":
        return "text"
    if not ctype and start.startswith(b"<"):
        return "html"
    return None

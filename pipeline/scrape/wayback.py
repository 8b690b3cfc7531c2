"""Web-archive lookups: the Wayback Machine's CDX API and its raw (`id_`) replay URLs.

For each year a source asks for, the scraper queries

    {wayback_url}/cdx/search/cdx?url=<url>&output=json&from=YYYY&to=YYYY
        &fl=timestamp,original,statuscode,mimetype&filter=statuscode:200

keeps the capture closest to July 1st of that year, and fetches the raw bytes from
`{wayback_url}/web/<timestamp>id_/<original>` (the `id_` flag asks for the page as it was
captured, without the archive's banner or rewritten links). Everything here is pure: URLs in,
URLs out.

    >>> caps = parse_cdx('[["timestamp","original","statuscode","mimetype"],'
    ...                  '["20160212000000","http://a.example/","200","text/html"],'
    ...                  '["20160815000000","http://a.example/","200","text/html"]]')
    >>> closest_to_midyear(caps, 2016).timestamp
    '20160815000000'
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlencode

TS_RE = re.compile(r"^\d{14}$")
REPLAY_RE = re.compile(r"/web/(\d{14})[a-z]{0,2}_?/(.+)$")
CDX_FIELDS = ("timestamp", "original", "statuscode", "mimetype")


@dataclass(frozen=True)
class Capture:
    """One row of a CDX answer."""

    timestamp: str  # 14 digits, UTC
    original: str
    status: str = "200"
    mimetype: str | None = None


def cdx_url(wayback_url: str, url: str, year: int) -> str:
    """The CDX query listing the 200 captures of `url` made during `year`."""
    query = urlencode({
        "url": url, "output": "json", "from": str(year), "to": str(year),
        "fl": ",".join(CDX_FIELDS), "filter": "statuscode:200",
    }, safe=":/,")
    return f"{wayback_url.rstrip('/')}/cdx/search/cdx?{query}"


def replay_url(wayback_url: str, timestamp: str, original: str) -> str:
    """The raw-capture URL of one capture (`id_`: bytes as archived, no banner)."""
    return f"{wayback_url.rstrip('/')}/web/{timestamp}id_/{original}"


def parse_replay_url(url: str) -> tuple[str, str] | None:
    """(timestamp, original URL) of a Wayback replay URL, or None for any other URL."""
    match = REPLAY_RE.search(url)
    if not match:
        return None
    return match.group(1), match.group(2)


class CdxError(ValueError):
    """The CDX answer is not what the API returns."""


def parse_cdx(text: str) -> list[Capture]:
    """Parse a CDX answer in `output=json` form (a header row, then one row a capture).

    An empty body or `[]` means no capture.

    Raises:
        CdxError: when the answer is not a JSON list of rows with a timestamp column.
    """
    text = text.strip()
    if not text:
        return []
    try:
        rows = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CdxError(f"CDX answer is not JSON: {exc}") from None
    if not isinstance(rows, list) or not rows:
        return []
    header = rows[0]
    if not isinstance(header, list) or "timestamp" not in header or "original" not in header:
        raise CdxError(f"CDX answer has no timestamp/original header row: {header!r:.100}")
    col = {name: i for i, name in enumerate(header)}
    captures = []
    for row in rows[1:]:
        ts = str(row[col["timestamp"]])
        if not TS_RE.match(ts):
            continue
        captures.append(Capture(
            timestamp=ts,
            original=str(row[col["original"]]),
            status=str(row[col["statuscode"]]) if "statuscode" in col else "200",
            mimetype=str(row[col["mimetype"]]) if "mimetype" in col else None,
        ))
    return captures


def timestamp_to_datetime(ts: str) -> datetime:
    """A 14-digit archive timestamp as an aware UTC datetime."""
    return datetime.strptime(ts, "%Y%m%d%H%M%S").replace(tzinfo=UTC)


def closest_to_midyear(captures: list[Capture], year: int) -> Capture | None:
    """The capture of `year` closest to July 1st, 00:00 UTC (the earlier one on a tie)."""
    target = datetime(year, 7, 1, tzinfo=UTC)
    in_year = [c for c in captures if c.timestamp.startswith(str(year)) and c.status == "200"]
    if not in_year:
        return None
    return min(in_year, key=lambda c: (abs(timestamp_to_datetime(c.timestamp) - target),
                                       c.timestamp))

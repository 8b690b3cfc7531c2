"""What a response says about itself: its content type (declared, and sniffed from its first
bytes), its decoded size, how long it asks us to wait, and which kind of failure an error is.

    >>> parse_content_type("text/HTML; charset=ISO-8859-1")
    ('text/html', 'iso-8859-1')
    >>> content_type_from_bytes("application/pdf", sniff_type(b"<!doctype html><html>"))
    'text/html'
"""

from __future__ import annotations

import email.utils
import socket
import ssl
from datetime import UTC, datetime
from urllib.parse import urlsplit

import httpx

from pipeline.warc import Inflater

HTML_LIKE = ("text/html", "application/xhtml+xml")
PDF_LIKE = ("application/pdf", "application/x-pdf", "application/acrobat")
GENERIC_TYPES = (None, "application/octet-stream", "binary/octet-stream")
INFLATE_STEP = 1 << 20  # a compressed body is inflated (to count it) at most 1 MiB at a time

def parse_content_type(value: str | None) -> tuple[str | None, str | None]:
    """(media type, charset) of a Content-Type header, both lower-cased."""
    if not value:
        return None, None
    media, *params = value.split(";")
    charset = None
    for param in params:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower() or None
    return media.strip().lower() or None, charset


def sniff_type(first_bytes: bytes) -> str | None:
    """HTML or PDF from a body's first bytes (None when they look like neither)."""
    head = first_bytes.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith(b"%pdf-"):
        return "application/pdf"
    if head.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<!--", b"<?xml")):
        return "text/html"
    return None


def content_type_from_bytes(declared: str | None, sniffed: str | None) -> str | None:
    """The media type to record: the declared one, unless the bytes say otherwise.

    A generic or missing type takes the sniffed one; for HTML vs PDF the bytes win over the
    header (servers mislabel both ways); anything else keeps its declared type.
    """
    if declared in GENERIC_TYPES:
        return sniffed
    if sniffed == "text/html" and declared in PDF_LIKE:
        return sniffed
    if sniffed == "application/pdf" and declared in HTML_LIKE:
        return sniffed
    return declared


class DecodedCounter:
    """Counts the decoded size of a gzip- or deflate-encoded body as it streams, inflating it a
    step at a time and keeping only its first bytes (for sniffing): a bomb is never inflated
    past `limit`.
    """

    def __init__(self, encoding: str, limit: int) -> None:
        self.limit = limit
        self.inflater = Inflater(encoding)
        self.n_bytes = 0
        self.head = b""

    @property
    def over(self) -> bool:
        return self.n_bytes > self.limit

    def feed(self, data: bytes) -> None:
        for piece in self.inflater.inflate(data, INFLATE_STEP):
            self.n_bytes += len(piece)
            if len(self.head) < 1024:
                self.head += piece[: 1024 - len(self.head)]
            if self.over:
                return


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (a number, or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def classify_error(exc: Exception, url: str, *, connect_timeout: float, read_timeout: float
                   ) -> tuple[str, str, bool]:
    """(outcome, message, worth retrying) for an exception raised by httpx."""
    host = urlsplit(url).netloc
    if isinstance(exc, httpx.TimeoutException):
        kind = {httpx.ConnectTimeout: "connect", httpx.ReadTimeout: "read",
                httpx.WriteTimeout: "write", httpx.PoolTimeout: "pool"}.get(type(exc), "")
        limit = connect_timeout if kind == "connect" else read_timeout
        return "timeout", f"{kind} timeout ({limit:g} s) from {host}", True
    causes: list[BaseException] = []
    cause: BaseException | None = exc
    while cause is not None and len(causes) < 10:
        causes.append(cause)
        cause = cause.__cause__ or cause.__context__
    if any(isinstance(c, socket.gaierror) for c in causes):
        return "dns_error", f"DNS lookup failed for {urlsplit(url).hostname}", False
    if any(isinstance(c, ConnectionRefusedError) for c in causes):
        return "network_error", f"connection refused by {host}", False
    if any(isinstance(c, ssl.SSLError) for c in causes):
        return "network_error", f"TLS error with {host}: {causes[-1]}", False
    if isinstance(exc, httpx.ConnectError):
        return "network_error", f"cannot connect to {host}: {exc}", False
    if isinstance(exc, (httpx.ReadError, httpx.WriteError, httpx.RemoteProtocolError)):
        return "network_error", f"connection to {host} broken: {exc or type(exc).__name__}", True
    return "network_error", f"{type(exc).__name__}: {exc}", False

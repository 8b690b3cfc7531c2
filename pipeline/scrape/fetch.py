"""Polite asynchronous HTTP fetching (httpx) that streams every response into a WARC file.

One `Fetcher` serves a whole run. For every URL it:

- obeys robots.txt (RFC 9309 matching, see `pipeline.robots`) and its Crawl-delay;
- waits its turn on the host: at least `delay` seconds between two requests to one host
  (scheme, host and port), or the Crawl-delay if longer;
- sends our User-Agent (with a contact address, from params) and `Accept-Encoding: identity`,
  so the archived bytes are the document itself;
- retries timeouts, dropped connections, 429 and 5xx with exponential back-off, honouring
  Retry-After (up to `max_retry_wait`);
- follows redirects itself, up to `max_redirects`, stopping at the first loop, and archives
  every hop;
- streams the body through a spooled temporary file into the WARC file, cutting it at
  `max_bytes` (recorded as `too_large`, the WARC record marked `WARC-Truncated: length`):
  a body is never held whole in memory. A body the server compressed anyway
  (Content-Encoding gzip or deflate) is inflated as it streams, a megabyte at a time, only to
  count it: past `max_decoded_bytes` it is cut off too (a decompression bomb is `too_large`,
  never inflated further);
- gives each request `request_deadline` seconds in all (robots.txt included), however
  slowly its bytes drip in: the read timeout only bounds the silence between two bytes;
- refuses content types other than HTML and PDF without downloading them, and trusts the
  bytes over the declared type for HTML vs PDF (an HTML page served as `application/pdf`
  is recorded as `text/html`);
- records a body shorter than its Content-Length (the server hung up) as `truncated`, the
  part received archived with `WARC-Truncated: disconnect`;
- archives the response headers byte for byte as received.

Failures never raise: every fetch returns a `FetchResult` whose `outcome` says what happened
(`ok`, `not_modified`, `http_error`, `timeout`, `dns_error`, `network_error`, `too_large`,
`truncated`, `robots_disallowed`, `unsupported_type`, `redirect_loop`,
`too_many_redirects`).

Concurrency limits (all hosts together, and per host) are the caller's: the scraper's frontier
hands a URL to a worker only when its host has a free slot.
"""

from __future__ import annotations

import asyncio
import logging
import re
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from pipeline.scrape import robots as robots_mod
from pipeline.scrape.crawl import normalise_url, origin
from pipeline.scrape.responses import (
    GENERIC_TYPES,
    DecodedCounter,
    classify_error,
    content_type_from_bytes,
    parse_content_type,
    retry_after_seconds,
    sniff_type,
)
from pipeline.warc import (
    INFLATED_ENCODINGS,
    BodyDigests,
    WarcWriter,
    response_headers,
)

log = logging.getLogger(__name__)

SPOOL_BYTES = 1 << 20  # a body stays in memory up to 1 MiB, then spills to a temporary file
ROBOTS_MAX_BYTES = 512 * 1024  # RFC 9309: parse at least the first 500 KiB
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Outcomes whose (possibly partial) body `keep_body` hands back: robots.txt reads what came.
KEPT_BODIES = ("ok", "too_large", "truncated")
# Failures whose message says how many attempts were made.
RETRIED_FAILURES = ("http_error", "timeout", "network_error", "dns_error", "truncated")


@dataclass(frozen=True)
class FetchSettings:
    """The fetching keys of the `scrape:` params block (see params.yaml for each)."""

    user_agent: str
    concurrency: int = 8
    per_host: int = 2
    delay: float = 1.0
    obey_robots: bool = True
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_wait: float = 300.0
    max_redirects: int = 10
    max_bytes: int = 50 * 1024 * 1024
    max_decoded_bytes: int = 50 * 1024 * 1024
    request_deadline: float = 120.0
    accept_types: tuple[str, ...] = ("text/html", "application/xhtml+xml", "application/pdf")

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> FetchSettings:
        """Take the keys this class knows from a params block; complain about bad values."""
        known = {k: params[k] for k in cls.__dataclass_fields__ if k in params}
        if "accept_types" in known:
            known["accept_types"] = tuple(str(t).lower() for t in known["accept_types"])
        settings = cls(**known)
        if not re.search(r"@|https?://", settings.user_agent or ""):
            raise ValueError("scrape.user_agent must name the crawler and give a contact "
                             "(e.g. 'mystudy/1.0 (+mailto:me@univ.example)' or a web page)")
        for name in ("concurrency", "per_host", "max_bytes", "max_decoded_bytes"):
            if getattr(settings, name) < 1:
                raise ValueError(f"scrape.{name} must be at least 1")
        if not settings.request_deadline > 0:
            raise ValueError("scrape.request_deadline must be a positive number of seconds")
        return settings


@dataclass
class FetchResult:
    """What became of one URL (one row of the fetches table, minus the source's fields)."""

    url: str
    outcome: str
    final_url: str | None = None
    status: int | None = None
    error: str | None = None
    content_type: str | None = None
    charset: str | None = None
    n_bytes: int = 0
    sha256: str | None = None
    warc_file: str | None = None
    warc_offset: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    n_attempts: int = 0
    fetched_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    body: Any = None  # the payload (a spooled file at position 0) when asked to keep it

    def close(self) -> None:
        if self.body is not None:
            self.body.close()
            self.body = None


class _HostGate:
    """Spaces the requests to one host: a new one starts at least `delay` s after the last."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.next_at = 0.0
        self.last_at: float | None = None  # when the last request started
        self.lock = asyncio.Lock()

    async def turn(self) -> None:
        async with self.lock:
            # Again after each sleep: asyncio may wake a timer up to its clock's resolution
            # early, and a Crawl-delay read meanwhile may have moved next_at on.
            while (wait := self.next_at - time.monotonic()) > 0:
                await asyncio.sleep(wait)
            self.last_at = time.monotonic()
            self.next_at = self.last_at + self.delay

    def slow_down(self, delay: float) -> None:
        """Space requests by `delay` from now on, counting from the request that started last
        (so the request after robots.txt already waits a new Crawl-delay)."""
        self.delay = delay
        if self.last_at is not None:
            self.next_at = max(self.next_at, self.last_at + delay)


class PerHostTransport(httpx.AsyncBaseTransport):
    """One small connection pool per host instead of one pool for all hosts.

    httpcore scans every pooled connection each time a request starts or ends, so with one
    pool over many hosts the bookkeeping grows with the number of hosts; a crawl touches many.
    The pools share one TLS context (making one costs as much as fetching a page), and idle
    connections close after `keepalive_expiry` seconds.
    """

    def __init__(self, per_host: int, keepalive_expiry: float = 5.0) -> None:
        self._ssl = httpx.create_ssl_context()
        self._limits = httpx.Limits(max_connections=per_host,
                                    max_keepalive_connections=per_host,
                                    keepalive_expiry=keepalive_expiry)
        self._pools: dict[tuple[bytes, bytes, int | None], httpx.AsyncHTTPTransport] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        key = (request.url.raw_scheme, request.url.raw_host, request.url.port)
        pool = self._pools.get(key)
        if pool is None:
            pool = self._pools[key] = httpx.AsyncHTTPTransport(verify=self._ssl,
                                                               limits=self._limits)
        return await pool.handle_async_request(request)

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()


class Fetcher:
    """Fetches URLs politely and archives every response in `warc`.

    Use as an async context manager (it owns the httpx client):

        async with Fetcher(settings, warc) as fetcher:
            result = await fetcher.fetch("https://acme.example/ville")
    """

    def __init__(self, settings: FetchSettings, warc: WarcWriter | None) -> None:
        self.settings = settings
        self.warc = warc
        self._client: httpx.AsyncClient | None = None
        self._gates: dict[str, _HostGate] = {}
        self._robots: dict[str, robots_mod.RobotsRules] = {}
        self._robots_locks: dict[str, asyncio.Lock] = {}

    async def __aenter__(self) -> Fetcher:
        s = self.settings
        self._client = httpx.AsyncClient(
            headers={"User-Agent": s.user_agent, "Accept-Encoding": "identity",
                     "Accept": "text/html,application/xhtml+xml,application/pdf;q=0.9,"
                               "*/*;q=0.1"},
            timeout=httpx.Timeout(connect=s.connect_timeout, read=s.read_timeout,
                                  write=s.read_timeout, pool=None),
            follow_redirects=False,
            # per_host + 1: a redirect or robots.txt request may overlap the host's own slots
            transport=PerHostTransport(s.per_host + 1),
        )
        return self

    async def __aexit__(self, *exc_info) -> None:
        if self._client is not None:
            await self._client.aclose()

    # --- politeness ------------------------------------------------------------------------

    def gate(self, url: str) -> _HostGate:
        key = origin(url)
        if key not in self._gates:
            self._gates[key] = _HostGate(self.settings.delay)
        return self._gates[key]

    def gate_ready_at(self, host: str) -> float:
        """Monotonic time at which a host (an `origin`) may receive its next request."""
        gate = self._gates.get(host)
        return gate.next_at if gate is not None else 0.0

    async def robots(self, url: str) -> robots_mod.RobotsRules:
        """The robots.txt rules of a URL's host, fetched once per run (and archived).

        A missing robots.txt (4xx) allows everything; a server error (5xx, 429) disallows
        everything, as RFC 9309 asks; a host that cannot be reached (or whose robots.txt takes
        longer than `request_deadline`) is allowed here, so the page's own fetch reports why it
        failed. A Crawl-delay applies from the request after robots.txt on.
        """
        key = origin(url)
        if key in self._robots:
            return self._robots[key]
        lock = self._robots_locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key in self._robots:
                return self._robots[key]
            parts = urlsplit(url)
            robots_url = f"{parts.scheme}://{parts.netloc}/robots.txt"
            result = await self.fetch(robots_url, check_robots=False, keep_body=True,
                                      accept=None, max_bytes=ROBOTS_MAX_BYTES,
                                      max_redirects=5)
            try:
                if result.outcome in KEPT_BODIES and result.body is not None:
                    text = result.body.read().decode("utf-8", errors="replace")
                    rules = robots_mod.parse_robots(text, self.settings.user_agent)
                elif result.status is not None and (result.status >= 500
                                                    or result.status == 429):
                    rules = robots_mod.RobotsRules(
                        disallow_all=True,
                        note=f"robots.txt unreachable (HTTP {result.status}): RFC 9309 says "
                             f"assume everything is disallowed")
                else:
                    rules = robots_mod.ALLOW_ALL
            finally:
                result.close()
            if rules.crawl_delay and rules.crawl_delay > self.gate(url).delay:
                log.info("%s asks for a Crawl-delay of %g s", key, rules.crawl_delay)
                self.gate(url).slow_down(rules.crawl_delay)
            self._robots[key] = rules
            return rules

    # --- fetching --------------------------------------------------------------------------

    async def fetch(self, url: str, *, headers: dict[str, str] | None = None,
                    check_robots: bool = True, keep_body: bool = False,
                    accept: tuple[str, ...] | bool | None = True, max_bytes: int | None = None,
                    max_redirects: int | None = None) -> FetchResult:
        """Fetch a URL, following redirects, and archive every response.

        Args:
            url: the URL to ask for.
            headers: extra request headers for the first request (e.g. If-None-Match).
            check_robots: obey robots.txt (when the settings say so) on every hop.
            keep_body: return the payload of a 2xx response in `result.body` (the caller
                closes it); otherwise it is closed once archived.
            accept: media types accepted (True: the settings' accept_types; None: any).
            max_bytes: size limit of the body (default: the settings').
            max_redirects: redirect limit (default: the settings').

        Returns:
            The result; `outcome` says what happened, nothing is raised.
        """
        s = self.settings
        accept_types = s.accept_types if accept is True else (accept or None)
        limit = max_redirects if max_redirects is not None else s.max_redirects
        chain = [url]
        current = url
        attempts = 0
        request_headers = dict(headers or {})
        result = FetchResult(url=url, outcome="network_error")
        for _hop in range(limit + 1):
            if check_robots and s.obey_robots:
                rules = await self.robots(current)
                if not rules.allowed(current):
                    why = rules.note or f"robots.txt of {urlsplit(current).netloc} disallows it"
                    where = "" if current == url else f" (redirected to {current})"
                    return FetchResult(url=url, final_url=current, outcome="robots_disallowed",
                                       error=why + where, n_attempts=attempts)
            result = await self._get(url, current, request_headers, accept_types,
                                     max_bytes or s.max_bytes, keep_body)
            attempts += result.n_attempts
            result.n_attempts = attempts
            if result.outcome != "redirect":
                return result
            location = result.error or ""
            target = urljoin(current, location)
            if urlsplit(target).scheme not in ("http", "https"):
                result.outcome = "http_error"
                result.error = f"redirect to a non-web address {location!r}"
                return result
            if normalise_url(target) in {normalise_url(u) for u in chain}:
                result.outcome = "redirect_loop"
                result.error = "redirect loop: " + " → ".join([*chain, target])
                return result
            chain.append(target)
            current = target
            # Conditional headers belong to the URL we asked for, not to where it moved.
            request_headers = {}
        result.outcome = "too_many_redirects"
        result.error = f"more than {limit} redirects: " + " → ".join(chain)
        return result

    async def _get(self, url: str, current: str, headers: dict[str, str],
                   accept_types: tuple[str, ...] | None, max_bytes: int,
                   keep_body: bool) -> FetchResult:
        """One hop: GET `current` with retries; read, archive and describe its response.

        A redirect comes back with outcome `redirect` and its Location in `error`.
        """
        assert self._client is not None, "use Fetcher as an async context manager"
        s = self.settings
        gate = self.gate(current)
        attempt = 0
        while True:
            attempt += 1
            last = attempt > s.retries
            await gate.turn()
            try:
                async with asyncio.timeout(s.request_deadline):
                    outcome = await self._attempt(url, current, headers, accept_types,
                                                  max_bytes, keep_body, last)
            except TimeoutError:
                # Not retried: a server that drips its bytes would only drip them again.
                return FetchResult(
                    url=url, final_url=current, outcome="timeout", n_attempts=attempt,
                    error=_with_attempts(f"no complete answer within request_deadline "
                                         f"({s.request_deadline:g} s) from "
                                         f"{urlsplit(current).netloc}", attempt))
            if isinstance(outcome, FetchResult):
                outcome.n_attempts = attempt
                if outcome.outcome in RETRIED_FAILURES:
                    outcome.error = _with_attempts(outcome.error or "", attempt)
                return outcome
            retry_after, why = outcome
            await self._backoff(attempt, retry_after, current, why)

    async def _attempt(self, url: str, current: str, headers: dict[str, str],
                       accept_types: tuple[str, ...] | None, max_bytes: int, keep_body: bool,
                       last: bool) -> FetchResult | tuple[float | None, str]:
        """One request: its result, or (Retry-After, why) when it is worth another try."""
        assert self._client is not None
        s = self.settings
        try:
            request = self._client.build_request("GET", current, headers=headers)
            response = await self._client.send(request, stream=True)
        except (httpx.HTTPError, OSError) as exc:
            outcome, message, retry = classify_error(
                exc, current, connect_timeout=s.connect_timeout, read_timeout=s.read_timeout)
            if retry and not last:
                return None, message
            return FetchResult(url=url, final_url=current, outcome=outcome, error=message)
        fetched_at = datetime.now(UTC)
        try:
            status = response.status_code
            if (status == 429 or status >= 500) and not last:
                wait = retry_after_seconds(response.headers.get("Retry-After"))
                if wait is None or wait <= s.max_retry_wait:
                    return wait, f"HTTP {status}"
            try:
                result = await self._read(response, url, current, fetched_at, accept_types,
                                          max_bytes, keep_body)
            except (httpx.HTTPError, OSError) as exc:
                outcome, message, retry = classify_error(
                    exc, current, connect_timeout=s.connect_timeout,
                    read_timeout=s.read_timeout)
                if retry and not last:
                    return None, message + " mid-body"
                return FetchResult(url=url, final_url=current, status=status,
                                   outcome=outcome, error=message + " while reading the body")
        finally:
            await response.aclose()
        if result.outcome == "truncated" and not last:
            result.close()
            return None, result.error or "body cut short"
        if status == 429 or status >= 500:
            wait = retry_after_seconds(response.headers.get("Retry-After"))
            if wait is not None and wait > s.max_retry_wait:
                result.error = (f"{result.error}; Retry-After of {wait:g} s is longer than "
                                f"max_retry_wait ({s.max_retry_wait:g} s)")
        return result

    async def _backoff(self, attempt: int, retry_after: float | None, url: str,
                       why: str) -> None:
        wait = self.settings.backoff * 2 ** (attempt - 1)
        if retry_after is not None:
            wait = retry_after  # the server knows best when it will be ready
        log.info("%s: %s; retry %d/%d in %.2g s", url, why, attempt, self.settings.retries,
                 wait)
        await asyncio.sleep(wait)

    async def _read(self, response: httpx.Response, url: str, current: str,
                    fetched_at: datetime, accept_types: tuple[str, ...] | None,
                    max_bytes: int, keep_body: bool) -> FetchResult:
        s = self.settings
        status = response.status_code
        media, charset = parse_content_type(response.headers.get("Content-Type"))
        result = FetchResult(
            url=url, final_url=current, status=status, outcome="ok", fetched_at=fetched_at,
            content_type=media, charset=charset, etag=response.headers.get("ETag"),
            last_modified=response.headers.get("Last-Modified"))
        location = response.headers.get("Location")
        redirect = status in REDIRECT_STATUSES and bool(location)
        sniff = media in GENERIC_TYPES
        if (200 <= status < 300 and accept_types is not None and not sniff
                and media not in accept_types):
            result.outcome = "unsupported_type"
            result.error = f"content type {media} is neither HTML nor PDF (not downloaded)"
            return result

        reason = response.extensions.get("reason_phrase")
        http_headers = response_headers(
            status, reason if isinstance(reason, bytes) else response.reason_phrase,
            response.headers.raw, protocol=response.http_version)
        digests = BodyDigests(http_headers)
        encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
        inflater = (DecodedCounter(encoding, s.max_decoded_bytes)
                    if encoding in INFLATED_ENCODINGS else None)
        declared = response.headers.get("Content-Length", "")
        # A 304 or 204 has no body whatever its Content-Length says; a redirect's is unread.
        has_body = 200 <= status < 300 and status != 204
        expected = int(declared) if declared.isdigit() and has_body else None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115
        handed_over = False  # the caller closes a kept body
        try:
            truncated: str | None = None  # the WARC-Truncated reason, when cut
            cut_short = None
            if status != 304:
                try:
                    async for chunk in response.aiter_raw():
                        room = max_bytes - digests.n_bytes
                        if len(chunk) > room:
                            chunk = chunk[:room]
                            truncated = "length"
                        if chunk:
                            spool.write(chunk)
                            digests.update(chunk)
                            if inflater is not None:
                                inflater.feed(chunk)
                                if inflater.over:
                                    truncated = "length"
                        if truncated:
                            break
                except (httpx.RemoteProtocolError, httpx.ReadError) as exc:
                    if not digests.n_bytes:
                        raise  # nothing came: a dropped connection, retried as such
                    cut_short = exc
            if (truncated is None and expected is not None and encoding in ("", "identity")
                    and digests.n_bytes < expected) or cut_short is not None:
                truncated = "disconnect"
            if 200 <= status < 300 and truncated != "disconnect":
                spool.seek(0)
                head = inflater.head if inflater is not None else spool.read(1024)
                sniffed = sniff_type(head)
                if sniff and accept_types is not None and (sniffed is None
                                                           or sniffed not in accept_types):
                    result.outcome = "unsupported_type"
                    result.error = (f"content type {media or '(none)'} and the first bytes "
                                    f"look like neither HTML nor PDF")
                    return result
                result.content_type = content_type_from_bytes(media, sniffed)
                if result.content_type != media and not sniff:
                    log.info("%s: served as %s, but its bytes are %s", current, media,
                             result.content_type)
            result.n_bytes = digests.n_bytes
            result.sha256 = digests.sha256
            if self.warc is not None:
                spool.seek(0)
                request = response.request
                target = request.url.raw_path.decode("ascii", errors="replace")
                result.warc_file, result.warc_offset = self.warc.write_response(
                    url=current, date=fetched_at, http_headers=http_headers, payload=spool,
                    digests=digests, truncated=truncated,
                    request_line=f"GET {target} {response.http_version or 'HTTP/1.1'}",
                    request_headers=[(k.decode("latin-1"), v.decode("latin-1"))
                                     for k, v in request.headers.raw],
                    ip_address=_peer_address(response))
            if redirect:
                result.outcome = "redirect"
                result.error = location
            elif truncated == "disconnect" and 200 <= status < 300:
                result.outcome = "truncated"
                of = f" of {expected}" if expected is not None else ""
                result.error = (f"body cut short: {digests.n_bytes}{of} bytes came before the "
                                f"server closed the connection")
            elif truncated == "length" and inflater is not None and inflater.over:
                result.outcome = "too_large"
                result.error = (f"{encoding} body inflates past max_decoded_bytes "
                                f"({s.max_decoded_bytes} bytes; {digests.n_bytes} bytes "
                                f"received): cut off, never decoded whole")
            elif truncated == "length":
                result.outcome = "too_large"
                result.error = f"body larger than max_bytes ({max_bytes} bytes): cut off"
            elif status == 304:
                result.outcome = "not_modified"
            elif not 200 <= status < 300:
                result.outcome = "http_error"
                result.error = f"HTTP {status} {response.reason_phrase}".strip()
            if keep_body and result.outcome in KEPT_BODIES:
                spool.seek(0)
                result.body, handed_over = spool, True
            return result
        finally:
            if not handed_over:
                spool.close()


def _with_attempts(message: str, attempts: int) -> str:
    return f"{message} (after {attempts} attempts)" if attempts > 1 else message


def _peer_address(response: httpx.Response) -> str | None:
    stream = response.extensions.get("network_stream")
    try:
        address = stream.get_extra_info("server_addr") if stream is not None else None
    except Exception:  # transports differ; the address is a nicety
        return None
    return str(address[0]) if address else None

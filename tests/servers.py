"""Local HTTP servers for the scraper's tests: a site that misbehaves on purpose, on 127.0.0.1.

`fault_server()` serves a small site whose paths each show one fault (404, 410, a 500 then
success, 429 with Retry-After, a stall past the read timeout, a redirect loop, a body larger
than the limit, robots.txt rules, an image, a wrong or missing charset, conditional requests),
and counts the requests each path receives, so a test can assert that nothing was fetched
twice.

    with fault_server() as server:
        server.url("/ok.html"), server.hits["/ok.html"]
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Route = Callable[[BaseHTTPRequestHandler], None]

PAGE = ("<!DOCTYPE html><html lang=\"fr\"><head><title>{title}</title></head><body>"
        "<h1>{title}</h1><p>La ville de demain se construit avec les habitants.</p>"
        "{links}</body></html>")


def page(title: str, links: list[str] = ()) -> bytes:
    """A small HTML page linking to `links`."""
    anchors = "".join(f'<a href="{href}">{href}</a> ' for href in links)
    return PAGE.format(title=title, links=anchors).encode("utf-8")


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"",
         headers: dict[str, str] | None = None) -> None:
    """Write a whole response (Content-Length set; a Content-Type unless told otherwise)."""
    headers = {"Content-Type": "text/html; charset=utf-8", **(headers or {})}
    handler.send_response(status)
    for key, value in headers.items():
        if value is not None:
            handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class FaultServer:
    """A threaded server on 127.0.0.1 with one route per path, counting hits per path."""

    def __init__(self, routes: dict[str, Route]) -> None:
        self.routes = dict(routes)
        self.hits: Counter = Counter()
        self.requests: list[tuple[str, dict[str, str]]] = []  # (path, headers) in order
        self.timed: list[tuple[str, dict[str, str], float]] = []  # ... and monotonic time
        self.stop = threading.Event()  # wakes stalled handlers at shutdown
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                with server._lock:
                    server.hits[path] += 1
                    server.requests.append((self.path, dict(self.headers.items())))
                    server.timed.append((path, dict(self.headers.items()), time.monotonic()))
                route = server.routes.get(path)
                if route is None:
                    prefix = next((p for p in server.routes if p.endswith("*")
                                   and path.startswith(p[:-1])), None)
                    route = server.routes.get(prefix) if prefix else None
                try:
                    if route is None:
                        send(self, 404, b"<html><body>not found</body></html>")
                    else:
                        route(self)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client hung up (size cap, timeout)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def start(self) -> FaultServer:
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@contextmanager
def serve(routes: dict[str, Route]) -> Iterator[FaultServer]:
    """Start a `FaultServer` with these routes for the length of a `with` block."""
    server = FaultServer(routes).start()
    try:
        yield server
    finally:
        server.close()



def gate_starts(monkeypatch) -> list[float]:
    """The times (`time.monotonic`) at which the scraper's politeness gates let requests go,
    as each gate records them, in the order they went; filled while a scrape runs.

    The delay spaces these starts. The server's arrival times cannot show it on their own: a
    request's way from the gate to the server's handler thread (a new connection, a busy
    machine, the GIL) takes longer for one request than for the next, so two arrivals can be
    closer than their starts. Each arrival comes after its own start (one clock, one process),
    which is what ties a server's arrivals to these starts.
    """
    from pipeline.scrape import fetch

    starts: list[float] = []
    real = fetch._HostGate.turn

    async def turn(gate) -> None:
        await real(gate)
        assert gate.last_at is not None
        starts.append(gate.last_at)

    monkeypatch.setattr(fetch._HostGate, "turn", turn)
    return starts


def assert_spaced(starts: list[float], arrivals: list[float], delay: float) -> None:
    """Requests went `delay` s apart, and the server received exactly those requests.

    Nothing here depends on how fast the machine is: the starts are checked against each
    other, and the k-th arrival against the k-th start (each request arrives after it
    started); a request that skipped the gate would be one arrival too many.
    """
    assert len(arrivals) == len(starts), (arrivals, starts)
    assert all(a >= s for s, a in zip(sorted(starts), sorted(arrivals), strict=True))
    pairs = list(itertools.pairwise(starts))
    assert all(b >= a + delay for a, b in pairs), [b - a for a, b in pairs]


# --- the faults ------------------------------------------------------------------------------

def static(body: bytes, status: int = 200, headers: dict[str, str] | None = None) -> Route:
    return lambda h: send(h, status, body, headers)


def redirect(location: str, status: int = 302) -> Route:
    return lambda h: send(h, status, b"", {"Location": location})


def fail_then(failures: list[tuple[int, dict[str, str]]], body: bytes) -> Route:
    """Answer each (status, headers) of `failures` once, in order, then 200 with `body`."""
    remaining = list(failures)
    lock = threading.Lock()

    def route(h: BaseHTTPRequestHandler) -> None:
        with lock:
            failure = remaining.pop(0) if remaining else None
        if failure:
            send(h, failure[0], b"<html><body>try again</body></html>", failure[1])
        else:
            send(h, 200, body)
    return route


def stall(server_stop: Callable[[], threading.Event], seconds: float) -> Route:
    """Send nothing for `seconds` (or until the server stops), then a page."""
    def route(h: BaseHTTPRequestHandler) -> None:
        server_stop().wait(seconds)
        send(h, 200, page("late"))
    return route


def huge(n_bytes: int, chunk: int = 64 * 1024) -> Route:
    """An HTML page of `n_bytes`, streamed in chunks (as a big report would be)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/html; charset=utf-8")
        h.send_header("Content-Length", str(n_bytes))
        h.end_headers()
        sent = 0
        block = b"<p>" + b"x" * (chunk - 7) + b"</p>\n"
        while sent < n_bytes:
            part = block[: n_bytes - sent]
            h.wfile.write(part)
            sent += len(part)
    return route


def conditional(body: bytes, etag: str, modified: datetime) -> Route:
    """A page that answers 304 to a matching If-None-Match or If-Modified-Since."""
    stamp = format_datetime(modified, usegmt=True)

    def route(h: BaseHTTPRequestHandler) -> None:
        headers = {"ETag": etag, "Last-Modified": stamp}
        if h.headers.get("If-None-Match") == etag or (
                h.headers.get("If-Modified-Since")
                and parsedate_to_datetime(h.headers["If-Modified-Since"]) >= modified):
            h.send_response(304)
            for key, value in headers.items():
                h.send_header(key, value)
            h.end_headers()
            return
        send(h, 200, body, headers)
    return route


def slow(seconds: float, body: Callable[[str], bytes]) -> Route:
    """Pages that each take `seconds` to come (to catch a run half-way)."""
    def route(h: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        send(h, 200, body(h.path))
    return route


def gzip_bomb(n_bytes: int) -> bytes:
    """A gzip body of zeros that inflates to `n_bytes` (about a thousandth of that on the wire)."""
    import zlib

    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(b"<!DOCTYPE html><html><body><p>")]
    parts += [packer.compress(block) for _ in range(n_bytes >> 20)]
    return b"".join([*parts, packer.flush()])


def encoded(body: bytes, encoding: str = "gzip", content_type: str = "text/html") -> Route:
    """A body sent with a Content-Encoding, whatever the client asked for."""
    return static(body, headers={"Content-Type": content_type, "Content-Encoding": encoding})


def drip(server_stop: Callable[[], threading.Event], every: float, n_bytes: int = 10_000,
         content_type: str = "text/html") -> Route:
    """A byte every `every` seconds (just inside the read timeout), `n_bytes` announced."""
    def route(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(n_bytes))
        h.end_headers()
        for _ in range(n_bytes):
            if server_stop().wait(every):
                return
            h.wfile.write(b"x")
            h.wfile.flush()
    return route


def short_body(body: bytes, declared: int, status: int = 200) -> Route:
    """Announce `declared` bytes, send `body` (fewer), and hang up."""
    def route(h: BaseHTTPRequestHandler) -> None:
        import socket

        h.send_response(status)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", str(declared))
        h.end_headers()
        h.wfile.write(body)
        h.wfile.flush()
        h.close_connection = True
        h.connection.shutdown(socket.SHUT_RDWR)
    return route


def fault_routes(server_stop: Callable[[], threading.Event], *, stall_seconds: float = 3.0,
                 huge_bytes: int = 2_000_000) -> dict[str, Route]:
    """The routes of the fault catalogue, one fault a path."""
    latin1 = ("<html><head><title>Énergie</title></head><body><p>Les collectivités et "
              "leurs élus.</p></body></html>").encode("latin-1")
    return {
        "/robots.txt": static(b"User-agent: *\nDisallow: /private/\n",
                              headers={"Content-Type": "text/plain"}),
        "/ok.html": static(page("ok")),
        "/private/secret.html": static(page("secret")),
        "/gone-404.html": static(b"<html>missing</html>", 404),
        "/gone-410.html": static(b"<html>gone</html>", 410),
        "/flaky.html": fail_then([(500, {})], page("flaky, then fine")),
        "/busy.html": fail_then([(429, {"Retry-After": "1"})], page("busy, then fine")),
        "/busy-for-an-hour.html": static(b"<html>later</html>", 429, {"Retry-After": "3600"}),
        "/broken.html": static(b"<html>error</html>", 503),
        "/stall.html": stall(server_stop, stall_seconds),
        "/loop-a.html": redirect("/loop-b.html"),
        "/loop-b.html": redirect("/loop-a.html"),
        "/moved.html": redirect("/ok.html", 301),
        "/huge.html": huge(huge_bytes),
        "/image.png": static(b"\x89PNG\r\n\x1a\n" + b"\0" * 100,
                             headers={"Content-Type": "image/png"}),
        "/wrong-charset.html": static(latin1,
                                      headers={"Content-Type": "text/html; charset=utf-8"}),
        "/no-charset.html": static(latin1, headers={"Content-Type": "text/html"}),
        "/no-type.html": static(page("no type"), headers={"Content-Type": None}),
        "/report.pdf": static(b"%PDF-1.4\n% a tiny PDF\n%%EOF\n",
                              headers={"Content-Type": "application/octet-stream"}),
        "/etag.html": conditional(page("stable"), '"v1"', datetime(2020, 1, 1, tzinfo=UTC)),
    }


@contextmanager
def fault_server(**kwargs) -> Iterator[FaultServer]:
    """A `FaultServer` with the fault catalogue (see `fault_routes`)."""
    server = FaultServer({})
    server.routes.update(fault_routes(lambda: server.stop, **kwargs))
    server.start()
    try:
        yield server
    finally:
        server.close()


# --- running the stage -----------------------------------------------------------------------

FAST_PARAMS = {
    "user_agent": "city-discourse-test/0.1 (+mailto:tests@example.org)",
    "concurrency": 8, "per_host": 4, "delay": 0.0, "obey_robots": True,
    "connect_timeout": 0.5, "read_timeout": 0.3, "retries": 2, "backoff": 0.01,
    "max_retry_wait": 5.0, "max_redirects": 5, "max_bytes": 100_000,
    "accept_types": ["text/html", "application/xhtml+xml", "application/pdf"],
    "warc_max_bytes": 1 << 30, "wayback_url": "http://127.0.0.1:9",
}


def write_project(folder, sources: str, **params):
    """Write sources.txt and a params.yaml (fast test settings + `params`) into `folder`."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sources.txt").write_text(sources, encoding="utf-8")
    (folder / "params.yaml").write_text(
        yaml.safe_dump({"scrape": {**FAST_PARAMS, **params}}), encoding="utf-8")
    return folder / "sources.txt", folder / "params.yaml"


def run_scrape(folder, sources: str, *extra: str, **params):
    """Run the scrape stage in-process on `folder`; return (exit status, fetches DataFrame)."""
    from pipeline import schemas
    from pipeline.io import read_table
    from pipeline.scrape import stage as scrape

    src, prm = write_project(folder, sources, **params)
    status = scrape.main(["--sources", str(src), "--params", str(prm),
                          "--out", str(folder / "raw"), *extra])
    fetches = folder / "raw" / "fetches.parquet"
    table = read_table(fetches, schemas.FETCHES) if fetches.exists() else None
    return status, table

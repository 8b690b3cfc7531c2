"""A local web site and a fake Wayback Machine, served from a folder on 127.0.0.1.

Serves `<site>/live/<path>` at `/<path>`, and answers the two web-archive calls the scraper
makes from `<site>/archive/<YYYYMMDDhhmmss>/<path>`:

- `/cdx/search/cdx?url=<url>&output=json&from=YYYY&to=YYYY&fl=...`: the captures of that URL
  (matched by its path; scheme and host are ignored), as the real CDX API answers;
- `/web/<timestamp>id_/<original url>`: the bytes of that capture (a redirect to the nearest
  capture when the timestamp is not exact, as the real archive does).

Used by `make demo` (the bundled demo site) and by the scraper's tests.

    with serve_site("demo/site") as base_url:
        ...  # sources point at f"{base_url}/...", params at wayback_url: base_url

    $ python -m demo.server demo/site     # serve until Ctrl-C
"""

from __future__ import annotations

import argparse
import json
import logging
import mimetypes
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from pipeline import cli
from pipeline.scrape import wayback

log = logging.getLogger(__name__)

TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8",
    ".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8",
    ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
}


def content_type(path: Path) -> str:
    """The Content-Type served for a file, by its extension."""
    suffix = path.suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"


def resolve(root: Path, url_path: str) -> Path | None:
    """The file under `root` that serves `url_path` (a folder serves its index.html)."""
    rel = unquote(url_path).lstrip("/")
    target = (root / rel).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        return None  # ../ outside the site
    if target.is_dir():
        target = target / "index.html"
    return target if target.is_file() else None


def _url_path(url: str) -> str:
    # CDX clients may send `acme.example/ville` without a scheme.
    if "://" not in url:
        url = "http://" + url
    return urlsplit(url).path or "/"


def archive_index(site: Path) -> dict[str, list[tuple[str, Path]]]:
    """URL path → (timestamp, file) of its captures, oldest first, from `<site>/archive/`.

    A folder's index.html answers for the folder's path with and without its trailing slash.
    """
    index: dict[str, list[tuple[str, Path]]] = {}
    archive = site / "archive"
    if not archive.is_dir():
        return index
    for folder in sorted(archive.iterdir()):
        if not (folder.is_dir() and len(folder.name) == 14 and folder.name.isdigit()):
            continue
        for file in sorted(folder.rglob("*")):
            if not file.is_file():
                continue
            rel = "/" + file.relative_to(folder).as_posix()
            keys = [rel]
            if file.name == "index.html":
                parent = rel[: -len("index.html")]
                keys += [parent, parent.rstrip("/")] if parent != "/" else [parent]
            for key in keys:
                index.setdefault(key, []).append((folder.name, file))
    return index


def captures(index: dict[str, list[tuple[str, Path]]], url: str) -> list[tuple[str, Path]]:
    """(timestamp, file) of every archived capture of `url` in `archive_index`, oldest first."""
    return index.get(unquote(_url_path(url)), [])


def _in_range(ts: str, first: str | None, last: str | None) -> bool:
    # CDX from/to are timestamp prefixes (YYYY, YYYYMM, ...), both inclusive.
    return (not first or ts[: len(first)] >= first) and (not last or ts[: len(last)] <= last)


def _not_modified(headers, etag: str, modified: datetime) -> bool:
    # RFC 9110: If-None-Match wins over If-Modified-Since.
    if headers.get("If-None-Match"):
        return etag in [t.strip() for t in headers["If-None-Match"].split(",")]
    since = headers.get("If-Modified-Since")
    if since:
        try:
            return modified <= parsedate_to_datetime(since)
        except (TypeError, ValueError):
            return False
    return False


def make_handler(site: Path) -> type[BaseHTTPRequestHandler]:
    """A request handler class serving `site` (live pages + fake Wayback)."""
    site = Path(site)
    index = archive_index(site)  # read once: the site does not change while served

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "demo-site/1.0"

        def log_message(self, format: str, *args) -> None:
            log.debug("%s %s", self.address_string(), format % args)

        def _send(self, status: int, body: bytes, ctype: str, extra: dict | None = None,
                  head: bool = False) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for key, value in (extra or {}).items():
                self.send_header(key, value)
            self.end_headers()
            if not head:
                self.wfile.write(body)

        def _file(self, file: Path, extra: dict | None = None, head: bool = False) -> None:
            stat = file.stat()
            modified = datetime.fromtimestamp(int(stat.st_mtime), UTC)
            etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
            headers = {"Last-Modified": format_datetime(modified, usegmt=True), "ETag": etag,
                       **(extra or {})}
            if _not_modified(self.headers, etag, modified):
                self.send_response(304)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                return
            self._send(200, file.read_bytes(), content_type(file), headers, head)

        def _not_found(self, head: bool = False) -> None:
            self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>",
                       "text/html; charset=utf-8", head=head)

        def do_HEAD(self) -> None:
            self.do_GET(head=True)

        def do_GET(self, head: bool = False) -> None:
            parts = urlsplit(self.path)
            if parts.path == "/cdx/search/cdx":
                self._cdx(parse_qs(parts.query), head)
            elif parts.path.startswith("/web/"):
                self._replay(self.path[len("/web/"):], head)
            else:
                file = resolve(site / "live", parts.path)
                if file is None:
                    self._not_found(head)
                else:
                    self._file(file, head=head)

        def _cdx(self, query: dict[str, list[str]], head: bool) -> None:
            url = query.get("url", [""])[0]
            first = query.get("from", [None])[0]
            last = query.get("to", [None])[0]
            fields = query.get("fl", ["timestamp,original,statuscode,mimetype"])[0].split(",")
            rows = []
            for ts, file in captures(index, url):
                if not _in_range(ts, first, last):
                    continue
                value = {"timestamp": ts, "original": url, "statuscode": "200",
                         "mimetype": content_type(file).split(";")[0],
                         "length": str(file.stat().st_size), "urlkey": _url_path(url)}
                rows.append([value.get(f, "-") for f in fields])
            body = json.dumps([fields, *rows] if rows else []).encode()
            self._send(200, body, "application/json", head=head)

        def _replay(self, rest: str, head: bool) -> None:
            stamp, _, original = rest.partition("/")
            ts = stamp[:14]
            if len(ts) != 14 or not ts.isdigit() or not original:
                self._not_found(head)
                return
            found = captures(index, original)
            if not found:
                self._not_found(head)
                return
            exact = dict(found).get(ts)
            if exact is None:  # like the real archive: send the client to the nearest capture
                nearest = min(found, key=lambda c: abs(int(c[0]) - int(ts)))[0]
                location = f"/web/{nearest}{stamp[14:]}/{original}"
                self._send(302, b"", "text/plain", {"Location": location}, head)
                return
            when = wayback.timestamp_to_datetime(ts)
            self._file(exact, {"Memento-Datetime": format_datetime(when, usegmt=True)}, head)

    return Handler


@contextmanager
def serve_site(site_dir: str | Path, port: int = 0) -> Iterator[str]:
    """Serve a site folder on 127.0.0.1 in a background thread.

    Args:
        site_dir: a folder holding `live/` and, optionally, `archive/<timestamp>/`.
        port: the port (0: an ephemeral one). A fixed port keeps the captured URLs, hence the
            sources and the document ids, the same from run to run.

    Yields:
        The base URL, `http://127.0.0.1:<port>` (no trailing slash).
    """
    site = Path(site_dir)
    if not (site / "live").is_dir() and not (site / "archive").is_dir():
        raise FileNotFoundError(f"{site}: no live/ or archive/ folder to serve")
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(site))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"serve {site}", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m demo.server",
                                     description="Serve a demo site and a fake Wayback Machine "
                                                 "on 127.0.0.1 until Ctrl-C.")
    parser.add_argument("site", help="folder holding live/ and archive/")
    args = parser.parse_args(argv)
    cli.setup_logging()
    with serve_site(args.site) as base_url:
        print(f"serving {args.site} at {base_url} (wayback_url: {base_url}); Ctrl-C to stop",
              flush=True)
        with suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

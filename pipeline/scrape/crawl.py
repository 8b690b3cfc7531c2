"""Crawl rules: URL normalisation, link extraction from HTML, and the scope of a crawl.

A source with `depth=N` is crawled N links deep: links on the same host (and port) under the
source's path prefix (the source URL's path up to its last `/`), skipping assets (images,
styles, scripts, fonts, media, archives). URLs are normalised before de-duplication so
`HTTP://Acme.example:80/ville/#top` and `http://acme.example/ville/` count once.

    >>> normalise_url("HTTP://Acme.example:80/a/./b/../c?utm_source=x&b=2&a=1#top")
    'http://acme.example/a/c?a=1&b=2'
    >>> in_scope("https://acme.example/fr/ville/eau", "https://acme.example/fr/ville/")
    True
"""

from __future__ import annotations

import codecs
import posixpath
from html.parser import HTMLParser
from typing import BinaryIO
from urllib.parse import parse_qsl, quote, unquote, urlencode, urljoin, urlsplit, urlunsplit

DEFAULT_PORTS = {"http": 80, "https": 443}
# Query keys that only track the visitor: dropped so one page is not fetched once per campaign.
TRACKING_KEYS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_hsenc", "_hsmi")
ASSET_EXTENSIONS = frozenset((
    "css", "js", "mjs", "map", "json", "xml", "rss", "atom",  # code and feeds
    "png", "jpg", "jpeg", "gif", "webp", "svg", "ico", "bmp", "tif", "tiff", "avif",  # images
    "woff", "woff2", "ttf", "otf", "eot",  # fonts
    "mp3", "mp4", "m4a", "m4v", "webm", "ogg", "ogv", "wav", "avi", "mov", "flv",  # media
    "zip", "gz", "tgz", "bz2", "xz", "7z", "rar", "exe", "dmg", "iso", "apk", "msi", "bin",
    "csv", "xls", "xlsx", "ppt", "pptx", "doc", "docx", "odt", "ods", "odp",  # office files
))


def origin(url: str) -> str:
    """`scheme://host:port` of a URL (port always written): the unit of politeness."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def normalise_url(url: str) -> str:
    """A canonical form of an http(s) URL for de-duplication.

    Lower-cases scheme and host, drops the default port, the fragment and tracking query
    keys, resolves `.`/`..` segments, sorts the query, and re-quotes the path consistently.
    The trailing slash is kept: `/ville` and `/ville/` may be different pages.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    netloc = host
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        netloc = f"{host}:{parts.port}"
    # Decoded before the dot segments are resolved, so "%2e%2e" is ".." (RFC 3986 §6.2.2.2)
    # and a second pass finds nothing left to change.
    path = unquote(parts.path) or "/"
    trailing = path.endswith("/")
    path = posixpath.normpath(path)
    if path.startswith("//"):  # normpath keeps a leading '//'
        path = "/" + path.lstrip("/")
    if trailing and not path.endswith("/"):
        path += "/"
    path = quote(path, safe="/:@!$&'()*+,;=-._~")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
             if not k.lower().startswith(TRACKING_KEYS)]
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def _site(url: str) -> tuple[str, int | None]:
    # Host and non-default port: http:// and https:// of one host are the same site.
    parts = urlsplit(url)
    port = parts.port if parts.port != DEFAULT_PORTS.get(parts.scheme.lower()) else None
    return (parts.hostname or "").lower(), port


def path_prefix(url: str) -> str:
    """The folder of a URL's path: `/fr/ville/` for `/fr/ville/` and for `/fr/ville/eau`."""
    path = urlsplit(url).path or "/"
    return path[: path.rfind("/") + 1]


def is_asset(url: str) -> bool:
    """True for links to images, styles, scripts, fonts, media and archives."""
    last = urlsplit(url).path.rsplit("/", 1)[-1]
    return "." in last and last.rsplit(".", 1)[-1].lower() in ASSET_EXTENSIONS


def in_scope(link: str, source_url: str) -> bool:
    """Whether a crawl that started at `source_url` may follow `link`."""
    parts = urlsplit(link)
    if parts.scheme not in ("http", "https"):
        return False
    if _site(link) != _site(source_url):
        return False
    return (parts.path or "/").startswith(path_prefix(source_url)) and not is_asset(link)


class _LinkParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("a", "area"):
            for name, value in attrs:
                if name == "href" and value:
                    self.hrefs.append(value.strip())
        elif tag == "base" and self.base is None:
            self.base = next((v for n, v in attrs if n == "href" and v), None)


def extract_links(stream: BinaryIO, base_url: str, charset: str | None = None,
                  *, chunk_size: int = 65536) -> list[str]:
    """Absolute, normalised http(s) links of an HTML document, in order, without repeats.

    Args:
        stream: the HTML bytes, read in chunks (never whole).
        base_url: the URL the document was served from (its `<base href>` wins).
        charset: the declared charset; an unknown or wrong one falls back to UTF-8 with
            replacement characters (links are ASCII in practice).

    Returns:
        The links, fragments and tracking parameters removed.
    """
    try:
        decoder = codecs.getincrementaldecoder(charset or "utf-8")(errors="replace")
    except LookupError:
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    parser = _LinkParser()
    while chunk := stream.read(chunk_size):
        parser.feed(decoder.decode(chunk))
    parser.feed(decoder.decode(b"", final=True))
    parser.close()
    base = urljoin(base_url, parser.base) if parser.base else base_url
    links: dict[str, None] = {}
    for href in parser.hrefs:
        if href.startswith(("#", "mailto:", "tel:", "javascript:", "data:")):
            continue
        absolute = urljoin(base, href)
        if urlsplit(absolute).scheme in ("http", "https"):
            links[normalise_url(absolute)] = None
    return list(links)

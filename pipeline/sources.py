"""Parse and validate `sources.txt`: the list of pages and reports the study reads.

reads sources.txt → a list of `Source` (the scrape stage fetches them; the report takes the
firms' display names from them)

The format, one source a line, fields separated by spaces; `#` starts a comment:

    # firm    kind    url                                            options
    engie     page    https://www.engie-ineo.fr/offer/smart-city/    archive=2016-2020 lang=fr
    atos      report  https://atos.net/wp-content/uploads/case.pdf   year=2016
    orange    page    https://www.orange-business.com/fr/smart       depth=1 max_pages=20

- firm: an id of lower-case letters, digits, `_` or `-` (it names the firm's report page).
- kind: `page` (a web page) or `report` (a document, usually a PDF).
- url: an absolute http(s) URL. Each URL may appear once: it is normalised first (the
  `#fragment` dropped, scheme and host lower-cased), so `HTTPS://Acme.example/a#top` and
  `https://acme.example/a` are one source, fetched and recorded in the normalised form.
- options, all optional, as key=value:
    year=YYYY          the year the document speaks for (overrides every other dating)
    lang=fr|en         the language expected (the extractor still detects it)
    archive=YYYY-YYYY  fetch one web-archive capture per year in the range, besides or
                       instead of the live page (archive=2016 for a single year)
    live=no            with archive=, do not fetch the live page
    depth=N            crawl links under the URL's path prefix, N links deep (0-5)
    max_pages=N        stop a crawl after N pages (default 50)
    name=Text          the firm's display name in the reports (`name="Engie Ineo"` when it
                       has spaces); once per firm is enough, and lines that repeat it must
                       agree. A firm without one is shown by its id, title-cased.

Every bad line is reported with its line number and reason, all at once, and nothing is
fetched while any line is bad.

    >>> parse_sources("acme page https://acme.example/ville year=2019\\n")[0].year
    2019
    >>> firm_names(parse_sources('acme page https://acme.example/ name="Acme & Co"\\n'))
    {'acme': 'Acme & Co'}
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from pipeline.errors import SourcesError

KINDS = ("page", "report")
LANGS = ("fr", "en")
MIN_YEAR, MAX_YEAR = 1990, 2100
MAX_DEPTH = 5
FIRM_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
YEAR_RE = re.compile(r"^\d{4}$")
RANGE_RE = re.compile(r"^(\d{4})(?:-(\d{4}))?$")
# name= may be quoted to hold spaces, so it is taken out of the line before the line is split.
# It follows a space: a URL's own `?name=` query is part of the URL's field, never an option.
NAME_RE = re.compile(r'(?<=\s)name=(?:"([^"]*)"|(\S*))')
MAX_NAME = 80


@dataclass(frozen=True)
class Source:
    """One line of sources.txt."""

    firm: str
    kind: str
    url: str
    line: int
    year: int | None = None
    lang: str | None = None
    archive_years: tuple[int, ...] = ()
    live: bool = True
    depth: int = 0
    max_pages: int = 50
    name: str | None = None  # the firm's display name, if this line gives one



def _check_url(url: str) -> str | None:
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return f"malformed URL {url!r} (contains a control character)"
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        return f"malformed URL {url!r} ({exc})"
    if parts.scheme not in ("http", "https"):
        return f"malformed URL '{url}' (must start with http:// or https://)"
    if not parts.hostname:
        return f"malformed URL '{url}' (no host)"
    if " " in url:
        return f"malformed URL '{url}' (contains a space)"
    return None


def normalise_source_url(url: str) -> str:
    """A source URL without its fragment, its scheme and host lower-cased (nothing else moves).

    A fragment is never sent to the server and scheme and host are case-insensitive, so
    these forms name one page; port, path and query are kept as written.

        >>> normalise_source_url("HTTPS://Acme.Example:8443/Ville/?a=B#top")
        'https://acme.example:8443/Ville/?a=B'
    """
    parts = urlsplit(url)
    userinfo, at, hostport = parts.netloc.rpartition("@")
    if hostport.startswith("["):  # an IPv6 literal: [::1]:8080
        host, sep, port = hostport.partition("]")
        host += sep
    else:
        host, sep, port = hostport.partition(":")
        port = sep + port
    netloc = f"{userinfo}{at}{host.lower()}{port}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, ""))


def _year(value: str) -> int | None:
    if not YEAR_RE.match(value):
        return None
    year = int(value)
    return year if MIN_YEAR <= year <= MAX_YEAR else None


def _parse_options(fields: list[str], where: str, problems: list[str]) -> dict:
    options: dict = {}
    for field in fields:
        key, sep, value = field.partition("=")
        if not sep or not value:
            problems.append(f"{where}: option '{field}' is not key=value")
            continue
        if key in options:
            problems.append(f"{where}: option '{key}' given twice")
            continue
        if key == "year":
            year = _year(value)
            if year is None:
                problems.append(f"{where}: bad year '{value}' (expected {MIN_YEAR}-{MAX_YEAR})")
                continue
            options["year"] = year
        elif key == "lang":
            if value not in LANGS:
                problems.append(f"{where}: unknown lang '{value}' (expected one of {LANGS})")
                continue
            options["lang"] = value
        elif key == "archive":
            match = RANGE_RE.match(value)
            first = _year(match.group(1)) if match else None
            last = _year(match.group(2) or match.group(1)) if match else None
            if first is None or last is None or last < first:
                problems.append(
                    f"{where}: bad year range '{value}' (expected YYYY or YYYY-YYYY, "
                    f"{MIN_YEAR}-{MAX_YEAR}, first <= last)"
                )
                continue
            options["archive_years"] = tuple(range(first, last + 1))
        elif key == "live":
            if value not in ("yes", "no"):
                problems.append(f"{where}: live must be yes or no, not '{value}'")
                continue
            options["live"] = value == "yes"
        elif key in ("depth", "max_pages"):
            if not value.isdigit():
                problems.append(f"{where}: {key} must be a whole number, not '{value}'")
                continue
            number = int(value)
            if key == "depth" and number > MAX_DEPTH:
                problems.append(f"{where}: depth {number} is more than {MAX_DEPTH}")
                continue
            if key == "max_pages" and number < 1:
                problems.append(f"{where}: max_pages must be at least 1")
                continue
            options[key] = number
        else:
            problems.append(
                f"{where}: unknown option '{key}' (expected year, lang, archive, live, depth, "
                f"max_pages, name)"
            )
    if options.get("live") is False and not options.get("archive_years"):
        problems.append(f"{where}: live=no needs archive=YYYY-YYYY, or nothing would be fetched")
    return options


def _take_name(line: str, where: str, problems: list[str]) -> tuple[str, str | None]:
    """The line without its name= option, and the name (None when there is none or it is bad)."""
    found = list(NAME_RE.finditer(line))
    if not found:
        return line, None
    rest = NAME_RE.sub("", line).strip()
    if len(found) > 1:
        problems.append(f"{where}: option 'name' given twice")
        return rest, None
    match = found[0]
    quoted, bare = match.group(1), match.group(2)
    name = " ".join((quoted if quoted is not None else bare).split())
    if quoted is None and '"' in bare:
        problems.append(f"{where}: name {bare!r} has an unclosed quote "
                        '(write name="Two Words")')
    elif not name:
        problems.append(f"{where}: empty name (write name=Text or name=\"Two Words\")")
    elif any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        problems.append(f"{where}: name {name!r} contains a control character")
    elif len(name) > MAX_NAME:
        problems.append(f"{where}: name is {len(name)} characters long (at most {MAX_NAME})")
    else:
        return rest, name
    return rest, None


def _check_names(sources: list[Source], path: str, problems: list[str]) -> None:
    """One display name per firm, and no two firms under one name (the pages would mix them)."""
    named: dict[str, Source] = {}
    owner: dict[str, Source] = {}
    for s in sources:
        if s.name is None:
            continue
        first = named.setdefault(s.firm, s)
        if first.name != s.name:
            problems.append(f"{path}:{s.line}: firm '{s.firm}' is named {s.name!r} here but "
                            f"{first.name!r} on line {first.line}")
            continue
        other = owner.setdefault(s.name.casefold(), s)
        if other.firm != s.firm:
            problems.append(f"{path}:{s.line}: name {s.name!r} is already firm '{other.firm}''s "
                            f"(line {other.line})")


def parse_sources(text: str, *, path: str = "sources.txt") -> list[Source]:
    """Parse the text of a sources file.

    Args:
        text: the file's content.
        path: the file's name, used in error messages.

    Returns:
        The sources, in file order.

    Raises:
        SourcesError: listing every bad line (line number and reason).
    """
    sources: list[Source] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        # A '#' inside a URL (a fragment) is not a comment: only ' #' starts one mid-line.
        line = re.split(r"\s#", stripped, maxsplit=1)[0].strip()
        where = f"{path}:{number}"
        n_before = len(problems)
        line, name = _take_name(line, where, problems)
        fields = line.split()
        if len(fields) < 3:
            problems.append(f"{where}: expected 'firm kind url [options]', got '{line}'")
            continue
        firm, kind, url, *rest = fields
        bad = False
        if not FIRM_RE.match(firm):
            problems.append(
                f"{where}: bad firm id '{firm}' (lower-case letters, digits, _ and - only)"
            )
            bad = True
        if kind not in KINDS:
            problems.append(f"{where}: unknown kind '{kind}' (expected page or report)")
            bad = True
        url_problem = _check_url(url)
        if url_problem:
            problems.append(f"{where}: {url_problem}")
            bad = True
        else:
            url = normalise_source_url(url)
            if url in seen:
                problems.append(f"{where}: duplicate URL {url} (first on line {seen[url]})")
                bad = True
            else:
                seen[url] = number
        options = _parse_options(rest, where, problems)
        if bad or len(problems) > n_before:
            continue
        sources.append(Source(firm=firm, kind=kind, url=url, line=number, name=name, **options))
    _check_names(sources, path, problems)
    if problems:
        raise SourcesError(path, problems)
    if not sources:
        raise SourcesError(path, [f"{path}: no sources (every line is blank or a comment)"])
    return sources


def read_sources(path: str | Path) -> list[Source]:
    """Read and validate a sources file; see `parse_sources`."""
    path = Path(path)
    try:
        # utf-8-sig: a byte-order mark, as some Windows editors write, is not part of line 1.
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise SourcesError(str(path), [f"{path}: file not found"]) from None
    except IsADirectoryError:
        raise SourcesError(str(path), [f"{path}: a folder, not a sources file"]) from None
    except UnicodeDecodeError as exc:
        raise SourcesError(str(path), [f"{path}: not UTF-8 ({exc})"]) from None
    return parse_sources(text, path=str(path))


def firms(sources: list[Source]) -> list[str]:
    """The firm ids, in order of first appearance."""
    return list(dict.fromkeys(s.firm for s in sources))


def firm_names(sources: list[Source]) -> dict[str, str]:
    """Firm id → the display name its lines give (firms without `name=` are left out)."""
    return {s.firm: s.name for s in sources if s.name is not None}

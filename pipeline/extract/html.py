"""Main text and metadata of an HTML page, with trafilatura.

The page is decoded here (not by the parser) so a wrong charset declaration is caught: bytes
that are valid UTF-8 are read as UTF-8 whatever the page says, and a page declared as UTF-8
whose bytes are not (a Latin-1 or Windows-1252 page) is read as Windows-1252, with a note. The
page is parsed once; the title, the declared language (`<html lang>`) and the publication date
(htmldate, never later than the capture) are read from the tree, then trafilatura extracts the
main text, without navigation, cookie banners, comments or footers: its fast mode first, its
full extraction (with the readability and jusText fallbacks) when the fast one looks thin or is
mostly link text (a menu taken for the text), the two texts then merged. The page's <h1>, when
trafilatura left it out and the page's title holds it, is put back in front of the text; table
rows become plain lines.

A page whose main text is mostly the text of its links is a `link_list` (a sitemap, a list of
news headlines), not prose; a page with almost no text is `empty` (words counted as
`passages.count_words` counts them, so a Chinese or Japanese page is not "4 words"). In a kept
page, a short block that reads as navigation ("En savoir plus" under every card, a script's
button, the title of a box of links) is dropped; a heading, a table of contents' entry or a link
named once in the text is not. The teasers news sites set between an article's paragraphs
("Read more: <headline>", a headline alone linking to another page of the site) are dropped
too, and so is a block that is only a date or a time; a link to another site, a sentence in a
link, a dated list of press articles stay.

    >>> page = extract_html(b"<html lang='fr'><head><title>Ville</title></head><body>"
    ...                     b"<article><p>" + b"La ville durable et ses habitants. " * 8 +
    ...                     b"</p></article></body></html>", min_words=10)
    >>> page.status, page.title, page.declared_lang
    ('ok', 'Ville', 'fr')
"""

from __future__ import annotations

import codecs
import copy
import logging
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from urllib.parse import urlsplit

import trafilatura
from lxml import etree
from trafilatura.settings import Extractor
from trafilatura.utils import load_html

from pipeline.extract import htmldates
from pipeline.extract.passages import count_words

log = logging.getLogger(__name__)

# A page whose extracted words are at least this share link text is a list of links.
LINK_SHARE = 0.6
# ... and has at least this many links (a page with a bare menu and nothing else is empty).
LINK_LIST_MIN = 5
# A block that is nothing but the text of one short link ("En savoir plus", "Contact",
# "Mentions légales") is navigation the extractor kept, and is dropped.
LINK_LINE_WORDS = 6
# trafilatura runs its own algorithm, then (unless fast=True) readability and jusText as
# fallbacks, and keeps the best: the fallbacks cost half again its time and change the text of
# one page in fourteen (trafilatura's evaluation set). So the fast mode runs first, and the full
# extraction only on a page where the fast one looks thin: fewer than min_words words, or (for
# results under THIN_CHECK_WORDS words) less than THIN_SHARE of the words the page's body shows.
# The two texts are then merged: the fallbacks sometimes find the article beside a part of it
# that the fast mode found, and sometimes lose that part (benchmarks/bench_extract_peer.py).
THIN_SHARE = 0.08
THIN_CHECK_WORDS = 150
# A teaser line (`_teaser`) starts with a label of at most this many words.
TEASER_LABEL_WORDS = 4
# Its precision mode costs a third more time and changed no word either: precision comes from
# trafilatura's consent/newsletter/navigation filters, the link-only block rule below and the
# firm-level boilerplate step (pipeline.dedup).
PRECISION = False
# trafilatura's options, built once: building them reads its configuration file's values
# again on every call, a twelfth of an extraction's time.
_OPTIONS = {fast: Extractor(fast=fast, comments=False, tables=True, dedup=False,
                            precision=PRECISION)
            for fast in (True, False)}

_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([A-Za-z0-9_.:-]+)",
                           re.IGNORECASE)
_NON_ASCII = re.compile(r"[^\x00-\x7f\ufffd]")
_BULLET_CHARS = "-•▪◦●*"
_BULLET = re.compile(f"^[{_BULLET_CHARS}]\\s+")
_TABLE_RULE = re.compile(r"^\|(?:\s*:?-+:?\s*\|)+$")
_LETTERS = re.compile(r"[^\W\d_]+")
# A block that is only a date or a time ("23.10.2018", "2021-11-04", "19:49", "3:59 PM") is
# the stamp of a post or a comment, not text; the publication date is read apart.
_DATE_LINE = re.compile(r"(?:\d{1,4}[./-]\d{1,2}[./-]\d{1,4}|\d{1,2}:\d{2}(?::\d{2})?"
                        r"(?:\s?[AaPp]\.?[Mm]\.?)?)(?:,?\s+\d{1,2}:\d{2}(?:\s?[AaPp][Mm])?)?\s*$")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Browsers read Latin-1 and ASCII declarations as Windows-1252 (WHATWG), and so do we.
_AS_CP1252 = {"latin-1", "iso8859-1", "ascii", "cp1252"}


@dataclass
class HtmlResult:
    """What `extract_html` found in one page.

    Attributes:
        status: ok, empty or link_list.
        paragraphs: the main text's blocks (paragraphs, headings, list items), in order.
        title: the page title.
        published: publication date (ISO) found in the page, if any.
        declared_lang: the language the page declares (ISO 639-1), if any.
        charset: the encoding the page was decoded with.
        note: why the page was skipped, or what was odd about a kept one.
        headings: (level 1-6, text) of the page's <h1>-<h6>, in order: the paragraphs that
            are headings open the page's sections (`pipeline.extract.sections`).
    """

    status: str
    paragraphs: list[str] = field(default_factory=list)
    title: str | None = None
    published: str | None = None
    declared_lang: str | None = None
    charset: str = "utf-8"
    note: str | None = None
    headings: list[tuple[int, str]] = field(default_factory=list)


def _headings(tree) -> list[tuple[int, str]]:
    """The page's headings, (level, text), for its sections."""
    found = []
    for node in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        text = _clean(node.text_content())
        if text:
            found.append((int(node.tag[1]), text))
    return found


def _codec(name: str | bytes | None) -> str | None:
    if not name:
        return None
    if isinstance(name, bytes):
        name = name.decode("ascii", "ignore")
    try:
        return codecs.lookup(name.strip().lower()).name
    except LookupError:
        return None


def decode_html(body: bytes, declared: str | None = None) -> tuple[str, str, str | None]:
    """Decode an HTML page, catching a wrong charset declaration.

    Args:
        body: the page's bytes.
        declared: the charset of the Content-Type header, if any (else the `<meta charset>`).

    Returns:
        (text, charset used, note or None). The note says when the declaration was wrong.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
                      (codecs.BOM_UTF16_BE, "utf-16-be")):
        if body.startswith(bom):
            return body[len(bom):].decode(name, "replace"), name, None
    if not declared:
        m = _META_CHARSET.search(body[:4096])
        declared = m.group(1).decode("ascii", "ignore") if m else None
    codec = _codec(declared)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        note = None
        if codec not in (None, "utf-8") and not body.isascii():
            note = f"declared {declared} but the bytes are UTF-8; decoded as UTF-8"
        return text, "utf-8", note
    if codec not in (None, "utf-8"):
        codec = "cp1252" if codec in _AS_CP1252 else codec
        return body.decode(codec, "replace"), codec, None
    # Declared UTF-8 (or nothing) but not valid UTF-8. A few stray bytes in a UTF-8 page are
    # replaced; a page that is not UTF-8 at all is a legacy Western page.
    lenient = body.decode("utf-8", "replace")
    bad = lenient.count("\ufffd")
    good = len(_NON_ASCII.findall(lenient))
    said = f"declared {declared}" if declared else "no charset declared"
    if good >= 4 * bad:
        return lenient, "utf-8", f"{said}; {bad} invalid UTF-8 byte sequence(s) replaced"
    return (body.decode("cp1252", "replace"), "cp1252",
            f"{said} but the bytes are not UTF-8; decoded as Windows-1252")


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    code = re.split(r"[-_]", value.strip().lower(), maxsplit=1)[0]
    return code if len(code) in (2, 3) and code.isalpha() else None


def _declared_lang(tree) -> str | None:
    root = tree.getroottree().getroot()
    for value in (root.get("lang"), root.get("{http://www.w3.org/XML/1998/namespace}lang")):
        code = _lang_code(value)
        if code:
            return code
    for meta in root.iter("meta"):
        if (meta.get("http-equiv") or "").lower() == "content-language" \
                or meta.get("property") == "og:locale":
            code = _lang_code(meta.get("content"))
            if code:
                return code
    return None


def _clean(text: str | None) -> str | None:
    # str.split beats re.sub(r"\s+") tenfold on accented text.
    return " ".join(text.split()) or None if text else None


def _title(tree) -> str | None:
    root = tree.getroottree().getroot()
    node = root.find(".//title")
    text = _clean(node.text_content()) if node is not None else None
    if text:
        return text
    for meta in root.iter("meta"):
        if meta.get("property") == "og:title" and _clean(meta.get("content")):
            return _clean(meta.get("content"))
    return _heading(tree, min_words=1)


_OUTSIDE_TEXT = {"header", "nav", "footer", "aside"}


def _heading(tree, min_words: int = 2) -> str | None:
    """The page's first <h1> outside the header, navigation, sidebar and footer."""
    for node in tree.getroottree().getroot().iter("h1"):
        if any(a.tag in _OUTSIDE_TEXT for a in node.iterancestors()):
            continue
        text = _clean(node.text_content())
        if text and count_words(text) >= min_words:
            return text
    return None


def _host(url: str | None) -> str:
    """The host of an address, without "www." ("" when there is none or it is malformed)."""
    try:
        host = urlsplit(url).netloc.lower() if url else ""
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def _canonical(tree) -> str | None:
    """The address the page gives itself (<link rel="canonical">, og:url), if any."""
    head = tree.find(".//head")
    for node in head.iter("link", "meta") if head is not None else ():
        if node.get("rel") == "canonical" and node.get("href"):
            return node.get("href")
        if node.get("property") == "og:url" and node.get("content"):
            return node.get("content")
    return None


class Links(NamedTuple):
    """What the page's links say, for the rules that tell navigation from text.

    Attributes:
        texts: the texts of the page's links (lower case, spaces collapsed).
        words: their words, counted link by link.
        nav: the link texts that read as navigation (see `_link_line`).
        internal: the texts of links to other pages of the same site (see `_teaser`).
    """

    texts: set[str]
    words: int
    nav: set[str]
    internal: set[str]


def _anchor_texts(tree, url: str | None = None) -> Links:
    """The page's links: their texts, words, those that read as navigation, and those that lead
    to another page of the same site (a relative address, or the page's own host)."""
    out: set[str] = set()
    words = 0
    nav, places, internal = set(), set(), set()
    host = _host(url) or _host(_canonical(tree))
    for a in tree.iter("a"):
        href = a.get("href")
        if href is None and (a.get("name") or a.get("id")):
            continue  # a named anchor (<a name="part2">) is a place links lead to, not a link
        # (text_content is an XPath call: reading .text is five times cheaper, for most links)
        split = (a.text_content() if len(a) else a.text or "").split()
        if split:
            low = " ".join(split).lower()
            href = (href or "").strip()
            if low in out or href in ("", "#") or href.startswith("javascript:"):
                nav.add(low)
            elif href.startswith(("#", "mailto:")):
                places.add(low)
            elif len(split) > LINK_LINE_WORDS and ("//" not in href[:8]
                                                    or (host and _host(href) == host)):
                internal.add(low)  # (only a link longer than a navigation line is a teaser)
            out.add(low)
            words += len(split) if low.isascii() else count_words(low)
    for node in tree.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        if node.find(".//a") is None:
            places.add((_clean(node.text_content()) or "").lower())
    return Links(out, words, {t for t in nav if t not in places}, internal)


def _box_titles(tree, labels: set[str]) -> set[str]:
    """Which of these short texts (lower case) title a box of links in the page ("Mehr zum
    Thema", "Read next", "Notas relacionadas"): a label whose next element is mostly links. The
    extractor keeps such a title and drops its links."""
    found = set()
    first_words = {label.split()[0] for label in labels}
    for node in tree.iter("h1", "h2", "h3", "h4", "h5", "h6", "p", "div", "span", "strong", "b"):
        if len(node) > 3:
            continue
        text = node.text
        start = ((text if (text and not text.isspace()) or not len(node)
                  else node[0].text) or "").split()
        if not start or start[0].lower() not in first_words:
            continue  # cheap: the label does not start with the first word of one of them
        if (sibling := node.getnext()) is None:
            continue
        label = " ".join(node.text_content().split()).lower()
        if label not in labels or label in found:
            continue
        links = sibling.findall(".//a")
        # one link after a label that announces it ("Schon gelesen?", "Read also:") is one
        # teaser; after any other short text ("Earcuff: Zoeca", a signature) it may be content
        if (len(links) >= 2 or (links and label[-1] in ":?")) \
                and sum(len(" ".join(a.itertext()).split()) for a in links) \
                >= LINK_SHARE * len(" ".join(sibling.itertext()).split()):
            found.add(label)  # (itertext: the cells of a table are not run together)
    return found


def _link_words(paragraph: str, anchors: set[str], longest_first: list[str]) -> tuple[int, int]:
    """Words of `paragraph` that are link text (whole links, or links run together), and all
    its words."""
    low = paragraph.lower()
    n = count_words(low)
    if low in anchors:
        return n, n
    rest = low
    for anchor in longest_first:
        if len(anchor) >= 4 and anchor in rest:
            rest = rest.replace(anchor, " ")
    return n - count_words(rest), n


def _menu_cell(cell: str, anchor_words: set[str], anchors: list[str]) -> bool:
    """Whether a table cell is only the texts of two links or more (the menu column of a layout
    table). A cell that is one link's text (an ingredient, a product, a download) is content."""
    low = cell.lower()
    letters = _LETTERS.findall(low)
    if len(letters) < 2 or not all(w in anchor_words for w in letters):
        return False
    found = 0
    for anchor in anchors:  # longest first
        if len(anchor) >= 4 and anchor in low:
            low = low.replace(anchor, " ")
            found += 1
    return found >= 2 and not _LETTERS.search(low)


def _link_line(paragraph: str, nav: set[str], n_words: int) -> bool:
    """Whether a block is a short text that reads as navigation: the text of several links ("En
    savoir plus" under each card, "Contact" in the header and the footer) or of a script's button
    (no address, or "#"), and not a heading of the page nor a link to a place in it (a table of
    contents repeats the article's headings); or the title of a box of links. A link named once
    in the text ("Base Flying", a source, an e-mail address) is content."""
    return n_words <= LINK_LINE_WORDS and paragraph.lower() in nav


def _block(line: str, anchor_words: set[str], anchors: list[str]) -> str | None:
    """One line of trafilatura's output as a clean block, or None to drop it.

    Table rows come as `| a | b |` with a `|---|` rule under the header: the rule goes, empty
    cells and menu cells (`_menu_cell`) go, and the others are joined with semicolons.
    """
    line = line.strip()
    if line[:1] in _BULLET_CHARS:
        line = _BULLET.sub("", line)
    if line.startswith("|"):
        if _TABLE_RULE.match(line):
            return None
        cells = [c.strip() for c in line.strip("| ").split("|")]
        line = "; ".join(c for c in cells if c and not _menu_cell(c, anchor_words, anchors))
    return _clean(line)


def find_published(tree, *, url: str | None, captured_at: datetime | None,
                   search_text: bool) -> str | None:
    """The page's publication date (ISO), with htmldate (through `pipeline.extract.htmldates`),
    never later than its capture.

    htmldate's structured sources come first (a date in the URL, the publication-date meta
    tags, JSON-LD, <abbr> dates): they cost 0.02 ms. Its full search (title and <time>
    elements, date patterns in the markup and text) costs ten times more, a fifth of a page's
    extraction, so it runs only when `search_text` is set: the extract stage sets it for the
    pages whose year the publication date decides (live captures without a year in
    sources.txt).

    Returns:
        The date as YYYY-MM-DD, or None.
    """
    try:
        found = htmldates.structured_date(tree, url=url)
        if found is None and (search_text or not htmldates.STRUCTURED):
            found = htmldates.search_date(tree, url=url)
    except Exception as exc:  # htmldate on odd markup: the date is optional
        log.debug("%s: no publication date (%s)", url, exc)
        return None
    if found and captured_at is not None and found > captured_at.strftime("%Y-%m-%d"):
        return None  # a date after the capture is a template's or a typo
    return found


def _body_words(tree) -> tuple[int, int, int]:
    """Words the page's body shows, words of them in links, and the number of links."""
    body = tree.getroottree().getroot().find(".//body")
    if body is None:
        return 0, 0, 0
    words = sum(count_words(t) for t in body.xpath(
        ".//text()[not(ancestor::script) and not(ancestor::style)]"))
    links = body.findall(".//a")
    in_links = sum(count_words(a.text_content()) for a in links)
    return words, in_links, len(links)


_BODY_TEXT = etree.XPath("string(//body)")
_BODY_CODE = etree.XPath("//body//script/text() | //body//style/text()", smart_strings=False)


def _body_word_count(tree) -> int:
    """About the words the page's body shows (scripts and styles cut out), cheaply: the body's
    text in one string (one XPath call, where reading its text nodes one by one costs ten
    times more; a word may run into the next block's where the markup has no space)."""
    text = _BODY_TEXT(tree)
    for code in _BODY_CODE(tree):
        text = text.replace(code, " ", 1)
    return len(text.split())


def _extract(tree, url: str | None, fast: bool) -> str:
    options = copy.copy(_OPTIONS[fast])  # the page's own URL, as extract(url=url) would set it
    options.source = url and url.encode("utf-8", "replace").decode("utf-8")
    return trafilatura.extract(tree, options=options) or ""


def _merge(main: str, full: str) -> str:
    """The longer of the two texts, with the other's lines it lacks after it."""
    base, other = (full, main) if len(full.split()) > len(main.split()) else (main, full)
    have = set(base.split("\n"))
    extra = [line for line in other.split("\n") if line not in have]
    return "\n".join([base, *extra]) if extra else base


def _main_text(tree, url: str | None, min_words: int) -> tuple[str, bool]:
    """The page's main text, and whether the full extraction ran."""
    main = _extract(tree, url, fast=True)
    n = len(main.split())
    if n >= THIN_CHECK_WORDS:
        return main, False
    if n >= min_words and n >= THIN_SHARE * _body_word_count(tree):
        return main, False
    return _merge(main, _extract(tree, url, fast=False)), True


def _paragraphs(main: str, links: Links, longest_first: list[str], heading: str | None,
                title: str | None) -> list[str]:
    """trafilatura's text as clean blocks, with the page's heading put back in front."""
    # the words of link texts, for the table cells (only a page with a table needs them)
    anchor_words = {w for a in links.texts for w in _LETTERS.findall(a)} \
        if "\n|" in "\n" + main \
        else set()
    paragraphs = [b for b in (_block(line, anchor_words, longest_first)
                              for line in (main or "").split("\n")) if b]
    anchors = links.texts
    paragraphs = [p for p in paragraphs if not _teaser(p, anchors, links.internal)
                  and not _DATE_LINE.match(p)]
    # trafilatura drops a title that sits in its own container above the text; the heading
    # names what the page is about, so it is put back in front: when the page's title holds it
    # (an <h1> that is not the title heads a box, "Mehr zum Thema", "Our partners").
    if paragraphs and heading and title and heading.lower() in title.lower() \
            and heading.lower() not in {p.lower() for p in paragraphs} \
            and heading.lower() not in anchors:
        paragraphs.insert(0, heading)
    return paragraphs


def _link_share(paragraphs: list[str], anchors: set[str], anchor_total: int,
                longest_first: list[str]) -> tuple[int, int]:
    """Words of the paragraphs that are link text, and all their words. The link words are
    counted until the text cannot be a link list (its other words pass 1 - LINK_SHARE of all):
    most pages show that in their first paragraphs."""
    n_words = sum(count_words(p) for p in paragraphs)
    # Only a page with enough link text to fill most of its main text can be a link list.
    if not n_words or len(anchors) < LINK_LIST_MIN or anchor_total < LINK_SHARE * n_words:
        return 0, n_words
    link = other = 0
    for paragraph in paragraphs:
        in_links, n = _link_words(paragraph, anchors, longest_first)
        link, other = link + in_links, other + n - in_links
        if other > (1 - LINK_SHARE) * n_words:
            break
    return link, n_words


def _teaser(paragraph: str, anchors: set[str], internal: set[str]) -> bool:
    """Whether a block is a teaser for another page set in the text, which news sites put
    between an article's paragraphs in every language:

    - a headline alone: the whole text of a link to another page of the same site, longer than
      a navigation line and not ending like a sentence ("Ein Roadtrip entlang der Route 66");
      a link to another site named as a paragraph is a source, content;
    - a short label, a colon, then the whole text of a link ("Read more: <headline>", "Lea
      también: <headline>"): the label alone tells nothing, the headline being a link's text
      does. The label is words only: "24 mai 2016 : <article>" lists a page's press coverage.
    """
    low = paragraph.lower()
    if low in internal and not low.endswith(".") and count_words(low) > LINK_LINE_WORDS:
        return True
    if ":" not in paragraph:
        return False
    label, _, rest = low.partition(":")
    words = label.split()
    return 0 < len(words) <= TEASER_LABEL_WORDS and all(_WORD.fullmatch(w) for w in words) \
        and " ".join(rest.split()) in anchors and len(rest.split()) >= 3


def extract_html(
    body: bytes,
    *,
    min_words: int,
    charset: str | None = None,
    url: str | None = None,
    captured_at: datetime | None = None,
    search_date_text: bool = True,
) -> HtmlResult:
    """Extract the main text, title, date and declared language of an HTML page.

    Args:
        body: the page's bytes as captured.
        min_words: fewer words of main text make the page `empty`.
        charset: the charset the server declared, if any.
        url: the page's original URL (helps trafilatura and htmldate).
        captured_at: when the page was captured; no publication date after it is accepted.
        search_date_text: look for a publication date in the page's text too when its
            metadata has none (see `find_published`).

    Returns:
        An `HtmlResult`.
    """
    text, used, note = decode_html(body, charset)
    tree = load_html(text) if text.strip() else None
    if tree is None:
        return HtmlResult("empty", charset=used, note="no parseable HTML")
    declared_lang = _declared_lang(tree)
    title = _title(tree)
    published = find_published(tree, url=url, captured_at=captured_at,
                               search_text=search_date_text)
    # Style sheets and drawings are never text: trafilatura drops them after copying the tree
    # it is given, so dropping them first makes its copy and its cleaning cheaper (its output
    # is the same on every page of its evaluation set).
    etree.strip_elements(tree, "style", "svg", with_tail=False)
    links = _anchor_texts(tree, url)
    anchors, anchor_total, nav = links.texts, links.words, links.nav
    heading = _heading(tree)
    main, ran_full = _main_text(tree, url, min_words)
    longest_first = sorted(anchors, key=len, reverse=True)
    paragraphs = _paragraphs(main, links, longest_first, heading, title)
    link_words, n_words = _link_share(paragraphs, anchors, anchor_total, longest_first)
    if n_words and link_words >= LINK_SHARE * n_words and not ran_full:
        # The fast mode sometimes takes a page's menu for its text (a long menu of links
        # beside a short article): the full extraction finds the article there.
        full = _paragraphs(_extract(tree, url, fast=False), links, longest_first, heading,
                           title)
        full_link, full_words = _link_share(full, anchors, anchor_total, longest_first)
        if full_words >= min_words and full_link < LINK_SHARE * full_words:
            paragraphs, link_words, n_words = full, full_link, full_words
    result = HtmlResult("ok", paragraphs, title, published, declared_lang, used, note,
                        headings=_headings(tree))
    if n_words and link_words >= LINK_SHARE * n_words:
        result.status = "link_list"
        result.note = f"{link_words} of {n_words} words of the main text are link text"
        return result
    counts = [count_words(p) for p in paragraphs]
    short = {p.lower() for p, n in zip(paragraphs, counts, strict=True) if n <= LINK_LINE_WORDS}
    if short:
        nav |= _box_titles(tree, short - nav)
    kept = [(p, n) for p, n in zip(paragraphs, counts, strict=True)
            if not _link_line(p, nav, n)]
    result.paragraphs = [p for p, _ in kept]
    n_words = sum(n for _, n in kept)
    if n_words < min_words:
        body_words, in_links, n_links = _body_words(tree)
        share = in_links / body_words if body_words else 0.0
        if n_links >= LINK_LIST_MIN and share >= LINK_SHARE:
            result.status = "link_list"
            result.note = (f"the page is {share:.0%} link text ({n_links} links) and has "
                           f"{n_words} words of main text")
        else:
            result.status = "empty"
            result.note = f"{n_words} words of main text (fewer than min_words={min_words})"
    return result

"""The scraper's pure pieces: robots.txt rules, URL normalisation and crawl scope, the CDX
answer, Retry-After, content sniffing, and the repair of a WARC file cut by a kill."""

from __future__ import annotations

import gzip
import io
import uuid
import zlib
from datetime import UTC, datetime

import pytest
from warcio.archiveiterator import ArchiveIterator
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.scrape.crawl import extract_links, in_scope, is_asset, normalise_url
from pipeline.scrape.fetch import FetchSettings
from pipeline.scrape.manifest import Held, make_doc_id, rows_to_table
from pipeline.scrape.responses import parse_content_type, retry_after_seconds, sniff_type
from pipeline.scrape.robots import parse_robots
from pipeline.scrape.wayback import CdxError, closest_to_midyear, parse_cdx, parse_replay_url
from pipeline.warc import (
    BodyDigests,
    Inflater,
    WarcWriter,
    open_record,
    parse_warc_date,
    record_problem,
    recover_open_files,
    response_headers,
)

UA = "city-discourse/0.1 (+mailto:a@b.org)"


# --- robots.txt -------------------------------------------------------------------------------

def test_robots_longest_match_wins_whatever_the_order():
    rules = parse_robots("User-agent: *\nAllow: /fr/ville/\nDisallow: /fr/\n", UA)
    assert rules.allowed("/fr/ville/eau") and not rules.allowed("/fr/contact")
    assert rules.allowed("/en/")


def test_robots_our_group_replaces_the_star_group():
    text = ("User-agent: *\nDisallow: /\n\n"
            "User-agent: City-Discourse\nDisallow: /private/\nCrawl-delay: 3\n")
    rules = parse_robots(text, UA)
    assert rules.allowed("/fr/") and not rules.allowed("/private/x")
    assert rules.crawl_delay == 3.0
    other = parse_robots(text, "someotherbot/1.0")
    assert not other.allowed("/fr/")


def test_robots_wildcards_and_end_anchor():
    rules = parse_robots("User-agent: *\nDisallow: /*.pdf$\nDisallow: /*?session=\n", UA)
    assert not rules.allowed("https://a.example/docs/rapport.pdf")
    assert rules.allowed("https://a.example/docs/rapport.pdf.html")
    assert not rules.allowed("https://a.example/page?session=12")
    assert rules.allowed("https://a.example/page?lang=fr")


def test_robots_empty_disallow_allows_everything():
    assert parse_robots("User-agent: *\nDisallow:\n", UA).allowed("/anything")


# --- URLs and crawl scope ---------------------------------------------------------------------

@pytest.mark.parametrize("url,expected", [
    ("HTTP://Acme.Example:80/ville", "http://acme.example/ville"),
    ("https://acme.example:443/a/../b/./c/", "https://acme.example/b/c/"),
    ("https://acme.example/p?b=2&a=1&utm_medium=x&fbclid=y#s", "https://acme.example/p?a=1&b=2"),
    ("https://acme.example/caf%c3%a9", "https://acme.example/caf%C3%A9"),
    ("https://acme.example", "https://acme.example/"),
    ("http://127.0.0.1:8000/x", "http://127.0.0.1:8000/x"),
])
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_crawl_scope():
    source = "https://acme.example/fr/ville/smart"
    assert in_scope("https://acme.example/fr/ville/eau", source)
    assert in_scope("http://acme.example/fr/ville/eau", source)  # same site over http
    assert not in_scope("https://acme.example/en/city", source)
    assert not in_scope("https://cdn.acme.example/fr/ville/eau", source)
    assert not in_scope("https://acme.example:8443/fr/ville/eau", source)
    assert not in_scope("https://acme.example/fr/ville/logo.PNG", source)
    assert in_scope("https://acme.example/fr/ville/rapport.pdf", source)
    assert is_asset("https://a.example/s.css?v=3") and not is_asset("https://a.example/v1.2/")


def test_extract_links_handles_base_and_bad_charset():
    html = ('<html><head><base href="https://acme.example/fr/"></head><body>'
            '<a href="ville/">v</a><a href="#top">t</a><a href="mailto:x@y">m</a>'
            '<a href="javascript:void(0)">j</a><a href="/fr/ville/">dup</a>'
            '<a href="//other.example/x">o</a> caf\xe9</body></html>').encode("latin-1")
    links = extract_links(io.BytesIO(html), "https://acme.example/elsewhere",
                          charset="x-no-such-charset", chunk_size=7)
    assert links == ["https://acme.example/fr/ville/", "https://other.example/x"]


# --- web archive ------------------------------------------------------------------------------

def test_cdx_closest_to_july_first_and_empty_answers():
    text = ('[["timestamp","original","statuscode","mimetype"],'
            '["20160101000000","http://a.example/","200","text/html"],'
            '["20160630000000","http://a.example/","200","text/html"],'
            '["20160702000000","http://a.example/","200","text/html"],'
            '["20171231000000","http://a.example/","200","text/html"]]')
    captures = parse_cdx(text)
    assert closest_to_midyear(captures, 2016).timestamp == "20160630000000"
    assert closest_to_midyear(captures, 2017).timestamp == "20171231000000"
    assert closest_to_midyear(captures, 2015) is None
    assert parse_cdx("") == [] and parse_cdx("[]") == []
    with pytest.raises(CdxError):
        parse_cdx("<html>rate limited</html>")


def test_replay_url_parsing():
    assert parse_replay_url("https://web.archive.org/web/20160615000000id_/https://a.example/x"
                            ) == ("20160615000000", "https://a.example/x")
    assert parse_replay_url("https://a.example/web/page") is None


def test_doc_id_is_stable():
    assert make_doc_id("https://a.example/", "20160615000000") == make_doc_id(
        "https://a.example/", "20160615000000")
    assert len(make_doc_id("https://a.example/", "20160615000000")) == 16
    assert make_doc_id("https://a.example/", "20160615000000") != make_doc_id(
        "https://a.example/", "20160615000001")


# --- HTTP details -----------------------------------------------------------------------------

def test_retry_after_as_seconds_or_date():
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds("Mon, 01 Jan 2024 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_content_type_and_sniffing():
    assert parse_content_type('text/HTML; Charset="ISO-8859-1"') == ("text/html", "iso-8859-1")
    assert parse_content_type(None) == (None, None)
    assert sniff_type(b"\xef\xbb\xbf  <!DOCTYPE html><html>") == "text/html"
    assert sniff_type(b"%PDF-1.7\n") == "application/pdf"
    assert sniff_type(b"PK\x03\x04") is None


def test_settings_refuse_a_user_agent_without_contact():
    with pytest.raises(ValueError, match="give a contact"):
        FetchSettings.from_params({"user_agent": "python-httpx"})


# --- WARC recovery ----------------------------------------------------------------------------

def _write(folder, n):
    writer = WarcWriter(folder, run_id="20240101000000-aaaaaa", max_bytes=1 << 30)
    for i in range(n):
        body = f"<html>page {i}</html>".encode() * 50
        http = response_headers(200, "OK", [("Content-Type", "text/html")])
        digests = BodyDigests(http)
        digests.update(body)
        writer.write_response(url=f"http://a.example/{i}", date=parse_warc_date(
            "2024-01-01T00:00:00Z"), http_headers=http, payload=io.BytesIO(body),
            digests=digests, request_line=f"GET /{i} HTTP/1.1", request_headers=[])
    return writer


def test_a_file_cut_by_a_kill_is_recovered_to_its_last_whole_record(tmp_path):
    writer = _write(tmp_path, 3)
    open_path = next(tmp_path.glob("*.open"))
    whole = open_path.stat().st_size
    with open(open_path, "ab") as fh:  # half a record, as a kill mid-write leaves it
        fh.write(b"\x1f\x8b\x08\x00" + b"\x00" * 40)
    writer._file = None  # the process died: nobody closes it
    [(recovered, dropped)] = recover_open_files(tmp_path)
    assert recovered.name.endswith(".warc.gz") and dropped == 44
    assert recovered.stat().st_size == whole
    with open(recovered, "rb") as fh:
        records = [r.rec_type for r in ArchiveIterator(fh, check_digests=True)]
    assert records.count("response") == 3 and records[0] == "warcinfo"


def test_an_open_file_without_a_whole_record_is_removed(tmp_path):
    path = tmp_path / "scrape-x-00001.warc.gz.open"
    path.write_bytes(b"\x1f\x8b\x08")
    assert recover_open_files(tmp_path) == [] and not path.exists()


# --- bounded decoding and reading back (issue 15) ------------------------------------------------

def test_inflater_is_bounded_and_copes_with_what_servers_send():
    text = b"<html>" + b"ville " * 5000 + b"</html>"
    pieces = list(Inflater("gzip").inflate(gzip.compress(bytes(3 << 20)), step=1 << 20))
    assert [len(p) for p in pieces] == [1 << 20] * 3  # never more than a step at a time
    two_members = gzip.compress(text[:100]) + gzip.compress(text[100:])
    assert b"".join(Inflater("x-gzip").inflate(two_members)) == text
    raw_deflate = zlib.compressobj(6, zlib.DEFLATED, -15)
    body = raw_deflate.compress(text) + raw_deflate.flush()
    assert b"".join(Inflater("deflate").inflate(body)) == text  # deflate without its header
    liar = Inflater("gzip")  # declared gzip, sent plain: read as it is
    assert b"".join(liar.inflate(text)) == text and "not compressed" in liar.broken


def test_a_capture_whose_record_is_damaged_is_not_held(tmp_path):
    writer = _write(tmp_path / "warc", 2)
    writer.close()
    path = next((tmp_path / "warc").glob("*.warc.gz"))
    with open(path, "rb") as fh:
        offsets = list(_offsets(fh))
    good, bad = ({"warc_file": f"warc/{path.name}", "warc_offset": o} for o in offsets)
    with open(path, "r+b") as fh:
        fh.truncate(bad["warc_offset"] + 300)
    assert record_problem(path, good["warc_offset"]) is None
    assert "cut short" in record_problem(path, bad["warc_offset"])
    assert "digest" in record_problem(path, good["warc_offset"], sha256="0" * 64)
    assert record_problem(tmp_path / "gone.warc.gz", 0) == "WARC file not found"

    stamp = datetime(2016, 7, 1, tzinfo=UTC)
    rows = [{**row, "url": url, "outcome": "ok", "from_archive": True,
             "archive_timestamp": stamp, "fetched_at": stamp, "sha256": None,
             "final_url": f"https://web.archive.org/web/20160601000000id_/{url}"}
            for row, url in ((good, "http://a.example/0"), (bad, "http://a.example/1"))]
    held = Held.from_table(rows_to_table(rows), problem=lambda row: record_problem(
        tmp_path / row["warc_file"], row["warc_offset"]))
    # the readable capture settles its year (the one served, and the one asked for)...
    assert held.archive_years == {("http://a.example/0", 2016)}
    assert ("http://a.example/0", "20160601000000") in held.archive_stamps
    # ...the damaged one is fetched again
    assert [row["url"] for row, _ in held.damaged] == ["http://a.example/1"]


@pytest.mark.parametrize("gzipped", [True, False], ids=["warc.gz", "warc"])
def test_an_offset_inside_a_record_never_reads_as_a_record(tmp_path, gzipped):
    """A fetches row whose offset points into its record (a damaged row) is refused, whatever
    bytes it lands on: warcio reads a first line of five words as an ARC header, so without the
    check about one such offset in twenty read back as an empty response (`empty`, not
    `unreadable`, in extract; not re-fetched by scrape). The records' ids and dates are fixed,
    so the bytes, and this test, are the same on every run. Replay reads other tools' plain
    `.warc` files through the same function."""
    path = tmp_path / ("a.warc.gz" if gzipped else "a.warc")
    starts = []
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzipped)
        for i in range(120):
            starts.append(fh.tell())
            http = StatusAndHeaders("200 OK", [("Content-Type", "text/html")],
                                    protocol="HTTP/1.1")
            writer.write_record(writer.create_warc_record(
                f"https://a.example/{i}", "response", payload=io.BytesIO(b"<p>page %d</p>" % i),
                http_headers=http, warc_headers_dict={
                    "WARC-Record-ID": f"<urn:uuid:{uuid.UUID(int=i)}>",
                    "WARC-Date": "2024-01-01T00:00:00Z"}))
    read_as_records = []
    for start, end in zip(starts, [*starts[1:], path.stat().st_size], strict=True):
        with open_record(path, start) as record:
            assert record.rec_type == "response"
        assert record_problem(path, start) is None
        for offset in range(start + 1, min(end, start + 48)):
            try:
                with open_record(path, offset) as record:
                    read_as_records.append((offset, record.format, record.rec_type))
            except ValueError as exc:
                assert f"offset {offset}" in str(exc) and str(path) in str(exc)
            assert record_problem(path, offset) is not None, offset
    assert read_as_records == []


def _offsets(fh):
    records = ArchiveIterator(fh)
    for record in records:
        if record.rec_type == "response":
            records.read_to_end(record)
            yield records.get_record_offset()

"""`--replay`: a study re-run from WARC files written by another tool, with no network."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

import pandas as pd
import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline.errors import EXIT_INPUT, EXIT_SOURCES
from pipeline.scrape.manifest import make_doc_id
from pipeline.warc import open_record
from tests.servers import page, run_scrape

HOME = "https://acme.invalid/fr/ville/"  # .invalid: any attempt to reach it would fail
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF\n"


def _chunked(body: bytes) -> bytes:
    half = len(body) // 2
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in (body[:half], body[half:])) + \
        b"0\r\n\r\n"


def write_foreign_warc(path: Path, gzip: bool) -> dict[str, str]:
    """A WARC as another crawler writes it (warcio, WARC/1.0, its own record ids)."""
    ids = {}
    with open(path, "wb") as fh:
        writer = WARCWriter(fh, gzip=gzip)
        writer.write_record(writer.create_warcinfo_record(path.name, {"software": "othertool"}))

        def response(url: str, date: str, status: str, headers: list, body: bytes) -> None:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(url, "response", payload=BytesIO(body),
                                               length=len(body), http_headers=http,
                                               warc_headers_dict={"WARC-Date": date})
            writer.write_record(record)
            ids[f"{url} {date}"] = record.rec_headers.get_header("WARC-Record-ID")

        html = [("Content-Type", "text/html; charset=utf-8")]
        response(HOME, "2019-03-04T05:06:07Z", "200 OK", html,
                 page("accueil 2019", ["eau.html", "autre.html"]))
        response(HOME, "2021-03-04T05:06:07Z", "200 OK", html, page("accueil 2021"))
        response(HOME + "eau.html", "2019-03-04T05:06:09Z", "200 OK", html, page("eau"))
        response("http://acme.invalid/old", "2019-03-04T05:06:10Z", "301 Moved Permanently",
                 [("Location", HOME)], b"")
        response("https://acme.invalid/rapport.pdf", "2019-03-04T05:06:11Z", "200 OK",
                 [("Content-Type", "application/pdf"), ("Transfer-Encoding", "chunked")],
                 _chunked(PDF))
        for stamp in ("20160620000000", "20161101000000"):
            response(f"https://web.archive.org/web/{stamp}id_/{HOME}", "2024-01-02T03:04:05Z",
                     "200 OK", html, page(f"archive {stamp}"))
        writer.write_record(writer.create_revisit_record(
            HOME, "sha1:AAAA", HOME, "2019-03-04T05:06:07Z"))
    return ids


SOURCES = (f"acme page {HOME} depth=1 archive=2016-2017\n"
           "acme page http://acme.invalid/old\n"
           "acme report https://acme.invalid/rapport.pdf\n"
           "acme page https://acme.invalid/absent.html\n")


@pytest.mark.parametrize("gzip", [True, False], ids=["warc.gz", "warc"])
def test_replay_reads_another_tools_warc(tmp_path, gzip):
    warc = tmp_path / ("other.warc.gz" if gzip else "other.warc")
    ids = write_foreign_warc(warc, gzip)
    status, table = run_scrape(tmp_path, SOURCES, "--replay", str(warc))
    assert status == EXIT_SOURCES  # absent.html is in no WARC
    t = table.assign(key=table["url"].str.replace("https://acme.invalid", "", regex=False))

    home = t[(t["url"] == HOME) & ~t["from_archive"]].sort_values("fetched_at")
    assert list(home["fetched_at"]) == [pd.Timestamp("2019-03-04 05:06:07", tz="UTC"),
                                        pd.Timestamp("2021-03-04 05:06:07", tz="UTC")]
    assert list(home["doc_id"]) == [make_doc_id(HOME, "20190304050607"),
                                    make_doc_id(HOME, "20210304050607")]
    assert (home["outcome"] == "ok").all() and (home["n_attempts"] == 0).all()

    # the crawl follows a link found in the replayed page, if the WARC holds it
    crawled = t[t["depth"] == 1]
    assert list(crawled["url"]) == [HOME + "eau.html"]

    archived = t[t["from_archive"]].set_index("outcome")
    assert archived.loc["ok", "archive_timestamp"] == pd.Timestamp("2016-06-20", tz="UTC")
    assert archived.loc["ok", "doc_id"] == make_doc_id(HOME, "20160620000000")
    assert "2017" in archived.loc["replay_missing", "error"]

    moved = t[t["url"] == "http://acme.invalid/old"].iloc[0]
    assert (moved["outcome"], moved["final_url"]) == ("ok", HOME)

    pdf = t[t["url"] == "https://acme.invalid/rapport.pdf"].iloc[0]
    assert pdf["sha256"] == hashlib.sha256(PDF).hexdigest()  # de-chunked, as readers see it
    assert pdf["content_type"] == "application/pdf"

    absent = t[t["url"] == "https://acme.invalid/absent.html"].iloc[0]
    assert absent["outcome"] == "replay_missing"

    # records are copied unchanged into our own WARC, so the output stands on its own
    first = home.iloc[0]
    with open_record(tmp_path / "raw" / first["warc_file"], int(first["warc_offset"])) as rec:
        assert rec.rec_headers.get_header("WARC-Record-ID") == \
            ids[f"{HOME} 2019-03-04T05:06:07Z"]
        assert b"accueil 2019" in rec.content_stream().read()


def test_replaying_twice_adds_nothing(tmp_path):
    warc = tmp_path / "other.warc.gz"
    write_foreign_warc(warc, gzip=True)
    _, first = run_scrape(tmp_path, SOURCES, "--replay", str(warc))
    _, second = run_scrape(tmp_path, SOURCES, "--replay", str(warc))
    new = second[~second["fetch_id"].isin(first["fetch_id"])]
    assert set(new["outcome"]) == {"replay_missing"}  # only the misses are reported again


def test_replay_of_our_own_warc_gives_the_same_doc_ids(tmp_path):
    from tests.servers import serve, static

    with serve({"/a.html": static(page("a"))}) as server:
        sources = f"acme page {server.url('/a.html')}\n"
        _, live = run_scrape(tmp_path / "live", sources)
    warcs = sorted((tmp_path / "live" / "raw" / "warc").glob("*.warc.gz"))
    _, replayed = run_scrape(tmp_path / "again", sources, "--replay", *map(str, warcs))
    assert list(replayed["doc_id"]) == list(live["doc_id"])
    assert list(replayed["sha256"]) == list(live["sha256"])
    assert replayed.iloc[0]["fetched_at"] == live.iloc[0]["fetched_at"]


def test_a_missing_or_broken_replay_file_is_a_clear_error(tmp_path, caplog):
    broken = tmp_path / "broken.warc.gz"
    broken.write_bytes(b"this is not a WARC file")
    status, _ = run_scrape(tmp_path, SOURCES, "--replay", str(broken))
    assert status == EXIT_INPUT and "broken.warc.gz: not a readable WARC" in caplog.text
    status, _ = run_scrape(tmp_path, SOURCES, "--replay", str(tmp_path / "nope.warc.gz"))
    assert status == EXIT_INPUT and "nope.warc.gz: replay WARC not found" in caplog.text


def test_replay_dates_are_utc(tmp_path):
    warc = tmp_path / "other.warc.gz"
    write_foreign_warc(warc, gzip=True)
    _, table = run_scrape(tmp_path, SOURCES, "--replay", str(warc))
    assert str(table["fetched_at"].dt.tz) == "UTC"
    assert table["fetched_at"].min() >= pd.Timestamp(datetime(2019, 1, 1, tzinfo=UTC))

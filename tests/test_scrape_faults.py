"""The scraper against a local server that misbehaves on purpose (tests/servers.py).

One run fetches a good page first; a second run asks for every faulty URL at once together
with a good page. Each test then checks the row of one fault: its outcome and error, that the
run went on past it, and that the first run's capture is still there and readable.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import logging
import resource
import socket
import time
import zlib
from urllib.parse import parse_qs, urlsplit

import pandas as pd
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.errors import EXIT_INPUT, EXIT_OK, EXIT_SOURCES
from pipeline.scrape.manifest import make_doc_id
from pipeline.warc import open_record
from tests.servers import (
    FaultServer,
    assert_spaced,
    drip,
    encoded,
    fault_server,
    gate_starts,
    gzip_bomb,
    page,
    run_scrape,
    send,
    serve,
    short_body,
    static,
)

MAX_BYTES = 100_000
FAULTS = ["/gone-404.html", "/gone-410.html", "/flaky.html", "/busy.html", "/stall.html",
          "/busy-for-an-hour.html", "/broken.html",
          "/loop-a.html", "/moved.html", "/huge.html", "/private/secret.html", "/image.png",
          "/wrong-charset.html", "/no-charset.html", "/no-type.html", "/report.pdf"]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def faults(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faults")
    with fault_server(stall_seconds=5.0, huge_bytes=2_000_000) as server:
        status1, first = run_scrape(folder, f"acme page {server.url('/ok.html')}\n")
        assert status1 == 0 and list(first["outcome"]) == ["ok"]
        lines = [f"acme page {server.url('/ok.html')}", f"acme page {server.url('/etag.html')}"]
        lines += [f"acme page {server.url(p)}" for p in FAULTS]
        lines += ["dead page http://no-such-host.invalid/ville",
                  f"dead page http://127.0.0.1:{_closed_port()}/ville"]
        started = time.monotonic()
        status2, table = run_scrape(folder, "\n".join(lines) + "\n", max_bytes=MAX_BYTES)
        elapsed = time.monotonic() - started
        yield {"server": server, "first": first, "table": table, "status": status2,
               "folder": folder, "elapsed": elapsed}


def row(faults, path_or_url: str):
    table = faults["table"]
    url = path_or_url if "://" in path_or_url else faults["server"].url(path_or_url)
    rows = table[table["url"] == url].sort_values("fetched_at")
    assert len(rows), f"no row for {url}"
    return rows.iloc[-1]


def test_the_run_goes_on_and_the_exit_status_names_the_failures(faults):
    assert faults["status"] == EXIT_SOURCES  # the run completed; some sources failed
    assert row(faults, "/etag.html")["outcome"] == "ok"  # a good page asked with the faults
    # every fault has its row: the run did not stop at any of them
    for path in FAULTS:
        row(faults, path)
    assert faults["elapsed"] < 15


def test_nothing_captured_before_is_lost(faults):
    first = faults["first"].iloc[0]
    table = faults["table"]
    kept = table[table["fetch_id"] == first["fetch_id"]]
    assert len(kept) == 1 and kept.iloc[0]["outcome"] == "ok"
    with open_record(faults["folder"] / "raw" / first["warc_file"],
                     int(first["warc_offset"])) as record:
        assert b"<h1>ok</h1>" in record.content_stream().read()
    # the good page was already captured, so the second run skipped it: its one other
    # request is /moved.html's redirect
    assert faults["server"].hits["/ok.html"] == 2


@pytest.mark.parametrize("path,status", [("/gone-404.html", 404), ("/gone-410.html", 410)])
def test_404_and_410_are_http_errors_and_archived(faults, path, status):
    r = row(faults, path)
    assert (r["outcome"], r["status"]) == ("http_error", status)
    assert str(status) in r["error"]
    assert not pd.isna(r["warc_file"])  # the error page is kept, as any response
    assert faults["server"].hits[path] == 1  # a 4xx is not retried


def test_500_then_success_is_retried(faults):
    r = row(faults, "/flaky.html")
    assert (r["outcome"], r["status"], r["n_attempts"]) == ("ok", 200, 2)
    assert faults["server"].hits["/flaky.html"] == 2


def test_429_honours_retry_after(faults):
    r = row(faults, "/busy.html")
    assert (r["outcome"], r["n_attempts"]) == ("ok", 2)
    times = [t for path, _, t in faults["server"].timed if path == "/busy.html"]
    # the backoff param is 0.01 s: only Retry-After: 1 explains a one-second wait
    assert times[1] - times[0] >= 0.9


def test_a_server_error_that_lasts_is_given_up_after_the_retries(faults):
    r = row(faults, "/broken.html")
    assert (r["outcome"], r["status"], r["n_attempts"]) == ("http_error", 503, 3)
    assert "503" in r["error"] and "3 attempts" in r["error"]


def test_a_retry_after_too_long_ends_the_retries(faults):
    r = row(faults, "/busy-for-an-hour.html")
    assert (r["outcome"], r["status"], r["n_attempts"]) == ("http_error", 429, 1)
    assert "3600" in r["error"] and "max_retry_wait" in r["error"]


def test_a_stalled_server_times_out_after_retries(faults):
    r = row(faults, "/stall.html")
    assert r["outcome"] == "timeout"
    assert "read timeout" in r["error"] and "3 attempts" in r["error"]
    assert r["n_attempts"] == 3 and faults["server"].hits["/stall.html"] == 3
    assert pd.isna(r["warc_file"])


def test_a_redirect_loop_is_caught(faults):
    r = row(faults, "/loop-a.html")
    assert r["outcome"] == "redirect_loop"
    assert "loop-b.html" in r["error"] and r["error"].count("loop-a.html") == 2
    assert faults["server"].hits["/loop-a.html"] == 1  # caught at once, not after 5 hops


def test_a_redirect_is_followed_and_final_url_recorded(faults):
    r = row(faults, "/moved.html")
    assert r["outcome"] == "ok" and r["final_url"] == faults["server"].url("/ok.html")
    assert r["url"] == faults["server"].url("/moved.html")


def test_a_body_over_the_limit_is_cut_and_marked(faults):
    r = row(faults, "/huge.html")
    assert r["outcome"] == "too_large" and r["n_bytes"] == MAX_BYTES
    assert str(MAX_BYTES) in r["error"]
    with open_record(faults["folder"] / "raw" / r["warc_file"], int(r["warc_offset"])) as rec:
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"
        assert len(rec.content_stream().read()) == MAX_BYTES


def test_robots_txt_is_obeyed(faults):
    r = row(faults, "/private/secret.html")
    assert r["outcome"] == "robots_disallowed" and "robots.txt" in r["error"]
    assert faults["server"].hits["/private/secret.html"] == 0
    assert faults["server"].hits["/robots.txt"] == 2  # once per host and run (two runs)


def test_other_content_types_are_not_downloaded(faults):
    r = row(faults, "/image.png")
    assert (r["outcome"], r["content_type"]) == ("unsupported_type", "image/png")
    assert pd.isna(r["warc_file"]) and r["n_bytes"] == 0


def test_a_wrong_charset_keeps_the_bytes_untouched(faults):
    latin1 = ("<html><head><title>Énergie</title></head><body><p>Les collectivités et "
              "leurs élus.</p></body></html>").encode("latin-1")
    wrong, missing = row(faults, "/wrong-charset.html"), row(faults, "/no-charset.html")
    assert (wrong["outcome"], wrong["charset"]) == ("ok", "utf-8")  # what the header claimed
    assert missing["outcome"] == "ok" and pd.isna(missing["charset"])
    for r in (wrong, missing):
        assert r["sha256"] == hashlib.sha256(latin1).hexdigest()
        with open_record(faults["folder"] / "raw" / r["warc_file"],
                         int(r["warc_offset"])) as rec:
            assert rec.content_stream().read() == latin1


def test_missing_or_generic_types_are_sniffed(faults):
    assert row(faults, "/no-type.html")[["outcome", "content_type"]].tolist() == [
        "ok", "text/html"]
    assert row(faults, "/report.pdf")[["outcome", "content_type"]].tolist() == [
        "ok", "application/pdf"]


def test_dns_failure_and_refused_connection(faults):
    dns = row(faults, "http://no-such-host.invalid/ville")
    assert dns["outcome"] == "dns_error" and "no-such-host.invalid" in dns["error"]
    refused = faults["table"][faults["table"]["firm"] == "dead"]
    refused = refused[refused["url"].str.startswith("http://127.0.0.1")].iloc[0]
    assert refused["outcome"] == "network_error" and "refused" in refused["error"]
    assert dns["n_attempts"] == 1 and refused["n_attempts"] == 1  # not worth retrying


def test_every_warc_file_reads_cleanly(faults):
    files = sorted((faults["folder"] / "raw" / "warc").glob("*.warc.gz"))
    assert len(files) == 2  # one per run
    for path in files:
        with open(path, "rb") as fh:
            types = [rec.rec_type for rec in ArchiveIterator(fh, check_digests=True)]
        assert types[0] == "warcinfo" and types.count("response") == types.count("request")


def test_user_agent_from_params(faults):
    agents = {h.get("User-Agent") for _, h in faults["server"].requests}
    assert agents == {"city-discourse-test/0.1 (+mailto:tests@example.org)"}


def test_summary_table_ends_the_run(tmp_path, caplog):
    with fault_server() as server:
        caplog.set_level(logging.INFO, logger="pipeline.scrape")
        sources = (f"acme page {server.url('/ok.html')}\n"
                   f"acme page {server.url('/gone-404.html')}\n"
                   f"acme page {server.url('/image.png')}\n")
        run_scrape(tmp_path, sources)
    summary = caplog.records[-1].getMessage()
    assert summary.startswith("scrape summary")
    counts = {line.rsplit(None, 1)[0].strip(): int(line.rsplit(None, 1)[1])
              for line in summary.splitlines()[1:] if line.strip()[-1].isdigit()
              and not line.strip().startswith("sources")}
    assert counts["fetched"] == 1 and counts["failed"] == 2
    assert counts["http_error 404"] == 1 and counts["unsupported_type"] == 1


def test_exit_status_says_when_some_sources_could_not_be_fetched(tmp_path):
    with fault_server() as server:
        bad = (f"acme page {server.url('/gone-404.html')}\n"
               "dead page http://no-such-host.invalid/\n")
        status, table = run_scrape(tmp_path / "a", bad)
        assert status == EXIT_SOURCES and set(table["outcome"]) == {"http_error", "dns_error"}
        mixed = bad + f"acme page {server.url('/ok.html')}\n"
        status, table = run_scrape(tmp_path / "b", mixed)
        assert status == EXIT_SOURCES and "ok" in set(table["outcome"])
        # dvc.yaml's --keep-going: the later stages run, the rows still say what failed
        status, _ = run_scrape(tmp_path / "c", mixed, "--keep-going")
        assert status == EXIT_OK
        status, _ = run_scrape(tmp_path / "d", f"acme page {server.url('/ok.html')}\n")
        assert status == EXIT_OK


def test_malformed_sources_fetch_nothing(tmp_path, caplog):
    with fault_server() as server:
        sources = (f"acme page {server.url('/ok.html')}\n"
                   f"acme leaflet {server.url('/a.html')}\n"
                   "acme page not-a-url\n"
                   f"acme page {server.url('/b.html')} year=20x9\n")
        status, table = run_scrape(tmp_path, sources)
        assert status == EXIT_INPUT and table is None
        assert sum(server.hits.values()) == 0
    message = "\n".join(r.getMessage() for r in caplog.records)
    for line, reason in ((2, "unknown kind"), (3, "malformed URL"), (4, "bad year")):
        assert f"sources.txt:{line}: {reason}" in message
    assert not (tmp_path / "raw" / "warc").exists()


# --- bounded fetching (issue 15) ----------------------------------------------------------------

BOMB_BYTES = 200 << 20  # inflates to 200 MiB; about 200 KB on the wire
PDF = b"%PDF-1.4\n% a tiny PDF\n%%EOF\n"


def _maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


@pytest.fixture(scope="module")
def bounded(tmp_path_factory):
    """One run over pages that would hold a crawler without bounds, asked all at once."""
    folder = tmp_path_factory.mktemp("bounded")
    server = FaultServer({})
    stop = lambda: server.stop  # noqa: E731
    latin1_name = 'inline; filename="r\xe9sum\xe9 \xe9t\xe9.html"'
    server.routes.update({
        "/robots.txt": static(b"User-agent: *\nAllow: /\n", headers={"Content-Type": "text/plain"}),
        "/bomb.html": encoded(gzip_bomb(BOMB_BYTES)),
        "/small.html.gz": encoded(gzip.compress(page("compressed, and small"))),
        "/drip.html": drip(stop, every=0.1),
        "/short.html": short_body(b"<html><body>" + b"x" * 388, declared=1000),
        "/short-404.html": short_body(b"<html>not here", declared=1000, status=404),
        "/html-as-pdf": static(page("une page"), headers={"Content-Type": "application/pdf"}),
        "/pdf-as-html": static(PDF, headers={"Content-Type": "text/html"}),
        "/latin1-header.html": static(page("en-tetes"), headers={
            "Content-Type": "text/html", "Content-Disposition": latin1_name}),
    })
    server.start()
    paths = list(server.routes)[1:]
    try:
        before = _maxrss_mb()
        started = time.monotonic()
        status, table = run_scrape(folder, "".join(f"acme page {server.url(p)}\n" for p in paths),
                                   max_bytes=1_000_000, max_decoded_bytes=2_000_000,
                                   read_timeout=2.0, request_deadline=3.0)
        yield {"server": server, "table": table, "status": status, "folder": folder,
               "elapsed": time.monotonic() - started, "rss_growth": _maxrss_mb() - before}
    finally:
        server.close()


def _row(bounded, path):
    table = bounded["table"]
    rows = table[table["url"] == bounded["server"].url(path)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_every_bounded_case_ends_in_a_row_within_seconds(bounded):
    # the run completed; the faulty pages are failures the exit status points to
    assert bounded["status"] == EXIT_SOURCES and len(bounded["table"]) == 8
    assert bounded["elapsed"] < 10


def test_a_decompression_bomb_is_too_large_and_never_inflated(bounded):
    r = _row(bounded, "/bomb.html")
    assert r["outcome"] == "too_large" and "max_decoded_bytes" in r["error"]
    assert r["n_bytes"] < 100_000  # cut a few KB past 2 MB of inflated text
    with open_record(bounded["folder"] / "raw" / r["warc_file"], int(r["warc_offset"])) as rec:
        assert rec.rec_headers.get_header("WARC-Truncated") == "length"
    assert bounded["rss_growth"] < 100  # MB, for a body that inflates to 200 MiB


def test_a_small_compressed_page_is_ok(bounded):
    r = _row(bounded, "/small.html.gz")
    assert (r["outcome"], r["content_type"]) == ("ok", "text/html")


def test_a_dripping_server_is_cut_at_the_request_deadline(bounded):
    r = _row(bounded, "/drip.html")
    assert r["outcome"] == "timeout" and "request_deadline (3 s)" in r["error"]
    assert bounded["server"].hits["/drip.html"] == 1  # a drip is not retried


def test_html_vs_pdf_the_bytes_win_over_the_declared_type(bounded):
    assert _row(bounded, "/html-as-pdf")["content_type"] == "text/html"
    assert _row(bounded, "/pdf-as-html")["content_type"] == "application/pdf"


def test_a_body_shorter_than_its_content_length_is_truncated(bounded):
    r = _row(bounded, "/short.html")
    assert r["outcome"] == "truncated" and "400 of 1000 bytes" in r["error"]
    assert r["n_attempts"] == 3  # retried as a dropped connection, then recorded
    with open_record(bounded["folder"] / "raw" / r["warc_file"], int(r["warc_offset"])) as rec:
        assert rec.rec_headers.get_header("WARC-Truncated") == "disconnect"
        assert len(rec.content_stream().read()) == 400  # what came is kept
    # an error page cut short is still the error it is
    r = _row(bounded, "/short-404.html")
    assert (r["outcome"], r["status"]) == ("http_error", 404)


def test_header_bytes_are_stored_as_received(bounded):
    r = _row(bounded, "/latin1-header.html")
    path = bounded["folder"] / "raw" / r["warc_file"]
    with open(path, "rb") as fh:
        fh.seek(int(r["warc_offset"]))
        member = zlib.decompressobj(31).decompress(fh.read())
    assert b'filename="r\xe9sum\xe9 \xe9t\xe9.html"\r\n' in member  # latin-1, not %-encoded
    with open(path, "rb") as fh:  # and the block digest covers those very bytes
        assert all(rec.rec_type for rec in ArchiveIterator(fh, check_digests="raise"))


def test_a_dripping_robots_txt_does_not_hold_its_host(tmp_path):
    server = FaultServer({})
    server.routes.update({"/robots.txt": drip(lambda: server.stop, every=0.1,
                                              content_type="text/plain"),
                          "/ok.html": static(page("ok"))})
    with contextlib.closing(server.start()):
        started = time.monotonic()
        status, table = run_scrape(tmp_path, f"acme page {server.url('/ok.html')}\n",
                                   read_timeout=2.0, request_deadline=1.0)
        elapsed = time.monotonic() - started
    assert status == 0 and list(table["outcome"]) == ["ok"]
    assert elapsed < 4 and server.hits["/robots.txt"] == 1


def test_the_first_request_after_robots_txt_waits_the_crawl_delay(tmp_path, monkeypatch):
    starts = gate_starts(monkeypatch)
    routes = {"/robots.txt": static(b"User-agent: *\nCrawl-delay: 1\n",
                                    headers={"Content-Type": "text/plain"}),
              "/a.html": static(page("a")), "/b.html": static(page("b"))}
    with serve(routes) as server:
        run_scrape(tmp_path, f"acme page {server.url('/a.html')}\n"
                             f"acme page {server.url('/b.html')}\n", delay=0.0)
    assert server.timed[0][0] == "/robots.txt" and len(server.timed) == 3
    assert_spaced(starts, [t for _, _, t in server.timed], delay=1.0)


# --- web-archive captures by what was served (issue 15, part 2) --------------------------------

T2016, T2017 = "20160701000000", "20170612000000"


def _cdx(h):
    """A CDX API that lists one capture a year: 2016's replay redirects to 2017's."""
    year = parse_qs(urlsplit(h.path).query)["from"][0]
    url = parse_qs(urlsplit(h.path).query)["url"][0]
    stamp = {"2016": T2016, "2017": T2017}.get(year)
    rows = [["timestamp", "original", "statuscode", "mimetype"]]
    rows += [[stamp, url, "200", "text/html"]] if stamp else []
    send(h, 200, json.dumps(rows).encode(), {"Content-Type": "application/json"})


def _replay_redirect(h):
    send(h, 302, b"", {"Location": h.path.replace(T2016, T2017)})


def test_a_replay_redirect_is_recorded_as_the_capture_served_and_never_duplicated(tmp_path):
    routes = {"/cdx/search/cdx": _cdx, f"/web/{T2016}id_/*": _replay_redirect,
              f"/web/{T2017}id_/*": static(page("juin 2017"))}
    with serve(routes) as archive:
        url = archive.url("/fr/ville/")
        line = f"acme page {url} archive=2016-2017 live=no\n"
        runs = [run_scrape(tmp_path, line, wayback_url=archive.base, read_timeout=5.0)
                for _ in range(3)]
        hits = dict(archive.hits)
    for status, _ in runs:
        assert status == 0
    table = runs[-1][1]
    assert table.equals(runs[0][1])  # re-runs add nothing: both years were tried
    assert hits["/cdx/search/cdx"] == 2  # once a year, first run only
    ok = table[table["outcome"] == "ok"]
    assert len(ok) == 1  # one row for the one capture served, whichever job met it first
    got = ok.iloc[0]
    assert got["archive_timestamp"] == pd.Timestamp("2017-06-12", tz="UTC")
    assert got["doc_id"] == make_doc_id(url, T2017)
    with open_record(tmp_path / "raw" / got["warc_file"], int(got["warc_offset"])) as rec:
        assert b"juin 2017" in rec.content_stream().read()
    if len(table) == 2:  # 2017's job came first: 2016's says what it met
        other = table[table["outcome"] != "ok"].iloc[0]
        assert other["outcome"] == "not_archived" and "already held" in other["error"]
    else:  # 2016's job came first: 2017's found its capture held
        assert len(table) == 1 and T2016 in got["final_url"] and "listed for 2016" in got["error"]


# --- nothing lost on damage (issue 15, part 3) --------------------------------------------------

def _extract(folder, caplog):
    import yaml

    from pipeline.extract import stage as extract

    params = folder / "extract.yaml"
    params.write_text(yaml.safe_dump({"extract": {
        "min_words": 1, "boilerplate_share": 0.5, "boilerplate_min_docs": 4,
        "near_duplicate": 0.9, "passage_words": 250, "workers": 1, "max_bytes": 1 << 20}}))
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="pipeline.extract"):
        status = extract.main(["--raw", str(folder / "raw"), "--params", str(params),
                               "--out", str(folder / "interim")])
    return status, [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def test_a_damaged_warc_is_named_by_extract_and_refetched_by_scrape(tmp_path, caplog):
    with fault_server() as server:
        urls = [server.url("/ok.html"), server.url("/etag.html")]
        sources = "".join(f"acme page {u}\n" for u in urls)
        _, first = run_scrape(tmp_path, sources, read_timeout=5.0)
        assert list(first["outcome"]) == ["ok", "ok"]
        victim = first.sort_values("warc_offset").iloc[-1]  # the last record of the file
        kept = first.sort_values("warc_offset").iloc[0]
        warc = tmp_path / "raw" / victim["warc_file"]
        with open(warc, "r+b") as fh:  # the disk filled up, a copy was cut...
            fh.truncate(int(victim["warc_offset"]) + 200)

        status, errors = _extract(tmp_path, caplog)
        assert status == EXIT_SOURCES  # captures were lost: said in the exit status...
        named = [e for e in errors if e.startswith("lost:")]
        assert len(named) == 1 and victim["url"] in named[0] and victim["warc_file"] in named[0]
        docs = pd.read_parquet(tmp_path / "interim" / "documents.parquet").set_index("url")
        assert docs.loc[victim["url"], "status"] == "unreadable"
        assert docs.loc[kept["url"], "status"] == "ok"  # ...and what could be read is there

        before = dict(server.hits)
        status, table = run_scrape(tmp_path, sources, read_timeout=5.0)
        victim_path, kept_path = (urlsplit(u).path for u in (victim["url"], kept["url"]))
        assert server.hits[victim_path] == before[victim_path] + 1  # fetched again
        assert server.hits[kept_path] == before[kept_path]  # still readable: skipped
    again = table[~table["fetch_id"].isin(first["fetch_id"])]
    assert list(again["url"]) == [victim["url"]] and list(again["outcome"]) == ["ok"]
    status, errors = _extract(tmp_path, caplog)
    assert status == EXIT_OK and not errors  # the page has a readable capture again
    docs = pd.read_parquet(tmp_path / "interim" / "documents.parquet")
    # the new capture is read (within the same second it shares the lost one's doc_id)
    statuses = list(docs.loc[docs["url"] == victim["url"], "status"])
    assert "ok" in statuses and set(statuses) <= {"ok", "unreadable"}
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="pipeline.scrape"):
        # nothing more is asked (the server is gone: a request would add a failed row)
        assert run_scrape(tmp_path, sources)[1].equals(table)
    assert "cannot be read back" not in caplog.text  # the lost capture is replaced, not news


def test_a_page_failing_again_the_same_way_adds_no_row(tmp_path):
    """A robots-blocked page or a host with no address, asked again with nothing changed,
    leaves fetches.parquet as it was: `dvc repro` then re-runs nothing after scrape."""
    with fault_server() as server:
        sources = (f"acme page {server.url('/ok.html')}\n"
                   f"acme page {server.url('/private/secret.html')}\n"
                   "dead page http://no-such-host.invalid/\n")
        status, first = run_scrape(tmp_path, sources)
        table = tmp_path / "raw" / "fetches.parquet"
        before = table.read_bytes()
        status2, second = run_scrape(tmp_path, sources)
    assert status == status2 == EXIT_SOURCES  # the failures are still reported
    assert set(first["outcome"]) == {"ok", "robots_disallowed", "dns_error"}
    assert len(second) == len(first) and table.read_bytes() == before

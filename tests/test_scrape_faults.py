"""The scraper against a local server that misbehaves on purpose (tests/servers.py).

One run fetches a good page first; a second run asks for every faulty URL at once together
with a good page. Each test then checks the row of one fault: its outcome and error, that the
run went on past it, and that the first run's capture is still there and readable.
"""

from __future__ import annotations

import hashlib
import logging
import socket
import time

import pandas as pd
import pytest
from warcio.archiveiterator import ArchiveIterator

from pipeline.errors import EXIT_INPUT, EXIT_OK, EXIT_SOURCES
from pipeline.warc import open_record
from tests.servers import fault_server, run_scrape

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

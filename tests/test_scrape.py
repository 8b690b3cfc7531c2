"""The scrape stage end to end on local servers: web-archive years, crawl, refresh, WARC files,
politeness, and a run killed half-way then resumed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
from warcio.archiveiterator import ArchiveIterator

from demo.server import serve_site
from pipeline import schemas
from pipeline.errors import EXIT_INTERRUPTED
from pipeline.io import read_table
from pipeline.scrape.manifest import make_doc_id
from pipeline.warc import open_record
from tests.servers import (
    assert_spaced,
    gate_starts,
    page,
    run_scrape,
    send,
    serve,
    slow,
    static,
    write_project,
)

ROOT = Path(__file__).resolve().parents[1]


def _site(folder: Path) -> Path:
    """A tiny site: a live section with links, and archive captures of its home page."""
    live = folder / "live" / "fr" / "ville"
    live.mkdir(parents=True)
    (live / "index.html").write_bytes(page("ville", [
        "eau.html", "energie.html#haut", "energie.html?utm_source=news", "/fr/ville/eau.html",
        "style.css", "logo.png", "/en/city.html", "rapport.pdf", "mailto:x@y.org"]))
    (live / "eau.html").write_bytes(page("eau", ["index.html", "eau/usines.html"]))
    (live / "eau").mkdir()
    (live / "eau" / "usines.html").write_bytes(page("usines"))
    (live / "energie.html").write_bytes(page("energie", ["/fr/ville/mobilite.html"]))
    (live / "mobilite.html").write_bytes(page("mobilite"))
    (live / "rapport.pdf").write_bytes(b"%PDF-1.4\n%%EOF\n")
    (folder / "live" / "en").mkdir()
    (folder / "live" / "en" / "city.html").write_bytes(page("city"))
    for stamp, text in (("20150301000000", "mars 2015"), ("20160102000000", "janvier 2016"),
                        ("20160715120000", "juillet 2016"), ("20161230000000", "decembre 2016"),
                        ("20180601000000", "juin 2018")):
        capture = folder / "archive" / stamp / "fr" / "ville"
        capture.mkdir(parents=True)
        (capture / "index.html").write_bytes(page(text))
    return folder


@pytest.fixture()
def site(tmp_path):
    with serve_site(_site(tmp_path / "site")) as base:
        yield base


# --- web-archive years ------------------------------------------------------------------------

def test_archive_years_take_the_capture_closest_to_mid_year(tmp_path, site):
    url = f"{site}/fr/ville/"
    status, table = run_scrape(tmp_path, f"acme page {url} archive=2015-2017 live=no\n",
                               wayback_url=site)
    assert status == 0
    table = table.set_index(table["archive_timestamp"].dt.year.fillna(0).astype(int))
    assert table.loc[2016, "archive_timestamp"] == pd.Timestamp("2016-07-15 12:00", tz="UTC")
    assert table.loc[2015, "archive_timestamp"] == pd.Timestamp("2015-03-01", tz="UTC")
    got = table.loc[2016]
    assert got["url"] == url and bool(got["from_archive"])
    assert got["final_url"] == f"{site}/web/20160715120000id_/{url}"
    assert got["doc_id"] == make_doc_id(url, "20160715120000")
    with open_record(tmp_path / "raw" / got["warc_file"], int(got["warc_offset"])) as rec:
        assert b"juillet 2016" in rec.content_stream().read()
    missing = table[table["outcome"] == "not_archived"]
    assert len(missing) == 1 and "2017" in missing.iloc[0]["error"]
    assert not missing["from_archive"].isna().any() and missing["from_archive"].all()


def test_archive_years_already_settled_are_not_asked_again(tmp_path, site):
    line = f"acme page {site}/fr/ville/ archive=2015-2017 live=no\n"
    _, first = run_scrape(tmp_path, line, wayback_url=site)
    assert sorted(first["outcome"]) == ["not_archived", "ok", "ok"]
    manifest = tmp_path / "raw" / "fetches.parquet"
    stamp = manifest.stat().st_mtime_ns
    _, again = run_scrape(tmp_path, line, wayback_url=site)
    assert len(again) == 3  # held years and the year without capture: nothing asked
    assert manifest.stat().st_mtime_ns == stamp  # untouched, so DVC sees no change
    _, refreshed = run_scrape(tmp_path, line, "--refresh", wayback_url=site)
    new = refreshed[~refreshed["fetch_id"].isin(first["fetch_id"])]
    # looked up again: the held timestamps are skipped, the missing year is asked again
    assert list(new["outcome"]) == ["not_archived"]


@pytest.mark.parametrize("answer,outcome", [
    (static(b"<html>Too many requests, slow down</html>"), "archive_error"),
    (static(b"<html>down</html>", 503), "http_error"),
])
def test_a_failing_web_archive_is_a_row_and_the_run_goes_on(tmp_path, answer, outcome):
    with serve({"/cdx/search/cdx": answer, "/ok.html": static(page("ok"))}) as server:
        status, table = run_scrape(
            tmp_path, f"acme page {server.url('/ok.html')} archive=2016\n",
            wayback_url=server.base)
    assert status == 0
    archived = table[table["from_archive"]].iloc[0]
    assert archived["outcome"] == outcome and "CDX" in archived["error"]
    assert pd.isna(archived["archive_timestamp"])
    assert list(table[~table["from_archive"]]["outcome"]) == ["ok"]


def test_demo_server_replay_redirects_to_the_nearest_capture(tmp_path, site):
    import httpx

    url = f"{site}/fr/ville/"
    answer = httpx.get(f"{site}/web/20160701000000id_/{url}")
    assert answer.status_code == 302
    assert answer.headers["Location"] == f"/web/20160715120000id_/{url}"
    cdx = httpx.get(f"{site}/cdx/search/cdx", params={
        "url": "other.example/fr/ville/", "output": "json", "from": "2016", "to": "2016",
        "fl": "timestamp,original,statuscode,mimetype", "filter": "statuscode:200"}).json()
    assert [r[0] for r in cdx[1:]] == ["20160102000000", "20160715120000", "20161230000000"]
    assert httpx.get(f"{site}/nowhere.html").status_code == 404


# --- crawl ------------------------------------------------------------------------------------

def test_crawl_follows_links_under_the_prefix_only(tmp_path, site):
    status, table = run_scrape(tmp_path, f"acme page {site}/fr/ville/ depth=2\n")
    assert status == 0
    fetched = {u.removeprefix(site): d for u, d in zip(table["url"], table["depth"],
                                                        strict=True)}
    assert fetched == {
        "/fr/ville/": 0, "/fr/ville/eau.html": 1, "/fr/ville/energie.html": 1,
        "/fr/ville/rapport.pdf": 1, "/fr/ville/eau/usines.html": 2,
        "/fr/ville/mobilite.html": 2, "/fr/ville/index.html": 2,
    }  # no /en/ page, no css/png, one energie.html despite fragment and utm_ variants
    assert (table["outcome"] == "ok").all()


def test_crawl_depth_and_max_pages(tmp_path, site):
    _, shallow = run_scrape(tmp_path / "a", f"acme page {site}/fr/ville/ depth=1\n")
    assert shallow["depth"].max() == 1 and len(shallow) == 4
    _, capped = run_scrape(tmp_path / "b", f"acme page {site}/fr/ville/ depth=2 max_pages=3\n")
    assert len(capped) == 3


def test_a_rerun_resumes_a_crawl_from_its_stored_pages(tmp_path, site):
    _, first = run_scrape(tmp_path, f"acme page {site}/fr/ville/ depth=1\n")
    _, second = run_scrape(tmp_path, f"acme page {site}/fr/ville/ depth=2\n")
    new = second[~second["fetch_id"].isin(first["fetch_id"])]
    # depth-1 pages were held: their links were read from the WARC, only depth 2 was fetched
    assert set(new["depth"]) == {2} and len(new) == 3


# --- refresh ----------------------------------------------------------------------------------

def test_refresh_sends_conditional_requests_and_records_304(tmp_path):
    from tests.servers import fault_server

    with fault_server() as server:
        url = server.url("/etag.html")
        _, first = run_scrape(tmp_path, f"acme page {url}\n")
        _, second = run_scrape(tmp_path, f"acme page {url}\n")
        assert len(second) == 1 and server.hits["/etag.html"] == 1  # held: not asked again
        _, third = run_scrape(tmp_path, f"acme page {url}\n", "--refresh")
        headers = server.requests[-1][1]
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Wed, 01 Jan 2020 00:00:00 GMT"
    last = third.sort_values("fetched_at").iloc[-1]
    assert (last["outcome"], last["status"]) == ("not_modified", 304)
    assert last["fetched_at"] > first.iloc[0]["fetched_at"]  # a new dated row in its history


def test_refresh_of_a_changed_page_adds_a_new_capture(tmp_path):
    version = {"n": 1}

    def changing(h):
        send(h, 200, page(f"version {version['n']}"), {"ETag": f'"v{version["n"]}"'})

    with serve({"/p.html": changing}) as server:
        run_scrape(tmp_path, f"acme page {server.url('/p.html')}\n")
        version["n"] = 2
        time.sleep(1.0)  # doc_id counts in seconds: two captures need two distinct seconds
        _, table = run_scrape(tmp_path, f"acme page {server.url('/p.html')}\n", "--refresh")
    assert list(table["outcome"]) == ["ok", "ok"]
    assert table["sha256"].nunique() == 2 and table["doc_id"].nunique() == 2


# --- WARC files -------------------------------------------------------------------------------

def test_warc_files_rotate_and_are_never_rewritten(tmp_path):
    routes = {f"/p{i}.html": static(page(f"page {i} " + "mot " * 400)) for i in range(12)}
    with serve(routes) as server:
        sources = "".join(f"acme page {server.url(p)}\n" for p in routes)
        _, first = run_scrape(tmp_path, sources, warc_max_bytes=3000)
        folder = tmp_path / "raw" / "warc"
        before = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
        assert len(before) >= 3
        run_scrape(tmp_path, sources, "--refresh", warc_max_bytes=3000)
    after = {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}
    assert all(after[name] == stat for name, stat in before.items())
    assert len(after) > len(before)
    for _, r in first.iterrows():  # every row points at its own response record
        with open_record(tmp_path / "raw" / r["warc_file"], int(r["warc_offset"])) as rec:
            assert rec.rec_type == "response"
            assert rec.rec_headers.get_header("WARC-Target-URI") == r["url"]
            assert rec.rec_headers.get_header("WARC-Payload-Digest").startswith("sha1:")
            assert rec.rec_headers.get_header("WARC-Date").startswith(
                r["fetched_at"].strftime("%Y-%m-%dT%H:%M:%S"))


def test_live_doc_id_is_url_and_fetch_time(tmp_path):
    with serve({"/a.html": static(page("a"))}) as server:
        _, table = run_scrape(tmp_path, f"acme page {server.url('/a.html')} year=2019 lang=fr\n")
    r = table.iloc[0]
    assert r["doc_id"] == make_doc_id(r["url"], r["fetched_at"].strftime("%Y%m%d%H%M%S"))
    assert (r["source_year"], r["source_lang"], r["firm"], r["kind"]) == (2019, "fr", "acme",
                                                                          "page")


# --- politeness -------------------------------------------------------------------------------

def test_delay_and_crawl_delay_space_requests_to_a_host(tmp_path, monkeypatch):
    starts = gate_starts(monkeypatch)
    routes = {f"/p{i}.html": static(page(str(i))) for i in range(4)}
    with serve({**routes, "/robots.txt": static(b"User-agent: *\nCrawl-delay: 0.25\n",
                                                headers={"Content-Type": "text/plain"})}
               ) as server:
        sources = "".join(f"acme page {server.url(p)}\n" for p in routes)
        run_scrape(tmp_path, sources, delay=0.05, per_host=4)
    assert server.timed[0][0] == "/robots.txt" and len(server.timed) == 5
    # robots.txt's Crawl-delay (0.25 s) beats params' delay (0.05 s), from the request after
    # robots.txt on, although four requests to the host could run at once
    assert_spaced(starts, [t for _, _, t in server.timed], delay=0.25)


def test_per_host_limit(tmp_path):
    active = {"now": 0, "max": 0}
    lock = threading.Lock()

    def counted(h):
        with lock:
            active["now"] += 1
            active["max"] = max(active["max"], active["now"])
        time.sleep(0.1)
        with lock:
            active["now"] -= 1
        send(h, 200, page("x"))

    routes = {f"/p{i}.html": counted for i in range(8)}
    with serve(routes) as server:
        sources = "".join(f"acme page {server.url(p)}\n" for p in routes)
        run_scrape(tmp_path, sources, per_host=2, concurrency=8)
    assert active["max"] == 2


# --- interrupted runs -------------------------------------------------------------------------

def test_a_killed_run_resumes_without_refetching(tmp_path):
    n_pages = 24
    routes = {"/p*": slow(0.08, lambda path: page(path, [])),
              "/robots.txt": static(b"", 404)}
    with serve(routes) as server:
        sources = "".join(f"acme page {server.url(f'/p{i}.html')}\n" for i in range(n_pages))
        src, prm = write_project(tmp_path, sources, concurrency=2, per_host=2)
        out = tmp_path / "raw"
        proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.scrape", "--sources", str(src), "--params",
             str(prm), "--out", str(out)], cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        journal = out / "journal"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            lines = sum(len(p.read_bytes().splitlines()) for p in journal.glob("*.jsonl")) \
                if journal.exists() else 0
            if lines >= 6:
                break
            time.sleep(0.02)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        assert not (out / "fetches.parquet").exists()  # killed before the end
        assert list((out / "warc").glob("*.warc.gz.open"))  # left open by the kill
        finished = set()
        for path in journal.glob("*.jsonl"):
            for line in path.read_text().splitlines():
                with contextlib.suppress(json.JSONDecodeError):  # a line cut by the kill
                    finished.add(json.loads(line)["url"])
        hits_before = dict(server.hits)

        status, table = run_scrape(tmp_path, sources, concurrency=2, per_host=2)
        assert status == 0
    assert len(finished) >= 6
    for url in finished:  # finished before the kill: not asked again
        path = url.removeprefix(server.base)
        assert server.hits[path] == hits_before[path] == 1
    ok = table[table["outcome"] == "ok"]
    assert sorted(ok["url"]) == sorted(server.url(f"/p{i}.html") for i in range(n_pages))
    assert not list((out / "warc").glob("*.open")) and not journal.exists()
    for path in (out / "warc").glob("*.warc.gz"):  # every file reads to its end
        with open(path, "rb") as fh:
            assert sum(1 for _ in ArchiveIterator(fh, check_digests=True)) > 0
    for _, r in ok.iterrows():
        with open_record(out / r["warc_file"], int(r["warc_offset"])) as rec:
            assert rec.rec_headers.get_header("WARC-Target-URI") == r["url"]


def test_an_interrupted_run_keeps_its_rows(tmp_path, monkeypatch):
    """A run stopped by an exception (Ctrl-C, SIGTERM) closes its WARC and keeps its journal."""
    from pipeline.scrape import stage as scrape_mod

    routes = {f"/p{i}.html": static(page(str(i))) for i in range(6)}
    real_record = scrape_mod.Run.record
    calls = {"n": 0}

    def record_then_stop(self, job, result, **kw):
        row = real_record(self, job, result, **kw)
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return row

    with serve(routes) as server:
        sources = "".join(f"acme page {server.url(p)}\n" for p in routes)
        monkeypatch.setattr(scrape_mod.Run, "record", record_then_stop)
        status, _ = run_scrape(tmp_path, sources, concurrency=1)
        assert status == EXIT_INTERRUPTED
        monkeypatch.setattr(scrape_mod.Run, "record", real_record)
        assert not list((tmp_path / "raw" / "warc").glob("*.open"))  # closed cleanly
        _, table = run_scrape(tmp_path, sources, concurrency=1)
        assert sorted(server.hits[p] for p in routes) == [1] * 6
    assert len(table) == 6 and (table["outcome"] == "ok").all()
    assert read_table(tmp_path / "raw" / "fetches.parquet", schemas.FETCHES).equals(table)

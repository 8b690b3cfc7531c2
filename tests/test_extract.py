"""The extract stage end to end: WARC captures + fetches table in, documents + passages out.

Each test writes its own tiny WARC files with warcio and its own fetches table, so it does not
depend on the scraper's code.
"""

from __future__ import annotations

import hashlib
import io as bytes_io
import json
import logging
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest
import yaml
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from pipeline import io, schemas
from pipeline.errors import EXIT_INPUT, EXIT_SOURCES
from pipeline.extract import stage as extract
from pipeline.extract.stage import Capture, extract_documents, load_captures, sniff_format
from pipeline.params import ExtractParams
from pipeline.warc import warc_date

DATA = Path(__file__).resolve().parent / "data" / "extract"
PARAMS = {"min_words": 30, "boilerplate_share": 0.5, "boilerplate_min_docs": 4,
          "near_duplicate": 0.9, "passage_words": 250, "workers": 1, "max_bytes": 50 << 20}

FR = [
    "La ville intelligente met les données au service des habitants.",
    "Nos équipes accompagnent les collectivités dans la gestion de l'eau et des déchets.",
    "Les indicateurs sont publics et chacun peut les vérifier en ligne.",
    "Les capteurs posés sur les réseaux repèrent les fuites en quelques heures.",
    "Les élus pilotent l'éclairage public rue par rue, selon les besoins réels.",
    "Chaque contrat fixe des objectifs chiffrés de qualité et de rendement.",
]
EN = [
    "The smart city puts data at the service of residents.",
    "Our teams help local authorities manage water, energy and waste.",
    "Indicators are public and everyone can check them online.",
    "Sensors fitted to the networks find leaks within a few hours.",
    "Elected officials control street lighting street by street, as needed.",
    "Every contract sets figures for quality and efficiency targets.",
]


def html_page(body: str, *, lang: str = "fr", title: str = "Page", extra_head: str = "") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}'
            f"</title>{extra_head}</head><body><nav><a href='/'>Accueil</a> "
            f"<a href='/offre'>Offre</a></nav><main><article>{body}</article></main>"
            f"<footer><p>Mentions légales</p></footer></body></html>")


def paragraphs(sentences: list[str], n: int, start: int = 0) -> str:
    """n distinct paragraphs of three sentences each (extractors drop repeated blocks)."""
    out = []
    for i in range(start, start + n):
        picked = [sentences[(i + k * (i + 1)) % len(sentences)] for k in range(3)]
        out.append(f"<p>{' '.join(picked)} Point numéro {i + 1}.</p>")
    return "".join(out)


def doc_id(url: str, when: datetime) -> str:
    return hashlib.sha1(f"{url}\n{when:%Y%m%d%H%M%S}".encode()).hexdigest()[:16]


class Raw:
    """A raw folder under construction: one WARC file and the fetches rows pointing into it.

    Each record's id and date come from its URL, time and place in the file (warcio would draw
    a random id and take the clock), so a test writes the same bytes on every run: a damaged
    offset lands on the same bytes, and a failure repeats.
    """

    def __init__(self, root: Path):
        self.root = root
        (root / "warc").mkdir(parents=True)
        self.warc = root / "warc" / "test-00001.warc.gz"
        self.rows: list[dict] = []

    def add(self, url: str, body: bytes | str | None, *, content_type: str = "text/html",
            firm: str = "acme", kind: str = "page", fetched_at: datetime | None = None,
            archive_at: datetime | None = None, outcome: str = "ok", charset: str | None = None,
            source_year: int | None = None, source_lang: str | None = None,
            http_type: str | None = None, write: bool = True,
            source_line: int | None = None, encoding: str | None = None) -> dict:
        fetched_at = fetched_at or datetime(2024, 3, 1, 12, 0, tzinfo=UTC)
        if isinstance(body, str):
            body = body.encode("utf-8")
        offset = None
        if body is not None and write:
            with open(self.warc, "ab") as fh:
                offset = fh.tell()
                writer = WARCWriter(fh, gzip=True)
                header = http_type or (content_type + (f"; charset={charset}" if charset else ""))
                headers = [("Content-Type", header)]
                if encoding:  # sent compressed although identity was asked for
                    headers.append(("Content-Encoding", encoding))
                http = StatusAndHeaders("200 OK", headers, protocol="HTTP/1.1")
                record_id = uuid.uuid5(uuid.NAMESPACE_URL, f"{url} {fetched_at} {len(self.rows)}")
                record = writer.create_warc_record(
                    url, "response", payload=bytes_io.BytesIO(body), http_headers=http,
                    warc_headers_dict={"WARC-Record-ID": f"<urn:uuid:{record_id}>",
                                       "WARC-Date": warc_date(archive_at or fetched_at)})
                writer.write_record(record)
        when = archive_at or fetched_at
        row = {
            "fetch_id": hashlib.sha1(f"{url}{fetched_at}{outcome}".encode()).hexdigest()[:16],
            "doc_id": doc_id(url, when), "firm": firm, "kind": kind, "source_url": url,
            "source_line": source_line or len(self.rows) + 1, "source_year": source_year,
            "source_lang": source_lang, "url": url,
            "final_url": url if archive_at is None else f"https://archive.example/{url}",
            "depth": 0, "status": 200 if outcome == "ok" else 304, "outcome": outcome,
            "error": None, "content_type": content_type, "charset": charset,
            "n_bytes": len(body or b""), "sha256": None,
            "warc_file": "warc/test-00001.warc.gz" if offset is not None else None,
            "warc_offset": offset, "etag": None, "last_modified": None, "n_attempts": 1,
            "fetched_at": pd.Timestamp(fetched_at),
            "archive_timestamp": pd.Timestamp(archive_at) if archive_at else None,
            "from_archive": archive_at is not None,
        }
        self.rows.append(row)
        return row

    def write(self) -> Path:
        df = pd.DataFrame(self.rows, columns=schemas.FETCHES.names)
        df["archive_timestamp"] = pd.to_datetime(df["archive_timestamp"], utc=True)
        io.write_table(df, self.root / "fetches.parquet", schemas.FETCHES)
        return self.root


def run_stage(tmp_path: Path, raw: Raw, expect_status: int = 0,
              **params) -> tuple[pd.DataFrame, pd.DataFrame]:
    raw.write()
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"extract": PARAMS | params}), encoding="utf-8")
    out = tmp_path / "interim"
    status = extract.main(["--raw", str(raw.root), "--params", str(params_file),
                           "--out", str(out)])
    assert status == expect_status
    docs = io.read_table(out / "documents.parquet", schemas.DOCUMENTS)
    passages = io.read_table(out / "passages.parquet", schemas.PASSAGES)
    return docs.set_index("url", drop=False), passages


def test_an_undated_live_page_among_dated_ones_stays_undated_unless_params_say(tmp_path):
    """Issue 14, part 1: the scrape year (here 2024) is not the year of an undated page."""
    def scrape(folder, **params):
        raw = Raw(tmp_path / folder)
        raw.add("https://acme.example/undated", html_page(paragraphs(FR, 4)))
        raw.add("https://acme.example/dated", html_page(paragraphs(FR, 3)), source_year=2019)
        raw.add("https://acme.example/old", html_page(paragraphs(EN, 4), lang="en"),
                archive_at=datetime(2016, 1, 5, tzinfo=UTC))
        (out := tmp_path / f"{folder}-out").mkdir()
        return run_stage(out, raw, **params)

    docs, passages = scrape("raw")
    years = {u: (None if pd.isna(y) else int(y), s)
             for u, y, s in zip(docs["url"], docs["year"], docs["year_source"], strict=True)}
    assert years == {"https://acme.example/undated": (None, "undated"),
                     "https://acme.example/dated": (2019, "sources"),
                     "https://acme.example/old": (2016, "archive")}
    undated_passages = passages[passages["doc_id"] == docs.loc["https://acme.example/undated",
                                                               "doc_id"]]
    assert len(undated_passages) and undated_passages["year"].isna().all()

    docs, _ = scrape("raw2", date_by_capture=True)
    page = docs.loc["https://acme.example/undated"]
    assert (page["year"], page["year_source"]) == (2024, "captured")
    assert docs.loc["https://acme.example/old", "year"] == 2016


def test_stage_extracts_html_and_pdf_into_documents_and_passages(tmp_path):
    raw = Raw(tmp_path / "raw")
    raw.add("https://acme.example/ville", html_page("<h1>La ville de demain</h1>" +
                                                    paragraphs(FR, 4)), source_lang="fr")
    raw.add("https://acme.example/en/city", html_page(paragraphs(EN, 4), lang="en"),
            archive_at=datetime(2018, 6, 30, tzinfo=UTC))
    report = (DATA / "gold" / "pdf" / "aquavia-rapport-annuel-2019.pdf").read_bytes()
    raw.add("https://acme.example/rapport-2019.pdf", report, content_type="application/pdf",
            kind="report")
    docs, passages = run_stage(tmp_path, raw)

    assert set(docs["status"]) == {"ok"}
    page = docs.loc["https://acme.example/ville"]
    assert (page["lang"], page["declared_lang"], page["format"]) == ("fr", "fr", "html")
    assert page["title"] == "Page" and "Mentions légales" not in page["text"]
    # A live page that nothing dates is undated, never given its scrape year.
    assert pd.isna(page["year"]) and page["year_source"] == "undated"
    archived = docs.loc["https://acme.example/en/city"]
    assert (archived["lang"], archived["year"], archived["year_source"]) == ("en", 2018,
                                                                             "archive")
    assert archived["captured_at"] == pd.Timestamp("2018-06-30", tz="UTC")
    pdf = docs.loc["https://acme.example/rapport-2019.pdf"]
    assert (pdf["format"], pdf["n_pages"], pdf["year"], pdf["year_source"]) == (
        "pdf", 4, 2019, "title")
    assert "Page 2 / 4" not in pdf["text"] and "continuité" in pdf["text"]

    # Passages: ids, order, page ranges for the PDF, none for HTML.
    mine = passages[passages["doc_id"] == pdf["doc_id"]].sort_values("seq")
    assert mine["passage_id"].tolist() == [f"{pdf['doc_id']}-{i:04d}" for i in range(len(mine))]
    assert mine["page_start"].min() == 1 and mine["page_end"].max() == 4
    html_passages = passages[passages["doc_id"] == page["doc_id"]]
    assert html_passages["page_start"].isna().all() and len(html_passages) >= 1
    assert not passages["is_duplicate"].any()
    assert set(passages["doc_id"]) == set(docs["doc_id"])


def test_each_bad_capture_becomes_a_row_saying_why_and_the_run_goes_on(tmp_path):
    raw = Raw(tmp_path / "raw")
    bad = DATA / "bad"
    raw.add("https://acme.example/good", html_page(paragraphs(FR, 3)))
    raw.add("https://acme.example/corrupt.pdf", (bad / "corrupt.pdf").read_bytes(),
            content_type="application/pdf", kind="report")
    raw.add("https://acme.example/locked.pdf", (bad / "encrypted.pdf").read_bytes(),
            content_type="application/pdf", kind="report")
    raw.add("https://acme.example/scan.pdf", (bad / "scanned.pdf").read_bytes(),
            content_type="application/octet-stream", kind="report")
    raw.add("https://acme.example/blank.pdf", (bad / "blank.pdf").read_bytes(),
            content_type="application/pdf", kind="report")
    raw.add("https://acme.example/empty", html_page(""))
    raw.add("https://acme.example/plan", html_page(
        "<ul>" + "".join(f"<li><a href='/p{i}'>Actualité numéro {i} de la ville durable</a></li>"
                         for i in range(25)) + "</ul>"))
    raw.add("https://acme.example/latin1", html_page(paragraphs(FR, 3)).encode("cp1252"),
            charset="utf-8")
    raw.add("https://acme.example/logo.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64,
            content_type="image/png")
    raw.add("https://acme.example/lost", b"<html></html>", write=False)
    # every table is written; the status says a capture was lost
    docs, passages = run_stage(tmp_path, raw, expect_status=EXIT_SOURCES)

    status = docs["status"].to_dict()
    assert status == {
        "https://acme.example/good": "ok",
        "https://acme.example/corrupt.pdf": "corrupt",
        "https://acme.example/locked.pdf": "encrypted",
        "https://acme.example/scan.pdf": "no_text_layer",
        "https://acme.example/blank.pdf": "empty",
        "https://acme.example/empty": "empty",
        "https://acme.example/plan": "link_list",
        "https://acme.example/latin1": "ok",
        "https://acme.example/logo.png": "unsupported_type",
        "https://acme.example/lost": "unreadable",
    }
    skipped = docs[docs["status"] != "ok"]
    assert skipped["error"].notna().all() and (skipped["text"] == "").all()
    assert "password" in docs.loc["https://acme.example/locked.pdf", "error"]
    assert "OCR" in docs.loc["https://acme.example/scan.pdf", "error"]
    assert docs.loc["https://acme.example/scan.pdf", "n_pages"] == 2
    latin1 = docs.loc["https://acme.example/latin1"]
    assert "équipes" in latin1["text"] and "\ufffd" not in latin1["text"]
    assert "Windows-1252" in latin1["error"]
    # Only kept documents have passages.
    kept = set(docs.loc[docs["status"] == "ok", "doc_id"])
    assert set(passages["doc_id"]) == kept


def test_a_row_pointing_inside_its_record_is_unreadable_whatever_bytes_it_lands_on(tmp_path):
    """A damaged fetches row (its offset inside the record) makes the capture `unreadable` and
    the run exit 3, for every offset: not `empty`, as when warcio read the bytes it landed on as
    an ARC record, which failed the executor test on about one run in twenty."""
    raw = Raw(tmp_path / "raw")
    pages = [raw.add(f"https://acme.example/p{i}", html_page(paragraphs(FR, 3, start=3 * i)))
             for i in range(6)]
    damaged = []
    for page in pages:
        for shift in range(1, 61):
            row = raw.add(f"{page['url']}/at{shift}", None)
            row.update(warc_file=page["warc_file"], warc_offset=page["warc_offset"] + shift)
            damaged.append(row["url"])
    docs, _ = run_stage(tmp_path, raw, expect_status=EXIT_SOURCES, workers=2)
    assert (docs.loc[[p["url"] for p in pages], "status"] == "ok").all()
    assert docs.loc[damaged, "status"].value_counts().to_dict() == {"unreadable": len(damaged)}
    assert docs.loc[damaged, "error"].str.contains("no WARC record at offset").all()


def test_latest_ok_attempt_of_each_capture_is_used(tmp_path):
    raw = Raw(tmp_path / "raw")
    url = "https://acme.example/ville"
    when = datetime(2019, 7, 1, tzinfo=UTC)
    raw.add(url, html_page(paragraphs(FR, 3)), archive_at=when,
            fetched_at=datetime(2024, 1, 1, tzinfo=UTC))
    newer = raw.add(url, html_page(paragraphs(FR, 3) + "<p>Une phrase ajoutée ensuite.</p>"),
                    archive_at=when, fetched_at=datetime(2024, 2, 1, tzinfo=UTC))
    raw.add(url, None, archive_at=when, fetched_at=datetime(2024, 3, 1, tzinfo=UTC),
            outcome="timeout")
    docs, _ = run_stage(tmp_path, raw)
    assert len(docs) == 1
    assert docs.iloc[0]["fetch_id"] == newer["fetch_id"]
    assert "ajoutée ensuite" in docs.iloc[0]["text"]


def test_duplicates_are_flagged_and_keep_their_own_year(tmp_path):
    raw = Raw(tmp_path / "raw")
    body = html_page(paragraphs(FR, 3))
    url = "https://acme.example/engagements"
    for year in (2017, 2018, 2019):
        raw.add(url, body, archive_at=datetime(year, 7, 1, tzinfo=UTC))
    raw.add("https://acme.example/presse/engagements", body,
            archive_at=datetime(2019, 8, 1, tzinfo=UTC))
    docs, passages = run_stage(tmp_path, raw)
    docs = docs.sort_values("captured_at")
    original = docs.iloc[0]
    assert original["year"] == 2017 and pd.isna(original["duplicate_of"])
    dups = docs.iloc[1:]
    assert (dups["duplicate_of"] == original["doc_id"]).all()
    assert dups["similarity"].tolist() == [1.0, 1.0, 1.0]
    assert sorted(dups["year"].tolist()) == [2018, 2019, 2019]
    flagged = passages.groupby("doc_id")["is_duplicate"].all()
    assert not flagged[original["doc_id"]] and flagged[dups["doc_id"]].all()


def test_of_two_copies_captured_the_same_day_the_first_source_is_the_original(tmp_path):
    raw = Raw(tmp_path / "raw")
    body = html_page(paragraphs(FR, 3))
    day = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
    raw.add("https://acme.example/presse/velo", body, fetched_at=day, source_line=46)
    raw.add("https://acme.example/actualites/velo", body, source_line=44,
            fetched_at=day.replace(minute=5))
    docs, _ = run_stage(tmp_path, raw)
    first = docs.loc["https://acme.example/actualites/velo"]
    assert pd.isna(first["duplicate_of"])
    assert docs.loc["https://acme.example/presse/velo", "duplicate_of"] == first["doc_id"]


def test_a_not_modified_capture_dates_the_page_it_confirms(tmp_path):
    raw = Raw(tmp_path / "raw")
    url = "https://acme.example/ville"
    first = raw.add(url, html_page(paragraphs(FR, 3)),
                    fetched_at=datetime(2023, 5, 1, tzinfo=UTC))
    raw.add(url, b"", fetched_at=datetime(2024, 5, 1, tzinfo=UTC), outcome="not_modified")
    docs, passages = run_stage(tmp_path, raw, date_by_capture=True)
    later = docs[docs["captured_at"].dt.year == 2024].iloc[0]
    assert later["duplicate_of"] == first["doc_id"] and later["year"] == 2024
    assert later["status"] == "ok" and "304" in later["error"]
    assert passages[passages["doc_id"] == later["doc_id"]]["is_duplicate"].all()


def test_a_process_pool_gives_the_same_tables(tmp_path):
    raw = Raw(tmp_path / "raw")
    for i in range(extract.POOL_MIN_DOCS + 2):
        raw.add(f"https://acme.example/p{i}", html_page(
            paragraphs(FR if i % 2 else EN, 3, start=i)), firm=f"firm{i % 3}")
    raw.write()
    captures = load_captures(io.read_table(raw.root / "fetches.parquet", schemas.FETCHES),
                             raw.root)
    one = extract_documents(captures, ExtractParams(**(PARAMS | {"workers": 1})))
    two = extract_documents(captures, ExtractParams(**(PARAMS | {"workers": 2})))
    assert (one[0]["status"] == "ok").sum() >= 10
    pd.testing.assert_frame_equal(one[0], two[0])
    pd.testing.assert_frame_equal(one[1], two[1])


def test_a_capture_that_kills_its_worker_costs_only_itself(monkeypatch):
    import os

    real = extract.read_pdf

    def crashing(data):
        if data.startswith(b"%PDF-crash"):
            os._exit(1)  # what a PDF that segfaults PDFium does to the worker
        return real(data)

    monkeypatch.setattr(extract, "read_pdf", crashing)
    when = datetime(2024, 3, 1, tzinfo=UTC)
    caps = [Capture(doc_id=f"d{i}", fetch_id=f"f{i}", firm=f"firm{i}", kind="page",
                    url=f"https://acme.example/{i}", final_url=None, content_type="text/html",
                    charset=None, fetched_at=when,
                    payload=html_page(paragraphs(FR, 3, start=i)).encode())
            for i in range(extract.POOL_MIN_DOCS)]
    caps.insert(5, Capture(doc_id="bad", fetch_id="fb", firm="acme", kind="report",
                           url="https://acme.example/bad.pdf", final_url=None,
                           content_type="application/pdf", charset=None, fetched_at=when,
                           payload=b"%PDF-crash"))
    docs, _ = extract_documents(caps, ExtractParams(**(PARAMS | {"workers": 2})))
    status = dict(zip(docs["doc_id"], docs["status"], strict=True))
    assert status.pop("bad") == "failed"
    assert set(status.values()) == {"ok"} and len(status) == extract.POOL_MIN_DOCS


def test_missing_fetches_table_is_a_clear_error(tmp_path, caplog):
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"extract": PARAMS}), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        status = extract.main(["--raw", str(tmp_path / "nowhere"), "--params",
                               str(params_file), "--out", str(tmp_path / "out")])
    assert status == EXIT_INPUT
    assert "fetches.parquet" in caplog.text and "not found" in caplog.text


def test_a_mistyped_params_key_is_named(tmp_path, caplog):
    raw = Raw(tmp_path / "raw")
    raw.write()
    params_file = tmp_path / "params.yaml"
    params_file.write_text(yaml.safe_dump({"extract": {"min_words": "thirty"}}), encoding="utf-8")
    with caplog.at_level(logging.ERROR):
        status = extract.main(["--raw", str(raw.root), "--params", str(params_file),
                               "--out", str(tmp_path / "out")])
    assert status == EXIT_INPUT and "extract.min_words" in caplog.text and "thirty" in caplog.text


def test_no_capture_writes_empty_tables(tmp_path):
    raw = Raw(tmp_path / "raw")
    raw.add("https://acme.example/down", None, outcome="timeout")
    docs, passages = run_stage(tmp_path, raw)
    assert docs.empty and passages.empty


@pytest.mark.parametrize(("ctype", "head", "expected"), [
    ("application/pdf", b"%PDF-1.7", "pdf"),
    ("application/octet-stream", b"%PDF-1.4\n", "pdf"),
    ("text/plain", b"<!DOCTYPE html><html>", "html"),
    (None, b"  <html><body>", "html"),
    ("text/plain", b"Bonjour", "text"),
    ("image/png", b"\x89PNG", None),
    ("application/pdf", b"<!DOCTYPE html><html><body>", "html"),  # a page served as a PDF
])
def test_format_is_sniffed_from_the_bytes_first(ctype, head, expected):
    assert sniff_format(ctype, head) == expected


def test_capture_time_is_the_archive_time_for_archive_captures():
    cap = Capture(doc_id="d", fetch_id="f", firm="a", kind="page", url="u", final_url=None,
                  content_type=None, charset=None,
                  fetched_at=datetime(2024, 1, 1, tzinfo=UTC),
                  archive_timestamp=datetime(2017, 6, 1, tzinfo=UTC), from_archive=True)
    assert cap.captured_at.year == 2017


# --- bounded: a decompression bomb stored by an older scraper (issue 15) -------------------------

BOMB_SCRIPT = """
import json, resource, sys, time
from pipeline.extract import stage
peaks = []
for raw, out in ((sys.argv[1], sys.argv[3]), (sys.argv[2], sys.argv[4])):
    started = time.monotonic()
    status = stage.main(["--raw", raw, "--params", sys.argv[5], "--out", out])
    peaks.append((status, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  time.monotonic() - started))
print(json.dumps(peaks))
"""


def test_a_decompression_bomb_is_too_large_in_bounded_memory(tmp_path):
    from tests.servers import gzip_bomb

    ordinary, bomb = Raw(tmp_path / "ordinary"), Raw(tmp_path / "bomb")
    for raw in (ordinary, bomb):
        raw.add("https://acme.example/ville", html_page(paragraphs(FR, 3)))
    # 200 MiB of zeros in 200 KB, stored `ok` (the scraper of old did not count decoded bytes)
    bomb.add("https://acme.example/bomb", gzip_bomb(200 << 20), encoding="gzip")
    ordinary.write(), bomb.write()
    params = tmp_path / "params.yaml"
    params.write_text(yaml.safe_dump({"extract": PARAMS | {"max_bytes": 8 << 20}}))
    # a process of its own, so its peak memory is the stage's alone
    done = subprocess.run(
        [sys.executable, "-c", BOMB_SCRIPT, str(ordinary.root), str(bomb.root),
         str(tmp_path / "out1"), str(tmp_path / "out2"), str(params)],
        capture_output=True, text=True, timeout=120, cwd=Path(__file__).resolve().parents[1])
    (status1, base_mb, _), (status2, peak_mb, seconds) = json.loads(done.stdout)
    assert status1 == status2 == 0
    docs = io.read_table(tmp_path / "out2" / "documents.parquet", schemas.DOCUMENTS)
    bombed = docs.set_index("url").loc["https://acme.example/bomb"]
    assert bombed["status"] == "too_large" and "max_bytes (8388608 bytes)" in bombed["error"]
    assert (docs["status"] == "ok").sum() == 1  # the other capture is extracted as ever
    assert peak_mb - base_mb < 48 and seconds < 10  # 8 MiB read at most, in 1 MiB steps


def test_a_lost_capture_counts_until_a_later_readable_capture_replaces_it(tmp_path, caplog):
    raw = Raw(tmp_path / "raw")
    day = datetime(2024, 3, 1, tzinfo=UTC)
    raw.add("https://acme.example/eau", None, write=False, fetched_at=day)  # its WARC is gone
    raw.add("https://acme.example/eau", None, outcome="not_modified",
            fetched_at=datetime(2024, 4, 1, tzinfo=UTC))  # a 304 brings no text back
    raw.add("https://acme.example/archive", None, write=False, fetched_at=day,
            archive_at=datetime(2016, 7, 1, tzinfo=UTC))
    raw.add("https://acme.example/archive", html_page(paragraphs(FR, 3)),
            fetched_at=datetime(2024, 5, 1, tzinfo=UTC),
            archive_at=datetime(2018, 7, 1, tzinfo=UTC))  # another date speaks for another year
    captures = load_captures(pd.DataFrame(raw.rows), raw.root)
    docs, _ = extract_documents(captures, ExtractParams(**PARAMS))
    lost = extract.lost_captures(captures, docs)
    assert sorted((c.url, c.from_archive) for c in lost) == [
        ("https://acme.example/archive", True), ("https://acme.example/eau", False)]
    raw.add("https://acme.example/eau", html_page(paragraphs(FR, 3, start=5)),
            fetched_at=datetime(2024, 6, 1, tzinfo=UTC))  # the scraper fetched it again
    captures = load_captures(pd.DataFrame(raw.rows), raw.root)
    docs, _ = extract_documents(captures, ExtractParams(**PARAMS))
    assert [c.url for c in extract.lost_captures(captures, docs)] == [
        "https://acme.example/archive"]


def test_a_document_in_another_language_is_kept_with_its_language_and_confidence(tmp_path):
    """Issue 14, part 3: nothing is dropped without a trace; the table says what it is."""
    german = ("In Valbourg haben wir viertausend Straßenlaternen ersetzt und ein Sensornetz in "
              "der ganzen Stadt installiert, damit der Gemeinderat die Beleuchtung steuert. ")
    raw = Raw(tmp_path / "raw")
    raw.add("https://acme.example/de", html_page(f"<p>{german * 2}</p><p>{german}</p>"),
            source_year=2020)
    raw.add("https://acme.example/fr", html_page(paragraphs(FR, 3)), source_year=2020,
            source_lang="fr")
    docs, _ = run_stage(tmp_path, raw)
    de = docs.loc["https://acme.example/de"]
    assert (de["status"], de["lang"]) == ("ok", "de") and de["lang_confidence"] > 0.5
    assert docs.loc["https://acme.example/fr", "lang_confidence"] == 1.0
    caps = io.read_table(tmp_path / "interim" / "captures.parquet", schemas.CAPTURES)
    assert caps.set_index("url").loc["https://acme.example/de", "lang"] == "de"

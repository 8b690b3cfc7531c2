"""Peak memory and time of scrape and extract on a decompression bomb (issue 15).

    .venv/bin/python benchmarks/bench_bomb.py            # a 1 MB gzip body that inflates to 1 GiB
    .venv/bin/python benchmarks/bench_bomb.py --quick    # ... to 256 MiB

A page served `Content-Encoding: gzip` (though the scraper asks for identity) whose body is a
few hundred KB of zeros inflating without measure. Each figure is a fresh process (its own peak
resident memory, `ru_maxrss`), run with the params of params.yaml:

1. scrape, fetching the bomb from a server on 127.0.0.1 next to an ordinary page: the bomb is
   recorded `too_large` once `max_decoded_bytes` of it have been inflated (and counted only);
2. extract, on a raw folder holding an ordinary page, then on the same folder plus the bomb
   stored `ok` (as the scraper before issue 15 stored it): the bomb is `too_large` once
   `extract.max_bytes` of it have been read, a MiB at a time. The difference between the two
   peaks is what one bomb costs an extract worker.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAGE = ("<!DOCTYPE html><html lang=fr><head><title>Ville</title></head><body><h1>Ville</h1>"
        + "".join(f"<p>La ville de demain, paragraphe {i}, se construit avec ses habitants, "
                  f"ses élus et les entreprises qui gèrent l'eau et l'énergie.</p>"
                  for i in range(40)) + "</body></html>").encode()

SCRAPE = """
import json, resource, sys, time
from pathlib import Path
from pipeline.params import load_block
from pipeline.scrape import stage
from pipeline.sources import read_sources
params = load_block(sys.argv[3], "scrape").model_copy(update=dict(
    delay=0.0, obey_robots=False, user_agent="bench (+mailto:bench@example.org)"))
started = time.monotonic()
stage.scrape(read_sources(sys.argv[1]), params, out=Path(sys.argv[2]))
print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  time.monotonic() - started]))
"""

EXTRACT = """
import json, resource, sys, time
from pipeline.extract import stage
started = time.monotonic()
status = stage.main(["--raw", sys.argv[1], "--params", sys.argv[2], "--out", sys.argv[3]])
print(json.dumps([resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  time.monotonic() - started, status]))
"""


def bomb(n_bytes: int) -> bytes:
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1 << 20)
    parts = [packer.compress(b"<!DOCTYPE html><html><body><p>")]
    parts += [packer.compress(block) for _ in range(n_bytes >> 20)]
    return b"".join([*parts, packer.flush()])


def _run(script: str, *args: str) -> list:
    done = subprocess.run([sys.executable, "-c", script, *args], capture_output=True,
                          text=True, cwd=ROOT)
    if done.returncode and not done.stdout.strip():
        sys.exit(done.stderr[-2000:])
    return json.loads(done.stdout.strip().splitlines()[-1])


def _raw(folder: Path, pages: list[tuple[str, bytes, list[tuple[str, str]]]]) -> Path:
    """A raw folder (WARC + fetches.parquet) holding `pages`, all recorded ok."""
    import hashlib
    import io
    from datetime import UTC, datetime

    from pipeline import io as pio
    from pipeline import schemas
    from pipeline.scrape.manifest import make_doc_id, rows_to_table
    from pipeline.warc import BodyDigests, WarcWriter, response_headers

    writer = WarcWriter(folder / "warc", run_id="bench", max_bytes=1 << 40)
    rows = []
    for i, (url, body, headers) in enumerate(pages):
        when = datetime(2024, 3, 1, 12, i, tzinfo=UTC)
        http = response_headers(200, "OK", headers)
        digests = BodyDigests(http)
        digests.update(body)
        name, offset = writer.write_response(
            url=url, date=when, http_headers=http, payload=io.BytesIO(body), digests=digests,
            request_line="GET / HTTP/1.1", request_headers=[("Host", "bench.example")])
        rows.append({"fetch_id": f"f{i}", "doc_id": make_doc_id(url, f"{when:%Y%m%d%H%M%S}"),
                     "firm": "acme", "kind": "page", "source_url": url, "source_line": i + 1,
                     "url": url, "final_url": url, "depth": 0, "status": 200, "outcome": "ok",
                     "content_type": "text/html", "n_bytes": len(body),
                     "sha256": hashlib.sha256(body).hexdigest(), "warc_file": name,
                     "warc_offset": offset, "n_attempts": 1, "fetched_at": when,
                     "from_archive": False})
    writer.close()
    pio.write_table(rows_to_table(rows), folder / "fetches.parquet", schemas.FETCHES)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a 256 MiB bomb instead of 1 GiB")
    args = parser.parse_args()
    inflated = (256 if args.quick else 1024) << 20
    started = time.monotonic()
    body = bomb(inflated)
    print(f"bomb: {len(body) / 1e6:.2f} MB of gzip inflating to {inflated >> 20} MiB "
          f"(made in {time.monotonic() - started:.1f} s)")
    params = ROOT / "params.yaml"

    from tests.servers import encoded, serve, static

    with tempfile.TemporaryDirectory() as tmp, serve({
            "/page.html": static(PAGE), "/bomb.html": encoded(body)}) as server:
        tmp = Path(tmp)
        server.httpd.handle_error = lambda *_: None  # the scraper hangs up on the bomb: fine
        sources = tmp / "sources.txt"
        sources.write_text(f"acme page {server.url('/page.html')}\n"
                           f"acme page {server.url('/bomb.html')}\n")
        peak, seconds = _run(SCRAPE, str(sources), str(tmp / "scraped"), str(params))
        import pandas as pd
        rows = pd.read_parquet(tmp / "scraped" / "fetches.parquet")
        outcomes = dict(zip(rows["url"].str.rsplit("/", n=1).str[-1], rows["outcome"],
                            strict=True))
        print(f"scrape, page + bomb:  peak {peak:7.1f} MB  {seconds:5.1f} s  {outcomes}")

        page = ("https://acme.example/ville", PAGE, [("Content-Type", "text/html")])
        stored = ("https://acme.example/bomb", body,
                  [("Content-Type", "text/html"), ("Content-Encoding", "gzip")])
        base = _run(EXTRACT, str(_raw(tmp / "raw1", [page])), str(params), str(tmp / "out1"))
        with_bomb = _run(EXTRACT, str(_raw(tmp / "raw2", [page, stored])), str(params),
                         str(tmp / "out2"))
        docs = pd.read_parquet(tmp / "out2" / "documents.parquet")
        statuses = dict(zip(docs["url"].str.rsplit("/", n=1).str[-1], docs["status"],
                            strict=True))
        print(f"extract, page:        peak {base[0]:7.1f} MB  {base[1]:5.1f} s")
        print(f"extract, page + bomb: peak {with_bomb[0]:7.1f} MB  {with_bomb[1]:5.1f} s  "
              f"{statuses}  exit {with_bomb[2]}")
        print(f"one bomb costs extract {with_bomb[0] - base[0]:.1f} MB "
              f"(extract.max_bytes read at most, a MiB at a time)")


if __name__ == "__main__":
    main()

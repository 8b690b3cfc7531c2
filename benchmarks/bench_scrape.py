"""Benchmark the scraper against a bare httpx loop, and its memory as the crawl grows.

    .venv/bin/python benchmarks/bench_scrape.py            # 2,000 pages, 5 rounds (~1.5 min)
    .venv/bin/python benchmarks/bench_scrape.py --quick    # 500 pages, 1 round

A server process answers on 20 local ports (20 "hosts"), with no politeness delay. Each round
fetches the same pages twice, side by side: once with a bare `httpx.AsyncClient` loop (same
concurrency, bodies read and dropped), once with `pipeline.scrape.scrape` (robots.txt, host
queues, WARC records with digests, journal, fetches.parquet). It prints pages per second of
both, their ratio (target: the scraper at most 1.5x slower), and the peak resident memory of
the scraper run in a fresh process on 500 and 2,000 pages, and on 500 pages plus one 40 MB page
(bodies are streamed to the WARC file, so none of these should grow with the pages).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

N_PORTS = 20
PAGE_WORDS = 1500  # about 12 KB of HTML, a typical text page
BIG_BYTES = 40 * 1024 * 1024
WORDS = ("ville", "territoire", "habitants", "usagers", "clients", "données", "plateforme",
         "énergie", "éclairage", "mobilité", "eau", "déchets", "sécurité", "capteurs",
         "collectivité", "service", "citoyen", "smart", "city", "solution", "performance",
         "réseau", "innovation", "durable", "numérique", "pilotage")


# --- the server (a separate process, so it does not compete for our GIL) ---------------------

def _page(i: int) -> bytes:
    words = " ".join(WORDS[(i * 7 + k * 13) % len(WORDS)] for k in range(PAGE_WORDS))
    return (f"<!DOCTYPE html><html lang=fr><head><title>Page {i}</title></head><body>"
            f"<h1>Page {i}</h1><p>{words}</p></body></html>").encode()


async def _serve(n_ports: int) -> None:
    pages = [_page(i) for i in range(64)]

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                path = head.split(b" ", 2)[1]
                if path == b"/big.html":
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                 b"Content-Length: %d\r\n\r\n" % BIG_BYTES)
                    block = b"<p>" + b"y" * 65529 + b"</p>\n"
                    for _ in range(BIG_BYTES // len(block)):
                        writer.write(block)
                        await writer.drain()
                    writer.write(b"z" * (BIG_BYTES % len(block)))
                elif path.startswith(b"/p"):
                    body = pages[int(path[2:].split(b".")[0]) % len(pages)]
                    writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
                                 b"Content-Length: %d\r\n\r\n%s" % (len(body), body))
                else:
                    writer.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    servers = [await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
               for _ in range(n_ports)]
    print(" ".join(str(s.sockets[0].getsockname()[1]) for s in servers), flush=True)
    await asyncio.Event().wait()


# --- the two clients ---------------------------------------------------------------------------

def urls_for(ports: list[int], n: int) -> list[str]:
    return [f"http://127.0.0.1:{ports[i % len(ports)]}/p{i}.html" for i in range(n)]


async def bare_loop(urls: list[str], concurrency: int) -> int:
    """The baseline: fetch every URL with one AsyncClient and `concurrency` workers."""
    import httpx

    queue = list(reversed(urls))
    total = 0

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal total
        while queue:
            response = await client.get(queue.pop())
            total += len(response.content)

    limits = httpx.Limits(max_connections=concurrency * 2,
                          max_keepalive_connections=concurrency * 2)
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return total


def scrape_pages(urls: list[str], concurrency: int, out: Path) -> None:
    """The scraper on the same URLs, as the stage runs it (minus the CLI)."""
    from pipeline.params import ScrapeParams
    from pipeline.scrape.stage import scrape
    from pipeline.sources import parse_sources

    text = "".join(f"f{i % N_PORTS} page {u}\n" for i, u in enumerate(urls))
    sources = parse_sources(text)
    params = ScrapeParams(user_agent="bench/1.0 (+mailto:bench@example.org)",
                          concurrency=concurrency, per_host=concurrency, delay=0.0, retries=0,
                          connect_timeout=10, read_timeout=30)
    scrape(sources, params, out=out)


def _vm_hwm_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _peak_rss_mb(args: list[str]) -> float:
    """Peak resident memory (MB) of a fresh process running this script with `args`.

    The child reports its own VmHWM: the rusage of a forked child would count the pages of
    the parent (pandas, pyarrow) it started from.
    """
    done = subprocess.run([sys.executable, __file__, *args], cwd=ROOT, capture_output=True,
                          text=True)
    if done.returncode:
        raise SystemExit(f"memory run {args} failed:\n{done.stderr[-2000:]}")
    return float(done.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="500 pages, one round")
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--memory-run", nargs=3, metavar=("KIND", "N", "PORTS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve:
        asyncio.run(_serve(N_PORTS))
        return 0
    if args.memory_run:
        kind, n, ports = args.memory_run
        urls = urls_for([int(p) for p in ports.split(",")], int(n))
        if kind == "bare":
            asyncio.run(bare_loop(urls, args.concurrency))
        else:
            if kind == "big":
                urls.append(urls[0].rsplit("/", 1)[0] + "/big.html")
            with tempfile.TemporaryDirectory() as tmp:
                scrape_pages(urls, args.concurrency, Path(tmp))
        print(f"{_vm_hwm_mb():.1f}")
        return 0

    if args.quick:
        args.pages, args.rounds = 500, 1
    logging.basicConfig(level=logging.WARNING)
    server = subprocess.Popen([sys.executable, __file__, "--serve"], stdout=subprocess.PIPE,
                              text=True)
    try:
        ports = [int(p) for p in server.stdout.readline().split()]
        urls = urls_for(ports, args.pages)
        import pipeline.scrape  # noqa: F401 - imported before the clock starts

        asyncio.run(bare_loop(urls[:50], args.concurrency))  # warm up both sides
        bare_times, ours_times, bare_cpu, ours_cpu = [], [], [], []
        warc_bytes = 0
        for round_ in range(args.rounds):
            # Alternate which goes first, so a burst of load on the machine hits both alike.
            for side in ("bare", "ours") if round_ % 2 == 0 else ("ours", "bare"):
                with tempfile.TemporaryDirectory() as tmp:
                    started, cpu = time.perf_counter(), time.process_time()
                    if side == "bare":
                        asyncio.run(bare_loop(urls, args.concurrency))
                    else:
                        scrape_pages(urls, args.concurrency, Path(tmp))
                        warc_bytes = sum(p.stat().st_size for p in Path(tmp, "warc").iterdir())
                    times, cpus = (bare_times, bare_cpu) if side == "bare" else (ours_times,
                                                                                  ours_cpu)
                    times.append(time.perf_counter() - started)
                    cpus.append(time.process_time() - cpu)
        bare, ours = statistics.median(bare_times), statistics.median(ours_times)
        cpu_ratio = statistics.median(o / b for o, b in zip(ours_cpu, bare_cpu, strict=True))
        n = args.pages
        print(f"scrape benchmark: {n} pages over {N_PORTS} local ports, concurrency "
              f"{args.concurrency}, zero delay, {len(_page(0)) // 1024} KB pages, "
              f"median of {args.rounds} round(s)")
        print(f"  bare httpx.AsyncClient loop  {n / bare:8.0f} pages/s  ({bare:.2f} s)")
        print(f"  pipeline.scrape (WARC+rows)  {n / ours:8.0f} pages/s  ({ours:.2f} s; "
              f"{warc_bytes / 1e6:.1f} MB of WARC)")
        print(f"  ratio scrape/bare time       {ours / bare:8.2f}x  (target <= 1.5x)")
        print(f"  ratio scrape/bare CPU time   {cpu_ratio:8.2f}x  (client process only: less "
              f"noisy on a busy machine)")

        joined = ",".join(map(str, ports))
        small = 500
        print("peak resident memory of a fresh process (MB):")
        mem_small = _peak_rss_mb(["--memory-run", "ours", str(small), joined])
        mem_big = _peak_rss_mb(["--memory-run", "ours", str(n), joined]) if n > small \
            else mem_small
        mem_huge = _peak_rss_mb(["--memory-run", "big", str(small), joined])
        mem_bare_small = _peak_rss_mb(["--memory-run", "bare", str(small), joined])
        mem_bare = _peak_rss_mb(["--memory-run", "bare", str(n), joined]) if n > small \
            else mem_bare_small
        print(f"  pipeline.scrape, {small:>5} pages            {mem_small:8.1f}")
        print(f"  pipeline.scrape, {n:>5} pages            {mem_big:8.1f}  "
              f"({mem_big - mem_small:+.1f} for {n - small} more pages)")
        print(f"  pipeline.scrape, {small:>5} pages + one {BIG_BYTES >> 20} MB page "
              f"{mem_huge:6.1f}  ({mem_huge - mem_small:+.1f}: streamed, never held whole)")
        print(f"  bare loop,       {small:>5} pages            {mem_bare_small:8.1f}  "
              f"(httpx only: no pandas/pyarrow/warcio loaded)")
        print(f"  bare loop,       {n:>5} pages            {mem_bare:8.1f}  "
              f"({mem_bare - mem_bare_small:+.1f} for {n - small} more pages)")
    finally:
        server.kill()
        server.wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())

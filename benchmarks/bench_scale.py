"""Scale benchmark: every stage from extract to report on corpora of 1×, 4× and 16× the demo's.

The corpora are built from the demo's raw captures (build/demo/data/raw: the WARC file and
fetches.parquet the scrape stage wrote in `make demo`), not scraped: 1× is the demo's raw
folder as it is; at N× every firm appears under ceil(√N) ids and every year span is repeated
ceil(N / ceil(√N)) times, four years earlier each time. Each added variant gets a WARC record
of its own per archived response, under a URL, firm and years of its own (`build_corpus`).
The main text of an HTML page is new: each sentence is replaced by one of the same firm and
language from the demo's passages, chosen by a hash of (variant, sentence), so no page is a
copy of another across variants, vocabularies and frames keep their shape, the lemmatisation
cache gets nothing for free, and the demo's boilerplate and its exact and near duplicates
keep their shape within a variant (dedup has the same work to do). A PDF is new too: the demo's
document text, rewritten the same way, laid out again by the demo's own generators (a long
registration document with fresh corporate prose around it, or a short annual report) under
the variant's year. `data/cache` starts empty; words are counted
in the usable documents extract writes (fr and en, duplicates left out).

Each stage then runs as `python -m pipeline.<stage>` in its own process, like `python -m
pipeline run` runs it. For each stage and scale it prints
- CPU seconds of the stage and every process it waited for (its pool workers), from
  `os.wait4`;
- wall seconds;
- peak memory: the largest sum, over the stage's process tree, of each process's
  proportional set size (PSS: memory shared by forked workers counted once), sampled every
  0.1 s from /proc; and the largest single process (its ru_maxrss);
and per stage the growth exponents: the log-log slope of CPU time and of peak memory against
words, from the smallest to the largest scale run (1 means linear). Last, the projection to
50 M words: each stage's CPU time and memory extrapolated with its exponent from the largest
scale run, and with an affine fit (a fixed part plus a part per word, the worse of the two is
kept), against 24 GB.

    python benchmarks/bench_scale.py                          # 1×, 4×, 16×: about 20 minutes
    python benchmarks/bench_scale.py --scales 1 4 --stages topics contrasts
    python benchmarks/bench_scale.py --quick                  # 1× and 4×
    python benchmarks/bench_scale.py --work /tmp/scale --reuse --stages report   # again

The machine's other load shows in wall times; CPU seconds and memory are what count.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import itertools
import math
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import lxml.html
import numpy as np
import pandas as pd

from pipeline import schemas, warc

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the demo package, for its PDFs
from pipeline.catalog import STAGES, Layout
from pipeline.io import read_table, write_table
from pipeline.params import read_params, set_param, write_params

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "build" / "demo"
STAGE_ORDER = ("extract", "preprocess", "topics", "contrasts", "report")
TARGET_WORDS = 50_000_000
# What each stage keeps between runs (removed before it is measured): extract and topics keep
# nothing, they always start from their inputs.
COLD = {"extract": [], "preprocess": ["data/cache/preprocess"], "topics": [],
        "contrasts": ["data/cache/contrasts"], "report": ["reports/.cache"]}
TARGET_GB = 24.0
YEARS_PER_SPAN = 4
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_HOST = re.compile(r"(https?://[^/]+)/")
_SKIPPED_TAGS = frozenset({"script", "style", "noscript", "template"})
# Shorter text nodes (labels, buttons, menu items) are left as they are.
_MIN_REWRITTEN_WORDS = 5
# A demo PDF longer than this is one of its registration documents (demo/longreport.py).
_LONG_REPORT_PAGES = 40


# --- building a corpus -----------------------------------------------------------------------


def _hash(*parts: object, n: int = 16) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).hexdigest()[:n]


def _variants(scale: int) -> list[tuple[int, int]]:
    """(firm copy, year span) of each variant; variant 0 is the demo itself."""
    side = math.ceil(math.sqrt(scale))
    return [(v % side, v // side) for v in range(scale)]


def _sentences(text: str) -> list[str]:
    return [s for para in text.split("\n\n") for s in _SENTENCE_END.split(para.strip()) if s]


def _new_sentences(text: str, pool: list[str], key: str) -> str:
    """Each sentence of `text` replaced by a pool sentence chosen by a hash of (key, sentence).

    The same sentence in the same variant always gets the same replacement, so a paragraph the
    demo repeats (a firm's boilerplate, a page archived twice) is repeated in the variant too
    and the demo's exact and near duplicates stay duplicates; across variants the text differs.
    """
    lead = text[:len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()):]
    out = [pool[int(_hash(key, s), 16) % len(pool)] for s in _SENTENCE_END.split(text.strip())
           if s]
    return lead + " ".join(out) + tail


def _new_html(payload: bytes, charset: str, pool: list[str], key: str) -> bytes:
    """The page with the text of its main content rewritten from `pool` (markup, navigation,
    header, footer and banners as they were, so page chrome and boilerplate stay)."""
    root = lxml.html.document_fromstring(payload)
    body = root.find("body")
    if body is None:
        return payload
    parts = list(body.iter("main", "article")) or [body]
    seen: set[int] = set()
    for part in parts:
        for el in part.iter():
            if id(el) in seen or not isinstance(el.tag, str) or el.tag in _SKIPPED_TAGS:
                continue
            seen.add(id(el))
            if el.text and len(el.text.split()) >= _MIN_REWRITTEN_WORDS:
                el.text = _new_sentences(el.text, pool, key)
            if el is not part and el.tail and len(el.tail.split()) >= _MIN_REWRITTEN_WORDS:
                el.tail = _new_sentences(el.tail, pool, key)
    return lxml.html.tostring(root, encoding=charset, doctype="<!DOCTYPE html>")


def _new_pdf(doc: pd.Series, firm: str, year: int, pool: list[str], key: str,
             folder: Path) -> bytes:
    """A new PDF in the demo's layout: the demo document's kept text, each sentence replaced
    as in `_new_sentences`, written by the demo's own generators under the variant's year (a
    long registration document around it as its city sections, with fresh corporate prose
    drawn from the variant's seed; a short annual report as its paragraphs)."""
    from demo import generate, longreport  # the demo's PDF writers (reportlab)

    def wrap(text: str, width: float, font: str, size: float) -> list[str]:
        return generate._wrap(text, width, font, size, lambda _word: False)

    paras = [_new_sentences(p, pool, key) for p in (doc["text"] or "").split("\n\n")
             if len(p.split()) >= _MIN_REWRITTEN_WORDS]
    path = folder / f"{_hash(key, doc.name)}.pdf"
    if (doc["n_pages"] or 0) > _LONG_REPORT_PAGES:
        cut = [round(i * len(paras) / 4) for i in range(5)]
        city = [[(p, "") for p in paras[a:b]] for a, b in itertools.pairwise(cut)]
        longreport.write_long_report(path, firm=firm, name=generate.FIRMS[firm]["name"],
                                     year=year, lang=doc["lang"], seed=int(_hash(key), 16),
                                     wrap=wrap, city=city)
    else:
        spec = generate.DocSpec(firm=firm, year=year, kind="report", lang=doc["lang"], path="",
                                title=doc["title"] or "", n_words=0,
                                blocks=[generate.Block("p", p, doc["lang"]) for p in paras])
        generate.render_pdf(spec, path, lambda _word: False)
    payload = path.read_bytes()
    path.unlink()
    return payload


def _variant_url(url: str | None, v: int) -> str | None:
    """The URL (and, in a replay URL, the original it wraps) under a path of the variant's."""
    return None if url is None else _HOST.sub(rf"\1/v{v}/", url)


def build_corpus(scale: int, demo: Path, root: Path) -> None:
    """Write a project folder at `root` holding the demo's raw captures at `scale`×: the WARC
    files and data/raw/fetches.parquet, as the scrape stage writes them.

    Variant 0 is the demo's raw folder as it is. Every other variant (firm copy, year span)
    has a record of its own for each of the demo's archived responses: its URL under
    `/v<variant>/`, its firm `<firm><copy + 1>` for an added firm, its years (source year,
    archive timestamp, WARC-Date) four years earlier per span. An HTML page's main content is
    new text: each sentence is replaced by a sentence of the same firm and language drawn from
    the demo's passages (`_new_sentences`), while navigation, banners and footers stay as they
    were. A PDF is laid out again by the demo's generators (`_new_pdf`) from its document's
    text rewritten the same way, with the variant's year on its cover. A demo page dated from
    its metadata (no year in its fetches row) gets its variant's year as `source_year`, as
    that metadata is not rewritten.
    """
    src, dst = Layout(demo), Layout(root)
    raw_in, raw_out = src.path("raw"), dst.path("raw")
    fetches = read_table(raw_in / "fetches.parquet", schemas.FETCHES)
    passages = read_table(src.path("interim") / "passages.parquet", schemas.PASSAGES,
                          columns=["firm", "lang", "text"])
    documents = read_table(src.path("interim") / "documents.parquet", schemas.DOCUMENTS,
                           columns=["doc_id", "lang", "year", "year_source", "title", "text",
                                    "n_pages"])
    pools: dict[tuple[str, str], list[str]] = {}
    for firm, lang, text in zip(passages["firm"], passages["lang"].fillna(""), passages["text"],
                                strict=True):
        pools.setdefault((firm, lang), []).extend(_sentences(text))
    firm_pools = {f: [s for (g, _), p in pools.items() if g == f for s in p]
                  for f, _ in pools}
    docs = documents.set_index("doc_id")
    shutil.copytree(raw_in, raw_out)
    writer = warc.WarcWriter(raw_out / "warc", run_id=f"bench-x{scale}", max_bytes=1 << 30)
    rows: list[dict] = []
    archived = fetches[fetches["warc_file"].notna()]
    try:
        for v, (copy, span) in enumerate(_variants(scale)):
            if v == 0:
                continue
            shift = -YEARS_PER_SPAN * span
            for row in archived.to_dict("records"):
                new = _variant_row(row, v, copy, shift, docs)
                with warc.open_record(raw_in / row["warc_file"], int(row["warc_offset"])) as rec:
                    http = rec.http_headers
                    payload = warc.read_payload(rec)
                    date = warc.parse_warc_date(rec.rec_headers.get_header("WARC-Date"))
                doc = docs.loc[row["doc_id"]] if row["doc_id"] in docs.index else None
                pool = None if doc is None else (pools.get((row["firm"], doc["lang"] or ""))
                                                 or firm_pools.get(row["firm"]))
                if pool and row["content_type"] == "text/html":
                    payload = _new_html(payload, row["charset"] or "utf-8", pool, f"v{v}")
                elif pool and row["content_type"] == "application/pdf" and \
                        not pd.isna(doc["year"]):
                    payload = _new_pdf(doc, row["firm"], int(doc["year"]) + shift, pool,
                                       f"v{v}", raw_out)
                headers = [(k, str(len(payload)) if k.lower() == "content-length" else h)
                           for k, h in http.headers]
                status, _, reason = http.statusline.partition(" ")
                http_headers = warc.response_headers(int(status), reason, headers)
                digests = warc.BodyDigests(http_headers)
                digests.update(payload)
                new["warc_file"], new["warc_offset"] = writer.write_response(
                    url=new["final_url"] or new["url"],
                    date=date + pd.DateOffset(years=shift), http_headers=http_headers,
                    payload=io.BytesIO(payload), digests=digests,
                    request_line=f"GET {new['url']} HTTP/1.1", request_headers=[])
                new["n_bytes"], new["sha256"] = len(payload), digests.sha256
                rows.append(new)
    finally:
        writer.close()
    table = pd.concat([fetches, pd.DataFrame(rows, columns=fetches.columns)], ignore_index=True)
    write_table(table, raw_out / "fetches.parquet", schemas.FETCHES)
    # The demo's display names (an added firm copy is shown by its id).
    shutil.copy(demo / "sources.txt", dst.path("sources"))
    params = read_params(ROOT / "params.yaml")
    set_param(params, "lexicon", str((ROOT / "frames.yaml").resolve()))
    write_params(params, dst.path("params"))


def _variant_row(row: dict, v: int, copy: int, shift: int, docs: pd.DataFrame) -> dict:
    new = dict(row)
    for key in ("doc_id", "fetch_id"):
        new[key] = _hash(row[key], v)
    if copy:
        new["firm"] = f"{row['firm']}{copy + 1}"
    for key in ("url", "final_url", "source_url"):
        new[key] = _variant_url(row[key], v)
    year = row["source_year"]
    if pd.isna(year) and row["doc_id"] in docs.index and \
            docs.at[row["doc_id"], "year_source"] == "published":
        year = docs.at[row["doc_id"], "year"]
    new["source_year"] = None if pd.isna(year) else int(year) + shift
    for key in ("fetched_at", "archive_timestamp"):
        if not pd.isna(row[key]):
            new[key] = row[key] + pd.DateOffset(years=shift)
    return new


def corpus_words(root: Path) -> int:
    """Words in the usable documents (fr and en, duplicates left out) of a built corpus."""
    d = read_table(Layout(root).path("interim") / "documents.parquet", schemas.DOCUMENTS,
                   columns=["status", "duplicate_of", "lang", "n_words"])
    usable = d[(d["status"] == "ok") & d["duplicate_of"].isna() & d["lang"].isin(["fr", "en"])]
    return int(usable["n_words"].sum())


def _has_outputs(stage: str, root: Path) -> bool:
    return all((root / out.path).exists() for out in STAGES[stage].outs)


# --- measuring a stage -----------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _tree_pss_mb(pid: int) -> float:
    kids = _children()
    todo, total = [pid], 0
    while todo:
        p = todo.pop()
        total += _pss_kb(p)
        todo.extend(kids.get(p, ()))
    return total / 1024


def run_stage(stage: str, root: Path, code: Path = ROOT) -> dict[str, float]:
    """Run one stage (the package in `code`) on the project at `root`; its CPU, wall time and
    peak memory."""
    cmd = [sys.executable, "-m", f"pipeline.{stage}", *STAGES[stage].command(Layout(root))]
    log = root / "logs" / f"{stage}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    with open(log, "w") as fh:
        proc = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, cwd=code)
        peak = [0.0]
        done = threading.Event()

        def sample() -> None:
            while not done.wait(0.1):
                peak[0] = max(peak[0], _tree_pss_mb(proc.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        # wait4's usage covers the stage and every process it waited for (its pool workers).
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        done.set()
        sampler.join()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{stage} failed with status {proc.returncode} at {root}; see {log}")
    return {"cpu": usage.ru_utime + usage.ru_stime, "wall": wall, "peak_mb": peak[0],
            "max_proc_mb": usage.ru_maxrss / 1024}


# --- growth and projection -------------------------------------------------------------------


def slope(words: list[int], values: list[float]) -> float:
    """Least-squares slope of log(value) on log(words)."""
    x, y = np.log(np.asarray(words, float)), np.log(np.maximum(np.asarray(values, float), 1e-9))
    return float(np.polyfit(x, y, 1)[0]) if len(x) > 1 else float("nan")


def project(words: list[int], values: list[float], target: int) -> float:
    """The worse of a power-law and an affine extrapolation from the runs to `target` words."""
    if len(words) < 2:
        return float("nan")
    power = values[-1] * (target / words[-1]) ** slope(words, values)
    b, a = np.polyfit(np.asarray(words, float), np.asarray(values, float), 1)
    return float(max(power, a + b * target))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 4, 16])
    ap.add_argument("--stages", nargs="+", choices=STAGE_ORDER, default=list(STAGE_ORDER),
                    help="stages to measure (the earlier ones still run, unmeasured, when "
                         "their outputs are missing)")
    ap.add_argument("--quick", action="store_true", help="scales 1 and 4")
    ap.add_argument("--demo", type=Path, default=DEMO, help="a demo run's folder")
    ap.add_argument("--work", type=Path, help="keep the corpora here (default: a temporary "
                                              "folder, removed)")
    ap.add_argument("--code", type=Path, default=ROOT,
                    help="run the stages of the package in this checkout (another worktree, "
                         "to compare two versions side by side)")
    ap.add_argument("--reuse", action="store_true",
                    help="with --work: keep corpora built by an earlier run, and the outputs of "
                         "the stages not measured")
    args = ap.parse_args(argv)
    scales = sorted(set([1, 4] if args.quick else args.scales))
    if not (args.demo / "data" / "interim" / "passages.parquet").exists():
        # `make bench` runs every script: without a demo run there is nothing to scale.
        print(f"bench_scale: skipped, no demo run in {args.demo} (run `make demo` first)")
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="bench_scale."))
    wanted = [s for s in STAGE_ORDER if s in args.stages]
    last = max(STAGE_ORDER.index(s) for s in wanted)
    results: dict[str, list[tuple[int, int, dict[str, float]]]] = {s: [] for s in wanted}
    try:
        for scale in scales:
            root = work / f"x{scale}"
            if not (args.reuse and (root / "params.yaml").exists()):
                shutil.rmtree(root, ignore_errors=True)
                build_corpus(scale, args.demo, root)
            print(f"{scale}x: corpus in {root}", flush=True)
            words = 0
            for stage in STAGE_ORDER[:last + 1]:
                if stage not in results and args.reuse and _has_outputs(stage, root):
                    words = words or corpus_words(root)
                    continue
                # Every measured run is a cold one: no cache from an earlier run (--reuse).
                for cache in COLD[stage]:
                    shutil.rmtree(root / cache, ignore_errors=True)
                m = run_stage(stage, root, args.code)
                # Words are counted in extract's documents, so they are known after it.
                words = words or corpus_words(root)
                if stage in results:
                    results[stage].append((scale, words, m))
                    print(f"  {stage:<10} cpu {m['cpu']:8.1f} s  wall {m['wall']:7.1f} s  "
                          f"peak {m['peak_mb']:7.0f} MB  (largest process "
                          f"{m['max_proc_mb']:.0f} MB)  {words:,} words", flush=True)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(results)
    return 0


def print_table(results: dict[str, list[tuple[int, int, dict[str, float]]]]) -> None:
    print("\n| stage | scale | words | CPU s | CPU s / 100k words | peak MB | MB / 100k words |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for stage, runs in results.items():
        for scale, words, m in runs:
            print(f"| {stage} | {scale}× | {words:,} | {m['cpu']:.1f} | "
                  f"{m['cpu'] / words * 1e5:.2f} | {m['peak_mb']:.0f} | "
                  f"{m['peak_mb'] / words * 1e5:.1f} |")
    print(f"\n| stage | exponent CPU | exponent memory | CPU h at {TARGET_WORDS / 1e6:.0f} M "
          f"words | peak GB at {TARGET_WORDS / 1e6:.0f} M words | fits {TARGET_GB:.0f} GB |")
    print("|---|---:|---:|---:|---:|---|")
    for stage, runs in results.items():
        sizes = [w for _, w, _ in runs]
        cpu = [m["cpu"] for _, _, m in runs]
        mem = [m["peak_mb"] for _, _, m in runs]
        gb = project(sizes, mem, TARGET_WORDS) / 1024
        hours = project(sizes, cpu, TARGET_WORDS) / 3600
        fits = "—" if math.isnan(gb) else ("yes" if gb <= TARGET_GB else "NO")
        print(f"| {stage} | {slope(sizes, cpu):.2f} | {slope(sizes, mem):.2f} | {hours:.1f} | "
              f"{gb:.1f} | {fits} |")


if __name__ == "__main__":
    sys.exit(main())

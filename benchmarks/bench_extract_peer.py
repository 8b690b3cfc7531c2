"""Benchmark of HTML extraction on a peer's evaluation set: trafilatura's own.

    .venv/bin/python benchmarks/bench_extract_peer.py PATH              # about 5 minutes
    .venv/bin/python benchmarks/bench_extract_peer.py PATH --quick     # one round, about 2 minutes
    .venv/bin/python benchmarks/bench_extract_peer.py PATH --misses     # and what each loses

PATH is a checkout of trafilatura's repository (https://github.com/adbar/trafilatura), or its
`tests/` folder: the set is read from there (`tests/evaldata.json`, the pages in `tests/cache/`
and `tests/eval/`) and never copied into this repository. It holds about a thousand real pages,
each annotated with a few snippets of its main text that an extraction must contain ("with")
and a few of its boilerplate that it must not ("without").

Scored as trafilatura scores itself (tests/eval_common.py there), rules restated here: the
output and each snippet are whitespace-normalised (runs of white space become one space, ends
stripped); a "with" snippet found in the output is a true positive, one not found a false
negative; a "without" snippet found is a false positive, one not found a true negative; a page
without output (or whose extractor raised) has found nothing. Counts are summed over the pages;
precision, recall and F1 come from the sums. Trafilatura's settings are those of its
benchmark: no comments, tables kept, no formatting; "bare" is `trafilatura.extract(html)` with
its defaults.

Ours is `extract_html` with the extract block's `min_words` from params.yaml, as the stage
calls it for an archived capture (no publication-date search in the text); its paragraphs are
its output when its status is `ok`, and a page it records as `empty` or `link_list` has no
output, as in the pipeline. The English and French pages are those whose "with" snippets
py3langid reads as English or French (the set does not record languages).

Speed: every system extracts each page in turn, the order alternating page by page, over
`--rounds` rounds; pages per second at the median round (CPU time of this process), and our
time over trafilatura's fast setting as the median of the rounds' ratios, with its range.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402
import yaml  # noqa: E402

from pipeline.extract.html import extract_html  # noqa: E402
from pipeline.extract.language import detect_language  # noqa: E402

MIN_WORDS = yaml.safe_load((ROOT / "params.yaml").read_text(encoding="utf-8"))["extract"][
    "min_words"]
# trafilatura's benchmark settings.
OPTS = {"include_comments": False, "include_tables": True, "include_formatting": False}
_SPACE = re.compile(r"\s+")


def norm(text: str) -> str:
    return _SPACE.sub(" ", text).strip()


def ours(url: str, body: bytes) -> str | None:
    page = extract_html(body, min_words=MIN_WORDS, url=url, search_date_text=False)
    return "\n".join(page.paragraphs) if page.status == "ok" else None


SYSTEMS = {
    "ours": ours,
    "trafilatura fast": lambda url, body: trafilatura.extract(body, fast=True, **OPTS),
    "trafilatura full": lambda url, body: trafilatura.extract(body, fast=False, **OPTS),
    "trafilatura bare": lambda url, body: trafilatura.extract(body),
}


def load_set(path: Path) -> list[dict]:
    """The set's pages: url, file bytes, its "with" and "without" snippets (missing files are
    reported and left out)."""
    tests = path / "tests" if (path / "tests" / "evaldata.json").is_file() else path
    data = json.loads((tests / "evaldata.json").read_text(encoding="utf-8"))
    pages, missing = [], []
    for url in sorted(data):
        item = data[url]
        found = next((tests / sub / item["file"] for sub in ("cache", "eval")
                      if (tests / sub / item["file"]).is_file()), None)
        if found is None:
            missing.append(item["file"])
            continue
        pages.append({"url": url, "body": found.read_bytes(), "with": item["with"],
                      "without": item["without"]})
    if missing:
        print(f"!! {len(missing)} of {len(data)} pages are not in the checkout (left out): "
              f"{', '.join(missing[:5])}{' ...' if len(missing) > 5 else ''}")
    return pages


def counts(page: dict, output: str | None) -> tuple[int, int, int, int]:
    """(true positives, false positives, false negatives, true negatives) of one page."""
    text = norm(output) if isinstance(output, str) else None
    tp = sum(text is not None and norm(s) in text for s in page["with"])
    fp = sum(text is not None and norm(s) in text for s in page["without"])
    return tp, fp, len(page["with"]) - tp, len(page["without"]) - fp


def scores(rows: list[tuple[int, int, int, int]]) -> tuple[float, float, float]:
    tp, fp, fn, _ = (sum(c) for c in zip(*rows, strict=True)) if rows else (0, 0, 0, 0)
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return p, r, 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def run(pages: list[dict], rounds: int) -> tuple[dict[str, list], dict[str, list[float]]]:
    """Every system on every page, taking turns page by page: outputs of the first round and
    CPU seconds of each round."""
    names = list(SYSTEMS)
    outputs: dict[str, list] = {n: [] for n in names}
    times: dict[str, list[float]] = {n: [] for n in names}
    for r in range(rounds):
        total = dict.fromkeys(names, 0.0)
        for i, page in enumerate(pages):
            for name in (names if (r + i) % 2 == 0 else names[::-1]):
                start = time.process_time()
                try:
                    out = SYSTEMS[name](page["url"], page["body"])
                except Exception as exc:  # a crash finds nothing, as in trafilatura's scoring
                    out = None
                    log.warning("%s on %s: %s: %s", name, page["url"], type(exc).__name__, exc)
                total[name] += time.process_time() - start
                if r == 0:
                    outputs[name].append(out)
        for name in names:
            times[name].append(total[name])
        print(f"   round {r + 1}/{rounds}: " + ", ".join(
            f"{n} {t:.1f} s" for n, t in total.items()), flush=True)
    return outputs, times


def misses(pages: list[dict], outputs: dict[str, list]) -> None:
    """Snippets ours loses (or wrongly keeps) where bare or full trafilatura does not."""
    print("\n== Where ours differs from bare or full trafilatura (page: snippet)")
    for i, page in enumerate(pages):
        mine = outputs["ours"][i]
        others = [o for o in (outputs["trafilatura bare"][i], outputs["trafilatura full"][i])
                  if o]
        text = norm(mine) if mine else ""
        for s in page["with"]:
            if norm(s) not in text and any(norm(s) in norm(o) for o in others):
                why = "" if mine else " [" + (extract_html(
                    page["body"], min_words=MIN_WORDS).note or "") + "]"
                print(f"  lost  {page['url']}: {s[:70]!r}{why}")
        for s in page["without"]:
            if norm(s) in text and not all(norm(s) in norm(o) for o in others):
                print(f"  kept  {page['url']}: {s[:70]!r}")


log = logging.getLogger("bench_extract_peer")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", nargs="?", type=Path,
                        help="a checkout of trafilatura's repository (or its tests/ folder)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (default 3)")
    parser.add_argument("--quick", action="store_true", help="one round")
    parser.add_argument("--misses", action="store_true",
                        help="list the snippets ours loses or wrongly keeps")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    if args.path is None:  # `make bench` runs every benchmark without arguments
        print("bench_extract_peer: skipped, give the path of a trafilatura checkout")
        return 0
    pages = load_set(args.path)
    rounds = 1 if args.quick else args.rounds
    langs = [detect_language(" ".join(p["with"]))[0] for p in pages]
    print(f"== trafilatura's evaluation set: {len(pages)} pages ({langs.count('en')} English, "
          f"{langs.count('fr')} French by py3langid on their snippets), "
          f"{sum(len(p['with']) for p in pages)} 'with' and "
          f"{sum(len(p['without']) for p in pages)} 'without' snippets; trafilatura "
          f"{trafilatura.__version__}, ours with min_words={MIN_WORDS}")
    outputs, times = run(pages, rounds)
    enfr = [i for i, lang in enumerate(langs) if lang in ("en", "fr")]
    print(f"\n{'':18s} {'all pages':^22s}  {'English and French':^22s}  pages/s  time")
    print(f"{'':18s} {'P':>6s} {'R':>7s} {'F1':>7s}   {'P':>6s} {'R':>7s} {'F1':>7s}")
    fast = times["trafilatura fast"]
    for name in SYSTEMS:
        rows = [counts(p, o) for p, o in zip(pages, outputs[name], strict=True)]
        p, r, f = scores(rows)
        pe, re_, fe = scores([rows[i] for i in enfr])
        ratios = sorted(a / b for a, b in zip(times[name], fast, strict=True))
        print(f"{name:18s} {p:6.3f} {r:7.3f} {f:7.3f}   {pe:6.3f} {re_:7.3f} {fe:7.3f}  "
              f"{len(pages) / statistics.median(times[name]):7.1f}  "
              f"{statistics.median(ratios):.2f}x fast ({ratios[0]:.2f}-{ratios[-1]:.2f})")
    dropped = sum(out is None for out in outputs["ours"])
    print(f"\nours: {dropped} pages recorded empty or link_list; "
          "target F1 >= 0.93 (all and English/French) at <= 1.2x fast")
    if args.misses:
        misses(pages, outputs)
    return 0


if __name__ == "__main__":
    sys.exit(main())

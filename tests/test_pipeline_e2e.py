"""End to end: the demo site, scraped and analysed by every stage, gives what a user relies on.

The demo's planted truth (demo/truth.json) is recovered: each firm's dominant theme, the planted
shifts, and every figure leads back to a capture in the archive.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from pipeline import schemas
from pipeline.io import read_table
from tests.test_topics import match_planted_themes

pytestmark = pytest.mark.slow


def table(root: Path, folder: str, name: str):
    return read_table(root / "data" / folder / f"{name}.parquet", getattr(schemas, name.upper()))


def test_every_firm_has_a_report_linked_from_the_index(demo_build, truth):
    reports = demo_build / "reports"
    index = (reports / "index.html").read_text(encoding="utf-8")
    for firm, info in truth["firms"].items():
        page = reports / "firms" / f"{firm}.html"
        assert page.exists(), firm
        assert f'href="firms/{firm}.html"' in index
        text = page.read_text(encoding="utf-8")
        assert info["brand"].lower() in text.lower(), f"{firm}: brand term missing from its page"
    for name in ("topics.html", "shifts.html", "metrics.json"):
        assert (reports / name).exists()


def test_dominant_themes_and_planted_shifts_are_recovered(demo_build, truth):
    terms = table(demo_build, "topics", "topic_terms")
    prevalence = table(demo_build, "topics", "prevalence")
    for firm, info in truth["firms"].items():
        lang = info["main_lang"]
        theme_topic = match_planted_themes(terms, truth, lang)[0]
        shares = prevalence[(prevalence["lang"] == lang) & (prevalence["level"] == "firm")
                            & (prevalence["firm"] == firm)]
        top = int(shares.sort_values("share", ascending=False)["topic"].iloc[0])
        assert top == theme_topic[info["dominant_theme"]], firm

    shifts = table(demo_build, "contrasts", "shifts")
    frame_of = {"audience": "citizens", "framing": "problems"}
    planted = [s for s in truth["shifts"] if s["kind"] in frame_of]
    assert len(planted) >= 2
    for shift in planted:
        row = shifts[(shifts["firm"] == shift["firm"]) & (shifts["group"] == shift["kind"])
                     & (shifts["frame"] == frame_of[shift["kind"]])
                     & (shifts["measure"] == "share")]
        assert len(row) == 1, shift
        slope, p = float(row["slope"].iloc[0]), float(row["p_value"].iloc[0])
        assert p < 0.05, shift
        assert (slope > 0) == (shift["direction"] == "rise"), shift


def test_concordance_lines_trace_back_to_archived_captures(demo_build):
    kwic = table(demo_build, "contrasts", "kwic")
    passages = table(demo_build, "interim", "passages").set_index("passage_id")
    documents = table(demo_build, "interim", "documents").set_index("doc_id")
    fetches = read_table(demo_build / "data" / "raw" / "fetches.parquet", schemas.FETCHES)
    archived = fetches[fetches["outcome"] == "ok"].set_index("doc_id")
    assert len(kwic) > 100
    for _, line in kwic.sample(50, random_state=0).iterrows():
        passage = passages.loc[line["passage_id"]]
        assert passage["doc_id"] == line["doc_id"] and passage["url"] == line["url"]
        # the matched words, as written, are in the passage text
        assert re.sub(r"\s+", " ", line["match"]) in re.sub(r"\s+", " ", passage["text"])
        doc = documents.loc[line["doc_id"]]
        # an undated document's lines carry no year either
        same_year = (pd.isna(doc["year"]) and pd.isna(line["year"])) or doc["year"] == line["year"]
        assert same_year and doc["firm"] == line["firm"]
        capture = archived.loc[[line["doc_id"]]].iloc[-1]
        assert (demo_build / "data" / "raw" / capture["warc_file"]).exists()

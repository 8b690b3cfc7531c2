"""The shapes real text showed (issue 14), planted in the demo: the pipeline handles each.

demo/truth.json names them (oddities.undated_pages, oddities.page_chrome).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from pipeline import schemas
from pipeline.io import read_table

pytestmark = pytest.mark.slow


def _interim(folder, schema):
    return read_table(folder / "data" / "interim" / schemas.file_name(schema), schema)


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_demo_undated_pages_are_counted_in_no_year(demo_build, truth):
    docs = _interim(demo_build, schemas.DOCUMENTS)
    docs = docs.assign(path=docs["url"].map(_path)).set_index("path")
    planted = truth["oddities"]["undated_pages"]
    assert len(planted) == 1
    for path in planted:
        doc = docs.loc[path]
        assert doc["status"] == "ok" and doc["year_source"] == "undated" and pd.isna(doc["year"])
    # Nothing else on the demo site is undated: every other document has a year.
    usable = docs[(docs["status"] == "ok") & docs["duplicate_of"].isna()]
    assert sorted(usable.index[usable["year"].isna()]) == sorted(planted)
    collection = _interim(demo_build, schemas.COLLECTION)
    undated = collection[collection["year"].isna()].set_index("firm")["n_documents"]
    # (Vigimetra's robots-blocked URL, which nothing dates, is counted there too, failed.)
    assert undated[undated > 0].to_dict() == {"lumidia": 1}
    # Off every time axis: no year-indexed figure has a null year, and no year is the scrape's.
    m = read_table(demo_build / "data" / "contrasts" / "frame_measures.parquet",
                   schemas.FRAME_MEASURES)
    timed = m[m["level"].isin(["year", "firm_year"])]
    assert timed["year"].notna().all() and set(timed["year"].astype(int)) == set(truth["years"])
    index = (demo_build / "reports" / "index.html").read_text(encoding="utf-8")
    assert "1 document carries no date" in " ".join(index.split())


def test_demo_page_chrome_is_removed_and_counted(demo_build, truth):
    chrome = truth["oddities"]["page_chrome"]
    docs = _interim(demo_build, schemas.DOCUMENTS)
    docs = docs.assign(path=docs["url"].map(_path))
    news = docs[docs["path"].isin(chrome["paths"]) & (docs["status"] == "ok")]
    assert len(news) == len(chrome["paths"])
    for line in chrome["lines"]:
        assert not news["text"].str.contains(line, regex=False).any(), line
    assert (news["n_chrome"] >= len(chrome["lines"])).all()
    collection = _interim(demo_build, schemas.COLLECTION)
    assert (collection.groupby("firm")["n_chrome"].sum()["citavia"]
            >= len(chrome["paths"]) * len(chrome["lines"]))
    # The paywall's "abonnés" never reaches a concordance line.
    kwic = read_table(demo_build / "data" / "contrasts" / "kwic.parquet", schemas.KWIC)
    lines = kwic["left"] + " " + kwic["match"] + " " + kwic["right"]
    assert not lines.str.contains("Réservé aux", regex=False).any()

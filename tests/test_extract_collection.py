"""What was collected: the COLLECTION and CAPTURES tables the extract stage writes."""

from __future__ import annotations

import pandas as pd

from pipeline import io, schemas
from pipeline.extract.collection import collection_table
from tests.test_extract import FR, Raw, html_page, paragraphs, run_stage
from tests.test_report import make_study


def test_collection_counts_per_firm_and_year():
    t = make_study()
    c = collection_table(t["fetches"], t["documents"]).set_index(["firm", "year"])
    assert c.loc[("alpha", 2019), ["n_fetched", "n_from_archive", "n_failed", "n_documents"]
                 ].tolist() == [2, 2, 1, 2]  # the 404 URL, tried twice, counts once
    # beta's timed-out URL was fetched later: collected, not failed.
    assert c.loc[("beta", 2021), ["n_fetched", "n_from_archive", "n_failed"]].tolist() == [2, 0, 0]
    gamma = c.loc[("gamma", 2020), ["n_documents", "n_duplicates", "n_skipped"]]
    assert gamma.tolist() == [2, 1, 1]
    assert c.loc[("gamma", 2020), "n_words"] == 801


def test_the_stage_writes_what_was_collected_failures_included(tmp_path):
    raw = Raw(tmp_path / "raw")
    raw.add("https://acme.example/ville", html_page(paragraphs(FR, 3)), source_year=2021)
    raw.add("https://acme.example/down", None, outcome="timeout", source_year=2021)
    raw.add("https://acme.example/vide", html_page(""), source_year=2021)
    run_stage(tmp_path, raw)
    out = tmp_path / "interim"
    c = io.read_table(out / "collection.parquet", schemas.COLLECTION)
    assert c[["firm", "n_sources", "n_fetched", "n_failed", "n_documents", "n_skipped"]
             ].values.tolist() == [["acme", 3, 2, 1, 1, 1]]
    caps = io.read_table(out / "captures.parquet", schemas.CAPTURES).set_index("url")
    assert caps.loc["https://acme.example/down", "outcome"] == "timeout"
    assert pd.isna(caps.loc["https://acme.example/down", "doc_status"])
    assert caps.loc["https://acme.example/vide", "doc_status"] == "empty"
    assert caps.loc["https://acme.example/ville", "n_words"] > 0


def test_no_capture_at_all_gives_empty_tables(tmp_path):
    raw = Raw(tmp_path / "raw")
    raw.add("https://acme.example/down", None, outcome="timeout")
    run_stage(tmp_path, raw)
    c = io.read_table(tmp_path / "interim/collection.parquet", schemas.COLLECTION)
    assert c["n_failed"].tolist() == [1] and c["n_documents"].tolist() == [0]
    caps = io.read_table(tmp_path / "interim/captures.parquet", schemas.CAPTURES)
    assert caps["outcome"].tolist() == ["timeout"]

"""The report reads the concordance a firm at a time: what a firm page counts and shows equals
what the whole table gives, however the file is cut into batches."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.io import SchemaError, conform, read_table, write_table
from pipeline.report import stage as report
from pipeline.report.concordance import Concordance
from pipeline.report.firm import firm_context
from pipeline.report.study import ReportInputs, Study
from tests.test_report import make_study, write_project


def _many_lines(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The fixture's concordance grown to a few hundred lines over its firms' documents: frame
    terms in both languages, distinctive terms, several lines per document, undated lines,
    and rows shuffled so every firm's lines are spread over every batch."""
    rng = np.random.default_rng(7)
    base = tables["kwic"]
    docs = tables["documents"]
    docs = docs[docs["status"] == "ok"]
    extra = []
    terms = [("mobilité", "domains", "mobility", "fr"), ("mobility", "domains", "mobility", "en"),
             ("eau", "domains", "water", "fr"), ("citizen", "audience", "citizens", "en")]
    distinctive = base[base["group"].isna()]
    for firm, firm_docs in docs.groupby("firm"):
        for n in range(120):
            d = firm_docs.iloc[int(rng.integers(len(firm_docs)))]
            if n % 4 == 0:  # a distinctive term of the firm
                row = distinctive[distinctive["firm"] == firm].iloc[0]
                term, group, frame, lang = row["term"], None, None, row["lang"]
            else:
                term, group, frame, lang = terms[int(rng.integers(len(terms)))]
            extra.append(dict(term=term, group=group, frame=frame, firm=firm,
                              year=None if n % 17 == 0 else d["year"], lang=lang, left="l",
                              match=term, right="r", doc_id=d["doc_id"],
                              passage_id=f"{d['doc_id']}-{n % 3:04d}", sent_id=n, url=d["url"],
                              page=None, captured_at=d["captured_at"]))
    lines = pd.concat([base, pd.DataFrame(extra)], ignore_index=True)
    lines = lines.iloc[rng.permutation(len(lines))].reset_index(drop=True)
    return conform(lines, schemas.KWIC)


@pytest.fixture(scope="module")
def tables() -> dict[str, pd.DataFrame]:
    tables = make_study()
    tables["kwic"] = _many_lines(tables)
    return tables


@pytest.fixture(scope="module")
def kwic_file(tables, tmp_path_factory):
    return write_table(tables["kwic"], tmp_path_factory.mktemp("kwic") / "kwic.parquet",
                       schemas.KWIC)


def test_a_firms_lines_read_in_batches_are_the_whole_tables_rows(tables, kwic_file):
    whole = read_table(kwic_file, schemas.KWIC)
    c = Concordance.from_file(kwic_file, batch_rows=13)
    assert c.firms == list(whole["firm"].unique())
    named = whole[whole["group"].isna()]
    assert c.term_lines == set(zip(named["firm"], named["lang"], named["term"], strict=True))
    for firm in whole["firm"].unique():
        pd.testing.assert_frame_equal(
            c.rows(firm), whole[whole["firm"] == firm].reset_index(drop=True))
    assert c.rows("nobody").empty and list(c.rows("nobody").columns) == schemas.KWIC.names
    spilled = next(iter(c._slices.values()))[0][0].parent
    c.close()
    assert not spilled.exists()


def test_firm_page_counts_equal_the_whole_table_counts(tables, kwic_file):
    """Each term's and each frame's lines (n) and documents (n_docs) on a firm page."""
    whole = tables["kwic"]
    inputs = ReportInputs(**{**tables, "kwic": Concordance.from_file(kwic_file, batch_rows=13)})
    study = Study(inputs, min_docs=3)
    in_memory = Study(ReportInputs(**tables), min_docs=3)
    checked = 0
    for firm in whole["firm"].unique():
        ctx = firm_context(study, firm, None, max_kwic=5, n_terms=25)
        lines = whole[whole["firm"] == firm]
        framed = lines[lines["group"].notna()]
        for block in ctx["kwic_frames"]:
            rows = framed[(framed["group"] == block["group"])
                          & (framed["frame"] == block["frame"])]
            assert (block["n"], block["n_docs"]) == (len(rows), rows["doc_id"].nunique())
            for t in block["terms"]:
                of_term = rows[rows["term"] == t["term"]]
                assert (t["n"], t["n_docs"]) == (len(of_term), of_term["doc_id"].nunique())
                assert len(t["lines"]) == min(5, len(of_term))
                checked += 1
        assert ctx["kwic_terms"], firm
        for t in ctx["kwic_terms"]:
            of_term = lines[lines["group"].isna() & (lines["lang"] == t["lang"])
                            & (lines["term"] == t["term"])]
            assert (t["n"], t["n_docs"]) == (len(of_term), of_term["doc_id"].nunique())
            checked += 1
        # and the page is the one the whole table in memory gives
        assert ctx == firm_context(in_memory, firm, None, max_kwic=5, n_terms=25)
    assert checked > 10


def test_the_export_holds_every_line_once_with_display_names(tables, tmp_path):
    args = write_project(tmp_path, tables)
    assert report.main(args) == 0
    exported = pd.read_csv(tmp_path / "reports/data/kwic.csv")
    assert len(exported) == len(tables["kwic"])
    assert list(exported.columns) == schemas.with_firm_name(schemas.KWIC).names
    assert set(exported.loc[exported["firm"] == "gamma", "firm_name"]) == {
        "Gamma & Söhne <GmbH>"}
    parquet = read_table(tmp_path / "reports/data/kwic.parquet",
                         schemas.with_firm_name(schemas.KWIC))
    assert parquet["sent_id"].tolist() == tables["kwic"]["sent_id"].tolist()


def test_a_damaged_concordance_is_named(tmp_path):
    path = tmp_path / "kwic.parquet"
    path.write_bytes(b"PAR1 not a table")
    with pytest.raises(SchemaError, match=r"kwic\.parquet"):
        Concordance.from_file(path)

"""Genre and section in the analyses: topics and contrasts read the passages of the source
kinds and section families params.yaml names, and keyness compares reports with pages."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline.contrasts.stage import keyness_tables
from pipeline.errors import ParamsError
from pipeline.params import check_block
from pipeline.subset import restrict, selected
from pipeline.topics.stage import fit_topics
from tests.test_topics import PARAMS as TOPICS
from tests.test_topics import planted_bags


def _passages(bags: pd.DataFrame) -> pd.DataFrame:
    n = len(bags)
    return pd.DataFrame({
        "passage_id": bags["passage_id"].to_numpy(),
        "page_start": pd.array([None] * n, dtype="Int32"),
        "page_end": pd.array([None] * n, dtype="Int32"),
        "text": ("texte " + bags["passage_id"]).to_numpy(),
        # odd documents are reports, their passages in the csr chapter or the financial one
        "kind": ["report" if int(d[2:]) % 2 else "page" for d in bags["doc_id"]],
        "section_family": [("csr" if int(p[-1]) % 2 else "financial") if int(d[2:]) % 2
                           else None for d, p in zip(bags["doc_id"], bags["passage_id"],
                                                     strict=True)],
    })


def test_passages_are_selected_by_kind_and_family():
    bags, _ = planted_bags(n_docs=8, per_doc=2)
    passages = _passages(bags)
    assert restrict(bags, passages) is bags  # no filter: the table as it is
    reports = selected(passages, kinds=["report"])
    assert reports == set(passages.loc[passages["kind"] == "report", "passage_id"])
    csr = restrict(bags, passages, kinds=["report"], section_families=["csr"])
    assert len(csr) == 4 and set(csr["passage_id"]) < reports
    # a page has no section family of a report: it counts as other
    assert selected(passages, section_families=["other"]) == \
        set(passages.loc[passages["kind"] == "page", "passage_id"])


def test_topics_model_only_the_passages_asked_for():
    bags, _ = planted_bags(n_docs=80)
    passages = _passages(bags)
    params = check_block("topics", {**TOPICS, "kinds": ["report"]})
    result = fit_topics(bags, passages, params)
    modelled = set(result.doc_topics["passage_id"])
    assert modelled and modelled <= selected(passages, kinds=["report"])
    # odd documents (the reports) are those of firme1 and firme3
    assert set(result.prevalence["firm"].dropna()) == {"firme1", "firme3"}


def _kind_bags() -> pd.DataFrame:
    rows = []
    for firm in ("alpha", "beta"):
        for kind, words in (("page", ["ville", "habitant", "service"]),
                            ("report", ["bilan", "dette", "service"])):
            for i in range(6):
                terms = [words[(i + k) % 3] for k in range(40)]
                if firm == "beta":
                    terms += ["réseau"] * 10
                rows.append({"passage_id": f"{firm}-{kind}-{i}", "doc_id": f"{firm}-{kind}",
                             "firm": firm, "year": 2020 + i % 2, "lang": "fr",
                             "url": f"https://{firm}.example/{kind}", "n_tokens": len(terms),
                             "terms": terms, "kind": kind})
    return pd.DataFrame(rows)


def test_keyness_compares_reports_with_pages_overall_and_per_firm():
    bags = _kind_bags()
    args = {"alpha0": 1000.0, "min_count": 3, "fdr": 0.05, "min_tokens": 10}
    with_kinds = keyness_tables(bags, **args)
    kinds = with_kinds[with_kinds["comparison"] == "kind_vs_kind"]
    assert set(zip(kinds["group_a"], kinds["group_b"], strict=True)) == {
        ("report", "page"), ("alpha:report", "alpha:page"), ("beta:report", "beta:page")}
    overall = kinds[kinds["group_a"] == "report"].sort_values("z", ascending=False)
    assert set(overall["term"].head(2)) == {"bilan", "dette"}
    assert set(overall["term"].tail(2)) == {"ville", "habitant"}
    # splitting units by kind changes no other comparison
    without = keyness_tables(bags.drop(columns="kind"), **args)
    assert "kind_vs_kind" not in set(without["comparison"])
    others = with_kinds[with_kinds["comparison"] != "kind_vs_kind"]
    cols = ["comparison", "group_a", "group_b", "term", "count_a", "count_b", "z"]
    pd.testing.assert_frame_equal(
        others[cols].sort_values(cols[:4]).reset_index(drop=True),
        without[cols].sort_values(cols[:4]).reset_index(drop=True))


@pytest.mark.parametrize("block", ["topics", "contrasts"])
def test_an_unknown_kind_or_family_is_named(block):
    with pytest.raises(ParamsError, match=rf"{block}\.section_families"):
        check_block(block, {"section_families": ["finance"]})
    with pytest.raises(ParamsError, match=rf"{block}\.kinds"):
        check_block(block, {"kinds": ["pdf"]})

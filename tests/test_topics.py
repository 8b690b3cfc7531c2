"""Tests of the topics stage on small corpora with planted topics, and on the demo's truth."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.errors import ParamsError
from pipeline.io import read_table, write_table
from pipeline.params import check_block
from pipeline.topics.models import (
    TopicModel,
    build_corpus,
    exclusivity,
    fit_model,
    frex,
    match_topics,
)
from pipeline.topics.prevalence import (
    DocShares,
    bootstrap_means,
    document_shares,
    prevalence,
    share_change,
    topic_trends,
)
from pipeline.topics.stage import (
    TopicsError,
    choose_k,
    fit_topics,
    in_content_order,
    main,
    representative_passages,
)

N_THEMES = 4
ROOT_PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"
THEME_WORDS = 25


def planted_bags(*, n_docs: int = 48, per_doc: int = 3, length: int = 60, seed: int = 0,
                 lang: str = "fr", n_firms: int = 4) -> tuple[pd.DataFrame, list[list[str]]]:
    """Passages drawn from N_THEMES topics with disjoint vocabularies, plus shared noise words.

    Firm i's documents lean on theme i % N_THEMES; years cycle 2019-2022.
    """
    rng = np.random.default_rng(seed)
    themes = [[f"{lang}{t}mot{i}" for i in range(THEME_WORDS)] for t in range(N_THEMES)]
    noise = [f"{lang}commun{i}" for i in range(20)]
    freq = 1 / np.arange(1, THEME_WORDS + 1) ** 0.7
    freq /= freq.sum()
    rows = []
    for d in range(n_docs):
        firm = f"firme{d % n_firms}"
        alpha = np.full(N_THEMES, 0.3)
        alpha[d % n_firms % N_THEMES] += 2.0
        doc_id = f"{lang}{d:05d}"
        for p in range(per_doc):
            theme_of = rng.choice(N_THEMES, size=length, p=rng.dirichlet(alpha))
            terms = [noise[rng.integers(len(noise))] if rng.random() < 0.1
                     else themes[t][rng.choice(THEME_WORDS, p=freq)] for t in theme_of]
            rows.append({"passage_id": f"{doc_id}-{p:04d}", "doc_id": doc_id, "firm": firm,
                         "year": 2019 + d % 4, "lang": lang,
                         "url": f"https://{firm}.example/page{d}", "n_tokens": 2 * length,
                         "terms": terms})
    return pd.DataFrame(rows), themes


def passages_for(bags: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "passage_id": bags["passage_id"],
        "page_start": pd.array([None] * len(bags), dtype="Int32"),
        "page_end": pd.array([None] * len(bags), dtype="Int32"),
        "text": "texte " + bags["passage_id"],
    })


PARAMS = dict(model="nmf", k=N_THEMES, k_grid=[N_THEMES], seed=42, stability_seeds=[1, 2],
              stability_sample=0.8, stability_floor=0.6, passes=10, chunksize=100, workers=1,
              sweep_workers=1,
              min_df=2, max_df=0.5, min_passages=10, n_top_terms=8, n_passages=3,
              n_bootstrap=200)


def run(bags, **overrides):
    return fit_topics(bags, passages_for(bags), check_block("topics", {**PARAMS, **overrides}))


@pytest.fixture(scope="module")
def planted():
    # 450 passages: on 150 or fewer, a few LDA seeds in ten fall into a local optimum that
    # merges two planted topics (stability measures exactly that).
    return planted_bags(n_docs=150)


# --- models ----------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_every_planted_topic_is_recovered(planted, model):
    bags, themes = planted
    fitted = run(bags, model=model).models["fr"]
    top = np.array(fitted.top_terms(10))
    rows, cols, _ = match_topics(top, np.array(themes))
    # Each fitted topic's top 10 terms come from the one planted theme it is paired with.
    overlap = [len(set(top[r]) & set(themes[c])) / 10 for r, c in zip(rows, cols, strict=True)]
    assert sorted(cols) == list(range(N_THEMES))
    assert min(overlap) >= 0.9, overlap


def test_k_rule_picks_the_planted_number_of_topics(planted):
    bags, _ = planted
    result = run(bags, k="auto", k_grid=[2, 4, 7], sweep_workers=2)
    sweep = result.k_sweep
    assert sweep["k"].tolist() == [2, 4, 7]
    assert sweep.loc[sweep["chosen"], "k"].tolist() == [N_THEMES]
    row = sweep.set_index("k").loc[N_THEMES]
    assert row["stability"] >= 0.85 and row["exclusivity"] == 1.0
    # Too many topics split the planted ones: lower coherence and exclusivity.
    assert row["c_npmi"] > sweep.set_index("k").loc[7, "c_npmi"]
    assert sweep.set_index("k").loc[7, "exclusivity"] < 1.0
    assert result.metrics["fr"]["k"] == N_THEMES


def test_choose_k_excludes_unstable_k_and_prefers_smaller_on_ties():
    sweep = pd.DataFrame({"k": [4, 6, 8, 10], "c_npmi": [0.10, 0.12, 0.20, 0.12],
                          "stability": [0.9, 0.9, 0.3, 0.9]})
    # K=8 is the most coherent but unstable; K=6 and K=10 tie on both measures.
    assert choose_k(sweep, stability_floor=0.6) == 6
    # No K stable enough: the rule falls back to every K.
    assert choose_k(sweep.assign(stability=0.2 + sweep["c_npmi"]), stability_floor=0.6) == 8
    # Without stability, coherence alone decides.
    assert choose_k(sweep.assign(stability=np.nan), stability_floor=0.6) == 8


def test_a_forced_k_is_kept_and_added_to_the_sweep(planted):
    bags, _ = planted
    result = run(bags, k=3, k_grid=[4], stability_seeds=[])
    assert result.k_sweep["k"].tolist() == [3, 4]
    assert result.k_sweep.loc[result.k_sweep["chosen"], "k"].tolist() == [3]
    assert result.models["fr"].k == 3
    assert result.k_sweep["stability"].isna().all()


# --- topic description -----------------------------------------------------------------------


def test_frex_prefers_a_term_exclusive_to_the_topic():
    # Terms 0 and 1 weigh the same in topic 0, but term 1 is as frequent in topic 1.
    phi = np.array([[0.4, 0.4, 0.1, 0.1], [0.05, 0.4, 0.5, 0.05]])
    scores = frex(phi)
    assert scores[0, 0] > scores[0, 1]
    assert scores.max() <= 1.0 and scores.min() > 0


def test_topic_description_has_prob_and_frex_rankings_and_a_label(planted):
    bags, themes = planted
    terms = run(bags).topic_terms
    assert set(terms["by"]) == {"prob", "frex"}
    for (_topic, by), group in terms.groupby(["topic", "by"]):
        assert group["rank"].tolist() == list(range(1, PARAMS["n_top_terms"] + 1))
        key = "weight" if by == "prob" else "frex"
        assert group[key].is_monotonic_decreasing
    # A label is three top terms of the topic's own planted theme.
    for label in terms.drop_duplicates("topic")["label"]:
        words = label.split(" / ")
        assert len(words) == 3 and any(set(words) <= set(theme) for theme in themes)


def test_exclusivity_counts_shared_top_terms():
    assert exclusivity(np.array([[1, 2], [3, 4]])) == 1.0
    assert exclusivity(np.array([[1, 2], [2, 3]])) == 0.5


def test_representative_passages_are_long_enough_and_one_per_document():
    meta = pd.DataFrame({"passage_id": ["a-0", "a-1", "b-0", "c-0", "d-0"],
                         "doc_id": ["a", "a", "b", "c", "d"],
                         "n_terms": [50, 50, 40, 2, 45]})
    shares = np.array([[0.9, 0.1], [0.8, 0.2], [0.7, 0.3], [1.0, 0.0], [0.2, 0.8]])
    reps = representative_passages(shares, meta, n_passages=3)
    top0 = reps[reps["topic"] == 0]
    # c-0 is a two-term fragment; a-1 repeats document a.
    assert top0["passage_id"].tolist() == ["a-0", "b-0", "d-0"]
    assert top0["rank"].tolist() == [1, 2, 3]


def test_topic_passages_carry_their_source(planted):
    bags, _ = planted
    reps = run(bags).topic_passages
    assert len(reps) == N_THEMES * PARAMS["n_passages"]
    row = reps.iloc[0]
    source = bags.set_index("passage_id").loc[row["passage_id"]]
    assert (row["firm"], row["year"], row["url"]) == (source["firm"], source["year"],
                                                       source["url"])
    assert row["text"] == f"texte {row['passage_id']}"
    assert reps.groupby("topic")["share"].apply(lambda s: s.is_monotonic_decreasing).all()


# --- prevalence ------------------------------------------------------------------------------


def test_document_share_weights_passages_by_tokens():
    doc_topics = pd.DataFrame({
        "passage_id": ["d-0", "d-0", "d-1", "d-1"], "doc_id": "d", "firm": "f", "year": 2020,
        "topic": [0, 1, 0, 1], "share": [1.0, 0.0, 0.0, 1.0]})
    docs = document_shares(doc_topics, pd.Series({"d-0": 300, "d-1": 100}))
    np.testing.assert_allclose(docs.shares, [[0.75, 0.25]])
    assert docs.docs["n_passages"].tolist() == [2]


def test_bootstrap_intervals_cover_the_true_share():
    rng = np.random.default_rng(7)
    alpha = np.array([2.0, 1.0, 1.0])
    truth = alpha[0] / alpha.sum()
    n_rep, covered = 300, 0
    for rep in range(n_rep):
        docs = rng.dirichlet(alpha, size=40)
        means = bootstrap_means(docs, n_bootstrap=400, rng=np.random.default_rng(rep))
        low, high = np.quantile(means[:, 0], [0.025, 0.975])
        covered += low <= truth <= high
    assert 0.88 <= covered / n_rep <= 0.99


def test_bootstrap_is_seeded_and_matches_the_plain_mean():
    values = np.random.default_rng(0).random((25, 3))
    a = bootstrap_means(values, n_bootstrap=2000, rng=np.random.default_rng(1))
    b = bootstrap_means(values, n_bootstrap=2000, rng=np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(a.mean(axis=0), values.mean(axis=0), atol=0.01)


def test_prevalence_levels_and_a_firm_with_one_document():
    docs = pd.DataFrame({"doc_id": ["a", "b", "c", "d"], "firm": ["x", "x", "x", "solo"],
                         "year": pd.array([2020, 2021, None, 2021], dtype="Int16"),
                         "n_passages": [2, 3, 1, 4]})
    shares = np.array([[0.8, 0.2], [0.6, 0.4], [0.7, 0.3], [0.1, 0.9]])
    prev = prevalence(DocShares(docs, shares), n_bootstrap=500, seed=3)
    solo = prev[(prev["level"] == "firm") & (prev["firm"] == "solo")]
    assert solo["share"].tolist() == [0.1, 0.9]
    assert solo["ci_low"].isna().all() and solo["ci_high"].isna().all()
    assert solo["n_docs"].tolist() == [1, 1] and solo["n_passages"].tolist() == [4, 4]
    x = prev[(prev["level"] == "firm") & (prev["firm"] == "x") & (prev["topic"] == 0)].iloc[0]
    assert x["share"] == pytest.approx(0.7) and x["ci_low"] < 0.7 < x["ci_high"]
    assert x["n_docs"] == 3 and x["n_passages"] == 6
    # The undated document counts for its firm but not for years.
    years = prev[(prev["level"] == "year") & (prev["topic"] == 0)]
    assert years["year"].tolist() == [2020, 2021] and years["n_docs"].sum() == 3
    firm_years = prev[prev["level"] == "firm_year"].drop_duplicates(["firm", "year"])
    assert sorted(zip(firm_years["firm"], firm_years["year"], strict=True)) == [
        ("solo", 2021), ("x", 2020), ("x", 2021)]
    overall = prev[prev["level"] == "all"]
    assert overall["share"].tolist() == pytest.approx([0.55, 0.45])


def trend_docs(rng, shares_by_year: dict[int | None, float], *, n_per_year: int = 6,
               tokens: int = 400, firm: str = "f") -> DocShares:
    """Documents of two topics, topic 0 near the given share each year (None: undated)."""
    rows, shares = [], []
    for year, share in shares_by_year.items():
        for i in range(n_per_year):
            s0 = float(np.clip(share + rng.normal(0, 0.05), 0.01, 0.99))
            rows.append({"doc_id": f"{firm}{year}-{i}", "firm": firm, "year": year,
                         "n_passages": 1, "n_tokens": tokens})
            shares.append([s0, 1 - s0])
    docs = pd.DataFrame(rows)
    docs["year"] = docs["year"].astype("Int16")
    return DocShares(docs, np.array(shares))


def test_topic_trends_find_a_rise_and_not_a_flat_topic():
    rng = np.random.default_rng(3)
    rising = trend_docs(rng, {2017: 0.1, 2018: 0.2, 2019: 0.3, 2020: 0.4})
    flat = trend_docs(rng, {2017: 0.3, 2018: 0.3, 2019: 0.3, 2020: 0.3}, firm="g")
    both = DocShares(pd.concat([rising.docs, flat.docs], ignore_index=True),
                     np.vstack([rising.shares, flat.shares]))
    t = topic_trends(both, min_tokens=500, min_years=3).set_index(["firm", "topic"])
    assert list(t.columns) == [c for c in schemas.TOPIC_TRENDS.names if c not in ("lang",
                                                                                  "firm",
                                                                                  "topic")]
    up, down = t.loc[("f", 0)], t.loc[("f", 1)]
    assert up["ci_low"] > 0 and up["q_value"] < 0.01 and down["ci_high"] < 0
    assert t.loc[("g", 0), "p_value"] > 0.05
    assert t.loc[("f", 0), "n_years"] == 4 and t.loc[("f", 0), "n_docs"] == 24
    # BH across each firm's topics: two topics, q = min(1, 2p) for the larger p
    g = t.loc["g"]
    assert g["q_value"].max() == pytest.approx(min(1.0, g["p_value"].max()))
    assert g["q_value"].min() == pytest.approx(min(g["q_value"].max(), 2 * g["p_value"].min()))


def test_topic_trends_leave_out_thin_years_and_undated_documents_and_say_why():
    rng = np.random.default_rng(4)
    docs = trend_docs(rng, {2017: 0.1, 2018: 0.2, 2019: 0.3, 2020: 0.4, None: 0.9})
    # 2020 has one document of 300 tokens: under min_tokens, left out
    keep = ~((docs.docs["year"] == 2020).fillna(False).to_numpy()
             & (docs.docs["doc_id"] != "f2020-0").to_numpy())
    thin = DocShares(docs.docs[keep].reset_index(drop=True), docs.shares[keep])
    thin.docs.loc[thin.docs["year"] == 2020, "n_tokens"] = 300
    row = topic_trends(thin, min_tokens=500, min_years=3).iloc[0]
    assert (row["first_year"], row["last_year"], row["n_years"]) == (2017, 2019, 3)
    assert list(row["excluded_years"]) == [2020] and row["n_docs"] == 18  # no undated one
    assert row["note"] is None and row["slope"] > 0
    few = topic_trends(thin, min_tokens=500, min_years=4)
    assert few["slope"].isna().all() and few["q_value"].isna().all()
    assert few["note"].str.startswith("too few years with enough text: 3 year(s)").all()
    with pytest.raises(TopicsError, match="n_tokens"):
        topic_trends(DocShares(thin.docs.drop(columns="n_tokens"), thin.shares),
                     min_tokens=500, min_years=3)


def test_share_change_detects_a_rise_and_not_a_flat_line():
    rng = np.random.default_rng(0)
    early, late, flat = (rng.dirichlet(a, size=30) for a in ([1, 3], [3, 1], [1, 3]))
    docs = pd.DataFrame({"doc_id": [f"d{i}" for i in range(90)], "firm": "f",
                         "year": pd.array([2019] * 30 + [2023] * 30 + [2021] * 30,
                                          dtype="Int16"),
                         "n_passages": 1})
    shares = DocShares(docs, np.vstack([early, late, flat]))
    rise = share_change(shares, topic=0, year_from=2019, year_to=2023, firm="f",
                        n_bootstrap=1000, seed=1)
    assert rise["change"] > 0.3 and rise["ci_low"] > 0
    same = share_change(shares, topic=0, year_from=2019, year_to=2021, n_bootstrap=1000, seed=1)
    assert same["ci_low"] < 0 < same["ci_high"]
    with pytest.raises(TopicsError, match="2030"):
        share_change(shares, topic=0, year_from=2019, year_to=2030, n_bootstrap=10, seed=1)


# --- reproducibility -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return planted_bags(n_docs=24, per_doc=3, length=50, seed=5)[0]


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_same_params_and_data_give_the_same_topics(small, model):
    first = run(small, model=model, sweep_workers=1)
    # Shuffled input rows and a pool of processes: still the same topics and shares.
    second = run(small.sample(frac=1, random_state=3), model=model, sweep_workers=2)
    for name in ("k_sweep", "topic_terms", "doc_topics", "topic_passages", "prevalence"):
        pd.testing.assert_frame_equal(getattr(first, name), getattr(second, name))


@pytest.mark.parametrize("model", ["lda", "nmf"])
def test_a_saved_model_loads_back_with_the_same_shares(small, model, tmp_path):
    corpus = build_corpus([list(t) for t in small["terms"]], min_df=2, max_df=0.5)
    fitted = fit_model(corpus, model=model, k=3, seed=11, passes=5, chunksize=100, workers=1)
    before = fitted.transform(corpus.bows)
    fitted.save(tmp_path / "fr")
    loaded = TopicModel.load(tmp_path / "fr")
    assert (loaded.kind, loaded.k) == (model, 3)
    np.testing.assert_array_equal(loaded.transform(corpus.bows), before)
    np.testing.assert_array_equal(loaded.topic_term(), fitted.topic_term())
    # Asking twice gives the same shares (LDA's inference is re-seeded every time).
    np.testing.assert_array_equal(loaded.transform(corpus.bows), before)
    np.testing.assert_allclose(before.sum(axis=1), 1.0)


def test_lda_multicore_fits_and_saves(small, tmp_path):
    corpus = build_corpus([list(t) for t in small["terms"]], min_df=2, max_df=0.5)
    fitted = fit_model(corpus, model="lda", k=3, seed=11, passes=2, chunksize=100, workers=2)
    fitted.save(tmp_path / "m")
    np.testing.assert_array_equal(TopicModel.load(tmp_path / "m").transform(corpus.bows),
                                  fitted.transform(corpus.bows))


def test_loading_a_folder_without_a_model_names_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="no saved topic model"):
        TopicModel.load(tmp_path)


# --- languages and bad input -----------------------------------------------------------------


def test_each_language_gets_its_own_model_and_a_thin_one_is_skipped(caplog):
    fr, _ = planted_bags(n_docs=24, lang="fr")
    en, _ = planted_bags(n_docs=24, lang="en", seed=2)
    de = planted_bags(n_docs=2, per_doc=2, lang="de", seed=3)[0]
    empty = en.head(3).assign(lang="es", terms=[[], [], []],
                              passage_id=lambda d: "es" + d["passage_id"])
    with caplog.at_level(logging.WARNING, logger="pipeline.topics"):
        result = run(pd.concat([fr, en, de, empty], ignore_index=True))
    assert sorted(result.models) == ["en", "fr"]
    assert sorted(result.skipped) == ["de", "es"]
    assert "de: no topic model: 4 passages" in caplog.text
    assert "es: no topic model: 0 passages" in caplog.text
    # Topics never mix languages.
    terms = result.topic_terms
    for lang in ("fr", "en"):
        assert terms.loc[terms["lang"] == lang, "term"].str.startswith(lang).all()
    assert set(result.doc_topics["lang"]) == {"fr", "en"}


def test_no_passages_gives_empty_tables_that_still_write(tmp_path):
    result = run(planted_bags(n_docs=1)[0].head(0))
    assert not result.models and result.doc_topics.empty
    for name in ("k_sweep", "topic_terms", "doc_topics", "topic_passages", "prevalence"):
        write_table(getattr(result, name), tmp_path / f"{name}.parquet",
                    getattr(schemas, name.upper()))


@pytest.mark.parametrize(("key", "value"), [("model", "lsa"), ("k", 1), ("k_grid", [4, "x"]),
                                            ("stability_sample", 0), ("max_df", 2)])
def test_a_bad_param_is_named(planted, key, value):
    with pytest.raises(ParamsError, match=f"topics.{key}"):
        run(planted[0], **{key: value})


def test_inputs_are_not_modified(small):
    before = small.copy(deep=True)
    run(small)
    pd.testing.assert_frame_equal(small, before)


# --- command line ----------------------------------------------------------------------------


def write_inputs(root, bags, params):
    write_table(bags, root / "processed" / "bags.parquet", schemas.BAGS)
    passages = passages_for(bags).assign(
        doc_id=bags["doc_id"], seq=0, firm=bags["firm"], kind="page", year=bags["year"],
        lang=bags["lang"], url=bags["url"], n_words=100, is_duplicate=False, section_id=None,
        section_path=None, section_family=None, relevance=None)
    write_table(passages[schemas.PASSAGES.names], root / "interim" / "passages.parquet",
                schemas.PASSAGES)
    lines = ["topics:"] + [f"  {k}: {json.dumps(v)}" for k, v in params.items()]
    (root / "params.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def cli_args(root):
    return ["--processed", str(root / "processed"), "--interim", str(root / "interim"),
            "--params", str(root / "params.yaml"), "--out", str(root / "topics"),
            "--models", str(root / "models"), "--metrics", str(root / "metrics.json"),
            "--plots", str(root / "plots")]


def test_cli_writes_tables_models_metrics_and_plot(small, tmp_path):
    params = {**PARAMS, "model": "lda", "k": "auto", "k_grid": [3, 4]}
    write_inputs(tmp_path, small, params)
    assert main(cli_args(tmp_path)) == 0
    doc_topics = read_table(tmp_path / "topics" / "doc_topics.parquet", schemas.DOC_TOPICS)
    for name in ("k_sweep", "topic_terms", "topic_passages", "prevalence"):
        assert len(read_table(tmp_path / "topics" / f"{name}.parquet",
                              getattr(schemas, name.upper())))
    metrics = json.loads((tmp_path / "metrics.json").read_text())["topics"]["fr"]
    assert metrics["k"] in (3, 4) and 0 < metrics["stability"] <= 1
    assert set(metrics) >= {"c_v", "c_npmi", "exclusivity", "stability", "n_passages"}
    plot = pd.read_csv(tmp_path / "plots" / "k_sweep.csv")
    assert plot.columns.tolist() == ["lang", "model", "k", "c_v", "c_npmi", "exclusivity",
                                     "stability", "chosen"]
    assert plot["k"].tolist() == [3, 4]
    # The saved model gives back the written shares.
    loaded = TopicModel.load(tmp_path / "models" / "fr")
    ordered = in_content_order(small)
    shares = loaded.transform([loaded.dictionary.doc2bow(list(t)) for t in ordered["terms"]])
    wide = doc_topics.pivot(index="passage_id", columns="topic", values="share")
    np.testing.assert_allclose(wide.loc[ordered["passage_id"]].to_numpy(), shares, atol=1e-12)


def test_cli_names_a_missing_input_and_a_bad_params_block(small, tmp_path, caplog):
    write_inputs(tmp_path, small, {**PARAMS, "k_grd": [4]})
    with caplog.at_level(logging.ERROR):
        assert main(cli_args(tmp_path)) == 2
    assert "topics.k_grd: unknown key" in caplog.text
    write_inputs(tmp_path, small, PARAMS)
    (tmp_path / "processed" / "bags.parquet").unlink()
    with caplog.at_level(logging.ERROR):
        assert main(cli_args(tmp_path)) == 2
    assert "bags.parquet: table 'bags' not found" in caplog.text


def test_cli_removes_a_stale_language_model(small, tmp_path):
    write_inputs(tmp_path, small, PARAMS)
    stale = planted_bags(n_docs=12, lang="en")[0]
    corpus = build_corpus([list(t) for t in stale["terms"]], min_df=2, max_df=0.5)
    stale_model = fit_model(corpus, model="nmf", k=2, seed=1, passes=1, chunksize=100, workers=1)
    stale_model.save(tmp_path / "models" / "en")
    assert main(cli_args(tmp_path)) == 0
    assert (tmp_path / "models" / "fr" / "meta.json").exists()
    assert not (tmp_path / "models" / "en" / "meta.json").exists()


# --- the demo site's planted truth -----------------------------------------------------------


def theme_words(truth: dict, lang: str) -> dict[str, set[str]]:
    """Words of each planted theme's top terms in one language (its most frequent exclusive
    lemmas, recorded by demo/generate.py), lower case."""
    return {name: {w for term in theme["top_terms"][lang]
                   for w in term.lower().replace("_", " ").split()}
            for name, theme in truth["themes"].items()}


def match_planted_themes(topic_terms: pd.DataFrame, truth: dict, lang: str
                         ) -> tuple[dict[str, int], np.ndarray, list[str]]:
    """Pair planted themes with fitted topics (Hungarian matching on term overlap).

    Overlap of a topic and a theme: the share of the topic's top terms (by probability) with a
    word among the theme's top terms (a phrase counts through any of its words).

    Returns:
        (theme → topic, the topics × themes overlap matrix, the theme names in column order).
    """
    from scipy.optimize import linear_sum_assignment

    words = theme_words(truth, lang)
    names = sorted(words)
    top = (topic_terms[(topic_terms["lang"] == lang) & (topic_terms["by"] == "prob")]
           .sort_values(["topic", "rank"]).groupby("topic")["term"].apply(list))
    overlap = np.array([[np.mean([bool(set(term.split("_")) & words[name]) for term in terms])
                         for name in names] for terms in top])
    rows, cols = linear_sum_assignment(overlap, maximize=True)
    return ({names[c]: int(top.index[r]) for r, c in zip(rows, cols, strict=True)}, overlap,
            names)


def demo_table(demo_build, name):
    return read_table(demo_build / "data" / "topics" / f"{name}.parquet",
                      getattr(schemas, name.upper()))


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["fr", "en"])
def test_demo_every_planted_theme_is_recovered_by_one_topic(demo_build, truth, lang):
    terms = demo_table(demo_build, "topic_terms")
    assert lang in set(terms["lang"]), f"no {lang} topic model on the demo"
    matched, overlap, names = match_planted_themes(terms, truth, lang)
    assert sorted(matched) == sorted(truth["themes"])
    for theme, topic in matched.items():
        row = list(np.unique(terms.loc[terms["lang"] == lang, "topic"])).index(topic)
        col = names.index(theme)
        # The pair is mutual: the theme is the topic's best theme and the topic the theme's.
        assert overlap[row, col] >= 0.2, (theme, overlap[row])
        assert overlap[row].argmax() == col and overlap[:, col].argmax() == row, theme


@pytest.mark.slow
def test_demo_each_firms_top_topic_is_its_dominant_theme(demo_build, truth):
    terms = demo_table(demo_build, "topic_terms")
    prev = demo_table(demo_build, "prevalence")
    for firm, info in truth["firms"].items():
        lang = info["main_lang"]
        matched, _, _ = match_planted_themes(terms, truth, lang)
        shares = prev[(prev["lang"] == lang) & (prev["level"] == "firm") & (prev["firm"] == firm)]
        top_topic = int(shares.sort_values("share", ascending=False)["topic"].iloc[0])
        assert top_topic == matched[info["dominant_theme"]], firm


@pytest.mark.slow
def test_demo_planted_theme_rise_shows_with_an_interval_above_zero(demo_build, truth):
    terms = demo_table(demo_build, "topic_terms")
    doc_topics = demo_table(demo_build, "doc_topics")
    prev = demo_table(demo_build, "prevalence")
    bags = read_table(demo_build / "data" / "processed" / "bags.parquet", schemas.BAGS,
                      columns=["passage_id", "n_tokens"])
    rises = [s for s in truth["shifts"] if s["kind"] == "theme" and s["direction"] == "rise"]
    assert rises, "truth.json plants no theme rise"
    for shift in rises:
        lang = truth["firms"][shift["firm"]]["main_lang"]
        topic = match_planted_themes(terms, truth, lang)[0][shift["theme"]]
        first, last = min(shift["shares"], key=int), max(shift["shares"], key=int)
        docs = document_shares(doc_topics[doc_topics["lang"] == lang],
                               bags.set_index("passage_id")["n_tokens"])
        change = share_change(docs, topic=topic, firm=shift["firm"], year_from=int(first),
                              year_to=int(last), n_bootstrap=1000, seed=0)
        assert change["ci_low"] > 0, change
        fy = prev[(prev["lang"] == lang) & (prev["level"] == "firm_year")
                  & (prev["firm"] == shift["firm"]) & (prev["topic"] == topic)].set_index("year")
        assert fy.loc[int(last), "ci_low"] > fy.loc[int(first), "ci_high"]


@pytest.mark.slow
def test_demo_planted_theme_rise_is_a_significant_positive_topic_trend(demo_build, truth):
    terms = demo_table(demo_build, "topic_terms")
    trends = demo_table(demo_build, "topic_trends")
    rises = [s for s in truth["shifts"] if s["kind"] == "theme"]
    assert rises, "truth.json plants no theme shift"
    for shift in rises:
        lang = truth["firms"][shift["firm"]]["main_lang"]
        topic = match_planted_themes(terms, truth, lang)[0][shift["theme"]]
        row = trends[(trends["lang"] == lang) & (trends["firm"] == shift["firm"])
                     & (trends["topic"] == topic)].iloc[0]
        assert row["n_years"] == len(shift["shares"]) and pd.isna(row["note"]), row
        assert row["q_value"] <= 0.05, row
        assert (row["ci_low"] > 0) == (shift["direction"] == "rise"), row
        assert (row["ci_high"] < 0) == (shift["direction"] == "fall"), row


@pytest.mark.slow
def test_demo_metrics_and_plot_are_written(demo_build):
    metrics = json.loads((demo_build / "reports" / "metrics.json").read_text())["topics"]
    plot = pd.read_csv(demo_build / "reports" / "plots" / "k_sweep.csv")
    for lang, values in metrics.items():
        assert values["k"] in plot.loc[plot["lang"] == lang, "k"].tolist()
        assert TopicModel.load(demo_build / "models" / "topics" / lang).k == values["k"]


def test_prevalence_intervals_follow_content_not_document_ids():
    """Issue 14, part 7: the same documents under other ids (a second scrape) give the same
    intervals, because the resampling order is the content key's."""
    from pipeline.resample import content_keys

    rng = np.random.default_rng(5)
    shares = rng.dirichlet([1, 1, 1], size=8)
    texts = [f"texte {i}" for i in range(8)]

    def scrape(ids):
        docs = pd.DataFrame({"doc_id": ids, "firm": ["x"] * 5 + ["y"] * 3,
                             "year": pd.array([2020, 2021] * 4, dtype="Int16"),
                             "n_passages": 1})
        passages = pd.DataFrame({"doc_id": ids, "passage_id": [f"{d}-0000" for d in ids],
                                 "text": texts})
        docs["content_key"] = content_keys(passages, text="text").reindex(ids).to_numpy()
        return prevalence(DocShares(docs, shares), n_bootstrap=300, seed=3)

    a = scrape([f"a{i}" for i in range(8)])
    b = scrape([f"{9 - i}z" for i in range(8)])
    assert a["ci_low"].notna().any()
    pd.testing.assert_frame_equal(a, b)


def test_names_are_kept_out_of_topic_bags_phrases_included():
    """Issue 14, part 5: topics are about frames, not case studies: the town and the person
    go, common words stay, and a phrase holding a name goes with it."""
    import pyarrow as pa

    from pipeline.topics.names import drop_names, proper_nouns

    sents = pd.DataFrame({
        "tokens": [["Jeanne", "Martin", "équipe", "Valbrune", "en", "capteurs"],
                   ["La", "ville", "de", "Valbrune", "mesure", "l'", "air"],
                   ["Les", "capteurs", "mesurent", "la", "ville"]],
        "lemmas": [["jeanne", "martin", "équiper", "valbrune", "en", "capteur"],
                   ["le", "ville", "de", "valbrune", "mesurer", "le", "air"],
                   ["le", "capteur", "mesurer", "le", "ville"]],
        "pos": [["PROPN", "PROPN", "VERB", "PROPN", "ADP", "NOUN"],
                ["DET", "NOUN", "ADP", "PROPN", "VERB", "DET", "NOUN"],
                ["DET", "NOUN", "VERB", "DET", "NOUN"]],
        "keep": [[True, True, True, True, False, True],
                 [False, True, False, True, True, False, True],
                 [False, True, True, False, True]]})
    names = proper_nouns([pa.Table.from_pandas(sents)])
    assert names == {"jeanne", "martin", "valbrune"}
    # the counts add up across batches: one sentence per batch gives the same names
    assert proper_nouns(pa.Table.from_pandas(sents.iloc[[i]]) for i in range(3)) == names
    bags = pd.DataFrame({"passage_id": ["p0"], "terms": [["jeanne", "ville_de_valbrune",
                                                          "capteur", "ville", "air"]]})
    out = drop_names(bags, names)
    assert out["terms"].iloc[0] == ["capteur", "ville", "air"]
    assert bags["terms"].iloc[0][0] == "jeanne"  # the input is left as it was
    # Without parts of speech (simplemma), capitals inside a sentence tell names.
    plain = sents.assign(pos=[[""] * len(t) for t in sents["tokens"]])
    assert proper_nouns([pa.Table.from_pandas(plain)]) == {"martin", "valbrune"}  # "Jeanne"
    #                                                              opens its sentence


def test_the_lexicons_words_are_never_names_even_tagged_so():
    """"BIM", "CCTV" and the "Grid" of "Smart Grid" are written and tagged like names; they
    are the study's own words and must stay in the topic bags."""
    import pyarrow as pa

    from pipeline.lexicon import parse_lexicon
    from pipeline.topics.names import drop_names, proper_nouns

    lexicon = parse_lexicon({"groups": {"g": {"kind": "set", "frames": {
        "bim": {"fr": ["bim"], "en": ["bim", "cctv"]},
        "energy": {"en": ["smart grid"]}}}}})
    sents = pa.table({
        "tokens": [["The", "BIM", "and", "CCTV", "of", "Valbrune", "feed", "the", "Smart",
                    "Grid"]],
        "lemmas": [["the", "bim", "and", "cctv", "of", "valbrune", "feed", "the", "smart",
                    "grid"]],
        "pos": [["DET", "PROPN", "CCONJ", "PROPN", "ADP", "PROPN", "VERB", "DET", "PROPN",
                 "PROPN"]],
        "keep": [[False, True, False, True, False, True, True, False, True, True]]})
    assert proper_nouns([sents]) == {"bim", "cctv", "valbrune", "smart", "grid"}
    names = proper_nouns([sents], lexicon_words=lexicon.words())
    assert names == {"valbrune"}
    bags = pd.DataFrame({"passage_id": ["p0"],
                         "terms": [["bim", "cctv", "valbrune", "feed", "smart_grid"]]})
    assert drop_names(bags, names)["terms"].iloc[0] == ["bim", "cctv", "feed", "smart_grid"]


def test_topic_trends_use_the_frame_trends_too_little_text_rule_in_params_yaml():
    from pipeline.params import ContrastsParams, TopicsParams, load_block

    topics = load_block(ROOT_PARAMS, TopicsParams)
    contrasts = load_block(ROOT_PARAMS, ContrastsParams)
    assert (topics.min_tokens, topics.min_years, topics.min_firm_tokens) == (
        contrasts.min_tokens, contrasts.min_years, contrasts.min_firm_tokens)


def test_a_firm_with_too_little_text_gets_a_profile_flagged_as_such():
    rng = np.random.default_rng(5)
    big = trend_docs(rng, {2019: 0.3, 2020: 0.4}, n_per_year=4, tokens=400, firm="big")
    thin = trend_docs(rng, {2019: 0.3, 2020: 0.4}, n_per_year=3, tokens=100, firm="thin")
    both = DocShares(pd.concat([big.docs, thin.docs], ignore_index=True),
                     np.vstack([big.shares, thin.shares]))
    p = prevalence(both, n_bootstrap=50, seed=1, min_tokens=500, min_firm_tokens=2000)
    firm = p[p["level"] == "firm"].groupby("firm")[["n_tokens", "enough"]].first()
    assert firm.loc["big"].tolist() == [3200, True]
    assert firm.loc["thin"].tolist() == [600, False]
    years = p[(p["level"] == "firm_year") & (p["topic"] == 0)].set_index(["firm", "year"])
    assert years["enough"].to_dict() == {("big", 2019): True, ("big", 2020): True,
                                         ("thin", 2019): False, ("thin", 2020): False}
    # without the documents' tokens nothing is known, and nothing is flagged
    unknown = prevalence(DocShares(both.docs.drop(columns="n_tokens"), both.shares),
                         n_bootstrap=0, seed=1, min_tokens=500, min_firm_tokens=2000)
    assert unknown["enough"].isna().all()

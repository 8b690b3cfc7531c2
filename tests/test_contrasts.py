"""The contrasts stage: frame matching, measures with intervals, shifts, KWIC, the CLI, and the
planted truth of the demo site."""

from __future__ import annotations

import hashlib
import re

import numpy as np
import pandas as pd
import pytest

from pipeline import schemas
from pipeline.contrasts.domains import domain_table, firm_domain_table
from pipeline.contrasts.frames import (
    Quantity,
    build_stream,
    match_bag_terms,
    match_lexicon,
    measure_cells,
    nan_quantiles,
    resolve_overlaps,
)
from pipeline.contrasts.stage import (
    keyness_tables,
    main,
    plan_comparisons,
    score_contrasts,
    shift_table,
)
from pipeline.io import read_table, to_arrow, write_table
from pipeline.lexicon import parse_lexicon
from pipeline.params import ContrastsParams
from pipeline.trends import fit_trend

# --- a tiny lemmatised corpus, built by hand ------------------------------------------------

TOKEN = re.compile(r"[^\W\d_]+['’]|\w+|[^\w\s]")
STOP = {"le", "la", "les", "de", "des", "du", "et", "the", "and", "of", "a", "to", "nos", "our",
        "un", "une", "we", "for", "in", "est"}
ELIDED = {"d'": "de", "l'": "le", "d’": "de", "l’": "le"}


def lemma(token: str) -> str:
    t = token.lower()
    if t in ELIDED:
        return ELIDED[t]
    return t[:-1] if len(t) > 3 and t.endswith("s") and not t.endswith("ss") else t


def make_corpus(docs: list[dict]):
    """SENTENCES, BAGS, DOCUMENTS, PASSAGES rows from texts (a toy tokeniser and lemmatiser:
    lower-case, plural s dropped, elided articles in full, as spaCy gives them)."""
    srows, brows, drows, prows = [], [], [], []
    for i, d in enumerate(docs):
        doc_id = d.get("doc_id") or hashlib.sha1(str(i).encode()).hexdigest()[:16]
        url = f"https://{d['firm']}.example/p{i}"
        texts = d["text"] if isinstance(d["text"], list) else [d["text"]]
        for k, ptext in enumerate(texts):
            pid = f"{doc_id}-{k:04d}"
            at, terms, n_words = 0, [], 0
            for j, sent in enumerate(s for s in re.split(r"(?<=\.)\s+", ptext) if s.strip()):
                start_char = ptext.index(sent, at)
                at = start_char + len(sent)
                found = list(TOKEN.finditer(sent))
                toks = [m.group() for m in found]
                lem = [lemma(t) for t in toks]
                keep = [t.isalpha() and len(t) > 2 and t not in STOP for t in lem]
                n_words += sum(t[0].isalnum() for t in toks)
                terms += [x for x, kept in zip(lem, keep, strict=True) if kept]
                srows.append({"doc_id": doc_id, "passage_id": pid, "sent_id": j,
                              "firm": d["firm"], "year": d.get("year"),
                              "lang": d.get("lang", "fr"), "url": url, "start_char": start_char,
                              "text": sent, "tokens": toks, "lemmas": lem,
                              "pos": ["X"] * len(toks), "starts": [m.start() for m in found],
                              "keep": keep})
            brows.append({"passage_id": pid, "doc_id": doc_id, "firm": d["firm"],
                          "year": d.get("year"), "lang": d.get("lang", "fr"), "url": url,
                          "n_tokens": n_words, "terms": terms})
            prows.append({"passage_id": pid, "doc_id": doc_id, "page_start": d.get("page"),
                          "is_duplicate": d.get("duplicate_of") is not None})
        drows.append({"doc_id": doc_id,
                      "captured_at": pd.Timestamp(f"{d.get('year') or 2024}-06-01", tz="UTC"),
                      "duplicate_of": d.get("duplicate_of")})
    sents, bags = pd.DataFrame(srows), pd.DataFrame(brows)
    for t in (sents, bags):
        t["year"] = t["year"].astype("Int16")
    passages = pd.DataFrame(prows)
    passages["page_start"] = passages["page_start"].astype("Int32")
    return sents, bags, pd.DataFrame(drows), passages


LEXICON = parse_lexicon({"groups": {
    "audience": {"kind": "opposition", "frames": {
        "citizens": {"fr": ["citoyen", "habitant"], "en": ["citizen"]},
        "clients": {"fr": ["client"], "en": ["customer"]}}},
    "domains": {"kind": "set", "frames": {
        "water": {"fr": ["eau", "eau potable", "réseau d'eau"], "en": ["water"]},
        "contracts": {"fr": ["partenariat public-privé"], "en": ["public-private partnership"]},
        "platform": {"fr": ["plateforme", "hyperviseur"], "en": ["platform"]}}},
}})

PARAMS = {"alpha0": 1000.0, "min_count": 3, "fdr": 0.05, "n_top": 10, "n_bootstrap": 300,
          "seed": 42, "min_tokens": 100, "min_years": 3, "min_firm_tokens": 100, "kwic_window": 4,
          "presence_rate": 2.0, "presence_docs": 2}

FILLER = ["ville", "réseau", "service", "projet", "territoire", "mobilité", "énergie", "donnée",
          "quartier", "équipe"]


def planted_corpus(seed=0):
    """Three firms, five years, four documents a year; acme says citoyens, bolt clients, and
    cora drifts from clients to citoyens; each firm has a distinctive word."""
    rng = np.random.default_rng(seed)
    docs = []
    own = {"acme": "hyperviseur", "bolt": "tarification", "cora": "biodiversité"}
    for firm in ("acme", "bolt", "cora"):
        for year in range(2016, 2021):
            p = {"acme": 0.8, "bolt": 0.2, "cora": 0.2 + 0.15 * (year - 2016)}[firm]
            for _ in range(4):
                sents = []
                for _ in range(12):
                    words = list(rng.choice(FILLER, 5))
                    words.append("citoyens" if rng.random() < p else "clients")
                    if rng.random() < 0.5:
                        words.append(own[firm])
                    sents.append(" ".join(words) + ".")
                docs.append({"firm": firm, "year": year, "text": " ".join(sents)})
    return make_corpus(docs)


@pytest.fixture(scope="module")
def planted():
    s, b, d, p = planted_corpus()
    return score_contrasts(s, b, d, p, LEXICON, ContrastsParams(**PARAMS))


# --- frame matching -------------------------------------------------------------------------


def hits_for(texts, lang="fr", lexicon=LEXICON):
    s, *_ = make_corpus([{"firm": "acme", "year": 2020, "lang": lang, "text": t} for t in texts])
    stream = build_stream(s)
    return match_lexicon(stream, lexicon), stream


def test_multiword_terms_match_consecutive_lemmas_elisions_in_full():
    hits, _ = hits_for(["Le réseau d'eau et le réseau d’eau de la ville.",
                        "Un réseau de eau, un réseau, de l'eau."])
    water = hits[hits["frame"] == "water"]
    # "réseau d'eau" twice (either apostrophe); "réseau de eau" is the same lemmas; "de l'eau"
    # holds only "eau".
    assert sorted(zip(water["term"], water["n_words"], strict=True)) == [
        ("eau", 1), ("réseau d'eau", 3), ("réseau d'eau", 3), ("réseau d'eau", 3)]


def test_longest_match_wins_within_a_group_and_counts_once():
    hits, _ = hits_for(["De l'eau potable pour les habitants."])
    assert hits[hits["group"] == "domains"]["term"].tolist() == ["eau potable"]
    assert hits[hits["group"] == "audience"]["term"].tolist() == ["habitant"]


def test_a_span_spelled_by_two_entries_of_a_frame_counts_once():
    lex = parse_lexicon({"groups": {"d": {"kind": "set", "frames": {"open": {
        "fr": ["donnée ouverte", "donnée ouvert"]}}}}})
    s, *_ = make_corpus([{"firm": "acme", "year": 2020, "text": "Les données ouvertes."}])
    s.at[0, "lemmas"] = ["le", "donnée", "ouvert", "."]
    hits = match_lexicon(build_stream(s), lex)
    assert hits["term"].tolist() == ["donnée ouvert"]
    s.at[0, "lemmas"] = ["le", "donnée", "ouverte", "."]
    assert match_lexicon(build_stream(s), lex)["term"].tolist() == ["donnée ouverte"]


def test_hyphenated_terms_match_when_the_tokeniser_splits_them():
    hits, _ = hits_for(["Un partenariat public-privé signé."])
    assert hits["term"].tolist() == ["partenariat public-privé"]
    assert hits["n_words"].tolist() == [4]  # partenariat, public, -, privé


def test_a_word_as_written_matches_where_the_lemmatiser_slipped():
    s, *_ = make_corpus([{"firm": "acme", "year": 2020, "text": "Une plateforme urbaine."}])
    s.at[0, "lemmas"] = ["un", "plateform", "urbaine", "."]  # spaCy's slip on "plateforme"
    hits = match_lexicon(build_stream(s), LEXICON)
    assert hits["term"].tolist() == ["plateforme"]


def test_matches_stay_in_their_sentence_and_language():
    hits, _ = hits_for(["Le réseau.", "D'eau claire."])
    assert hits["term"].tolist() == ["eau"]  # not "réseau d'eau" across the sentence end
    en, _ = hits_for(["The citizen and the client drink water."], lang="en")
    assert sorted(en["term"]) == ["citizen", "water"]  # "client" is a French term only
    # every word of a term present, never in a row: no match (and no error)
    scattered, _ = hits_for(["Public - private and partnership."], lang="en")
    assert scattered.empty


def test_bag_terms_are_found_as_preprocess_spelt_them():
    s, *_ = make_corpus([{"firm": "acme", "year": 2020,
                          "text": "Le réseau d'eau de la ville intelligente. La ville brille."}])
    wanted = pd.DataFrame({"term": ["réseau_d'_eau", "ville_intelligente", "ville", "absent"],
                           "lang": "fr", "firm": "acme"})
    hits = match_bag_terms(build_stream(s), wanted)
    got = sorted(zip(hits["term"], hits["n_words"], strict=True))
    # the forced phrase's "d'" is the lemma "de"; a single term counts on kept tokens only
    assert got == [("réseau_d'_eau", 3), ("ville", 1), ("ville", 1), ("ville_intelligente", 2)]
    other_firm = match_bag_terms(build_stream(s), wanted.assign(firm="bolt"))
    assert other_firm.empty


def test_resolve_overlaps_greedy_longest_then_leftmost():
    # spans [0,3) [2,5) [4,5): the first is kept, the second overlaps it, the third is free.
    assert resolve_overlaps(np.array([0, 2, 4]), np.array([3, 3, 1])).tolist() == [
        True, False, True]
    # same start: the longest wins; identical spans are all kept
    assert resolve_overlaps(np.array([5, 5, 5]), np.array([1, 2, 2])).tolist() == [
        False, True, True]


# --- measures -------------------------------------------------------------------------------


def test_rates_shares_and_counts_by_hand():
    s, b, d, p = make_corpus([
        {"firm": "acme", "year": 2020, "text": "Les citoyens et les clients boivent de l'eau."},
        {"firm": "acme", "year": 2020, "text": "Les citoyens parlent aux habitants du quartier."},
        {"firm": "bolt", "year": 2020, "text": "Nos clients, nos clients, nos clients."},
    ])
    r = score_contrasts(s, b, d, p, LEXICON,
                        ContrastsParams(**{**PARAMS, "min_tokens": 10, "min_firm_tokens": 10}))
    m = r.frame_measures.set_index(["level", "firm", "lang", "group", "frame", "measure"])
    acme = m.loc[("firm", "acme", None, "audience", "citizens", "share")]
    # acme: 3 citizen matches (citoyens ×2, habitants), 1 client match
    assert acme["value"] == pytest.approx(3 / 4)
    assert acme["n_matches"] == 4 and acme["n_docs"] == 2 and acme["n_docs_matching"] == 2
    words = b.groupby("firm")["n_tokens"].sum()
    rate = m.loc[("firm", "acme", None, "audience", "citizens", "rate")]
    assert rate["value"] == pytest.approx(10_000 * 3 / words["acme"])
    assert rate["n_tokens"] == words["acme"]
    assert bool(rate["enough"]) is True
    bolt = m.loc[("firm", "bolt", None, "audience", "citizens", "share")]
    assert bolt["value"] == 0.0 and bolt["n_docs"] == 1
    # one document: the figure is given, an interval is not (resampling one document says
    # nothing about its uncertainty)
    assert pd.isna(bolt["ci_low"]) and pd.isna(bolt["ci_high"])
    everyone = m.loc[("all", None, None, "audience", "citizens", "share")]
    assert everyone["value"] == pytest.approx(3 / 7)
    assert everyone["ci_low"] <= everyone["value"] <= everyone["ci_high"]


def test_too_little_text_is_flagged_not_hidden():
    s, b, d, p = make_corpus([{"firm": "acme", "year": 2020, "text": "Les citoyens."}])
    r = score_contrasts(s, b, d, p, LEXICON, ContrastsParams(**PARAMS))
    row = r.frame_measures.query("level == 'firm' and measure == 'share' and lang.isna()").iloc[0]
    assert row["value"] == 1.0 and not row["enough"]
    assert r.frame_shares.empty  # the plot data leaves it out


def test_a_whole_firm_needs_min_firm_tokens_though_each_year_has_enough():
    rng = np.random.default_rng(3)
    docs = [{"firm": "acme", "year": y, "text": " ".join(rng.choice(FILLER, 60)) + " citoyens."}
            for y in (2019, 2020) for _ in range(2)]
    s, b, d, p = make_corpus(docs)
    tokens = int(b["n_tokens"].sum())
    params = {**PARAMS, "min_tokens": 50}
    for floor, whole in ((tokens + 1, False), (tokens, True)):
        m = score_contrasts(s, b, d, p, LEXICON,
                            ContrastsParams(**{**params, "min_firm_tokens": floor})).frame_measures
        firm = m[(m["level"] == "firm") & m["lang"].isna()]
        years = m[(m["level"] == "firm_year") & m["lang"].isna()]
        assert firm["enough"].eq(whole).all() and years["enough"].all(), floor


def test_bootstrap_matches_a_plain_resampling_loop():
    rng = np.random.default_rng(1)
    n = 40
    values = np.column_stack([rng.poisson(3, n), rng.poisson(2, n), rng.integers(200, 900, n)])
    cell = np.repeat([0, 1], n // 2)
    q = [Quantity("g", "a", "share", (0,), (0, 1), 1.0), Quantity("g", "a", "rate", (0,), (2,),
                                                                  1e4)]
    res = measure_cells(values.astype(float), cell, 2, q, n_bootstrap=4000,
                        rng=np.random.default_rng(7))
    # A plain loop over resamples, with its own random numbers, agrees to Monte-Carlo error.
    loop = np.random.default_rng(99)
    for c in (0, 1):
        v = values[cell == c]
        shares, rates = [], []
        for _ in range(4000):
            pick = v[loop.integers(0, len(v), len(v))]
            shares.append(pick[:, 0].sum() / pick[:, :2].sum())
            rates.append(1e4 * pick[:, 0].sum() / pick[:, 2].sum())
        for qi, sample in ((0, shares), (1, rates)):
            lo, hi = np.quantile(sample, [0.025, 0.975])
            width = hi - lo
            assert res["ci_low"][c, qi] == pytest.approx(lo, abs=0.05 * width)
            assert res["ci_high"][c, qi] == pytest.approx(hi, abs=0.05 * width)
    again = measure_cells(values.astype(float), cell, 2, q, n_bootstrap=4000,
                          rng=np.random.default_rng(7))
    np.testing.assert_array_equal(res["ci_low"], again["ci_low"])  # seeded: reproducible
    # cells taken in blocks (memory bound) give the same figures and equivalent intervals
    blocks = measure_cells(values.astype(float), cell, 2, q, n_bootstrap=4000,
                           rng=np.random.default_rng(7), max_floats=10_000)
    np.testing.assert_array_equal(blocks["value"], res["value"])
    np.testing.assert_allclose(blocks["ci_low"], res["ci_low"], rtol=0.05)


def test_nan_quantiles_equal_numpys():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(200, 6))
    values[rng.random((200, 6)) < 0.3] = np.nan
    values[:, 5] = np.nan
    got = nan_quantiles(values, (0.025, 0.5, 0.975))
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        want = np.nanquantile(values, [0.025, 0.5, 0.975], axis=0)
    np.testing.assert_allclose(np.array(got), want, rtol=1e-12, equal_nan=True)


def test_planted_shares_and_domains(planted):
    m = planted.frame_measures
    firm_share = (m.query("level == 'firm' and measure == 'share' and lang.isna()")
                  .set_index("firm")["value"])
    assert firm_share.idxmin() == "bolt" and firm_share.idxmax() == "acme"
    assert firm_share["acme"] == pytest.approx(0.8, abs=0.07)
    d = planted.domains.query("level == 'firm' and frame == 'platform'").set_index("firm")
    assert d["present"].tolist() == [True, False, False]  # only acme says hyperviseur
    years = planted.domains.query("level == 'firm_year' and firm == 'acme'")
    assert years["year"].notna().all() and len(years) == 5 * 3


def test_firm_domain_table_keeps_the_offer_domains_over_all_years_and_null_marks():
    rows = [dict(group="domains", frame="water", level="firm", firm="beta", rate=9.0,
                 n_docs_matching=7, n_docs=8, enough=True, present=True),
            dict(group="domains", frame="water", level="firm", firm="gamma", rate=9.0,
                 n_docs_matching=7, n_docs=1, enough=False, present=None),
            dict(group="domains", frame="water", level="firm_year", firm="alpha", year=2019,
                 rate=9.0, n_docs_matching=7, enough=True, present=True),
            dict(group="performance", frame="pooling", level="firm", firm="alpha", rate=9.0,
                 n_docs_matching=7, enough=True, present=True)]
    domains = pd.DataFrame(rows).reindex(columns=schemas.DOMAINS.names)
    shown = firm_domain_table(domains)
    to_arrow(shown, schemas.FIRM_DOMAINS)
    assert shown[["firm", "domain", "enough"]].values.tolist() == [["beta", "water", True],
                                                                   ["gamma", "water", False]]
    # too little text to tell: the mark stays null (the report's copy used to say False)
    assert bool(shown["present"].iloc[0]) and pd.isna(shown["present"].iloc[1])


def test_frame_shares_plot_data(planted):
    shares = planted.frame_shares
    assert list(shares.columns) == ["group", "frame", "firm", "year", "share", "ci_low",
                                    "ci_high", "n_matches", "n_docs", "n_tokens"]
    assert len(shares) == 3 * 5 and (shares["frame"] == "citizens").all()
    assert ((shares["ci_low"] <= shares["share"]) & (shares["share"] <= shares["ci_high"])).all()


# --- keyness on the corpus ------------------------------------------------------------------


def test_each_firm_tops_its_own_distinctive_term(planted):
    k = planted.keyness
    for firm, word in (("acme", "hyperviseur"), ("bolt", "tarification"),
                       ("cora", "biodiversité")):
        rows = k.query(f"comparison == 'firm_vs_rest' and group_a == '{firm}' and rank == 1 "
                       "and log_ratio_cons > 0")
        assert rows["term"].tolist() == [word]
        assert rows["count_b"].iloc[0] == 0  # absent from the rest, still scored


def test_comparisons_cover_firms_years_and_halves(planted):
    k = planted.keyness
    pairs = k.groupby("comparison")[["group_a", "group_b"]].apply(
        lambda g: set(map(tuple, g.drop_duplicates().to_numpy())))
    assert ("acme", "bolt") in pairs["firm_vs_firm"] and ("bolt", "acme") in pairs[
        "firm_vs_firm"]
    assert len(pairs["year_vs_year"]) == 10 and ("2020", "2016") in pairs["year_vs_year"]
    late = k.query("comparison == 'late_vs_early' and group_a == 'cora:late'")
    assert set(late["years_a"]) == {"2019-2020"} and set(late["years_b"]) == {"2016-2017"}
    rose = late.query("rank == 1 and log_ratio_cons > 0")["term"].tolist()
    assert rose == ["citoyen"]  # the planted drift, seen as a term that rose


def test_a_firm_with_a_single_document_is_compared():
    bags = planted_corpus()[1]
    solo = make_corpus([{"firm": "dune", "year": 2018,
                         "text": "Le dessalement pour les citoyens. Le dessalement encore."}])[1]
    k = keyness_tables(pd.concat([bags, solo], ignore_index=True), alpha0=1000.0, min_count=2,
                       fdr=0.05, min_tokens=100)
    rows = k.query("comparison == 'firm_vs_rest' and group_a == 'dune'")
    top = rows.iloc[0]
    assert top["term"] == "dessalement" and top["count_a"] == 2 and top["count_b"] == 0
    assert np.isfinite(rows[["z", "g2", "lafon", "log_ratio"]].to_numpy()).all()
    # ... and its lone year is too thin for year comparisons
    assert not k.query("comparison == 'late_vs_early'")["group_a"].str.startswith("dune").any()


def test_learned_phrases_are_split_for_keyness_lexicon_phrases_stay_whole():
    bags = pd.DataFrame({
        "passage_id": ["a-0000", "b-0000"], "doc_id": ["a", "b"], "firm": ["acme", "bolt"],
        "year": pd.array([2020, 2020], dtype="Int16"), "lang": "fr", "url": "u",
        "n_tokens": [600, 600],
        "terms": [["vigiscope_veille", "dispositif_vigiscope", "vigiscope", "tableau_de_bord"]
                  * 5 + ["ville"] * 20, ["ville"] * 40]})
    k = keyness_tables(bags, alpha0=10.0, min_count=1, fdr=0.05, min_tokens=100,
                       whole=frozenset({"tableau_de_bord"}))
    acme = k.query("comparison == 'firm_vs_rest' and group_a == 'acme'").set_index("term")
    assert acme.loc["vigiscope", "count_a"] == 15  # all its occurrences, not 5 + 5 + 5
    assert acme.loc["tableau_de_bord", "count_a"] == 5
    assert "vigiscope_veille" not in acme.index
    assert acme["total_a"].iloc[0] == 5 * (2 + 2 + 1 + 1) + 20  # phrases count as their words
    kept = keyness_tables(bags, alpha0=10.0, min_count=1, fdr=0.05, min_tokens=100,
                          split_phrases=False)
    assert "vigiscope_veille" in set(kept["term"])


def test_a_corpus_without_matches_or_without_french_and_english_gives_valid_tables():
    s, b, d, p = make_corpus([{"firm": "acme", "year": 2020, "text": "Rien à signaler."}])
    for sents, bags in ((s, b), (s.assign(lang="de"), b.assign(lang="de")),
                        (s.iloc[:0], b.iloc[:0])):
        r = score_contrasts(sents, bags, d, p, LEXICON, ContrastsParams(**PARAMS))
        for name in ("keyness", "frame_measures", "shifts", "domains", "kwic"):
            to_arrow(getattr(r, name), getattr(schemas, name.upper()))  # raises if malformed
        assert r.kwic.empty and r.keyness.empty


def test_late_vs_early_drops_the_middle_year_and_thin_years():
    units = pd.DataFrame({"firm": ["a"] * 6 + ["b"],
                          "year": [2015, 2016, 2017, 2018, 2019, 2020, 2019],
                          "n_tokens": [500, 10, 500, 500, 500, 500, 500]})
    units["year"] = units["year"].astype("Int16")
    plans = {(p["comparison"], p["group_a"]): p for p in plan_comparisons(units, min_tokens=100)}
    half = plans[("late_vs_early", "a:late")]
    # 2016 is thin; of the five other years, 2018 is the middle one
    assert (half["years_a"], half["years_b"]) == ("2019-2020", "2015, 2017")
    assert half["a"].tolist() == [4, 5] and half["b"].tolist() == [0, 2]
    assert not any(p["group_a"] == "2016" or p["group_b"] == "2016"
                   for p in plans.values() if p["comparison"] == "year_vs_year")


# --- shifts ---------------------------------------------------------------------------------


def synthetic_docs(slope, seed, n_per_year=12, years=range(2014, 2022)):
    rng = np.random.default_rng(seed)
    year = np.repeat(np.array(list(years)), n_per_year).astype(float)
    trials = rng.integers(3, 30, len(year))
    p = 1 / (1 + np.exp(-(-0.3 + slope * (year - year.mean()))))
    return year, rng.binomial(trials, p), trials


def test_shift_detects_a_planted_slope_with_the_right_sign():
    for slope in (0.25, -0.25):
        year, succ, trials = synthetic_docs(slope, seed=5)
        fit = fit_trend(year, succ, trials=trials)
        assert fit.p_value < 0.05 and np.sign(fit.slope) == np.sign(slope)
        assert fit.ci_low < slope < fit.ci_high


def test_shift_stays_quiet_on_flat_data():
    year, succ, trials = synthetic_docs(0.0, seed=5)
    assert fit_trend(year, succ, trials=trials).p_value > 0.05
    # ... and over many flat corpora whose documents disagree more than a binomial allows
    # (beta-binomial), p < 0.05 comes out about 5 % of the time, not far more.
    rejected = 0
    for seed in range(200):
        rng = np.random.default_rng(seed)
        year = np.repeat(np.arange(2015, 2021), 10).astype(float)
        trials = rng.integers(1, 40, len(year))
        succ = rng.binomial(trials, rng.beta(2, 3, len(year)))
        rejected += fit_trend(year, succ, trials=trials).p_value < 0.05
    assert rejected / 200 <= 0.10


def test_rate_trend_uses_tokens_as_exposure():
    rng = np.random.default_rng(2)
    year = np.repeat(np.arange(2010, 2020), 15).astype(float)
    tokens = rng.integers(300, 3000, len(year))
    counts = rng.poisson(tokens * 2e-3 * np.exp(0.15 * (year - 2010)))
    fit = fit_trend(year, counts, exposure=tokens)
    assert fit.p_value < 0.001 and fit.ci_low < 0.15 < fit.ci_high


def test_rate_trend_with_every_match_in_the_first_or_last_year_has_no_finite_slope():
    # The Poisson MLE of the slope is infinite: the fit must say so, not report a slope of
    # ~25 log units per year with a six-figure standard error.
    year = np.repeat([2018.0, 2019.0, 2020.0], 2)
    tokens = np.array([1000, 2000, 1500, 900, 1200, 800])
    assert not fit_trend(year, np.array([0, 0, 0, 0, 3, 5]), exposure=tokens).converged
    assert not fit_trend(year, np.array([4, 1, 0, 0, 0, 0]), exposure=tokens).converged
    both = fit_trend(year, np.array([0, 0, 1, 0, 3, 5]), exposure=tokens)
    assert both.converged and 0 < both.slope < 5


def test_shift_table_names_rate_separation_without_talking_of_sides():
    docs = pd.DataFrame({"doc_id": list("abcdef"), "firm": "acme", "lang": "fr",
                         "year": pd.array([2018, 2018, 2019, 2019, 2020, 2020], dtype="Int16"),
                         "n_tokens": [1000, 2000, 1500, 900, 1200, 800],
                         "audience/citizens": [0, 0, 0, 0, 3, 5],
                         "audience/clients": [2, 1, 3, 2, 0, 1]})
    columns = [("audience", "citizens"), ("audience", "clients")]
    audience = parse_lexicon({"groups": {"audience": {"kind": "opposition", "frames": {
        "citizens": {"fr": ["citoyen"]}, "clients": {"fr": ["client"]}}}}})
    sh = shift_table(docs, columns, audience, min_tokens=10, min_years=3)
    rate = sh.query("group == 'audience' and frame == 'citizens' and measure == 'rate'").iloc[0]
    assert pd.isna(rate["slope"]) and "no finite slope" in rate["note"]
    assert "side" not in rate["note"]
    share = sh.query("group == 'audience' and measure == 'share'").iloc[0]
    assert pd.isna(share["slope"]) and "side" in share["note"]


def test_shift_table_on_the_planted_drift(planted):
    sh = planted.shifts.set_index(["firm", "group", "frame", "measure"])
    cora = sh.loc[("cora", "audience", "citizens", "share")]
    assert cora["slope"] > 0 and cora["p_value"] < 0.05 and cora["n_years"] == 5
    acme = sh.loc[("acme", "audience", "citizens", "share")]
    assert acme["p_value"] > 0.05
    assert cora["first_year"] == 2016 and cora["last_year"] == 2020


def test_shift_reports_thin_years_and_too_few_years():
    s, b, d, p = planted_corpus()
    keep = ~((b["firm"] == "acme") & (b["year"] >= 2018))
    short = b[keep]
    r = score_contrasts(s[s["passage_id"].isin(short["passage_id"])], short, d, p, LEXICON,
                        ContrastsParams(**PARAMS))
    acme = r.shifts.query("firm == 'acme' and measure == 'share'").iloc[0]
    assert pd.isna(acme["slope"]) and "too few years" in acme["note"]
    thin = b.copy()
    thin = thin[~((thin["firm"] == "bolt") & (thin["year"] == 2017))
                | thin["passage_id"].isin(thin.query("firm == 'bolt' and year == 2017")
                                          ["passage_id"].head(1))]
    r = score_contrasts(s[s["passage_id"].isin(thin["passage_id"])], thin, d, p, LEXICON,
                        ContrastsParams(**{**PARAMS, "min_tokens": 150}))
    bolt = r.shifts.query("firm == 'bolt' and measure == 'share'").iloc[0]
    assert list(bolt["excluded_years"]) == [2017] and bolt["n_years"] == 4
    fy = r.frame_measures.query("level == 'firm_year' and firm == 'bolt' and year == 2017")
    assert not fy["enough"].any()


# --- concordances ---------------------------------------------------------------------------


def test_kwic_lines_are_cut_from_the_text_as_written():
    s, b, d, p = make_corpus([{"firm": "acme", "year": 2019, "page": 7, "text": [
        "Premier passage sans rien.",
        "Notre offre vise les Citoyens de Lyon. Elle parle du réseau d’eau et des clients.",
    ]}])
    r = score_contrasts(s, b, d, p, LEXICON,
                        ContrastsParams(**{**PARAMS, "kwic_window": 3}))
    k = r.kwic[r.kwic["group"].notna()].set_index("term")
    cit = k.loc["citoyen"]
    # three words each side, punctuation along; the context runs across the sentence end
    assert (cit["left"], cit["match"], cit["right"]) == ("offre vise les", "Citoyens",
                                                         "de Lyon. Elle")
    water = k.loc["réseau d'eau"]
    # the match keeps its typographic apostrophe; the passage's end stops the context
    assert (water["left"], water["match"], water["right"]) == ("Elle parle du",
                                                               "réseau d’eau", "et des clients.")
    first = r.kwic[r.kwic["passage_id"].str.endswith("-0000")]
    assert first.empty  # nothing matched there, and no context leaked into it
    assert water["frame"] == "water" and water["page"] == 7 and water["year"] == 2019
    assert water["passage_id"].endswith("-0001") and water["sent_id"] == 1
    assert water["captured_at"] == pd.Timestamp("2019-06-01", tz="UTC")
    assert water["url"] == "https://acme.example/p0"


def test_kwic_covers_top_keyness_terms_in_their_firm(planted):
    k = planted.kwic
    terms = k[k["group"].isna()]
    assert {"hyperviseur", "tarification", "biodiversité"} <= set(terms["term"])
    assert set(terms.query("term == 'hyperviseur'")["firm"]) == {"acme"}
    line = terms.query("term == 'tarification'").iloc[0]
    assert line["match"].lower() == "tarification"


# --- the stage end to end -------------------------------------------------------------------


def write_inputs(root, corpus):
    s, b, d, p = corpus
    write_table(s, root / "processed" / "sentences.parquet", schemas.SENTENCES)
    write_table(b, root / "processed" / "bags.parquet", schemas.BAGS)
    docs = d.assign(fetch_id="f", firm="x", kind="page", url="u", final_url=None,
                    format="html", title=None, text="", lang="fr", lang_confidence=1.0, n_chrome=0,
                    declared_lang=None,
                    year=2020, year_source="sources", published=None, n_pages=None, n_words=1,
                    status="ok", error=None, similarity=None)
    write_table(docs[schemas.DOCUMENTS.names], root / "interim" / "documents.parquet",
                schemas.DOCUMENTS)
    pas = p.assign(seq=0, firm="x", kind="page", year=2020, lang="fr", url="u",
                   page_end=p["page_start"], text="", n_words=1)
    write_table(pas[schemas.PASSAGES.names], root / "interim" / "passages.parquet",
                schemas.PASSAGES)


def test_main_writes_every_table(tmp_path):
    s, b, d, p = planted_corpus()
    dup = make_corpus([{"firm": "acme", "year": 2020, "text": "Les clients, clients, clients.",
                        "duplicate_of": "0" * 16, "doc_id": "f" * 16}])
    write_inputs(tmp_path, [pd.concat([x, y], ignore_index=True)
                            for x, y in zip((s, b, d, p), dup, strict=True)])
    (tmp_path / "frames.yaml").write_text(
        "groups:\n  audience:\n    kind: opposition\n    frames:\n"
        "      citizens: {fr: [citoyen]}\n      clients: {fr: [client]}\n"
        "  domains:\n    kind: set\n    frames:\n      platform: {fr: [hyperviseur]}\n",
        encoding="utf-8")
    (tmp_path / "params.yaml").write_text(
        "lexicon: frames.yaml\ncontrasts:\n" + "".join(f"  {k}: {v}\n" for k, v in
                                                      {**PARAMS, "n_bootstrap": 50}.items()),
        encoding="utf-8")
    out, plots = tmp_path / "contrasts", tmp_path / "plots"
    status = main(["--processed", str(tmp_path / "processed"), "--interim",
                   str(tmp_path / "interim"), "--params", str(tmp_path / "params.yaml"),
                   "--out", str(out), "--plots", str(plots)])
    assert status == 0
    tables = {name: read_table(out / f"{name}.parquet", getattr(schemas, name.upper()))
              for name in ("keyness", "frame_measures", "shifts", "domains", "firm_domains",
                           "versus", "thresholds", "kwic")}
    assert all(len(t) for t in tables.values())
    # the thresholds behind `rank` and `present` travel with the tables, for the report
    assert tables["thresholds"].iloc[0].tolist() == [PARAMS["fdr"], PARAMS["presence_rate"],
                                                     PARAMS["presence_docs"]]
    assert tables["firm_domains"]["domain"].eq("platform").all()
    assert "f" * 16 not in set(tables["kwic"]["doc_id"])  # the duplicate is not counted
    fm = tables["frame_measures"].query("level == 'firm' and firm == 'acme' and "
                                        "measure == 'share' and lang.isna()")
    assert fm["n_docs"].iloc[0] == 20
    csv = pd.read_csv(out / "kwic.csv")
    assert len(csv) == len(tables["kwic"]) and list(csv.columns) == schemas.KWIC.names
    assert pd.read_csv(plots / "frame_shares.csv")["frame"].eq("citizens").all()
    # correspondence analyses: the firm × term map of the French texts; one domain (platform)
    # is too few columns for a firm × domain map, which is left out rather than failing
    ca = read_table(out / "ca_points.parquet", schemas.CA_POINTS)
    axes = read_table(out / "ca_axes.parquet", schemas.CA_AXES)
    assert set(ca["analysis"]) == set(axes["analysis"]) == {"firm_term"}
    assert set(ca.loc[ca["side"] == "row", "label"]) == {"acme", "bolt", "cora"}


def test_main_names_the_missing_input(tmp_path, caplog):
    (tmp_path / "params.yaml").write_text("contrasts:\n  alpha0: 1.0\n", encoding="utf-8")
    (tmp_path / "frames.yaml").write_text("groups:\n  a:\n    kind: set\n    frames:\n"
                                          "      x: {fr: [eau]}\n", encoding="utf-8")
    args = ["--processed", str(tmp_path / "nope"), "--interim", str(tmp_path),
            "--params", str(tmp_path / "params.yaml"), "--out", str(tmp_path / "o"),
            "--plots", str(tmp_path / "p")]
    # run out of order (preprocess never ran): an error naming the file, not a traceback
    assert main(args) == 2
    assert re.search(r"nope/sentences\.parquet.*not found", caplog.text)
    assert not (tmp_path / "o").exists()
    # a params file that is not there is named too
    args[args.index("--params") + 1] = str(tmp_path / "absent.yaml")
    assert main(args) == 2
    assert "absent.yaml" in caplog.text


# --- the demo site's planted truth (needs the whole pipeline) --------------------------------


def demo_tables(folder):
    out = folder / "data" / "contrasts"
    return {name: read_table(out / f"{name}.parquet", getattr(schemas, name.upper()))
            for name in ("keyness", "frame_measures", "shifts", "domains")}


@pytest.mark.slow
def test_demo_most_client_firm_has_the_lowest_citizen_share(demo_build, truth):
    m = demo_tables(demo_build)["frame_measures"]
    rows = m.query("group == 'audience' and measure == 'share' and level == 'firm' "
                   "and lang.isna()").set_index("firm")
    # the thin firm has a share too, flagged as resting on too little text
    assert set(rows.index) == set(truth["firms"]) | set(truth["thin_firms"])
    assert set(rows.index[~rows["enough"]]) == set(truth["thin_firms"])
    assert rows.loc[rows["enough"], "value"].idxmin() == truth["most_client_firm"]


@pytest.mark.slow
def test_demo_planted_shifts_are_detected_with_their_sign(demo_build, truth):
    shifts = demo_tables(demo_build)["shifts"].set_index(["firm", "group", "measure"])
    planted = [s for s in truth["shifts"] if s["kind"] in ("audience", "framing")]
    assert any(s["kind"] == "audience" for s in planted)  # the client-to-citizen shift
    for s in planted:
        row = shifts.loc[(s["firm"], s["kind"], "share")]
        sign = 1 if s["direction"] == "rise" else -1
        assert np.sign(row["slope"]) == sign, s["description"]
        assert row["p_value"] < 0.05, s["description"]


@pytest.mark.slow
def test_demo_top_keyness_terms_hold_each_firms_distinctive_terms(demo_build, truth):
    k = demo_tables(demo_build)["keyness"]
    top = k.query("comparison == 'firm_vs_rest' and log_ratio_cons > 0 and rank <= 30")
    for firm, spec in truth["firms"].items():
        for lang, terms in spec["distinctive_terms_by_lang"].items():
            mine = set(top.query("group_a == @firm and lang == @lang")["term"])
            # a phrase holding the term (e.g. "limpidor_résilience") counts as the term
            words = {w for t in mine for w in t.split("_")}
            missing = [t for t in terms if t not in words]
            assert not missing, f"{firm} ({lang}): {missing} not among its top terms"


# --- stable intervals (issue 14, part 7) ----------------------------------------------------


def test_the_same_site_scraped_twice_gives_identical_intervals():
    """Two scrapes of identical content get other doc_ids (they hash the capture time); the
    bootstrap draws follow the text, so every interval is the same."""
    rng = np.random.default_rng(7)
    texts = []
    for i in range(10):
        words = [str(w) for w in rng.choice(FILLER, 30)]
        words += ["citoyens"] * int(rng.integers(0, 4)) + ["clients"] * int(rng.integers(1, 4))
        texts.append({"firm": "acme" if i < 6 else "bolt", "year": 2020 + i % 2,
                      "text": " ".join(words) + "."})
    first = make_corpus([{**d, "doc_id": f"scrape1-{i:02d}"} for i, d in enumerate(texts)])
    # The second scrape: other ids, sorting in another order than the first's.
    second = make_corpus([{**d, "doc_id": f"{99 - i:02d}-scrape2"} for i, d in enumerate(texts)])
    params = ContrastsParams(**{**PARAMS, "min_tokens": 1})
    a = score_contrasts(*first, LEXICON, params).frame_measures
    b = score_contrasts(*second, LEXICON, params).frame_measures
    cols = ["group", "frame", "measure", "level", "firm", "year", "lang"]
    a, b = (t.sort_values(cols, na_position="last").reset_index(drop=True) for t in (a, b))
    assert a["ci_low"].notna().sum() > 10
    pd.testing.assert_frame_equal(a[[*cols, "value", "ci_low", "ci_high"]],
                                  b[[*cols, "value", "ci_low", "ci_high"]])


def test_undated_documents_count_for_their_firm_but_stay_off_every_time_axis():
    """Issue 14, part 1: an undated page (year null) weighs in the firm's figures over all
    years, never in a year, a firm-year, a late-vs-early side or a trend."""
    s, b, d, p = planted_corpus()
    undated = make_corpus([{"firm": "acme", "year": None, "doc_id": f"undated{i}",
                            "text": "Les clients, clients et clients du réseau. " * 30}
                           for i in range(3)])
    corpus = [pd.concat([x, y], ignore_index=True) for x, y in zip((s, b, d, p), undated,
                                                                 strict=True)]
    with_undated = score_contrasts(*corpus, LEXICON, ContrastsParams(**PARAMS))
    base = score_contrasts(s, b, d, p, LEXICON, ContrastsParams(**PARAMS))
    m, m0 = with_undated.frame_measures, base.frame_measures
    assert m.loc[m["level"].isin(["year", "firm_year"]), "year"].notna().all()
    cols = ["group", "frame", "measure", "level", "firm", "year", "lang"]
    by_year = m[m["level"].isin(["year", "firm_year"])].merge(
        m0[m0["level"].isin(["year", "firm_year"])], on=cols)
    assert len(by_year) == (m0["level"].isin(["year", "firm_year"])).sum()
    np.testing.assert_allclose(by_year["value_x"].astype(float),
                               by_year["value_y"].astype(float))
    pd.testing.assert_frame_equal(with_undated.shifts, base.shifts)
    # The firm's figure over all years does count them: more clients.
    def acme_share(t):
        return t[(t["level"] == "firm") & (t["firm"] == "acme") & (t["frame"] == "citizens")
                 & (t["measure"] == "share") & t["lang"].isna()]["value"].iloc[0]
    assert acme_share(m) < acme_share(m0) - 0.05
    def sides(t):  # the comparisons over time and the years on each side
        t = t[t["comparison"].isin(["late_vs_early", "year_vs_year"])]
        return set(map(tuple, t[["comparison", "group_a", "group_b", "years_a", "years_b"]]
                       .drop_duplicates().to_numpy()))
    assert sides(base.keyness) and sides(with_undated.keyness) == sides(base.keyness)


# --- firm against the rest (issue 14, part 6) -------------------------------------------------


def test_each_firm_is_tested_against_the_rest_with_bh_and_thin_firms_are_flagged(planted):
    """acme says citoyens (0.8), bolt clients (0.2), cora drifts between (0.5 over its years):
    acme is higher than the rest, bolt lower, cora not different."""
    v = planted.versus
    share = v[(v["group"] == "audience") & (v["measure"] == "share")].set_index("firm")
    assert share.loc["acme", "differs"] and share.loc["acme", "ci_low"] > 0
    assert share.loc["bolt", "differs"] and share.loc["bolt", "ci_high"] < 0
    assert not share.loc["cora", "differs"]
    assert share.loc["cora", "ci_low"] < 0 < share.loc["cora", "ci_high"]
    assert (share["q_value"] >= share["p_value"]).all()
    # The diff is the firm's figure minus the rest's, all years pooled.
    m = planted.frame_measures
    firm_share = m[(m["level"] == "firm") & (m["group"] == "audience")
                   & (m["measure"] == "share") & m["lang"].isna()].set_index("firm")["value"]
    assert share.loc["acme", "value"] == pytest.approx(firm_share["acme"])
    # Domains are rates, tested the same way.
    assert {"water", "platform"} <= set(v.loc[v["group"] == "domains", "frame"])


def test_a_firm_with_six_documents_is_flagged_and_never_said_to_differ():
    s, b, d, p = planted_corpus()
    thin = make_corpus([{"firm": "dora", "year": 2020, "doc_id": f"thin{i}",
                         "text": "Les citoyens et les citoyens du quartier."} for i in range(6)])
    corpus = [pd.concat([x, y], ignore_index=True) for x, y in zip((s, b, d, p), thin,
                                                                 strict=True)]
    v = score_contrasts(*corpus, LEXICON, ContrastsParams(**PARAMS)).versus
    dora = v[v["firm"] == "dora"]
    assert len(dora) and not dora["enough"].any() and not dora["differs"].any()
    assert dora["q_value"].isna().all() and (dora["n_docs"] == 6).all()


def test_the_firm_domain_table_says_which_firm_a_domain_sets_apart(planted):
    """Only acme says hyperviseur: its platform cell is higher than the rest, the others'
    cells are lower, so the table separates firms even where presence alone would not."""
    fd = planted.firm_domains
    fd = fd[fd["domain"] == "platform"].set_index("firm")
    assert fd.loc["acme", "vs_rest"] == "higher" and fd.loc["acme", "q_vs_rest"] <= 0.05
    assert fd.loc[["bolt", "cora"], "vs_rest"].tolist() == ["lower", "lower"]
    # Water, which no firm says, sets no firm apart.
    water = planted.firm_domains
    assert water.loc[water["domain"] == "water", "vs_rest"].isna().all()


def test_a_domain_a_firm_names_far_less_than_the_rest_is_not_in_its_offer():
    """Presence needs the rate floor and no significant deficit against the other firms:
    a passing mention, clearly below the rest, is not part of the firm's offer."""
    cells = {("acme", "water"): (40.0, 9), ("bolt", "water"): (3.0, 2),  # bolt: in passing
             ("cora", "water"): (38.0, 8), ("bolt", "waste"): (30.0, 7)}
    rows = [dict(group="domains", frame=d, measure="rate", level=level, firm=f,
                 year=2020 if level == "firm_year" else None, lang=None, value=rate,
                 n_matches=n, n_tokens=5000, n_docs=10, n_docs_matching=n, enough=True)
            for (f, d), (rate, n) in cells.items() for level in ("firm", "firm_year")]
    measures = pd.DataFrame(rows).reindex(columns=schemas.FRAME_MEASURES.names)
    versus = pd.DataFrame([
        dict(group="domains", frame="water", measure="rate", firm="bolt", diff=-36.0,
             differs=True),
        dict(group="domains", frame="water", measure="rate", firm="acme", diff=20.0,
             differs=True),
        dict(group="domains", frame="water", measure="rate", firm="cora", diff=15.0,
             differs=False),
        dict(group="domains", frame="waste", measure="rate", firm="bolt", diff=30.0,
             differs=True)])
    floor = dict(presence_rate=2.0, presence_docs=2)
    alone = domain_table(measures, LEXICON, **floor)
    judged = domain_table(measures, LEXICON, **floor, versus=versus)
    assert alone["present"].all()  # the floor alone: every cell present
    for level in ("firm", "firm_year"):
        got = (judged[judged["level"] == level].set_index(["firm", "frame"])["present"]
               .astype(bool).to_dict())
        assert got == {("acme", "water"): True, ("bolt", "water"): False,
                       ("cora", "water"): True, ("bolt", "waste"): True}, level

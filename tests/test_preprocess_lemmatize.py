"""Lemmatisation details: elisions, apostrophes, offsets, compounds, flags, long texts."""

from __future__ import annotations

import pytest

from pipeline.preprocess import lemmatize
from pipeline.preprocess.lemmatize import (
    FLAG_EMAIL,
    FLAG_NOALNUM,
    FLAG_NUM,
    FLAG_STOP,
    FLAG_URL,
    LemmatizerError,
    analyse_passages,
    split_long,
)


def _tokens(batch, row=0):
    r = batch.slice(row, 1).to_pylist()[0]
    return list(zip(r["tokens"], r["lemmas"], r["pos"], r["starts"], r["flags"], strict=True))


def _rebuilds(batch, texts):
    """Every token sits at its offset in its sentence, and every sentence in its passage."""
    for r in batch.to_pylist():
        passage = texts[r["task"]]
        assert passage[r["start_char"]:r["start_char"] + len(r["text"])] == r["text"]
        for tok, start in zip(r["tokens"], r["starts"], strict=True):
            assert r["text"][start:start + len(tok)] == tok


@pytest.mark.parametrize("lemmatizer", ["spacy", "simplemma"])
def test_french_elisions_with_straight_and_typographic_apostrophes(lemmatizer):
    texts = ["L’usager d’aujourd’hui, qu’il soit client ou non, s’informe.",
             "L'usager d'aujourd'hui, qu'il soit client ou non, s'informe."]
    batch = analyse_passages([("fr", t) for t in texts], lemmatizer=lemmatizer)
    typographic, straight = (_tokens(batch, i) for i in range(2))
    # tokens as written, lemmas the same whatever the apostrophe
    assert [t[0] for t in typographic][:6] == ["L’", "usager", "d’", "aujourd’hui", ",", "qu’"]
    assert [t[1] for t in typographic] == [t[1] for t in straight]
    lemmas = dict((t[0], t[1]) for t in typographic)
    assert lemmas["L’"] == "le"
    assert lemmas["d’"] == "de"
    assert lemmas["qu’"] == "que"
    assert lemmas["aujourd’hui"] == "aujourd'hui"
    assert lemmas["s’"] == "se"
    _rebuilds(batch, texts)


def test_lemmas_are_lower_case_with_accents_kept():
    batch = analyse_passages([("fr", "Les Citoyennes ÉCLAIRÉES de Saint-Étienne.")])
    lemmas = [t[1] for t in _tokens(batch)]
    assert lemmas == [x.lower() for x in lemmas]
    assert "saint-étienne" in lemmas
    assert "citoyen" in lemmas or "citoyenne" in lemmas


def test_sentences_split_and_blank_lines_always_end_a_sentence():
    text = ("Nos solutions\n\nLa ville change. Les habitants participent !\n\n"
            "Chiffres clés\n\nLe réseau couvre douze communes")
    batch = analyse_passages([("fr", text)])
    sentences = batch.column("text").to_pylist()
    assert sentences == ["Nos solutions", "La ville change.", "Les habitants participent !",
                         "Chiffres clés", "Le réseau couvre douze communes"]
    assert batch.column("sent_id").to_pylist() == [0, 1, 2, 3, 4]
    _rebuilds(batch, [text])


def test_hyphenated_compounds_are_one_token_but_clitics_stay_apart():
    text = ("Le savoir-faire des villes-centres et le partenariat public-privé. "
            "Peut-on dire 2020-2024 à Sainte-Mélanie-des-Prés ?")
    batch = analyse_passages([("fr", text)])
    rows = batch.to_pylist()
    tokens = [t for r in rows for t in r["tokens"]]
    lemmas = dict(zip(tokens, [x for r in rows for x in r["lemmas"]], strict=True))
    assert lemmas["savoir-faire"] == "savoir-faire"
    assert lemmas["villes-centres"] == "ville-centre"
    assert lemmas["public-privé"] == "public-privé"
    assert lemmas["Sainte-Mélanie-des-Prés"] == "sainte-mélanie-des-prés"  # a name keeps its form
    assert "Peut" in tokens and "-on" in tokens  # an inverted clitic is not a compound
    assert "2020-2024" not in tokens
    _rebuilds(batch, [text])


def test_english_lemmas_and_domain_fixes():
    batch = analyse_passages([("en", "Our customers’ data is optimised by the city’s media.")])
    lemmas = dict((t[0], t[1]) for t in _tokens(batch))
    assert lemmas["customers"] == "customer"
    assert lemmas["optimised"] == "optimise"
    assert lemmas["data"] == "data"  # not "datum"
    assert lemmas["media"] == "media"  # not "medium"


@pytest.mark.parametrize("lemmatizer", ["spacy", "simplemma"])
def test_acronym_plurals_lose_their_s(lemmatizer):
    batch = analyse_passages([("en", "Our KPIs and LEDs are tracked."),
                              ("fr", "Nos KPIs et nos LEDs sont suivis.")], lemmatizer=lemmatizer)
    for row in batch.to_pylist():
        lemmas = dict(zip(row["tokens"], row["lemmas"], strict=True))
        assert (lemmas["KPIs"], lemmas["LEDs"]) == ("kpi", "led")


def test_names_keep_their_form_and_no_lemma_is_invented():
    batch = analyse_passages([("fr", "Voltania Energies équipe la commune d’Ormelune."),
                              ("en", "Voltania Energies relies on its installers.")])
    rows = batch.to_pylist()
    fr = dict(zip(rows[0]["tokens"], rows[0]["lemmas"], strict=True))
    en = dict(zip(rows[1]["tokens"], rows[1]["lemmas"], strict=True))
    assert (fr["Energies"], en["Energies"]) == ("energies", "energies")  # not énergie, energy
    assert fr["Ormelune"] == "ormelune"
    assert en["relies"] == "rely"  # not "relie"
    assert rows[0]["flags"][1] & lemmatize.FLAG_NAME


def test_flags_mark_numbers_urls_emails_punctuation_and_stop_words():
    batch = analyse_passages([("fr", "Écrivez à info@ville.fr ou voyez https://ville.fr : "
                                     "12,5 % des rues.")])
    flags = {t[0]: t[4] for t in _tokens(batch)}
    assert flags["info@ville.fr"] & FLAG_EMAIL
    assert flags["https://ville.fr"] & FLAG_URL
    assert flags["12,5"] & FLAG_NUM
    assert flags[":"] & FLAG_NOALNUM
    assert flags["des"] & FLAG_STOP
    assert flags["rues"] == 0


def test_empty_and_blank_passages_have_no_sentence():
    batch = analyse_passages([("fr", ""), ("en", "   \n\n  "), ("fr", "Une phrase.")])
    assert batch.column("task").to_pylist() == [2]


def test_mixed_languages_keep_task_order():
    tasks = [("en", "Smart cities help citizens."), ("fr", "Les villes aident les citoyens."),
             ("en", "Customers pay.")]
    batch = analyse_passages(tasks)
    assert batch.column("task").to_pylist() == [0, 1, 2]
    lemmas = batch.column("lemmas").to_pylist()
    assert "city" in lemmas[0] and "citizen" in lemmas[0]
    assert "ville" in lemmas[1] and "citoyen" in lemmas[1]


def test_unknown_language_or_lemmatizer_is_a_clear_error():
    with pytest.raises(LemmatizerError, match="'de'"):
        analyse_passages([("de", "Die Stadt.")])
    with pytest.raises(LemmatizerError, match="treetagger"):
        analyse_passages([("fr", "La ville.")], lemmatizer="treetagger")


def test_split_long_cuts_at_boundaries_and_loses_nothing():
    text = ("Une phrase assez longue pour remplir la ligne. " * 30 + "\n\n") * 40
    pieces = split_long(text, max_chars=1000)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 1000 for _, p in pieces)
    assert all(text[off:off + len(p)] == p for off, p in pieces)
    assert all(p.endswith(("\n\n", ". ")) for _, p in pieces[:-1])
    assert split_long("x" * 2500, max_chars=1000)[1] == (1000, "x" * 1000)  # no boundary


def test_long_passage_is_lemmatised_in_pieces_with_offsets_into_the_whole(monkeypatch):
    monkeypatch.setattr(lemmatize, "MAX_CHARS", 300)
    text = "\n\n".join(f"Le quartier numéro {i} accueille des habitants. Les rues sont calmes."
                       for i in range(30))
    batch = analyse_passages([("fr", text)])
    assert batch.num_rows == 60
    assert batch.column("sent_id").to_pylist() == list(range(60))
    _rebuilds(batch, [text])


def test_frozenset_index_gives_the_same_lemmas_as_spacys_lists():
    import spacy

    texts = ["Les citoyens des villes intelligentes bénéficient de services optimisés.",
             "Les fuites détectées rapidement sont réparées par nos techniciens.",
             "Les véhicules électriques rechargent leurs batteries pendant la nuit."]
    nlp = spacy.load("fr_core_news_sm", exclude=["parser", "ner"])
    as_shipped = [[t.lemma_ for t in nlp(text)] for text in texts]
    assert lemmatize.freeze_lemma_index(nlp) == 4
    nlp.get_pipe("lemmatizer").cache.clear()  # else the second pass only reads the cache
    assert [[t.lemma_ for t in nlp(text)] for text in texts] == as_shipped


def test_spacy_pipeline_is_minimal():
    fr = lemmatize.load_spacy("fr")
    en = lemmatize.load_spacy("en")
    assert fr.pipe_names == ["tok2vec", "morphologizer", "senter", "attribute_ruler",
                             "lemmatizer"]
    assert en.pipe_names == ["tok2vec", "tagger", "senter", "attribute_ruler", "lemmatizer"]
    assert lemmatize.load_spacy("fr") is fr  # loaded once per process

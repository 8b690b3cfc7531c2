"""The preprocess stage: selection, filters, phrases, bags, cache, command line."""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import time

import pandas as pd
import pyarrow as pa
import pytest
import yaml

from pipeline import schemas
from pipeline.errors import EXIT_INPUT, ParamsError
from pipeline.io import read_table, write_table
from pipeline.lexicon import parse_lexicon
from pipeline.params import check_block
from pipeline.preprocess.stage import LemmaCache, main, preprocess_passages

LEXICON = parse_lexicon({"groups": {
    "audience": {"kind": "opposition", "frames": {
        "citizens": {"fr": ["citoyen", "habitant"], "en": ["citizen", "resident"]},
        "clients": {"fr": ["client"], "en": ["customer"]},
    }},
    "domains": {"kind": "set", "frames": {
        "water": {"fr": ["eau", "réseau d'eau"], "en": ["water network"]},
        "data": {"fr": ["open data", "donnée"], "en": ["open data"]},
        "pooling": {"fr": ["tableau de bord", "savoir-faire"], "en": ["dashboard"]},
        "security": {"fr": ["personne"], "en": ["camera"]},
    }},
}})

FR_1 = ("Citelum accompagne les villes intelligentes. Grâce au tableau de bord, les citoyens "
        "suivent la qualité du réseau d’eau.\n\nNos clients publient leurs données en open data.")
FR_2 = ("Les villes intelligentes attirent des habitants. Chaque personne compte. En 2024, "
        "12 % des usagers ont écrit à contact@citelum.fr ou sur https://citelum.fr.")
EN_1 = "Smart cities serve their citizens. The water network is monitored by cameras."
FR_LONG = "Les villes intelligentes optimisent les services aux citoyens. "


def passages_frame(docs: list[list[tuple[str, str | None]]], *, firm: str = "citelum",
                   duplicate: set[int] = frozenset()) -> pd.DataFrame:
    """A PASSAGES table: one document per list of (text, lang) passages."""
    rows = []
    for d, passages in enumerate(docs):
        doc_id = hashlib.sha1(f"{firm}-{d}".encode()).hexdigest()[:16]
        for seq, (text, lang) in enumerate(passages):
            rows.append({"passage_id": f"{doc_id}-{seq:04d}", "doc_id": doc_id, "seq": seq,
                         "firm": firm, "kind": "page", "year": 2015 + d, "lang": lang,
                         "url": f"https://{firm}.example/{d}", "page_start": None,
                         "page_end": None, "text": text, "n_words": len(text.split()),
                         "is_duplicate": d in duplicate, "section_id": None,
                         "section_path": None, "section_family": None, "relevance": None})
    df = pd.DataFrame(rows)
    for col, dtype in (("year", "Int16"), ("page_start", "Int32"), ("page_end", "Int32"),
                       ("seq", "int32"), ("n_words", "int32")):
        df[col] = df[col].astype(dtype)
    return df


def run(df, *, lexicon=LEXICON, cache=None, on_sentences=None, **params):
    """The core on `df`, in process, with the `preprocess:` keys given (checked as the stage
    checks params.yaml)."""
    params = check_block("preprocess", {"n_process": 1, "phrases_min_count": 50, **params})
    return preprocess_passages(df, params, lexicon=lexicon, cache=cache,
                               on_sentences=on_sentences)


def bag_of(result, passage_id):
    bags = result.bags.to_pandas()
    return list(bags.loc[bags["passage_id"] == passage_id, "terms"].iloc[0])


# --- selection and tables ------------------------------------------------------------------------

def test_skips_duplicates_and_other_languages_and_says_so(caplog):
    df = passages_frame([[(FR_1, "fr")], [(FR_2, "fr")], [("Die Stadt wächst.", "de")],
                         [("???", None)]], duplicate={1})
    with caplog.at_level(logging.INFO, logger="pipeline.preprocess"):
        result = run(df)
    assert result.bags.column("passage_id").to_pylist() == [df["passage_id"][0]]
    assert set(result.sentences.column("doc_id").to_pylist()) == {df["doc_id"][0]}
    assert "left out 1 passages of duplicate documents" in caplog.text
    assert "left out 2 passages in other languages (de: 1, unknown: 1)" in caplog.text


def test_tables_match_their_schemas_and_rebuild_every_line(tmp_path):
    df = passages_frame([[(FR_1, "fr"), (EN_1, "en")], [(FR_2, "fr")]])
    result = run(df)
    write_table(result.sentences, tmp_path / "s.parquet", schemas.SENTENCES)
    write_table(result.bags, tmp_path / "b.parquet", schemas.BAGS)
    sentences = read_table(tmp_path / "s.parquet", schemas.SENTENCES)
    texts = dict(zip(df["passage_id"], df["text"], strict=True))
    for row in sentences.itertuples():
        passage = texts[row.passage_id]
        assert passage[row.start_char:row.start_char + len(row.text)] == row.text
        for tok, start in zip(row.tokens, row.starts, strict=True):
            assert row.text[start:start + len(tok)] == tok
        assert len(row.lemmas) == len(row.pos) == len(row.keep) == len(row.tokens)
    assert sentences["passage_id"].tolist() == [df["passage_id"][i]
                                                for i in (0, 0, 0, 1, 1, 2, 2, 2)]
    assert sentences["sent_id"].tolist() == [0, 1, 2, 0, 1, 0, 1, 2]
    assert set(sentences["lang"]) == {"fr", "en"}


def test_n_tokens_counts_words_not_punctuation():
    df = passages_frame([[("Les villes, les rues : 12 % (vraiment) !", "fr")]])
    result = run(df)
    # Les villes les rues 12 vraiment
    assert result.bags.column("n_tokens").to_pylist() == [6]


def test_empty_passage_has_an_empty_bag():
    df = passages_frame([[("", "fr"), (FR_1, "fr")]])
    result = run(df)
    assert result.bags.column("n_tokens").to_pylist()[0] == 0
    assert result.bags.column("terms").to_pylist()[0] == []
    assert result.bags.num_rows == 2


def test_empty_corpus_gives_empty_tables():
    result = run(passages_frame([[("Die Stadt.", "de")]]))
    assert result.bags.num_rows == 0
    assert result.sentences.num_rows == 0
    assert result.sentences.schema == schemas.SENTENCES


# --- filters -------------------------------------------------------------------------------------

def test_bag_filters():
    df = passages_frame([[(FR_2, "fr")]])
    terms = bag_of(run(df), df["passage_id"][0])
    assert "ville" in terms and "intelligent" in terms and "usager" in terms
    assert "attirer" in terms and "écrire" in terms  # verbs kept
    for dropped in ("le", "de", "12", "2024", "pourcent", "avoir", "contact@citelum.fr",
                    "https://citelum.fr", "."):
        assert dropped not in terms
    # "personne" is in spaCy's French stop list but a lexicon term: kept
    assert "personne" in terms


def test_firm_ids_and_extra_stop_words_are_dropped():
    df = passages_frame([[(FR_1, "fr")]])
    terms = bag_of(run(df), df["passage_id"][0])
    assert "citelum" not in terms
    assert "accompagner" in terms
    terms = bag_of(run(df, stop_words=["accompagner", "Qualité"]), df["passage_id"][0])
    assert "accompagner" not in terms and "qualité" not in terms


def test_keep_pos_changes_the_bags():
    df = passages_frame([[(FR_2, "fr")]])
    nouns = bag_of(run(df, keep_pos=["NOUN"]), df["passage_id"][0])
    assert "ville" in nouns and "habitant" in nouns
    assert "attirer" not in nouns and "intelligent" not in nouns and "écrire" not in nouns


def test_simplemma_has_no_parts_of_speech_and_ignores_keep_pos():
    df = passages_frame([[(FR_2, "fr")]])
    result = run(df, lemmatizer="simplemma", keep_pos=["NOUN"])
    assert set(p for row in result.sentences.column("pos").to_pylist() for p in row) == {""}
    terms = bag_of(result, df["passage_id"][0])
    assert "ville" in terms and "intelligent" in terms and "le" not in terms


# --- phrases -------------------------------------------------------------------------------------

def test_lexicon_terms_are_forced_into_bags():
    df = passages_frame([[(FR_1, "fr"), (EN_1, "en")]])
    result = run(df)
    fr = bag_of(result, df["passage_id"][0])
    en = bag_of(result, df["passage_id"][1])
    assert "tableau_de_bord" in fr and "tableau" not in fr and "bord" not in fr
    assert "réseau_d'_eau" in fr and "eau" not in fr
    assert "open_data" in fr
    assert "water_network" in en and "citizen" in en and "camera" in en


def test_learned_phrases_join_neighbours_but_never_lexicon_terms():
    text = ("Les villes intelligentes changent. Les citoyens engagés votent. " * 4
            + "La ville durable. Le citoyen. Les villes. Les rues intelligentes.")
    df = passages_frame([[(text, "fr")]])
    terms = bag_of(run(df, phrases_min_count=3, phrases_threshold=0.3), df["passage_id"][0])
    assert terms.count("ville_intelligent") == 4
    assert "citoyen_engager" not in terms and "citoyen_engagé" not in terms
    assert terms.count("citoyen") == 5


# --- cache ---------------------------------------------------------------------------------------

def test_cache_lemmatises_only_new_or_changed_documents(tmp_path, caplog):
    docs = [[(FR_1, "fr"), (EN_1, "en")], [(FR_2, "fr")]]
    cache = LemmaCache(tmp_path)
    first = run(passages_frame(docs), cache=cache)
    assert (first.n_new, first.n_cached) == (2, 0)
    with caplog.at_level(logging.INFO, logger="pipeline.preprocess"):
        again = run(passages_frame(docs), cache=cache)
    assert (again.n_new, again.n_cached) == (0, 2)
    assert "lemmatised 0 new documents, 2 from cache" in caplog.text
    assert again.sentences.equals(first.sentences)
    assert again.bags.equals(first.bags)
    # a new document, and a changed one
    grown = [*docs, [("Les usagers du tramway.", "fr")]]
    grown[1] = [(FR_2 + " Une phrase de plus.", "fr")]
    third = run(passages_frame(grown), cache=cache)
    assert (third.n_new, third.n_cached) == (2, 1)
    # filters and phrases are applied on every run: no re-lemmatisation
    fourth = run(passages_frame(grown), cache=cache, keep_pos=["NOUN"], stop_words=["ville"])
    assert (fourth.n_new, fourth.n_cached) == (0, 3)
    assert "ville" not in bag_of(fourth, passages_frame(grown)["passage_id"][0])


def test_cache_key_holds_the_lemmatiser(tmp_path):
    df = passages_frame([[(FR_2, "fr")]])
    cache = LemmaCache(tmp_path)
    run(df, cache=cache)
    other = run(df, cache=cache, lemmatizer="simplemma")
    assert other.n_new == 1


def test_unreadable_cache_entry_is_lemmatised_again(tmp_path, caplog):
    df = passages_frame([[(FR_2, "fr")]])
    cache = LemmaCache(tmp_path)
    first = run(df, cache=cache)
    cache.close()
    with sqlite3.connect(tmp_path / "lemmas.sqlite") as db:
        db.execute("UPDATE documents SET rows = ?", (b"not arrow",))
    cache = LemmaCache(tmp_path)
    with caplog.at_level(logging.WARNING, logger="pipeline.preprocess"):
        again = run(df, cache=cache)
    assert "unreadable entry" in caplog.text
    assert (again.n_new, again.n_cached) == (1, 0)
    assert again.bags.equals(first.bags)
    assert run(df, cache=cache).n_cached == 1  # stored again


def spy_on_pools(monkeypatch) -> list[bool]:
    """Send even a few passages to workers; return the list that records, for each pool the
    stage makes, whether workers (or a cluster) do its work."""
    from pipeline.preprocess import pool

    monkeypatch.setattr(pool, "IN_PROCESS_PASSAGES", 0)
    started: list[bool] = []
    real_pool = pool.LemmaPool

    def spy(*args, **kwargs):
        made = real_pool(*args, **kwargs)
        started.append(made.in_workers)
        return made

    monkeypatch.setattr("pipeline.preprocess.stage.LemmaPool", spy)
    return started


def test_two_workers_give_the_same_tables_as_one(monkeypatch):
    docs = [[(FR_1, "fr"), (EN_1, "en")]] + [[(FR_2 + f" Numéro {i}.", "fr")] for i in range(6)]
    df = passages_frame(docs)
    one = run(df, n_process=1)
    started = spy_on_pools(monkeypatch)
    two = run(df, n_process=2, batch_size=2)
    assert started == [True]
    assert two.sentences.equals(one.sentences)
    assert two.bags.equals(one.bags)


def test_a_few_new_passages_are_lemmatised_in_process():
    from pipeline.preprocess.pool import IN_PROCESS_PASSAGES, LemmaPool

    few = [[("fr", FR_1)] * 64] * ((IN_PROCESS_PASSAGES - 1) // 64) + [[("fr", FR_2)]]
    with LemmaPool(few, lemmatizer="spacy", batch_size=16, n_process=2) as lemmas:
        assert not lemmas.in_workers
        rows = list(lemmas)
    assert [b.num_rows for b in rows][-1] == 3  # FR_2 has three sentences
    enough = [[("fr", FR_2)] * 64] * (IN_PROCESS_PASSAGES // 64)
    with LemmaPool(enough, lemmatizer="spacy", batch_size=16, n_process=2) as lemmas:
        assert lemmas.in_workers
        assert [b.num_rows for b in lemmas] == [3 * 64] * len(enough)


def test_sentences_can_be_streamed():
    df = passages_frame([[(FR_1, "fr")], [(FR_2, "fr")]])
    batches = []
    result = run(df, on_sentences=batches.append)
    assert result.sentences is None
    assert sum(b.num_rows for b in batches) == run(df).sentences.num_rows


def test_two_megabyte_document_with_simplemma():
    text = "\n\n".join(FR_LONG * 20 for _ in range(1700))
    assert len(text.encode()) > 2_000_000
    df = passages_frame([[(text, "fr")]])
    started = time.perf_counter()
    result = run(df, lemmatizer="simplemma")
    assert time.perf_counter() - started < 60
    assert result.bags.column("n_tokens").to_pylist() == [len(text.split())]
    assert result.sentences.num_rows == 34_000


@pytest.mark.parametrize(("key", "value", "message"), [
    ("lemmatizer", "treetagger", "preprocess.lemmatizer"),
    ("batch_size", 0, "preprocess.batch_size"),
    ("phrases_threshold", 5, "preprocess.phrases_threshold"),
    ("keep_pos", "NOUN", "preprocess.keep_pos"),
])
def test_bad_parameters_name_their_key(key, value, message):
    with pytest.raises(ParamsError, match=message):
        run(passages_frame([[(FR_2, "fr")]]), **{key: value})


# --- command line --------------------------------------------------------------------------------

@pytest.fixture()
def project(tmp_path):
    (tmp_path / "frames.yaml").write_text(yaml.safe_dump({"groups": {"audience": {
        "kind": "opposition", "frames": {"citizens": {"fr": ["citoyen"], "en": ["citizen"]},
                                         "clients": {"fr": ["client"], "en": ["customer"]}}},
        "pooling": {"kind": "set", "frames": {"p": {"fr": ["tableau de bord"]}}}}},
        allow_unicode=True), encoding="utf-8")
    params = {"lexicon": "frames.yaml", "preprocess": {
        "lemmatizer": "spacy", "batch_size": 8, "n_process": 1, "keep_pos": ["NOUN", "ADJ"],
        "stop_words": [], "phrases_min_count": 5, "phrases_threshold": 0.5}}
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params), encoding="utf-8")
    write_table(passages_frame([[(FR_1, "fr"), (EN_1, "en")], [(FR_2, "fr")]]),
                tmp_path / "data" / "interim" / "passages.parquet", schemas.PASSAGES)
    return tmp_path


def _argv(root):
    return ["--interim", str(root / "data/interim"), "--params", str(root / "params.yaml"),
            "--out", str(root / "data/processed"), "--cache", str(root / "data/cache")]


def test_main_writes_both_tables_and_reuses_its_cache(project, caplog):
    assert main(_argv(project)) == 0
    sentences = read_table(project / "data/processed/sentences.parquet", schemas.SENTENCES)
    bags = read_table(project / "data/processed/bags.parquet", schemas.BAGS)
    assert len(bags) == 3 and len(sentences) == 8
    assert "tableau_de_bord" in list(bags["terms"][0])
    with caplog.at_level(logging.INFO):
        assert main(_argv(project)) == 0
    assert "lemmatised 0 new documents, 2 from cache" in caplog.text


def test_main_reports_bad_input_and_writes_nothing(project, caplog):
    params = yaml.safe_load((project / "params.yaml").read_text())
    params["preprocess"]["n_proces"] = 2
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(_argv(project)) == EXIT_INPUT
    assert "preprocess.n_proces: unknown key" in caplog.text
    del params["preprocess"]["n_proces"]
    params["preprocess"]["lemmatizer"] = "stanza"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    assert main(_argv(project)) == EXIT_INPUT
    assert "preprocess.lemmatizer" in caplog.text
    assert not (project / "data/processed/sentences.parquet").exists()
    assert not list((project / "data/processed").glob(".*tmp"))
    params["preprocess"]["lemmatizer"] = "simplemma"
    (project / "params.yaml").write_text(yaml.safe_dump(params))
    (project / "data/interim/passages.parquet").unlink()
    assert main(_argv(project)) == EXIT_INPUT
    assert "passages.parquet" in caplog.text


def test_sentences_schema_is_what_the_builder_writes():
    assert pa.schema(schemas.SENTENCES).names[:3] == ["doc_id", "passage_id", "sent_id"]

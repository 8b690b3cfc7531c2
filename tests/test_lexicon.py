"""The frame lexicon: the default file loads, and every malformed entry is named in the error."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.lexicon import LexiconError, load_lexicon, parse_lexicon, split_term

ROOT = Path(__file__).resolve().parents[1]


def lexicon(**audience_frames):
    frames = audience_frames or {"citizens": {"fr": ["citoyen"], "en": ["citizen"]},
                                 "clients": {"fr": ["client"], "en": ["customer"]}}
    return {"groups": {"audience": {"kind": "opposition", "frames": frames}}}


def test_the_default_lexicon_holds_the_study_groups():
    lex = load_lexicon(ROOT / "frames.yaml")
    assert list(lex.groups) == ["audience", "framing", "domains", "performance"]
    assert [g.kind for g in lex.groups.values()] == ["opposition", "opposition", "set", "set"]
    assert list(lex.groups["audience"].frames) == ["citizens", "clients"]
    assert list(lex.groups["framing"].frames) == ["problems", "solutions"]
    domains = set(lex.groups["domains"].frames)
    assert {"mobility", "water", "waste", "bim", "public_lighting",
            "platform_hypervisor"} <= domains
    assert set(lex.groups["performance"].frames) == {"pooling", "services_transparency",
                                                     "economic_legal_innovation"}
    words = {t.words for t in lex.groups["audience"].frames["citizens"].terms["fr"]}
    assert {("citoyen",), ("habitant",), ("usager",)} <= words
    # Every term is lower-case (lemmas are), so a capitalised entry would never match.
    for frame in lex.frames():
        for terms in frame.terms.values():
            for term in terms:
                assert term.text == term.text.lower(), (frame.name, term.text)


def test_elided_articles_split_like_spacy():
    assert split_term("réseau d'eau") == ("réseau", "d'", "eau")
    assert split_term("Économie d’échelle") == ("économie", "d'", "échelle")
    assert split_term("tableau de bord") == ("tableau", "de", "bord")


def test_unknown_group_key_is_named():
    data = lexicon()
    data["groups"]["audience"]["colour"] = "red"
    with pytest.raises(LexiconError, match=r"group 'audience': unknown key\(s\) \['colour'\]"):
        parse_lexicon(data, path="my_frames.yaml")


def test_unknown_frame_key_is_named():
    data = lexicon(citizens={"fr": ["citoyen"], "de": ["Bürger"]}, clients={"fr": ["client"]})
    with pytest.raises(LexiconError, match=r"my_frames\.yaml: group 'audience', frame "
                                           r"'citizens': unknown key\(s\) \['de'\]"):
        parse_lexicon(data, path="my_frames.yaml")


def test_empty_frame_is_named():
    data = lexicon(citizens={"fr": [], "en": None, "description": "nobody"},
                   clients={"fr": ["client"]})
    with pytest.raises(LexiconError, match=r"frame 'citizens': empty frame"):
        parse_lexicon(data)


def test_a_term_in_both_opposed_frames_is_named_with_both_frames():
    data = lexicon(citizens={"fr": ["citoyen", "Usager"]},
                   clients={"fr": ["client", "usager"]})
    with pytest.raises(LexiconError, match=r"term\(s\) 'Usager' \(fr\) in both opposed frames "
                                           r"'citizens' and 'clients'"):
        parse_lexicon(data)


def test_a_multiword_term_in_both_frames_is_caught_whatever_the_apostrophe():
    data = lexicon(citizens={"fr": ["service d'eau"]}, clients={"fr": ["service d’eau"]})
    with pytest.raises(LexiconError, match=r"'service d'eau' \(fr\) in both"):
        parse_lexicon(data)


def test_the_same_word_in_two_languages_is_not_a_conflict():
    lex = parse_lexicon(lexicon(citizens={"en": ["user"]}, clients={"fr": ["user"]}))
    assert lex.groups["audience"].frames["clients"].terms["fr"][0].text == "user"


def test_an_opposition_needs_two_frames():
    data = lexicon(citizens={"fr": ["citoyen"]}, clients={"fr": ["client"]},
                   voters={"fr": ["électeur"]})
    with pytest.raises(LexiconError, match=r"group 'audience': an opposition needs exactly 2"):
        parse_lexicon(data)


def test_bad_kind_and_non_list_terms_are_named():
    data = lexicon()
    data["groups"]["audience"]["kind"] = "contrast"
    with pytest.raises(LexiconError, match=r"group 'audience': kind must be one of"):
        parse_lexicon(data)
    data = lexicon(citizens={"fr": "citoyen"}, clients={"fr": ["client"]})
    with pytest.raises(LexiconError, match=r"frame 'citizens': 'fr' must be a list"):
        parse_lexicon(data)
    data = lexicon(citizens={"fr": ["citoyen", ""]}, clients={"fr": ["client"]})
    with pytest.raises(LexiconError, match=r"frame 'citizens': 'fr' holds an empty"):
        parse_lexicon(data)


def test_file_errors_name_the_file(tmp_path):
    with pytest.raises(LexiconError, match=r"nowhere\.yaml: lexicon file not found"):
        load_lexicon(tmp_path / "nowhere.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("groups: [unclosed\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"bad\.yaml: not valid YAML"):
        load_lexicon(bad)
    top = tmp_path / "top.yaml"
    top.write_text("frames: {}\n", encoding="utf-8")
    with pytest.raises(LexiconError, match=r"top\.yaml: expected the top-level key .groups:."):
        load_lexicon(top)

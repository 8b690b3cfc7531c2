"""Passages: about N words, paragraph or sentence ends, one language, PDF page ranges."""

from __future__ import annotations

import pytest

from pipeline.extract.passages import Paragraph, count_words, cut_passages, split_sentences


def para(n_words: int, lang: str = "fr", page: int | None = None, word: str = "mot") -> Paragraph:
    sentences = []
    for start in range(0, n_words, 10):
        k = min(10, n_words - start)
        sentences.append(" ".join([word.capitalize()] + [word] * (k - 1)) + ".")
    return Paragraph(" ".join(sentences), lang, page, page)


def test_passages_are_about_the_target_length_and_end_on_paragraph_ends():
    paragraphs = [para(60) for _ in range(20)]  # 1 200 words
    passages = cut_passages(paragraphs, passage_words=250)
    sizes = [p.n_words for p in passages]
    assert sum(sizes) == 1200
    assert all(150 <= s <= 375 for s in sizes), sizes
    # Every passage is whole paragraphs.
    assert all(p.text.count("\n\n") + 1 == p.n_words // 60 for p in passages)


def test_passages_never_mix_languages():
    paragraphs = [para(80, "fr"), para(40, "en", word="word"), para(80, "fr"),
                  para(40, "en", word="word")]
    passages = cut_passages(paragraphs, passage_words=250)
    assert [(p.lang, p.n_words) for p in passages] == [("fr", 160), ("en", 80)]
    assert "mot" not in passages[1].text


def test_a_long_paragraph_is_cut_at_sentence_ends():
    passages = cut_passages([para(1000)], passage_words=250)
    assert all(p.text.endswith(".") for p in passages)
    assert sum(p.n_words for p in passages) == 1000
    assert max(p.n_words for p in passages) <= 375


def test_pdf_passages_cut_at_page_boundaries_and_record_their_pages():
    paragraphs = [para(100, page=1), para(100, page=1), para(100, page=2), para(100, page=2),
                  para(100, page=3)]
    passages = cut_passages(paragraphs, passage_words=250)
    assert [(p.page_start, p.page_end) for p in passages] == [(1, 1), (2, 2), (3, 3)]


def test_a_short_tail_joins_the_passage_before():
    passages = cut_passages([para(240), para(30)], passage_words=250)
    assert [p.n_words for p in passages] == [270]


def test_html_passages_have_no_pages():
    (passage,) = cut_passages([para(50)], passage_words=250)
    assert passage.page_start is None and passage.page_end is None


def test_bad_target_is_refused():
    with pytest.raises(ValueError, match="passage_words"):
        cut_passages([para(10)], passage_words=0)


def test_sentences_split_on_french_and_english_punctuation():
    text = ("La ville change. M. Dupont l'a dit ! Est-ce utile ? « Oui. » Le 3 mai 2019, "
            "etc. tout allait bien. Smart cities, e.g. Valbourg, grow.")
    assert split_sentences(text) == [
        "La ville change.", "M. Dupont l'a dit !", "Est-ce utile ?", "« Oui. »",
        "Le 3 mai 2019, etc. tout allait bien.", "Smart cities, e.g. Valbourg, grow.",
    ]


def test_count_words():
    assert count_words("La ville  de\ndemain") == 4


def test_count_words_counts_the_characters_of_scripts_without_spaces():
    assert count_words("新しい法律では") == 7
    assert count_words("Le 2月17日 à Paris") == 5  # "Le", 2 ideographs, "à", "Paris"
    assert count_words("Élus et habitants") == 3

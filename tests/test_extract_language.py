"""Languages of paragraphs and documents (py3langid)."""

from __future__ import annotations

from pipeline.language import detect_language, dominant_language, tag_paragraphs

FR = [
    "Nos équipes accompagnent les collectivités dans la rénovation de l'éclairage public et la "
    "gestion des réseaux d'eau, avec des engagements chiffrés.",
    "Les habitants suivent les résultats sur un portail public, commune par commune, et "
    "peuvent signaler un problème depuis leur téléphone.",
]
EN = ("In Valbourg, we replaced four thousand street lights and installed a sensor network "
      "across the whole town, so the council now controls lighting district by district.")
DE = ("In Valbourg haben wir viertausend Straßenlaternen ersetzt und ein Sensornetz in der "
      "ganzen Stadt installiert, damit der Gemeinderat die Beleuchtung steuern kann.")


def test_a_mixed_document_keeps_each_paragraph_in_its_language():
    tags = tag_paragraphs([FR[0], EN, FR[1]])
    assert tags == ["fr", "en", "fr"]


def test_another_language_is_recognised_too():
    assert tag_paragraphs([FR[0], DE, FR[1]]) == ["fr", "de", "fr"]


def test_short_paragraphs_inherit_a_neighbour():
    # A heading takes the language of what follows; a short sentence, of what precedes.
    tags = tag_paragraphs([FR[0], "Summary in English", EN, "Thank you.", FR[1]])
    assert tags == ["fr", "en", "en", "en", "fr"]


def test_the_dominant_language_is_the_one_with_most_words():
    assert dominant_language(["fr", "en", "fr"], [10, 50, 30]) == "en"
    assert dominant_language(["fr", "en"], [30, 30]) == "fr"
    assert dominant_language([], []) is None


def test_detect_language_returns_a_probability():
    lang, prob = detect_language(EN)
    assert lang == "en" and 0.9 < prob <= 1.0


def test_empty_input():
    assert tag_paragraphs([]) == []
    assert tag_paragraphs([" "]) == [None]

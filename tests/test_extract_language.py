"""Languages of paragraphs and documents (py3langid)."""

from __future__ import annotations

import pipeline.extract.language as language
from pipeline.extract.language import detect_language, dominant_language, tag_paragraphs

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


# Paragraphs written for the tests, heavy in the words Catalan shares with French ("les", "des",
# "qui") and Dutch with English ("is", "of", "we"): function words alone must not decide them.
CA = ("Les ciutats que volen reduir el consum d'energia treballen amb les empreses des de fa "
      "anys, i qui gestiona les xarxes d'aigua ha de rendir comptes als veïns de cada barri.")
NL = ("De steden die het energieverbruik willen verminderen werken al jaren met bedrijven, en "
      "wie de waternetten beheert is verantwoording schuldig aan de bewoners of we dat willen "
      "of niet.")


# Everyday sentences whose words French or English also use ("un par", "sur", "la sera", "du",
# "elles", "by"): they must not pass for French or English either.
NEIGHBOURS = {
    "es": "Hace un par de años la empresa se instaló en la zona sur de la ciudad, y desde entonces "
          "les ofrece a los vecinos un servicio de transporte que se adapta a sus horarios.",
    "pt": "Há um par de anos, a empresa instalou-se na zona norte da cidade e, desde então, "
          "oferece aos moradores um serviço de transporte que se adapta aos horários de quem "
          "trabalha.",
    "it": "La sera le strade del centro si riempiono di famiglie, e qui il comune ha deciso di "
          "tenere accese le luci della piazza fino a mezzanotte, se la stagione lo permette.",
    "ca": "Les treballadores de la planta van explicar que elles no volien canviar de torn, i la "
          "direcció de l'empresa va acceptar la proposta en la reunió de dimarts.",
    "de": "Bist du auf der Suche nach einer Wohnung? Dann nutze die App des Stadtwerks, mit der du "
          "die Angebote des Quartiers vergleichen kannst, bevor du dich entscheidest.",
    "sv": "Under de senaste åren har kommunen byggt ett par nya skolor och en simhall, och de "
          "boende kan se att satsningen på en levande stadskärna har gett resultat.",
    "da": "Vi har valgt at satse på cykelstier, fordi vores by skal være for alle, og vi vil gerne "
          "have flere grønne områder over hele kommunen.",
}


def test_neighbouring_languages_are_not_taken_for_french_or_english():
    assert tag_paragraphs([CA, CA]) == ["ca", "ca"]
    assert tag_paragraphs([NL]) == ["nl"]
    assert tag_paragraphs([FR[0], CA, FR[1]]) == ["fr", "ca", "fr"]
    for lang, text in NEIGHBOURS.items():
        assert tag_paragraphs([text, text]) == [lang, lang], lang
        assert tag_paragraphs([FR[0], text, FR[1]]) == ["fr", lang, "fr"], lang
        # Past PLAIN_CHECK_CHARS the function words are counted again over more of the text.
        long = " ".join([text] * 3)
        assert tag_paragraphs([FR[0], long, FR[1]]) == ["fr", lang, "fr"], lang


def test_a_paragraph_sparse_in_function_words_is_read_further_before_the_model(monkeypatch):
    # Its first 200 characters hold French function words that Spanish and Catalan share
    # ("de", "la", "les", "est"), and none of French's own: plain only over more of its text.
    sparse = ("58 capteurs de qualité de l'air couvrent désormais le territoire de Verlanges. "
              "La performance de nos contrats est vérifiée par un tiers indépendant. Le rapport "
              "annuel détaille les résultats de quartier en quartier, et nous publions les données "
              "brutes avec les élus, pour que chacun puisse les vérifier dans sa commune.")
    assert language._plain_language(sparse[:language.PLAIN_CHECK_CHARS].split()) is None
    calls = []
    monkeypatch.setattr(language, "detect_language", lambda text: calls.append(text) or ("es", 1))
    assert tag_paragraphs([FR[0], sparse, FR[1]]) == ["fr", "fr", "fr"]
    assert calls == []


def test_a_plainly_french_document_needs_no_language_model(monkeypatch):
    calls = []
    monkeypatch.setattr(language, "detect_language", lambda text: calls.append(text) or ("fr", 1))
    assert tag_paragraphs([FR[0], "Nos engagements", FR[1]]) == ["fr", "fr", "fr"]
    assert calls == []


def test_the_french_and_english_function_words_share_none():
    # A word counted for both would let a paragraph be plainly both (see _plain_language).
    assert not language._DISTINCTIVE["fr"] & language._DISTINCTIVE["en"]


def test_a_table_inherits_the_language_of_its_prose(monkeypatch):
    table = ("2019 2020 Variation 12,5 % 13,1 % +0,6 pt 1 234 1 456 +18 % Eau potable 45,2 "
             "47,9 +6 % 2 310 2 402 +4 %")
    calls = []
    monkeypatch.setattr(language, "detect_language", lambda text: calls.append(text) or ("lv", 1))
    assert tag_paragraphs([FR[0], table, FR[1]]) == ["fr", "fr", "fr"]
    assert calls == []


def test_prose_full_of_elisions_is_not_a_table():
    french = ("L'eau, l'énergie, l'éclairage, l'assainissement : l'offre d'Ormelune s'adresse "
              "aujourd'hui à l'ensemble des collectivités d'Europe, qu'elles soient grandes ou "
              "petites.")
    assert tag_paragraphs([EN, french, EN]) == ["en", "fr", "en"]


# --- issue 14, part 3: headings cannot decide a document; lang= is a prior ------------------

def _spaced(text: str) -> str:
    return "   ".join(" ".join(w) for w in text.upper().split())


# An English yearbook (written for the project) opening on letter-spaced headings, longer
# than its terse body lines: read from its opening, py3langid took it for Welsh or Czech.
YEARBOOK = [
    _spaced("2019 — Mutations"),
    _spaced("Yearbook of the group: cities in motion, networks and districts"),
    _spaced("Networks, sensors and services for every district"),
    _spaced("Letter from the chairman to shareholders and partners"),
    "Twelve networks, four thousand sensors, two hundred managers: one shared operations room.",
    "Three pilot districts, nine kilometres of cycle lanes, fourteen schools connected.",
    "Dashboards, open data portals, residents' panels and quarterly reviews measure each project.",
]


def test_letter_spaced_headings_cannot_decide_a_document():
    found = language.tag_document(YEARBOOK)
    assert found.lang == "en" and found.tags == ["en"] * len(YEARBOOK)
    assert found.confidence > 0.9
    # Upper-case and letter-spaced lines are recognised as such; prose is not.
    assert language._heading_like(YEARBOOK[1].split())
    assert language._heading_like(["RAPPORT", "ANNUEL", "DU", "GROUPE", "ET", "SES", "FILIALES"])
    assert not language._heading_like(FR[0].split())


def test_a_document_of_headings_only_is_undecided_not_guessed():
    found = language.tag_document(YEARBOOK[:4])
    assert (found.lang, found.confidence) == (None, None)


def test_the_sources_language_wins_over_an_unsure_guess_only(monkeypatch):
    texts = ["Smart grid Valbourg: capteurs, sensors, datacenter, hub, open data, "
             "monitoring, dashboards, API, cloud, edge."] * 2
    monkeypatch.setattr(language, "detect_language", lambda text: ("it", 0.55))
    monkeypatch.setattr(language, "_probability", lambda text, lang: 0.3)
    unsure = language.tag_document(texts, prior="en")
    assert (unsure.lang, unsure.confidence) == ("en", 0.3)
    assert language.tag_document(texts).lang == "it"
    monkeypatch.setattr(language, "detect_language", lambda text: ("de", 0.99))
    assert language.tag_document(texts, prior="en").lang == "de"

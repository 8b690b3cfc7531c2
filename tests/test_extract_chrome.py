"""Page chrome (issue 14, part 4): once-per-page publisher and navigation lines are removed."""

from __future__ import annotations

import pandas as pd
import pytest

from pipeline import io, schemas
from pipeline.errors import ParamsError
from pipeline.extract.chrome import load_chrome, spread_lines
from tests.test_extract import EN, FR, Raw, html_page, paragraphs, run_stage

RULES = load_chrome()

CHROME = [
    "Réservé aux abonnés", "Article réservé aux abonnés", "Abonnez-vous pour lire la suite",
    "Il vous reste 62 % de cet article à lire.", "This article is for subscribers only.",
    "Already a subscriber? Sign in", "Partager", "Partager sur LinkedIn", "Share this article",
    "Imprimer", "Print", "Télécharger le PDF", "Download the report (PDF, 2 MB)", "Scribd",
    "SlideShare", "Logo", "Logo Aquantis", "Lire aussi : la métropole mise sur ses capteurs",
    "À lire aussi", "Read more: five cities and their data", "See also",
    "Nous utilisons des cookies pour améliorer votre navigation.", "Tout accepter",
    "Accept all cookies", "Photo : Jeanne Martin / Studio Valbrune", "© Valbrune Média 2019",
    "Crédit photo : DR", "Photo credit: Valbrune city council", "• Partager •",
]
DISCOURSE = [
    "Les abonnés du réseau d'eau reçoivent une facture plus claire.",
    "Nos clients partagent leurs données de consommation avec la métropole.",
    "We share the data with residents and the council every month.",
    "Le logo de la ville figure désormais sur chaque borne de recharge de la métropole, "
    "pour que les habitants sachent qui la gère et qui appeler en cas de panne.",
    FR[0], EN[0],
]


@pytest.mark.parametrize("line", CHROME)
def test_the_list_catches_paywall_share_embed_see_also_consent_and_credits(line):
    assert RULES.is_chrome(line)


@pytest.mark.parametrize("line", DISCOURSE)
def test_the_list_leaves_discourse_alone(line):
    assert not RULES.is_chrome(line)


def test_a_line_shared_word_for_word_by_several_firms_is_chrome():
    docs = [("acme", ["Publié par la rédaction de Valbrune Média", "Texte d'acme."]),
            ("bolt", ["Publié par la rédaction de Valbrune Média.", "Texte de bolt."]),
            ("cora", ["publié par la rédaction de valbrune média", "Texte de cora."]),
            ("acme", ["Nos engagements pour l'eau", "Autre texte."]),
            ("bolt", ["Nos engagements pour l'eau", "Encore un texte."])]
    assert spread_lines(docs, min_firms=3) == {
        "publié par la rédaction de valbrune média"}


def test_a_broken_list_is_a_clear_error(tmp_path):
    bad = tmp_path / "chrome.yaml"
    bad.write_text("patterns:\n  paywall: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(ParamsError, match=r"paywall.*bad pattern"):
        load_chrome(bad)
    with pytest.raises(ParamsError, match="cannot read"):
        load_chrome(tmp_path / "missing.yaml")


def test_press_pages_lose_their_chrome_and_each_firm_counts_it(tmp_path):
    """Press articles about three firms, each with a paywall line, share buttons, an embed
    name and a 'lire aussi' once per page: the text keeps the article only, and the
    collection table says how many lines went per firm."""
    raw = Raw(tmp_path / "raw")
    for i, firm in enumerate(("acme", "bolt", "cora")):
        body = ("<p>Réservé aux abonnés</p><p>Partager</p>" + paragraphs(FR, 3, start=3 * i)
                + "<p>Scribd</p><p>Lire aussi : la métropole et ses capteurs</p>")
        raw.add(f"https://presse.example/{firm}", html_page(body), firm=firm, source_year=2020)
    docs, passages = run_stage(tmp_path, raw)
    assert (docs["status"] == "ok").all()
    assert not docs["text"].str.contains("abonnés|Partager|Scribd|Lire aussi").any()
    assert docs["n_chrome"].tolist() == [4, 4, 4]
    collection = io.read_table(tmp_path / "interim" / "collection.parquet", schemas.COLLECTION)
    assert collection.groupby("firm")["n_chrome"].sum().to_dict() == {"acme": 4, "bolt": 4,
                                                                      "cora": 4}
    assert not pd.Series(passages["text"]).str.contains("abonnés").any()

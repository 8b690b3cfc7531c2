"""HTML extraction: charsets, boilerplate, metadata, link lists and empty pages."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from trafilatura.utils import load_html

from pipeline.extract.html import _anchor_texts, _box_titles, decode_html, extract_html

GOLD = Path(__file__).resolve().parent / "data" / "extract" / "gold" / "pages"

BODY = ("<p>Les élus de la métropole ont choisi un réseau de chaleur alimenté par la récupération "
        "d'énergie des usines voisines, qui chauffe désormais trois mille logements.</p>"
        "<p>Grâce à ce réseau, la facture des ménages a baissé d'un cinquième et les émissions "
        "de gaz à effet de serre du quartier ont été divisées par deux en cinq ans.</p>")


def page(body: str = BODY, head: str = '<meta charset="utf-8">', lang: str = "fr") -> str:
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{head}<title>Réseau de chaleur</title>'
            f"</head><body><div id='cookie-consent'><p>Ce site utilise des cookies pour "
            f"mesurer l'audience. Accepter ou refuser les cookies.</p></div><header><nav>"
            f"<a href='/'>Accueil</a> <a href='/offres'>Nos offres</a></nav></header><main>"
            f"<article>{body}</article></main><footer><p>© 2019 Exemple SA — Mentions légales "
            f"— Politique de confidentialité</p></footer></body></html>")


def test_main_text_leaves_out_navigation_cookie_banner_and_footer():
    result = extract_html(page().encode(), min_words=20)
    text = " ".join(result.paragraphs)
    assert result.status == "ok"
    assert "réseau de chaleur alimenté" in text
    for noise in ("cookies", "Accueil", "Mentions légales", "© 2019"):
        assert noise not in text


def test_metadata_title_language_and_date():
    head = ('<meta charset="utf-8"><meta property="article:published_time" '
            'content="2018-04-12T10:00:00+02:00">')
    result = extract_html(page(head=head, lang="fr-FR").encode(), min_words=20,
                          captured_at=datetime(2019, 1, 1, tzinfo=UTC))
    assert result.title == "Réseau de chaleur"
    assert result.declared_lang == "fr"
    assert result.published == "2018-04-12"


def test_no_publication_date_after_the_capture():
    head = ('<meta charset="utf-8"><meta property="article:published_time" '
            'content="2023-04-12T10:00:00+02:00">')
    result = extract_html(page(head=head).encode(), min_words=20,
                          captured_at=datetime(2019, 6, 1, tzinfo=UTC))
    assert result.published is None or result.published <= "2019-06-01"


def test_cp1252_page_declared_as_utf8_is_read_right():
    raw = page().encode("cp1252")
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    result = extract_html(raw, min_words=20, charset="utf-8")
    text = " ".join(result.paragraphs)
    assert "élus de la métropole" in text and "Grâce" in text and "\ufffd" not in text
    assert result.charset == "cp1252"
    assert "declared utf-8" in result.note and "Windows-1252" in result.note


def test_latin1_page_declared_as_latin1_is_read_right():
    raw = page(head='<meta charset="iso-8859-1">').replace("—", "-").encode("latin-1")
    result = extract_html(raw, min_words=20)
    assert "élus de la métropole" in " ".join(result.paragraphs)
    assert result.note is None


def test_utf8_page_declared_as_latin1_is_read_as_utf8():
    raw = page(head='<meta charset="iso-8859-1">').encode("utf-8")
    result = extract_html(raw, min_words=20)
    text = " ".join(result.paragraphs)
    assert "élus" in text and "Ã©" not in text
    assert "bytes are UTF-8" in result.note


def test_a_few_stray_bytes_do_not_turn_a_utf8_page_into_mojibake():
    raw = page().encode("utf-8").replace("métropole".encode(), b"m\xe9tropole")
    text, charset, note = decode_html(raw, "utf-8")
    assert charset == "utf-8" and "élus" in text and "replaced" in note


def test_byte_order_mark_wins():
    text, charset, _ = decode_html(b"\xef\xbb\xbf<p>d\xc3\xa9j\xc3\xa0</p>", "iso-8859-1")
    assert text == "<p>déjà</p>" and charset == "utf-8"


def test_a_page_that_is_only_links_is_a_link_list():
    links = "".join(f"<li><a href='/actualites/{i}'>Actualité {i} : un nouveau quartier "
                    f"durable à Valbourg</a></li>" for i in range(20))
    result = extract_html(page(body=f"<ul>{links}</ul>").encode(), min_words=20)
    assert result.status == "link_list"
    assert "link text" in result.note


def test_an_empty_page_is_empty_with_a_reason():
    for raw in (b"", b"<html><body></body></html>", page(body="<p>Bientôt.</p>").encode()):
        result = extract_html(raw, min_words=20)
        assert result.status == "empty"
        assert result.note


def test_table_rows_become_plain_lines_without_markdown_rules():
    body = BODY + ("<table><thead><tr><th>Indicateur</th><th>2019</th></tr></thead><tbody>"
                   "<tr><td>Logements chauffés</td><td>3 000</td></tr></tbody></table>")
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "Logements chauffés; 3 000" in result.paragraphs
    assert not any(p.startswith("|") or "---" in p for p in result.paragraphs)


def test_a_title_outside_the_text_container_is_put_back_in_front():
    result = extract_html((GOLD / "lumena-mobilite.html").read_bytes(), min_words=20)
    assert result.paragraphs[0] == "Mobilité électrique : recharger sans encombrer la rue"


def test_short_link_only_blocks_are_dropped():
    result = extract_html((GOLD / "aquavia-offre-collectivites.html").read_bytes(),
                          min_words=20)
    assert "En savoir plus" not in result.paragraphs
    assert "Eau potable" in result.paragraphs


def test_a_date_in_the_text_is_searched_only_when_it_decides_the_year():
    body = ("<p class='date'><time datetime='2018-03-12'>12 mars 2018</time></p>" + BODY)
    raw = page(body=body).encode()
    when = datetime(2019, 1, 1, tzinfo=UTC)
    assert extract_html(raw, min_words=20, captured_at=when,
                        search_date_text=True).published == "2018-03-12"
    assert extract_html(raw, min_words=20, captured_at=when,
                        search_date_text=False).published is None


def test_a_link_named_once_in_the_text_and_a_heading_in_the_contents_are_kept():
    # A table of contents links to the article's headings; a source is linked once: both are
    # content. "Lire la suite", the text of two links, is navigation.
    body = ("<ul class='toc'><li><a href='#bilan'>Le bilan</a></li></ul>" + BODY +
            "<p><a href='https://observatoire.example/'>Observatoire de la chaleur</a></p>"
            "<p><a href='/a'>Lire la suite</a></p>"
            "<h2 id='bilan'>Le bilan</h2>" + BODY.replace("trois mille", "quatre mille") +
            "<p><a href='/b'>Lire la suite</a></p>")
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "Le bilan" in result.paragraphs
    # trafilatura itself drops these link-only paragraphs here; on real pages it keeps some
    nav = _anchor_texts(load_html(page(body=body))).nav
    assert "lire la suite" in nav
    assert "observatoire de la chaleur" not in nav and "le bilan" not in nav


def test_a_table_cell_that_is_one_link_is_kept_a_menu_cell_is_not():
    body = BODY + ("<table><tr><td>1 sachet</td><td><a href='/produits/sucre'>Sucre vanillé "
                   "Maison Exemple</a></td></tr><tr><td>200 g</td><td>Farine</td></tr></table>")
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "1 sachet; Sucre vanillé Maison Exemple" in result.paragraphs
    legacy = extract_html((GOLD / "lumena-historique.html").read_bytes(), min_words=20)
    assert not any("Recrutement" in p for p in legacy.paragraphs)


def test_an_h1_that_is_not_the_page_title_is_not_put_back():
    body = ("<aside><h1>Mehr zum Thema</h1></aside>" + BODY)
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "Mehr zum Thema" not in result.paragraphs


def test_a_chinese_or_japanese_article_is_not_empty():
    # No spaces between words: each character counts, so the article is not "4 words".
    text = "".join(f"<p>新しい法律では、親が子どもを育てるときに専門家が手伝います。第{i}条。</p>"
                   for i in range(4))
    result = extract_html(page(body=text, lang="ja").encode(), min_words=30)
    assert result.status == "ok"
    assert len(result.paragraphs) == 4


def test_the_title_of_a_box_of_links_is_dropped():
    related = "".join(f"<li><a href='/articles/{i}'>Un autre quartier durable numéro {i}</a></li>"
                      for i in range(4))
    body = ("<h2>Le bilan</h2>" + BODY + f"<h3>Sur le même sujet</h3><ul>{related}</ul>")
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "Sur le même sujet" not in result.paragraphs and "Le bilan" in result.paragraphs
    # trafilatura drops this one itself; on real pages it keeps some (the title, not the links)
    tree = load_html(page(body=body))
    assert _box_titles(tree, {"sur le même sujet", "le bilan"}) == {"sur le même sujet"}
def test_without_htmldates_private_steps_the_public_search_finds_the_date(monkeypatch):
    # A later htmldate that moved its private steps: the adapter says so, and find_date does
    # the work (whatever search_date_text says), finding the same dates.
    from pipeline.extract import htmldates

    head = ('<meta charset="utf-8"><meta property="article:published_time" '
            'content="2018-04-12T10:00:00+02:00">')
    body = "<p class='date'><time datetime='2018-03-12'>12 mars 2018</time></p>" + BODY
    when = datetime(2019, 1, 1, tzinfo=UTC)
    monkeypatch.setattr(htmldates, "STRUCTURED", False)
    assert htmldates.structured_date(None, url="https://acme.example/2018/05/02/") is None
    assert extract_html(page(head=head).encode(), min_words=20,
                        captured_at=when).published == "2018-04-12"
    assert extract_html(page(body=body).encode(), min_words=20, captured_at=when,
                        search_date_text=False).published == "2018-03-12"


BODY2 = ("<p>Le chantier suivant raccordera les écoles et la piscine municipale au même réseau, "
         "pour un coût que la métropole estime à douze millions d'euros sur quatre ans.</p>")


def test_a_teaser_set_in_the_text_is_dropped_a_dated_press_list_is_not():
    # "À lire aussi : <headline>" points to another article; "12 mars 2019 : <article>" is one
    # entry of a list of press coverage, which is the page's content.
    teaser = ("<p>À lire aussi : <a href='/actualites/reseau-nord'>Le réseau du quartier nord "
              "change de chaudière</a></p>")
    press = ("<p>12 mars 2019 : <a href='/presse/valbourg'>Le Journal de Valbourg visite la "
             "chaufferie</a></p>")
    result = extract_html(page(body=BODY + teaser + BODY2 + press).encode(), min_words=20)
    text = "\n".join(result.paragraphs)
    assert "À lire aussi" not in text and "quartier nord" not in text
    assert "12 mars 2019 : Le Journal de Valbourg visite la chaufferie" in result.paragraphs
    assert "douze millions" in text


def test_a_headline_linking_inside_the_site_is_dropped_a_source_elsewhere_is_kept():
    related = ("<p><a href='https://www.exemple.example/actualites/2019/piscine'>La piscine "
               "municipale chauffée par les usines du port</a></p>")
    source = ("<p><a href='https://observatoire.example/rapport-2019'>Rapport annuel de "
              "l'observatoire régional de l'énergie</a></p>")
    sentence = ("<p><a href='/actualites/bilan'>La métropole a publié son bilan complet du "
                "réseau de chaleur.</a></p>")
    raw = page(body=BODY + related + BODY2 + source + sentence).encode()
    result = extract_html(raw, min_words=20, url="https://exemple.example/reseau")
    text = "\n".join(result.paragraphs)
    assert "La piscine municipale chauffée" not in text
    assert "Rapport annuel de l'observatoire régional de l'énergie" in result.paragraphs
    # a whole sentence in a link is text that happens to be linked
    assert "La métropole a publié son bilan complet du réseau de chaleur." in result.paragraphs


def test_without_a_url_the_site_is_the_one_the_page_names():
    head = ('<meta charset="utf-8"><link rel="canonical" '
            'href="https://www.exemple.example/reseau">')
    tree = load_html(page(head=head, body=BODY + "<p><a href='https://exemple.example/a'>Un autre "
                                                 "article sur le même réseau de chaleur</a></p>"))
    links = _anchor_texts(tree)
    assert "un autre article sur le même réseau de chaleur" in links.internal


def test_a_named_anchor_is_a_place_not_a_link():
    body = ("<p><a name='chiffres'>Les chiffres</a></p>" + BODY +
            "<p><a href='/a'>Lire la suite</a></p><p><a href='/b'>Lire la suite</a></p>")
    links = _anchor_texts(load_html(page(body=body)))
    assert "les chiffres" not in links.texts and "les chiffres" not in links.nav
    assert "lire la suite" in links.nav


def test_a_heading_repeated_by_links_is_not_navigation_whatever_its_case():
    body = ("<p><a href='/bilan'>Le Bilan</a> <a href='/bilan#haut'>Le Bilan</a></p>"
            "<h2>Le Bilan</h2>" + BODY)
    assert "le bilan" not in _anchor_texts(load_html(page(body=body))).nav


def test_a_date_alone_is_dropped():
    body = BODY + "<p>14.03.2019</p>" + BODY2 + "<p>19:45</p>"
    result = extract_html(page(body=body).encode(), min_words=20)
    assert "14.03.2019" not in result.paragraphs and "19:45" not in result.paragraphs
    assert any("douze millions" in p for p in result.paragraphs)


def test_a_label_announcing_one_link_titles_a_box_a_plain_label_does_not():
    body = (BODY + "<h3>Sur le même sujet :</h3><p><a href='/actualites/piscine'>La piscine "
            "chauffée par le port</a></p><p><strong>Contact presse</strong></p><p><a "
            "href='mailto:presse@exemple.example'>presse@exemple.example</a></p>")
    tree = load_html(page(body=body))
    assert _box_titles(tree, {"sur le même sujet :", "contact presse"}) == {"sur le même sujet :"}


def test_a_fast_text_that_is_a_menu_gives_way_to_the_full_extraction(monkeypatch):
    # trafilatura's fast mode sometimes returns a long menu beside a short article; the full
    # extraction finds the article.
    import pipeline.extract.html as html

    names = [f"Quartier numéro {i} de Valbourg" for i in range(40)]
    menu = "".join(f"<li><a href='/quartiers/{i}'>{n}</a></li>" for i, n in enumerate(names))
    raw = page(body=f"<nav><ul>{menu}</ul></nav>" + BODY + BODY2).encode()
    article = "\n".join(["Les élus de la métropole ont choisi un réseau de chaleur alimenté par "
                         "la récupération d'énergie des usines voisines."] * 3)
    calls = []

    def fake(tree, url, fast):
        calls.append(fast)
        return "\n".join(names) if fast else article

    monkeypatch.setattr(html, "_extract", fake)
    result = extract_html(raw, min_words=20)
    assert calls == [True, False]
    assert result.status == "ok" and result.paragraphs[0].startswith("Les élus")


def test_the_body_word_count_leaves_scripts_and_styles_out():
    from pipeline.extract.html import _body_word_count

    tree = load_html("<html><head><style>p { color: red }</style></head><body><p>Trois mots "
                     "ici</p><script>var a = 1; var b = 2;</script><p>et deux</p></body></html>")
    assert _body_word_count(tree) == 5

"""PDF extraction: pages kept, headers and page numbers dropped, hyphens re-joined, bad files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from pipeline.extract.hyphens import Vocabulary, rejoin
from pipeline.extract.passages import cut_passages
from pipeline.extract.pdf import read_pdf

DATA = Path(__file__).resolve().parent / "data" / "extract"
GOLD = DATA / "gold" / "pdf"
BAD = DATA / "bad"


@pytest.fixture(scope="module")
def aquavia():
    return read_pdf((GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes())


def test_paragraphs_keep_their_pages(aquavia):
    assert aquavia.status == "ok" and aquavia.n_pages == 4
    pages = {p.text.split()[0]: (p.page_start, p.page_end) for p in aquavia.paragraphs}
    assert pages["Perspectives"] == (4, 4)
    assert pages["Nos"] == (3, 3)


def test_a_paragraph_running_over_a_page_break_is_joined_and_spans_both(aquavia):
    joined = [p for p in aquavia.paragraphs if p.text.startswith("Je tiens à remercier")]
    assert len(joined) == 1
    assert joined[0].page_start == 2 and joined[0].page_end == 3
    assert joined[0].text.endswith("indicateurs publics et vérifiables, publiés chaque "
                                   "trimestre.")


# Pages of (font size, line) drawn top down, under a running header and over a page number,
# so the pages only meet once those are removed.
SEAMS = [
    [(11, "La commune de Lissandre a rénové son éclairage public en deux ans, quartier"),
     (11, "par quartier, avec les habitants. Sa facture d'énergie a diminué de 54")],
    [(11, "000 euros par an depuis la fin des travaux, selon les relevés de la régie."),
     (11, "Les nouveaux candélabres sont réglés pour baisser la nuit dans les rues"),
     (11, "calmes et rester allumés près des arrêts de bus et des passages piétons.")],
    [(11, "Nous publions chaque trimestre les relevés de consommation de chaque rue"),
     (11, "et nous les présentons en réunion publique. Le réseau de chaleur arrive à")],
    [(11, "Ormelune en 2022 et alimentera les écoles et le gymnase du quartier nord."),
     (16, "Nos chiffres")],
    [(11, "2021 a été la première année complète du contrat de performance signé avec"),
     (11, "la ville, et les économies mesurées dépassent les engagements de départ.")],
]


@pytest.fixture(scope="module")
def seams():
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    for number, lines in enumerate(SEAMS, 1):
        canvas.setFont("Helvetica", 8)
        canvas.drawString(60, A4[1] - 40, "Lissandre — Rapport d'activité 2021")
        canvas.drawRightString(A4[0] - 60, 30, str(number))
        y = A4[1] - 90
        for size, line in lines:
            canvas.setFont("Helvetica", size)
            canvas.drawString(60, y, line)
            y -= 1.3 * size
        canvas.showPage()
    canvas.save()
    result = read_pdf(buffer.getvalue())
    assert result.status == "ok"
    return result.paragraphs


def test_a_sentence_cut_by_a_page_break_is_one_paragraph_over_both_pages(seams):
    first = seams[0]
    assert "a diminué de 54 000 euros par an depuis" in first.text
    assert "\n" not in first.text and "Rapport d'activité" not in first.text
    assert (first.page_start, first.page_end) == (1, 2)
    # ... and the passage made of it records both pages.
    passage = cut_passages([first], passage_words=250)[0]
    assert (passage.page_start, passage.page_end) == (1, 2)
    assert "diminué de 54 000 euros" in passage.text


def test_a_page_break_after_a_dangling_word_joins_a_capitalised_name(seams):
    joined = [p for p in seams if "arrive à Ormelune en 2022" in p.text]
    assert len(joined) == 1 and (joined[0].page_start, joined[0].page_end) == (3, 4)


def test_a_page_ending_a_sentence_or_a_heading_keeps_its_paragraphs(seams):
    starts = [(p.text.split()[0], p.page_start, p.page_end) for p in seams]
    # A complete sentence, then a capital: two paragraphs.
    assert seams[0].text.endswith("passages piétons.") and seams[0].page_end == 2
    assert ("Nous", 3, 4) in starts
    # A heading closing a page is not continued by the figure opening the next one.
    assert ("Nos", 4, 4) in starts and ("2021", 5, 5) in starts
    assert len(seams) == 4


def test_running_headers_and_page_numbers_are_removed(aquavia):
    text = "\n".join(p.text for p in aquavia.paragraphs)
    assert "Aquavia — Rapport annuel 2019" not in text
    assert "Page 2 / 4" not in text and "/ 4" not in text
    # ... but the header still dates the report (see pipeline.dating).
    assert "Aquavia — Rapport annuel 2019" in aquavia.first_page


def test_page_numbers_that_are_not_the_pdf_page_numbers_are_removed():
    result = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    paragraph_texts = [p.text for p in result.paragraphs]
    assert not {"12", "13", "14"} & set(paragraph_texts)
    assert not any("DOCUMENT D'ENREGISTREMENT" in t for t in paragraph_texts)


def test_line_end_hyphens_are_rejoined_and_real_hyphens_kept(aquavia):
    text = " ".join(p.text for p in aquavia.paragraphs)
    for word in ("continuité", "télérelève", "expérimentée", "approvisionnement"):
        assert word in text
    assert "sous-traitance" in text and "vingt-quatre" in text
    assert "\ufffe" not in text and "\x02" not in text


def test_rejoin_rule():
    vocab = Vocabulary(["La sous-traitance locale, un partenaire. Pour l’information du public."])
    assert "information" in vocab and "sous-traitance" in vocab and "soustraitance" not in vocab
    assert rejoin("dévelop", "pement", vocab) == "développement"
    assert rejoin("sous", "traitance", vocab) == "sous-traitance"
    assert rejoin("par", "tenaire", vocab) == "partenaire"
    assert rejoin("in", "formation", vocab) == "information"


def test_what_attests_a_hyphen():
    # An inflected form attests ("Sous-traitances"), whatever its case; so does a longer word
    # before the hyphen, as a search for the hyphenated form would find it.
    vocab = Vocabulary(["Les Sous-traitances du réseau.", "Le format AAAAMMJJhh-mm."])
    assert rejoin("sous", "traitance", vocab) == "sous-traitance"
    assert rejoin("MMJJhh", "mm", vocab) == "MMJJhh-mm"
    # The broken occurrence itself (hyphen, then a new line) never attests.
    assert rejoin("sous", "traitance", Vocabulary(["la sous-", "traitance"])) == "soustraitance"
    # A document that also writes the word whole gets it whole.
    both = Vocabulary(["la sous-traitance", "la soustraitance"])
    assert rejoin("sous", "traitance", both) == "soustraitance"


def _tiny_pdf(contents: list[bytes | None], to_unicode: bytes | None = None) -> bytes:
    """A PDF written by hand: a page per content stream in Helvetica (None: a page-tree entry
    that is no page at all, but a number), the font optionally with a ToUnicode map."""
    def stream(data: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)

    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica%s >>" % (
        b" /ToUnicode 4 0 R" if to_unicode else b"")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", font, stream(to_unicode or b"")]
    kids = []
    for content in contents:
        kids.append(len(objects) + 1)
        if content is None:
            objects.append(b"42")
            continue
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
                       b"/Resources << /Font << /F1 3 0 R >> >> >>" % (len(objects) + 2))
        objects.append(stream(b"BT /F1 12 Tf 72 720 Td (%s) Tj ET" % content))
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (
        b" ".join(b"%d 0 R" % kid for kid in kids), len(kids))
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    return out + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)


VALBOURG = b"La ville de Valbourg renouvelle son eclairage public en 2019."
PORTAIL = b"Les habitants suivent les resultats sur un portail public."


def test_a_page_pdfium_cannot_load_is_noted_and_the_others_kept():
    result = read_pdf(_tiny_pdf([VALBOURG, None, PORTAIL]))
    assert result.status == "ok" and result.n_pages == 3
    assert "page 2" in result.note
    assert [p.page_start for p in result.paragraphs] == [1, 3]


def test_title_from_metadata_else_from_the_largest_line():
    meta = read_pdf((GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes())
    assert meta.title == "Rapport annuel 2019"
    untitled = read_pdf((GOLD / "civitas-integrated-report-2018.pdf").read_bytes())
    assert untitled.title == "Integrated Report 2018"
    junk = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    assert junk.title == "Document d'enregistrement universel 2020"


# A paragraph set in an embedded font, as reports are: PDFium's loose box of an accented capital
# ("À", "É") covers its accent, so a line opening on one looks set larger than the others.
ACCENTED = ["La régie a rénové l'éclairage public de la commune en deux ans, quartier par",
            "quartier, et la facture d'énergie a diminué d'un tiers depuis la fin des travaux.",
            "À Lissandre, les candélabres baissent la nuit dans les rues calmes et restent",
            "allumés près des arrêts de bus, des écoles et des passages piétons du centre.",
            "État des lieux, relevés et bilans sont publiés chaque trimestre par la régie",
            "et présentés en réunion publique aux habitants de chacun des quartiers."]


def test_a_line_opening_on_an_accented_capital_does_not_break_its_paragraph():
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdfmetrics.registerFont(TTFont("TestSerif", str(fonts / "DejaVuSerif.ttf")))
    pdfmetrics.registerFont(TTFont("TestSansBold", str(fonts / "DejaVuSans-Bold.ttf")))
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    canvas.setFont("TestSansBold", 14)
    canvas.drawString(60, 760, "Éclairage public")
    y = 735
    for line in ACCENTED:
        canvas.setFont("TestSerif", 10)
        canvas.drawString(60, y, line)
        y -= 12.5
    canvas.showPage()
    canvas.save()
    result = read_pdf(buffer.getvalue())
    assert [p.text for p in result.paragraphs] == ["Éclairage public", " ".join(ACCENTED)]


# Two pages of two columns, each column a list of paragraphs (lists of lines). The first
# paragraph runs from the foot of the left column to the top of the right one mid-sentence; on
# the second page, the left column ends a sentence and the right one opens a new paragraph.
COLUMNS = [
    [[["La commune a confié à la régie l'éclairage de ses rues, de ses",
       "places et de ses parcs, avec un contrat de performance qui fixe",
       "les économies à atteindre chaque année et les pénalités dues si"]],
     [["elles ne sont pas atteintes, sur une durée de douze ans."],
      ["Les habitants sont consultés avant chaque tranche de travaux, et",
       "les relevés de consommation sont publiés rue par rue, chaque",
       "trimestre, sur le site de la commune et en mairie annexe."]]],
    [[["Nous avons remplacé mille candélabres en deux ans dans les",
       "quartiers nord, où les lampes au sodium étaient les plus vieilles."]],
     [["Les travaux du quartier sud commenceront au printemps prochain,",
       "après la consultation des habitants et des commerçants du marché."]]],
]


def test_a_paragraph_goes_on_at_the_top_of_the_next_column():
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    for number, page in enumerate(COLUMNS, 1):
        canvas.setFont("Helvetica", 8)
        canvas.drawRightString(A4[0] - 60, 30, str(number))
        for x, paragraphs in zip((60, 310), page, strict=True):
            canvas.setFont("Helvetica", 9)
            y = 760
            for lines in paragraphs:
                for line in lines:
                    canvas.drawString(x, y, line)
                    y -= 11.5
                y -= 8  # the space between two paragraphs
        canvas.showPage()
    canvas.save()
    texts = [p.text for p in read_pdf(buffer.getvalue()).paragraphs]
    paragraphs = [" ".join(lines) for page in COLUMNS for column in page for lines in column]
    assert texts == [f"{paragraphs[0]} {paragraphs[1]}", *paragraphs[2:]]


# Justified text: every line of a paragraph but its last is set to the column's full width,
# however many characters it holds. The third line closes a sentence in fewer characters than
# the page's longest lines, yet is full; the fifth is a paragraph's ragged last line, and the
# next paragraph follows at the usual line step, neither spaced nor indented.
JUSTIFIED = [["Les habitants de la commune ont été consultés sur le tracé de la",
              "nouvelle ligne, et leurs remarques ont été prises en compte pour",
              "l'aménagement des carrefours intercommunaux.",
              "Les travaux commenceront au printemps, dans le quartier de la gare",
              "et sur le boulevard, pour dix-huit mois."],
             ["La régie publiera chaque mois l'avancement du chantier sur son site",
              "internet et dans le bulletin municipal distribué à tous les foyers."]]


def test_a_full_justified_line_closing_a_sentence_does_not_end_its_paragraph():
    from reportlab.pdfbase.pdfmetrics import stringWidth

    width = max(stringWidth(line, "Helvetica", 10) for lines in JUSTIFIED for line in lines)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    y = 760
    for lines in JUSTIFIED:
        for i, line in enumerate(lines):
            text = canvas.beginText(60, y)
            text.setFont("Helvetica", 10)
            if i < len(lines) - 1:  # justified, but for the last line
                words = line.split()
                natural = sum(stringWidth(w, "Helvetica", 10) for w in words)
                text.setWordSpace((width - natural) / (len(words) - 1)
                                  - stringWidth(" ", "Helvetica", 10))
            text.textLine(line)
            canvas.drawText(text)
            y -= 12.5
    canvas.showPage()
    canvas.save()
    assert len(JUSTIFIED[0][2]) < 0.8 * max(len(line) for line in JUSTIFIED[0])
    texts = [p.text for p in read_pdf(buffer.getvalue()).paragraphs]
    assert texts == [" ".join(lines) for lines in JUSTIFIED]


def test_a_closing_sign_opening_a_page_goes_on_from_the_page_before():
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=1)
    for line in ("Le recyclage du verre et du papier progresse de 43",
                 "% grâce aux nouvelles consignes de tri affichées dans les immeubles."):
        canvas.setFont("Helvetica", 10)
        canvas.drawString(60, 760, line)
        canvas.showPage()
    canvas.save()
    texts = [p.text for p in read_pdf(buffer.getvalue()).paragraphs]
    assert texts == ["Le recyclage du verre et du papier progresse de 43 % grâce aux nouvelles "
                     "consignes de tri affichées dans les immeubles."]


def test_list_items_are_paragraphs_of_their_own():
    result = read_pdf((GOLD / "lumena-document-enregistrement-universel-2020.pdf").read_bytes())
    items = [p.text for p in result.paragraphs if p.text.startswith("•")]
    assert len(items) == 3


def test_corrupt_pdf():
    result = read_pdf((BAD / "corrupt.pdf").read_bytes())
    assert result.status == "corrupt" and "PDFium" in result.note


def test_truncated_pdf_never_raises():
    data = (GOLD / "aquavia-rapport-annuel-2019.pdf").read_bytes()
    for cut in (10, len(data) // 3, len(data) // 2):
        assert read_pdf(data[:cut]).status in ("ok", "corrupt", "empty")


def test_encrypted_pdf_needs_its_password():
    result = read_pdf((BAD / "encrypted.pdf").read_bytes())
    assert result.status == "encrypted" and "password" in result.note


def test_pdf_with_an_owner_password_only_is_read():
    result = read_pdf((BAD / "owner-only.pdf").read_bytes())
    assert result.status == "ok" and any("continuité" in p.text for p in result.paragraphs)


def test_scanned_pdf_has_no_text_layer_and_is_not_called_empty():
    result = read_pdf((BAD / "scanned.pdf").read_bytes())
    assert result.status == "no_text_layer"
    assert result.n_pages == 2 and "OCR" in result.note


def test_blank_pdf_and_empty_file_are_empty():
    assert read_pdf((BAD / "blank.pdf").read_bytes()).status == "empty"
    assert read_pdf(b"").status == "empty"


def test_a_page_of_spaces_holds_no_text():
    result = read_pdf(_tiny_pdf([b"     ", PORTAIL]))
    assert result.status == "ok" and [p.page_start for p in result.paragraphs] == [2]
    assert read_pdf(_tiny_pdf([b"     "])).status == "empty"


def test_characters_pdfium_leaves_out_at_either_end_are_left_out():
    # "A" maps to U+FFFE, which PDFium leaves out of the text: the page reads "B B". Asking for
    # the whole range would make PDFium write past the end of the buffer (PDFium bug 2079).
    cmap = (b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
            b"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
            b"/CMapName /Adobe-Identity-UCS def /CMapType 2 def\n"
            b"1 begincodespacerange <00> <FF> endcodespacerange\n"
            b"2 beginbfchar <41> <FFFE> <42> <0042>\nendbfchar\n"
            b"endcmap CMapName currentdict /CMap defineresource pop end end")
    result = read_pdf(_tiny_pdf([b"AAB BAA"], to_unicode=cmap))
    assert [p.text for p in result.paragraphs] == ["B B"]

"""Long annual reports for the demo: registration documents of 150+ pages in the real layout.

writes one PDF per firm and report year (demo/site/live/<firm>/publications/...) and returns its
`long_reports` entry of demo/truth.json: the sections as planted (title, level, page range,
family, whether it speaks of the city, its themes).

A French listed group's registration document (*document de référence* before 2019, *document
d'enregistrement universel* since) has a cover, a printed table of contents, PDF bookmarks,
chapters on strategy, business lines, the non-financial statement, governance, risks and the
financial statements (pages of figures), all in two justified columns under running headers.
Only a few sections speak of the city: those are planted here with the firm's own themed text
(written by generate.py like any other document of the firm-year, so the planted shares hold),
the rest is corporate prose from `longreport_pools` that never names a city, a territory or a
citizen. Two hard cases per report: a city section with a neutral title, and a risk section
that names local authorities once.

generate.py calls `write_long_report`; nothing here imports it, so the layout can be read and
tested on its own.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

try:
    from demo.longreport_pools import AUTHORITY_RISK, DIRECTORS, FIGURES, NOTES, PROSE, STATEMENTS
except ImportError:  # generate.py run as a script: demo/ itself is on sys.path
    from longreport_pools import AUTHORITY_RISK, DIRECTORS, FIGURES, NOTES, PROSE, STATEMENTS

YEARS = (2018, 2020)
# Citavia's reports have no outline: sections come from headings or the printed contents.
NO_BOOKMARKS = frozenset({"citavia"})
# words of city text per report (dealt over the city sections), like one more document
CITY_WORDS = 3000
# paragraphs of the plan's prose sections are multiplied by this (sets the page count)
PROSE_SCALE = 2.4

PAGE_W, PAGE_H = 595.27, 841.89
LEFT, RIGHT = 50.0, 545.27
TOP, BOTTOM = 772.0, 66.0
GUTTER = 18.0
COL_W = (RIGHT - LEFT - GUTTER) / 2
FULL_W = RIGHT - LEFT
BODY, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING = 10.0, 13.5
# headings stand out by size, as in the printed documents (chapter titles on their divider
# pages, section titles in the columns)
H1_SIZE, H2_SIZE = 24.0, 13.0
ROW = 13.0  # height of a table row

Wrap = Callable[[str, float, str, float], list[str]]


def url_path(firm: str, year: int, lang: str) -> str:
    if lang == "en":
        kind = "registration-document" if year < 2019 else "universal-registration-document"
    else:
        kind = "document-de-reference" if year < 2019 else "document-enregistrement-universel"
    return f"/{firm}/publications/{kind}-{year}.pdf"


def doc_title(year: int, lang: str) -> str:
    if lang == "en":
        return ("Registration document" if year < 2019 else "Universal registration document") \
            + f" {year}"
    return ("Document de référence" if year < 2019 else "Document d'enregistrement universel") \
        + f" {year}"


# --- the plan: chapters and sections ---------------------------------------------------------
# (family, title fr, title en, [(kind, title fr, title en, size)]) where kind is prose, city,
# city-neutral, authority-risk, board, statements, notes; size is paragraphs (or notes).

CHAPTERS = [
    ("strategy", "Présentation du groupe", "Presentation of the group", [
        ("prose", "Message du président", "Message from the chairman", 5),
        ("prose", "Chiffres clés", "Key figures", 4),
        ("prose", "Modèle d'affaires", "How the group creates value", 6),
        ("prose", "Stratégie et priorités", "Strategy and priorities", 7),
        ("city", "La ville au cœur de notre stratégie", "Cities at the heart of our strategy", 0),
        ("prose", "Historique", "History", 5),
    ]),
    ("business", "Activités du groupe", "The group's businesses", [
        ("prose", "Organisation des activités", "Organisation of the businesses", 7),
        ("city", "Nos réalisations dans les territoires", "Our work across cities and regions", 0),
        ("prose", "Marchés et concurrence", "Markets and competition", 8),
        ("city-neutral", "Faits marquants de l'exercice", "Highlights of the year", 0),
        ("prose", "Investissements", "Investments", 6),
        ("prose", "Implantations et moyens", "Locations and resources", 6),
    ]),
    ("csr", "Déclaration extra-financière (DPEF)", "Non-financial statement", [
        ("prose", "Démarche de responsabilité", "Our responsibility approach", 6),
        ("prose", "Ressources humaines", "Human resources", 9),
        ("prose", "Santé au travail", "Health at work", 7),
        ("prose", "Éthique des affaires", "Business ethics", 7),
        ("city", "Engagement auprès des collectivités locales",
         "Partnerships with local authorities", 0),
        ("prose", "Achats responsables", "Responsible purchasing", 6),
        ("prose", "Note méthodologique", "Reporting methodology", 6),
        ("figures", "Chiffres sociaux et environnementaux", "Social and environmental figures", 0),
    ]),
    ("governance", "Gouvernement d'entreprise", "Board and executive management", [
        ("board", "Composition du conseil d'administration", "Membership of the board", 4),
        ("prose", "Fonctionnement du conseil", "Workings of the board", 9),
        ("prose", "Comités du conseil", "Committees of the board", 9),
        ("prose", "Direction générale", "Executive management", 6),
        ("prose", "Rémunération des mandataires sociaux", "Remuneration of corporate officers", 10),
        ("prose", "Conventions réglementées", "Related-party agreements", 5),
        ("figures", "Tableaux de rémunération", "Remuneration tables", 0),
    ]),
    ("risks", "Facteurs de risques et contrôle interne", "Risk factors and internal control", [
        ("prose", "Risques stratégiques", "Strategic risks", 6),
        ("authority-risk", "Risques opérationnels", "Operational risks", 6),
        ("prose", "Risques financiers", "Financial risks", 7),
        ("prose", "Risques juridiques", "Legal risks", 6),
        ("prose", "Contrôle interne", "Internal control", 8),
        ("prose", "Assurances", "Insurance", 4),
    ]),
    ("financial", "États financiers", "Financial statements", [
        ("statements", "Comptes consolidés", "Consolidated financial statements", 0),
        ("notes", "Notes annexes aux comptes consolidés", "Notes to the consolidated accounts", 2),
        ("prose", "Rapport des commissaires aux comptes", "Statutory auditors' report", 8),
        ("statements", "Comptes sociaux", "Parent company accounts", 0),
        ("notes", "Notes annexes aux comptes sociaux", "Notes to the parent company accounts", 0),
        ("five-years", "Résultats des cinq derniers exercices", "Five-year financial summary", 0),
    ]),
    ("other", "Informations sur la société et son capital", "The company and its share capital", [
        ("prose", "Renseignements généraux", "General information", 5),
        ("prose", "Capital social", "Share capital", 6),
        ("prose", "Actionnariat", "Shareholders", 5),
        ("prose", "Responsable du document", "Person responsible for the document", 2),
    ]),
]
CITY_KINDS = ("city", "city-neutral")
DIVISIONS = {"fr": ["Ingénierie", "Exploitation", "Conseil", "Services partagés", "Holding"],
             "en": ["Engineering", "Operations", "Consulting", "Shared services", "Holding"]}
COMPANY_FORMS = [("SAS", "FR"), ("GmbH", "DE"), ("SL", "ES"), ("Srl", "IT"), ("BV", "NL"),
                 ("Ltd", "GB"), ("SA", "BE"), ("Sp. z o.o.", "PL"), ("AB", "SE"), ("Inc.", "US")]
COMPANY_WORDS = {"fr": ["Ingénierie", "Études", "Holding", "Finance", "Conseil", "Exploitation",
                        "Développement", "Technique", "Gestion", "Assistance", "Europe",
                        "International", "Projets", "Réseaux", "Industrie"],
                 "en": ["Engineering", "Studies", "Holding", "Finance", "Consulting",
                        "Operations", "Development", "Technical", "Management", "Assistance",
                        "Europe", "International", "Projects", "Networks", "Industry"]}


@dataclass
class Section:
    title: str  # as printed, numbered: "2.4 Faits marquants de l'exercice"
    level: int
    family: str
    relevant: bool
    themes: list[str] = field(default_factory=list)
    first_page: int = 0
    last_page: int = 0


@dataclass
class Op:
    """One thing drawn on a page."""

    kind: str  # text | rule
    x: float
    y: float
    text: str = ""
    font: str = BODY
    size: float = SIZE
    word_space: float = 0.0
    align: str = "left"  # left | right
    x2: float = 0.0  # rule end


class Layout:
    """Flows lines into two columns (or one full-width column) page after page."""

    def __init__(self) -> None:
        self.pages: list[list[Op]] = []
        self.chapter_of_page: list[str] = []
        self.marks: list[list[tuple[int, str, float]]] = []  # per page: (level, title, y)
        self.columns = 2
        self.col = 0
        self.y = TOP
        self.top = TOP
        self.chapter = ""

    @property
    def page(self) -> int:
        return len(self.pages)  # 1-based number of the current body page

    @property
    def x(self) -> float:
        return LEFT + self.col * (COL_W + GUTTER)

    @property
    def width(self) -> float:
        return COL_W if self.columns == 2 else FULL_W

    def new_page(self, top: float = TOP) -> None:
        self.pages.append([])
        self.chapter_of_page.append(self.chapter)
        self.marks.append([])
        self.col = 0
        self.y = self.top = top

    def need(self, height: float) -> None:
        """Move to the next column or page unless `height` points fit."""
        if self.pages and self.y - height >= BOTTOM:
            return
        if self.pages and self.columns == 2 and self.col == 0:
            self.col = 1
            self.y = self.top
            return
        self.new_page()

    def line(self, text: str, font: str = BODY, size: float = SIZE, word_space: float = 0.0,
             leading: float = LEADING) -> None:
        self.need(leading)
        self.y -= leading
        self.pages[-1].append(Op("text", self.x, self.y, text, font, size, word_space))

    def gap(self, height: float) -> None:
        if self.y < self.top:  # no gap at the top of a column
            self.y -= height

    def mark(self, level: int, title: str) -> None:
        self.marks[-1].append((level, title, self.y + 14))


def _justify(lines: list[str], width: float, font: str, size: float) -> list[tuple[str, float]]:
    from reportlab.pdfbase.pdfmetrics import stringWidth

    out = []
    for i, line in enumerate(lines):
        spaces = line.count(" ")
        if i == len(lines) - 1 or not spaces:
            out.append((line, 0.0))
            continue
        out.append((line, (width - stringWidth(line, font, size)) / spaces))
    return out


def _plain_wrap(text: str, width: float, font: str, size: float) -> list[str]:
    """Greedy breaking without hyphens (headings keep their words whole)."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    lines: list[str] = []
    for word in text.split():
        if lines and stringWidth(f"{lines[-1]} {word}", font, size) <= width:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines


def _sentence(rng: random.Random, family: str, lang: str) -> str:
    parts = PROSE[family][lang]
    verb = rng.choice(parts["V"])
    obj = rng.choice(parts["O"])
    glue = "" if verb.endswith("'") else " "
    if verb.endswith("'") and obj[0].lower() not in "aeiouéh":  # "fait l'objet d'" + consonant
        verb = verb[:-1] + "e"
        glue = " "
    text = f"{rng.choice(parts['S'])} {verb}{glue}{obj} {rng.choice(parts['T'])}."
    return text.format(n=rng.randint(3, 90), pct=rng.randint(2, 19))


def prose_paragraph(rng: random.Random, family: str, lang: str) -> str:
    return " ".join(_sentence(rng, family, lang) for _ in range(rng.randint(5, 9)))


def _number(rng: random.Random, lang: str, scale: int = 4000) -> str:
    value = rng.randint(-scale // 10, scale) + rng.random()
    text = f"{abs(value):,.1f}"
    if lang == "fr":
        text = text.replace(",", " ").replace(".", ",")
    return f"({text})" if value < 0 else text


class Writer:
    """Lays out one report: chapters, sections, prose, tables; records the sections."""

    def __init__(self, firm: str, name: str, year: int, lang: str, rng: random.Random,
                 wrap: Wrap, city: list[list[tuple[str, str]]]):
        self.firm, self.name, self.year, self.lang = firm, name, year, lang
        self.rng = rng
        self.wrap = wrap
        self.city = city  # per city section: its paragraphs as (text, theme)
        self.layout = Layout()
        self.sections: list[Section] = []
        self.city_titles: list[tuple[str, list[int]]] = []
        self.texts: list[tuple[str, str]] = []  # (family, text) of non-city prose, for checks
        self._city_next = 0
        self._paragraph_no = 0

    # -- building blocks
    def paragraph(self, text: str) -> None:
        lay = self.layout
        lines = self.wrap(text, lay.width, BODY, SIZE)
        for line, ws in _justify(lines, lay.width, BODY, SIZE):
            lay.line(line, word_space=ws)
        lay.gap(5)
        self._touch()

    def heading2(self, section: Section) -> None:
        lay = self.layout
        lay.gap(8)
        lay.need(LEADING * 5)  # keep the heading with its first lines
        for k, line in enumerate(_plain_wrap(section.title, lay.width, BOLD, H2_SIZE)):
            lay.line(line, BOLD, H2_SIZE, leading=17 if k == 0 else 15)
            if k == 0:
                lay.mark(2, section.title)
        lay.gap(3)
        section.first_page = lay.page
        self.sections.append(section)
        self._touch()

    def table(self, title: str, rows: list[str], header: list[str]) -> None:
        """A table of figures: labels on the left, one right-aligned column per year."""
        lay = self.layout
        n_cols = len(header)
        num_w = 58.0 if lay.columns == 1 else 44.0
        lay.need(LEADING * 4)
        lay.line(title, BOLD, 9.5, leading=14)
        cells = [header] + [[_number(self.rng, self.lang) for _ in range(n_cols)] for _ in rows]
        labels = [("(en millions d'euros)" if self.lang == "fr" else "(in millions of euros)")]
        labels += rows
        for i, (label, values) in enumerate(zip(labels, cells, strict=True)):
            lay.need(ROW)
            lay.y -= ROW
            font = BOLD if i == 0 or label.startswith(("Total", "Résultat net", "Net income")) \
                else BODY
            lay.pages[-1].append(Op("text", lay.x, lay.y, label, font, 8))
            for j, value in enumerate(values):
                right = lay.x + lay.width - (n_cols - 1 - j) * num_w
                lay.pages[-1].append(Op("text", right, lay.y, value, font, 8, align="right"))
        lay.pages[-1].append(Op("rule", lay.x, lay.y - 4, x2=lay.x + lay.width))
        lay.gap(10)
        self._touch()

    def _touch(self) -> None:
        """The current page belongs to the open chapter and section."""
        for s in self.sections[-1:]:
            s.last_page = self.layout.page
        for s in reversed(self.sections):
            if s.level == 1:
                s.last_page = self.layout.page
                break

    # -- the document
    def body(self) -> None:
        lay = self.layout
        years = [str(self.year), str(self.year - 1)]
        for c_no, (family, title_fr, title_en, parts) in enumerate(CHAPTERS, start=1):
            title = f"{c_no} {title_fr if self.lang == 'fr' else title_en}"
            lay.chapter = title
            lay.columns = 2
            # a divider page opens each chapter, as in the printed documents
            lay.new_page()
            lay.pages[-1].append(Op("text", LEFT, 470, title, BOLD, H1_SIZE))
            lay.pages[-1].append(Op("rule", LEFT, 455, x2=RIGHT))
            lay.marks[-1].append((1, title, PAGE_H))
            chapter = Section(title, 1, family, False, first_page=lay.page, last_page=lay.page)
            self.sections.append(chapter)
            lay.new_page()
            intro = prose_paragraph(self.rng, family, self.lang)
            self.texts.append((family, intro))
            self.paragraph(intro)
            for s_no, (kind, s_fr, s_en, size) in enumerate(parts, start=1):
                s_title = f"{c_no}.{s_no} {s_fr if self.lang == 'fr' else s_en}"
                if kind in ("statements", "notes", "five-years"):
                    lay.columns = 1
                    lay.new_page()
                section = Section(s_title, 2, family, kind in CITY_KINDS)
                self.heading2(section)
                if kind in CITY_KINDS:
                    self._city(section)
                elif kind == "statements":
                    for k, key in enumerate(("income", "assets", "liabilities", "cash", "equity")):
                        if k:
                            lay.new_page()  # one statement a page
                        st_title, rows = STATEMENTS[self.lang][key]
                        self.table(st_title, rows, years)
                elif kind == "notes":
                    self._notes(years)
                elif kind == "figures":
                    self._figures(family)
                elif kind == "five-years":
                    st_title, rows = STATEMENTS[self.lang]["income"]
                    self.table(s_title.split(" ", 1)[1], rows[:12],
                               [str(self.year - k) for k in range(5)])
                elif kind == "board":
                    self._board()
                    self._prose(family, size)
                else:
                    self._prose(family, size, authority=kind == "authority-risk")
                if kind in ("statements", "notes", "five-years"):
                    lay.columns = 2
                    lay.new_page()

    def _prose(self, family: str, n: int, authority: bool = False) -> None:
        n = round(n * PROSE_SCALE)
        at = self.rng.randrange(n) if authority else -1
        for i in range(n):
            text = prose_paragraph(self.rng, family, self.lang)
            self.texts.append((family, text))
            if i == at:
                text = f"{text} {AUTHORITY_RISK[self.lang]}"
            self.paragraph(text)

    def _city(self, section: Section) -> None:
        paragraphs = self.city[self._city_next]
        first = self._paragraph_no
        self._city_next += 1
        for text, _theme in paragraphs:
            self.paragraph(text)
        self._paragraph_no += len(paragraphs)
        section.themes = sorted({theme for _, theme in paragraphs if theme})
        self.city_titles.append((section.title, list(range(first, self._paragraph_no))))

    def _figures(self, family: str) -> None:
        """Pages of small tables: headcount and environment figures, or remuneration."""
        for title, rows in FIGURES[family][self.lang]:
            self.table(title, rows, [str(self.year), str(self.year - 1)])
            for division in DIVISIONS[self.lang]:
                self.table(f"{title} — {division}", rows, [str(self.year), str(self.year - 1)])

    def _board(self) -> None:
        lay = self.layout
        names = self.rng.sample(DIRECTORS, 10)
        head = ("Administrateur", "Âge", "Depuis") if self.lang == "fr" else \
            ("Director", "Age", "Since")
        lay.need(LEADING * 3)
        lay.line("   ".join(head), BOLD, 8.5)
        for person in names:
            lay.line(f"{person}   {self.rng.randint(41, 72)}   {self.rng.randint(2004, self.year)}",
                     BODY, 8.5, leading=11.5)
        lay.gap(8)
        self._touch()

    def _notes(self, years: list[str]) -> None:
        for number, (title, rows) in enumerate(NOTES[self.lang], start=1):
            self.layout.gap(4)
            self.layout.need(LEADING * 6)
            self.layout.line(f"Note {number} — {title}", BOLD, 10, leading=15)
            for _ in range(self.rng.randint(1, 3)):
                text = prose_paragraph(self.rng, "financial", self.lang)
                self.texts.append(("financial", text))
                self.paragraph(text)
            if rows:
                # the group's figures, then a breakdown by division, as in a real annex
                self.table(title, rows, years)
                for division in DIVISIONS[self.lang]:
                    self.table(f"{title} — {division}", rows, years)
        self._companies()

    def _companies(self) -> None:
        """The last note: the list of consolidated companies (pages of names and figures)."""
        lay = self.layout
        title = ("Liste des sociétés consolidées" if self.lang == "fr"
                 else "List of consolidated companies")
        lay.need(LEADING * 6)
        lay.line(f"Note {len(NOTES[self.lang]) + 1} — {title}", BOLD, 10, leading=15)
        head = ("Société", "Pays", "% d'intérêt", "Méthode") if self.lang == "fr" else \
            ("Company", "Country", "% interest", "Method")
        rows = [head]
        words = COMPANY_WORDS[self.lang]
        for i in range(300):
            suffix, country = COMPANY_FORMS[i % len(COMPANY_FORMS)]
            rows.append((f"{self.name} {words[i // len(COMPANY_FORMS) % len(words)]}"
                         f" {suffix}", country, str(self.rng.choice((100, 100, 100, 51, 49, 35))),
                         "IG" if self.lang == "fr" else "FC"))
        for i, row in enumerate(rows):
            lay.need(11.5)
            lay.y -= 11.5
            font = BOLD if i == 0 else BODY
            for x, cell in zip((0, 230, 350, 430), row, strict=True):
                lay.pages[-1].append(Op("text", lay.x + x, lay.y, cell, font, 8))
        self._touch()


def _draw(c, op: Op) -> None:
    if op.kind == "rule":
        c.setLineWidth(0.5)
        c.line(op.x, op.y, op.x2, op.y)
        return
    if op.align == "right":
        c.setFont(op.font, op.size)
        c.drawRightString(op.x, op.y, op.text)
        return
    t = c.beginText(op.x, op.y)
    t.setFont(op.font, op.size)
    t.setWordSpace(op.word_space)  # text state outlives BT/ET: reset it on every line
    t.textOut(op.text)
    c.drawText(t)


def write_long_report(path: Path, *, firm: str, name: str, year: int, lang: str, seed: int,
                      wrap: Wrap, city: list[list[tuple[str, str]]]) -> dict:
    """Write one registration document; return its truth entry (and the city layout).

    `city` holds the paragraphs of each city section, as (text, theme), in the order of the
    plan's city sections; `wrap(text, width, font, size)` breaks a paragraph into lines.
    The entry's `city_titles` (title, paragraph numbers) lets the caller count the printed city
    text; the caller removes it before writing truth.json.
    """
    from reportlab.pdfgen import canvas

    n_city = sum(kind in CITY_KINDS for _, _, _, parts in CHAPTERS for kind, *_ in parts)
    if len(city) != n_city:
        raise ValueError(f"{firm} {year}: {len(city)} city sections given, the plan has {n_city}")
    rng = random.Random(f"{seed}-long-{firm}-{year}")
    writer = Writer(firm, name, year, lang, rng, wrap, city)
    writer.body()
    body = writer.layout
    toc_entries = [s for s in writer.sections]
    per_toc_page = 46
    n_toc = -(-len(toc_entries) // per_toc_page)
    front = 1 + n_toc
    for s in writer.sections:
        s.first_page += front
        s.last_page += front
    total = front + len(body.pages)
    title = doc_title(year, lang)
    running = f"{name} — {title}"

    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1, pageCompression=1)
    c.setTitle(title)
    c.setAuthor(name)
    c.setSubject(title)
    # cover
    c.setFont(BOLD, 30)
    c.drawString(LEFT, 560, name)
    c.setFont(BOLD, 22)
    c.drawString(LEFT, 520, title)
    c.setFont(BODY, 12)
    subtitle = ("incluant le rapport financier annuel" if lang == "fr"
                else "including the annual financial report")
    c.drawString(LEFT, 496, subtitle)
    closing = (f"Exercice clos le 31 décembre {year}" if lang == "fr"
               else f"Financial year ended 31 December {year}")
    c.drawString(LEFT, 478, closing)
    c.showPage()
    # printed table of contents
    contents = "Sommaire" if lang == "fr" else "Contents"
    for t_page in range(n_toc):
        number = 2 + t_page
        _running(c, running, contents, number, lang)
        y = TOP - 26
        if t_page == 0:
            c.setFont(BOLD, 17)
            c.drawString(LEFT, y, contents)
        y -= 30
        for s in toc_entries[t_page * per_toc_page:(t_page + 1) * per_toc_page]:
            font, indent = (BOLD, 0) if s.level == 1 else (BODY, 18)
            if s.level == 1:
                y -= 5
            c.setFont(font, 9.5)
            c.drawString(LEFT + indent, y, s.title)
            c.drawRightString(RIGHT, y, str(s.first_page))
            y -= 14
        c.showPage()
    # body
    bookmarks = firm not in NO_BOOKMARKS
    for i, ops in enumerate(body.pages):
        number = front + 1 + i
        _running(c, running, body.chapter_of_page[i], number, lang)
        for op in ops:
            _draw(c, op)
        if bookmarks:
            for k, (level, mark_title, y) in enumerate(body.marks[i]):
                key = f"p{number}-{k}"
                c.bookmarkPage(key, fit="XYZ", top=y, left=LEFT)
                c.addOutlineEntry(mark_title, key, level=level - 1)
        c.showPage()
    c.save()
    return {
        "firm": firm, "year": year, "lang": lang, "url_path": None, "title": title,
        "pages": total, "bookmarks": bookmarks,
        "sections": [{"title": s.title, "level": s.level, "first_page": s.first_page,
                      "last_page": s.last_page, "family": s.family, "relevant": s.relevant,
                      "themes": s.themes} for s in writer.sections],
        "city_titles": writer.city_titles,
        "prose": writer.texts,
    }


def _running(c, running: str, chapter: str, number: int, lang: str) -> None:
    """Running header (document, chapter) and footer (page number) of every page but the cover."""
    c.setFont(BODY, 7.5)
    c.drawString(LEFT, PAGE_H - 40, running)
    c.drawRightString(RIGHT, PAGE_H - 40, chapter)
    c.setLineWidth(0.4)
    c.line(LEFT, PAGE_H - 46, RIGHT, PAGE_H - 46)
    c.line(LEFT, 50, RIGHT, 50)
    c.setFont(BODY, 8)
    if number % 2:
        c.drawRightString(RIGHT, 36, str(number))
    else:
        c.drawString(LEFT, 36, str(number))


# Words that make a passage about the city (a superset of what a relevance lexicon would hold):
# the non-city prose must have none, or relevance would not be decidable.
CITY_WORDS_RE = re.compile(
    r"(?<!\w)(?:villes?|urbaine?s?|territoires?|territoriale?s?|territoriaux|collectivités?|"
    r"citoyens?|citoyennes?|habitants?|communes?|municipal\w*|métropoles?|métropolitain\w*|"
    r"quartiers?|cit(?:y|ies)|urban|territor\w*|local authorit\w*|citizens?|towns?|"
    r"residents?|neighbourhoods?|municipalit\w*)(?!\w)")


def subject_pattern(terms: list[str]) -> re.Pattern:
    """The study's subject terms (frames.yaml `relevance:`) as written, plurals included;
    CITY_WORDS_RE when there are none."""
    def form(term: str) -> str:
        stem = re.escape(term.lower()).replace(r"\ ", r"\s+")
        if term.endswith("y"):  # city → cities
            return stem[:-1] + r"(?:y|ies)"
        return stem + r"(?:s|x|e|es|aux)?"

    if not terms:
        return CITY_WORDS_RE
    alternatives = sorted((form(t) for t in terms), key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)")


def check_prose(entries: list[dict], found: Callable[[str], list[str]],
                forbidden: list[str], subject: list[str]) -> None:
    """Stop if a non-city text of a long report names the city or holds a lexicon term.

    `found(text)` lists the frames.yaml matches of a text as "group/frame: term"; the risk
    chapter may say `risque` / `risk` (framing/problems). `forbidden`: every firm's
    distinctive terms and brands, which only that firm's planted text may use. `subject`: the
    `relevance:` terms of frames.yaml, checked with CITY_WORDS_RE.
    """
    subject_re = subject_pattern(subject)
    texts: list[tuple[str, str]] = []
    for entry in entries:
        # each sentence once: the same parts come back in many paragraphs
        texts += sorted({(family, re.sub(r"\d+", "0", sentence))
                         for family, text in entry["prose"]
                         for sentence in re.split(r"(?<=\.) ", text)})
        texts += [(s["family"], s["title"]) for s in entry["sections"] if not s["relevant"]]
    for lang in ("fr", "en"):
        texts += [("financial", label) for title, rows in STATEMENTS[lang].values()
                  for label in (title, *rows)]
        texts += [("financial", label) for title, rows in NOTES[lang] for label in (title, *rows)]
        texts.append(("other", doc_title(2018, lang) + " " + doc_title(2020, lang)))
        texts += [("financial", w) for w in COMPANY_WORDS[lang] + DIVISIONS[lang]]
        texts += [(family, label) for family, by_lang in FIGURES.items()
                  for title, rows in by_lang[lang] for label in (title, *rows)]
    words = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in forbidden) + r")s?(?!\w)")
    problems = set()
    for family, text in texts:
        low = text.lower().replace("’", "'")
        hits = [h for h in found(text)
                if not (family == "risks" and h.startswith("framing/problems"))]
        hits += [f"city word: {m.group(0)}" for m in CITY_WORDS_RE.finditer(low)]
        hits += [f"subject term: {m.group(0)}" for m in subject_re.finditer(low)]
        hits += [f"distinctive term: {m.group(0)}" for m in words.finditer(low)]
        problems.update(f"{family}: {h}" for h in hits)
    if problems:
        raise SystemExit("demo generator: long-report prose breaks the plan:\n  "
                         + "\n  ".join(sorted(problems)))

"""A long annual report written on the fly (reportlab): chapters, bookmarks, headings, a
printed table of contents, running headers, tables of figures, and two chapters on the city.

Used by tests/test_extract_sections.py and benchmarks/bench_reports.py. The text is the
project's own, made of a few sentences about an invented group ("Groupe Ardelis"); the city
chapters are the only ones that name the study's subject (frames.yaml `relevance:`).

    write_long_report(path, pages=300)              # bookmarks, headings, printed contents
    write_long_report(path, bookmarks=False)        # headings and printed contents only
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

# Sentences that never name the subject (no relevance term), per kind of chapter.
GENERIC = {
    "strategy": [
        "Le Groupe a poursuivi sa croissance organique malgré un contexte économique incertain.",
        "Notre plan stratégique repose sur trois priorités claires et mesurables.",
        "Les équipes ont montré une grande capacité d'adaptation tout au long de l'exercice.",
        "Nous avons cédé deux activités non stratégiques pour concentrer nos moyens.",
        "Le carnet de commandes atteint un niveau record à la fin de l'exercice.",
    ],
    "governance": [
        "Le conseil d'administration s'est réuni neuf fois au cours de l'exercice.",
        "Le comité des rémunérations examine chaque année la politique applicable aux dirigeants.",
        "Les administrateurs indépendants représentent plus de la moitié du conseil.",
        "Le règlement intérieur précise les modalités de fonctionnement des comités.",
        "La part variable de la rémunération dépend de critères financiers et extra-financiers.",
    ],
    "risks": [
        "Le Groupe est exposé aux variations des taux de change et des taux d'intérêt.",
        "Une défaillance des systèmes d'information pourrait perturber la facturation.",
        "La cartographie des risques est revue chaque année par le comité d'audit.",
        "Les litiges en cours ne devraient pas avoir d'effet significatif sur les comptes.",
        "Le dispositif de contrôle interne couvre l'ensemble des filiales consolidées.",
    ],
    "financial": [
        "Les comptes consolidés sont établis selon les normes comptables internationales.",
        "Les écarts d'acquisition font l'objet d'un test de dépréciation annuel.",
        "Les provisions pour litiges sont évaluées au cas par cas avec les conseils du Groupe.",
        "La dette nette diminue grâce à la génération de trésorerie disponible.",
        "Les engagements de retraite sont évalués selon la méthode des unités de crédit projetées.",
    ],
    "csr": [
        "Le Groupe a réduit de douze pour cent les émissions directes de ses sites industriels.",
        "Le taux de fréquence des accidents du travail baisse pour la troisième année.",
        "Chaque salarié a suivi en moyenne vingt heures de formation au cours de l'exercice.",
        "Les achats responsables représentent désormais la moitié des dépenses du Groupe.",
        "La consommation d'eau des usines a diminué grâce au recyclage des eaux de process.",
    ],
}
CITY = [
    "Nos solutions aident les villes à réduire la congestion et la pollution de l'air.",
    "Avec les collectivités, nous concevons des services publics plus proches des habitants.",
    "Les citoyens suivent en ligne la qualité de l'eau de leur quartier.",
    "Dans chaque territoire, nous mesurons la mobilité urbaine avec les élus locaux.",
    "La ville intelligente met les données au service des usagers et des métropoles.",
    "L'éclairage public connecté baisse la facture des communes et renforce la sécurité urbaine.",
]

# (title, level, family, kind of text, relevant) per section; the chapters in order.
PLAN = [
    ("Message du Président", 1, "strategy", "strategy", False),
    ("Stratégie et modèle d'affaires", 1, "strategy", "strategy", False),
    ("Nos activités", 1, "business", "strategy", False),
    ("Services aux villes et aux territoires", 2, "business", "city", True),
    ("Industrie", 2, "business", "strategy", False),
    ("Déclaration de performance extra-financière", 1, "csr", "csr", False),
    ("Engagement auprès des collectivités", 2, "csr", "city", True),
    ("Environnement et climat", 2, "csr", "csr", False),
    ("Gouvernement d'entreprise", 1, "governance", "governance", False),
    ("Facteurs de risques", 1, "risks", "risks", False),
    ("États financiers consolidés", 1, "financial", "financial", False),
]
TITLE = "Document d'enregistrement universel 2021"
MARGIN = 60
BODY = ("Times-Roman", 10.0, 12.5)
HEAD = {1: ("Helvetica-Bold", 18.0, 24.0), 2: ("Helvetica-Bold", 13.0, 18.0)}
LINES_PER_PAGE = 52


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if stringWidth(trial, font, size) <= width:
            line = trial
        else:
            lines.append(line)
            line = word
    return [*lines, line] if line else lines


def _paragraph(kind: str, i: int) -> str:
    pool = CITY if kind == "city" else GENERIC[kind]
    return " ".join(pool[(i + k * 2) % len(pool)] for k in range(4))


def plan_pages(pages: int) -> list[int]:
    """Pages per section so that the report has about `pages` pages (cover and contents
    included); the city sections are short, as in a real registration document."""
    weights = [1 if kind == "city" else (6 if kind == "financial" else 3)
               for *_, kind, _ in PLAN]
    body = max(len(PLAN), pages - 2)
    share = [max(1, round(body * w / sum(weights))) for w in weights]
    share[-1] += body - sum(share)
    return share


def write_long_report(path: Path, *, pages: int = 60, bookmarks: bool = True,
                      headings: bool = True) -> list[dict]:
    """Write the report; return its plan: per section title, level, family, relevant,
    first_page and last_page (1-based, as printed in the PDF).

    Args:
        path: the PDF to write.
        pages: about how many pages.
        bookmarks: write the outline.
        headings: set headings larger than the body (else in the body's font: only the
            printed table of contents shows the structure).
    """
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    canvas.setTitle(TITLE)
    width = A4[0] - 2 * MARGIN
    counts = plan_pages(pages)
    starts, page = [], 3
    for n in counts:
        starts.append(page)
        page += n
    total = page - 1
    # cover
    canvas.setFont("Helvetica-Bold", 26)
    canvas.drawString(MARGIN, A4[1] / 2, "Groupe Ardelis")
    canvas.setFont("Helvetica", 16)
    canvas.drawString(MARGIN, A4[1] / 2 - 30, TITLE)
    canvas.showPage()
    # printed contents
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(MARGIN, A4[1] - MARGIN, "Sommaire")
    y = A4[1] - MARGIN - 40
    numbers = _numbers()
    for (title, level, *_), first, num in zip(PLAN, starts, numbers, strict=True):
        canvas.setFont("Times-Roman", 11)
        label = f"{num} {title}"
        canvas.drawString(MARGIN + (15 if level == 2 else 0), y, label)
        canvas.drawRightString(A4[0] - MARGIN, y, str(first))
        y -= 18
    canvas.showPage()
    plan = []
    for k, ((title, level, family, kind, relevant), first, n) in enumerate(
            zip(PLAN, starts, counts, strict=True)):
        # A chapter runs to the end of its last part.
        end = next((starts[m] - 1 for m in range(k + 1, len(PLAN)) if PLAN[m][1] <= level),
                   total)
        plan.append({"title": title, "level": level, "family": family, "relevant": relevant,
                     "first_page": first, "last_page": end})
        for j in range(n):
            number = first + j
            canvas.setFont("Helvetica", 8)
            canvas.drawString(MARGIN, A4[1] - 30, f"Groupe Ardelis | {TITLE}")
            canvas.drawRightString(A4[0] - MARGIN, 25, str(number))
            y = A4[1] - MARGIN
            if j == 0:
                font, size, lead = HEAD[level] if headings else BODY
                canvas.setFont(font, size)
                canvas.drawString(MARGIN, y, f"{numbers[k]} {title}")
                if bookmarks:
                    key = f"s{k}"
                    canvas.bookmarkPage(key)
                    canvas.addOutlineEntry(title, key, level=level - 1)
                y -= lead * 1.5
            font, size, lead = BODY
            lines_left = int((y - MARGIN) / lead)
            i = number * 7
            while lines_left > 4:
                if kind == "financial" and i % 3 == 0:
                    rows = _table_rows(i)
                    for row in rows:
                        canvas.setFont(font, size)
                        canvas.drawString(MARGIN, y, row[0])
                        for c, cell in enumerate(row[1:]):
                            canvas.drawRightString(MARGIN + 300 + 80 * c, y, cell)
                        y -= lead
                    lines_left -= len(rows)
                else:
                    lines = _wrap(_paragraph(kind, i), font, size, width)[:lines_left]
                    for line in lines:
                        canvas.setFont(font, size)
                        canvas.drawString(MARGIN, y, line)
                        y -= lead
                    lines_left -= len(lines)
                y -= lead * 0.8
                lines_left -= 1
                i += 1
            canvas.showPage()
    canvas.save()
    assert total == plan[-1]["last_page"]
    return plan


def _numbers() -> list[str]:
    out, top, sub = [], 0, 0
    for _, level, *_ in PLAN:
        if level == 1:
            top, sub = top + 1, 0
            out.append(f"{top}.")
        else:
            sub += 1
            out.append(f"{top}.{sub}")
    return out


def _table_rows(i: int) -> list[list[str]]:
    labels = ["Chiffre d'affaires", "Résultat opérationnel", "Résultat net part du Groupe",
              "Investissements", "Dette nette", "Capitaux propres"]
    return [[label, f"{(i * 37 + k * 11) % 900 + 100} {(i * 13 + k) % 900 + 100}",
             f"{(i * 29 + k * 7) % 900 + 100} {(i + k * 17) % 900 + 100}",
             f"{((i + k) % 19) - 9},{k} %"] for k, label in enumerate(labels)]

"""Write the extraction fixtures: the annotated gold set and the bad-input PDFs.

    .venv/bin/python tests/data/extract/make_fixtures.py

Every text here was written for the project; the firms (Aquavia, Luména, Civitas Systems) and
towns (Valbourg, Port-Lanvel) are fictional. The output is deterministic (reportlab's invariant
mode), so re-running the script changes no committed file.

gold/pages/<firm>-<page>.html   firm-style pages wrapped in each site's boilerplate (navigation,
                                cookie banner, breadcrumb, share buttons, related links, a
                                call to action repeated on every page, footer)
gold/pages/<firm>-<page>.txt    the expected main text: what a researcher wants to keep
gold/pdf/<name>.pdf, .txt       reports with running headers, page numbers, hyphenated line
                                ends and a paragraph running over a page break; expected text
bad/*.pdf                       a corrupt file, a password-protected one, one encrypted with an
                                owner password only (readable), a scan without a text layer
                                and a blank page
"""

from __future__ import annotations

import html
import json
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.pdfencrypt import StandardEncryption
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

HERE = Path(__file__).resolve().parent
GOLD = HERE / "gold"
BAD = HERE / "bad"

# --- gold web pages ----------------------------------------------------------------------------
# A page is a list of blocks: (kind, text) with kind h1, h2, p, li, quote, table (rows joined by
# " ; ", cells by " | "), card ("title :: text", a grid of offer cards), caption (a figure's),
# br (text broken with <br>, in the legacy layout), linktable (a table whose first column names
# products, each a link to its page). Not expected: "toc" (a table of contents linking to the
# page's h2 headings), "related" ("label :: title | title", a box of links under the text),
# "cta" blocks, boilerplate
# placed inside the content container (only the firm-level boilerplate step can remove them),
# "readalso" links inside the text and readers' "comment"s.

CTA = {
    "aquavia": "Restez informé : recevez chaque mois notre lettre d'information sur la ville "
               "durable. Je m'inscris",
    "lumena-fr": "Besoin d'un devis ? Contactez nos experts au 01 23 45 67 89 ou écrivez-nous "
                 "depuis la page contact.",
    "lumena-en": "Need a quote? Talk to our experts on +33 1 23 45 67 89 or write to us from "
                 "the contact page.",
    "civitas": "About Civitas Systems: founded in 2009, Civitas Systems builds command and "
               "control software, urban data platforms and analytics for more than sixty cities "
               "in Europe and the Middle East. For press enquiries, please contact our media "
               "relations team.",
}
# A box every Aquavia page carries inside its article.
AQUAVIA_BOX = ("Le saviez-vous ? Un habitant consomme en moyenne cent cinquante litres d'eau par "
               "jour, dont seulement un litre pour la boisson.")
# The "about" box in the right-hand column of every Luména page.
LUMENA_ABOUT = {
    "fr": "À propos de Luména : depuis 1998, Luména conçoit, installe et entretient les réseaux "
          "d'éclairage public de plus de six cents communes, avec des équipes présentes dans "
          "chaque région.",
    "ja": "Lumenaについて：1998年から六百以上の町の街路灯を設計し、設置し、保守しています。",
    "en": "About Luména: since 1998, Luména has designed, installed and maintained the public "
          "lighting networks of more than six hundred towns, with teams in every region.",
}

PAGES = {
    "aquavia-ville-de-demain": ("aquavia", "fr", None, [
        ("h1", "Ville de demain : des services d'eau au plus près des habitants"),
        ("p", "Les villes grandissent, le climat change et les ressources en eau se raréfient. "
              "Pour les collectivités, la question n'est plus de savoir s'il faut moderniser les "
              "réseaux, mais comment le faire sans perdre de vue les habitants qu'ils "
              "desservent."),
        ("p", "Depuis vingt ans, Aquavia accompagne les communes et les intercommunalités dans "
              "la gestion de l'eau potable, de l'assainissement et des déchets. Nos équipes "
              "conçoivent avec les élus des services qui mesurent, anticipent et réduisent les "
              "pertes, tout en garantissant un prix juste pour chaque foyer."),
        ("h2", "Un réseau qui se mesure"),
        ("p", "Chaque année, près d'un litre sur cinq se perd dans les canalisations avant "
              "d'atteindre le robinet. Grâce à des capteurs acoustiques posés sur les conduites, "
              "nos techniciens localisent les fuites en quelques heures au lieu de plusieurs "
              "semaines."),
        ("p", "Les données recueillies alimentent un tableau de bord partagé avec la "
              "collectivité. Les usagers, eux, peuvent suivre leur consommation sur leur "
              "téléphone et recevoir une alerte en cas de consommation anormale."),
        ("h2", "Une démarche construite avec les territoires"),
        ("li", "un diagnostic partagé du patrimoine et des besoins ;"),
        ("li", "des objectifs chiffrés de rendement et de qualité ;"),
        ("li", "un suivi public des résultats, commune par commune."),
        ("p", "Cette méthode a déjà été adoptée par une quarantaine de collectivités, de la "
              "petite commune rurale à la métropole."),
        ("cta", CTA["aquavia"]),
    ]),
    "aquavia-methodologie": ("aquavia", "fr", None, [
        ("h1", "Notre méthodologie : écouter, mesurer, améliorer"),
        ("p", "Un service public de l'eau se juge d'abord à la confiance qu'il inspire. C'est "
              "pourquoi notre méthodologie commence toujours par l'écoute : réunions publiques, "
              "questionnaires, ateliers avec les associations d'usagers."),
        ("p", "Vient ensuite le temps de la mesure. Nous dressons l'inventaire des réseaux, des "
              "stations et des points de collecte, puis nous comparons les performances "
              "observées aux engagements du contrat."),
        ("p", "Enfin, nous proposons un plan d'amélioration pluriannuel, discuté en conseil "
              "municipal et révisé chaque année à la lumière des résultats. Les habitants en sont "
              "informés par un rapport simple, publié en ligne et affiché en mairie."),
        ("quote", "« Nous voulions un partenaire capable de rendre des comptes aux habitants, "
                  "pas seulement à la mairie. » Une élue d'une commune partenaire"),
        ("p", "Ce cycle se répète tant que dure le contrat : l'amélioration continue n'est pas un "
              "slogan, c'est une obligation que nous inscrivons noir sur blanc."),
        ("cta", CTA["aquavia"]),
    ]),
    "aquavia-eau-intelligente": ("aquavia", "fr", "2019-05-14", [
        ("h1", "Gestion intelligente de l'eau"),
        ("p", "Le compteur communicant transmet chaque jour un index de consommation. Associé à "
              "la modélisation hydraulique du réseau, il permet de repérer les secteurs où la "
              "pression est trop forte et de l'ajuster la nuit, quand la demande est faible."),
        ("p", "Baisser la pression de quelques dixièmes de bar suffit souvent à réduire les "
              "casses de canalisations de moitié. Les travaux d'urgence diminuent, la chaussée "
              "est moins souvent ouverte et les riverains subissent moins de coupures."),
        ("h2", "Des chiffres publics"),
        ("table", "Indicateur | 2017 | 2019 ; Rendement du réseau | 78 % | 86 % ; "
                  "Fuites réparées en moins de 48 heures | 61 % | 92 %"),
        ("p", "Ces résultats sont publiés chaque trimestre sur le portail de données ouvertes de "
              "la collectivité, afin que chacun puisse vérifier les progrès accomplis."),
        ("cta", CTA["aquavia"]),
    ]),
    "aquavia-dechets-connectes": ("aquavia", "fr", None, [
        ("h1", "Collecte des déchets connectée"),
        ("p", "Un camion de collecte qui passe devant un bac à moitié vide consomme du carburant "
              "pour rien. En équipant les conteneurs de sondes de remplissage, nous planifions "
              "les tournées en fonction des besoins réels."),
        ("p", "Les tournées raccourcies réduisent le bruit dans les rues le matin et les "
              "émissions de gaz à effet de serre. Dans les quartiers pilotes, le nombre de "
              "passages a baissé d'un tiers sans débordement signalé."),
        ("p", "Les habitants disposent d'une application pour signaler un dépôt sauvage ou un "
              "conteneur plein. Chaque signalement est traité par les équipes de terrain et "
              "suivi jusqu'à sa résolution."),
        ("cta", CTA["aquavia"]),
    ]),
    "lumena-eclairage-public": ("lumena", "fr", None, [
        ("h1", "L'éclairage public, premier réseau de la ville intelligente"),
        ("p", "Les candélabres sont présents dans chaque rue. Équipés de modules communicants, "
              "ils deviennent le support de nouveaux services : comptage des piétons, mesure du "
              "bruit, bornes de recharge pour les vélos électriques."),
        ("p", "Notre offre associe la rénovation des luminaires en LED, la télégestion de chaque "
              "point lumineux et un contrat de performance énergétique qui garantit les "
              "économies à la commune."),
        ("p", "Les clients qui nous font confiance réduisent en moyenne de 60 % la consommation "
              "d'électricité de leur éclairage, tout en améliorant le confort et le sentiment de "
              "sécurité la nuit."),
        ("h2", "Une solution clés en main"),
        ("p", "De l'audit initial à la maintenance, un seul interlocuteur pilote le projet et "
              "s'engage sur les résultats."),
        ("cta", CTA["lumena-fr"]),
    ]),
    "lumena-energie-territoires": ("lumena", "fr", None, [
        ("h1", "Énergie : des territoires plus sobres"),
        ("p", "La facture énergétique des bâtiments publics pèse lourd dans le budget des "
              "communes. Écoles, gymnases et piscines consomment souvent bien plus que "
              "nécessaire, faute de pilotage fin des installations."),
        ("p", "Notre plateforme rassemble les relevés des compteurs et des sondes de "
              "température. Elle détecte les dérives, comme un chauffage resté allumé pendant "
              "les vacances scolaires, et alerte le gestionnaire du bâtiment."),
        ("p", "Les gains sont partagés : une partie finance de nouveaux investissements, l'autre "
              "revient au budget communal. Les habitants bénéficient d'équipements plus "
              "confortables sans hausse d'impôts."),
        ("cta", CTA["lumena-fr"]),
    ]),
    "lumena-ville-lumiere": ("lumena", "fr", "2019-10-02", [
        ("h1", "Ville lumière : notre projet à Valbourg"),
        ("p", "À Valbourg, nous avons remplacé quatre mille luminaires et installé un réseau de "
              "capteurs sur l'ensemble de la commune. Le chantier a duré dix-huit mois et n'a "
              "jamais interrompu l'éclairage des rues."),
        ("p", "La mairie pilote désormais l'intensité lumineuse quartier par quartier. Dans les "
              "zones résidentielles, la lumière baisse après minuit et se rallume au passage "
              "d'un piéton ou d'un cycliste."),
        ("h2", "Summary in English"),
        ("p", "In Valbourg, we replaced four thousand street lights and installed a sensor "
              "network across the whole town. The city council now controls lighting levels "
              "district by district, and residents enjoy safer streets with a far smaller "
              "energy bill."),
        ("p", "Ce projet a reçu en 2019 le prix de l'innovation territoriale décerné par "
              "l'association des maires de la région."),
        ("cta", CTA["lumena-fr"]),
    ]),
    "lumena-mobilite": ("lumena", "fr", None, [
        ("h1", "Mobilité électrique : recharger sans encombrer la rue"),
        ("p", "Installer des bornes de recharge sur les candélabres existants évite de creuser "
              "la chaussée et de multiplier le mobilier urbain. Le raccordement utilise le "
              "réseau d'éclairage, déjà présent dans chaque rue."),
        ("p", "La commune choisit les emplacements avec les riverains, fixe les tarifs et reçoit "
              "chaque mois un rapport d'utilisation des bornes. Les usagers paient la recharge "
              "avec leur téléphone ou une carte sans contact."),
        ("cta", CTA["lumena-fr"]),
    ]),
    "lumena-public-lighting": ("lumena", "en", None, [
        ("h1", "Public lighting, the backbone of the smart city"),
        ("p", "Street lights stand in every street. Fitted with connected modules, they carry "
              "new services: counting pedestrians, measuring noise, charging electric bikes."),
        ("p", "Our offer combines LED retrofits, remote management of every light point and an "
              "energy performance contract that guarantees the savings to the municipality."),
        ("p", "Customers who work with us cut the electricity used by their lighting by 60 % on "
              "average, while improving comfort and the feeling of safety at night."),
        ("h2", "A turnkey solution"),
        ("p", "From the first audit to maintenance, a single contact runs the project and "
              "commits to the results."),
        ("cta", CTA["lumena-en"]),
    ]),
    "lumena-mobility": ("lumena", "en", None, [
        ("h1", "Electric mobility without cluttering the street"),
        ("p", "Fitting chargers to existing lamp posts avoids digging up the road and adding "
              "street furniture. The connection uses the lighting network that already runs "
              "along every street."),
        ("p", "The town chooses the locations with local residents, sets the prices and "
              "receives a monthly report on how the chargers are used. Drivers pay with their "
              "phone or a contactless card."),
        ("cta", CTA["lumena-en"]),
    ]),
    "civitas-safe-city": ("civitas", "en", None, [
        ("h1", "Safe city: protecting people and public spaces"),
        ("p", "Cities host concerts, markets and sporting events that draw tens of thousands of "
              "people. Keeping them safe requires operators to see what is happening, share "
              "information quickly and coordinate the emergency services."),
        ("p", "Our command and control platform brings together video feeds, alarms and field "
              "reports on a single screen. Operators follow incidents from the first call to "
              "their resolution, and every decision is logged."),
        ("h2", "Privacy by design"),
        ("p", "Cameras only record public spaces, faces are blurred by default and recordings "
              "are deleted after thirty days unless a judge orders otherwise. These rules are "
              "set with the city and published on its website."),
        ("cta", CTA["civitas"]),
    ]),
    "civitas-urban-data": ("civitas", "en", None, [
        ("h1", "Urban data platform"),
        ("p", "Traffic counters, air quality stations, parking sensors and public transport "
              "feeds each produce their own data, often locked in separate systems. Our "
              "platform collects them in real time and makes them available through open "
              "interfaces."),
        ("p", "City departments use the platform to plan road works, adjust traffic lights and "
              "inform residents about pollution peaks. Start-ups and researchers can reuse the "
              "open datasets to build new services."),
        ("table", "Data source | Update frequency ; Traffic counters | every minute ; "
                  "Air quality stations | every hour ; Parking sensors | in real time"),
        ("p", "The city remains the owner of its data and decides, dataset by dataset, what is "
              "published."),
        ("cta", CTA["civitas"]),
    ]),
    "civitas-case-study": ("civitas", "en", "2018-11-15", [
        ("h1", "Case study: a control room for Port-Lanvel"),
        ("p", "In 2018 the city of Port-Lanvel merged its police, traffic and civil protection "
              "control rooms into a single centre. We supplied the software, trained the "
              "operators and ran the system for the first year."),
        ("p", "Response times to emergency calls fell by a quarter. During the summer festival, "
              "the centre coordinated more than two hundred staff across the old town without a "
              "single serious incident."),
        ("p", "The council now plans to open part of the centre's data to residents, starting "
              "with real-time information on road closures."),
        ("cta", CTA["civitas"]),
    ]),
    "aquavia-offre-collectivites": ("aquavia", "fr", None, [
        ("h1", "Notre offre pour les collectivités"),
        ("p", "Chaque territoire a ses réseaux, son histoire et ses priorités. Nous proposons "
              "quatre familles de services, que les collectivités combinent selon leurs "
              "besoins et leur budget."),
        ("card", "Eau potable :: Production, traitement et distribution de l'eau, avec un suivi "
                 "en continu de la qualité et un rendement de réseau garanti par contrat."),
        ("card", "Assainissement :: Collecte et traitement des eaux usées, entretien des "
                 "stations d'épuration et réduction des rejets dans les rivières."),
        ("card", "Déchets :: Collecte sélective, tri et valorisation des déchets ménagers, "
                 "avec des tournées ajustées au remplissage réel des conteneurs."),
        ("card", "Données :: Un portail qui rassemble les indicateurs de tous les services et "
                 "les met à la disposition des élus et des habitants."),
        ("cta", CTA["aquavia"]),
    ]),
    "lumena-historique": ("lumena", "fr", None, [
        ("h1", "Notre histoire"),
        ("br", "Luména est née en 1998 de la rencontre de trois électriciens de Toulouse qui "
               "entretenaient l'éclairage de quelques villages du Lauragais."),
        ("br", "En 2006, la société remporte son premier contrat de performance énergétique "
               "avec une ville de trente mille habitants et ouvre des agences à Bordeaux et à "
               "Montpellier."),
        ("br", "Depuis 2015, nos équipes équipent les candélabres de capteurs et de bornes de "
               "recharge, et la télégestion couvre aujourd'hui plus de deux cent mille points "
               "lumineux."),
    ]),
    "civitas-news-open-data": ("civitas", "en", "2019-09-20", [
        ("h1", "Port-Lanvel opens its first real-time datasets"),
        ("p", "From today, anyone can download live information on road closures, car park "
              "occupancy and air quality in Port-Lanvel. The datasets are published by the city "
              "on its open data portal, which runs on our urban data platform."),
        ("readalso", "Read also: What residents expect from city data"),
        ("p", "The city chose the first datasets after a public consultation in which more than "
              "a thousand residents took part. Road closures came first, followed by parking "
              "and air quality."),
        ("caption", "The open data portal shows live car park occupancy across the old town."),
        ("p", "Developers have already built a journey planner for cyclists and a pollution "
              "alert service for people with asthma. The city will add public transport "
              "punctuality data next spring."),
        ("comment", "Great news, but when will the bus data be available? Posted by Martin"),
        ("comment", "The parking feed is already very useful for deliveries. Posted by Sophie"),
        ("cta", CTA["civitas"]),
    ]),
    "civitas-mobility-hub": ("civitas", "en", "2019-04-03", [
        ("h1", "Mobility hubs: one screen for every way of moving"),
        ("p", "Buses, trams, shared bikes and car parks are run by different operators, each "
              "with its own control system. When a tram line breaks down, the bus operator often "
              "learns about it from passengers."),
        ("p", "Our mobility hub software gives the city's transport authority a single view of "
              "the network. Disruptions are shared with every operator within seconds, and "
              "travellers receive alternative routes on their phones."),
        ("h2", "What the city gets"),
        ("li", "a live map of every line, station and car park;"),
        ("li", "alerts shared automatically between operators;"),
        ("li", "monthly reports on punctuality and crowding."),
        ("p", "The first hub went live in Port-Lanvel in spring 2019 and now coordinates five "
              "operators."),
        ("cta", CTA["civitas"]),
    ]),
    # Real-world shapes where extraction once failed (trafilatura's evaluation set): headings
    # repeated by a table of contents, a table of linked product names, a box of links titled
    # under the text, a page in a script written without spaces.
    "civitas-parking-guide": ("civitas", "en", "2020-02-11", [
        ("h1", "A practical guide to sensor-based parking"),
        ("toc", ""),
        ("p", "Drivers looking for a space cause up to a third of the traffic in a busy centre. "
              "Sensors in each bay tell them where to go, and tell the city how its streets "
              "are used."),
        ("h2", "How the sensors work"),
        ("p", "A magnetic sensor glued to the tarmac notices a car above it and reports the "
              "change by radio within ten seconds. Its battery lasts eight years."),
        ("h2", "What a district needs"),
        ("linktable", "Equipment | Quantity ; Bay sensor | 1 200 ; Radio gateway | 14 ; "
                      "Guidance sign | 22"),
        ("p", "Port-Lanvel equipped its old town in four months, without closing a street."),
        ("h2", "What residents see"),
        ("p", "Residents find a free space on the guidance signs or in the city's app, and pay "
              "by phone. Disabled bays are shown first."),
        ("related", "Read next :: Mobility hubs in Port-Lanvel | Open data for car parks | "
                    "Ten years of Civitas in Europe"),
        ("cta", CTA["civitas"]),
    ]),
    "aquavia-dossier-secheresse": ("aquavia", "fr", None, [
        ("h1", "Sécheresse : les gestes qui protègent la ressource"),
        ("toc", ""),
        ("p", "Les étés secs se succèdent et les nappes mettent plus longtemps à se remplir. Les "
              "communes peuvent pourtant réduire leurs prélèvements sans priver les habitants."),
        ("h2", "Réparer avant de restreindre"),
        ("p", "Une fuite réparée en mai économise davantage qu'un arrêté de restriction en août. "
              "Nos équipes inspectent en priorité les conduites les plus anciennes."),
        ("h2", "Le matériel d'une campagne"),
        ("linktable", "Équipement | Nombre ; Capteur acoustique | 40 ; Compteur de sectorisation "
                      "| 12 ; Kit économiseur d'eau | 3 000"),
        ("h2", "Les habitants associés"),
        ("p", "Chaque foyer reçoit un kit économiseur d'eau et suit sa consommation en ligne, "
              "semaine après semaine."),
        ("related", "Sur le même sujet :: Valbourg réduit ses pertes d'un quart | Les compteurs "
                    "communicants expliqués | Arroser moins, arroser mieux"),
        ("cta", CTA["aquavia"]),
    ]),
    "lumena-minatono": ("lumena", "ja", None, [
        ("h1", "みなと野市の街路灯をLEDに"),
        ("p", "みなと野市では、古い街路灯四千基をLED灯に取り替えました。電気の使用量は以前の半分"
              "になり、夜の道は明るくなりました。"),
        ("p", "新しい街路灯は人や車の動きに合わせて明るさを変えます。深夜の住宅街では光を弱め、住民"
              "の眠りを妨げません。"),
        ("h2", "住民との話し合い"),
        ("p", "工事の前に、市は各地区で説明会を開きました。住民の意見を聞き、通学路と公園の照明を"
              "先に整備しました。"),
        ("p", "説明会では、明るすぎる光が星空を隠すという声もありました。そこで、光が上に漏れない"
              "灯具を選び、色の温かい光を使うことにしました。"),
        ("h2", "これからの計画"),
        ("p", "市は来年、街路灯の故障を自動で知らせる仕組みを導入します。修理の時間が短くなり、"
              "暗い道が残る日が減ります。住民は市のウェブサイトで工事の予定を確認できます。"),
        ("p", "この取り組みは、ほかの町からも注目されています。みなと野市は、得られた経験と数字を"
              "近くの市町村と共有する予定です。"),
    ]),
}


def _blocks_html(blocks: list[tuple[str, str]], *, para: str = "p") -> str:
    """The content blocks as HTML; `para` picks <p> or <div class="para"> paragraphs."""
    out: list[str] = []
    items: list[str] = []
    toc = any(kind == "toc" for kind, _ in blocks)
    headings = [text for kind, text in blocks if kind == "h2"]
    for kind, text in blocks:
        if kind != "li" and items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        t = html.escape(text, quote=False)
        if kind == "h1":
            continue  # each template places the title itself
        if kind == "h2" and toc:
            out.append(f'<h2 id="s{headings.index(text) + 1}">{t}</h2>')
        elif kind == "h2":
            out.append(f"<h2>{t}</h2>")
        elif kind == "toc":
            links = "".join(f'<li><a href="#s{i}">{html.escape(h)}</a></li>'
                            for i, h in enumerate(headings, 1))
            out.append(f'<div class="toc"><p class="toc-title">Contents</p><ol>{links}</ol>'
                       f"</div>")
        elif kind == "related":
            label, _, titles = text.partition(" :: ")
            links = "".join(f'<li><a href="/articles/{i}">{html.escape(x)}</a></li>'
                            for i, x in enumerate(titles.split(" | ")))
            out.append(f'<div class="related"><h3>{html.escape(label)}</h3><ul>{links}</ul>'
                       f"</div>")
        elif kind == "linktable":
            rows = [r.split(" | ") for r in text.split(" ; ")]
            head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
            body = "".join(f'<tr><td><a href="/products/{i}">{html.escape(r[0])}</a></td>'
                           + "".join(f"<td>{html.escape(c)}</td>" for c in r[1:]) + "</tr>"
                           for i, r in enumerate(rows[1:]))
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "li":
            items.append(f"<li>{t}</li>")
        elif kind == "quote":
            out.append(f"<blockquote><p>{t}</p></blockquote>")
        elif kind == "table":
            rows = [r.split(" | ") for r in text.split(" ; ")]
            head = "".join(f"<th>{html.escape(c)}</th>" for c in rows[0])
            body = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in r) + "</tr>"
                           for r in rows[1:])
            out.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
        elif kind == "cta":
            out.append(f'<p class="encart">{t}</p>')
        elif kind == "card":
            head, desc = (html.escape(x) for x in text.split(" :: "))
            out.append(f'<div class="card"><h3 class="card-title">{head}</h3>'
                       f'<div class="card-body">{desc}</div>'
                       f'<a class="more" href="#">En savoir plus</a></div>')
        elif kind == "readalso":
            label, _, link = text.partition(": ")
            out.append(f'<p><strong>{html.escape(label)}:</strong> '
                       f'<a href="/insights/2">{html.escape(link)}</a></p>')
        elif kind == "caption":
            out.append(f'<figure><img src="/img/portal.jpg" alt=""><figcaption>{t}'
                       f'</figcaption></figure>')
        elif kind in ("comment", "br"):
            continue  # placed by the template
        elif para == "div":
            out.append(f'<div class="para">{t}</div>')
        else:
            out.append(f"<p>{t}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "\n".join(out)


def _meta_date(published: str | None) -> str:
    if not published:
        return ""
    return f'<meta property="article:published_time" content="{published}T09:00:00+01:00">'


def page_aquavia(title: str, blocks, lang: str, published: str | None) -> str:
    body = _blocks_html(blocks)
    return f"""<!DOCTYPE html>
<html lang="fr">
<head>
<meta charset="utf-8">
<title>{html.escape(title)} | Aquavia</title>
<meta name="description" content="Aquavia, l'eau et les déchets au service des territoires.">
{_meta_date(published)}
<link rel="stylesheet" href="/static/site.css">
<script>window.dataLayer = window.dataLayer || [];
function gtag(){{dataLayer.push(arguments);}}</script>
</head>
<body>
<div id="cookie-banner" class="cookie-notice">
<p>Nous utilisons des cookies pour mesurer l'audience et améliorer votre expérience. En poursuivant
votre navigation, vous acceptez leur utilisation.</p>
<button>Accepter</button> <button>Paramétrer</button>
</div>
<header class="site-header">
<a class="logo" href="/">Aquavia</a>
<nav class="main-nav"><ul>
<li><a href="/fr/">Accueil</a></li><li><a href="/fr/offre">Notre offre</a></li>
<li><a href="/fr/collectivites">Collectivités</a></li>
<li><a href="/fr/industriels">Industriels</a></li>
<li><a href="/fr/groupe">Le groupe</a></li><li><a href="/fr/carrieres">Carrières</a></li>
<li><a href="/fr/contact">Contact</a></li>
</ul></nav>
<form class="search"><input type="search" placeholder="Rechercher sur le site"></form>
</header>
<div class="breadcrumb"><a href="/">Accueil</a> &gt; <a href="/fr/offre">Notre offre</a> &gt;
<span>{html.escape(title)}</span></div>
<main>
<article class="page-content">
<h1>{html.escape(title)}</h1>
<div class="encadre"><p>{AQUAVIA_BOX}</p></div>
{body}
<div class="share">Partager : <a href="#">Facebook</a> <a href="#">Twitter</a>
<a href="#">LinkedIn</a></div>
</article>
<aside class="sidebar">
<h3>À lire aussi</h3>
<ul><li><a href="/fr/actualites/1">Aquavia renouvelle son contrat avec la métropole</a></li>
<li><a href="/fr/actualites/2">Journée portes ouvertes à la station d'épuration</a></li></ul>
</aside>
</main>
<footer class="site-footer">
<div class="footer-links"><a href="/mentions-legales">Mentions légales</a> |
<a href="/confidentialite">Politique de confidentialité</a> |
<a href="/cookies">Gestion des cookies</a> |
<a href="/plan-du-site">Plan du site</a></div>
<p>© 2019 Aquavia SAS. Tous droits réservés.</p>
<p>Aquavia, 12 rue des Sources, 69000 Lyon</p>
</footer>
</body>
</html>
"""


def page_lumena(title: str, blocks, lang: str, published: str | None) -> str:
    body = _blocks_html(blocks, para="div")
    if lang == "fr":
        nav = ["Accueil", "Solutions", "Références", "Actualités", "English"]
        cookie = ("Ce site utilise des cookies afin de vous offrir la meilleure expérience de "
                  "navigation.", "J'ai compris")
        side = ("Nos références", "Suivez-nous")
        legal = ("Mentions légales", "Données personnelles", "Plan du site",
                 "Siège social : 5 avenue de la Lumière, 31000 Toulouse")
    elif lang == "ja":
        nav = ["ホーム", "ソリューション", "実績", "ニュース", "Français"]
        cookie = ("このサイトはクッキーを使用しています。", "了解")
        side = ("実績", "フォロー")
        legal = ("法的表示", "個人情報", "サイトマップ",
                 "本社：5 avenue de la Lumière, 31000 Toulouse")
    else:
        nav = ["Home", "Solutions", "References", "News", "Français"]
        cookie = ("This website uses cookies to give you the best browsing experience.",
                  "Got it")
        side = ("Our references", "Follow us")
        legal = ("Legal notice", "Personal data", "Sitemap",
                 "Head office: 5 avenue de la Lumière, 31000 Toulouse, France")
    menu = "".join(f'<div class="menu-item"><a href="/{i}">{n}</a></div>'
                   for i, n in enumerate(nav))
    return f"""<!doctype html>
<html lang="{ {'fr': 'fr-FR', 'ja': 'ja'}.get(lang, 'en-GB') }">
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Luména — {html.escape(title)}</title>
<meta property="og:title" content="{html.escape(title)}">
{_meta_date(published)}
</head>
<body class="page">
<div class="cc-window cc-banner" role="dialog" aria-label="cookieconsent">
<span class="cc-message">{cookie[0]}</span> <a class="cc-btn" href="#">{cookie[1]}</a>
</div>
<div id="top"><div class="logo"><a href="/">Luména</a></div><div class="menu">{menu}</div></div>
<div class="wrapper">
<div class="col-left">
<div class="block-title"><h1>{html.escape(title)}</h1></div>
<div class="text">
{body}
</div>
</div>
<div class="col-right">
<div class="widget about"><p>{LUMENA_ABOUT[lang]}</p></div>
<div class="widget"><div class="widget-title">{side[0]}</div>
<div><a href="/references/valbourg">Valbourg</a></div>
<div><a href="/references/montclar">Montclar</a></div>
<div><a href="/references/saint-aubert">Saint-Aubert</a></div></div>
<div class="widget"><div class="widget-title">{side[1]}</div>

<a href="#">LinkedIn</a> <a href="#">YouTube</a></div>
</div>
</div>
<div id="bottom">
<div>Luména SA — {legal[3]}</div>
<div><a href="/legal">{legal[0]}</a> ·
<a href="/privacy">{legal[1]}</a> · <a href="/sitemap">{legal[2]}</a></div>
<div>Copyright © 2018 Luména</div>
</div>
</body>
</html>
"""


def page_lumena_legacy(title: str, blocks, lang: str, published: str | None) -> str:
    """An older section of the Luména site: a layout table, text broken with <br>."""
    text = "<br><br>\n".join(html.escape(t, quote=False) for k, t in blocks if k == "br")
    return f"""<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>Luména - {html.escape(title)}</title>
</head>
<body bgcolor="#ffffff">
<table width="900" border="0" cellpadding="0" cellspacing="0">
<tr><td colspan="2"><img src="/img/bandeau.gif" alt="Luména"></td></tr>
<tr>
<td width="180" valign="top" class="menu">
<a href="/">Accueil</a><br>
<a href="/societe">La société</a><br><a href="/metiers">Nos métiers</a><br>
<a href="/references">Références</a><br>
<a href="/recrutement">Recrutement</a><br><a href="/contact">Contact</a>
</td>
<td width="720" valign="top" class="contenu">
<font face="Arial" size="4"><b>{html.escape(title)}</b></font><br><br>
<font face="Arial" size="2">
{text}
</font>
</td>
</tr>
<tr><td colspan="2" align="center"><font size="1">
Luména SA - 5 avenue de la Lumière - 31000 Toulouse -
<a href="/mentions">Mentions légales</a></font></td></tr>
</table>
</body>
</html>
"""


def page_civitas(title: str, blocks, lang: str, published: str | None) -> str:
    body = _blocks_html(blocks)
    comments = [t for k, t in blocks if k == "comment"]
    if comments:
        items = "".join(f'<li class="comment"><p>{html.escape(c)}</p></li>' for c in comments)
        body += ('\n</section>\n<section class="comments"><h2>2 comments</h2>'
                 f'<ol class="comment-list">{items}</ol>')
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)} - Civitas Systems</title>
{_meta_date(published)}
</head>
<body>
<section class="consent-modal" aria-label="Cookie consent">
<h2>Your privacy</h2>
<p>We use cookies and similar technologies to analyse traffic and personalise content. You can
change your choices at any time from the cookie settings page.</p>
<button>Accept all</button> <button>Reject all</button>
</section>
<header>
<nav aria-label="Main"><a href="/">Home</a> <a href="/solutions">Solutions</a>
<a href="/industries">Industries</a> <a href="/insights">Insights</a> <a href="/about">About us</a>
<a href="/contact">Contact</a></nav>
</header>
<main>
<div class="hero"><h1>{html.escape(title)}</h1></div>
<section class="body">
{body}
</section>
<section class="share-bar"><span>Share this page</span> <a href="#">LinkedIn</a> <a href="#">X</a>
<a href="#">Email</a></section>
<section class="related">
<h2>Related content</h2>
<div class="card"><a href="/insights/1">
<h3>Five lessons from ten years of urban control rooms</h3></a></div>
<div class="card"><a href="/insights/2"><h3>What residents expect from city data</h3></a></div>
<div class="card"><a href="/insights/3">
<h3>Procurement guide for public safety software</h3></a></div>
</section>
</main>
<footer>
<p>Civitas Systems Ltd, registered in England and Wales.</p>
<ul><li><a href="/terms">Terms of use</a></li><li><a href="/privacy">Privacy notice</a></li>
<li><a href="/cookies">Cookie settings</a></li></ul>
<p>© 2019 Civitas Systems</p>
</footer>
</body>
</html>
"""


TEMPLATES = {"aquavia": page_aquavia, "lumena": page_lumena, "civitas": page_civitas}
TEMPLATE_OF = {"lumena-historique": page_lumena_legacy}


def expected_text(blocks: list[tuple[str, str]]) -> str:
    """The main text a researcher wants from a page: the firm's own prose, headings, lists,
    tables and captions; not the calls to action, "read also" links or readers' comments."""
    out = []
    for kind, text in blocks:
        if kind in ("cta", "comment", "readalso", "toc", "related"):
            continue
        if kind == "card":
            out.extend(text.split(" :: "))
            continue
        if kind in ("table", "linktable"):
            out.extend(" ".join(row.split(" | ")) for row in text.split(" ; "))
        else:
            out.append(text)
    return "\n\n".join(out) + "\n"


def write_pages() -> None:
    folder = GOLD / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    index = []
    for name, (firm, lang, published, blocks) in PAGES.items():
        title = blocks[0][1]
        page = TEMPLATE_OF.get(name, TEMPLATES[firm])(title, blocks, lang, published)
        (folder / f"{name}.html").write_text(page, encoding="utf-8")
        (folder / f"{name}.txt").write_text(expected_text(blocks), encoding="utf-8")
        index.append({"file": f"pages/{name}.html", "expected": f"pages/{name}.txt",
                      "firm": firm, "lang": lang, "published": published})
    (GOLD / "pages.json").write_text(json.dumps(index, indent=1, ensure_ascii=False) + "\n",
                                     encoding="utf-8")


# --- gold PDFs ---------------------------------------------------------------------------------
# Blocks: (kind, text); kinds: title, subtitle, h, p, li, cont (the end of a paragraph that began
# on the page before). "|" marks where a word may be hyphenated at a line end.

REPORTS = {
    "aquavia-rapport-annuel-2019": {
        "meta_title": "Rapport annuel 2019",
        "header": "Aquavia — Rapport annuel 2019",
        "footer": "Page {n} / {total}",
        "header_first": False,
        "pages": [
            [("title", "Rapport annuel 2019"),
             ("subtitle", "Aquavia — L'eau et les déchets au service des territoires")],
            [("h", "Message du président"),
             ("p", "L'année 2019 a été marquée par une sé|che|resse d'une in|ten|si|té rare dans "
                   "plusieurs des ter|ri|toires que nous des|ser|vons. Nos équipes se sont "
                   "mo|bi|li|sées pour garantir la con|ti|nui|té du service, en lien étroit avec "
                   "les pré|fec|tures et les col|lec|ti|vi|tés."),
             ("p", "Cette épreuve a confirmé la per|ti|nen|ce de nos in|ves|tis|se|ments dans "
                   "la mesure et la té|lé|re|lè|ve. Là où les réseaux étaient ins|tru|men|tés, "
                   "les fuites ont été dé|tec|tées plus tôt et les res|tric|tions d'usage ont pu "
                   "être ciblées plutôt que gé|né|ra|les."),
             ("p", "Je tiens à remercier les élus qui nous ont fait confiance, ainsi que les "
                   "habitants, dont les efforts de sobriété ont permis de traverser l'été sans "
                   "rupture d'ap|pro|vi|sion|ne|ment. Notre res|pon|sa|bi|li|té est de leur "
                   "rendre compte, avec des in|di|ca|teurs publics et")],
            [("cont", "vé|ri|fia|bles, publiés chaque trimestre."),
             ("h", "Nos résultats"),
             ("p", "Le rendement moyen des réseaux que nous ex|ploi|tons atteint désormais 86 %, "
                   "contre 78 % il y a deux ans. Le nombre de ré|cla|ma|tions a diminué d'un "
                   "cinquième et le délai moyen d'in|ter|ven|tion après une fuite signalée est "
                   "passé sous la barre des vingt-quatre heures."),
             ("li", "42 collectivités partenaires"),
             ("li", "1,2 million d'habitants desservis"),
             ("li", "310 000 compteurs communicants")],
            [("h", "Perspectives"),
             ("p", "En 2020, nous étendrons la té|lé|re|lè|ve à l'ensemble des contrats et nous "
                   "pu|blie|rons, pour chaque commune, un bulletin tri|mes|triel de la qualité de "
                   "l'eau. La sous-traitance des travaux de voirie sera réduite au profit "
                   "d'équipes locales, car la sous-traitance en cascade a montré ses limites."),
             ("p", "Nous poursuivrons aussi le dé|ve|lop|pe|ment de la collecte connectée des "
                   "déchets, ex|pé|ri|men|tée avec succès dans trois quartiers, afin de réduire "
                   "les tournées inutiles et les nui|san|ces pour les riverains.")],
        ],
    },
    "civitas-integrated-report-2018": {
        "meta_title": None,
        "header": "Civitas Systems | Integrated Report 2018",
        "footer": "{n}",
        "header_first": True,
        "pages": [
            [("title", "Integrated Report 2018"),
             ("h", "Our business model"),
             ("p", "Civitas Systems designs, installs and operates software that helps cities "
                   "run their public safety, traffic and data services. We earn most of our "
                   "revenue from long-term operating con|tracts, which align our interests with "
                   "those of the cities we serve."),
             ("p", "In 2018, revenue grew by eleven per cent, driven by new control room "
                   "contracts in three European cities and by the ex|pan|sion of our urban data "
                   "platform to twelve additional mu|ni|ci|pa|li|ties.")],
            [("h", "Responsibility"),
             ("p", "Tech|no|lo|gy used in public spaces must earn the trust of the people it "
                   "watches over. We publish the rules that govern every system we operate, "
                   "submit them to in|de|pen|dent review and report every year on the requests "
                   "we receive from au|tho|ri|ties."),
             ("p", "Our ethics committee, which includes two external members, reviewed nine "
                   "new projects during the year and asked for changes to four of them, most "
                   "often to shorten data retention periods or to narrow the")],
            [("cont", "area covered by cameras."),
             ("h", "Outlook"),
             ("p", "Next year we will open a research part|ner|ship with two universities on "
                   "pri|va|cy-preserving ana|ly|tics, and we will extend our operator training "
                   "pro|gram|me to every new contract.")],
        ],
    },
    "lumena-document-enregistrement-universel-2020": {
        "meta_title": "Microsoft Word - DEU_2020_final.docx",
        "header": "LUMÉNA — DOCUMENT D'ENREGISTREMENT UNIVERSEL 2020",
        "footer": "{n_plus_11}",
        "header_first": True,
        "pages": [
            [("title", "Document d'enregistrement universel 2020"),
             ("h", "1. Présentation du groupe"),
             ("p", "Luména conçoit et exploite des réseaux d'éclairage public et des services "
                   "éner|gé|ti|ques pour les col|lec|ti|vi|tés. Le groupe emploie 2 300 personnes "
                   "et intervient dans plus de 600 communes en France et en Belgique."),
             ("p", "Notre modèle repose sur des contrats de per|for|man|ce de longue durée : "
                   "nous nous engageons sur un niveau d'économies d'énergie et nous sommes "
                   "ré|mu|né|rés en fonction des résultats obtenus.")],
            [("h", "2. Stratégie"),
             ("p", "La stratégie du groupe s'articule autour de trois priorités :"),
             ("li", "la ré|no|va|tion complète des parcs d'éclairage vieil|lis|sants ;"),
             ("li", "le pilotage éner|gé|ti|que des bâtiments publics ;"),
             ("li", "le dé|ploie|ment de bornes de recharge sur le mobilier urbain existant."),
             ("p", "Ces priorités répondent à la demande des élus, con|fron|tés à la hausse du "
                   "prix de l'élec|tri|ci|té et aux objectifs nationaux de réduction des "
                   "con|som|ma|tions.")],
            [("h", "3. Summary for international investors"),
             ("p", "Luména designs and operates public lighting networks and energy services for "
                   "local authorities. Our performance contracts tie our revenue to the energy "
                   "savings we deliver, which reached 41 gigawatt hours in 2020, and every "
                   "contract reports its results to the council each year."),
             ("p", "Le présent document a été déposé auprès de l'Autorité des marchés "
                   "fi|nan|ciers.")],
        ],
    },
}

STYLE = {  # font, size, leading, space before, indent
    "title": ("Helvetica-Bold", 22, 28, 0, 0),
    "subtitle": ("Helvetica", 13, 18, 10, 0),
    "h": ("Helvetica-Bold", 13, 17, 14, 0),
    "p": ("Times-Roman", 10.5, 13, 8, 0),
    "cont": ("Times-Roman", 10.5, 13, 0, 0),
    "li": ("Times-Roman", 10.5, 13, 3, 14),
}
MARGIN = 72
WIDTH = A4[0] - 2 * MARGIN - 90  # a narrow column: more line ends, more hyphens


def _wrap(text: str, font: str, size: float, width: float) -> list[str]:
    """Break `text` into lines, hyphenating at "|" marks or after a word's own hyphen."""
    lines: list[str] = []
    line = ""

    def fits(s: str) -> bool:
        return stringWidth(s, font, size) <= width

    for token in text.split(" "):
        word = token.replace("|", "")
        trial = f"{line} {word}".strip()
        if fits(trial):
            line = trial
            continue
        # Split points: hyphenation marks (add a hyphen) and the word's own hyphens (keep it).
        points = []
        plain = 0
        for ch in token:
            if ch == "|":
                points.append((plain, True))
            else:
                plain += 1
                if ch == "-":
                    points.append((plain, False))
        for cut, add in reversed(points):
            head = word[:cut] + ("-" if add else "")
            if fits(f"{line} {head}".strip()):
                lines.append(f"{line} {head}".strip())
                line = word[cut:]
                break
        else:
            if line:
                lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def write_report(path: Path, spec: dict, *, encrypt=None) -> None:
    canvas = Canvas(str(path), pagesize=A4, invariant=1, encrypt=encrypt)
    if spec.get("meta_title"):
        canvas.setTitle(spec["meta_title"])
    canvas.setAuthor("Fixture generator")
    total = len(spec["pages"])
    for n, blocks in enumerate(spec["pages"], 1):
        def running(n=n):
            if n == 1 and not spec["header_first"]:
                return
            canvas.setFont("Helvetica", 8)
            canvas.drawString(MARGIN, A4[1] - 40, spec["header"])
            footer = spec["footer"].format(n=n, total=total, n_plus_11=n + 11)
            canvas.drawRightString(A4[0] - MARGIN, 30, footer)

        if n % 2:  # headers drawn before the text on odd pages, after on even ones
            running()
        y = A4[1] - MARGIN - 10
        for kind, text in blocks:
            font, size, leading, before, indent = STYLE[kind]
            y -= before
            bullet = kind == "li"
            for i, line in enumerate(_wrap(text, font, size, WIDTH - indent)):
                canvas.setFont(font, size)
                if bullet and i == 0:
                    canvas.drawString(MARGIN, y, "•")
                canvas.drawString(MARGIN + indent, y, line)
                y -= leading
        if not n % 2:
            running()
        canvas.showPage()
    canvas.save()


def report_text(spec: dict) -> str:
    out: list[str] = []
    for blocks in spec["pages"]:
        for kind, text in blocks:
            text = text.replace("|", "")
            if kind == "cont":
                out[-1] = f"{out[-1]} {text}"
            else:
                out.append(text)
    return "\n\n".join(out) + "\n"


def write_reports() -> None:
    folder = GOLD / "pdf"
    folder.mkdir(parents=True, exist_ok=True)
    for name, spec in REPORTS.items():
        write_report(folder / f"{name}.pdf", spec)
        (folder / f"{name}.txt").write_text(report_text(spec), encoding="utf-8")


# --- bad PDFs ----------------------------------------------------------------------------------

SCAN_LINES = [
    "Rapport d'activité 2016",
    "Ce document a été numérisé à partir d'une copie papier.",
    "Il ne contient aucune couche de texte.",
]


def write_bad() -> None:
    BAD.mkdir(parents=True, exist_ok=True)
    # Not a PDF past its header: PDFium finds no objects to rebuild.
    (BAD / "corrupt.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" +
                                      bytes((i * 37 + 11) % 251 for i in range(2048)))
    spec = REPORTS["aquavia-rapport-annuel-2019"]
    # A user password: nothing can be read without it.
    write_report(BAD / "encrypted.pdf", spec,
                 encrypt=StandardEncryption("lecture", ownerPassword="proprietaire"))
    # An owner password only: opens without a password (copying is merely "forbidden").
    write_report(BAD / "owner-only.pdf", spec,
                 encrypt=StandardEncryption("", ownerPassword="proprietaire", canCopy=0))
    # A scan: each page is one image of text, no text layer.
    canvas = Canvas(str(BAD / "scanned.pdf"), pagesize=A4, invariant=1)
    font = ImageFont.load_default()
    for page in range(2):
        img = Image.new("L", (420, 594), 255)
        draw = ImageDraw.Draw(img)
        for i, line in enumerate(SCAN_LINES):
            draw.text((30, 40 + 22 * i + page * 5), line, fill=0, font=font)
        canvas.drawImage(ImageReader(img), 0, 0, width=A4[0], height=A4[1])
        canvas.showPage()
    canvas.save()
    # A blank page.
    canvas = Canvas(str(BAD / "blank.pdf"), pagesize=A4, invariant=1)
    canvas.showPage()
    canvas.save()


if __name__ == "__main__":
    write_pages()
    write_reports()
    write_bad()
    print(f"wrote fixtures under {HERE}")

"""Generate the offline demo site: five fictional firms, 2017-2020, and a thin sixth one, with
planted truth.

writes demo/site/ (live pages, web-archive captures, PDF annual reports), demo/sources.txt
and demo/truth.json. The output is committed: running the demo never needs this script.

    .venv/bin/python demo/generate.py              # rewrite demo/site, sources.txt, truth.json
    .venv/bin/python demo/generate.py --out /tmp/x # write elsewhere (the tests compare bytes)

Every text is invented for the project. Documents are mixed, with a fixed seed, from sentence
pools: five themes (each with its own vocabulary in French and English), audience sentences
(citizens or clients, same wording, only the noun changes), framing sentences (problems or
solutions), the three dimensions of "government by performance", extra offer domains, and each
firm's signature sentences (brand and distinctive terms). Theme, frame and domain counts are
measured on the generated text with the lexicon of frames.yaml and written to truth.json next
to what was planted; the script stops if a firm uses a term of a domain it was not given.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import math
import random
import re
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml

try:
    from demo import longreport
except ImportError:  # run as a script: demo/ itself is on sys.path
    import longreport  # type: ignore[no-redef]

DEMO = Path(__file__).resolve().parent
ROOT = DEMO.parent
SEED = 2017
YEARS = (2017, 2018, 2019, 2020)
WORD_RE = re.compile(r"\w+(?:[-’']\w+)*")

# ---------------------------------------------------------------------------------------------
# Planted design
# ---------------------------------------------------------------------------------------------

THEMES = {
    "water_waste": {"label": "water and waste", "domains": ["water", "waste"]},
    "energy_lighting": {"label": "energy and lighting",
                        "domains": ["energy_performance", "public_lighting"]},
    "mobility": {"label": "mobility", "domains": ["mobility"]},
    "security": {"label": "security and surveillance", "domains": ["security"]},
    "data_platforms": {"label": "data platforms",
                       "domains": ["data_analysis", "platform_hypervisor"]},
}
EXTRA_DOMAINS = ("buildings", "bim", "citizen_communication")


def _per_year(value) -> dict[int, object]:
    if isinstance(value, dict):
        return {int(k): v for k, v in value.items()}
    if isinstance(value, list | tuple):
        return dict(zip(YEARS, value, strict=True))
    return dict.fromkeys(YEARS, value)


FIRMS = {
    "aquantis": {
        "name": "Aquantis", "brand": "Limpidor", "lang": "fr",
        "distinctive": {"fr": ["limpidor", "résilience", "sobriété"],
                        "en": ["limpidor", "resilience", "sobriety"]},
        "mix": {"water_waste": 0.62, "energy_lighting": 0.38},
        "extras": {"buildings": YEARS},
        "citizen_share": 0.6,
        "problem_share": 0.6,
        "performance": {"pooling": 0.3, "services_transparency": 0.3,
                        "economic_legal_innovation": 0.4},
    },
    "lumidia": {
        "name": "Lumidia", "brand": "Solvane", "lang": "fr",
        "distinctive": {"fr": ["solvane", "crépuscule", "ambiance"],
                        "en": ["solvane", "dusk", "ambience"]},
        "mix": {"energy_lighting": 0.62, "water_waste": 0.38},
        "extras": {"buildings": YEARS, "bim": (2019, 2020)},
        # planted shift: from clients to citizens after 2018
        "citizen_share": [0.2, 0.2, 0.8, 0.8],
        "problem_share": 0.35,
        "performance": {"pooling": 0.25, "services_transparency": 0.15,
                        "economic_legal_innovation": 0.6},
    },
    "citavia": {
        "name": "Citavia", "brand": "Trajeo", "lang": "fr",
        "distinctive": {"fr": ["trajeo", "itinéraire", "fluidité"],
                        "en": ["trajeo", "itinerary", "fluidity"]},
        "mix": {"mobility": 0.65, "data_platforms": 0.20, "security": 0.15},
        "extras": {"citizen_communication": YEARS},
        "citizen_share": 0.75,
        # planted shift: from naming problems to selling solutions
        "problem_share": [0.7, 0.6, 0.4, 0.3],
        "performance": {"pooling": 0.2, "services_transparency": 0.6,
                        "economic_legal_innovation": 0.2},
    },
    "vigimetra": {
        "name": "Vigimetra", "brand": "Vigiscope", "lang": "fr",
        "distinctive": {"fr": ["vigiscope", "sentinelle", "quiétude"],
                        "en": ["vigiscope", "sentinel", "serenity"]},
        # planted shift: data platforms rise every year
        "mix": {2017: {"security": 0.9, "data_platforms": 0.1},
                2018: {"security": 0.8, "data_platforms": 0.2},
                2019: {"security": 0.7, "data_platforms": 0.3},
                2020: {"security": 0.6, "data_platforms": 0.4}},
        "extras": {"buildings": YEARS},
        "citizen_share": 0.5,
        "problem_share": 0.65,
        "performance": {"pooling": 0.45, "services_transparency": 0.2,
                        "economic_legal_innovation": 0.35},
    },
    "nexurba": {
        "name": "Nexurba", "brand": "Nexcore", "lang": "en",
        "distinctive": {"fr": ["nexcore", "interopérabilité", "gouvernance"],
                        "en": ["nexcore", "interoperability", "governance"]},
        "mix": {"data_platforms": 0.65, "energy_lighting": 0.20, "mobility": 0.15},
        "extras": {"bim": YEARS},
        # the firm that addresses clients more than any other
        "citizen_share": 0.1,
        "problem_share": 0.15,
        "performance": {"pooling": 0.6, "services_transparency": 0.2,
                        "economic_legal_innovation": 0.2},
    },
}

# A thin firm (issue 14): six short French pages over two years, too little text for a topic
# profile, a map position or a trend. Kept out of FIRMS so that the five firms' planted truths
# (themes, similarity, domains) stay theirs; truth.json lists it under `thin_firms`, and the
# pipeline must flag it as too little text wherever it appears.
THIN_FIRMS = {
    "ombrelia": {
        "name": "Ombrelia", "brand": "Frondeo", "lang": "fr",
        "distinctive": {"fr": ["frondeo", "canopée", "ombrage"],
                        "en": ["frondeo", "canopy", "shade"]},
        "mix": {"water_waste": 1.0},
        "extras": {},
        "citizen_share": 0.5,
        "problem_share": 0.5,
        "performance": {"pooling": 0.4, "services_transparency": 0.3,
                        "economic_legal_innovation": 0.3},
        # (year, page, title, words): live pages dated by year= in sources.txt
        "pages": ((2019, "ville-intelligente.html", "La ville intelligente", 110),
                  (2019, "engagements.html", "Nos engagements", 110),
                  (2019, "realisations.html", "Nos réalisations", 110),
                  (2020, "ville-intelligente-2020.html", "La ville intelligente", 110),
                  (2020, "engagements-2020.html", "Nos engagements", 110),
                  (2020, "actualites.html", "Actualités", 110)),
    },
}
SPECS = {**FIRMS, **THIN_FIRMS}  # every firm's spec, for the helpers that write any firm

# share of a document's sentences in each non-theme category
RATES = {"audience": 0.10, "framing": 0.10, "performance": 0.05, "signature": 0.12,
         "extra": 0.05}
# pages in a firm's second language are few: more signature sentences keep its distinctive
# terms frequent enough for keyness within that language
SECOND_LANG_SIGNATURE = 0.14

# ---------------------------------------------------------------------------------------------
# Sentence pools (written for this project). Slots: {ville} a town, {coll}/{council} a local
# authority, {n} a number, {pct} a percentage, {sat} a satisfaction rate, {year} the document's
# year, {A} an audience noun (plural).
# ---------------------------------------------------------------------------------------------

TOWNS = ["Valbrune", "Saint-Orlan", "Montclar-sur-Lise", "Ormelune", "Castelbrun", "Verlanges",
         "Lissandre", "Bellaroche", "Port-Sauvin", "Aigrefeuille-la-Rive", "Combelaure",
         "Sainte-Mélanie-des-Prés"]
VOWEL_TOWN_DE = re.compile(
    r"\bde (?=(?:" + "|".join(t for t in TOWNS if t[0] in "AEIOU") + r")\b)")
COLL_FR = ["la métropole de {ville}", "la communauté d'agglomération de {ville}",
           "la commune de {ville}", "le syndicat intercommunal de {ville}",
           "la ville de {ville}"]
COLL_EN = ["the city of {ville}", "the {ville} metropolitan authority",
           "the municipality of {ville}", "the {ville} district council"]

THEME_POOLS = {
    "water_waste": {
        "fr": [
            "À {ville}, nos équipes ont renouvelé {n} kilomètres du réseau d'eau potable en "
            "{year}.",
            "Les compteurs d'eau télérelevés signalent désormais chaque fuite en moins de {n} "
            "heures.",
            "Le rendement du réseau d'eau de {coll} a gagné {pct} points en trois ans.",
            "Nous exploitons la station d'assainissement de {ville}, qui traite les effluents "
            "de {n} communes.",
            "La recherche active de fuites a permis d'économiser {n} 000 mètres cubes d'eau sur "
            "l'année.",
            "Chaque semaine, la collecte des déchets ménagers suit des tournées recalculées selon "
            "le remplissage des bennes.",
            "Le centre de tri de {ville} a traité {n} 000 tonnes d'emballages en {year}.",
            "Le recyclage du verre et du papier progresse de {pct} % grâce aux nouvelles "
            "consignes de tri.",
            "La valorisation des biodéchets alimente une unité de compostage qui fournit les "
            "jardins de {ville}.",
            "Nos ingénieurs modélisent les réseaux d'assainissement pour anticiper les orages et "
            "protéger les rivières.",
            "Les bennes enterrées remplacent peu à peu les bacs de rue dans le centre historique "
            "de {ville}.",
            "L'économie circulaire guide nos contrats : chaque tonne de déchets détournée de "
            "l'enfouissement allège la facture de la collectivité.",
            "Nous accompagnons {coll} dans la sectorisation de son réseau d'eau potable.",
            "Les eaux pluviales sont captées, stockées puis réutilisées pour l'arrosage des "
            "parcs.",
            "La qualité de l'eau distribuée est contrôlée en continu à {n} points du réseau.",
            "Les déchetteries de {ville} accueillent désormais le réemploi du mobilier et des "
            "textiles.",
            "La collecte séparée des biodéchets couvre {n} quartiers et sera étendue l'an "
            "prochain.",
            "Nos stations d'épuration produisent du biogaz à partir des boues d'assainissement.",
            "Le tri à la source des déchets de chantier progresse grâce à des bennes dédiées.",
            "Chaque fuite réparée sur le réseau d'eau représente des milliers de litres "
            "préservés.",
            "Le schéma directeur d'assainissement de {coll} a été révisé avec nos hydrologues.",
            "Les usines de traitement de l'eau potable de {ville} fonctionnent sans interruption "
            "depuis {n} ans.",
            "Le taux de recyclage des déchets ménagers de {ville} atteint {pct} % en {year}.",
            "La redevance incitative a fait baisser de {pct} % le volume de déchets résiduels.",
        ],
        "en": [
            "In {ville}, our teams renewed {n} kilometres of the drinking water network in "
            "{year}.",
            "Remote-read water meters now flag every leak within {n} hours.",
            "The yield of the water network run for {council} rose by {pct} points in three "
            "years.",
            "We operate the sanitation plant of {ville}, which treats the effluent of {n} towns.",
            "Active leak detection saved {n},000 cubic metres of water over the year.",
            "Every week, household waste collection follows rounds recalculated from how full "
            "the bins are.",
            "The sorting centre in {ville} handled {n},000 tonnes of packaging in {year}.",
            "Glass and paper recycling grew by {pct} % thanks to clearer sorting rules.",
            "Food waste recovery feeds a composting unit that supplies the gardens of {ville}.",
            "Our engineers model sanitation networks to anticipate storms and protect rivers.",
            "Underground bins are gradually replacing kerbside containers in the old town of "
            "{ville}.",
            "The circular economy shapes our contracts: every tonne of waste kept out of landfill "
            "lowers the council's bill.",
            "We help {council} divide its water network into metered sectors.",
            "Rainwater is captured, stored and reused to irrigate parks.",
            "The quality of drinking water is checked continuously at {n} points of the network.",
            "The recycling centres of {ville} now take furniture and textiles for reuse.",
            "Separate collection of food waste covers {n} neighbourhoods and will be extended "
            "next year.",
            "Our treatment plants turn sanitation sludge into biogas.",
            "Sorting construction waste at source is rising thanks to dedicated bins.",
            "Every leak repaired on the water network preserves thousands of litres.",
            "The sanitation master plan of {council} was revised with our hydrologists.",
            "The recycling rate of household waste in {ville} reached {pct} % in {year}.",
        ],
    },
    "energy_lighting": {
        "fr": [
            "À {ville}, {n} 000 points lumineux ont été remplacés par des luminaires LED pilotés "
            "à distance.",
            "L'éclairage public s'abaisse de {pct} % au cœur de la nuit et remonte au passage des "
            "piétons.",
            "La consommation énergétique des écoles de {coll} a baissé de {pct} % en {year}.",
            "Nos techniciens remplacent les lampadaires vétustes par des modèles sobres et "
            "durables.",
            "Le réseau de chauffage urbain de {ville} raccorde désormais {n} équipements publics.",
            "Un smart grid local équilibre la production solaire et les besoins des équipements "
            "municipaux.",
            "Nous conduisons la rénovation énergétique de {n} écoles, gymnases et médiathèques.",
            "Chaque candélabre connecté transmet son état et sa puissance au gestionnaire du "
            "réseau électrique.",
            "L'énergie produite par les toitures solaires couvre {pct} % des besoins des ateliers "
            "municipaux.",
            "La trame noire protège la biodiversité : l'éclairage s'éteint le long des corridors "
            "écologiques.",
            "Les contrats d'énergie de {coll} sont renégociés pour privilégier les sources "
            "renouvelables.",
            "Le raccordement au réseau électrique des nouvelles bornes de recharge a été achevé "
            "en {year}.",
            "La température de consigne des équipements municipaux est ajustée heure par heure "
            "pour réduire la consommation énergétique.",
            "Les luminaires LED durent trois fois plus longtemps que les anciennes lampes au "
            "sodium.",
            "Le chauffage urbain de {ville} fonctionne à {pct} % avec de la chaleur "
            "renouvelable.",
            "Nos bureaux d'études dimensionnent l'éclairage des places, des quais et des parcs.",
            "La facture d'énergie de la commune de {ville} a diminué de {n} 000 euros par an.",
            "Un programme de rénovation énergétique des logements sociaux est engagé avec les "
            "bailleurs de {ville}.",
            "Des panneaux photovoltaïques alimentent les lampadaires autonomes des zones rurales.",
            "L'extinction nocturne de l'éclairage public est décidée rue par rue avec les élus.",
            "Les candélabres du front de mer de {ville} ont été repeints et équipés de modules "
            "LED.",
            "Une chaufferie biomasse fournit désormais {pct} % de l'énergie du réseau de chaleur.",
        ],
        "en": [
            "In {ville}, {n},000 light points were replaced with remotely controlled LED "
            "luminaires.",
            "Public lighting dims by {pct} % in the dead of night and brightens again as "
            "pedestrians pass.",
            "Energy consumption in the schools of {council} fell by {pct} % in {year}.",
            "Our technicians replace worn-out streetlights with frugal, durable models.",
            "The district heating network of {ville} now connects {n} public facilities.",
            "A local smart grid balances solar output with the needs of municipal facilities.",
            "We are carrying out the energy retrofit of {n} schools, gyms and libraries.",
            "Each connected lamp post sends its status and load to the operator of the power "
            "grid.",
            "Energy from solar roofs covers {pct} % of the needs of municipal workshops.",
            "Dark corridors protect wildlife: lighting switches off along ecological corridors.",
            "The energy contracts of {council} are renegotiated in favour of renewable sources.",
            "Connecting new charging points to the power grid was completed in {year}.",
            "Heating set points in municipal facilities are adjusted hour by hour to cut energy "
            "consumption.",
            "LED luminaires last three times longer than the old sodium lamps.",
            "District heating in {ville} runs on {pct} % renewable heat.",
            "Our design offices plan the lighting of squares, quays and parks.",
            "The energy bill of the municipality of {ville} dropped by {n},000 euros a year.",
            "An energy retrofit programme for social housing is under way with the landlords of "
            "{ville}.",
            "Solar panels power stand-alone streetlights in rural areas.",
            "Switching off public lighting at night is decided street by street with elected "
            "officials.",
            "A biomass boiler now supplies {pct} % of the energy of the heat network.",
        ],
    },
    "mobility": {
        "fr": [
            "À {ville}, le stationnement sur voirie est désormais payable à la minute.",
            "Les feux tricolores du boulevard central s'adaptent au trafic en temps réel.",
            "Le réseau de transport de {coll} a gagné {pct} % de voyageurs en {year}.",
            "Nous avons déployé {n} stations de vélos en libre-service dans l'agglomération.",
            "Le covoiturage domicile-travail est encouragé par des voies réservées aux heures de "
            "pointe.",
            "La circulation des poids lourds est réorganisée autour d'un centre logistique "
            "urbain.",
            "Les parcs relais de {ville} comptent {n} places de stationnement reliées au "
            "tramway.",
            "Une nouvelle ligne de bus à haut niveau de service relie la gare au campus de "
            "{ville}.",
            "La mobilité électrique progresse : {n} véhicules partagés circulent dans le "
            "centre-ville.",
            "Nos équipes recalibrent les carrefours pour fluidifier le trafic aux heures de "
            "pointe.",
            "Le plan de mobilité de {coll} donne la priorité aux piétons et aux vélos.",
            "Les aires de livraison sont réservées par créneaux pour libérer le stationnement en "
            "double file.",
            "La vitesse de circulation est abaissée à 30 km/h dans {n} quartiers de la ville.",
            "Les abris à vélos fermés se multiplient près des gares de {ville}.",
            "Le transport à la demande dessert les villages autour de {ville} le soir et le "
            "dimanche.",
            "Le trafic de transit est dévié hors du centre grâce à un nouveau plan de "
            "circulation.",
            "Le covoiturage vers la zone d'activités de {ville} a doublé en un an.",
            "La reprogrammation des feux tricolores a réduit de {pct} % le temps de parcours des "
            "bus.",
            "Les stations de vélos en libre-service de {ville} enregistrent {n} 000 locations par "
            "mois.",
            "La mobilité des salariés de la zone portuaire est organisée avec les employeurs.",
            "Le transport scolaire de {coll} dessert {n} établissements chaque matin.",
        ],
        "en": [
            "In {ville}, on-street parking is now paid by the minute.",
            "The traffic lights on the main boulevard adapt to traffic in real time.",
            "The transport network of {council} carried {pct} % more passengers in {year}.",
            "We have installed {n} bike-share stations across the urban area.",
            "Commuter car sharing is encouraged by reserved lanes at peak hours.",
            "Lorry traffic is reorganised around an urban logistics hub.",
            "The park-and-ride sites of {ville} provide {n} parking spaces linked to the tram.",
            "A new rapid bus line links the station to the {ville} campus.",
            "Electric mobility is growing: {n} shared vehicles now run in the city centre.",
            "Our teams retime junctions to keep traffic moving at peak hours.",
            "The mobility plan of {council} gives priority to pedestrians and bikes.",
            "Delivery bays are booked by time slot to free up parking.",
            "Speed limits drop to 30 km/h in {n} neighbourhoods to calm traffic.",
            "Covered bike shelters are multiplying near the stations of {ville}.",
            "On-demand transport serves the villages around {ville} in the evening and on "
            "Sundays.",
            "Through traffic is diverted out of the centre by a new road plan.",
            "Car sharing to the {ville} business park doubled in a year.",
            "Retiming the traffic lights cut bus journey times by {pct} %.",
            "Public transit ridership in {ville} reached {n} million trips.",
            "School transport run for {council} serves {n} schools every morning.",
        ],
    },
    "security": {
        "fr": [
            "Le centre de vidéoprotection de {ville} coordonne {n} caméras avec la police "
            "municipale.",
            "Nos opérateurs assurent la sûreté des gares et des grands événements.",
            "La sécurité des espaces publics repose sur une coopération étroite avec les forces de "
            "l'ordre.",
            "Les caméras nomades sont déployées lors des marchés, des concerts et des fêtes de "
            "quartier.",
            "La vidéosurveillance des parcs publics est encadrée par une charte éthique votée en "
            "conseil municipal.",
            "Nous formons les agents de sécurité aux procédures d'alerte et d'évacuation.",
            "La sûreté des sites sensibles de {coll} est assurée jour et nuit.",
            "Les images de vidéoprotection sont conservées {n} jours puis effacées "
            "automatiquement.",
            "Un dispositif de surveillance des berges prévient les noyades pendant l'été.",
            "Les patrouilles de sécurité sont coordonnées par radio avec les équipes de nuit.",
            "{n} caméras ont été installées aux abords des écoles de {ville} en {year}.",
            "La sécurité incendie des lieux recevant du public est vérifiée chaque trimestre.",
            "Nos contrôleurs d'accès protègent les mairies, les archives et les musées.",
            "La surveillance des ouvrages d'art repère les fissures avant qu'elles ne s'étendent.",
            "Les alarmes intrusion des locaux municipaux sont reliées à notre station de "
            "télésurveillance.",
            "La vidéoprotection de la place de la gare a été étendue à {n} rues voisines.",
            "Nos équipes de sûreté accompagnent les organisateurs des grands rassemblements.",
            "Les caméras piétons équipent désormais les agents de la police municipale de "
            "{ville}.",
            "La charte de vidéoprotection de {coll} encadre strictement l'usage des images.",
            "Les exercices de sécurité civile réunissent pompiers, police et agents municipaux.",
            "La vidéosurveillance des tunnels de {ville} fonctionne sans interruption depuis "
            "{year}.",
        ],
        "en": [
            "The video surveillance centre in {ville} coordinates {n} cameras with the municipal "
            "police.",
            "Our operators ensure safety at stations and major events.",
            "Security in public spaces relies on close cooperation with the police.",
            "Mobile cameras are deployed at markets, concerts and street festivals.",
            "Surveillance of public parks is governed by an ethics charter voted by the council.",
            "We train security staff in alert and evacuation procedures.",
            "The safety of sensitive sites run by {council} is ensured day and night.",
            "Video surveillance footage is kept for {n} days and then deleted automatically.",
            "A surveillance scheme on the riverbanks prevents drownings in summer.",
            "Security patrols are coordinated by radio with the night teams.",
            "In {year}, {n} cameras were installed near the schools of {ville}.",
            "Fire safety in public venues is checked every quarter.",
            "Our access controllers protect town halls, archives and museums.",
            "Surveillance of bridges spots cracks before they widen.",
            "Intrusion alarms in council premises are linked to our remote monitoring station.",
            "CCTV coverage of the station square was extended to {n} nearby streets.",
            "Our safety teams support the organisers of large gatherings.",
            "Body-worn cameras now equip the municipal police officers of {ville}.",
            "The CCTV charter of {council} strictly governs the use of footage.",
            "Civil security drills bring together firefighters, police and municipal staff.",
        ],
    },
    "data_platforms": {
        "fr": [
            "Notre hyperviseur urbain croise en temps réel les données de {n} services "
            "municipaux.",
            "Les capteurs installés à {ville} transmettent leurs mesures toutes les {n} minutes.",
            "Le centre de supervision de {coll} réunit les opérateurs de la voirie, des espaces "
            "verts et de la propreté.",
            "Nos algorithmes prédictifs anticipent les pics de fréquentation des équipements "
            "publics.",
            "L'analyse de données permet de repérer les anomalies avant qu'elles ne perturbent "
            "le service.",
            "Le big data urbain rassemble des flux hétérogènes dans un référentiel unique.",
            "L'intelligence artificielle classe automatiquement les demandes reçues par la "
            "mairie.",
            "Le poste de pilotage de {ville} affiche en continu l'état des réseaux de la ville.",
            "Les données sont hébergées en France et chiffrées de bout en bout.",
            "Nos data scientists conçoivent des modèles analytiques avec les services de {coll}.",
            "La supervision des équipements municipaux est centralisée dans une salle unique.",
            "{n} capteurs de qualité de l'air couvrent désormais le territoire de {ville}.",
            "Les modèles prédictifs sont réentraînés chaque mois sur les données de l'année "
            "écoulée.",
            "L'hypervision rassemble sur un même écran des informations jusque-là dispersées.",
            "Le catalogue de données de {coll} recense {n} jeux de données documentés.",
            "Nos équipes analytiques produisent des cartes de chaleur de l'activité urbaine.",
            "Les algorithmes de détection d'anomalies alertent les agents d'astreinte.",
            "Le centre de supervision fonctionne jour et nuit avec {n} opérateurs.",
            "Un référent des données est nommé dans chaque direction de {coll}.",
            "Les capteurs connectés transmettent leurs mesures à l'hyperviseur sans intervention "
            "humaine.",
            "Le poste de pilotage reçoit chaque jour {n} millions de mesures transmises par les "
            "capteurs.",
        ],
        "en": [
            "Our urban hypervisor cross-references data from {n} municipal services in real "
            "time.",
            "Sensors installed in {ville} transmit their readings every {n} minutes.",
            "The operations centre of {council} brings together the operators of roads, parks "
            "and street cleaning.",
            "Our predictive algorithms anticipate peaks in attendance at public facilities.",
            "Data analysis spots anomalies before they disrupt services.",
            "Urban big data gathers heterogeneous streams into a single repository.",
            "Artificial intelligence automatically classifies the requests received by the town "
            "hall.",
            "The control room in {ville} shows the state of the city's networks around the "
            "clock.",
            "Sensor readings are hosted in Europe and encrypted end to end.",
            "Our data scientists design predictive models with the departments of {council}.",
            "Supervision of municipal equipment is centralised in a single room.",
            "{n} air quality sensors now cover the territory of {ville}.",
            "Predictive models are retrained every month on the sensor readings of the past "
            "year.",
            "The hypervisor brings onto one screen information that used to be scattered.",
            "The data catalogue of {council} lists {n} documented datasets.",
            "Our algorithms produce heat maps of urban activity every hour.",
            "Anomaly detection algorithms alert on-call staff to deviations.",
            "The operations centre runs around the clock with {n} operators.",
            "A data officer is appointed in every department of {council}.",
            "Connected sensors send their readings to the hypervisor without human "
            "intervention.",
            "The control room receives {n} million sensor readings every day.",
        ],
    },
}

# Most theme sentences are composed from parts, so a theme's words co-occur with each other in
# many combinations (as in real prose) rather than in a few fixed sentences that a topic model
# would pick up one by one. S: subject (singular), V: its verb phrase, O: object, W: verb after
# "nous"/"we". The fixed sentences above make up THEME_TEMPLATE_SHARE of theme sentences.
THEME_TEMPLATE_SHARE = 0.3
THEME_PARTS = {
    "water_waste": {
        "fr": {
            "S": ["le réseau d'eau potable", "la collecte des déchets ménagers",
                  "le centre de tri", "le recyclage du verre", "la station d'épuration",
                  "l'assainissement collectif", "la recherche de fuites",
                  "le compteur d'eau communicant", "la valorisation des biodéchets",
                  "le tri sélectif", "l'économie circulaire", "la déchetterie intercommunale",
                  "le traitement de l'eau potable", "la collecte des encombrants",
                  "le recyclage des emballages"],
            "V": ["progresse de {pct} % en un an", "couvre désormais {n} quartiers",
                  "limite les pertes du réseau d'eau", "réduit le volume de déchets enfouis",
                  "alimente une unité de compostage", "fonctionne sans interruption",
                  "mobilise {n} agents de collecte", "protège les rivières et les nappes",
                  "s'appuie sur des bennes enterrées", "détecte chaque fuite en quelques heures",
                  "traite les effluents de {n} communes", "recycle {n} 000 tonnes par an"],
            "O": ["les canalisations d'eau potable", "les bennes enterrées",
                  "le réseau d'assainissement", "les compteurs d'eau",
                  "les biodéchets des cantines", "les emballages ménagers",
                  "les boues d'épuration", "les points de collecte", "les fuites du réseau d'eau",
                  "le tri des textiles", "les déchets de chantier", "les effluents industriels",
                  "la collecte sélective", "le recyclage du papier"],
            "W": ["renouvelons", "exploitons", "modernisons", "surveillons", "réorganisons",
                  "étendons", "entretenons", "cartographions"],
        },
        "en": {
            "S": ["the drinking water network", "household waste collection", "the sorting centre",
                  "glass recycling", "the treatment plant", "sanitation", "leak detection",
                  "every smart water meter", "food waste recovery", "kerbside sorting",
                  "the circular economy", "the recycling centre", "drinking water treatment",
                  "bulky waste collection", "packaging recycling"],
            "V": ["grew by {pct} % in a year", "now covers {n} neighbourhoods",
                  "cuts losses from the water network", "reduces the waste sent to landfill",
                  "feeds a composting unit", "runs without interruption",
                  "employs {n} collection staff", "protects rivers and groundwater",
                  "relies on underground bins", "spots every leak within hours",
                  "treats the effluent of {n} towns", "recycles {n},000 tonnes a year"],
            "O": ["drinking water mains", "underground bins", "the sanitation network",
                  "water meters", "food waste from school canteens", "household packaging",
                  "sewage sludge", "collection points", "leaks on the water network",
                  "textile sorting", "construction waste", "industrial effluent",
                  "separate collection", "paper recycling"],
            "W": ["renew", "operate", "upgrade", "monitor", "reorganise", "extend", "maintain",
                  "map"],
        },
    },
    "energy_lighting": {
        "fr": {
            "S": ["l'éclairage public", "le réseau de chauffage urbain",
                  "la consommation énergétique des écoles", "chaque luminaire LED",
                  "le smart grid local", "la rénovation énergétique des gymnases",
                  "le réseau électrique", "la facture d'énergie", "chaque lampadaire connecté",
                  "l'éclairage des quais", "la chaufferie biomasse",
                  "la production d'énergie solaire", "chaque candélabre rénové",
                  "l'extinction nocturne de l'éclairage"],
            "V": ["baisse de {pct} % en un an", "s'abaisse au cœur de la nuit",
                  "raccorde {n} équipements publics", "fonctionne avec de la chaleur renouvelable",
                  "équilibre la production solaire et la demande",
                  "consomme deux fois moins d'énergie",
                  "s'éteint le long des corridors écologiques", "alimente les ateliers municipaux",
                  "couvre {pct} % des besoins en chaleur", "réduit la puissance appelée le soir",
                  "dure trois fois plus longtemps que les lampes au sodium",
                  "économise {n} 000 euros d'énergie par an"],
            "O": ["les luminaires vétustes", "les lampadaires du centre-ville",
                  "la consommation énergétique", "les toitures solaires",
                  "le chauffage des écoles", "les candélabres du front de mer",
                  "l'éclairage des parcs", "les contrats d'énergie",
                  "la rénovation énergétique des logements", "les sources d'énergie renouvelable",
                  "le réseau de chauffage urbain", "les modules LED",
                  "les panneaux photovoltaïques"],
            "W": ["remplaçons", "pilotons", "rénovons", "raccordons", "dimensionnons",
                  "modernisons", "réglons", "entretenons"],
        },
        "en": {
            "S": ["public lighting", "the district heating network",
                  "energy consumption in schools", "every LED luminaire", "the local smart grid",
                  "the energy retrofit of gyms", "the power grid", "the energy bill",
                  "every connected streetlight", "the lighting of the quays", "the biomass boiler",
                  "solar energy", "every renovated lamp post",
                  "switching off street lighting at night"],
            "V": ["fell by {pct} % in a year", "dims in the dead of night",
                  "connects {n} public facilities", "runs on renewable heat",
                  "balances solar output and demand", "uses half as much energy",
                  "switches off along ecological corridors", "powers the municipal workshops",
                  "covers {pct} % of heating needs", "lowers the evening peak load",
                  "lasts three times longer than sodium lamps",
                  "saves {n},000 euros of energy a year"],
            "O": ["worn-out luminaires", "the streetlights of the town centre",
                  "energy consumption", "solar roofs", "school heating",
                  "the lamp posts of the seafront", "the lighting of parks", "energy contracts",
                  "the energy retrofit of social housing", "renewable energy sources",
                  "the district heating network", "LED modules", "photovoltaic panels"],
            "W": ["replace", "control", "retrofit", "connect", "design", "upgrade", "tune",
                  "maintain"],
        },
    },
    "mobility": {
        "fr": {
            "S": ["le stationnement sur voirie", "le réseau de transport",
                  "le covoiturage domicile-travail", "la circulation des poids lourds",
                  "le plan de mobilité", "le trafic de transit", "chaque station de vélos",
                  "le transport à la demande", "la mobilité électrique", "la ligne de bus express",
                  "le parc relais", "le trafic aux heures de pointe", "la circulation apaisée",
                  "le transport scolaire"],
            "V": ["progresse de {pct} % en un an", "dessert désormais {n} communes",
                  "libère de la place en centre-ville", "réduit le temps de parcours des bus",
                  "double en un an", "s'adapte aux heures de pointe",
                  "compte {n} 000 trajets par mois", "relie la gare au campus",
                  "gagne {pct} % de voyageurs", "évite {n} 000 trajets en voiture",
                  "se généralise dans l'agglomération", "respecte la priorité aux vélos"],
            "O": ["les feux tricolores", "le stationnement payant", "les vélos en libre-service",
                  "les voies de covoiturage", "les carrefours du boulevard",
                  "le trafic des poids lourds", "les lignes de bus", "les parcs relais",
                  "les aires de livraison", "le transport à la demande",
                  "la circulation en centre-ville", "les abris à vélos",
                  "les navettes de transport"],
            "W": ["reprogrammons", "exploitons", "déployons", "réorganisons", "étendons",
                  "régulons", "modernisons", "développons"],
        },
        "en": {
            "S": ["on-street parking", "the transport network", "commuter car sharing",
                  "lorry traffic", "the mobility plan", "through traffic",
                  "every bike-share station", "on-demand transport", "electric mobility",
                  "the express bus line", "the park-and-ride site", "peak-hour traffic",
                  "traffic calming", "school transport"],
            "V": ["grew by {pct} % in a year", "now serves {n} towns",
                  "frees up space in the town centre", "cuts bus journey times",
                  "doubled in a year", "adapts to peak hours", "records {n},000 trips a month",
                  "links the station to the campus", "gained {pct} % more passengers",
                  "avoids {n},000 car trips", "is spreading across the urban area",
                  "gives priority to bikes"],
            "O": ["traffic lights", "paid parking", "shared bikes", "car sharing lanes",
                  "the junctions of the boulevard", "lorry traffic", "bus lines",
                  "park-and-ride sites", "delivery bays", "on-demand transport",
                  "traffic in the town centre", "bike shelters", "transport shuttles"],
            "W": ["retime", "operate", "roll out", "reorganise", "extend", "regulate", "upgrade",
                  "develop"],
        },
    },
    "security": {
        "fr": {
            "S": ["le centre de vidéoprotection", "la sécurité des espaces publics",
                  "la sûreté des gares", "chaque caméra nomade", "la vidéosurveillance des parcs",
                  "la surveillance des berges", "la police municipale", "la sécurité incendie",
                  "le contrôle d'accès des mairies", "la sûreté des grands événements",
                  "la charte de vidéoprotection", "la télésurveillance des locaux",
                  "la patrouille de sécurité"],
            "V": ["coordonne {n} caméras", "repose sur une coopération étroite avec la police",
                  "couvre désormais {n} rues", "conserve les images {n} jours",
                  "fonctionne jour et nuit", "encadre strictement l'usage des images",
                  "mobilise {n} agents de sécurité", "s'étend aux abords des écoles",
                  "s'appuie sur des caméras piétons", "protège les mairies et les musées",
                  "veille sur les grands rassemblements", "renforce la sûreté des tunnels"],
            "O": ["les caméras de vidéoprotection", "la sûreté des sites sensibles",
                  "la sécurité des grands rassemblements", "les alarmes intrusion",
                  "la vidéosurveillance des tunnels", "les images de vidéoprotection",
                  "les agents de sécurité", "la surveillance des ouvrages d'art",
                  "les caméras piétons", "les procédures d'alerte", "la sécurité civile",
                  "les rondes de surveillance"],
            "W": ["déployons", "coordonnons", "formons", "renforçons", "équipons", "assurons",
                  "encadrons", "auditons"],
        },
        "en": {
            "S": ["the video surveillance centre", "security in public spaces",
                  "safety at stations", "every mobile camera", "surveillance of parks",
                  "surveillance of riverbanks", "the municipal police", "fire safety",
                  "access control at town halls", "safety at major events", "the CCTV charter",
                  "remote surveillance of council premises", "the security patrol"],
            "V": ["coordinates {n} cameras", "relies on close cooperation with the police",
                  "now covers {n} streets", "keeps footage for {n} days", "runs day and night",
                  "strictly governs the use of footage", "employs {n} security staff",
                  "extends to the surroundings of schools", "relies on body-worn cameras",
                  "protects town halls and museums", "watches over large gatherings",
                  "strengthens safety in tunnels"],
            "O": ["video surveillance cameras", "the safety of sensitive sites",
                  "security at large gatherings", "intrusion alarms", "CCTV in tunnels",
                  "video surveillance footage", "security staff", "the surveillance of bridges",
                  "body-worn cameras", "alert procedures", "civil security",
                  "surveillance rounds"],
            "W": ["deploy", "coordinate", "train", "strengthen", "equip", "ensure", "govern",
                  "audit"],
        },
    },
    "data_platforms": {
        "fr": {
            "S": ["l'hyperviseur urbain", "le centre de supervision", "chaque capteur connecté",
                  "l'analyse de données", "le poste de pilotage", "l'intelligence artificielle",
                  "le catalogue de données", "le modèle prédictif",
                  "l'hypervision des équipements", "le big data urbain",
                  "l'algorithme de détection", "la supervision des réseaux",
                  "le référentiel de données"],
            "V": ["croise les données de {n} services",
                  "transmet ses mesures toutes les {n} minutes",
                  "repère les anomalies en temps réel", "anticipe les pics de fréquentation",
                  "réunit les données de la voirie et des espaces verts",
                  "fonctionne jour et nuit", "alerte les agents d'astreinte",
                  "rassemble {n} jeux de données", "produit des cartes de chaleur",
                  "traite {n} millions de mesures par jour",
                  "s'appuie sur des algorithmes prédictifs",
                  "centralise les alertes des capteurs"],
            "O": ["les données des capteurs", "les flux de données", "les algorithmes prédictifs",
                  "le centre de supervision", "les modèles analytiques",
                  "les mesures des capteurs", "l'hyperviseur", "les données de fréquentation",
                  "les jeux de données", "la supervision des équipements",
                  "l'intelligence artificielle", "les capteurs de qualité de l'air",
                  "le poste de pilotage"],
            "W": ["collectons", "analysons", "croisons", "hébergeons", "documentons", "entraînons",
                  "visualisons", "supervisons"],
        },
        "en": {
            "S": ["the urban hypervisor", "the operations centre", "every connected sensor",
                  "data analysis", "the control room", "artificial intelligence",
                  "the data catalogue", "the predictive model", "hypervisor monitoring",
                  "urban big data", "the detection algorithm", "network supervision",
                  "the sensor data store"],
            "V": ["cross-references data from {n} services", "sends readings every {n} minutes",
                  "spots anomalies in real time", "anticipates peaks in attendance",
                  "brings together sensor data on roads and parks", "runs day and night",
                  "alerts on-call staff", "gathers {n} datasets", "produces heat maps",
                  "processes {n} million sensor readings a day", "relies on predictive algorithms",
                  "centralises sensor alerts"],
            "O": ["sensor data", "data streams", "predictive algorithms", "the operations centre",
                  "predictive models", "sensor readings", "the hypervisor", "attendance data",
                  "datasets", "equipment supervision", "artificial intelligence",
                  "air quality sensors", "the control room"],
            "W": ["collect", "analyse", "cross-reference", "host", "document", "train",
                  "visualise", "supervise"],
        },
    },
}

COMPOSE_FRAMES = {
    "fr": ["À {ville}, {S} {V}.", "{S} {V}, selon nos chiffres {year}.", "Nous {W} {O} à {ville}.",
           "Depuis {year}, {S} {V}.", "{S} {V}, et {S2} {V2}.", "Avec {coll}, nous {W} {O}.",
           "En {year}, nous {W} {O} et {O2}.", "{S} {V} grâce à {O}.", "Pour {coll}, {S} {V}.",
           "Chaque année, nous {W} {O} avec {coll}.", "Dans {n} communes, {S} {V}.",
           "Nous {W} {O}, car {S} {V}."],
    "en": ["In {ville}, {S} {V}.", "{S} {V}, according to our {year} figures.",
           "We {W} {O} in {ville}.", "Since {year}, {S} {V}.", "{S} {V}, and {S2} {V2}.",
           "With {council}, we {W} {O}.", "In {year}, we {W} {O} and {O2}.",
           "{S} {V} thanks to {O}.", "For {council}, {S} {V}.",
           "Every year, we {W} {O} with {council}.", "In {n} towns, {S} {V}.",
           "We {W} {O}, because {S} {V}."],
}
FR_CONTRACTIONS = ((" à le ", " au "), (" à les ", " aux "), (" de le ", " du "),
                   (" de les ", " des "))


EXTRA_POOLS = {
    "buildings": {
        "fr": [
            "Nous assurons la maintenance de {n} bâtiments publics de {coll}.",
            "Le patrimoine bâti de {ville} fait l'objet d'un diagnostic complet tous les cinq ans.",
            "Notre activité de facility management couvre l'accueil, la propreté et la "
            "maintenance des sites.",
            "Le parc immobilier de {coll} est géré par nos équipes depuis {year}.",
            "La maintenance préventive des bâtiments scolaires réduit les interventions "
            "d'urgence.",
            "Chaque bâtiment rénové dispose d'un carnet d'entretien numérique.",
        ],
        "en": [
            "We provide maintenance for {n} public buildings of {council}.",
            "The built asset portfolio of {ville} is fully surveyed every five years.",
            "Our facility management covers reception, cleaning and maintenance of sites.",
            "The real estate of {council} has been managed by our teams since {year}.",
            "Preventive maintenance of school buildings reduces emergency call-outs.",
            "Each renovated building has a digital upkeep logbook.",
        ],
    },
    "bim": {
        "fr": [
            "La maquette numérique de chaque équipement est tenue à jour tout au long de sa vie.",
            "Le jumeau numérique de {ville} simule l'ombre, le vent et le bruit avant chaque "
            "projet.",
            "Nos projeteurs livrent les ouvrages en BIM, du concours à la réception.",
            "La modélisation 3D du quartier de la gare a servi de base à la concertation.",
            "Le BIM réduit les reprises de chantier et fiabilise les plannings.",
            "Le jumeau numérique rassemble plans, réseaux et équipements dans une seule vue.",
        ],
        "en": [
            "The digital twin of {ville} simulates shade, wind and noise before each project.",
            "Our designers deliver works in BIM, from competition to handover.",
            "A 3D model of the station district served as the basis for consultation.",
            "BIM reduces rework on site and makes schedules more reliable.",
            "The digital twin brings plans, networks and equipment into one view.",
            "The 3D model of each facility is kept up to date throughout its life.",
        ],
    },
    "citizen_communication": {
        "fr": [
            "L'information voyageur est diffusée en temps réel sur {n} panneaux d'information en "
            "ville.",
            "L'application mobile de {ville} envoie une notification avant chaque perturbation.",
            "Notre service de communication accompagne la collectivité lors de chaque chantier.",
            "Les notifications de travaux sont envoyées la veille aux riverains.",
            "Les panneaux d'information des arrêts affichent les horaires et les "
            "correspondances.",
            "Un plan de communication accompagne chaque changement d'horaires.",
        ],
        "en": [
            "Passenger information is broadcast in real time on {n} information displays across "
            "town.",
            "The mobile app of {ville} sends a notification before each disruption.",
            "Our communication team supports the council during every works project.",
            "Works notifications are sent to local people the day before.",
            "Information displays at stops show timetables and connections.",
            "A communication plan accompanies every timetable change.",
        ],
    },
}

PERFORMANCE_POOLS = {
    "pooling": {
        "fr": [
            "Mutualiser les moyens des communes permet de partager les équipes et les "
            "équipements.",
            "La mutualisation des contrats entre {n} communes a réduit les coûts de gestion.",
            "Nous aidons les directions à désiloter leurs organisations.",
            "La transversalité entre directions est au cœur de notre démarche.",
            "Rationaliser les achats publics libère des marges pour l'investissement.",
            "La rationalisation des sites techniques a été conduite en {year}.",
            "Chaque contrat est suivi par des indicateurs partagés avec la collectivité.",
            "Un tableau de bord mensuel rend compte de l'avancement aux élus.",
        ],
        "en": [
            "Pooling the resources of several towns lets them share teams and equipment.",
            "We pool contracts across {n} municipalities to cut management costs.",
            "We help departments break down silos between their teams.",
            "Rationalising depots freed budget for investment in {year}.",
            "Each contract is monitored through indicators shared with the council.",
            "A monthly dashboard keeps elected officials informed of progress.",
            "Every department follows the same KPIs, agreed with the council.",
        ],
    },
    "services_transparency": {
        "fr": [
            "Une application de signalement permet de déclarer un dépôt sauvage ou un banc "
            "cassé.",
            "La transparence sur les coûts est inscrite dans chacun de nos contrats.",
            "Les signalements reçus sont traités en moins de {n} jours.",
            "La participation des riverains est organisée dès la phase de conception.",
            "Un budget participatif finance chaque année des projets proposés par les quartiers.",
            "Nos comptes rendus annuels sont publiés en ligne par souci de transparence.",
        ],
        "en": [
            "An app lets people flag fly-tipping or a broken bench in a few taps.",
            "Transparency on costs is written into each of our contracts.",
            "Requests sent through the app are handled within {n} days.",
            "Participation of local people is organised from the design stage.",
            "A participatory budget funds projects proposed by neighbourhoods every year.",
            "Our annual accounts are published online for the sake of transparency.",
        ],
    },
    "economic_legal_innovation": {
        "fr": [
            "Le dialogue compétitif a permis de comparer plusieurs montages.",
            "Notre modèle économique repose sur une rémunération liée aux résultats.",
            "Un avenant au contrat a intégré de nouveaux services en {year}.",
            "L'intracting finance les travaux grâce aux économies réalisées.",
            "Ce business model partage les gains entre la collectivité et l'exploitant.",
            "Le modèle économique du contrat a été validé par {coll} après un dialogue "
            "compétitif.",
        ],
        "en": [
            "Competitive dialogue made it possible to compare several schemes.",
            "Our business model links payment to results.",
            "A contract amendment added new services in {year}.",
            "This business model shares gains between the council and the operator.",
            "The business model of the contract was approved by {council} after competitive "
            "dialogue.",
            "A contract amendment extended the term by {n} months.",
        ],
    },
}

AUDIENCE_NOUNS = {
    "citizens": {"fr": ["citoyens", "habitants", "usagers", "résidents"],
                 "en": ["citizens", "residents", "inhabitants", "users"]},
    "clients": {"fr": ["clients", "consommateurs"],
                "en": ["customers", "clients", "consumers"]},
}
AUDIENCE_POOL = {
    "fr": [
        "Nous plaçons les {A} au cœur de chaque projet.",
        "Chaque décision est prise en pensant d'abord aux {A}.",
        "Nos équipes rencontrent régulièrement les {A} pour recueillir leurs attentes.",
        "Le service rendu aux {A} est mesuré chaque trimestre.",
        "Nous voulons simplifier le quotidien des {A}.",
        "Les {A} jugent la qualité du service sur la durée.",
        "Notre ambition : que les {A} constatent les progrès dès la première année.",
        "Un comité associe les {A} au suivi du contrat.",
        "La satisfaction des {A} atteint {sat} % selon notre dernière enquête.",
        "Nous écoutons les {A} avant de proposer quoi que ce soit.",
        "Les attentes des {A} évoluent vite, et nous évoluons avec elles.",
        "Chaque année, {n} 000 {A} bénéficient de nos services.",
        "Nos agents sont formés pour répondre aux {A} avec clarté.",
        "La confiance des {A} se gagne par des résultats visibles.",
        "Nous rendons compte aux {A} de chaque engagement pris.",
        "Les {A} de {ville} ont été associés à chaque étape.",
        "Le respect des {A} guide notre façon de travailler.",
        "Des ateliers réunissent les {A} pour discuter des priorités.",
    ],
    "en": [
        "We put {A} at the heart of every project.",
        "Every decision is made with {A} in mind first.",
        "Our teams meet {A} regularly to hear what they expect.",
        "The service delivered to {A} is measured every quarter.",
        "We want to make daily life simpler for {A}.",
        "Our ambition: that {A} see progress in the very first year.",
        "A committee involves {A} in monitoring the contract.",
        "Satisfaction among {A} reached {sat} % in our latest survey.",
        "We listen to {A} before proposing anything.",
        "The expectations of {A} change quickly, and we change with them.",
        "Every year, {n},000 {A} benefit from our services.",
        "Our staff are trained to answer {A} clearly.",
        "The trust of {A} is earned through visible results.",
        "We account to {A} for every commitment we make.",
        "The {A} of {ville} were involved at every step.",
        "Respect for {A} guides the way we work.",
        "Workshops bring {A} together to discuss priorities.",
    ],
}
FRAMING_POOLS = {
    "problems": {
        "fr": [
            "La congestion des centres-villes coûte chaque année des millions d'heures perdues.",
            "La pollution de l'air reste la première préoccupation des élus.",
            "Les villes font face à des défis sans précédent.",
            "Le vieillissement des équipements pose un problème de fond.",
            "Les grands enjeux climatiques obligent à repenser l'aménagement urbain.",
            "Les risques liés aux canicules s'accroissent d'année en année.",
            "La crise budgétaire des collectivités limite leurs marges de manœuvre.",
            "Les embouteillages aux entrées de ville exaspèrent les automobilistes.",
            "La saturation des services publics se fait sentir aux heures de pointe.",
            "La fracture numérique éloigne une partie de la société des démarches en ligne.",
            "Le gaspillage des ressources publiques n'est plus acceptable.",
            "Les difficultés de recrutement touchent tous les services techniques.",
            "La dégradation des espaces publics nourrit un sentiment d'abandon.",
            "Les pénuries de main-d'œuvre ralentissent les chantiers.",
            "La vulnérabilité des territoires face aux aléas climatiques augmente.",
            "Le sentiment d'insécurité pèse sur la vie des quartiers.",
            "Ces menaces exigent une vigilance de chaque instant.",
            "Le premier problème des communes reste le manque de moyens.",
            "Les enjeux de santé publique sont désormais au premier plan.",
            "Chaque été, les risques d'inondation rappellent la fragilité de la ville.",
        ],
        "en": [
            "Congestion in city centres costs millions of lost hours every year.",
            "Air pollution remains the first concern of elected officials.",
            "Cities face unprecedented challenges.",
            "Ageing equipment is a deep-rooted problem.",
            "Climate issues force us to rethink urban planning.",
            "The risks linked to heatwaves grow year after year.",
            "The budget crisis of local authorities limits their room for manoeuvre.",
            "Gridlock at the city gates exasperates motorists.",
            "The saturation of public services is felt at peak hours.",
            "Shortages of skilled labour slow down works.",
            "Recruitment difficulties affect every technical department.",
            "The degradation of public spaces feeds a feeling of neglect.",
            "The vulnerability of territories to climate hazards is increasing.",
            "A feeling of insecurity weighs on neighbourhood life.",
            "These threats demand constant vigilance.",
            "The first problem for municipalities remains a lack of means.",
            "Public health issues are now in the foreground.",
            "Every summer, the risk of flooding recalls how fragile the city is.",
        ],
    },
    "solutions": {
        "fr": [
            "Nos solutions sont conçues pour être déployées en quelques semaines.",
            "Nous proposons une offre complète, de la conception à l'exploitation.",
            "Nos plateformes relient tous les métiers de la ville.",
            "L'innovation est au cœur de notre stratégie.",
            "Nous aidons les villes à optimiser leurs dépenses de fonctionnement.",
            "L'efficacité de nos interventions est garantie par contrat.",
            "Nos équipes apportent une expertise reconnue dans toute l'Europe.",
            "Des outils simples permettent de suivre chaque intervention.",
            "La performance de nos contrats est vérifiée par un tiers indépendant.",
            "Nous concevons des services innovants avec nos partenaires locaux.",
            "L'optimisation des tournées a réduit les coûts de {pct} %.",
            "Nos équipes sont plus efficaces grâce à la formation continue.",
            "Une solution clé en main est livrée à chaque commune partenaire.",
            "Nos services performants réduisent les délais d'intervention.",
            "Chaque innovation est testée sur le terrain avant d'être généralisée.",
            "Une offre sur mesure s'adapte à la taille de chaque collectivité.",
            "Nous mettons notre expertise au service des élus.",
            "Cet outil de pilotage est disponible pour toutes les communes.",
            "Nos plateformes ouvertes accueillent les services de nos partenaires.",
            "Des solutions robustes permettent d'aller plus vite.",
        ],
        "en": [
            "Our solutions are designed to be rolled out within weeks.",
            "We offer a complete package, from design to operation.",
            "Our platform connects every trade of the city.",
            "Innovation is at the heart of our strategy.",
            "We help cities optimise their running costs.",
            "The efficiency of our work is guaranteed by contract.",
            "Our teams bring recognised expertise across Europe.",
            "Simple tools make it possible to follow each intervention.",
            "The performance of our contracts is verified by an independent third party.",
            "We design innovative services with our local partners.",
            "Route optimisation cut costs by {pct} %.",
            "Our teams are more efficient thanks to ongoing training.",
            "A turnkey solution is delivered to each partner municipality.",
            "Each innovation is field-tested before it is rolled out.",
            "Our offer adapts to the size of each local authority.",
            "We put our expertise at the service of elected officials.",
            "This steering tool is available to every municipality.",
            "Our open platform hosts the services of our partners.",
        ],
    },
}

SIGNATURE_POOLS = {
    "aquantis": {
        "fr": [
            "Avec Limpidor, Aquantis fait de la résilience le fil conducteur de ses contrats.",
            "La sobriété est notre boussole : consommer moins, préserver davantage.",
            "Le programme Limpidor associe ingénierie, sobriété et proximité.",
            "La résilience d'un territoire se construit sur plusieurs décennies.",
            "Limpidor a été distingué en {year} par un jury d'élus et d'ingénieurs.",
            "Sobriété et résilience : deux mots qui résument l'engagement d'Aquantis.",
        ],
        "en": [
            "With Limpidor, Aquantis makes resilience the common thread of its contracts.",
            "Sobriety is our compass: use less, preserve more.",
            "The Limpidor programme combines engineering, sobriety and proximity.",
            "A territory's resilience is built over decades.",
            "Limpidor received an award in {year} from a jury of elected officials and "
            "engineers.",
            "Sobriety and resilience: two words that sum up the commitment of Aquantis.",
        ],
    },
    "lumidia": {
        "fr": [
            "Solvane, notre gamme signature, accompagne la ville du crépuscule à l'aube.",
            "Chaque place mérite une ambiance qui lui ressemble.",
            "Au crépuscule, Solvane révèle les façades et les arbres.",
            "Lumidia conçoit l'ambiance nocturne comme un bien commun.",
            "La gamme Solvane a été primée en {year} pour son design.",
            "Du crépuscule à l'aube, l'ambiance de la ville change de visage.",
        ],
        "en": [
            "Solvane, our signature range, accompanies the city from dusk to dawn.",
            "Every square deserves an ambience of its own.",
            "At dusk, Solvane reveals façades and trees.",
            "Lumidia treats the night-time ambience as a shared good.",
            "The Solvane range won a design award in {year}.",
            "From dusk to dawn, the ambience of the city changes.",
        ],
    },
    "citavia": {
        "fr": [
            "Trajeo propose un itinéraire sur mesure pour chaque déplacement.",
            "La fluidité est la promesse de Citavia depuis sa création.",
            "Avec Trajeo, chaque itinéraire combine marche, bus et train.",
            "La fluidité d'une ville se mesure à la minute près.",
            "Trajeo a franchi le cap des {n} 000 itinéraires calculés par jour.",
            "Fluidité, simplicité, ponctualité : la devise de Trajeo.",
        ],
        "en": [
            "Trajeo suggests a tailored itinerary for every journey.",
            "Fluidity has been the promise of Citavia since it was founded.",
            "With Trajeo, every itinerary combines walking, bus and rail.",
            "The fluidity of a city is measured to the minute.",
            "Trajeo now computes {n},000 itineraries a day.",
            "Fluidity, simplicity, punctuality: the Trajeo motto.",
        ],
    },
    "vigimetra": {
        "fr": [
            "Vigiscope veille comme une sentinelle sur les lieux publics.",
            "La quiétude des quartiers est la mission de Vigimetra.",
            "Le dispositif Vigiscope a été adopté par {n} communes.",
            "Une sentinelle ne dort jamais : c'est la promesse de nos équipes.",
            "Vigiscope contribue à la quiétude des grands événements.",
            "Chaque agent de Vigimetra est une sentinelle formée et assermentée.",
        ],
        "en": [
            "Vigiscope watches over public places like a sentinel.",
            "The serenity of neighbourhoods is the mission of Vigimetra.",
            "The Vigiscope system has been adopted by {n} towns.",
            "A sentinel never sleeps: that is the promise of our teams.",
            "Vigiscope contributes to the serenity of major events.",
            "Every officer of Vigimetra is a trained and sworn sentinel.",
        ],
    },
    "nexurba": {
        "fr": [
            "Nexcore garantit l'interopérabilité entre les systèmes existants de la ville.",
            "La gouvernance du projet associe élus, directions et partenaires.",
            "Avec Nexcore, l'interopérabilité devient la règle et non l'exception.",
            "Nexurba accompagne la gouvernance numérique des métropoles.",
            "Nexcore a été retenu par {n} métropoles européennes.",
            "Interopérabilité et gouvernance partagée sont les deux piliers de Nexcore.",
        ],
        "en": [
            "Nexcore guarantees interoperability between the existing systems of the city.",
            "Project governance brings together elected officials, departments and partners.",
            "With Nexcore, interoperability becomes the rule rather than the exception.",
            "Nexurba supports the digital governance of metropolitan areas.",
            "Nexcore has been selected by {n} European cities.",
            "Interoperability and shared governance are the two pillars of Nexcore.",
        ],
    },
}

# Signature sentences are mostly composed too: a firm's brand and distinctive nouns in varied
# company, so they stay single words (no fixed collocation for phrase detection to glue) and
# rank high in keyness. {B} brand, {N} firm name, {T} and {U} the firm's distinctive nouns.
SIGNATURE_POOLS["ombrelia"] = {
    "fr": [
        "Avec Frondeo, Ombrelia fait de la canopée un repère pour chaque rue.",
        "L'ombrage se prépare dix ans à l'avance : Frondeo s'y emploie.",
        "Canopée et ombrage : deux mots qui disent le métier d'Ombrelia.",
    ],
    "en": [
        "With Frondeo, Ombrelia makes the canopy a landmark of every street.",
        "Shade is prepared ten years ahead: Frondeo works on it.",
        "Canopy and shade: two words that say what Ombrelia does.",
    ],
}
SIGNATURE_TEMPLATE_SHARE = 0.2
SIGNATURE_NOUNS = {
    "aquantis": {"fr": ["la résilience", "la sobriété"], "en": ["resilience", "sobriety"]},
    "lumidia": {"fr": ["le crépuscule", "l'ambiance"], "en": ["dusk", "ambience"]},
    "citavia": {"fr": ["l'itinéraire", "la fluidité"], "en": ["the itinerary", "fluidity"]},
    "vigimetra": {"fr": ["la sentinelle", "la quiétude"], "en": ["the sentinel", "serenity"]},
    "nexurba": {"fr": ["l'interopérabilité", "la gouvernance"],
                "en": ["interoperability", "governance"]},
    "ombrelia": {"fr": ["la canopée", "l'ombrage"], "en": ["the canopy", "shade"]},
}
SIGNATURE_FRAMES = {
    "fr": [
        "{B} met {T} au cœur de chaque projet, sans jamais oublier {U}.",
        "Chez {N}, {T} n'est pas un slogan : {B} en fait une méthode.",
        "Avec {B}, {T} se mesure sur le terrain, tout comme {U}.",
        "{T} guide nos choix à {ville}, et {B} en donne la preuve.",
        "Nos ingénieurs défendent {T} depuis {year}, avec {B} comme fil conducteur.",
        "Pour {coll}, {B} fait de {T} une exigence partagée et de {U} un repère.",
        "{B} a franchi un cap en {year} : {n} collectivités ont choisi {T}.",
        "Sur chaque chantier, {B} pose d'abord la question de {T}.",
        "Parler de {T}, c'est parler de {B} et de la manière dont {N} travaille.",
        "À {ville}, {B} a montré que {T} se construit avec les équipes locales.",
        "{N} mesure chaque année ce que {B} apporte à {T}.",
        "Le jury a salué {B} pour la place qu'il accorde à {T} puis à {U}.",
        "{B} traduit {T} en gestes concrets pour les élus de {ville}.",
        "Depuis {year}, {B} relie {T} aux priorités de {coll}.",
        "En {year}, {B} a fait de {T} son premier engagement.",
        "{T} ne se décrète pas : {B} l'organise, étape par étape.",
        "La démarche {B} place {T} avant toute autre considération.",
        "Grâce à {B}, {T} devient visible dans chaque rue de {ville}.",
        "Les partenaires de {B} partagent la même idée de {T} et, bien sûr, de {U}.",
        "Chaque rapport d'activité de {B} commence par {T} et se termine par {U}.",
    ],
    "en": [
        "{B} puts {T} at the heart of every project, never forgetting {U}.",
        "At {N}, {T} is not a slogan: {B} turns it into a method.",
        "With {B}, {T} is measured in the field, and so is {U}.",
        "{T} guides our choices in {ville}, and {B} proves it.",
        "Our engineers have championed {T} since {year}, with {B} as the common thread.",
        "For {council}, {B} makes {T} a shared requirement and {U} a landmark.",
        "{B} passed a milestone in {year}: {n} local authorities chose {T}.",
        "On every site, {B} first raises the question of {T}.",
        "Talking about {T} means talking about {B} and the way {N} works.",
        "In {ville}, {B} showed that {T} is built with local teams.",
        "Every year, {N} measures what {B} brings to {T}.",
        "The jury praised {B} for the room it gives to {T} and then to {U}.",
        "{B} turns {T} into concrete steps for the councillors of {ville}.",
        "Since {year}, {B} has linked {T} to the priorities of {council}.",
        "In {year}, {B} made {T} its first commitment.",
        "{T} cannot be decreed: {B} organises it step by step.",
        "The {B} approach puts {T} before any other consideration.",
        "Thanks to {B}, {T} becomes visible in every street of {ville}.",
        "The partners of {B} share the same idea of {T} and, of course, of {U}.",
        "Every activity report of {B} opens with {T} and closes with {U}.",
    ],
}

HEADINGS = {
    "fr": ["Notre vision", "Sur le terrain", "Nos engagements", "Chiffres clés {year}",
           "Perspectives", "Ce qui a changé", "Nos équipes", "Retour d'expérience"],
    "en": ["Our vision", "In the field", "Our commitments", "Key figures {year}", "Outlook",
           "What changed", "Our teams", "Lessons learned"],
}
REPORT_SECTIONS = {
    "fr": ["Message de la direction", "Faits marquants {year}", "Nos activités",
           "Nos réalisations", "Nos engagements", "Nos équipes", "Perspectives {next}"],
    "en": ["Message from the management", "Highlights of {year}", "Our activities",
           "Our achievements", "Our commitments", "Our people", "Outlook for {next}"],
}

# ---------------------------------------------------------------------------------------------
# Lexicon matching on surface text (the generator's own check; the pipeline matches lemmas)
# ---------------------------------------------------------------------------------------------


def _word_pattern(word: str, lang: str) -> str:
    """A regex for the inflected surface forms of one lexicon word."""
    if word.endswith("'"):
        return re.escape(word)
    w = re.escape(word)
    if lang == "fr":
        if word.endswith("er") and len(word) > 6:  # verbs: optimiser, mutualiser, ...
            stem = re.escape(word[:-2])
            return stem + r"(?:er|e|es|ent|ons|ez|é|ée|és|ées|ant|ait|aient)"
        if word.endswith("if"):
            stem = re.escape(word[:-1])
            return stem + r"(?:f|fs|ve|ves)"
        if word.endswith(("eau", "eu")):
            return w + r"[sx]?"
        return w + r"(?:s|x|e|es)?"
    if word == "crisis":
        return r"cris[ie]s"
    if word.endswith(("ise", "ize")):
        stem = re.escape(word[:-1])
        return stem + r"(?:e|es|ed|ing)"
    if word.endswith("y") and len(word) > 3:
        return re.escape(word[:-1]) + r"(?:y|ys|ies)"
    return w + r"(?:s|es|ed|ing)?"


def _term_regex(words: tuple[str, ...], lang: str) -> str:
    parts = []
    for i, word in enumerate(words):
        parts.append(_word_pattern(word, lang))
        if i < len(words) - 1:
            parts.append(r"\s*" if word.endswith("'") else r"[\s-]+")
    return "".join(parts)


@dataclass
class Matcher:
    """Counts lexicon frames in surface text (both languages' terms, longest match first)."""

    frames: dict[str, re.Pattern] = field(default_factory=dict)  # "group/frame" → pattern

    @classmethod
    def from_yaml(cls, path: Path) -> Matcher:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        frames: dict[str, re.Pattern] = {}
        for gname, group in data["groups"].items():
            for fname, frame in group["frames"].items():
                alternatives = []
                for lang in ("fr", "en"):
                    for term in frame.get(lang) or []:
                        words = _split_term(term)
                        alternatives.append((-len(words), _term_regex(words, lang)))
                # one scan per frame; at a given position the longest term is tried first
                alternation = "|".join(p for _, p in sorted(alternatives, key=lambda a: a[0]))
                frames[f"{gname}/{fname}"] = re.compile(rf"(?<!\w)(?:{alternation})(?!\w)")
        return cls(frames=frames)

    def count(self, text: str, key: str) -> int:
        """Non-overlapping matches of one frame's terms."""
        return sum(1 for _ in self.frames[key].finditer(_normalise(text)))

    def found(self, text: str, key: str) -> list[str]:
        return sorted({m.group(0) for m in self.frames[key].finditer(_normalise(text))})

    def keys(self, group: str) -> list[str]:
        return [k for k in self.frames if k.startswith(group + "/")]


def _normalise(text: str) -> str:
    return text.lower().replace("’", "'")


def _split_term(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for word in text.lower().replace("’", "'").split():
        head, sep, tail = word.partition("'")
        if sep and tail and len(head) <= 2:
            words.extend([head + "'", tail])
        else:
            words.append(word)
    return tuple(words)


def count_words(text: str) -> int:
    return len(WORD_RE.findall(text))


# ---------------------------------------------------------------------------------------------
# Text assembly
# ---------------------------------------------------------------------------------------------


@dataclass
class Sentence:
    text: str
    kind: str  # theme | audience | framing | performance | signature | extra
    label: str  # theme name, citizens/clients, problems/solutions, dimension, domain, firm


@dataclass
class Block:
    kind: str  # h1 | h2 | p
    text: str
    lang: str
    sentences: list[Sentence] = field(default_factory=list)


class Decks:
    """Draws templates from a pool without repeats until the pool is used up."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.decks: dict[str, list[str]] = {}

    def draw(self, key: str, pool: list[str]) -> str:
        deck = self.decks.get(key)
        if not deck:
            deck = list(pool)
            self.rng.shuffle(deck)
            self.decks[key] = deck
        return deck.pop()


def _fill(template: str, lang: str, rng: random.Random, year: int, audience: str = "") -> str:
    ville = rng.choice(TOWNS)
    coll = rng.choice(COLL_FR).format(ville=ville)
    council = rng.choice(COLL_EN).format(ville=ville)
    text = template.format(ville=ville, coll=coll, council=council, n=rng.randint(3, 60),
                           pct=rng.randint(8, 45), sat=rng.randint(81, 96), year=year,
                           A=audience)
    if lang == "fr":  # "de Ormelune" → "d'Ormelune"
        text = VOWEL_TOWN_DE.sub("d'", text)
    return text[0].upper() + text[1:]


def compose_theme_sentence(theme: str, lang: str, rng: random.Random, year: int) -> str:
    """A theme sentence assembled from THEME_PARTS in one of COMPOSE_FRAMES."""
    parts = THEME_PARTS[theme][lang]
    text = rng.choice(COMPOSE_FRAMES[lang])
    s1, s2 = rng.sample(parts["S"], 2)
    v1, v2 = rng.sample(parts["V"], 2)
    o1, o2 = rng.sample(parts["O"], 2)
    for slot, value in (("{S2}", s2), ("{V2}", v2), ("{O2}", o2), ("{S}", s1),
                        ("{V}", v1), ("{O}", o1), ("{W}", rng.choice(parts["W"]))):
        text = text.replace(slot, value)
    text = _fill(text, lang, rng, year)
    if lang == "fr":
        for old, new in FR_CONTRACTIONS:
            text = text.replace(old, new)
    return text


def compose_signature_sentence(firm: str, lang: str, rng: random.Random, year: int) -> str:
    """A firm's signature sentence: its brand and one distinctive noun in a varied frame."""
    text = rng.choice(SIGNATURE_FRAMES[lang])
    first, second = rng.sample(SIGNATURE_NOUNS[firm][lang], 2)
    for slot, value in (("{B}", SPECS[firm]["brand"]), ("{N}", SPECS[firm]["name"]),
                        ("{T}", first), ("{U}", second)):
        text = text.replace(slot, value)
    text = _fill(text, lang, rng, year)
    if lang == "fr":
        for old, new in FR_CONTRACTIONS:
            text = text.replace(old, new)
    return text


@dataclass
class Plan:
    """How many sentences of each kind one document gets (before audience/framing sides)."""

    n_theme: dict[str, int]
    n_audience: int
    n_framing: int
    n_performance: int
    n_signature: int
    extras: dict[str, int]


def _largest_remainder(total: int, shares: dict[str, float]) -> dict[str, int]:
    raw = {k: total * v for k, v in shares.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    left = total - sum(counts.values())
    for k in sorted(raw, key=lambda k: (counts[k] - raw[k], k))[:left]:
        counts[k] += 1
    return counts


def plan_document(n_words: int, mix: dict[str, float], extras: list[str],
                  lang: str, second_lang: bool = False) -> Plan:
    """Sentence counts for a document of about `n_words` words."""
    avg = 14.0 if lang == "fr" else 13.0
    n = max(8, round(n_words / avg))
    n_aud = max(1, round(RATES["audience"] * n))
    n_frm = max(1, round(RATES["framing"] * n))
    n_perf = max(1, round(RATES["performance"] * n))
    n_sig = max(1, round((SECOND_LANG_SIGNATURE if second_lang else RATES["signature"]) * n))
    n_extra = {d: max(1, round(RATES["extra"] * n)) for d in extras}
    n_theme = n - n_aud - n_frm - n_perf - n_sig - sum(n_extra.values())
    return Plan(n_theme=_largest_remainder(n_theme, mix), n_audience=n_aud, n_framing=n_frm,
                n_performance=n_perf, n_signature=n_sig, extras=n_extra)


@dataclass
class DocSpec:
    """One document to write: where it goes, what it says, whether truth counts it."""

    firm: str
    year: int
    kind: str  # page | report
    lang: str
    path: str  # URL path, e.g. /aquantis/ville-intelligente.html
    title: str
    n_words: int
    mixed_en_paragraph: bool = False
    plan: Plan | None = None
    blocks: list[Block] = field(default_factory=list)
    counted: bool = True
    extra_html: list[str] = field(default_factory=list)  # e.g. the hub's list of links


def _sides(total: int, share: float, names: tuple[str, str], rng: random.Random) -> list[str]:
    first = round(total * share)
    sides = [names[0]] * first + [names[1]] * (total - first)
    rng.shuffle(sides)
    return sides


def write_firm_year(firm: str, year: int, docs: list[DocSpec],
                    citizen_share: float | None = None) -> None:
    """Fill the blocks of a firm-year's documents so frame shares are exact over the year."""
    spec = SPECS[firm]
    rng = random.Random(f"{SEED}-{firm}-{year}-sides")
    n_aud = sum(d.plan.n_audience for d in docs)
    n_frm = sum(d.plan.n_framing for d in docs)
    if citizen_share is None:
        citizen_share = _per_year(spec["citizen_share"])[year]
    aud_sides = _sides(n_aud, citizen_share, ("citizens", "clients"), rng)
    frm_sides = _sides(n_frm, _per_year(spec["problem_share"])[year], ("problems", "solutions"),
                       rng)
    n_perf = sum(d.plan.n_performance for d in docs)
    perf_dims = list(_largest_remainder(n_perf, spec["performance"]).items())
    perf_list = [dim for dim, k in perf_dims for _ in range(k)]
    rng.shuffle(perf_list)
    for doc in docs:
        doc_rng = random.Random(f"{SEED}-{doc.path}-{year}")
        doc.blocks = _write_document(doc, doc_rng, aud_sides, frm_sides, perf_list)


def _write_document(doc: DocSpec, rng: random.Random, aud_sides: list[str],
                    frm_sides: list[str], perf_list: list[str]) -> list[Block]:
    plan = doc.plan
    decks = Decks(rng)
    lang = doc.lang

    def sentence(kind: str, label: str, pool: list[str], slang: str, audience: str = ""):
        template = decks.draw(f"{kind}/{label}/{slang}", pool)
        return Sentence(_fill(template, slang, rng, doc.year, audience), kind, label)

    def audience_sentence(slang: str) -> Sentence:
        side = aud_sides.pop()
        noun = rng.choice(AUDIENCE_NOUNS[side][slang])
        s = sentence("audience", "all", AUDIENCE_POOL[slang], slang, noun)
        s.label = side
        return s

    def theme_sentence(theme: str, slang: str) -> Sentence:
        if rng.random() < THEME_TEMPLATE_SHARE:
            return sentence("theme", theme, THEME_POOLS[theme][slang], slang)
        return Sentence(compose_theme_sentence(theme, slang, rng, doc.year), "theme", theme)

    def signature_sentence(slang: str) -> Sentence:
        if rng.random() < SIGNATURE_TEMPLATE_SHARE:
            return sentence("signature", doc.firm, SIGNATURE_POOLS[doc.firm][slang], slang)
        return Sentence(compose_signature_sentence(doc.firm, slang, rng, doc.year), "signature",
                        doc.firm)

    def make_paragraphs(p: Plan, slang: str) -> list[list[Sentence]]:
        paragraphs: list[list[Sentence]] = []
        for theme, k in p.n_theme.items():
            themed = [theme_sentence(theme, slang) for _ in range(k)]
            while themed:
                # long single-theme paragraphs: a passage (about 250 words) then mostly
                # speaks of one theme, as a firm's page section does
                size = min(len(themed), rng.randint(6, 10))
                if len(themed) - size < 4:
                    size = len(themed)
                paragraphs.append(themed[:size])
                themed = themed[size:]
        rng.shuffle(paragraphs)
        if not paragraphs:
            paragraphs = [[]]
        others: list[Sentence] = []
        others += [audience_sentence(slang) for _ in range(p.n_audience)]
        for _ in range(p.n_framing):
            side = frm_sides.pop()
            others.append(sentence("framing", side, FRAMING_POOLS[side][slang], slang))
        for _ in range(p.n_performance):
            dim = perf_list.pop()
            others.append(sentence("performance", dim, PERFORMANCE_POOLS[dim][slang], slang))
        for domain, k in p.extras.items():
            others += [sentence("extra", domain, EXTRA_POOLS[domain][slang], slang)
                       for _ in range(k)]
        sigs = [signature_sentence(slang) for _ in range(p.n_signature)]
        paragraphs[0].insert(0, sigs[0])
        others += sigs[1:]
        for s in others:
            para = rng.choice(paragraphs)
            para.insert(rng.randint(0, len(para)), s)
        return paragraphs

    blocks: list[Block] = [Block("h1", doc.title, lang)]
    paragraphs = make_paragraphs(plan, lang)
    headings = [h.format(year=doc.year, next=doc.year + 1) for h in
                (REPORT_SECTIONS if doc.kind == "report" else HEADINGS)[lang]]
    if doc.kind == "page":
        rng.shuffle(headings)
    per_section = max(2, math.ceil(len(paragraphs) / len(headings)))
    for i, para in enumerate(paragraphs):
        if (i % per_section == 0 and i > 0) or (doc.kind == "report" and i == 0):
            blocks.append(Block("h2", headings[min(i // per_section, len(headings) - 1)], lang))
        blocks.append(Block("p", " ".join(s.text for s in para), lang, para))
    if doc.mixed_en_paragraph:
        # a French page quoting a partner in English: one paragraph in the other language
        en_plan = Plan(n_theme={t: 0 for t in plan.n_theme}, n_audience=0, n_framing=0,
                       n_performance=0, n_signature=1, extras={})
        main = max(plan.n_theme, key=plan.n_theme.get)
        en_plan.n_theme[main] = 5
        en_para = make_paragraphs(en_plan, "en")[0]
        blocks.insert(len(blocks) // 2, Block("p", " ".join(s.text for s in en_para), "en",
                                              en_para))
    return blocks


def document_text(blocks: list[Block]) -> str:
    return "\n\n".join(b.text for b in blocks)


# ---------------------------------------------------------------------------------------------
# HTML
# ---------------------------------------------------------------------------------------------

BOILER = {
    "fr": {
        "nav": [("Accueil", "index.html"), ("Le groupe", "groupe.html"),
                ("Ville intelligente", "ville-intelligente.html"),
                ("Engagements", "engagements.html"), ("Réalisations", "realisations.html"),
                ("Publications", "publications/"), ("Carrières", "carrieres.html"),
                ("Contact", "contact.html")],
        "cookie": "Nous utilisons des cookies pour mesurer l'audience de ce site et améliorer "
                  "votre navigation. Vous pouvez accepter ou refuser ces cookies à tout moment "
                  "depuis la page Gestion des cookies.",
        "buttons": ["Tout accepter", "Tout refuser", "Personnaliser"],
        "newsletter_title": "Restez informé",
        "newsletter": "Recevez chaque mois nos actualités, nos invitations et nos publications. "
                      "Vous pouvez vous désinscrire à tout moment.",
        "email": "Votre adresse e-mail",
        "subscribe": "Je m'inscris",
        "legal": ["Mentions légales", "Politique de confidentialité", "Gestion des cookies",
                  "Plan du site", "Accessibilité : partiellement conforme"],
        "rights": "Tous droits réservés",
        "company": "{name} SA, société anonyme au capital de {capital} euros, RCS Valbrune "
                   "{rcs}, siège social : {address}.",
        "skip": "Aller au contenu principal",
    },
    "en": {
        "nav": [("Home", "index.html"), ("About us", "about.html"),
                ("Smart city", "smart-city.html"), ("Commitments", "commitments.html"),
                ("Case studies", "case-studies.html"), ("Publications", "publications/"),
                ("Careers", "careers.html"), ("Contact", "contact.html")],
        "cookie": "We use cookies to measure the audience of this website and improve your "
                  "browsing. You can accept or refuse these cookies at any time from the "
                  "Cookie settings page.",
        "buttons": ["Accept all", "Reject all", "Customise"],
        "newsletter_title": "Stay informed",
        "newsletter": "Get our news, invitations and publications every month. You can "
                      "unsubscribe at any time.",
        "email": "Your e-mail address",
        "subscribe": "Sign me up",
        "legal": ["Legal notice", "Privacy policy", "Cookie settings", "Sitemap",
                  "Accessibility: partially compliant"],
        "rights": "All rights reserved",
        "company": "{name} SA, public limited company with a share capital of {capital} euros, "
                   "Valbrune trade register {rcs}, registered office: {address}.",
        "skip": "Skip to main content",
    },
}
COMPANY = {
    "aquantis": ("12 000 000", "812 345 678", "14 rue des Tanneurs, 33980 Valbrune"),
    "lumidia": ("4 500 000", "790 112 334", "2 quai des Lanternes, 33980 Valbrune"),
    "citavia": ("8 200 000", "801 554 902", "37 avenue des Tilleuls, 33980 Valbrune"),
    "vigimetra": ("6 000 000", "823 667 415", "9 impasse des Veilleurs, 33980 Valbrune"),
    "nexurba": ("3 100 000", "844 209 770", "120 cours Lafarge, 33980 Valbrune"),
    "ombrelia": ("400 000", "851 330 218", "5 allée des Platanes, 33980 Valbrune"),
}


def boilerplate_text(firm: str, lang: str) -> str:
    """Every word of a firm's boilerplate in one language (for the lexicon check)."""
    b = BOILER[lang]
    capital, rcs, address = COMPANY[firm]
    name = SPECS[firm]["name"]
    parts = [label for label, _ in b["nav"]] + [b["cookie"], *b["buttons"],
                                               b["newsletter_title"], b["newsletter"],
                                               b["email"], b["subscribe"], *b["legal"],
                                               b["rights"], b["skip"], name,
                                               b["company"].format(name=name, capital=capital,
                                                                   rcs=rcs, address=address)]
    return "\n".join(parts)


def render_html(doc: DocSpec, published: str | None) -> str:
    firm = doc.firm
    name = SPECS[firm]["name"]
    b = BOILER[doc.lang]
    capital, rcs, address = COMPANY[firm]

    def esc(text: str) -> str:
        return html.escape(text, quote=False)

    if SPECS[firm]["lang"] == "fr":
        base = f"/{firm}/" if doc.lang == "fr" else f"/{firm}/en/"
    else:
        base = f"/{firm}/en/" if doc.lang == "en" else f"/{firm}/fr/"
    head = [
        "<!DOCTYPE html>",
        f'<html lang="{doc.lang}">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(doc.title)} | {esc(name)}</title>",
        f'<meta property="og:site_name" content="{html.escape(name)}">',
    ]
    if published:
        head.append(f'<meta property="article:published_time" content="{published}">')
    head += [f'<link rel="stylesheet" href="/{firm}/static/site.css">', "</head>"]
    body = [
        "<body>",
        f'<a class="skip-link" href="#contenu">{esc(b["skip"])}</a>',
        '<div id="cookie-banner" class="cookie-banner" role="dialog" aria-live="polite">',
        f'  <p>{esc(b["cookie"])}</p>',
        "  " + "".join(f'<button type="button">{esc(x)}</button>' for x in b["buttons"]),
        "</div>",
        '<header class="site-header">',
        f'  <a class="logo" href="{base}index.html">{esc(name)}</a>',
        '  <nav class="main-nav" aria-label="menu"><ul>',
    ]
    body += [f'    <li><a href="{base}{href}">{esc(label)}</a></li>' for label, href in b["nav"]]
    body += ["  </ul></nav>", "</header>", '<main id="contenu">', "<article>"]
    for block in doc.blocks:
        tag = block.kind
        attr = f' lang="{block.lang}"' if block.lang != doc.lang else ""
        body.append(f"<{tag}{attr}>{esc(block.text)}</{tag}>")
    body += doc.extra_html
    body += [
        "</article>", "</main>",
        '<aside class="newsletter">',
        f'  <h2>{esc(b["newsletter_title"])}</h2>',
        f'  <p>{esc(b["newsletter"])}</p>',
        f'  <form action="{base}newsletter" method="post"><label>{esc(b["email"])} '
        f'<input type="email" name="email"></label><button type="submit">'
        f'{esc(b["subscribe"])}</button></form>',
        "</aside>",
        '<footer class="site-footer">',
        "  <ul>" + "".join(f'<li><a href="{base}legal-{i}.html">{esc(x)}</a></li>'
                           for i, x in enumerate(b["legal"])) + "</ul>",
        f'  <p class="legal">{esc(b["company"].format(name=name, capital=capital, rcs=rcs, address=address))}</p>',  # noqa: E501
        f'  <p class="copyright">© {esc(name)} SA — {esc(b["rights"])}</p>',
        "</footer>",
        "</body>",
        "</html>",
    ]
    return "\n".join(head + body) + "\n"


# ---------------------------------------------------------------------------------------------
# PDF (reportlab, deterministic with invariant=1)
# ---------------------------------------------------------------------------------------------

PAGE_W, PAGE_H = 595.27, 841.89  # A4 in points
MARGIN_X, TOP, BOTTOM = 62, 770, 80
BODY_FONT, BODY_SIZE, LEADING = "Helvetica", 10.5, 14.5
HEAD_FONT = "Helvetica-Bold"
VOWELS = set("aeiouyéèêàâîôûœ")


HYPHENABLE = re.compile(r"^([^\W\d_]{9,})([.,;:!?]?)$")
CLUSTERS = ("bl", "br", "ch", "cl", "cr", "dr", "fl", "fr", "gl", "gn", "gr", "ph", "pl", "pr",
            "th", "tr", "vr")


def _hyphen_split(word: str, fits, protected) -> tuple[str, str] | None:
    """Split a long word before a syllable (consonant + vowel), so that `head-` fits.

    Lexicon and distinctive terms are never split (`protected(word)`), so the planted counts
    hold even for an extractor that does not rejoin hyphenated words.
    """
    match = HYPHENABLE.match(word)
    if not match or protected(match.group(1)):
        return None
    core = match.group(1)
    for cut in range(len(core) - 4, 3, -1):
        head, tail = core[:cut], core[cut:].lower()
        onset = 2 if tail[:2] in CLUSTERS else 1
        if tail[0] in VOWELS or tail[onset] not in VOWELS:
            continue
        if (head[-1].lower() + tail[0]) in CLUSTERS or head[-1].lower() == tail[0] == "s":
            continue  # never split "gr", "pl", "th"... nor "s-s" the wrong way
        if fits(head + "-"):
            return head + "-", core[cut:] + match.group(2)
    return None


def _wrap(text: str, width: float, font: str, size: float, protected) -> list[str]:
    """Greedy line breaking, hyphenating a long word when it would leave a ragged line."""
    from reportlab.pdfbase.pdfmetrics import stringWidth

    words = text.split()
    lines: list[str] = []
    line = ""
    while words:
        word = words.pop(0)
        candidate = f"{line} {word}" if line else word
        if stringWidth(candidate, font, size) <= width:
            line = candidate
            continue
        split = _hyphen_split(word, lambda h, prefix=line: stringWidth(
            f"{prefix} {h}", font, size) <= width, protected) if line else None
        if split:
            lines.append(f"{line} {split[0]}")
            line = ""
            words.insert(0, split[1])
            continue
        lines.append(line)
        line = word
    if line:
        lines.append(line)
    return lines


def render_pdf(doc: DocSpec, path: Path, protected) -> int:
    """Write the report; returns its number of pages."""
    from reportlab.pdfgen import canvas

    name = FIRMS[doc.firm]["name"]
    label = "Rapport annuel" if doc.lang == "fr" else "Annual report"
    running = f"{name} — {label} {doc.year}"
    width = PAGE_W - 2 * MARGIN_X
    lines: list[tuple[str, str, float]] = []  # (text, font, size); "" text = vertical gap
    for block in doc.blocks:
        if block.kind == "h1":
            continue
        font, size = (HEAD_FONT, 13) if block.kind == "h2" else (BODY_FONT, BODY_SIZE)
        if block.kind == "h2":
            lines.append(("", font, 6))
        for line in _wrap(block.text, width, font, size, protected):
            lines.append((line, font, size))
        lines.append(("", font, 7))
    pages: list[list[tuple[str, str, float]]] = [[]]
    y = TOP - 150  # the first page starts under the title block
    for item in lines:
        step = LEADING if item[0] else item[2]
        if y - step < BOTTOM:
            pages.append([])
            y = TOP - 20
        if item[0] or pages[-1]:
            pages[-1].append(item)
        y -= step
    total = len(pages)
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    c.setTitle(f"{label} {doc.year}")
    c.setAuthor(name)
    c.setSubject(doc.title)
    for number, page in enumerate(pages, start=1):
        c.setFont(BODY_FONT, 8.5)
        c.drawString(MARGIN_X, PAGE_H - 40, running)
        c.drawRightString(PAGE_W - MARGIN_X, PAGE_H - 40, name.lower() + ".example")
        c.line(MARGIN_X, PAGE_H - 46, PAGE_W - MARGIN_X, PAGE_H - 46)
        c.line(MARGIN_X, 56, PAGE_W - MARGIN_X, 56)
        of = "of" if doc.lang == "en" else "sur"
        c.drawString(MARGIN_X, 42, running)
        c.drawRightString(PAGE_W - MARGIN_X, 42, f"Page {number} {of} {total}")
        y = TOP - 20
        if number == 1:
            c.setFont(HEAD_FONT, 24)
            c.drawString(MARGIN_X, TOP - 40, f"{label} {doc.year}")
            c.setFont(BODY_FONT, 13)
            c.drawString(MARGIN_X, TOP - 66, name)
            subtitle = (f"Exercice clos le 31 décembre {doc.year}" if doc.lang == "fr"
                        else f"Financial year ended 31 December {doc.year}")
            c.drawString(MARGIN_X, TOP - 86, subtitle)
            y = TOP - 150
        for text, font, size in page:
            if not text:
                y -= size
                continue
            c.setFont(font, size)
            c.drawString(MARGIN_X, y, text)
            y -= LEADING
        c.showPage()
    c.save()
    return total


# ---------------------------------------------------------------------------------------------
# The site
# ---------------------------------------------------------------------------------------------

PAGES = {
    # firm language fr: three French pages and two English ones, captured every year
    "fr": [("ville-intelligente.html", "fr", "La ville intelligente", 640),
           ("engagements.html", "fr", "Nos engagements", 540),
           ("realisations.html", "fr", "Nos réalisations", 600),
           ("en/smart-city.html", "en", "Smart city", 560),
           ("en/commitments.html", "en", "Our commitments", 480)],
    "en": [("en/smart-city.html", "en", "Smart city", 640),
           ("en/commitments.html", "en", "Our commitments", 540),
           ("en/case-studies.html", "en", "Case studies", 600),
           ("fr/ville-intelligente.html", "fr", "La ville intelligente", 560),
           ("fr/engagements.html", "fr", "Nos engagements", 480)],
}
REPORT_WORDS = 3500
CITAVIA_NEWS = {
    2017: ("velo-2017.html", "Trajeo s'ouvre au vélo"),
    2018: ("carrefours-2018.html", "Des carrefours repensés"),
    2019: ("velo-2019.html", "Un an de vélos partagés"),
    2020: ("bilan-2020.html", "Une année de mobilité en chiffres"),
}
NEWS_WORDS = 360
DUPLICATE_COPY = "/citavia/presse/velo-2019.html"  # same page, second URL
UNCHANGED = ("aquantis", "engagements.html", 2018, 2019)  # 2019 capture repeats 2018's
MIXED_PAGE = ("vigimetra", "realisations.html")  # French page with an English paragraph
ROBOTS_PAGE = "/private/vigimetra-tarifs.html"
# pages with an early-year capture holding the previous year's text (the mid-year one counts)
EARLY_CAPTURES = {("lumidia", "ville-intelligente.html"), ("lumidia", "engagements.html"),
                  ("aquantis", "ville-intelligente.html"), ("citavia", "ville-intelligente.html"),
                  ("vigimetra", "ville-intelligente.html"), ("nexurba", "en/smart-city.html")}
# Live offer pages that nothing dates (no year= in sources.txt, no date in the page or its
# text): the pipeline must keep them undated, off every time axis (issue 14). Written like the
# firm's 2020 text; truth counts them in no year (counted: false).
UNDATED_PAGES = (("lumidia", "offres/eclairage-public.html", "fr", "Notre offre d'éclairage", 320),)
# Press-style chrome on two Citavia news articles, once per page (issue 14): a paywall
# notice ("abonnés" would count for the clients frame), share buttons, an embed name, a
# "lire aussi" link and a photo credit. On fewer than half the firm's pages, so the per-firm
# boilerplate rule cannot see it: the page-chrome rules must remove every line.
CHROME_NEWS = ("carrefours-2018.html", "bilan-2020.html")
NEWS_CHROME = ("Réservé aux abonnés", "Partager", "Imprimer", "Scribd",
               "Lire aussi : les nouvelles lignes de bus de la métropole",
               "Crédit photo : Studio Valbrune")
PUBLISHED_META = {"engagements.html", "en/commitments.html", "fr/engagements.html"}


def _timestamp(rng: random.Random, year: int, month: int, day_range=(3, 27)) -> str:
    return (f"{year}{month:02d}{rng.randint(*day_range):02d}{rng.randint(6, 22):02d}"
            f"{rng.randint(0, 59):02d}{rng.randint(0, 59):02d}")


def report_path(firm: str, year: int) -> str:
    if FIRMS[firm]["lang"] == "en":
        return f"/{firm}/publications/annual-report-{year}.pdf"
    return f"/{firm}/publications/rapport-annuel-{year}.pdf"


def build(out: Path) -> dict:
    """Write the site under out/site, out/sources.txt and out/truth.json; return the truth."""
    matcher = Matcher.from_yaml(ROOT / "frames.yaml")
    site = out / "site"
    (site / "live").mkdir(parents=True)
    (site / "archive").mkdir(parents=True)

    docs: list[DocSpec] = []
    captures: list[dict] = []  # archive captures: path, timestamp, doc (or None), role
    for firm, spec in FIRMS.items():
        for year in YEARS:
            extras = [d for d, years in spec["extras"].items() if year in years]
            year_docs = []
            for slug, lang, title, words in PAGES[spec["lang"]]:
                if (firm, slug, year) == (UNCHANGED[0], UNCHANGED[1], UNCHANGED[3]):
                    continue
                doc = DocSpec(firm, year, "page", lang, f"/{firm}/{slug}", title, words,
                              mixed_en_paragraph=(firm, slug) == MIXED_PAGE)
                year_docs.append(doc)
            rlang = spec["lang"]
            rtitle = ("Rapport annuel" if rlang == "fr" else "Annual report") + f" {year}"
            year_docs.append(DocSpec(firm, year, "report", rlang, report_path(firm, year),
                                     rtitle, REPORT_WORDS))
            if year in longreport.YEARS:  # its city sections, written like one more document
                year_docs.append(DocSpec(firm, year, "report", rlang,
                                         longreport.url_path(firm, year, rlang),
                                         longreport.doc_title(year, rlang),
                                         longreport.CITY_WORDS))
            if firm == "citavia":
                slug, title = CITAVIA_NEWS[year]
                year_docs.append(DocSpec(firm, year, "page", "fr",
                                         f"/citavia/actualites/{slug}", title, NEWS_WORDS))
                if year == 2020:
                    year_docs.append(DocSpec(firm, year, "page", "fr",
                                             "/citavia/actualites/index.html",
                                             "Actualités", 130))
            for doc in year_docs:
                doc.plan = plan_document(doc.n_words, _mix_of(firm, year), extras, doc.lang,
                                         second_lang=doc.lang != spec["lang"])
            write_firm_year(firm, year, year_docs)
            docs += year_docs

    # the robots-disallowed page: never counted, written like a Vigimetra price list
    robots_doc = DocSpec("vigimetra", 2020, "page", "fr", ROBOTS_PAGE, "Nos tarifs", 300,
                         counted=False)
    robots_doc.plan = plan_document(300, {"security": 1.0}, [], "fr")
    robots_doc.plan.n_audience += 4
    write_firm_year("vigimetra", 2020, [robots_doc], citizen_share=0.0)  # a price list

    by_path_year = {(d.path, d.year): d for d in docs}
    html_cache: dict[tuple[str, int], str] = {}
    protected = _protected_words(matcher)

    def html_of(doc: DocSpec) -> str:
        key = (doc.path, doc.year)
        if key not in html_cache:
            published = None
            slug = doc.path.split("/", 2)[2]
            if slug in PUBLISHED_META:
                prng = random.Random(f"{SEED}-published-{doc.path}-{doc.year}")
                published = f"{doc.year}-{prng.randint(1, 5):02d}-{prng.randint(1, 28):02d}"
            if doc.path.startswith("/citavia/actualites/"):
                prng = random.Random(f"{SEED}-published-{doc.path}")
                published = f"{doc.year}-{prng.randint(3, 11):02d}-{prng.randint(1, 28):02d}"
            html_cache[key] = render_html(doc, published)
        return html_cache[key]

    def write(rel: str, content: str | bytes) -> None:
        path = site / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="\n")

    documents: list[dict] = []
    long_reports: list[dict] = []
    for firm, spec in FIRMS.items():
        for slug, _lang, _title, _words in PAGES[spec["lang"]]:
            path = f"/{firm}/{slug}"
            rng = random.Random(f"{SEED}-captures-{path}")
            for year in YEARS:
                doc = by_path_year.get((path, year))
                note = None
                if doc is None:  # the unchanged page: same bytes captured again
                    doc = by_path_year[(path, UNCHANGED[2])]
                    note = f"unchanged since {UNCHANGED[2]}: a duplicate, counted in that year"
                if (firm, slug) in EARLY_CAPTURES and year > YEARS[0]:
                    prev = by_path_year.get((path, year - 1)) or by_path_year[(path, year - 2)]
                    ts = _timestamp(rng, year, 2)
                    write(f"archive/{ts}{path}", html_of(prev))
                    captures.append({"path": path, "timestamp": ts, "year": year,
                                     "counted": False,
                                     "note": f"early capture, still the {prev.year} text"})
                ts = _timestamp(rng, year, 6, (5, 28)) if (firm, slug) in EARLY_CAPTURES else \
                    _timestamp(rng, year, rng.choice((5, 6, 7, 8)))
                write(f"archive/{ts}{path}", html_of(doc))
                counted = note is None
                captures.append({"path": path, "timestamp": ts, "year": year,
                                 "counted": counted, "note": note or "closest to mid-year"})
                documents.append({"firm": firm, "year": year, "kind": "page", "lang": doc.lang,
                                  "path": path, "source": "archive", "timestamp": ts,
                                  "counted": counted, "note": note})
        for year in YEARS:
            doc = by_path_year[(report_path(firm, year), year)]
            pdf = site / "live" / doc.path.lstrip("/")
            pdf.parent.mkdir(parents=True, exist_ok=True)
            n_pages = render_pdf(doc, pdf, protected)
            documents.append({"firm": firm, "year": year, "kind": "report", "lang": doc.lang,
                              "path": doc.path, "source": "live", "pages": n_pages,
                              "counted": True, "note": None})
        for year in longreport.YEARS:
            doc = by_path_year[(longreport.url_path(firm, year, spec["lang"]), year)]
            entry = _write_long_report(doc, site / "live" / doc.path.lstrip("/"), protected)
            long_reports.append(entry)
            documents.append({"firm": firm, "year": year, "kind": "report", "lang": doc.lang,
                              "path": doc.path, "source": "live", "pages": entry["pages"],
                              "counted": True, "note": "long registration document: its city "
                              "sections are counted, the rest is left out"})
    hub_links = []
    for year, (slug, title) in CITAVIA_NEWS.items():
        doc = by_path_year[(f"/citavia/actualites/{slug}", year)]
        if slug in CHROME_NEWS:
            doc.extra_html = [f"<p>{html.escape(line)}</p>" for line in NEWS_CHROME]
        write(f"live{doc.path}", html_of(doc))
        hub_links.append((doc.path, title, year))
        documents.append({"firm": "citavia", "year": year, "kind": "page", "lang": "fr",
                          "path": doc.path, "source": "live (crawled)", "counted": True,
                          "note": "dated by its article:published_time"})
    dup = by_path_year[("/citavia/actualites/velo-2019.html", 2019)]
    write(f"live{DUPLICATE_COPY}", html_of(dup))
    documents.append({"firm": "citavia", "year": 2019, "kind": "page", "lang": "fr",
                      "path": DUPLICATE_COPY, "source": "live", "counted": False,
                      "note": "same page as /citavia/actualites/velo-2019.html"})
    for firm, slug, lang, title, n_words in UNDATED_PAGES:
        doc = DocSpec(firm, YEARS[-1], "page", lang, f"/{firm}/{slug}", title, n_words,
                      counted=False)
        doc.plan = plan_document(n_words, _mix_of(firm, YEARS[-1]), [], lang,
                                 second_lang=lang != FIRMS[firm]["lang"])
        write_firm_year(firm, YEARS[-1], [doc])
        write(f"live{doc.path}", render_html(doc, None))
        documents.append({"firm": firm, "year": None, "kind": "page", "lang": lang,
                          "path": doc.path, "source": "live", "counted": False,
                          "note": "undated: no year= in sources.txt, no date in the page or "
                                  "its text; counted for its firm, in no year"})
    hub = by_path_year[("/citavia/actualites/index.html", 2020)]
    hub.extra_html = ['<ul class="news-list">'] + [
        f'<li><a href="{p}">{html.escape(t)}</a> <span class="date">{y}</span></li>'
        for p, t, y in hub_links] + ["</ul>"]
    write("live/citavia/actualites/index.html", html_of(hub))
    documents.append({"firm": "citavia", "year": 2020, "kind": "page", "lang": "fr",
                      "path": hub.path, "source": "live", "counted": True,
                      "note": "hub crawled with depth=1; dated by its article:published_time"})
    write(f"live{ROBOTS_PAGE}", render_html(robots_doc, None))
    documents.append({"firm": "vigimetra", "year": None, "kind": "page", "lang": "fr",
                      "path": ROBOTS_PAGE, "source": "live", "counted": False,
                      "note": "disallowed by robots.txt: must not be fetched"})
    write("live/robots.txt", "# Demo site robots rules\nUser-agent: *\nDisallow: /private/\n")
    docs += write_thin_firms(write, documents)

    (out / "sources.txt").write_text(sources_text(), encoding="utf-8", newline="\n")
    counted_docs = [d for d in docs if d.counted]
    truth = measure_truth(counted_docs, matcher, documents, captures)
    check_truth(truth, [*docs, robots_doc], matcher)
    longreport.check_prose(long_reports, lambda text: [
        f"{key}: {hit}" for key in matcher.frames for hit in matcher.found(text, key)],
        [t for f in FIRMS.values() for terms in f["distinctive"].values() for t in terms]
        + [f["brand"].lower() for f in FIRMS.values()], _subject_terms())
    truth["long_reports"] = [{k: v for k, v in e.items() if k not in ("city_titles", "prose")}
                             for e in long_reports]
    (out / "truth.json").write_text(json.dumps(truth, indent=1, ensure_ascii=False) + "\n",
                                    encoding="utf-8", newline="\n")
    return truth


def write_thin_firms(write, documents: list[dict]) -> list[DocSpec]:
    """The thin firms' live pages (see THIN_FIRMS); their rows are added to `documents`."""
    docs = []
    for firm, spec in THIN_FIRMS.items():
        for year in sorted({y for y, *_ in spec["pages"]}):
            year_docs = [DocSpec(firm, year, "page", spec["lang"], f"/{firm}/{slug}", title,
                                 words) for y, slug, title, words in spec["pages"] if y == year]
            for doc in year_docs:
                doc.plan = plan_document(doc.n_words, spec["mix"], [], doc.lang)
            write_firm_year(firm, year, year_docs)
            for doc in year_docs:
                write(f"live{doc.path}", render_html(doc, None))
                documents.append({"firm": firm, "year": year, "kind": "page", "lang": doc.lang,
                                  "path": doc.path, "source": "live", "counted": True,
                                  "note": "a thin firm: dated by year= in sources.txt"})
            docs += year_docs
    return docs


def _write_long_report(doc: DocSpec, pdf: Path, protected) -> dict:
    """Lay out a long report around the city text of `doc`; keep in `doc` only what is printed
    in its city sections (so the truth counts exactly that text)."""
    paragraphs = [b for b in doc.blocks if b.kind == "p"]
    n_city = 4
    cut = [round(i * len(paragraphs) / n_city) for i in range(n_city + 1)]
    city = [[(p.text, _main_theme(p)) for p in paragraphs[a:b]]
            for a, b in itertools.pairwise(cut)]
    pdf.parent.mkdir(parents=True, exist_ok=True)
    entry = longreport.write_long_report(
        pdf, firm=doc.firm, name=FIRMS[doc.firm]["name"], year=doc.year, lang=doc.lang,
        seed=SEED, city=city,
        wrap=lambda text, width, font, size: _wrap(text, width, font, size, protected))
    entry["url_path"] = doc.path
    doc.blocks = []
    for title, numbers in entry["city_titles"]:
        doc.blocks.append(Block("h2", title, doc.lang))
        doc.blocks += [paragraphs[i] for i in numbers]
    return entry


def _subject_terms() -> list[str]:
    """The `relevance:` terms of frames.yaml (the study's subject), both languages."""
    data = yaml.safe_load((ROOT / "frames.yaml").read_text(encoding="utf-8"))
    subject = data.get("relevance") or {}
    return [t for lang in ("fr", "en") for t in subject.get(lang) or []]


def _main_theme(block: Block) -> str:
    counts: dict[str, int] = {}
    for s in block.sentences:
        if s.kind == "theme":
            counts[s.label] = counts.get(s.label, 0) + 1
    return max(sorted(counts), key=counts.get) if counts else ""


def _protected_words(matcher: Matcher):
    """A test for words never hyphenated in PDFs: lexicon and distinctive terms stay whole."""
    data = yaml.safe_load((ROOT / "frames.yaml").read_text(encoding="utf-8"))
    words = set()
    for group in data["groups"].values():
        for frame in group["frames"].values():
            for lang in ("fr", "en"):
                for term in frame.get(lang) or []:
                    words.update(_split_term(term))
    for spec in FIRMS.values():
        for terms in spec["distinctive"].values():
            words.update(terms)

    def protected(word: str) -> bool:
        low = word.lower()
        stems = {low, low.rstrip("sx"), low[:-2] if low.endswith("es") else low}
        if stems & words:
            return True
        return any(matcher.count(low, key) for key in matcher.frames)

    return protected


def sources_text() -> str:
    lines = [
        "# Sources of the offline demo: five fictional firms (Aquantis, Lumidia, Citavia,",
        "# Vigimetra, Nexurba), 2017-2020, and a thin one (Ombrelia, six short pages). The",
        "# texts are invented; see demo/README.md.",
        "# `{site}` is replaced by the demo runner with the local server's address",
        "# (http://127.0.0.1:PORT). Format: see pipeline/sources.py. Each firm's first line",
        "# gives its display name (name=): the firm's name, not its brand's.",
        "#",
        "# Pages that changed over the years come from the (fake) web archive: one capture per",
        "# year, the one closest to July 1st; live=no because the live site no longer has them.",
        "# Annual reports are PDFs on the live site; 2017 and 2018 say their year here, 2019",
        "# and 2020 are dated from their title (\"Rapport annuel 2019\").",
        "",
    ]
    for firm, spec in FIRMS.items():
        lines.append(f"# --- {spec['name']} ({THEMES[_dominant(firm)]['label']})")
        for n, (slug, lang, _title, _words) in enumerate(PAGES[spec["lang"]]):
            note = ""
            if (firm, slug) == (UNCHANGED[0], UNCHANGED[1]):
                note = "   # unchanged between 2018 and 2019"
            if (firm, slug) == MIXED_PAGE:
                note = "   # French page with an English paragraph"
            # The display name (the firm's, not its brand's) once per firm: its first line.
            name = f" name={spec['name']}" if n == 0 else ""
            lines.append(f"{firm:<10} page   {{site}}/{firm}/{slug} archive=2017-2020 live=no "
                         f"lang={lang}{name}{note}")
        for year in YEARS:
            opt = f" year={year}" if year <= 2018 else ""
            lines.append(f"{firm:<10} report {{site}}{report_path(firm, year)}{opt}")
        for year in longreport.YEARS:
            url = longreport.url_path(firm, year, spec["lang"])
            lines.append(f"{firm:<10} report {{site}}{url} year={year} lang={spec['lang']}")
        if firm == "citavia":
            lines += [
                "# the news hub is crawled one link deep; each article carries its date",
                "citavia    page   {site}/citavia/actualites/index.html depth=1 max_pages=10",
                "# the same article under a second address (a duplicate)",
                f"citavia    page   {{site}}{DUPLICATE_COPY}",
            ]
        for f, slug, lang, _title, _words in UNDATED_PAGES:
            if f == firm:
                lines += ["# a live page that nothing dates: undated, in no year",
                          f"{firm:<10} page   {{site}}/{firm}/{slug} lang={lang}"]
        if firm == "vigimetra":
            lines += ["# disallowed by robots.txt: the scraper must skip it",
                      f"vigimetra  page   {{site}}{ROBOTS_PAGE}"]
        lines.append("")
    for firm, spec in THIN_FIRMS.items():
        lines.append(f"# --- {spec['name']}: a thin firm, six short pages in two years (too "
                     "little text)")
        lines += [f"{firm:<10} page   {{site}}/{firm}/{slug} year={year} lang={spec['lang']}"
                  for year, slug, *_ in spec["pages"]]
        lines.append("")
    return "\n".join(lines)


def _dominant(firm: str) -> str:
    mix = FIRMS[firm]["mix"]
    total: dict[str, float] = {}
    for year in YEARS:
        year_mix = mix.get(year, mix)
        for theme, share in year_mix.items():
            total[theme] = total.get(theme, 0.0) + share / len(YEARS)
    return max(total, key=total.get)


def _mix_of(firm: str, year: int) -> dict[str, float]:
    mix = FIRMS[firm]["mix"]
    return dict(mix.get(year, mix))


def _domains_of(firm: str, year: int | None = None) -> list[str]:
    years = YEARS if year is None else (year,)
    found: set[str] = set()
    for y in years:
        for theme in _mix_of(firm, y):
            found.update(THEMES[theme]["domains"])
        found.update(d for d, ys in FIRMS[firm]["extras"].items() if y in ys)
    return sorted(found)


def _round(x: float) -> float:
    return round(x, 4)


def measure_truth(docs: list[DocSpec], matcher: Matcher, documents: list[dict],
                  captures: list[dict]) -> dict:
    """Planted design plus what the counted documents actually contain."""
    domain_names = [k.split("/")[1] for k in matcher.keys("domains")]
    perf_names = [k.split("/")[1] for k in matcher.keys("performance")]
    firms: dict[str, dict] = {}
    for firm, spec in FIRMS.items():
        entry: dict = {"name": spec["name"], "brand": spec["brand"],
                       "main_lang": spec["lang"], "dominant_theme": _dominant(firm)}
        theme_mix, measured_mix, frames, shares, n_words, n_docs = {}, {}, {}, {}, {}, {}
        dom_counts: dict[str, dict[str, int]] = {}
        dom_docs: dict[str, int] = dict.fromkeys(domain_names, 0)
        perf: dict[str, dict[str, float]] = {}
        total_words = 0
        total_perf = dict.fromkeys(perf_names, 0)
        total_frames = {"citizens": 0, "clients": 0, "problems": 0, "solutions": 0}
        for year in YEARS:
            ydocs = [d for d in docs if d.firm == firm and d.year == year]
            text = "\n\n".join(document_text(d.blocks) for d in ydocs)
            words = count_words(text)
            n_words[str(year)] = words
            n_docs[str(year)] = len(ydocs)
            total_words += words
            theme_mix[str(year)] = {t: _round(s) for t, s in _mix_of(firm, year).items()}
            tw: dict[str, int] = {}
            for d in ydocs:
                for b in d.blocks:
                    for s in b.sentences:
                        if s.kind == "theme":
                            tw[s.label] = tw.get(s.label, 0) + count_words(s.text)
            total_tw = sum(tw.values())
            measured_mix[str(year)] = {t: _round(v / total_tw) for t, v in sorted(tw.items())}
            counts = {
                "citizens": matcher.count(text, "audience/citizens"),
                "clients": matcher.count(text, "audience/clients"),
                "problems": matcher.count(text, "framing/problems"),
                "solutions": matcher.count(text, "framing/solutions"),
            }
            for k, v in counts.items():
                total_frames[k] += v
            frames[str(year)] = counts
            shares[str(year)] = {
                "citizen_share": _round(counts["citizens"] / (counts["citizens"]
                                                              + counts["clients"])),
                "problem_share": _round(counts["problems"] / (counts["problems"]
                                                              + counts["solutions"])),
                "planted_citizen_share": _per_year(spec["citizen_share"])[year],
                "planted_problem_share": _per_year(spec["problem_share"])[year],
            }
            dom_counts[str(year)] = {}
            for dname in domain_names:
                c = matcher.count(text, f"domains/{dname}")
                if c:
                    dom_counts[str(year)][dname] = c
            perf[str(year)] = {}
            for pname in perf_names:
                c = matcher.count(text, f"performance/{pname}")
                total_perf[pname] += c
                perf[str(year)][pname] = _round(c / words * 10000)
        for d in docs:
            if d.firm != firm:
                continue
            text = document_text(d.blocks)
            for dname in domain_names:
                if matcher.count(text, f"domains/{dname}"):
                    dom_docs[dname] += 1
        all_dom = {dn: sum(dom_counts[str(y)].get(dn, 0) for y in YEARS) for dn in domain_names}
        entry.update({
            "theme_mix": theme_mix,
            "theme_mix_measured": measured_mix,
            "frame_shares": shares,
            "frame_counts": frames,
            "citizen_share_overall": _round(total_frames["citizens"] / (
                total_frames["citizens"] + total_frames["clients"])),
            "problem_share_overall": _round(total_frames["problems"] / (
                total_frames["problems"] + total_frames["solutions"])),
            "domains": _domains_of(firm),
            "domains_by_year": {str(y): _domains_of(firm, y) for y in YEARS},
            "domain_rates": {dn: _round(all_dom[dn] / total_words * 10000)
                             for dn in domain_names if all_dom[dn]},
            "domain_docs": {dn: n for dn, n in dom_docs.items() if n},
            "performance_planted_weights": spec["performance"],
            "performance_rates": {p: _round(total_perf[p] / total_words * 10000)
                                  for p in perf_names},
            "performance_rates_by_year": perf,
            "distinctive_terms": sorted(set(spec["distinctive"]["fr"])
                                        | set(spec["distinctive"]["en"])),
            "distinctive_terms_by_lang": spec["distinctive"],
            "n_words": n_words,
            "n_documents": n_docs,
        })
        firms[firm] = entry

    top_terms = _theme_top_terms(docs)
    sims = _similarities(firms)
    best = max(sims, key=lambda k: sims[k])
    ranked = sorted(sims.values(), reverse=True)
    lowest = min(firms, key=lambda f: firms[f]["citizen_share_overall"])
    thin = _thin_truth(docs)
    n_total = sum(sum(f["n_words"].values()) for f in [*firms.values(), *thin.values()])
    return {
        "about": "Planted truth of the demo site, written by demo/generate.py; see "
                 "demo/README.md for every key.",
        "seed": SEED,
        "years": list(YEARS),
        "themes": {t: {"label": v["label"], "domains": v["domains"],
                       "top_terms": top_terms[t]} for t, v in THEMES.items()},
        "firms": firms,
        "thin_firms": thin,
        "dominant_theme": {f: firms[f]["dominant_theme"] for f in firms},
        "shifts": [
            {"kind": "audience", "firm": "lumidia", "measure": "citizen_share",
             "after_year": 2018, "before": 0.2, "after": 0.8, "direction": "rise",
             "description": "Lumidia moves from addressing clients to addressing citizens "
                            "after 2018"},
            {"kind": "theme", "firm": "vigimetra", "theme": "data_platforms",
             "shares": {str(y): _mix_of("vigimetra", y)["data_platforms"] for y in YEARS},
             "direction": "rise",
             "description": "Vigimetra's share of data platforms rises every year"},
            {"kind": "framing", "firm": "citavia", "measure": "problem_share",
             "shares": {str(y): _per_year(FIRMS["citavia"]["problem_share"])[y]
                        for y in YEARS},
             "direction": "fall",
             "description": "Citavia names problems less and sells solutions more each year"},
        ],
        "most_client_firm": lowest,
        "domain_entries": [{"firm": "lumidia", "domain": "bim", "year": 2019}],
        "most_similar_pair": sorted(best.split("|")),
        "profile_similarity": {k: _round(v) for k, v in
                               sorted(sims.items(), key=lambda kv: -kv[1])},
        "similarity_margin": _round(ranked[0] - ranked[1]),
        "n_words_total": n_total,
        "n_words_by_lang": _words_by_lang(docs),
        "documents": documents,
        "archive_captures": captures,
        "oddities": {
            "unchanged_page": {"path": f"/{UNCHANGED[0]}/{UNCHANGED[1]}",
                               "years": [UNCHANGED[2], UNCHANGED[3]]},
            "duplicate_url": {"paths": ["/citavia/actualites/velo-2019.html", DUPLICATE_COPY]},
            "mixed_language_page": {"path": f"/{MIXED_PAGE[0]}/{MIXED_PAGE[1]}",
                                    "langs": ["fr", "en"]},
            "robots_disallowed": {"path": ROBOTS_PAGE, "rule": "Disallow: /private/"},
            "early_captures": sorted(f"/{f}/{s}" for f, s in EARLY_CAPTURES),
            "undated_pages": sorted(f"/{f}/{s}" for f, s, *_ in UNDATED_PAGES),
            "page_chrome": {"paths": sorted(f"/citavia/actualites/{s}" for s in CHROME_NEWS),
                            "lines": list(NEWS_CHROME)},
        },
    }


def _thin_truth(docs: list[DocSpec]) -> dict[str, dict]:
    """What the thin firms planted: too little text for a profile, a map or a trend."""
    out = {}
    for firm, spec in THIN_FIRMS.items():
        mine = [d for d in docs if d.firm == firm]
        years = sorted({d.year for d in mine})
        out[firm] = {"name": spec["name"], "brand": spec["brand"], "main_lang": spec["lang"],
                     "years": years,
                     "n_documents": {str(y): sum(d.year == y for d in mine) for y in years},
                     "n_words": {str(y): sum(count_words(document_text(d.blocks))
                                             for d in mine if d.year == y) for y in years},
                     "distinctive_terms_by_lang": spec["distinctive"],
                     "too_little_text": True}
    return out


def _words_by_lang(docs: list[DocSpec]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in docs:
        for b in d.blocks:
            out[b.lang] = out.get(b.lang, 0) + count_words(b.text)
    return dict(sorted(out.items()))


def _theme_top_terms(docs: list[DocSpec], n_top: int = 15) -> dict[str, dict[str, list]]:
    """Each theme's most frequent exclusive lemmas per language (for matching topics).

    Lemmas by simplemma (deterministic, fast); a lemma is exclusive when at least 90 % of its
    occurrences in theme sentences fall in this theme's sentences.
    """
    import simplemma

    towns = {w.lower() for town in TOWNS for w in WORD_RE.findall(town)}
    counts: dict[tuple[str, str], dict[str, int]] = {}
    for doc in docs:
        for block in doc.blocks:
            for s in block.sentences:
                if s.kind != "theme":
                    continue
                bag = counts.setdefault((block.lang, s.label), {})
                for word in WORD_RE.findall(s.text.lower()):
                    if len(word) < 4 or not word.isalpha() or word in towns:
                        continue
                    lemma = simplemma.lemmatize(word, lang=block.lang).lower()
                    bag[lemma] = bag.get(lemma, 0) + 1
    out: dict[str, dict[str, list]] = {t: {} for t in THEMES}
    for theme in THEMES:
        for lang in ("fr", "en"):
            own = counts.get((lang, theme), {})
            total = {}
            for (lang2, _), bag in counts.items():
                if lang2 == lang:
                    for lemma, c in bag.items():
                        total[lemma] = total.get(lemma, 0) + c
            exclusive = [(lemma, c) for lemma, c in own.items() if c / total[lemma] >= 0.9]
            exclusive.sort(key=lambda lc: (-lc[1], lc[0]))
            out[theme][lang] = [lemma for lemma, _ in exclusive[:n_top]]
    return out


def _similarities(firms: dict[str, dict]) -> dict[str, float]:
    """Cosine of theme mixes and of domain sets, averaged: the planted profile similarity."""
    themes = list(THEMES)
    domains = sorted({d for f in firms.values() for d in f["domains"]})

    def cos(a: list[float], b: list[float]) -> float:
        num = sum(x * y for x, y in zip(a, b, strict=True))
        den = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
        return num / den if den else 0.0

    def mix(f: str) -> list[float]:
        return [sum(firms[f]["theme_mix"][str(y)].get(t, 0.0) for y in YEARS) / len(YEARS)
                for t in themes]

    names = list(firms)
    out = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            dom_a = [1.0 if d in firms[a]["domains"] else 0.0 for d in domains]
            dom_b = [1.0 if d in firms[b]["domains"] else 0.0 for d in domains]
            out[f"{a}|{b}"] = (cos(mix(a), mix(b)) + cos(dom_a, dom_b)) / 2
    return out


def check_truth(truth: dict, docs: list[DocSpec], matcher: Matcher) -> None:
    """Stop if the generated text breaks the planted design (the truth would be wrong)."""
    problems: list[str] = []
    domain_names = [k.split("/")[1] for k in matcher.keys("domains")]
    for firm, entry in truth["firms"].items():
        texts = [document_text(d.blocks) for d in docs if d.firm == firm]
        texts += [boilerplate_text(firm, "fr"), boilerplate_text(firm, "en")]
        for dname in domain_names:
            if dname in entry["domains"]:
                rate = entry["domain_rates"].get(dname, 0)
                if rate < 10 or entry["domain_docs"].get(dname, 0) < 4:
                    problems.append(f"{firm}: planted domain {dname} too weak ({rate}/10k)")
                continue
            hits = sorted({h for t in texts for h in matcher.found(t, f"domains/{dname}")})
            if hits:
                problems.append(f"{firm}: uses terms of domain {dname} it lacks: {hits}")
        for year in YEARS:
            allowed = set(entry["domains_by_year"][str(year)])
            ytext = "\n".join(document_text(d.blocks) for d in docs
                              if d.firm == firm and d.year == year and d.counted)
            for dname in domain_names:
                if dname not in allowed and matcher.count(ytext, f"domains/{dname}"):
                    problems.append(f"{firm} {year}: domain {dname} before its entry")
            sh = entry["frame_shares"][str(year)]
            if abs(sh["citizen_share"] - sh["planted_citizen_share"]) > 0.051:
                problems.append(f"{firm} {year}: citizen share {sh['citizen_share']} "
                                f"!= planted {sh['planted_citizen_share']}")
            if abs(sh["problem_share"] - sh["planted_problem_share"]) > 0.051:
                problems.append(f"{firm} {year}: problem share {sh['problem_share']} "
                                f"!= planted {sh['planted_problem_share']}")
        others = [document_text(d.blocks) for d in docs if d.firm != firm]
        for term in entry["distinctive_terms"]:
            pat = re.compile(r"(?<!\w)" + re.escape(term) + r"s?(?!\w)")
            if any(pat.search(t.lower()) for t in others):
                problems.append(f"{firm}: distinctive term {term!r} used by another firm")
    dominants = list(truth["dominant_theme"].values())
    if len(set(dominants)) != len(dominants):
        problems.append(f"dominant themes are not distinct: {dominants}")
    if truth["similarity_margin"] < 0.15:
        problems.append(f"most similar pair not clear: margin {truth['similarity_margin']}")
    shares = sorted(f["citizen_share_overall"] for f in truth["firms"].values())
    if truth["most_client_firm"] != "nexurba" or shares[1] - shares[0] < 0.2:
        problems.append(f"most client-oriented firm not clear: {shares}")
    # theme, audience and framing pools must not carry frame terms they are not meant to
    for theme, pools in THEME_POOLS.items():
        for lang, pool in pools.items():
            for template in pool:
                _check_pool_sentence(template, set(THEMES[theme]["domains"]), matcher,
                                     problems, f"theme {theme}/{lang}",
                                     allow={"performance/pooling"}
                                     if theme == "data_platforms" else set())
    for theme, langs in THEME_PARTS.items():
        for lang, parts in langs.items():
            for slot, pool in parts.items():
                for part in pool:
                    _check_pool_sentence(part, set(THEMES[theme]["domains"]), matcher, problems,
                                         f"theme part {theme}/{lang}/{slot}",
                                         allow={"performance/pooling"}
                                         if theme == "data_platforms" else set())
    for domain, pools in EXTRA_POOLS.items():
        for lang, pool in pools.items():
            for template in pool:
                _check_pool_sentence(template, {domain}, matcher, problems,
                                     f"extra {domain}/{lang}",
                                     allow={"performance/services_transparency"})
    for dim, pools in PERFORMANCE_POOLS.items():
        for lang, pool in pools.items():
            for template in pool:
                _check_pool_sentence(template, set(), matcher, problems, f"perf {dim}/{lang}",
                                     allow={f"performance/{dim}"})
    for lang, frames in SIGNATURE_FRAMES.items():
        for frame in frames:
            _check_pool_sentence(re.sub(r"\{[BNTU]\}", "", frame),
                                 set(), matcher, problems, f"signature frame/{lang}")
    for firm, pools in SIGNATURE_POOLS.items():
        for lang, pool in pools.items():
            for template in pool:
                _check_pool_sentence(template, set(), matcher, problems, f"sig {firm}/{lang}")
    for side, pools in FRAMING_POOLS.items():
        for lang, pool in pools.items():
            for template in pool:
                text = template.format(pct=10)
                _check_pool_sentence(text, set(), matcher, problems, f"framing {side}/{lang}",
                                     allow={"framing/problems", "framing/solutions",
                                            "performance/pooling"})
                if matcher.count(text, f"framing/{side}") != 1:
                    problems.append(f"framing {side}/{lang}: not exactly one term: {text}")
                other = "solutions" if side == "problems" else "problems"
                if matcher.count(text, f"framing/{other}"):
                    problems.append(f"framing {side}/{lang}: opposite term: {text}")
    for lang, pool in AUDIENCE_POOL.items():
        for template in pool:
            text = template.format(A="", n=3, sat=90, ville="Valbrune")
            _check_pool_sentence(text, set(), matcher, problems, f"audience/{lang}")
    if problems:
        raise SystemExit("demo generator: the planted design is broken:\n  "
                         + "\n  ".join(problems))


def _check_pool_sentence(template: str, domains: set[str], matcher: Matcher,
                         problems: list[str], where: str, allow: set[str] = frozenset()) -> None:
    text = template.format(ville="Valbrune", coll="la commune de Valbrune",
                           council="the city of Valbrune", n=3, pct=10, sat=90, year=2019, A="")
    for key in matcher.frames:
        if key in allow or (key.startswith("domains/") and key.split("/")[1] in domains):
            continue
        hits = matcher.found(text, key)
        if hits:
            problems.append(f"{where}: unexpected {key} term(s) {hits} in: {text}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", default=str(DEMO),
                        help="folder to write site/, sources.txt and truth.json (default: demo/)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    # build aside and move into place only once the truth checks pass: a failed run leaves
    # the committed site untouched
    staging = Path(tempfile.mkdtemp(prefix=".generate-", dir=out))
    try:
        truth = build(staging)
        if (out / "site").exists():
            shutil.rmtree(out / "site")
        for name in ("site", "sources.txt", "truth.json"):
            (staging / name).replace(out / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    sys.stdout.write(f"wrote {out / 'site'}: {len(truth['documents'])} documents, "
                     f"{truth['n_words_total']} words of main text\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

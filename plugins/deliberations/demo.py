"""Synthetic acts of a fictional collectivity, for demos and benchmarks.

Everything written here is marked as synthetic (a tag, a notice in the text and a
fictional collectivity); it is never written into a real site's content folder.
"""

from __future__ import annotations

import random
import shutil
from datetime import date, timedelta
from pathlib import Path

from . import actes
from .formatting import OUTCOMES
from .model import slugify

SETTINGS_HEADER = '"""Settings of a demo site of synthetic acts (written by `deliberations demo`)."""'

COLLECTIVITY = {
    "name": "Communauté d'agglomération de Val-Fictif (données synthétiques)",
    "short_name": "Val-Fictif",
    "siren": "200000016",  # a made-up number that passes the Luhn check
    "siret": "20000001600010",
}
BODIES = {"conseil": "Conseil communautaire", "bureau": "Bureau",
          "commission-permanente": "Commission permanente"}
BODY_LETTERS = {"conseil": "C", "bureau": "B", "commission-permanente": "CP"}
NOTICE = "*Acte fictif généré pour démonstration : il n'a aucune valeur juridique.*"

PLACES = ["de la piscine Jean-Bouin", "du parc des Tilleuls", "de la rue des Écoles",
          "du quartier de la Gare", "de la médiathèque Louise-Michel", "du stade municipal",
          "de la zone d'activités du Moulin", "du centre aquatique", "de l'avenue de la République",
          "du pont de la Deûle", "de l'école Jules-Ferry", "du marché couvert"]
SUBJECTS_TEXT = ["Aménagement", "Rénovation énergétique", "Attribution d'une subvention",
                 "Convention de partenariat", "Marché de travaux", "Acquisition foncière",
                 "Tarifs 2024", "Garantie d'emprunt", "Création de postes", "Délégation de service public"]
BENEFICIARIES = ["Association Les Amis du Patrimoine", "Office de tourisme intercommunal",
                 "Société publique locale Val-Fictif Aménagement", "Club sportif du Moulin",
                 "Centre communal d'action sociale"]
PARAGRAPHS = [
    "Dans le cadre de sa politique d'aménagement du territoire, la collectivité poursuit ses "
    "investissements en faveur de la qualité de vie des habitants et de l'attractivité économique.",
    "Le projet a fait l'objet d'une concertation avec les habitants et les associations du quartier, "
    "dont les observations ont été prises en compte dans le programme définitif des travaux.",
    "Les crédits nécessaires sont inscrits au budget de l'exercice en cours. Le plan de financement "
    "prévoit la participation de l'État et de la Région au titre des contrats de territoire.",
    "La commission compétente a émis un avis favorable lors de sa réunion préparatoire. Les pièces "
    "du dossier sont consultables au siège de la collectivité aux heures d'ouverture au public.",
    "Conformément au code général des collectivités territoriales, la présente délibération sera "
    "transmise au représentant de l'État et publiée sous forme électronique.",
]
# Legal grounds and the financial section, as in a real act: with them an act holds about
# 3.6 KB of text, the size of the acts the performance targets are set on (and of 22-B-0183).
VISAS = [
    "Vu le code général des collectivités territoriales, et notamment ses articles L. 5211-1 et suivants ;",
    "Vu le code de la commande publique ;",
    "Vu le code de l'urbanisme, et notamment ses articles L. 300-1 et suivants ;",
    "Vu le code des relations entre le public et l'administration ;",
    "Vu les statuts de la communauté d'agglomération ;",
    "Vu la délibération du conseil communautaire portant délégation d'attributions au bureau ;",
    "Vu le budget primitif de l'exercice, adopté par le conseil communautaire ;",
    "Vu le programme pluriannuel d'investissement de la collectivité ;",
    "Vu l'avis de la commission compétente ;",
]
CONSIDERATIONS = [
    "Considérant que l'opération répond aux orientations du projet de territoire adopté par "
    "l'assemblée et qu'elle contribue à la transition écologique du territoire ;",
    "Considérant que les études préalables ont confirmé la faisabilité technique et financière "
    "du projet, ainsi que son intérêt pour les usagers du service public ;",
    "Considérant qu'il convient de fixer les conditions de la participation de la collectivité et "
    "d'autoriser la signature des documents correspondants ;",
    "Considérant que les crédits correspondants sont disponibles et que l'équilibre du budget "
    "de l'exercice n'en est pas affecté ;",
]
FINANCES = [
    "La dépense sera imputée sur les crédits du budget principal, au chapitre et à l'article "
    "correspondant à la nature de l'opération. Les recettes attendues des partenaires financeurs "
    "seront inscrites au même budget, à mesure de la notification des décisions d'attribution.",
    "Le montant de l'opération s'entend hors actualisation et révision des prix. Toute "
    "modification substantielle du programme ou de son coût fera l'objet d'une nouvelle "
    "délibération de l'assemblée, après avis de la commission compétente.",
    "Un bilan de l'opération sera présenté à la commission compétente à son achèvement. Il "
    "précisera les dépenses réalisées, les recettes perçues et les effets constatés pour les "
    "habitants et les usagers du service public.",
    "Les engagements pris au titre de la présente délibération feront l'objet d'un suivi "
    "dans le rapport annuel sur l'exécution du budget, annexé au compte administratif.",
]


class RefusedFolder(Exception):
    """The folder holds, or is inside, a real site: synthetic acts must never mix with real ones."""


def write_demo_site(folder: Path, count: int, seed: int = 1) -> Path:
    """Write ``folder/pelicanconf.py`` and ``folder/content/deliberations/…``; return the folder.

    A folder that already holds a demo site is rewritten from scratch.
    """
    project = Path(__file__).resolve().parents[2]
    folder = folder.resolve()
    refuse_real_site(folder, project)
    content = folder / "content" / "deliberations"
    shutil.rmtree(content, ignore_errors=True)
    content.mkdir(parents=True)
    (folder / "pelicanconf.py").write_text(_settings(project), encoding="utf-8")
    for number, year, text in generate(count, seed):
        target = content / str(year) / f"{number}.md"
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return folder


def refuse_real_site(folder: Path, project: Path) -> None:
    """Raise :class:`RefusedFolder` if ``folder`` is this project, or is or holds a real site."""
    if folder == project:
        raise RefusedFolder(f"{folder} is the project itself; its content/ holds the real acts")
    for parent in (folder, *folder.parents):
        if parent == project / "content" or (
                parent.name == "content" and (parent.parent / "pelicanconf.py").is_file()):
            raise RefusedFolder(f"{folder} is inside the content/ of a site ({parent})")
    settings = folder / "pelicanconf.py"
    if settings.is_file() and not _is_demo(settings):
        raise RefusedFolder(f"{folder} holds a site (its pelicanconf.py was not written "
                            "by `deliberations demo`)")
    acts = folder / "content" / "deliberations"
    if not settings.is_file() and acts.is_dir() and any(acts.iterdir()):
        raise RefusedFolder(f"{acts} already holds files that `deliberations demo` did not write")


def _is_demo(settings: Path) -> bool:
    return settings.read_text(encoding="utf-8", errors="replace").startswith(SETTINGS_HEADER)


def _settings(project: Path) -> str:
    return f'''{SETTINGS_HEADER}

SITENAME = "Délibérations de Val-Fictif (démonstration, données synthétiques)"
SITEURL = ""
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
PATH = "content"
THEME = {str(project / "theme")!r}
PLUGIN_PATHS = [{str(project / "plugins")!r}]
PLUGINS = ["deliberations"]
DELETE_OUTPUT_DIRECTORY = True
FEED_ALL_ATOM = CATEGORY_FEED_ATOM = TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = AUTHOR_FEED_RSS = None
COLLECTIVITY = {COLLECTIVITY!r}
BODIES = {BODIES!r}
'''


def generate(count: int, seed: int = 1):
    """Yield (number, year, file text) for ``count`` acts, deterministic for a seed."""
    rng = random.Random(seed)
    subjects = list(actes.subjects())
    start = date(2020, 7, 10)
    # About 2 000 acts a year, as a metropolis: 100 000 acts span 50 years, and two-digit
    # years in act numbers stay unique.
    sittings_per_year = 80
    per_sitting = max(1, count // max(1, (count // 25)))  # about 25 acts a sitting
    numbers: list[str] = []
    counters: dict[tuple[int, str], int] = {}
    i = 0
    sitting_index = 0
    while i < count:
        session = start + timedelta(days=int(sitting_index * 365 / sittings_per_year))
        body = rng.choices(list(BODIES), weights=[2, 3, 1])[0]
        sitting_index += 1
        for _ in range(min(per_sitting, count - i)):
            key = (session.year, body)
            counters[key] = counters.get(key, 0) + 1
            number = f"{session.year % 100:02d}-{BODY_LETTERS[body]}-{counters[key]:04d}"
            yield number, session.year, _act(rng, number, body, session, subjects, numbers)
            numbers.append(number)
            i += 1


def _act(rng, number, body, session, subjects, earlier) -> str:
    subject = rng.choice(subjects)
    place = rng.choice(PLACES)
    title = f"{rng.choice(SUBJECTS_TEXT)} {place}"
    published = session + timedelta(days=rng.randint(3, 10))
    sent = session + timedelta(days=rng.randint(1, 5))
    outcome = rng.choices(["adopted", "rejected", "withdrawn", "postponed"], [94, 2, 2, 2])[0]
    lines = [
        "---",
        f"number: {number}",
        f'title: "{title}"',
        f"body: {body}",
        f"session: {session.isoformat()}",
        f"published: {published.isoformat()}",
        f'subject: "{subject}"',
        f"outcome: {outcome}",
        "tags: [synthétique]",
    ]
    if rng.random() < 0.7:
        members = rng.choice([45, 69, 120, 188])
        voters = members - rng.randint(0, 10)
        against = rng.randint(0, voters // 10)
        abstention = rng.randint(0, voters // 10)
        unanimous = "true" if against == 0 else "false"
        lines += ["vote:", f"  unanimous: {unanimous}", f"  members: {members}",
                  f"  voters: {voters}", f"  for: {voters - against - abstention}",
                  f"  against: {against}", f"  abstention: {abstention}"]
    else:
        lines += ["vote:", "  unanimous: true"]
    lines += ["transmission:",
              f"  actes_id: 059-{COLLECTIVITY['siren']}-{session:%Y%m%d}-{slugify(number)}-DE",
              f"  sent: {sent.isoformat()}", f"  received: {sent.isoformat()}"]
    if rng.random() < 0.6:
        lines.append("amounts:")
        for _ in range(rng.choice([1, 1, 1, 2, 3])):
            value = _amount(rng)
            label = rng.choice(["Subvention", "Montant du marché", "Participation", "Prix"])
            lines += [f"  - value: {value}", f"    tax: {rng.choice(['HT', 'TTC', 'net'])}",
                      f"    label: {label}",
                      f"    recurrence: {rng.choice(['once', 'yearly'])}",
                      f"    section: {rng.choice(['fonctionnement', 'investissement'])}"]
            if rng.random() < 0.5:
                lines += ["    beneficiary:", f'      name: "{rng.choice(BENEFICIARIES)}"']
    if earlier and rng.random() < 0.05:
        lines += ["repeals:", f"  - {rng.choice(earlier[-200:])}"]
    elif earlier and rng.random() < 0.05:
        lines += ["amends:", f"  - {rng.choice(earlier[-200:])}"]
    lines += ["author:", "  name: Camille Martin", "  role: Présidente", "---", "", NOTICE, ""]
    lines += [visa + "\n" for visa in sorted(rng.sample(VISAS, 6), key=VISAS.index)]
    lines += ["## I. Rappel du contexte", ""]
    paragraphs = PARAGRAPHS[:]
    rng.shuffle(paragraphs)
    lines += [p + "\n" for p in paragraphs[:3]]
    lines += ["## II. Objet de la délibération", "",
              f"Le projet concerne l'opération {place}. " + " ".join(paragraphs[3:]), "",
              " ".join(rng.sample(PARAGRAPHS, 3)), "",
              *[c + "\n" for c in rng.sample(CONSIDERATIONS, 3)],
              "## III. Dispositions financières", "",
              *[f + "\n" for f in rng.sample(FINANCES, 3)],
              "Par conséquent, l'assemblée décide :", "",
              f"1. D'approuver le projet {place} ;",
              "2. D'autoriser le Président ou son représentant à signer tous les actes afférents ;",
              "3. D'imputer les dépenses aux crédits inscrits au budget.", "",
              f"**Résultat du vote : {OUTCOMES[outcome].upper()}**", ""]
    return "\n".join(lines)


def _amount(rng) -> str:
    # Log-uniform from 100 € to 20 M€: many small sums, a few large commitments.
    value = 10 ** rng.uniform(2, 7.3)
    return f"{value:.2f}"

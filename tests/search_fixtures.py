"""A fixture corpus for the search: the seed act, the act it repeals, and varied acts around them."""

from __future__ import annotations

import shutil
from datetime import date, timedelta

from .conftest import PROJECT, Site

# (title, body, session, subject, amount in euros or None, outcome)
ACTS = [
    ("Rénovation de la piscine Jean-Bouin", "conseil", date(2023, 6, 29), "7.1", "1750000.00", "adopted"),
    ("Tarifs de la piscine municipale", "conseil", date(2023, 3, 30), "7.1", None, "adopted"),
    ("Subvention à l'association Les Amis du Patrimoine", "bureau", date(2023, 5, 12), "7.5", "12500.00",
     "adopted"),
    ("Marché de travaux de la médiathèque", "bureau", date(2023, 1, 20), "1.1", "250000.00", "adopted"),
    ("Acquisition foncière rue des Écoles", "conseil", date(2022, 12, 15), "3.1", "73000.00", "adopted"),
    ("Garantie d'emprunt au bailleur social", "bureau", date(2022, 10, 7), "7.3", "4200000.00",
     "rejected"),
    ("Convention avec l'office de tourisme", "bureau", date(2022, 6, 3), "8.9", "850.00", "adopted"),
    ("Création de postes au centre aquatique", "conseil", date(2022, 2, 10), "4.1", None, "withdrawn"),
    ("Subvention au club sportif du Moulin", "bureau", date(2021, 11, 19), "7.5", "4200.00", "adopted"),
    ("Aménagement du parc des Tilleuls", "conseil", date(2021, 9, 30), "8.4", "980000.00", "adopted"),
    ("Délégation de service public de la piscine", "conseil", date(2021, 6, 24), "1.2", "1200000.00",
     "adopted"),
    ("Tarifs des transports scolaires", "bureau", date(2021, 3, 12), "8.7", "30000.00", "postponed"),
]
# Routine acts of 2020, one a month: enough acts for more than one page of results.
ROUTINE = [(f"Désignation d'un représentant au syndicat mixte ({month}/2020)", "bureau",
            date(2020, month, 14), "5.3", None if month % 2 else f"{month * 100}.00", "adopted")
           for month in range(1, 13)]
LOT_SIZE = 4  # small lots, so that the fixture spans several (as a large archive does)
SEED_WORD = "Sinapses"  # a word of the seed act's text, in no other act


def search_site(root) -> Site:
    """Write the fixture corpus; return the site (not built)."""
    site = Site(root, extra_settings=f"SEARCH_LOT_SIZE = {LOT_SIZE}\n")
    target = site.content / "deliberations" / "2022"
    target.mkdir(parents=True, exist_ok=True)
    for name in ("22-B-0146.md", "22-B-0183.md"):
        shutil.copyfile(PROJECT / "content" / "deliberations" / "2022" / name, target / name)
    letters = {"conseil": "C", "bureau": "B"}
    for i, (title, body, session, subject, amount, outcome) in enumerate(ACTS + ROUTINE, start=1):
        number = f"{session.year % 100}-{letters[body]}-{900 + i:04d}"
        front = {"number": number, "title": title, "body": body, "session": session.isoformat(),
                 "published": (session + timedelta(days=7)).isoformat(), "subject": subject,
                 "outcome": outcome}
        if amount:
            front["amounts"] = [{"value": amount, "tax": "HT", "label": "Montant"}]
        site.add(front, body=f"Le {body} délibère : {title.lower()}.\n\nLe montant est inscrit au budget.",
                 path=f"{session.year}/{number}.md")
    return site

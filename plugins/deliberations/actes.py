"""The ACTES classification: subjects (matières) and natures of acts.

The tables ship with the package (``data/``) because the national list is what the
prefecture's legality control and the SCDL schema expect, whatever the site says.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True)
class Subject:
    code: str  # level 2, "8.9"
    level1_code: str  # "8"
    level1_label: str  # "Domaines de compétences par thèmes"
    label: str  # "Culture"
    scdl_name: str  # "domaines de compétences par thèmes/culture"


@dataclass(frozen=True)
class Nature:
    code: str  # "DE"
    number: str  # "1"
    label: str  # "Délibérations"


def _rows(name: str) -> list[dict[str, str]]:
    with resources.files(__package__).joinpath("data").joinpath(name).open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@cache
def subjects() -> dict[str, Subject]:
    return {
        r["code"]: Subject(
            r["code"], r["niveau1_code"], r["niveau1_libelle"], r["niveau2_libelle"],
            r["scdl_matiere_nom"],
        )
        for r in _rows("actes-matieres.csv")
    }


@cache
def subject_groups() -> dict[str, str]:
    """Level-1 code → label, in ACTES order."""
    return {s.level1_code: s.level1_label for s in subjects().values()}


@cache
def natures() -> dict[str, Nature]:
    return {r["abrege"]: Nature(r["abrege"], r["code"], r["libelle"]) for r in _rows("actes-natures.csv")}

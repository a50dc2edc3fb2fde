"""SCDL « Délibérations » 2.1.5, the national table of deliberations, and its extension.

The 17 columns and their order come from the official schema, shipped in ``data/``. How
each column is filled from the content (the README has the same table):

- COLL_NOM, COLL_SIRET: ``COLLECTIVITY`` name and SIRET (settings).
- DELIB_ID, DELIB_DATE, DELIB_OBJET: ``number``, ``session``, ``title``.
- DELIB_MATIERE_CODE, DELIB_MATIERE_NOM: ``subject`` and its ACTES ``level 1/level 2`` name.
- BUDGET_ANNEE, BUDGET_NOM: the ``budget`` of the amounts, when they name a single one with
  its year; both empty otherwise (SCDL wants both or neither).
- PREF_ID: ``PREF`` + the department of ``transmission.actes_id``; PREF_DATE: ``transmission.received``.
- VOTE_*: ``vote.members``, ``voters``, ``for``, ``against``, ``abstention`` when all five
  are known; all five empty otherwise (SCDL wants all or none).
- DELIB_URL: the first PDF document, else the act's page; empty without an absolute SITEURL.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from . import actes
from .reader import Act
from .records import has_absolute_urls, url
from .settings import SiteSettings

SCHEMA_URL = "https://schema.data.gouv.fr/schemas/scdl/deliberations/2.1.5/schema.json"
SCHEMA_FILE = "scdl-deliberations-2.1.5.schema.json"
SEPARATOR = "|"  # between act numbers in one cell


@cache
def official_schema() -> dict:
    """The official SCDL Table Schema (with its Validata ``custom_checks``), as shipped."""
    return json.loads(resources.files(__package__).joinpath("data", SCHEMA_FILE).read_text("utf-8"))


COLUMNS = [f["name"] for f in official_schema()["fields"]]

# Columns SCDL lacks, after its 17, in ``deliberations.csv``: name → (Table Schema type, description).
EXTRA_COLUMNS = {
    "PUBLICATION_DATE": ("string", "When the act was put online (ISO 8601 date or date and time); "
                         "empty when not known"),
    "MODIFICATION_DATE": ("string", "When the published act was corrected"),
    "NATURE_ACTE": ("string", "ACTES nature code: DE, AR, AI, CC, BF or AU"),
    "INSTANCE": ("string", "Key of the body that adopted the act"),
    "INSTANCE_NOM": ("string", "Name of the body"),
    "DECISION": ("string", "adopted, rejected, withdrawn or postponed"),
    "VOTE_UNANIMITE": ("boolean", "Adopted unanimously; empty when not stated"),
    "ACTES_ID": ("string", "ACTES transmission id"),
    "PREF_ENVOI_DATE": ("date", "When the act was sent to the prefecture"),
    "MONTANT_TOTAL_EUR": ("number", "Sum of the act's amounts in euros (see amounts.csv)"),
    "NB_MONTANTS": ("integer", "Number of amounts (rows of amounts.csv)"),
    "RAPPORTE": ("string", f"Numbers of the acts it repeals, separated by '{SEPARATOR}'"),
    "RAPPORTEE_PAR": ("string", "Numbers of the acts that repeal it"),
    "MODIFIE": ("string", "Numbers of the acts it amends"),
    "MODIFIEE_PAR": ("string", "Numbers of the acts that amend it"),
    "SIGNATAIRE_NOM": ("string", "Signatory"),
    "SIGNATAIRE_QUALITE": ("string", "Role of the signatory"),
    "PAGE_URL": ("string", "Page of the act"),
    "JSON_URL": ("string", "The act as JSON, with its full text"),
}
EXTENDED_COLUMNS = [*COLUMNS, *EXTRA_COLUMNS]


def row(act: Act, site: SiteSettings) -> dict:
    """The SCDL row of an act: column → value (``None`` for an empty cell)."""
    meta = act.meta
    budget_year, budget_name = _budget(act)
    transmission = meta.transmission
    department = transmission.department if transmission else None
    vote = meta.vote
    counts = ((vote.members, vote.voters, vote.for_, vote.against, vote.abstention)
              if vote and vote.complete else (None,) * 5)
    return dict(zip(COLUMNS, [
        site.COLLECTIVITY.name,
        site.COLLECTIVITY.siret,
        meta.number,
        meta.session.isoformat(),
        meta.subject,
        actes.subjects()[meta.subject].scdl_name,
        meta.title,
        budget_year,
        budget_name,
        f"PREF{department}" if department else None,
        transmission.received.isoformat() if transmission and transmission.received else None,
        *counts,
        _document_url(act, site),
    ], strict=True))


def extended_row(act: Act, site: SiteSettings, scdl_row: dict | None = None) -> dict:
    """The row of ``deliberations.csv``: the SCDL row, then the columns SCDL lacks."""
    meta = act.meta
    transmission = meta.transmission
    euros = [a for a in meta.amounts if a.currency == "EUR"]
    extra = dict(zip(EXTRA_COLUMNS, [
        meta.published.isoformat() if meta.published else None,
        meta.modified.isoformat() if meta.modified else None,
        meta.nature.value,
        meta.body,
        site.BODIES[meta.body],
        meta.outcome.value,
        meta.vote.unanimous if meta.vote else None,
        transmission.actes_id if transmission else None,
        transmission.sent.isoformat() if transmission and transmission.sent else None,
        meta.total if euros else None,
        len(meta.amounts),
        _numbers(act.repeals),
        _numbers(act.repealed_by),
        _numbers(act.amends),
        _numbers(act.amended_by),
        meta.author.name if meta.author else None,
        meta.author.role if meta.author else None,
        url(site, act.url),
        url(site, act.json_url),
    ], strict=True))
    return {**(scdl_row or row(act, site)), **extra}


def extended_table_schema() -> dict:
    """Table Schema of ``deliberations.csv``: SCDL's fields as published, then the extra ones."""
    return {
        "fields": [
            *official_schema()["fields"],
            *({"name": name, "type": type_, "description": description}
              for name, (type_, description) in EXTRA_COLUMNS.items()),
        ],
        "primaryKey": ["DELIB_ID"],
        "missingValues": [""],
    }


def _budget(act: Act) -> tuple[str | None, str | None]:
    budgets = {(a.budget.year, a.budget.name) for a in act.meta.amounts if a.budget}
    if len(budgets) == 1:
        year, name = budgets.pop()
        if year:
            return year, name
    return None, None


def _document_url(act: Act, site: SiteSettings) -> str | None:
    if not has_absolute_urls(site):
        return None  # SCDL wants an absolute URL
    pdf = next((d for d in act.documents if d.file.lower().endswith(".pdf")), None)
    return url(site, pdf.url if pdf else act.url)


def _numbers(acts: list) -> str | None:
    numbers = [a if isinstance(a, str) else a.meta.number for a in acts]
    return SEPARATOR.join(numbers) or None

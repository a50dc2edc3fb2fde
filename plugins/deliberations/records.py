"""The JSON record of an act: its front matter as the model defines it, plus what the site adds.

The same record is written in ``deliberations.json``, the per-year files and
``deliberations/<slug>.json`` (which adds the full text). Its JSON Schema derives from the
model: :class:`Record` extends :class:`~deliberations.model.Deliberation` and only replaces
what the site resolves (a body key → key and name, an act number → its links…).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Annotated
from urllib.parse import quote, urlsplit

from pydantic import ConfigDict, Field, WithJsonSchema

from . import actes
from .model import Amount, Deliberation, Document, Nature, Strict
from .reader import Act
from .settings import SiteSettings
from .writers import exact

SCHEMA_PATH = "data/schema/deliberation.schema.json"
TEXT_FIELDS = ("text", "html")  # only in the per-act files

ExactNumber = Annotated[Decimal, WithJsonSchema({"type": "number", "minimum": 0})]


class Body(Strict):
    key: str = Field(description="Key of the body in the site's settings")
    name: str


class Subject(Strict):
    code: str = Field(description="ACTES subject code, level 2")
    label: str
    level1_code: str
    level1_label: str


class NatureRecord(Strict):
    code: Nature
    label: str


class ActLink(Strict):
    number: str
    url: str | None = Field(description="Page of the act; null when the act is not on this site")
    json_url: str | None


class AmountRecord(Amount):
    value: ExactNumber = Field(description="Exact decimal, with the cents as written (675.00)")


class DocumentRecord(Document):
    url: str
    size: int = Field(description="Size in bytes")
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class Record(Deliberation):
    """One act as the open data gives it."""

    model_config = ConfigDict(title="Deliberation record")

    body: Body
    subject: Subject
    nature: NatureRecord
    amounts: list[AmountRecord]
    repeals: list[ActLink] = Field(description="Acts this act repeals")
    amends: list[ActLink] = Field(description="Acts this act amends")
    documents: list[DocumentRecord]
    repealed_by: list[ActLink] = Field(description="Acts of this site that repeal this act")
    amended_by: list[ActLink] = Field(description="Acts of this site that amend this act")
    total_eur: ExactNumber | None = Field(description="Sum of the amounts in euros; null without any")
    sitting_url: str = Field(description="Page of the sitting that examined the act")
    url: str = Field(description="Page of the act")
    json_url: str = Field(description="This record as a file, with the full text")
    text: str | None = Field(None, description="Full text, Markdown (per-act file only)")
    html: str | None = Field(None, description="Full text, HTML (per-act file only)")


FIELDS = [info.alias or name for name, info in Record.model_fields.items()]


def url(site: SiteSettings, path: str) -> str:
    """URL of a site path: absolute when SITEURL is set, site-rooted (``/data/…``) otherwise."""
    return f"{site.SITEURL.rstrip('/')}/{quote(path)}"


def has_absolute_urls(site: SiteSettings) -> bool:
    return urlsplit(site.SITEURL).scheme in ("http", "https")


def record(act: Act, site: SiteSettings) -> dict:
    """The record of an act, keys in the order of :class:`Record`, without the full text."""
    meta = act.meta
    data = meta.model_dump(mode="json", by_alias=True)
    subject = actes.subjects()[meta.subject]
    euros = [a for a in meta.amounts if a.currency == "EUR"]
    data.update(
        body={"key": meta.body, "name": site.BODIES[meta.body]},
        subject={"code": subject.code, "label": subject.label, "level1_code": subject.level1_code,
                 "level1_label": subject.level1_label},
        nature={"code": meta.nature.value, "label": actes.natures()[meta.nature.value].label},
        amounts=[{**dumped, "value": exact(amount.value)}
                 for dumped, amount in zip(data["amounts"], meta.amounts, strict=True)],
        repeals=[_link(t, site) for t in act.repeals],
        amends=[_link(t, site) for t in act.amends],
        documents=[{"file": d.file, "title": d.title, "url": url(site, d.url), "size": d.size,
                    "sha256": d.sha256} for d in act.documents],
        repealed_by=[_link(t, site) for t in act.repealed_by],
        amended_by=[_link(t, site) for t in act.amended_by],
        total_eur=exact(meta.total) if euros else None,
        sitting_url=url(site, act.sitting.url),
        url=url(site, act.url),
        json_url=url(site, act.json_url),
    )
    return {key: data[key] for key in FIELDS if key not in TEXT_FIELDS}


def full_record(act: Act, site: SiteSettings, base: dict | None = None) -> dict:
    """The record of ``deliberations/<slug>.json``: with the full text."""
    return {**(base or record(act, site)), "text": act.text, "html": act.html}


def _link(target: Act | str, site: SiteSettings) -> dict:
    if isinstance(target, str):  # an act that is not on this site
        return {"number": target, "url": None, "json_url": None}
    return {"number": target.meta.number, "url": url(site, target.url),
            "json_url": url(site, target.json_url)}


def json_schema() -> dict:
    """JSON Schema (2020-12) of a record, as ``deliberations/<slug>.json`` holds it."""
    schema = Record.model_json_schema(mode="serialization", by_alias=True)
    for definition in [schema, *schema.get("$defs", {}).values()]:
        if definition.get("type") == "object":
            # Every key is always written (null or [] when empty), so every key is required.
            definition["required"] = [k for k in definition["properties"] if k not in TEXT_FIELDS]
    _portable_patterns(schema)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", **schema}


def _portable_patterns(node) -> None:
    """Drop Python's named groups from patterns: JSON Schema patterns are ECMA-262 regexes."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "pattern" and isinstance(value, str):
                node[key] = re.sub(r"\(\?P<\w+>", "(", value)
            else:
                _portable_patterns(value)
    elif isinstance(node, list):
        for item in node:
            _portable_patterns(item)

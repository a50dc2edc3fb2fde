"""The amounts table: one row per amount an act decides, with the act's number, title and dates.

The table a journalist opens in a spreadsheet; ``amounts.json`` and ``amounts.csv`` hold the
same rows. Amount columns are the fields of :class:`~deliberations.model.Amount`, nested
models flattened (``budget.name`` → ``budget_name``).
"""

from __future__ import annotations

from collections.abc import Iterator

from .model import Amount, Beneficiary, Budget, Recurrence, Section, Tax
from .reader import Act
from .records import url
from .settings import SiteSettings

NESTED = {"budget": Budget, "beneficiary": Beneficiary}
ACT_COLUMNS = ["number", "position", "title", "body", "body_name", "session", "published"]
AMOUNT_COLUMNS = [column for name in Amount.model_fields for column in (
    [f"{name}_{key}" for key in NESTED[name].model_fields] if name in NESTED else [name])]
COLUMNS = [*ACT_COLUMNS, *AMOUNT_COLUMNS, "url"]
MOMENT_PATTERN = r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?$"


def count(acts: list[Act]) -> int:
    return sum(len(act.meta.amounts) for act in acts)


def rows(act: Act, site: SiteSettings) -> Iterator[dict]:
    """The rows of one act, typed: ``Decimal`` values, ``None`` where nothing is known."""
    meta = act.meta
    for position, amount in enumerate(meta.amounts, start=1):
        yield {
            "number": meta.number,
            "position": position,
            "title": meta.title,
            "body": meta.body,
            "body_name": site.BODIES[meta.body],
            "session": meta.session.isoformat(),
            "published": meta.published.isoformat() if meta.published else None,
            **flatten(amount),
            "url": url(site, act.url),
        }


def flatten(amount: Amount) -> dict:
    data = amount.model_dump(mode="json")
    data["value"] = amount.value  # exact Decimal, not the model's text form
    for name, model in NESTED.items():
        inner = data.pop(name) or {}
        for key in model.model_fields:
            data[f"{name}_{key}"] = inner.get(key)
    return {column: data[column] for column in AMOUNT_COLUMNS}


def table_schema() -> dict:
    """Frictionless Table Schema of ``amounts.csv``."""
    def field(name, type_="string", description="", **constraints):
        return {"name": name, "type": type_, "description": description,
                **({"constraints": constraints} if constraints else {})}

    return {
        "fields": [
            field("number", description="Number of the act", required=True),
            field("position", "integer", "Rank of the amount in the act (1, 2…)", required=True, minimum=1),
            field("title", description="Title (objet) of the act", required=True),
            field("body", description="Key of the body that adopted the act", required=True),
            field("body_name", description="Name of the body", required=True),
            field("session", "date", "Date of the sitting", required=True),
            field("published", description="When the act was put online (ISO 8601 date or date and "
                  "time); empty when not known", pattern=MOMENT_PATTERN),
            field("value", "number", "Exact amount, '.' as decimal separator", required=True, minimum=0),
            field("currency", description="ISO 4217 code", required=True, pattern=r"^[A-Z]{3}$"),
            field("tax", description="HT, TTC or net", enum=[t.value for t in Tax]),
            field("label", description="What the amount is for"),
            field("recurrence", description="How often it is paid", enum=[r.value for r in Recurrence]),
            field("section", description="Budget section", enum=[s.value for s in Section]),
            field("budget_name", description="Budget the amount is charged to"),
            field("budget_year", description="Budget year (YYYY or YYYY/YYYY)",
                  pattern=r"^[0-9]{4}(/[0-9]{4})?$"),
            field("beneficiary_name", description="Who receives the amount"),
            field("beneficiary_siret", description="SIRET of the beneficiary", pattern=r"^\d{14}$"),
            field("url", description="Page of the act"),
        ],
        "primaryKey": ["number", "position"],
        "missingValues": [""],
    }

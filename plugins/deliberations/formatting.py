"""French formatting for pages and feeds: « 8 avril 2022 », « 675,00 € HT »."""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal
from functools import lru_cache

from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal

LOCALE = "fr_FR"
# Babel formats a date or an amount in tens of microseconds, and a site shows the same
# dates and amounts on many pages: the results are kept.
MEMO = lru_cache(maxsize=1 << 16, typed=True)

OUTCOMES = {"adopted": "adoptée", "rejected": "rejetée", "withdrawn": "retirée",
            "postponed": "reportée"}
RECURRENCES = {"once": "ponctuel", "monthly": "mensuel", "quarterly": "trimestriel",
               "yearly": "annuel", "multiyear": "pluriannuel"}
NATURES = {"DE": "Délibération", "AR": "Acte réglementaire", "AI": "Acte individuel",
           "CC": "Contrat ou convention", "BF": "Document budgétaire", "AU": "Acte"}
TAXES = {"HT": "HT", "TTC": "TTC", "net": "net"}
CENT = Decimal("0.01")


@MEMO
def french_date(value: date | datetime | None) -> str:
    if value is None:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    text = format_date(day, "d MMMM y", locale=LOCALE)
    return "1er" + text[1:] if day.day == 1 else text


@MEMO
def french_datetime(value: date | datetime | None) -> str:
    if not isinstance(value, datetime):
        return french_date(value)
    return f"{french_date(value)} à {format_time(value, 'HH:mm', locale=LOCALE)}"


@MEMO
def money(value: Decimal, currency: str = "EUR", tax: str | None = None) -> str:
    # Babel separates thousands and the sign with no-break spaces, as French typography wants;
    # « HT » stays on the same line too. Euros, nearly every amount, are written here as Babel
    # writes them (cents rounded half to even), in a fraction of its time.
    if currency == "EUR":
        digits = format(value.quantize(CENT, ROUND_HALF_EVEN), ",f")
        text = digits.replace(",", "\u202f").replace(".", ",") + "\u00a0€"
    else:
        text = format_currency(value, currency, locale=LOCALE)
    return f"{text}\u00a0{TAXES[tax]}" if tax else text


def amount(a) -> str:
    return money(a.value, a.currency, a.tax.value if a.tax else None)


def total(meta) -> str:
    """Sum of an act's amounts in euros, with HT/TTC/net when they all share it; "" if none."""
    euros = [a for a in meta.amounts if a.currency == "EUR"]
    if not euros:
        return ""
    taxes = {a.tax for a in euros}
    tax = taxes.pop() if len(taxes) == 1 else None
    return money(meta.total, "EUR", tax.value if tax else None)


def number(value) -> str:
    return format_decimal(value, locale=LOCALE)


def outcome(value) -> str:
    return OUTCOMES[str(value)]


def nature(value) -> str:
    return NATURES[str(value)]


def recurrence(value) -> str:
    return RECURRENCES[str(value)] if value else ""


def filesize(size: int) -> str:
    if size < 1024:
        return f"{number(size)} octets"
    for unit in ("Ko", "Mo", "Go"):
        size /= 1024
        if size < 1024 or unit == "Go":
            break
    return f"{format_decimal(round(size, 1), locale=LOCALE)} {unit}"


FILTERS = {
    "date_fr": french_date,
    "datetime_fr": french_datetime,
    "money": money,
    "amount": amount,
    "total_fr": total,
    "number_fr": number,
    "outcome_fr": outcome,
    "recurrence_fr": recurrence,
    "nature_fr": nature,
    "filesize": filesize,
}

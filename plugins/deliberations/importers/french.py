"""Reading the French of administrative acts: dates, amounts of money, act numbers.

Every reader returns ``None`` (or nothing) for what it cannot read exactly: an amount or a
date that is not certain is left out by the importers, never approximated.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

MONTHS = {
    "janvier": 1, "fevrier": 2, "mars": 3, "avril": 4, "mai": 5, "juin": 6, "juillet": 7,
    "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11, "decembre": 12,
}
_MONTH_WORDS = (r"janvier|f[ée]vrier|mars|avril|mai|juin|juillet|ao[ûu]t|septembre|octobre|novembre"
                r"|d[ée]cembre")
_DAY_NAMES = r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche"

# Patterns meant to be embedded in larger ones (compile with re.IGNORECASE).
NUMERIC_DATE = r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}"
WORD_DATE = rf"(?:(?:{_DAY_NAMES})\s+)?(?:1er|premier|\d{{1,2}})\s+(?:{_MONTH_WORDS})(?:\s+\d{{4}})?"
DATE = rf"(?:{NUMERIC_DATE}|{WORD_DATE})"
TIME = r"(?:\s+(?:à\s+)?\d{1,2}\s*[h:]\s*\d{2})"

# An act number: "22-B-0183", "20 C 0008", "DEL2023_087", "2022.00028". A following capital
# word is part of it only when it is one or two letters then digits ("20 C 0008"), so that
# "N° 22-B-0146 DU 18 MARS" stops before "DU".
ACT_NUMBER = (r"[A-Z0-9][A-Za-z0-9]*(?:[-_./][A-Za-z0-9]+)*"
              r"(?:\s(?!(?:DU|DE|LE|LA|EN|AU|ET)\s)[A-Z]{1,2}\s\d+)?")

_SPACES = " \u00a0\u202f\u2009\u2007"
_AMOUNT = re.compile(
    rf"""(?<![\w,.])
    (?P<number>\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:,\d+)?      # 1 250 000,00
      | \d{{1,3}}(?:\.\d{{3}})+(?:,\d+)?                       # 1.250.000,00
      | \d+\.\d{{1,2}}(?![\d.])                                # 12.50
      | \d+(?:,\d+)?)                                          # 675 / 12500,50
    [{_SPACES}]*
    (?P<unit>Mds?\s?€|M\s?€|k\s?€|K\s?€|€|euros?\b|EUR\b
      |milliards?\s+d['’]\s?euros\b|millions?\s+d['’]\s?euros\b
      |milliards?\s+€|millions?\s+€)
    (?:[{_SPACES}]*(?P<tax>H\.\s?T\.?|T\.\s?T\.\s?C\.?|HT|TTC|hors\s+taxes?|toutes\s+taxes\s+comprises
      |nets?(?:\s+de\s+taxes?)?)(?![\w]))?
    """,
    re.VERBOSE,
)
_SCALE = {"k": 3, "K": 3, "M": 6, "m": 6, "Md": 9, "Mds": 9}


@dataclass(frozen=True)
class Money:
    """An amount of euros found in a text, with where it was found."""

    value: Decimal
    tax: str | None  # "HT", "TTC", "net"
    start: int
    end: int


def fold(text: str) -> str:
    """Lowercase without accents: what comparisons of French words need."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def day_month(text: str) -> tuple[int, int, int | None] | None:
    """(day, month, year or None) of a date as written: "8 avril 2022", "1er décembre", "15/04/2022"."""
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text)
    if m:
        return int(m[1]), int(m[2]), int(m[3])
    m = re.fullmatch(rf"(?:(?:{_DAY_NAMES})\s+)?(1er|premier|\d{{1,2}})\s+({_MONTH_WORDS})(?:\s+(\d{{4}}))?",
                     text, re.IGNORECASE)
    if not m:
        return None
    day = 1 if fold(m[1]) in ("1er", "premier") else int(m[1])
    return day, MONTHS[fold(m[2])], int(m[3]) if m[3] else None


def parse_date(text: str) -> date | None:
    """The date written in ``text`` (French or ISO), or None if it has no year or does not exist."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            return None
    parts = day_month(text)
    if parts is None or parts[2] is None:
        return None
    return make_date(parts[2], parts[1], parts[0])


def make_date(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def find_amounts(text: str) -> list[Money]:
    """Every amount in euros written in ``text``, in order."""
    found = []
    for m in _AMOUNT.finditer(text):
        value = _value(m["number"], m["unit"])
        if value is not None:
            found.append(Money(value, _tax(m["tax"]), m.start(), m.end()))
    return found


def read_amount(text: str) -> Money | None:
    """The amount when ``text`` is exactly one amount ("1 250 000,00 € TTC"), else None."""
    amounts = find_amounts(text.strip())
    if len(amounts) == 1 and amounts[0].start == 0 and amounts[0].end == len(text.strip()):
        return amounts[0]
    return None


def _value(number: str, unit: str) -> Decimal | None:
    digits = re.sub(f"[{_SPACES}]", "", number)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", digits):
        digits = digits.replace(".", "")
    digits = digits.replace(",", ".")
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    word = unit.split()[0].rstrip("€").strip()
    scale = _SCALE.get(word) or (9 if fold(word).startswith("milliard") else
                                 6 if fold(word).startswith("million") else 0)
    if scale:
        value = value.scaleb(scale)
        if value.as_tuple().exponent > 0:
            value = value.quantize(Decimal(1))
    return value


def _tax(text: str | None) -> str | None:
    if not text:
        return None
    word = fold(re.sub(r"[\s.]", "", text))
    if word in ("ht", "horstaxe", "horstaxes"):
        return "HT"
    if word in ("ttc", "toutestaxescomprises"):
        return "TTC"
    return "net"

"""The content format, version 1: the single source of truth for what an act is.

Validation, the JSON Schema shipped to editors, the exports and the documentation all
derive from the models below. Rules that need the site's settings (bodies, the
collectivity, which files exist) live in :mod:`deliberations.validate`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    model_validator,
)
from pydantic_core import PydanticCustomError

from . import actes

FORMAT_VERSION = 1
PARIS = ZoneInfo("Europe/Paris")  # French acts: naive times are local times
# Amounts: beyond any public budget, or finer than a millionth, is a typing error; within these
# bounds every amount prints and exports as plain digits (never "1E+3").
MAX_AMOUNT = Decimal(10) ** 15
MAX_DECIMALS = 6

# ACTES transmission id: department (3) - SIREN (9) - decision date - internal number - nature.
# The internal number may itself contain '-', so it is matched greedily between the date and the nature.
ACTES_ID = re.compile(
    r"^(?P<department>\d{2}[0-9AB])-(?P<siren>\d{9})-(?P<date>\d{8})-(?P<internal>.+)-"
    r"(?P<nature>DE|AR|AI|CC|BF|AU)$"
)


def slugify(number: str) -> str:
    """URL slug of an act number: lowercase, accents dropped, other runs of characters → '-'.

    ``22-B-0183`` → ``22-b-0183``; ``20 C 0008`` → ``20-c-0008``.
    """
    ascii_text = unicodedata.normalize("NFKD", number).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def luhn_ok(digits: str) -> bool:
    """Luhn check of a SIREN/SIRET; La Poste's establishments use a digit-sum rule instead."""
    if digits.startswith("356000000") and len(digits) == 14:
        return sum(int(d) for d in digits) % 5 == 0
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


# --- scalar types with the messages a webmaster should read -------------------------------


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str):
        raise PydanticCustomError(
            "text", "expected text, got {got}; put the value in quotes", {"got": repr(value)}
        )
    value = value.strip()
    if not value:
        raise PydanticCustomError("text", "must not be empty")
    return value


def _date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
        raise PydanticCustomError(
            "date", "{value} is not a date (expected YYYY-MM-DD)", {"value": repr(value)}
        )
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError(
            "date", "{value} is not a valid date", {"value": repr(value)}
        ) from None


def _moment(value: Any) -> date | datetime:
    """A date, or a date and time (``2022-04-15 10:30``, with or without offset)."""
    if isinstance(value, str) and len(value.strip()) > 10:
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            raise PydanticCustomError(
                "datetime",
                "{value} is not a valid date and time (expected YYYY-MM-DD or YYYY-MM-DD HH:MM)",
                {"value": repr(value)},
            ) from None
    return _date(value)


def _count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise PydanticCustomError("count", "expected a whole number, got {got}", {"got": repr(value)})
    if value < 0:
        raise PydanticCustomError("count", "must not be negative, got {got}", {"got": value})
    return value


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool | float):
        raise PydanticCustomError("amount", "expected an exact number such as 675.00")
    if isinstance(value, int | Decimal):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip()
        if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            raise PydanticCustomError(
                "amount",
                "{value} is not a number; write it as 1234567.89 (no spaces, no currency sign)",
                {"value": repr(value)},
            )
        result = Decimal(text)
    else:
        raise PydanticCustomError("amount", "expected a number, got {got}", {"got": repr(value)})
    if not result.is_finite():
        raise PydanticCustomError("amount", "must be a finite number")
    if result < 0:
        raise PydanticCustomError("amount", "must not be negative, got {value}", {"value": str(value)})
    if result >= MAX_AMOUNT:
        raise PydanticCustomError("amount", "{value} is larger than any public budget; check the value",
                                  {"value": str(value)})
    if result.as_tuple().exponent < -MAX_DECIMALS:
        raise PydanticCustomError("amount", "{value} has more than {n} decimals",
                                  {"value": str(value), "n": MAX_DECIMALS})
    if result.as_tuple().exponent > 0:  # 1.5e3 written as a YAML float
        result = result.quantize(Decimal(1))
    return result.copy_abs()  # no "-0"


def _siret(value: Any) -> str:
    value = _text(value).replace(" ", "")
    if not re.fullmatch(r"\d{14}", value):
        raise PydanticCustomError("siret", "{value} is not a SIRET (14 digits)", {"value": repr(value)})
    if not luhn_ok(value):
        raise PydanticCustomError("siret", "{value} fails the SIRET check digit (Luhn)", {"value": value})
    return value


def _subject(value: Any) -> str:
    if isinstance(value, Decimal | int | float) and not isinstance(value, bool):
        raise PydanticCustomError(
            "subject", 'write the ACTES code in quotes, e.g. subject: "{value}"', {"value": str(value)}
        )
    value = _text(value)
    if value not in actes.subjects():
        raise PydanticCustomError(
            "subject",
            "{value} is not an ACTES subject code (level 2, from '1.1' to '9.4')",
            {"value": repr(value)},
        )
    return value


def _actes_id(value: Any) -> str:
    value = _text(value)
    if not ACTES_ID.match(value):
        raise PydanticCustomError(
            "actes_id",
            "{value} is not an ACTES id (expected DDD-SIREN-YYYYMMDD-NUMBER-NATURE, "
            "e.g. 059-200093201-20220408-lmc100000090231-DE)",
            {"value": repr(value)},
        )
    return value


def _iso(value: date | datetime) -> str:
    return value.isoformat()


Text = Annotated[str, BeforeValidator(_text)]
Day = Annotated[date, BeforeValidator(_date), PlainSerializer(_iso, return_type=str)]
Moment = Annotated[
    date | datetime, BeforeValidator(_moment), PlainSerializer(_iso, return_type=str)
]
Count = Annotated[int, BeforeValidator(_count), Field(json_schema_extra={"minimum": 0})]
Money = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    PlainSerializer(lambda d: str(d), return_type=str),
    Field(description="Exact decimal amount, e.g. 675.00", json_schema_extra={"minimum": 0}),
]
Siret = Annotated[str, BeforeValidator(_siret), Field(pattern=r"^\d{14}$")]
SubjectCode = Annotated[str, BeforeValidator(_subject), Field(pattern=r"^\d\.\d{1,2}$")]
ActesId = Annotated[str, BeforeValidator(_actes_id), Field(pattern=ACTES_ID.pattern)]


class Nature(StrEnum):
    DE = "DE"
    AR = "AR"
    AI = "AI"
    CC = "CC"
    BF = "BF"
    AU = "AU"


class Outcome(StrEnum):
    adopted = "adopted"
    rejected = "rejected"
    withdrawn = "withdrawn"
    postponed = "postponed"


class Tax(StrEnum):
    HT = "HT"
    TTC = "TTC"
    net = "net"


class Recurrence(StrEnum):
    once = "once"
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"
    multiyear = "multiyear"


class Section(StrEnum):
    fonctionnement = "fonctionnement"
    investissement = "investissement"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Vote(Strict):
    """How the body voted. ``voters`` = ``for`` + ``against`` + ``abstention``; ``members`` ≥ ``voters``."""

    unanimous: bool = False
    members: Count | None = Field(None, description="Members in office (SCDL VOTE_EFFECTIF)")
    voters: Count | None = Field(None, description="Members who took part (SCDL VOTE_REEL)")
    for_: Count | None = Field(None, alias="for", description="Votes for (SCDL VOTE_POUR)")
    against: Count | None = None
    abstention: Count | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Vote:
        counts = (self.for_, self.against, self.abstention)
        if self.voters is not None and None not in counts and sum(counts) != self.voters:
            raise PydanticCustomError(
                "vote",
                "voters ({voters}) must equal for + against + abstention ({f} + {a} + {b} = {s})",
                {"voters": self.voters, "f": counts[0], "a": counts[1], "b": counts[2],
                 "s": sum(counts)},
            )
        if self.members is not None and self.voters is not None and self.members < self.voters:
            raise PydanticCustomError(
                "vote", "members ({m}) must not be fewer than voters ({v})",
                {"m": self.members, "v": self.voters},
            )
        if self.unanimous and self.against:
            raise PydanticCustomError("vote", "a unanimous vote cannot have votes against")
        return self

    @property
    def complete(self) -> bool:
        """All five counts known: what SCDL needs to fill its vote columns."""
        return None not in (self.members, self.voters, self.for_, self.against, self.abstention)


class Transmission(Strict):
    """Transmission to the prefecture (legality control) through ACTES."""

    actes_id: ActesId | None = None
    sent: Day | None = None
    received: Day | None = None

    @model_validator(mode="after")
    def _order(self) -> Transmission:
        if self.sent and self.received and self.received < self.sent:
            raise PydanticCustomError(
                "dates", "received ({r}) is before sent ({s})",
                {"r": self.received.isoformat(), "s": self.sent.isoformat()},
            )
        return self

    @property
    def department(self) -> str | None:
        m = self.actes_id and ACTES_ID.match(self.actes_id)
        return m["department"] if m else None


class Budget(Strict):
    name: Text
    year: Annotated[str, BeforeValidator(lambda v: str(v) if isinstance(v, int) else v),
                    Field(pattern=r"^[0-9]{4}(/[0-9]{4})?$")] | None = None


class Beneficiary(Strict):
    name: Text
    siret: Siret | None = None


class Amount(Strict):
    """One sum the act decides, commits or authorises."""

    value: Money
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "EUR"
    tax: Tax | None = None
    label: Text | None = None
    recurrence: Recurrence | None = None
    section: Section | None = None
    budget: Budget | None = None
    beneficiary: Beneficiary | None = None


class Author(Strict):
    """The signatory, whose first name, name and role the published act must show."""

    name: Text
    role: Text


def _document_path(value: Any) -> str:
    value = _text(value).replace("\\", "/")
    parts = value.split("/")
    if value.startswith("/") or re.match(r"^[A-Za-z]:", value) or ".." in parts or "" in parts:
        raise PydanticCustomError(
            "path",
            "{value} must be a relative path inside content/documents/, without '..'",
            {"value": repr(value)},
        )
    return value


class Document(Strict):
    """A file published with the act, under ``content/documents/`` (e.g. the signed PDF)."""

    file: Annotated[str, BeforeValidator(_document_path)]
    title: Text


ActNumber = Annotated[str, BeforeValidator(_text), Field(max_length=100)]


class Deliberation(Strict):
    """Front matter of one act (content format version 1)."""

    number: ActNumber = Field(description="The collectivity's act number, e.g. 22-B-0183")
    title: Text = Field(description="Objet of the act")
    body: Text = Field(description="Key of BODIES in the settings, e.g. bureau, conseil")
    session: Day = Field(description="Date of the sitting")
    published: Moment | None = Field(
        description="Date (or date and time) the act was put online; null only when it is not "
        "known (an older act recorded from what a later act says of it)"
    )
    subject: SubjectCode = Field(description='ACTES subject code, level 2, as a string: "8.9"')
    nature: Nature = Nature.DE
    outcome: Outcome = Outcome.adopted
    vote: Vote | None = None
    transmission: Transmission | None = None
    amounts: list[Amount] = []
    repeals: list[ActNumber] = []
    amends: list[ActNumber] = []
    author: Author | None = None
    documents: list[Document] = []
    modified: Moment | None = Field(None, description="When a published act was corrected")
    tags: list[Text] = []
    summary: Text | None = None

    @model_validator(mode="after")
    def _dates_in_order(self) -> Deliberation:
        def day(m):
            return m.date() if isinstance(m, datetime) else m

        if not slugify(self.number):
            raise PydanticCustomError(
                "number", "number {n} gives an empty URL; it needs letters or digits",
                {"n": repr(self.number)},
            )
        problems = []
        if self.published and day(self.published) < self.session:
            problems.append(("published", self.published, "the session"))
        if self.transmission:
            for name in ("sent", "received"):
                when = getattr(self.transmission, name)
                if when and when < self.session:
                    problems.append((f"transmission.{name}", when, "the session"))
        if self.modified and self.published and day(self.modified) < day(self.published):
            problems.append(("modified", self.modified, "publication"))
        if problems:
            name, when, before = problems[0]
            raise PydanticCustomError(
                "dates", "{name} ({when}) is before {before} ({session})",
                {"name": name, "when": when.isoformat(), "before": before,
                 "session": (self.session if before == "the session" else self.published).isoformat()},
            )
        return self

    @property
    def slug(self) -> str:
        return slugify(self.number)

    @property
    def online(self) -> datetime:
        """When the act went online (its session when that is unknown), as a naive local time.

        Dates and aware datetimes cannot be compared with each other; this is the sort key.
        """
        return local_naive(self.published or self.session)

    @property
    def total(self) -> Decimal:
        """Sum of the amounts in euros (other currencies are not converted and not counted)."""
        return sum((a.value for a in self.amounts if a.currency == "EUR"), Decimal(0))


def local_naive(moment: date | datetime) -> datetime:
    if not isinstance(moment, datetime):
        return datetime.combine(moment, time.min)
    return moment.astimezone(PARIS).replace(tzinfo=None) if moment.tzinfo else moment


def json_schema() -> dict:
    """JSON Schema of the front matter, for editors (validation and autocompletion)."""
    schema = Deliberation.model_json_schema(by_alias=True, mode="validation")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = f"Deliberation front matter (format version {FORMAT_VERSION})"
    return schema

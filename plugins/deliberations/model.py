"""The content format, version 1: the single source of truth for what an act is.

Validation, the JSON Schema shipped to editors, the exports and the documentation all
derive from the models below. Rules that need the site's settings or the whole corpus
(bodies, the collectivity, which files exist, duplicate numbers) live in :mod:`deliberations.link`.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from enum import StrEnum, pickle_by_enum_name
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from . import actes

FORMAT_VERSION = 1
PARIS = ZoneInfo("Europe/Paris")  # French acts: naive times are local times
# An amount this large is a typing error, not a budget (and 10^26 no longer prints: Babel
# works with 28 digits).
MAX_AMOUNT = Decimal(10) ** 18

# ACTES transmission id: department (3) - SIREN (9) - decision date - internal number - nature.
# The internal number may itself contain '-', so it is matched greedily between the date and the nature.
ACTES_ID = re.compile(
    r"^(?P<department>\d{2}[0-9AB])-(?P<siren>\d{9})-(?P<date>\d{8})-(?P<internal>.+)-"
    r"(?P<nature>DE|AR|AI|CC|BF|AU)$"
)
# The same pattern for JSON Schema, whose regular expressions (ECMA 262) have no (?P<name>…).
ACTES_ID_SCHEMA = re.sub(r"\(\?P<\w+>", "(", ACTES_ID.pattern)


def slugify(number: str) -> str:
    """URL slug of an act number: lowercase, accents dropped, other runs of characters → '-'.

    ``22-B-0183`` → ``22-b-0183``; ``20 C 0008`` → ``20-c-0008``; ``n°12`` → ``n-12``.
    """
    decomposed = unicodedata.normalize("NFKD", number.lower())
    unaccented = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^a-z0-9]+", "-", unaccented).strip("-")


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
        try:
            result = Decimal(value.strip())
        except InvalidOperation:
            result = None
        if result is None or not result.is_finite():
            raise PydanticCustomError(
                "amount",
                "{value} is not a number; write it as 1234567.89 (no spaces, no currency sign)",
                {"value": repr(value)},
            )
    else:
        raise PydanticCustomError("amount", "expected a number, got {got}", {"got": repr(value)})
    if not result.is_finite():
        raise PydanticCustomError("amount", "must be a finite number")
    if result < 0:
        raise PydanticCustomError("amount", "must not be negative, got {value}", {"value": str(value)})
    if result >= MAX_AMOUNT:
        raise PydanticCustomError("amount", "{value} is larger than any public budget; check the value",
                                  {"value": str(value)})
    if result.as_tuple().exponent > 0:  # 1.5e3 written as a YAML float: plain digits, 1500
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


Text = Annotated[str, Field(min_length=1), BeforeValidator(_text)]
Day = Annotated[date, BeforeValidator(_date), PlainSerializer(_iso, return_type=str)]
Moment = Annotated[
    date | datetime, BeforeValidator(_moment), PlainSerializer(_iso, return_type=str)
]
Count = Annotated[int, BeforeValidator(_count), Field(json_schema_extra={"minimum": 0})]
Money = Annotated[
    Decimal,
    BeforeValidator(_decimal),
    PlainSerializer(lambda d: str(d), return_type=str),
    WithJsonSchema({
        "description": "Exact decimal amount, never negative, e.g. 675.00",
        "anyOf": [{"type": "number", "minimum": 0},
                  {"type": "string", "pattern": r"^[0-9]+(\.[0-9]+)?$"}],
    }),
]
# Constraints go before the BeforeValidator: after it, pydantic leaves them out of the JSON Schema.
Siret = Annotated[str, Field(pattern=r"^\d{14}$"), BeforeValidator(_siret)]
SubjectCode = Annotated[
    str, Field(json_schema_extra={"enum": list(actes.subjects())}), BeforeValidator(_subject)
]
ActesId = Annotated[str, Field(json_schema_extra={"pattern": ACTES_ID_SCHEMA}), BeforeValidator(_actes_id)]


class Choice(StrEnum):
    """A value from a fixed list. Pickled by name (a look-up in C) rather than by value (a call
    in Python): the build cache holds several in every act."""

    __reduce_ex__ = pickle_by_enum_name


class Nature(Choice):
    DE = "DE"
    AR = "AR"
    AI = "AI"
    CC = "CC"
    BF = "BF"
    AU = "AU"


class Outcome(Choice):
    adopted = "adopted"
    rejected = "rejected"
    withdrawn = "withdrawn"
    postponed = "postponed"


class Tax(Choice):
    HT = "HT"
    TTC = "TTC"
    net = "net"


class Recurrence(Choice):
    once = "once"
    monthly = "monthly"
    quarterly = "quarterly"
    yearly = "yearly"
    multiyear = "multiyear"


class Section(Choice):
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

    # The order of its dates is checked with the act's other dates, in Deliberation.

    actes_id: ActesId | None = None
    sent: Day | None = None
    received: Day | None = None

    @property
    def department(self) -> str | None:
        m = self.actes_id and ACTES_ID.match(self.actes_id)
        return m["department"] if m else None


def _budget_years(value: str) -> str:
    # SCDL's BUDGET_ANNEE check refuses an interval that does not move forward.
    first, _, last = value.partition("/")
    if last and last <= first:
        raise PydanticCustomError(
            "year", "{value}: the second year must come after the first, e.g. 2022/2023",
            {"value": value})
    return value


class Budget(Strict):
    name: Text
    year: Annotated[str, Field(pattern=r"^[0-9]{4}(/[0-9]{4})?$"),
                    BeforeValidator(lambda v: str(v) if isinstance(v, int) else v),
                    AfterValidator(_budget_years)] | None = None


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


ActNumber = Annotated[str, Field(min_length=1, max_length=100), BeforeValidator(_text)]


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
    def _consistent(self) -> Deliberation:
        """Rules across fields, each reported at the field that breaks it, all at once."""
        errors = []

        def error(loc: tuple, message: str, **ctx) -> None:
            errors.append(InitErrorDetails(type=PydanticCustomError("consistency", message, ctx),
                                           loc=loc, input=ctx.get("value")))

        if not slugify(self.number):
            error(("number",), "{value} gives an empty URL; it needs letters or digits",
                  value=repr(self.number))
        session = self.session.isoformat()
        if self.published and day_of(self.published) < self.session:
            error(("published",), "{value} is before the session ({session})",
                  value=self.published.isoformat(), session=session)
        sent = received = None
        if self.transmission:
            sent, received = self.transmission.sent, self.transmission.received
        for name, when in (("sent", sent), ("received", received)):
            if when and when < self.session:
                error(("transmission", name), "{value} is before the session ({session})",
                      value=when.isoformat(), session=session)
        if sent and received and received < sent:
            error(("transmission", "received"), "{value} is before the sending date ({sent})",
                  value=received.isoformat(), sent=sent.isoformat())
        if self.modified and self.published and day_of(self.modified) < day_of(self.published):
            error(("modified",), "{value} is before the publication ({published})",
                  value=self.modified.isoformat(), published=self.published.isoformat())
        if errors:
            raise ValidationError.from_exception_data(type(self).__name__, errors)
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
    def executory(self) -> date | None:
        """Day the act became enforceable (« exécutoire »): put online and received by the prefecture."""
        if self.published and self.transmission and self.transmission.received:
            return max(day_of(self.published), self.transmission.received)
        return None

    @property
    def total(self) -> Decimal:
        """Sum of the amounts in euros (other currencies are not converted and not counted)."""
        return sum((a.value for a in self.amounts if a.currency == "EUR"), Decimal(0))


def day_of(moment: date | datetime) -> date:
    return moment.date() if isinstance(moment, datetime) else moment


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

"""The content format: slugs, checks the model makes on its own, and the JSON Schema editors use;
amounts, dates and slugs under any input (property-based), with their round trips."""

import json
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import jsonschema
import pytest
from deliberations import frontmatter
from deliberations.formatting import money
from deliberations.model import MAX_AMOUNT, PARIS, Day, Deliberation, Moment, Money, luhn_ok, slugify
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from .conftest import BASE_ACT, PROJECT, run

SCHEMA_FILE = PROJECT / "schema" / "deliberation-frontmatter.schema.json"


@pytest.mark.parametrize("number, slug", [
    ("22-B-0183", "22-b-0183"),
    ("20 C 0008", "20-c-0008"),
    ("DEL2023_087", "del2023-087"),
    ("  Arrêté n°12/2023 ", "arrete-n-12-2023"),
    ("22--B__0183", "22-b-0183"),
])
def test_slug_is_the_lowercased_number_with_runs_of_other_characters_as_dashes(number, slug):
    assert slugify(number) == slug


@pytest.mark.parametrize("digits, ok", [
    ("20009320100016", True),   # SIRET of the Métropole Européenne de Lille
    ("200093201", True),        # its SIREN
    ("20009320100017", False),
    ("35600000049837", True),   # La Poste's rule (digit sum multiple of 5), not Luhn
])
def test_luhn(digits, ok):
    assert luhn_ok(digits) is ok


def test_amounts_stay_exact_decimals():
    data, _ = frontmatter.load("amounts:\n  - value: 0.10\n  - value: 1_234_567.89\n")
    values = [Decimal(a["value"]) for a in data["amounts"]]
    assert [type(a["value"]) for a in data["amounts"]] == [Decimal, Decimal]
    assert values == [Decimal("0.10"), Decimal("1234567.89")]
    meta = Deliberation.model_validate({**BASE_ACT, "amounts": data["amounts"]})
    assert meta.total == Decimal("1234567.99")
    assert str(meta.amounts[0].value) == "0.10"


def test_cross_field_rules_are_all_reported_at_their_field():
    with pytest.raises(ValidationError) as e:
        Deliberation.model_validate({**BASE_ACT, "published": "2022-04-01", "modified": "2022-03-01",
                                     "transmission": {"sent": "2022-04-09", "received": "2022-04-07"}})
    assert [(err["loc"], err["msg"]) for err in e.value.errors()] == [
        (("published",), "2022-04-01 is before the session (2022-04-08)"),
        (("transmission", "received"), "2022-04-07 is before the session (2022-04-08)"),
        (("transmission", "received"), "2022-04-07 is before the sending date (2022-04-09)"),
        (("modified",), "2022-03-01 is before the publication (2022-04-01)"),
    ]


def test_executory_once_online_and_received_by_the_prefecture():
    def executory(**changes):
        return Deliberation.model_validate({**BASE_ACT, **changes}).executory

    assert executory(transmission={"sent": "2022-04-10", "received": "2022-04-11"}) == date(2022, 4, 15)
    assert executory(transmission={"sent": "2022-04-16", "received": "2022-04-18"}) == date(2022, 4, 18)
    assert executory(transmission={"sent": "2022-04-16"}) is None
    assert executory(published=None, transmission={"received": "2022-04-18"}) is None


def test_shipped_schema_is_the_one_the_model_gives():
    result = run("schema")
    assert result.code == 0
    assert json.loads(result.out) == json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


def schema_validator():
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def test_schema_accepts_the_bundled_content():
    validator = schema_validator()
    files = sorted((PROJECT / "content" / "deliberations").rglob("*.md"))
    assert len(files) >= 2
    for path in files:
        source, _, _ = frontmatter.split(path.read_text(encoding="utf-8"))
        data, _ = frontmatter.load(source)
        assert list(validator.iter_errors(data)) == [], path


@pytest.mark.parametrize("change, path", [
    ({"title": None}, "$"),  # removed below: required
    ({"sumary": "x"}, "$"),
    ({"subject": "8.99"}, "$.subject"),
    ({"session": "2022-02-30"}, "$.session"),
    ({"amounts": [{"value": -5}]}, "$.amounts[0].value"),
    ({"amounts": [{"value": "675,00 €"}]}, "$.amounts[0].value"),
    ({"transmission": {"actes_id": "59-200093201-2022-x-DE"}}, "$.transmission.actes_id"),
    ({"vote": {"for": "dix"}}, "$.vote.for"),
])
def test_schema_rejects_a_broken_front_matter(change, path):
    data = {**BASE_ACT, **change}
    data = {k: v for k, v in data.items() if v is not None}
    error = jsonschema.exceptions.best_match(schema_validator().iter_errors(data))
    assert error is not None
    assert error.json_path == path


# -- properties: no input crashes the parsers, round trips hold -------------------------

AMOUNT = TypeAdapter(Money)
DAY = TypeAdapter(Day)
MOMENT = TypeAdapter(Moment)
SLUG = re.compile(r"^([a-z0-9]+(-[a-z0-9]+)*)?$")

ANYTHING = (st.text() | st.integers() | st.floats() | st.booleans() | st.none() | st.binary()
            | st.decimals() | st.dates() | st.lists(st.integers(), max_size=2))
NUMERIC_TEXT = st.from_regex(r"\s?[-+]?[0-9_]{0,20}(\.[0-9]{0,10})?([eE][-+]?[0-9]{1,4})?\s?", fullmatch=True)


@given(ANYTHING | NUMERIC_TEXT)
def test_amount_parser_gives_an_exact_amount_or_a_validation_error(value):
    try:
        amount = AMOUNT.validate_python(value)
    except ValidationError as e:
        assert e.errors()[0]["msg"]
        return
    assert isinstance(amount, Decimal) and amount.is_finite()
    assert Decimal(0) <= amount < MAX_AMOUNT
    assert not str(amount).startswith("-")
    assert "€" in money(amount, "EUR", "HT")


@given(st.decimals(min_value=0, max_value=MAX_AMOUNT - 1, allow_nan=False, allow_infinity=False))
def test_an_amount_reads_back_equal(value):
    exported = AMOUNT.dump_python(AMOUNT.validate_python(value), mode="json")
    assert AMOUNT.validate_python(exported) == value
    data, _ = frontmatter.load(f"value: {exported}")
    assert AMOUNT.validate_python(data["value"]) == value


def test_amounts_that_are_refused():
    for value, message in [("-1", "must not be negative"), ("1e3x", "is not a number"),
                           ("1 000", "is not a number"), ("12,50", "is not a number"),
                           ("NaN", "is not a number"), (Decimal("Infinity"), "must be a finite number"),
                           ("1000000000000000000", "larger than any public budget"),
                           (1.5, "exact number")]:
        with pytest.raises(ValidationError, match=message):
            AMOUNT.validate_python(value)


@given(ANYTHING | st.from_regex(r"\s?[0-9]{1,5}-[0-9]{1,3}-[0-9]{1,3}([ T][0-9:.+Z-]{0,20})?\s?",
                                fullmatch=True))
def test_date_parsers_give_a_date_or_a_validation_error(value):
    for adapter in (DAY, MOMENT):
        try:
            parsed = adapter.validate_python(value)
        except ValidationError as e:
            assert e.errors()[0]["msg"]
        else:
            assert isinstance(parsed, date)


@given(st.dates())
def test_a_date_reads_back_equal(day):
    text = DAY.dump_python(day, mode="json")
    assert DAY.validate_python(text) == day
    data, _ = frontmatter.load(f"session: {text}")
    assert DAY.validate_python(data["session"]) == day


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.none() | st.just(UTC) | st.just(PARIS)))
def test_a_moment_reads_back_equal(moment):
    text = MOMENT.dump_python(moment, mode="json")
    data, _ = frontmatter.load(f"published: {text}")
    read = MOMENT.validate_python(data["published"])
    if moment.tzinfo is None:
        assert read == moment
    else:  # the same instant (compared in UTC: a time in a DST gap never equals another zone's)
        assert read.astimezone(UTC) == moment.astimezone(UTC)


@given(st.text())
def test_any_number_gives_a_safe_slug(number):
    slug = slugify(number)
    assert SLUG.match(slug)
    assert slugify(slug) == slug


@given(st.from_regex(r"[A-Za-z0-9]{1,6}([ ._/-]{1,3}[A-Za-z0-9]{1,6}){0,4}", fullmatch=True))
def test_a_number_keeps_its_letters_and_digits_in_its_slug(number):
    assert slugify(number) == re.sub(r"[^a-z0-9]+", "-", number.lower())

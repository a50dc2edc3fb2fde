"""Amounts, dates and URL slugs: any input gives a value or a validation error, and round trips hold."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from deliberations import frontmatter
from deliberations.formatting import money
from deliberations.model import MAX_AMOUNT, PARIS, Day, Moment, Money, slugify
from hypothesis import assume, given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

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
    assert "E" not in str(amount) and not str(amount).startswith("-")
    assert money(amount, "EUR", "HT").endswith("€ HT")


@given(st.integers(0, 6).flatmap(lambda places: st.decimals(
    min_value=0, max_value=MAX_AMOUNT - 1, places=places)))
def test_an_amount_reads_back_equal(value):
    exported = AMOUNT.dump_python(AMOUNT.validate_python(value), mode="json")
    assert exported == str(value)
    assert AMOUNT.validate_python(exported) == value
    data, _ = frontmatter.load(f"value: {exported}")
    assert AMOUNT.validate_python(data["value"]) == value


def test_amounts_that_are_refused():
    for value, message in [("-1", "must not be negative"), ("1e3", "is not a number"),
                           ("1 000", "is not a number"), ("12,50", "is not a number"),
                           ("NaN", "is not a number"), (Decimal("Infinity"), "must be a finite number"),
                           ("1000000000000000", "larger than any public budget"),
                           ("0.0000001", "more than 6 decimals"), (1.5, "exact number")]:
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
    assume(moment.tzinfo is None or moment.utcoffset() is not None)
    text = MOMENT.dump_python(moment, mode="json")
    data, _ = frontmatter.load(f"published: {text}")
    assert MOMENT.validate_python(data["published"]) == moment


@given(st.text())
def test_any_number_gives_a_safe_slug(number):
    slug = slugify(number)
    assert SLUG.match(slug)
    assert slugify(slug) == slug


@given(st.from_regex(r"[A-Za-z0-9]{1,6}([ ._/-]{1,3}[A-Za-z0-9]{1,6}){0,4}", fullmatch=True))
def test_a_number_keeps_its_letters_and_digits_in_its_slug(number):
    assert slugify(number) == re.sub(r"[^a-z0-9]+", "-", number.lower())

"""French formatting of dates, amounts and sizes, as pages and feeds print them."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from babel.numbers import format_currency
from deliberations.formatting import LOCALE, filesize, french_date, french_datetime, money
from deliberations.model import MAX_AMOUNT
from hypothesis import given
from hypothesis import strategies as st


@pytest.mark.parametrize("value, text", [
    (date(2022, 4, 8), "8 avril 2022"),
    (date(2022, 5, 1), "1er mai 2022"),
    (datetime(2022, 12, 15, 10, 30), "15 décembre 2022"),
])
def test_french_date(value, text):
    assert french_date(value) == text


def test_french_datetime_keeps_the_time_when_there_is_one():
    assert french_datetime(datetime(2022, 4, 15, 9, 5)) == "15 avril 2022 à 09:05"
    assert french_datetime(date(2022, 4, 15)) == "15 avril 2022"


@pytest.mark.parametrize("value, tax, text", [
    ("675.00", "HT", "675,00\u00a0€\u00a0HT"),
    ("655", None, "655,00\u00a0€"),
    ("1234567.5", "TTC", "1\u202f234\u202f567,50\u00a0€\u00a0TTC"),
    ("0.10", "net", "0,10\u00a0€\u00a0net"),
])
def test_money_in_french_format_never_breaks_across_lines(value, tax, text):
    assert money(Decimal(value), "EUR", tax) == text


AMOUNTS = st.one_of(
    st.decimals(min_value=0, max_value=MAX_AMOUNT, allow_nan=False, allow_infinity=False),
    st.integers(0, 4).flatmap(lambda places: st.decimals(min_value=0, max_value=10**7, places=places)),
)


@given(AMOUNTS)
def test_euros_are_written_as_babel_writes_them_in_french(value):
    assert money.__wrapped__(value, "EUR") == format_currency(value, "EUR", locale=LOCALE)


@pytest.mark.parametrize("size, text", [
    (13, "13 octets"), (2048, "2 Ko"), (1_572_864, "1,5 Mo"),
])
def test_filesize(size, text):
    assert filesize(size) == text

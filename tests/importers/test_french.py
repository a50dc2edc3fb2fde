"""Dates and amounts as French acts write them, read exactly."""

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from deliberations.formatting import money
from deliberations.importers.french import find_amounts, parse_date, read_amount
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.mark.parametrize(("written", "value", "tax"), [
    ("675 € HT", "675", "HT"),
    ("1 250 000,00 € TTC", "1250000.00", "TTC"),
    ("12 500,50 euros", "12500.50", None),
    ("3,2 M€", "3200000", None),
    ("1,5 million d'euros", "1500000", None),
    ("2 millions d’euros", "2000000", None),
    ("500 k€", "500000", None),
    ("1.250.000,00 € H.T.", "1250000.00", "HT"),
    ("45 000 € hors taxes", "45000", "HT"),
    ("10 000 euros nets de taxes", "10000", "net"),
    ("1\u202f250\u202f000,50\u00a0€ toutes taxes comprises", "1250000.50", "TTC"),
])
def test_amounts_are_read_as_exact_decimals_with_their_tax(written, value, tax):
    amount = read_amount(written)
    assert amount is not None
    assert amount.value == Decimal(value) and str(amount.value) == value
    assert amount.tax == tax


def test_numbers_that_are_not_money_are_not_amounts():
    text = "le 8 mai 2022, 500 musées, le mandat 2020 - 2026, la délibération n° 22-B-0146"
    assert find_amounts(text) == []


def test_a_year_before_an_amount_is_not_read_as_thousands():
    [amount] = find_amounts("le montant pour 2022 675 € HT")
    assert amount.value == Decimal(675)


@pytest.mark.parametrize(("written", "expected"), [
    ("vendredi 8 avril 2022", "2022-04-08"),
    ("8 AVRIL 2022", "2022-04-08"),
    ("1er décembre 2022", "2022-12-01"),
    ("1ER DECEMBRE 2022", "2022-12-01"),
    ("15/04/2022", "2022-04-15"),
    ("2022-04-15", "2022-04-15"),
    ("1er décembre", None),  # no year: never guessed
    ("31/02/2022", None),  # no such day
])
def test_dates(written, expected):
    day = parse_date(written)
    assert (day.isoformat() if day else None) == expected


amounts = st.decimals(min_value=0, max_value=Decimal("999999999999.99"), places=2, allow_nan=False)


@settings(max_examples=300)
@given(value=amounts, tax=st.sampled_from([None, "HT", "TTC", "net"]))
def test_an_amount_formatted_in_french_reads_back_equal(value, tax):
    # As the site prints it (Babel, narrow no-break spaces), then as people type it.
    for written in (money(value, "EUR", tax), format_currency(value, "EUR", locale="fr_FR"),
                    f"{value:,.2f}".replace(",", " ").replace(".", ",") + " €" + (f" {tax}" if tax else ""),
                    f"{value:,.2f}".replace(",", " ").replace(".", ",") + " euros"):
        amount = read_amount(written)
        assert amount is not None, written
        assert amount.value == value, written
        if tax and written.endswith(tax):
            assert amount.tax == tax


@given(st.text())
def test_any_text_gives_amounts_that_are_never_negative(text):
    for amount in find_amounts(text):
        assert amount.value >= 0 and amount.value.is_finite()
        assert 0 <= amount.start < amount.end <= len(text)

"""The content format: slugs, checks the model makes on its own, and the JSON Schema editors use."""

import json
from datetime import date
from decimal import Decimal

import jsonschema
import pytest
from deliberations import frontmatter
from deliberations.model import Deliberation, luhn_ok, slugify
from pydantic import ValidationError

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

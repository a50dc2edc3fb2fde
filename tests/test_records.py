"""The JSON a developer reads: records valid against the published JSON Schema, exact amounts."""

import hashlib
import json
import re
from decimal import Decimal

import pytest
from deliberations.model import Deliberation
from deliberations.records import Record
from jsonschema import Draft202012Validator

from .conftest import DATA_ACTS, DATA_SITEURL


def load(path) -> dict:
    return json.loads(path.read_text("utf-8"), parse_float=Decimal)


@pytest.fixture(scope="module")
def validator(data_site):
    schema = json.loads((data_site.output / "data/schema/deliberation.schema.json").read_text("utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def records(data_site) -> dict:
    return {r["number"]: r for r in load(data_site.output / "data/deliberations.json")["deliberations"]}


def errors(validator, instance) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(instance)]


def test_every_record_is_valid_against_the_published_schema(data_site, validator):
    data = data_site.output / "data"
    files = [data / "deliberations.json", *sorted(data.glob("deliberations-*.json"))]
    checked = 0
    for path in files:
        for record in json.loads(path.read_text("utf-8"))["deliberations"]:
            assert errors(validator, record) == [], (path.name, record["number"])
            checked += 1
    for path in sorted((data / "deliberations").glob("*.json")):
        record = json.loads(path.read_text("utf-8"))
        assert errors(validator, record) == [], path.name
        assert record["text"].startswith("# ") and "<strong>décide</strong>" in record["html"]
        checked += 1
    assert checked == 3 * len(DATA_ACTS)


def test_the_schema_refuses_what_a_record_must_not_be(validator, records):
    record = records["21-C-0042"]
    assert errors(validator, {**record, "amounts": [{**record["amounts"][0], "value": "0.10"}]})
    assert errors(validator, {k: v for k, v in record.items() if k != "published"})
    assert errors(validator, {**record, "surprise": 1})


def test_record_schema_derives_from_the_content_model():
    assert set(Deliberation.model_fields) <= set(Record.model_fields)


def test_amounts_are_json_numbers_with_the_exact_cents(data_site, records):
    text = (data_site.output / "data/deliberations.json").read_text("utf-8")
    for written in ('"value":675.00', '"value":0.10', '"value":1234567.89', '"value":1500000',
                    '"total_eur":1234567.99'):
        assert written in text
    for number in re.findall(r'"(?:value|total_eur)":([^,}]+)', text):
        assert re.fullmatch(r"null|\d+(\.\d+)?", number), number  # plain decimals, no float artefacts
    values = [a["value"] for a in records["21-C-0042"]["amounts"]]
    assert values == [Decimal("0.10"), Decimal("1234567.89")]
    assert [str(v) for v in values] == ["0.10", "1234567.89"]  # round trip: the cents survive
    assert str(records["22-B-0183"]["amounts"][0]["value"]) == "675.00"
    assert records["21-C-0050"]["total_eur"] == Decimal("1500000")  # USD is not added to euros
    assert records["20 C 0008"]["total_eur"] is None


def test_amounts_files_hold_one_exact_row_per_amount(data_site):
    amounts = load(data_site.output / "data/amounts.json")
    assert amounts["schema"] == f"{DATA_SITEURL}/data/schema/amounts.tableschema.json"
    rows = amounts["amounts"]
    expected = sum(len(a.get("amounts", [])) for a in DATA_ACTS)
    assert len(rows) == expected
    assert [(r["number"], r["position"], str(r["value"])) for r in rows if r["number"] == "21-C-0042"] == [
        ("21-C-0042", 1, "0.10"), ("21-C-0042", 2, "1234567.89")]
    beneficiary = next(r for r in rows if r["beneficiary_siret"])
    assert beneficiary["beneficiary_name"] == "@SUM(1+1)"  # JSON is not a spreadsheet: kept as is
    assert rows[0]["published"] == "2022-04-15"


def test_record_content(records):
    seed = records["22-B-0183"]
    assert seed["body"] == {"key": "bureau", "name": "Bureau"}
    assert seed["subject"]["code"] == "8.9" and seed["subject"]["label"] == "Culture"
    assert seed["nature"] == {"code": "DE", "label": "Délibérations"}
    assert seed["url"] == f"{DATA_SITEURL}/deliberations/22-b-0183/"
    assert seed["json_url"] == f"{DATA_SITEURL}/data/deliberations/22-b-0183.json"
    assert seed["sitting_url"] == f"{DATA_SITEURL}/seances/2022-04-08-bureau/"
    assert seed["transmission"]["actes_id"] == "059-200093201-20220408-lmc100000090231-DE"
    assert seed["repeals"] == [{"number": "22-B-0146", "url": f"{DATA_SITEURL}/deliberations/22-b-0146/",
                                "json_url": f"{DATA_SITEURL}/data/deliberations/22-b-0146.json"}]
    assert [r["number"] for r in records["22-B-0146"]["repealed_by"]] == ["22-B-0183"]
    assert [r["number"] for r in records["21-C-0042"]["amended_by"]] == ["21-C-0050"]
    assert records["22-B-0146"]["published"] is None
    assert records["21-C-0042"]["published"] == "2021-12-20T10:30:00"
    assert records["21-C-0042"]["modified"] == "2022-01-05"
    assert records["20 C 0008"]["published"] == "2020-06-05T09:00:00+02:00"
    assert records["21-C-0042"]["vote"]["for"] == 40
    assert "text" not in seed and "html" not in seed


def test_documents_carry_the_size_and_hash_of_the_published_file(data_site, records):
    (document,) = records["22-B-0183"]["documents"]
    published = data_site.output / "documents/2022/Délibération signée 22-B-0183.pdf"
    encoded = "D%C3%A9lib%C3%A9ration%20sign%C3%A9e%2022-B-0183.pdf"  # a URL, whatever the file name
    assert document["url"] == f"{DATA_SITEURL}/documents/2022/{encoded}"
    assert document["size"] == published.stat().st_size
    assert document["sha256"] == hashlib.sha256(published.read_bytes()).hexdigest()

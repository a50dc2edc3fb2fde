"""The SCDL file a portal validates: the official schema, its custom checks, the mapping."""

import csv
import json
import re
import unicodedata
from pathlib import Path

import pytest
from deliberations import scdl
from frictionless import Resource, Schema

from .conftest import DATA_ACTS, PROJECT, REFERENCE, run

SCHEMA = json.loads((PROJECT / "plugins/deliberations/data" / scdl.SCHEMA_FILE).read_text("utf-8"))
ACTES_LEVEL1 = ["Commande publique", "Urbanisme", "Domaine et patrimoine", "Fonction publique",
                "Institutions et vie politique", "Libertés publiques et pouvoirs de police",
                "Finances locales", "Domaines de compétences par thèmes", "Autres domaines de compétences"]


def read_csv(path: Path) -> list[dict]:
    raw = path.read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf"), f"{path.name} starts with a BOM"
    return list(csv.DictReader(raw.decode("utf-8").splitlines(), delimiter=","))


def frictionless_errors(path: Path) -> list:
    """Validate a CSV with frictionless against the shipped copy of the official schema."""
    resource = Resource(path.name, basepath=str(path.parent), schema=Schema.from_descriptor(SCHEMA))
    report = resource.validate()
    return report.flatten(["rowNumber", "fieldName", "type", "note"])


# -- the custom checks of the SCDL schema, as Validata applies them --------------------------

def _luhn(digits: str) -> bool:
    total = 0
    for i, d in enumerate(reversed(digits)):
        n = int(d) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _plain(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def check_siret(row, column):
    value = row[column]
    return [] if not value or (len(value) == 14 and value.isdigit() and _luhn(value)) else [
        f"{column}: {value!r} fails the SIRET check"]


def check_year_interval(row, column, **params):
    value = row[column]
    if not value:
        return []
    if params.get("allow-year-only") == "yes" and re.fullmatch(r"\d{4}", value):
        return []
    m = re.fullmatch(r"(\d{4})/(\d{4})", value)
    return [] if m and int(m[2]) > int(m[1]) else [f"{column}: {value!r} is not a year interval"]


def check_cohesive(row, column, othercolumns):
    filled = [bool(row[c]) for c in (column, *othercolumns)]
    return [] if all(filled) or not any(filled) else [
        f"{column}, {', '.join(othercolumns)}: all filled or all empty"]


def check_compare(row, column, op, column2):
    a, b = row[column], row[column2]
    if not a or not b:
        return []
    if column.startswith("VOTE"):
        a, b = int(a), int(b)
    assert op == ">="
    return [] if a >= b else [f"{column} ({a}) < {column2} ({b})"]


def check_sum(row, column, columns):
    if not row[column] or not all(row[c] for c in columns):
        return []
    total = sum(int(row[c]) for c in columns)
    return [] if int(row[column]) == total else [f"{column} ({row[column]}) != sum ({total})"]


def check_nomenclature(row, column):
    value = row[column]
    if "/" not in value:
        return [f"{column}: {value!r} is not 'level 1/level 2'"]
    level1, level2 = value.split("/", 1)
    problems = []
    if _plain(level1) not in {_plain(x) for x in ACTES_LEVEL1}:
        problems.append(f"{column}: {level1!r} is not an ACTES level-1 subject")
    if value != value.lower() or re.search(r"[,()]", value) or not level2:
        problems.append(f"{column}: {value!r} must be lowercase, without comma or parenthesis")
    return problems


CHECKS = {
    "french-siret-value": check_siret,
    "year-interval-value": check_year_interval,
    "cohesive-columns-value": check_cohesive,
    "compare-columns-value": check_compare,
    "sum-columns-value": check_sum,
    "nomenclature-actes-value": check_nomenclature,
}


def custom_check_errors(rows: list[dict]) -> list[str]:
    errors = []
    for number, row in enumerate(rows, start=2):
        for check in SCHEMA["custom_checks"]:
            for problem in CHECKS[check["name"]](row, **check["params"]):
                errors.append(f"row {number}: {problem}")
    return errors


def test_every_custom_check_of_the_schema_is_implemented_here():
    assert {c["name"] for c in SCHEMA["custom_checks"]} <= set(CHECKS)


def test_custom_checks_catch_what_validata_refuses():
    good = {"COLL_SIRET": "20009320100016", "BUDGET_ANNEE": "2021", "BUDGET_NOM": "Budget principal",
            "VOTE_EFFECTIF": "50", "VOTE_REEL": "45", "VOTE_POUR": "40", "VOTE_CONTRE": "3",
            "VOTE_ABSTENTION": "2", "PREF_DATE": "2021-12-15", "DELIB_DATE": "2021-12-13",
            "DELIB_MATIERE_NOM": "finances locales/subventions"}
    assert custom_check_errors([good]) == []
    bad = [
        {**good, "COLL_SIRET": "20009320100017"},
        {**good, "BUDGET_ANNEE": "2022/2021"},
        {**good, "BUDGET_NOM": ""},
        {**good, "VOTE_CONTRE": ""},
        {**good, "PREF_DATE": "2021-12-01"},
        {**good, "VOTE_EFFECTIF": "44"},
        {**good, "VOTE_POUR": "39"},
        {**good, "DELIB_MATIERE_NOM": "Finances locales/Subventions"},
        {**good, "DELIB_MATIERE_NOM": "culture"},
    ]
    for row in bad:
        assert custom_check_errors([row]), row


# -- the published files ----------------------------------------------------------------------

@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the reference folder is not beside the project")
def test_shipped_schema_is_the_official_one():
    assert (PROJECT / "plugins/deliberations/data" / scdl.SCHEMA_FILE).read_bytes() == \
        (REFERENCE / scdl.SCHEMA_FILE).read_bytes()


def test_scdl_file_has_the_17_columns_in_order_one_row_per_act(data_site):
    path = data_site.output / "data/scdl/deliberations.csv"
    header = path.read_bytes().split(b"\r\n", 1)[0].decode()
    assert header.split(",") == [f["name"] for f in SCHEMA["fields"]]
    assert len(header.split(",")) == 17
    rows = read_csv(path)
    assert sorted(r["DELIB_ID"] for r in rows) == sorted(a["number"] for a in DATA_ACTS)


@pytest.mark.parametrize("name", ["deliberations.csv", "deliberations-2020.csv", "deliberations-2021.csv",
                                  "deliberations-2022.csv"])
def test_scdl_files_pass_the_official_schema_and_its_custom_checks(data_site, name):
    path = data_site.output / "data/scdl" / name
    assert frictionless_errors(path) == []
    assert custom_check_errors(read_csv(path)) == []


def test_per_year_files_split_the_full_file(data_site):
    full = read_csv(data_site.output / "data/scdl/deliberations.csv")
    data = data_site.output / "data/scdl"
    years = [r for y in (2022, 2021, 2020) for r in read_csv(data / f"deliberations-{y}.csv")]
    assert years == full
    assert all(r["DELIB_DATE"].startswith("2021") for r in
               read_csv(data_site.output / "data/scdl/deliberations-2021.csv"))


def test_mapping_of_content_to_scdl_columns(data_site):
    rows = {r["DELIB_ID"]: r for r in read_csv(data_site.output / "data/scdl/deliberations.csv")}
    seed = rows["22-B-0183"]
    assert seed["COLL_NOM"] == "Métropole Européenne de Lille"
    assert seed["COLL_SIRET"] == "20009320100016"
    assert seed["DELIB_DATE"] == "2022-04-08"
    assert seed["DELIB_MATIERE_CODE"] == "8.9"
    assert seed["DELIB_MATIERE_NOM"] == "domaines de compétences par thèmes/culture"
    assert (seed["PREF_ID"], seed["PREF_DATE"]) == ("PREF059", "2022-04-15")
    assert seed["DELIB_URL"] == ("https://deliberations.example.org/documents/2022/"
                                "D%C3%A9lib%C3%A9ration%20sign%C3%A9e%2022-B-0183.pdf")
    # A budget without its year: SCDL wants both or neither.
    assert (seed["BUDGET_ANNEE"], seed["BUDGET_NOM"]) == ("", "")
    # Unanimous without counts: SCDL's vote columns stay empty.
    assert [seed[c] for c in scdl.COLUMNS[11:16]] == [""] * 5

    full_vote = rows["21-C-0042"]
    assert [full_vote[c] for c in scdl.COLUMNS[11:16]] == ["50", "45", "40", "3", "2"]
    assert (full_vote["BUDGET_ANNEE"], full_vote["BUDGET_NOM"]) == ("2021", "Budget principal")
    assert full_vote["DELIB_URL"] == "https://deliberations.example.org/deliberations/21-c-0042/"
    # Partial counts (voters and for only): all five empty rather than half a vote.
    assert [rows["21-C-0050"][c] for c in scdl.COLUMNS[11:16]] == [""] * 5
    assert rows["20-B-0100"]["PREF_ID"] == "PREF02A"
    assert rows["20-B-0100"]["BUDGET_ANNEE"] == "2020/2021"
    assert rows["22-B-0146"]["PREF_ID"] == rows["22-B-0146"]["PREF_DATE"] == ""
    assert rows["20 C 0008"]["DELIB_OBJET"] == 'Vœu « pour » la gare, dit "Nord"'


def test_scdl_file_keeps_exact_values_and_spreadsheet_files_neutralise_formulas(data_site):
    data = data_site.output / "data"
    title = '=HYPERLINK("http://evil.example","Cliquez")'
    assert {r["DELIB_ID"]: r for r in read_csv(data / "scdl/deliberations.csv")}["21-C-0042"][
        "DELIB_OBJET"] == title
    extended = {r["DELIB_ID"]: r for r in read_csv(data / "deliberations.csv")}
    assert extended["21-C-0042"]["DELIB_OBJET"] == "'" + title
    assert extended["21-C-0050"]["DELIB_OBJET"] == "'+ Plan vélo"
    amounts = read_csv(data / "amounts.csv")
    assert {r["label"] for r in amounts} >= {"'-2 % de remise"}
    assert {r["beneficiary_name"] for r in amounts} >= {"'@SUM(1+1)"}
    for name in ("deliberations.csv", "amounts.csv"):
        for row in read_csv(data / name):
            assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row.values()), (name, row)


def test_extended_file_adds_what_scdl_lacks(data_site):
    rows = {r["DELIB_ID"]: r for r in read_csv(data_site.output / "data/deliberations.csv")}
    assert list(rows["22-B-0183"])[:17] == scdl.COLUMNS
    assert rows["22-B-0183"]["PUBLICATION_DATE"] == "2022-04-15"
    assert rows["22-B-0146"]["PUBLICATION_DATE"] == ""  # published: null
    assert rows["21-C-0042"]["PUBLICATION_DATE"] == "2021-12-20T10:30:00"
    assert rows["21-C-0042"]["MONTANT_TOTAL_EUR"] == "1234567.99"
    assert rows["21-C-0050"]["MONTANT_TOTAL_EUR"] == "1500000"  # the USD amount is not added
    assert rows["20 C 0008"]["MONTANT_TOTAL_EUR"] == "" and rows["20 C 0008"]["NB_MONTANTS"] == "0"
    assert (rows["22-B-0183"]["RAPPORTE"], rows["22-B-0146"]["RAPPORTEE_PAR"]) == ("22-B-0146", "22-B-0183")
    assert (rows["21-C-0050"]["MODIFIE"], rows["21-C-0042"]["MODIFIEE_PAR"]) == ("21-C-0042", "21-C-0050")
    assert rows["20 C 0008"]["NATURE_ACTE"] == "AR" and rows["20 C 0008"]["DECISION"] == "rejected"
    assert rows["22-B-0183"]["INSTANCE_NOM"] == "Bureau"
    # The SCDL columns of the extended file are those of the SCDL file, formulas aside.
    scdl_rows = {r["DELIB_ID"]: r for r in read_csv(data_site.output / "data/scdl/deliberations.csv")}
    for number, row in rows.items():
        if number not in ("21-C-0042", "21-C-0050"):
            assert {c: row[c] for c in scdl.COLUMNS} == scdl_rows[number]


def test_local_build_without_siteurl_is_still_valid_scdl(tmp_path):
    """The bundled content, built as `make html` does: DELIB_URL needs an absolute URL, so it is empty."""
    result = run("build", "--settings", str(PROJECT / "pelicanconf.py"), "--output", str(tmp_path / "out"),
                 cwd=PROJECT)
    assert result.code == 0, result.err
    path = tmp_path / "out/data/scdl/deliberations.csv"
    rows = read_csv(path)
    assert [r["DELIB_ID"] for r in rows] == ["22-B-0183", "22-B-0146"]
    assert {r["DELIB_URL"] for r in rows} == {""}
    assert frictionless_errors(path) == []
    assert custom_check_errors(rows) == []


def test_a_budget_interval_that_goes_backwards_is_refused_before_it_reaches_scdl(site):
    site.add(amounts=[{"value": "10.00", "budget": {"name": "Budget annexe", "year": "2022/2021"}}])
    result = site.build()
    assert result.code == 1
    assert "amounts.0.budget.year: 2022/2021: the second year must come after the first" in result.err
    assert not site.output.exists()


def test_readme_maps_every_scdl_column_and_names_every_added_one():
    readme = (PROJECT / "README.md").read_text("utf-8")
    table = readme[readme.index("| SCDL column | from |"):]
    mapped = {name.strip() for line in table.split("\n\n")[0].splitlines()[2:]
              for name in line.split("|")[1].split(",")}
    assert mapped == set(scdl.COLUMNS)
    for name in scdl.EXTRA_COLUMNS:
        assert f"`{name}`" in readme, name

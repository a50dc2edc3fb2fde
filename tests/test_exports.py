"""The open data as a whole: nothing dropped or doubled, byte-identical builds, shown on the site."""

import csv
import json
import re

from deliberations.formatting import filesize
from lxml import html

from .conftest import (
    DATA_ACTS,
    DATA_SITEURL,
    PROJECT,
    cold_build,
    halting_about_page,
    identity,
    snapshot,
    tree,
    write_data_site,
)

NUMBERS = sorted(a["number"] for a in DATA_ACTS)


def csv_rows(path) -> list[dict]:
    return list(csv.DictReader(path.read_text("utf-8").splitlines()))


def test_every_export_counts_every_published_act_once(data_site):
    data = data_site.output / "data"
    full = json.loads((data / "deliberations.json").read_text("utf-8"))
    assert full["count"] == len(full["deliberations"]) == len(DATA_ACTS)
    assert sorted(r["number"] for r in full["deliberations"]) == NUMBERS
    per_year = [r["number"] for p in sorted(data.glob("deliberations-*.json"))
                for r in json.loads(p.read_text("utf-8"))["deliberations"]]
    assert sorted(per_year) == NUMBERS
    assert sorted(r["DELIB_ID"] for r in csv_rows(data / "deliberations.csv")) == NUMBERS
    assert sorted(r["DELIB_ID"] for r in csv_rows(data / "scdl/deliberations.csv")) == NUMBERS
    per_act = [json.loads(p.read_text("utf-8"))["number"] for p in (data / "deliberations").glob("*.json")]
    assert sorted(per_act) == NUMBERS
    amounts = sum(len(a.get("amounts", [])) for a in DATA_ACTS)
    assert json.loads((data / "amounts.json").read_text("utf-8"))["count"] == amounts
    assert len(csv_rows(data / "amounts.csv")) == amounts


def test_files_are_newest_first_with_metadata_from_the_content(data_site):
    full = json.loads((data_site.output / "data/deliberations.json").read_text("utf-8"))
    assert [r["number"] for r in full["deliberations"]][:2] == ["22-B-0183", "22-B-0146"]
    # The newest publication or correction, never the clock.
    assert full["generated"] == "2022-04-15"
    assert full["collectivity"]["siret"] == "20009320100016"
    assert full["license"]["name"] == "Licence Ouverte 2.0"
    assert full["schema"] == f"{DATA_SITEURL}/data/schema/deliberation.schema.json"
    year = json.loads((data_site.output / "data/deliberations-2021.json").read_text("utf-8"))
    assert year["year"] == 2021 and year["count"] == 2


def test_same_content_gives_byte_identical_files(data_site, tmp_path):
    again = write_data_site(tmp_path / "again")
    result = again.build()
    assert result.code == 0, result.err
    first, second = data_site.output / "data", again.output / "data"
    names = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_csv_files_are_utf8_without_bom_comma_separated(data_site):
    for path in (data_site.output / "data").rglob("*.csv"):
        raw = path.read_bytes()
        assert not raw.startswith(b"\xef\xbb\xbf"), path
        raw.decode("utf-8")
        assert raw.split(b"\r\n", 1)[0].count(b",") >= 16, path


def test_about_page_lists_every_file_with_size_rows_schema_and_example(data_site):
    page = html.fromstring((data_site.output / "a-propos/index.html").read_text("utf-8"))
    section = page.cssselect("#open-data")[0].getparent()
    links = {a.get("href") for a in section.cssselect("a")}
    data = data_site.output / "data"
    published = [p for p in data.rglob("*") if p.is_file() and p.parent.name != "deliberations"]
    for path in published:
        assert f"{DATA_SITEURL}/{path.relative_to(data_site.output)}" in links, path
    files = {a.cssselect("h3 a")[0].text_content(): a for a in section.cssselect("article.data-file")
             if a.cssselect("h3 a")}
    scdl = files["scdl/deliberations.csv"]
    facts = {dt.text_content(): dt.getnext().text_content() for dt in scdl.cssselect("dt")}
    size = (data / "scdl/deliberations.csv").stat().st_size
    assert facts["Taille"] == filesize(size)
    assert facts["Lignes (sans l'en-tête)"] == "6"
    assert facts["Schéma"] == "SCDL « Délibérations » 2.1.5"
    assert scdl.cssselect("pre code")[0].text_content().startswith("COLL_NOM,COLL_SIRET,DELIB_ID")
    records = {dt.text_content(): dt.getnext().text_content()
               for dt in files["deliberations.json"].cssselect("dt")}
    assert records["Enregistrements"] == "6"
    years = [tr.cssselect("th")[0].text_content() for tr in section.cssselect("tbody tr")]
    assert years == ["2022", "2021", "2020"]
    alternates = {link.get("type"): link.get("href") for link in page.cssselect('head link[rel="alternate"]')}
    assert alternates["application/ld+json"] == f"{DATA_SITEURL}/data/catalog.jsonld"
    assert alternates["text/csv"] == f"{DATA_SITEURL}/data/scdl/deliberations.csv"


def test_each_act_page_links_its_json(data_site):
    for act in DATA_ACTS:
        slug = re.sub(r"[^a-z0-9]+", "-", act["number"].lower())
        page = html.fromstring((data_site.output / f"deliberations/{slug}/index.html").read_text("utf-8"))
        (alternate,) = page.cssselect('link[rel="alternate"][type="application/json"]')
        href = alternate.get("href")
        assert href == f"{DATA_SITEURL}/data/deliberations/{slug}.json"
        assert href in {a.get("href") for a in page.cssselect("a")}
        target = data_site.output / href.removeprefix(f"{DATA_SITEURL}/")
        assert json.loads(target.read_text("utf-8"))["number"] == act["number"]


def test_a_site_without_acts_still_publishes_empty_valid_files(site):
    result = site.build()
    assert result.code == 0, result.err
    data = site.output / "data"
    full = json.loads((data / "deliberations.json").read_text("utf-8"))
    assert (full["count"], full["deliberations"], full["generated"]) == (0, [], None)
    assert (data / "scdl/deliberations.csv").read_bytes().count(b"\r\n") == 1  # the header alone


def test_readme_documents_every_file(data_site):
    readme = (PROJECT / "README.md").read_text("utf-8")
    data = data_site.output / "data"
    for path in data.rglob("*"):
        if path.is_file():
            name = str(path.relative_to(data))
            name = re.sub(r"-\d{4}\.", "-<year>.", name)
            name = re.sub(r"^deliberations/[^/]+\.json$", "deliberations/<slug>.json", name)
            assert f"`{name}`" in readme, name


def test_an_act_added_rewrites_the_yearly_files_of_its_year_only(site, tmp_path):
    # A portal that harvests the yearly files every night finds the past years' files unchanged.
    site.add(number="21-B-0001", session="2021-03-01", published="2021-03-08")
    site.add(number="22-B-0001", session="2022-03-01", published="2022-03-08")
    assert site.build().code == 0
    data = site.output / "data"
    past = [data / "deliberations-2021.json", data / "scdl" / "deliberations-2021.csv"]
    before = {path: (identity(path), path.read_bytes()) for path in past}
    site.add(number="22-B-0002", session="2022-06-01", published="2022-06-08")
    assert site.build().code == 0
    assert {path: (identity(path), path.read_bytes()) for path in past} == before
    generated = {name: json.loads((data / name).read_text("utf-8"))["generated"]
                 for name in ("deliberations.json", "deliberations-2021.json", "deliberations-2022.json")}
    assert generated == {"deliberations.json": "2022-06-08", "deliberations-2021.json": "2021-03-08",
                         "deliberations-2022.json": "2022-06-08"}
    assert [r["number"] for r in json.loads((data / "deliberations-2022.json").read_text("utf-8"))[
        "deliberations"]] == ["22-B-0002", "22-B-0001"]
    assert tree(site.output) == cold_build(site, tmp_path / "cold")


def test_a_yearly_file_shared_with_the_site_online_is_replaced_not_written_through(site, tmp_path):
    # Kept files are hard links to the site online; a build that rewrites one and then fails
    # must leave the site online as it was.
    marker = halting_about_page(site, tmp_path)
    site.add(number="21-B-0001", session="2021-03-01", published="2021-03-08")
    site.add(number="22-B-0001", session="2022-03-01", published="2022-03-08")
    assert site.build().code == 0
    site.add(number="22-B-0002", session="2022-06-01", published="2022-06-08")
    assert site.build().code == 0  # the 2021 files are kept: linked from the site online
    online = snapshot(site.output)
    site.add(number="21-B-0001", session="2021-03-01", published="2021-03-08", title="Titre corrigé")
    marker.touch()
    result = site.build()
    assert result.code != 0 and "halted on purpose" in result.err
    assert snapshot(site.output) == online

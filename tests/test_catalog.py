"""What portals harvest: the Data Package (frictionless) and the DCAT-AP catalog (RDF)."""

import io
import json
import re
import shutil

import pytest
import requests
from deliberations import scdl
from frictionless import Package, system
from rdflib import Graph, Literal, Namespace, URIRef

from .conftest import DATA_SITEURL, PROJECT

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
IANA = "http://www.iana.org/assignments/media-types/"
LICENSE = URIRef("https://www.etalab.gouv.fr/licence-ouverte-open-licence/")
SCDL = URIRef(scdl.SCHEMA_URL)


class OfficialSchemaOnly(requests.adapters.BaseAdapter):
    """The test machine has no network: the official SCDL schema URL is answered with the
    project's copy of that file; any other URL fails as it would offline."""

    def send(self, request, **kwargs):
        if request.url != scdl.SCHEMA_URL:
            raise requests.ConnectionError(f"no network in tests: {request.url}")
        response = requests.Response()
        response.status_code = 200
        response.url = request.url
        response.request = request
        response.raw = io.BytesIO((PROJECT / "plugins/deliberations/data" / scdl.SCHEMA_FILE).read_bytes())
        return response

    def close(self):
        pass


def validate_package(path):
    session = requests.Session()
    session.mount("https://", OfficialSchemaOnly())
    session.mount("http://", OfficialSchemaOnly())
    with system.use_context(http_session=session):
        report = Package(str(path)).validate()
    return report


def test_data_package_is_valid_for_frictionless(data_site):
    report = validate_package(data_site.output / "data/datapackage.json")
    assert report.valid, report.flatten(["taskNumber", "rowNumber", "fieldName", "type", "note"])
    rows = {task.name: task.stats["rows"] for task in report.tasks}
    assert rows == {"deliberations": 6, "scdl-deliberations": 6, "amounts": 7,
                    "scdl-deliberations-2022": 2, "scdl-deliberations-2021": 2, "scdl-deliberations-2020": 2}


def test_data_package_points_the_scdl_files_at_the_official_schema(data_site):
    package = json.loads((data_site.output / "data/datapackage.json").read_text("utf-8"))
    schemas = {r["path"]: r["schema"] for r in package["resources"]}
    assert schemas["scdl/deliberations.csv"] == scdl.SCHEMA_URL
    assert schemas["scdl/deliberations-2021.csv"] == scdl.SCHEMA_URL
    assert schemas["deliberations.csv"] == "schema/deliberations.tableschema.json"
    assert package["licenses"][0]["path"] == str(LICENSE)


def test_a_file_changed_after_the_build_fails_the_package(data_site, tmp_path):
    copy = tmp_path / "data"
    shutil.copytree(data_site.output / "data", copy)
    path = copy / "amounts.csv"
    path.write_bytes(path.read_bytes().replace(b"675.00", b"675.01"))
    report = validate_package(copy / "datapackage.json")
    assert not report.valid
    assert "hash-count" in {e[0] for e in report.flatten(["type"])}


@pytest.fixture(scope="module")
def graph(data_site) -> Graph:
    g = Graph()
    g.parse(data=(data_site.output / "data/catalog.jsonld").read_text("utf-8"), format="json-ld")
    return g


def test_catalog_describes_one_dataset_with_a_distribution_per_file(data_site, graph):
    (catalog,) = graph.subjects(RDF.type, DCAT.Catalog)
    assert catalog == URIRef(f"{DATA_SITEURL}/data/catalog.jsonld")
    (dataset,) = graph.objects(catalog, DCAT.dataset)
    assert (dataset, RDF.type, DCAT.Dataset) in graph
    assert (dataset, DCTERMS.license, LICENSE) in graph
    assert graph.value(dataset, DCTERMS.issued) == Literal("2020-06-05T09:00:00+02:00", datatype=XSD.dateTime)
    assert graph.value(dataset, DCTERMS.modified) == Literal("2022-04-15", datatype=XSD.date)
    distributions = set(graph.objects(dataset, DCAT.distribution))
    urls = {str(graph.value(d, DCAT.downloadURL)) for d in distributions}
    data = data_site.output / "data"
    files = {"deliberations.json", "deliberations.csv", "scdl/deliberations.csv", "amounts.json",
             "amounts.csv", "datapackage.json",
             *(f"deliberations-{y}.json" for y in (2020, 2021, 2022)),
             *(f"scdl/deliberations-{y}.csv" for y in (2020, 2021, 2022))}
    assert urls == {f"{DATA_SITEURL}/data/{f}" for f in files}
    # A yearly file changed last with its acts' newest publication or correction (the date its
    # own "generated" says); the others with the whole dataset.
    modified = {"2020": "2020-10-09", "2021": "2022-01-05", "2022": "2022-04-15"}
    for d in distributions:
        assert (d, RDF.type, DCAT.Distribution) in graph
        assert (d, DCTERMS.license, LICENSE) in graph
        assert graph.value(d, DCTERMS.issued) is not None
        path = data / str(graph.value(d, DCAT.downloadURL)).removeprefix(f"{DATA_SITEURL}/data/")
        year = re.search(r"-(\d{4})\.", path.name)
        assert graph.value(d, DCTERMS.modified) == Literal(modified[year[1]] if year else "2022-04-15",
                                                           datatype=XSD.date)
        if year and path.suffix == ".json":
            assert json.loads(path.read_text("utf-8"))["generated"] == modified[year[1]]
        assert int(graph.value(d, DCAT.byteSize)) == path.stat().st_size
        media = str(graph.value(d, DCAT.mediaType))
        assert media == IANA + ("text/csv" if path.suffix == ".csv" else "application/json")
        assert graph.value(graph.value(d, SPDX.checksum), SPDX.checksumValue) is not None


def test_scdl_distributions_conform_to_the_scdl_schema(graph):
    conforming = {str(graph.value(d, DCAT.downloadURL)) for d in graph.subjects(DCTERMS.conformsTo, SCDL)
                  if (d, RDF.type, DCAT.Distribution) in graph}
    years = ("", "-2020", "-2021", "-2022")
    assert conforming == {f"{DATA_SITEURL}/data/scdl/deliberations{y}.csv" for y in years}
    json_distribution = next(d for d in graph.subjects(RDF.type, DCAT.Distribution)
                             if str(graph.value(d, DCAT.downloadURL)).endswith("/data/deliberations.json"))
    assert graph.value(json_distribution, DCTERMS.conformsTo) == URIRef(
        f"{DATA_SITEURL}/data/schema/deliberation.schema.json")

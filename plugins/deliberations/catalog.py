"""What the open data says of itself: the Data Package and the DCAT-AP catalog.

``datapackage.json`` (Frictionless) describes the CSV files with their Table Schemas, sizes
and hashes; ``catalog.jsonld`` (DCAT-AP, JSON-LD) is what portals such as data.gouv.fr
harvest: one dataset, one distribution per data file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .model import PARIS, local_naive
from .records import url
from .scdl import SCHEMA_URL as SCDL_SCHEMA_URL
from .settings import SiteSettings

DATA_PACKAGE_PROFILE = "https://specs.frictionlessdata.io/data-package/"
IANA = "http://www.iana.org/assignments/media-types/"
EU_FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
EU_LANGUAGE_FR = "http://publications.europa.eu/resource/authority/language/FRA"
CONTEXT = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "spdx": "http://spdx.org/rdf/terms#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
KEYWORDS = ["délibérations", "actes administratifs", "conseil", "collectivité territoriale", "SCDL"]


@dataclass
class DataFile:
    """One published file, as the about page, the Data Package and the catalog describe it."""

    path: str  # in the site: "data/scdl/deliberations.csv"
    name: str  # resource name: "scdl-deliberations"
    title: str
    description: str
    media_type: str  # "text/csv"
    file_type: str  # EU file type: "CSV", "JSON"
    rows: int | None = None  # records or rows; None for a file that is not a table
    schema_url: str | None = None  # the schema the file follows (official SCDL or this site's)
    schema_title: str | None = None
    table_schema: str | None = None  # for the Data Package: schema URL or path beside it
    year: int | None = None
    issued: date | datetime | None = None
    modified: date | datetime | None = None  # of a yearly file: its acts' newest (None: the catalog's)
    example: str = ""
    size: int = 0
    sha256: str = ""
    distributed: bool = True  # a distribution of the catalog's dataset

    @property
    def package_path(self) -> str:
        return self.path.removeprefix("data/")


def data_package(files: list[DataFile], site: SiteSettings, generated) -> dict:
    """Frictionless Data Package of the CSV files."""
    package = {
        "profile": "tabular-data-package",
        "name": f"deliberations-{site.COLLECTIVITY.siren}",
        "title": f"Délibérations — {site.COLLECTIVITY.name}",
        "description": _description(site),
        "homepage": url(site, "a-propos/"),
        "licenses": [{"path": site.LICENSE.url, "title": site.LICENSE.name}],
        "resources": [_resource(f) for f in files if f.table_schema],
    }
    if generated is not None:
        package["created"] = _aware(generated).isoformat()
    return package


def _resource(f: DataFile) -> dict:
    return {
        "name": f.name,
        "path": f.package_path,
        "title": f.title,
        "description": f.description,
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": f.media_type,
        "encoding": "utf-8",
        "bytes": f.size,
        "hash": f"sha256:{f.sha256}",
        "dialect": {"delimiter": ",", "header": True},
        "schema": f.table_schema,
    }


def dcat(files: list[DataFile], site: SiteSettings, issued, modified) -> dict:
    """DCAT-AP catalog (JSON-LD, context inline): the catalog, its dataset, its distributions."""
    catalog_id = url(site, "data/catalog.jsonld")
    dataset_id = f"{catalog_id}#dataset"
    publisher = {"@id": f"{catalog_id}#publisher", "@type": "foaf:Organization",
                 "foaf:name": site.COLLECTIVITY.name, "dct:identifier": site.COLLECTIVITY.siren}
    license_ = {"@id": site.LICENSE.url, "@type": "dct:LicenseDocument",
                "dct:title": site.LICENSE.name}
    dates = {"dct:issued": _literal(issued), "dct:modified": _literal(modified)}
    dates = {k: v for k, v in dates.items() if v is not None}
    distributions = [f for f in files if f.distributed]
    dataset = {
        "@id": dataset_id,
        "@type": "dcat:Dataset",
        "dct:identifier": dataset_id,
        "dct:title": _fr(f"Délibérations — {site.COLLECTIVITY.name}"),
        "dct:description": _fr(_description(site)),
        "dct:publisher": {"@id": publisher["@id"]},
        "dct:license": {"@id": license_["@id"]},
        "dct:language": {"@id": EU_LANGUAGE_FR},
        "dcat:keyword": [_fr(k) for k in KEYWORDS],
        "dcat:landingPage": {"@id": url(site, "a-propos/")},
        "dct:conformsTo": {"@id": _scdl_url(files)} if _scdl_url(files) else None,
        **dates,
        "dcat:distribution": [{"@id": _distribution_id(catalog_id, f)} for f in distributions],
    }
    dataset = {k: v for k, v in dataset.items() if v is not None}
    graph = [
        {"@id": catalog_id, "@type": "dcat:Catalog",
         "dct:title": _fr(f"Données ouvertes — {site.SITENAME}"),
         "dct:description": _fr(_description(site)),
         "dct:publisher": {"@id": publisher["@id"]},
         "dct:license": {"@id": license_["@id"]},
         "dct:language": {"@id": EU_LANGUAGE_FR},
         "foaf:homepage": {"@id": url(site, "")},
         **dates,
         "dcat:dataset": [{"@id": dataset_id}]},
        dataset,
        publisher,
        license_,
        *(_distribution(f, site, catalog_id, license_["@id"], modified) for f in distributions),
    ]
    return {"@context": CONTEXT, "@graph": graph}


def _distribution(f: DataFile, site: SiteSettings, catalog_id: str, license_id: str, modified) -> dict:
    node = {
        "@id": _distribution_id(catalog_id, f),
        "@type": "dcat:Distribution",
        "dct:title": _fr(f.title),
        "dct:description": _fr(f.description),
        "dcat:accessURL": {"@id": url(site, f.path)},
        "dcat:downloadURL": {"@id": url(site, f.path)},
        "dcat:mediaType": {"@id": IANA + f.media_type},
        "dct:format": {"@id": EU_FILE_TYPE + f.file_type},
        "dct:license": {"@id": license_id},
        "dcat:byteSize": {"@value": str(f.size), "@type": "xsd:nonNegativeInteger"},
        "spdx:checksum": {"@type": "spdx:Checksum",
                          "spdx:algorithm": {"@id": "http://spdx.org/rdf/terms#checksumAlgorithm_sha256"},
                          "spdx:checksumValue": {"@value": f.sha256, "@type": "xsd:hexBinary"}},
    }
    if f.issued is not None:
        node["dct:issued"] = _literal(f.issued)
    if (f.modified or modified) is not None:
        node["dct:modified"] = _literal(f.modified or modified)
    if f.schema_url:
        node["dct:conformsTo"] = {"@id": f.schema_url}
    return node


def _distribution_id(catalog_id: str, f: DataFile) -> str:
    return f"{catalog_id}#file-{f.name}"


def _scdl_url(files: list[DataFile]) -> str | None:
    return SCDL_SCHEMA_URL if any(f.schema_url == SCDL_SCHEMA_URL for f in files) else None


def _description(site: SiteSettings) -> str:
    return (f"Délibérations et actes de {site.COLLECTIVITY.name} (SIREN {site.COLLECTIVITY.siren}) "
            "publiés sur son site : dates d'adoption, de transmission et de mise en ligne, votes, "
            "montants, au format SCDL « Délibérations » et en JSON.")


def _fr(text: str) -> dict:
    return {"@value": text, "@language": "fr"}


def _literal(moment) -> dict | None:
    if moment is None:
        return None
    if isinstance(moment, datetime):
        return {"@value": moment.isoformat(), "@type": "xsd:dateTime"}
    return {"@value": moment.isoformat(), "@type": "xsd:date"}


def _aware(moment) -> datetime:
    naive = local_naive(moment)
    return naive.replace(tzinfo=PARIS)

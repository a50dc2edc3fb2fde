"""The open data against the content: every act has its JSON record and its rows in every
table, every record validates against the published JSON Schema, amounts read back exactly,
the links in the data resolve, and the sizes and hashes the Data Package and the catalog
announce are those of the files.

What each act should have is derived here from the corpus, not from the exports' code.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections import Counter

import jsonschema_rs

from ..verify import Check, register
from ..writers import FORMULA_START

DATA = "data/"
RECORDS = "data/deliberations/"
RECORD_SCHEMA = "data/schema/deliberation.schema.json"
TEXT_FIELDS = ("text", "html")  # only in the per-act files
LINK_FIELDS = ("url", "json_url", "sitting_url")
MAX_SCHEMA_ERRORS = 3  # per file: the first errors say what is wrong


def _numbers_of(acts) -> Counter:
    return Counter(act.meta.number for act in acts)


@register
class ExportsCheck(Check):
    def finish(self):
        site = self.site
        if "data/deliberations.json" not in site.files:
            site.error("data/deliberations.json", "is missing: the open data was not written")
            return
        records = self._records()
        acts = site.corpus.acts
        years = sorted({act.year for act in acts})
        self._list("data/deliberations.json", acts, records)
        for year in years:
            chosen = [a for a in acts if a.year == year]
            self._list(f"data/deliberations-{year}.json", chosen, records)
            self._table(f"data/scdl/deliberations-{year}.csv", "DELIB_ID", _numbers_of(chosen))
        self._table("data/scdl/deliberations.csv", "DELIB_ID", _numbers_of(acts))
        self._table("data/deliberations.csv", "DELIB_ID", _numbers_of(acts))
        per_amount = Counter({a.meta.number: len(a.meta.amounts) for a in acts if a.meta.amounts})
        self._table("data/amounts.csv", "number", per_amount)
        listed = self.site.json("data/amounts.json")
        if listed is not None:
            found = Counter(row.get("number") for row in listed.get("amounts", []))
            if found != per_amount or listed.get("count") != per_amount.total():
                self.site.error("data/amounts.json", f"holds {found.total()} amounts (count "
                                f"{listed.get('count')}); the content has {per_amount.total()}")
        self._announced_files()

    def _records(self) -> dict[str, dict]:
        """Check every act's record file; return number → record without the full text."""
        site = self.site
        schema = self.site.json(RECORD_SCHEMA, exact=False)
        validator = jsonschema_rs.validator_for(schema) if schema else None
        records = {}
        for act in site.corpus.acts:
            path, meta = act.json_url, act.meta
            record = self.site.json(path)
            if record is None:
                continue
            where = f" ({act.source})"
            if validator is not None:
                for error in list(validator.iter_errors(record))[:MAX_SCHEMA_ERRORS]:
                    at = ".".join(str(p) for p in error.instance_path) or "record"
                    site.error(path, f"{at}: {error.message} (against {RECORD_SCHEMA})")
            if record.get("number") != meta.number:
                site.error(path, f"is the record of {record.get('number')!r}, not of {meta.number}{where}")
                continue
            written = [a.get("value") for a in record.get("amounts", []) if isinstance(a, dict)]
            if written != [a.value for a in meta.amounts]:
                site.error(path, f"amounts {written} differ from the content's "
                           f"{[str(a.value) for a in meta.amounts]}{where}")
            self._links(path, record)
            records[meta.number] = {k: v for k, v in record.items() if k not in TEXT_FIELDS}
        expected = {act.json_url for act in site.corpus.acts}
        for path in sorted(f for f in site.files if f.startswith(RECORDS) and f not in expected):
            site.error(path, "is the record of an act that is not in the content")
        return records

    def _links(self, path: str, record: dict) -> None:
        site = self.site
        urls = [record.get(k) for k in LINK_FIELDS]
        urls += [d.get("url") for d in record.get("documents", []) if isinstance(d, dict)]
        for relation in ("repeals", "amends", "repealed_by", "amended_by"):
            urls += [x.get(k) for x in record.get(relation, []) if isinstance(x, dict)
                     for k in ("url", "json_url")]
        for url in urls:
            if not isinstance(url, str):
                continue
            target = site.target(path, url)
            if target is not None and target[0] not in site.files:
                site.error(path, f"links to {url}, which is not in the site")

    def _list(self, path: str, acts, records: dict) -> None:
        data = self.site.json(path)
        if data is None:
            return
        listed = data.get("deliberations", [])
        found = Counter(r.get("number") for r in listed if isinstance(r, dict))
        if found != _numbers_of(acts) or data.get("count") != len(acts):
            self.site.error(path, f"lists {found.total()} acts (count {data.get('count')}); "
                            f"the content has {len(acts)}")
        for r in listed:
            number = r.get("number") if isinstance(r, dict) else None
            if number in records and r != records[number]:
                self.site.error(path, f"the record of {number} differs from {RECORDS}…json")

    def _table(self, path: str, column: str, expected: Counter) -> None:
        site = self.site
        if path not in site.files:
            site.error(path, "is missing")
            return
        text = (site.root / path).read_text(encoding="utf-8")
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
        found = Counter(_unquoted(row.get(column) or "") for row in rows)
        if found != expected:
            missing = sorted((expected - found).keys())[:3]
            extra = sorted((found - expected).keys())[:3]
            site.error(path, f"has {found.total()} rows; the content gives {expected.total()}"
                       + (f" (missing: {', '.join(missing)})" if missing else "")
                       + (f" (not in the content: {', '.join(extra)})" if extra else ""))

    def _announced_files(self) -> None:
        """Sizes and hashes in the Data Package and the catalog are those of the files."""
        site = self.site
        announced: list[tuple[str, str, object, object]] = []  # announcing file, path, size, sha256
        package = self.site.json("data/datapackage.json") or {}
        for resource in package.get("resources", []):
            announced.append(("data/datapackage.json", DATA + resource.get("path", ""),
                              resource.get("bytes"), resource.get("hash", "").removeprefix("sha256:")))
        catalog = self.site.json("data/catalog.jsonld") or {}
        for node in catalog.get("@graph", []):
            if not isinstance(node, dict) or node.get("@type") != "dcat:Distribution":
                continue
            target = site.target("data/catalog.jsonld", node.get("dcat:downloadURL", {}).get("@id", ""))
            if target is None:
                continue
            size = node.get("dcat:byteSize", {}).get("@value")
            digest = node.get("spdx:checksum", {}).get("spdx:checksumValue", {}).get("@value")
            announced.append(("data/catalog.jsonld", target[0], int(size) if size else None, digest))
        hashes: dict[str, tuple[int, str]] = {}
        for source, path, size, digest in announced:
            if path not in site.files:
                site.error(source, f"announces {path}, which is not in the site")
                continue
            if path not in hashes:
                raw = (site.root / path).read_bytes()
                hashes[path] = (len(raw), hashlib.sha256(raw).hexdigest())
            if (size, digest) != hashes[path]:
                site.error(source, f"announces {path} with {size} bytes and hash {digest}; the file has "
                           f"{hashes[path][0]} bytes and hash {hashes[path][1]}")


def _unquoted(cell: str) -> str:
    """A cell as written, without the quote that keeps a spreadsheet from running it."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell

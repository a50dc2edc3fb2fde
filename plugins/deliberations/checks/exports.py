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
import json
import re
from collections import Counter, defaultdict
from decimal import Decimal

import jsonschema_rs

from ..facts import shared
from ..verify import Check, register
from ..writers import FORMULA_START

DATA = "data/"
RECORDS = "data/deliberations/"
RECORD_SCHEMA = "data/schema/deliberation.schema.json"
TEXT_FIELDS = ("text", "html")  # only in the per-act files
LINK_FIELDS = ("url", "json_url", "sitting_url")
MAX_SCHEMA_ERRORS = 3  # per file: the first errors say what is wrong


LIST = re.compile(r"^data/deliberations(?:-\d+)?\.json$")
TABLES = {"data/amounts.csv": "number"}  # path → the column that names the act
TABLE = re.compile(r"^data/(?:scdl/)?deliberations(?:-\d+)?\.csv$")  # the others: DELIB_ID
AMOUNTS = "data/amounts.json"
PACKAGE = "data/datapackage.json"
CATALOG = "data/catalog.jsonld"


def _digest(record: dict) -> bytes:
    """A record as data, text fields left out, for comparing two copies of it."""
    if any(k in record for k in TEXT_FIELDS):
        record = {k: v for k, v in record.items() if k not in TEXT_FIELDS}
    # Stricter than ==, at a fraction of the cost of a canonical JSON: keys in another order,
    # or a number written with other digits, differ too. Both copies are written from one
    # model, in one order, with the same digits: the records of a sound site never differ.
    return hashlib.blake2b(repr(record).encode(), digest_size=16).digest()


def _same(found: Counter, expected: Counter) -> bool:
    """Counter's own == runs in Python; counts made by counting have no zeros: dicts compare alike."""
    return dict.__eq__(found, expected)


def _record_in_list(record) -> tuple:
    """(number, digest) of a record in a list; (None, None) for an item that is not a record."""
    return (record.get("number"), _digest(record)) if isinstance(record, dict) else (None, None)


def _amount_in_list(amount) -> tuple:
    return (amount.get("number") if isinstance(amount, dict) else None,)


@register
class ExportsCheck(Check):
    """Facts, by file: ("record", number, amounts, paths it links to, digest) of an act's record,
    ("list", count, (line hash, number, digest) of each record) of a list, ("table…", (line hash,
    act's number) of each row) of a CSV table, ("amounts", count, (line hash, number) of each amount),
    ("announced", [(path, size, SHA-256)]) of the Data Package and the catalog."""

    inputs = (RECORD_SCHEMA,)
    _validator = None

    def __init__(self, site):
        super().__init__(site)
        self._seen: dict[str, dict[bytes, tuple]] = {}  # kind of file → line hash → item

    def extract(self, file):
        path = file.path
        if not path.startswith(DATA):
            return None
        if path.startswith(RECORDS) and path.endswith(".json"):
            return self._record(file)
        if LIST.match(path):
            return self._listed(file, "list", "deliberations", _record_in_list)
        if path in TABLES or TABLE.match(path):
            return self._table_of(file, TABLES.get(path, "DELIB_ID"))
        if path == AMOUNTS:
            return self._listed(file, "amounts", "amounts", _amount_in_list)
        if path == PACKAGE:
            resources = (file.json() or {}).get("resources", [])
            return "announced", [(DATA + r.get("path", ""), r.get("bytes"),
                                  r.get("hash", "").removeprefix("sha256:")) for r in resources]
        if path == CATALOG:
            return "announced", self._catalog(file)
        return None

    def _listed(self, file, kind: str, key: str, read) -> tuple | None:
        """(kind, count, (line hash, *read(item)) of each item) of a list file."""
        form = file.json_lines(key)
        if form is not None:
            header, lines = form
            items = self._items(file, kind, lines, lambda line: read(json.loads(line, parse_float=Decimal)))
            if items is not None:
                file.parsed = True
                return kind, header.get("count"), items
        data = file.json()  # another form, or an item that does not parse: told by the parser
        if not isinstance(data, dict):
            return None
        return kind, data.get("count"), tuple((None, *read(item)) for item in data.get(key, []))

    def _table_of(self, file, column: str) -> tuple | None:
        """("table:<index of the column>", (line hash, value in ``column``) of each row) of a
        CSV table; "table" when it is not read line by line."""
        raw = file.raw
        lines = raw.split(b"\r\n")
        # One row per line, as CsvTable writes them: no line end but CRLF, none in a cell.
        if lines[-1] == b"" and raw.count(b"\r") == raw.count(b"\n") == len(lines) - 1:
            try:
                index = next(csv.reader([lines[0].decode()])).index(column)
            except (ValueError, StopIteration):
                index = None
            if index is not None:
                def read(line: str):
                    if line.count('"') % 2:
                        raise ValueError("a cell goes on over the next line")
                    row = next(csv.reader([line]))
                    return (_unquoted(row[index]) if index < len(row) else "",)
                kind = f"table:{index}"
                rows = self._items(file, kind, [line for line in lines[1:] if line], read)
                if rows is not None:
                    return kind, rows
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            file.error(f"is not UTF-8 text: {e}")
            return None
        rows = csv.DictReader(io.StringIO(text, newline=""))
        return "table", tuple((None, _unquoted(row.get(column) or "")) for row in rows)

    def _items(self, file, kind: str, lines: list[bytes], read) -> tuple | None:
        """(line hash, *read(text of the line)) of each line; None if a line cannot be read.
        Only lines not seen before — in the previous version of the file, or in another file
        of this kind — are read."""
        seen = self._seen.setdefault(kind, {})
        before = file.previous.get(type(self).__name__)
        if before is not None and before[0] == kind:
            seen.update((item[0], item) for item in before[-1] if item[0] is not None)
        found = []
        try:
            for line in lines:
                digest = hashlib.blake2b(line, digest_size=16).digest()
                item = seen.get(digest)
                if item is None:
                    item = seen[digest] = (digest, *read(line.decode()))
                found.append(item)
        except ValueError:  # UnicodeDecodeError included
            return None
        return tuple(found)

    def _record(self, file):
        record = file.json()
        if not isinstance(record, dict):
            if record is not None:
                file.error("is not a JSON object")
            return None
        validator = self._schema()
        if validator is not None:
            for error in list(validator.iter_errors(record))[:MAX_SCHEMA_ERRORS]:
                at = ".".join(str(p) for p in error.instance_path) or "record"
                file.error(f"{at}: {error.message} (against {RECORD_SCHEMA})")
        written = [a.get("value") for a in record.get("amounts", []) if isinstance(a, dict)]
        paths = tuple(shared(path) for _, path in self._links(file.path, record))
        return "record", record.get("number"), written, paths, _digest(record)

    def _schema(self):
        """The validator of the published JSON Schema; None if it is missing or not JSON."""
        if self._validator is None:
            try:
                schema = json.loads((self.site.root / RECORD_SCHEMA).read_bytes())
                self._validator = jsonschema_rs.validator_for(schema)
            except (OSError, ValueError):
                self._validator = False  # reported with the schema file
        return self._validator or None

    def _links(self, path: str, record: dict) -> list[tuple[str, str]]:
        """(URL as written, path it resolves to) of every link of a record to this site."""
        urls = [record.get(k) for k in LINK_FIELDS]
        urls += [d.get("url") for d in record.get("documents", []) if isinstance(d, dict)]
        for relation in ("repeals", "amends", "repealed_by", "amended_by"):
            urls += [x.get(k) for x in record.get(relation, []) if isinstance(x, dict)
                     for k in ("url", "json_url")]
        found = ((url, self.site.resolve(path, url)) for url in urls if isinstance(url, str))
        return [(url, target[0]) for url, target in found if target is not None]

    def _catalog(self, file) -> list:
        announced = []
        catalog = file.json() or {}
        for node in catalog.get("@graph", []):
            if not isinstance(node, dict) or node.get("@type") != "dcat:Distribution":
                continue
            target = self.site.resolve(file.path, node.get("dcat:downloadURL", {}).get("@id", ""))
            if target is None:
                continue
            size = node.get("dcat:byteSize", {}).get("@value")
            digest = node.get("spdx:checksum", {}).get("spdx:checksumValue", {}).get("@value")
            announced.append((target[0], int(size) if size else None, digest))
        return announced

    def finish(self, facts):
        site = self.site
        self.facts = facts
        if "data/deliberations.json" not in site.files:
            site.error("data/deliberations.json", "is missing: the open data was not written")
            return
        records = self._records(facts)
        acts = site.corpus.acts
        by_year: dict[int, list[str]] = defaultdict(list)
        for act in acts:
            by_year[act.year].append(act.meta.number)
        all_numbers = Counter(number for numbers in by_year.values() for number in numbers)
        self._list("data/deliberations.json", all_numbers, records)
        for year in sorted(by_year):
            numbers = Counter(by_year[year])
            self._list(f"data/deliberations-{year}.json", numbers, records)
            self._table(f"data/scdl/deliberations-{year}.csv", numbers)
        self._table("data/scdl/deliberations.csv", all_numbers)
        self._table("data/deliberations.csv", all_numbers)
        metas = (act.meta for act in acts)
        per_amount = Counter({meta.number: len(meta.amounts) for meta in metas if meta.amounts})
        self._table("data/amounts.csv", per_amount)
        listed = self._facts(AMOUNTS)
        if listed is not None:
            _, count, items = listed
            found = Counter(number for _, number in items)
            if not _same(found, per_amount) or count != per_amount.total():
                site.error(AMOUNTS, f"holds {found.total()} amounts (count {count}); the content has "
                           f"{per_amount.total()}")
        self._announced_files()

    def _facts(self, path: str):
        return self.site.facts(type(self).__name__, path)

    def _records(self, facts) -> dict[str, bytes]:
        """Check every act's record file; return number → digest of the record."""
        site = self.site
        self._facts(RECORD_SCHEMA)  # reported if missing
        records = {}
        absent = site.absent(set().union(*(found[3] for found in facts.values() if found[0] == "record")))
        expected = set()
        for act in site.corpus.acts:
            path, meta = act.json_url, act.meta
            expected.add(path)
            found = facts.get(path)
            if found is None:
                self._facts(path)  # reported if missing (or not a record)
                continue
            _, number, written, paths, digest = found
            if number != meta.number:
                site.error(path, f"is the record of {number!r}, not of {meta.number} ({act.source})")
                continue
            if (written or meta.amounts) and written != [a.value for a in meta.amounts]:
                site.error(path, f"amounts {written} differ from the content's "
                           f"{[str(a.value) for a in meta.amounts]} ({act.source})")
            if not absent.isdisjoint(paths):  # read again, to tell which link
                for url, target in self._links(path, self.reread(path).json()):
                    if target in absent:
                        site.error(path, f"links to {url}, which is not in the site")
            records[meta.number] = digest
        for path in sorted(f for f in site.files if f.startswith(RECORDS) and f not in expected):
            site.error(path, "is the record of an act that is not in the content")
        return records

    def _list(self, path: str, expected: Counter, records: dict) -> None:
        found = self._facts(path)
        if found is None:
            return
        _, count, listed = found
        numbers = Counter(number for _, number, digest in listed if digest is not None)
        if not _same(numbers, expected) or count != expected.total():
            self.site.error(path, f"lists {numbers.total()} acts (count {count}); "
                            f"the content has {expected.total()}")
        for _, number, digest in listed:
            if number in records and digest != records[number]:
                self.site.error(path, f"the record of {number} differs from {RECORDS}…json")

    def _table(self, path: str, expected: Counter) -> None:
        found = self._facts(path)
        if found is None:
            return
        found = Counter(value for _, value in found[1])
        if not _same(found, expected):
            missing = sorted((expected - found).keys())[:3]
            extra = sorted((found - expected).keys())[:3]
            self.site.error(path, f"has {found.total()} rows; the content gives {expected.total()}"
                            + (f" (missing: {', '.join(missing)})" if missing else "")
                            + (f" (not in the content: {', '.join(extra)})" if extra else ""))

    def _announced_files(self) -> None:
        """Sizes and hashes in the Data Package and the catalog are those of the files."""
        site = self.site
        announced = []  # announcing file, path, size, sha256
        for source in (PACKAGE, CATALOG):
            found = self._facts(source)
            for path, size, digest in found[1] if found else ():
                announced.append((source, site.file_of(path), size, digest))
        for source, path, size, digest in announced:
            if path not in site.files:
                site.error(source, f"announces {path}, which is not in the site")
                continue
            actual = site.sha256(path)
            if (size, digest) != actual:
                site.error(source, f"announces {path} with {size} bytes and hash {digest}; the file has "
                           f"{actual[0]} bytes and hash {actual[1]}")


def _unquoted(cell: str) -> str:
    """A cell as written, without the quote that keeps a spreadsheet from running it."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell

"""What the self-check reads from each file of a site, kept from one build to the next.

Each check (see :mod:`deliberations.verify`) draws from a file, in isolation, the few facts it
needs — its links, ids, the act it shows, the rows of a table — and reports what is wrong
with the file alone. Those facts depend only on the file's path and bytes (and on the code,
the settings and the machine paths: the cache's key), so they are kept in the build cache by
path with the file's SHA-256: a rebuild reads again only the files whose identity (inode,
size, modification time) changed, and extracts again only those whose bytes changed. What
holds across files (links resolve, every act appears once in each listing) is reconciled from
the facts on every run, so a page that did not change still fails when its target went away.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from . import parallel
from .cache import RACY_NS, code_version, digest, load_pickle, save_pickle

FORMAT = "deliberations-verify-1"
CACHE_FILE = "verify.pickle"
CHANGES_FILE = "verify-changes.pickle"
COMPACT = 0.2  # changes past this share of the files: written again as one file
PARALLEL_SHARE = 0.2  # files to read, as a share of the site, from which they are read on all cores
# Files the checks read; others (documents, the search index's binary files) are looked up by name.
EXTRACTED = (".html", ".json", ".jsonld", ".xml", ".csv", ".txt", ".css", ".js")
_XML = etree.XMLParser(resolve_entities=False, no_network=True)
_HTML = etree.HTMLParser(encoding="utf-8", no_network=True)  # made once: 11 µs of the 84 a page takes
_shared: dict = {}


def shared(value):
    """One object for equal values (a link found on every page): the cache holds it once."""
    return _shared.setdefault(value, value)


class Entry(NamedTuple):
    """What was drawn from one file: its identity, SHA-256, problems and each check's facts."""

    identity: tuple | None  # (device, inode, size, modification time), None when racy
    sha256: bytes
    problems: tuple[tuple[str, bool], ...]  # (message, whether to name the act's source)
    facts: dict[str, object]  # check name → facts

    def __reduce__(self):
        # Loaded by tuple.__new__, in C: a NamedTuple's own __new__, in Python, is a third of the load.
        return tuple.__new__, (Entry, tuple(self))


class File:
    """One file as the checks see it while extracting: its bytes, parsed once on demand, and
    the facts drawn from the previous version of the file, if any (to read again only what
    changed in a large file: facts drawn from unchanged parts of it are the same)."""

    def __init__(self, path: str, raw: bytes, previous: dict[str, object] | None = None):
        self.path = path
        self.raw = raw
        self.previous = previous or {}  # check name → facts of the previous version
        self.problems: list[tuple[str, bool]] = []
        self.parsed = False  # whether its syntax was checked (JSON and XML files must be)
        self._json: dict[bool, object] = {}

    def error(self, message: str, source: bool = False) -> None:
        """A problem of this file alone; ``source`` adds the act's Markdown file to the message."""
        self.problems.append((message, source))

    @cached_property
    def html(self) -> etree._Element | None:
        """The parsed page; None (reported) if it is empty."""
        if not self.raw.strip():
            self.error("is empty")
            return None
        return etree.fromstring(self.raw, parser=_HTML)

    def json(self, exact: bool = True):
        """The data, numbers with a point as exact decimals; None (reported) if it is not JSON."""
        if exact not in self._json:
            try:
                self._json[exact] = json.loads(self.raw, parse_float=Decimal if exact else float)
                self.parsed = True
            except ValueError as e:
                if not self._json:  # reported once, whatever the precision asked
                    self.error(f"is not valid JSON: {e}")
                self._json[exact] = None
        return self._json[exact]

    def json_lines(self, key: str) -> tuple[dict, list[bytes]] | None:
        """A JSON object as :class:`writers.JsonList` writes it, its last member ``key`` a list of
        one item per line: (the object with an empty list, the bytes of each item). None when
        the file has another form (read it with :meth:`json`). The caller parses the items (as
        UTF-8: ``json.loads(item.decode())``), and marks the file :attr:`parsed` once each one
        did: the file is then valid JSON, and its data the header's with the items."""
        lines = self.raw.split(b"\n")
        if len(lines) < 3 or lines[-2:] != [b"]}", b""] or not lines[0].endswith(b"["):
            return None
        lines = lines[:-2]
        try:
            header = json.loads(lines[0] + b"]}", parse_float=Decimal)
        except ValueError:
            return None
        items = lines[1:]
        # The list must be the last member, the only one named so, and the items separated
        # by commas: then the file parses exactly as the header and the items do.
        if (not isinstance(header, dict) or next(reversed(header), None) != key or header[key] != []
                or not all(item.endswith(b",") for item in items[:-1])
                or (items and items[-1].endswith(b","))):
            return None
        return header, [item[:-1] for item in items[:-1]] + items[-1:]

    def check_syntax(self) -> None:
        """Parse a JSON or XML file that no check read: every one must be valid."""
        if self.parsed:
            return
        if self.path.endswith(".json") and not self._json:
            self.json()
        elif self.path.endswith(".xml") and "xml" not in self.__dict__:
            self.xml  # noqa: B018 - read to be parsed

    @cached_property
    def xml(self) -> etree._Element | None:
        """The root element; None (reported) if the file is not well-formed."""
        try:
            root = etree.fromstring(self.raw, parser=_XML)
            self.parsed = True
            return root
        except etree.XMLSyntaxError as e:
            self.error(f"is not well-formed XML: {e}")
            return None


def gather(site, checks: list, cache_folder: Path | None, jobs: int) -> dict[str, Entry]:
    """An :class:`Entry` for every file the checks read: from the cache where the file did not
    change, extracted (on ``jobs`` processes) where it did."""
    cache = _Cache(cache_folder, _key(site, checks))
    before = cache.load()
    racy = time.time_ns() - RACY_NS
    entries: dict[str, Entry] = {}
    todo: list[str] = []
    for path, identity in site.identities.items():
        entry = before.get(path)
        if entry is not None and entry.identity == identity:
            entries[path] = entry
        else:
            todo.append(path)

    def extract_slice(start: int, stop: int) -> list[Entry | None]:
        found = []
        for path in todo[start:stop]:
            raw = (site.root / path).read_bytes()
            sha256 = hashlib.sha256(raw).digest()
            entry = before.get(path)
            # None: the same bytes as when the file was last read, whose facts are known.
            same = entry is not None and entry.sha256 == sha256
            found.append(None if same else _extract(checks, path, raw, sha256, entry))
        return found

    # Forking costs in proportion to the process (the whole site's facts), reading in proportion
    # to the files that changed: a rebuild that changed a few pages reads them here.
    jobs = jobs if len(todo) >= PARALLEL_SHARE * len(site.identities) else 1
    for path, got in zip(todo, parallel.map_slices(extract_slice, len(todo), jobs), strict=True):
        identity = site.identities[path]
        entries[path] = (got or before[path])._replace(identity=identity if identity[3] < racy else None)
    _shared.clear()  # the facts hold what they share; a long-lived process must not hold more
    if todo or entries.keys() != before.keys():
        cache.save(entries)
    return entries


def _extract(checks: list, path: str, raw: bytes, sha256: bytes, previous: Entry | None) -> Entry:
    file = File(path, raw, previous and previous.facts)
    facts = {}
    for check in checks:
        found = check.extract(file)
        if found is not None:
            facts[type(check).__name__] = found
    file.check_syntax()
    return Entry(None, sha256, tuple(file.problems), facts)


def _key(site, checks: list) -> str:
    """What every file's facts depend on besides its path and bytes."""
    inputs = []
    for check in checks:
        for path in check.inputs:
            with contextlib.suppress(OSError):
                inputs.append(hashlib.sha256((site.root / path).read_bytes()).hexdigest())
    return digest(FORMAT, code_version(), site.settings.model_dump_json(), *sorted(site.machine_paths),
                  *inputs)


class _Cache:
    """The entries of the last run, in two files of the build cache: all of them as they were at
    some run, and what changed since. A rebuild writes only the second, small one; once it
    holds a good part of the site, both are written again as one."""

    def __init__(self, folder: Path | None, key: str):
        self.folder = folder
        self.key = key
        self.base: dict[str, Entry] = {}
        self.token = b""  # names the base, so that changes made to another one are not applied

    def load(self) -> dict[str, Entry]:
        if self.folder is None:
            return {}
        found = load_pickle(self.folder / CACHE_FILE)
        if not found or found[0] != self.key:
            return {}
        _, self.token, self.base = found
        entries = dict(self.base)
        changes = load_pickle(self.folder / CHANGES_FILE)
        if changes and changes[:2] == (self.key, self.token):
            _, _, changed, removed = changes
            entries.update(changed)
            for path in removed:
                entries.pop(path, None)
        return entries

    def save(self, entries: dict[str, Entry]) -> None:
        if self.folder is None:
            return
        base = self.base
        changed = {path: entry for path, entry in entries.items() if base.get(path) is not entry}
        removed = [path for path in base if path not in entries]
        with contextlib.suppress(OSError):  # a read-only or full disk: the next run reads every file
            if base and len(changed) + len(removed) <= COMPACT * len(entries):
                save_pickle(self.folder / CHANGES_FILE, (self.key, self.token, changed, removed))
            else:
                save_pickle(self.folder / CACHE_FILE, (self.key, os.urandom(8), entries))
                (self.folder / CHANGES_FILE).unlink(missing_ok=True)

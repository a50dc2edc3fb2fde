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
import pickle
import tempfile
import time
from decimal import Decimal
from functools import cached_property
from pathlib import Path
from typing import NamedTuple

from lxml import etree

from . import parallel
from .cache import code_version, digest

FORMAT = "deliberations-verify-1"
CACHE_FILE = "verify.pickle"
# Files the checks read; others (documents, the search index's binary files) are looked up by name.
EXTRACTED = (".html", ".json", ".jsonld", ".xml", ".csv", ".txt", ".css", ".js")
# A file modified this recently may be modified again within the same time stamp: its identity
# proves nothing next time, and its bytes are hashed again.
RACY_NS = 2_000_000_000
_XML = etree.XMLParser(resolve_entities=False, no_network=True)


class Entry(NamedTuple):
    """What was drawn from one file: its identity, SHA-256, problems and each check's facts."""

    identity: tuple | None  # (device, inode, size, modification time), None when racy
    sha256: str
    problems: tuple[tuple[str, bool], ...]  # (message, whether to name the act's source)
    facts: dict[str, object]  # check name → facts


class File:
    """One file as the checks see it while extracting: its bytes, parsed once on demand."""

    def __init__(self, path: str, raw: bytes):
        self.path = path
        self.raw = raw
        self.problems: list[tuple[str, bool]] = []
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
        return etree.fromstring(self.raw, parser=etree.HTMLParser(encoding="utf-8", no_network=True))

    def json(self, exact: bool = True):
        """The data, numbers with a point as exact decimals; None (reported) if it is not JSON."""
        if exact not in self._json:
            try:
                self._json[exact] = json.loads(self.raw, parse_float=Decimal if exact else float)
            except ValueError as e:
                if not self._json:  # reported once, whatever the precision asked
                    self.error(f"is not valid JSON: {e}")
                self._json[exact] = None
        return self._json[exact]

    @cached_property
    def xml(self) -> etree._Element | None:
        """The root element; None (reported) if the file is not well-formed."""
        try:
            return etree.fromstring(self.raw, parser=_XML)
        except etree.XMLSyntaxError as e:
            self.error(f"is not well-formed XML: {e}")
            return None


def gather(site, checks: list, cache_folder: Path | None, jobs: int) -> dict[str, Entry]:
    """An :class:`Entry` for every file the checks read: from the cache where the file did not
    change, extracted (on ``jobs`` processes) where it did."""
    key = _key(site, checks)
    cache_file = cache_folder / CACHE_FILE if cache_folder else None
    before = _load(cache_file, key)
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
            sha256 = hashlib.sha256(raw).hexdigest()
            entry = before.get(path)
            # None: the same bytes as when the file was last read, whose facts are known.
            found.append(None if entry and entry.sha256 == sha256 else _extract(checks, path, raw, sha256))
        return found

    for path, got in zip(todo, parallel.map_slices(extract_slice, len(todo), jobs), strict=True):
        identity = site.identities[path]
        entries[path] = (got or before[path])._replace(identity=identity if identity[3] < racy else None)
    if cache_file is not None and (todo or entries.keys() != before.keys()):
        _save(cache_file, key, entries)
    return entries


def _extract(checks: list, path: str, raw: bytes, sha256: str) -> Entry:
    file = File(path, raw)
    facts = {}
    for check in checks:
        found = check.extract(file)
        if found is not None:
            facts[type(check).__name__] = found
    if path.endswith(".json") and not file._json:
        file.json()
    elif path.endswith(".xml"):
        file.xml  # noqa: B018 - parsed to check that it is well-formed
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


def _load(cache_file: Path | None, key: str) -> dict[str, Entry]:
    if cache_file is None:
        return {}
    try:
        with cache_file.open("rb") as f:
            found_key, entries = pickle.load(f)
        if found_key == key:
            return entries
    except Exception:  # noqa: BLE001 - missing or damaged: every file is read again
        pass
    return {}


def _save(cache_file: Path, key: str, entries: dict[str, Entry]) -> None:
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        # Written aside, then renamed: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=cache_file.parent, prefix=f".{cache_file.name}.")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump((key, entries), f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, cache_file)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        pass  # a read-only or full disk: the next build reads every file again

"""Self-check: reconcile a built site with its content before it is published.

Each capability (pages, exports, feeds, search) contributes a :class:`Check`, registered with
:func:`register` in a module of :mod:`deliberations.checks`. The runner walks the built tree
once, parses every HTML page once and hands it to each check's ``page``, then calls each
check's ``finish``; checks look files up in :attr:`Site.files` rather than on disk, so the
cost grows with the size of the site, not with the number of links.

The build runs this on its temporary folder and publishes only when nothing is found;
``deliberations verify output/`` runs it on a published site.
"""

from __future__ import annotations

import json
import os
import posixpath
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from .link import Corpus
from .problems import Problem, Problems, PublishError, report
from .settings import SiteSettings

MAX_REPORTED = 50  # a broken template breaks every page: the first problems are enough
HTML_SUFFIX = ".html"
INDEX = "index.html"
_UNKNOWN = object()
_XML = etree.XMLParser(resolve_entities=False, no_network=True)
_PATH_CHAR = re.compile(rb"[\w.-]")  # a character that would make a longer name


@dataclass
class Site:
    """A built tree and the content it was built from, as the checks see them."""

    root: Path
    corpus: Corpus
    settings: SiteSettings
    machine_paths: list[str]  # absolute paths of the build machine, which no file may contain
    files: set[str] | None = None  # every file, POSIX path from root (listed when not given)
    problems: Problems = field(init=False, default_factory=Problems)
    acts_by_page: dict = field(init=False)  # "deliberations/x/index.html" → Act
    parsed: set[str] = field(init=False, default_factory=set)  # JSON and XML files read once
    _base: tuple[str, str, str] = field(init=False)  # scheme, host and path of SITEURL
    _targets: dict = field(init=False, default_factory=dict)
    _machine: list[bytes] = field(init=False)

    def __post_init__(self):
        self.acts_by_page = {act.url + INDEX: act for act in self.corpus.acts}
        if self.files is None:  # not listed by the caller
            self.files = set()
            for folder, _dirs, names in os.walk(self.root):
                rel = os.path.relpath(folder, self.root)
                prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
                self.files.update(prefix + name for name in names)
        url = urlsplit(self.settings.SITEURL)
        self._base = (url.scheme, url.netloc, url.path.rstrip("/") + "/")
        # A path as a whole (not "/srv/site" inside "https://x.fr/srv/site2"); a path of one
        # folder ("/app") is too common in URLs to tell anything.
        self._machine = sorted((p.encode() for p in self.machine_paths if len(Path(p).parts) > 2),
                               key=len, reverse=True)

    def error(self, path: str, message: str) -> None:
        self.problems.error(path, message)

    def warning(self, path: str, message: str) -> None:
        self.problems.warning(path, message)

    def target(self, page: str, url: str) -> tuple[str, str] | None:
        """The file and fragment an internal URL on ``page`` points to; None for another site.

        The file is ``""`` when the URL leaves the site's folder. Nothing is read from disk:
        whether the file exists is a look-up in :attr:`files`.
        """
        # The same few thousand URLs appear on every page: each is resolved once.
        key = ("" if url.startswith(("/", "http:", "https:")) else page, url)
        found = self._targets.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = self._targets[key] = self._resolve(page, url)
        return found

    def _resolve(self, page: str, url: str) -> tuple[str, str] | None:
        parts = urlsplit(url)
        scheme, host, base = self._base
        if parts.scheme or parts.netloc:
            if not host or parts.netloc != host or parts.scheme not in ("", scheme):
                return None
            path = parts.path or "/"
        elif parts.path.startswith("/"):
            path = parts.path
        elif parts.path:
            path = posixpath.join(posixpath.dirname(base + page), parts.path)
        else:  # "#fragment" or "?query": this page
            return page, parts.fragment
        path = unquote(path)
        trailing = path.endswith("/")
        path = posixpath.normpath(path)
        if trailing and not path.endswith("/"):
            path += "/"
        if path == base.rstrip("/"):
            path = base
        if not path.startswith(base):
            return "", parts.fragment
        rel = path[len(base):]
        if rel == "" or rel.endswith("/"):
            rel += INDEX
        elif rel not in self.files and f"{rel}/{INDEX}" in self.files:
            rel = f"{rel}/{INDEX}"  # the server redirects "x" to "x/"
        return rel, parts.fragment

    def json(self, path: str, exact: bool = True):
        """The data of a JSON file, numbers with a point as exact decimals; None if it cannot be."""
        self.parsed.add(path)
        if path not in self.files:
            self.error(path, "is missing")
            return None
        try:
            return json.loads((self.root / path).read_bytes(), parse_float=Decimal if exact else float)
        except ValueError as e:
            self.error(path, f"is not valid JSON: {e}")
            return None

    def xml(self, path: str):
        """The root element of an XML file; None (reported) if it is not well-formed."""
        self.parsed.add(path)
        try:
            return etree.fromstring((self.root / path).read_bytes(), parser=_XML)
        except etree.XMLSyntaxError as e:
            self.error(path, f"is not well-formed XML: {e}")
            return None

    def html_pages(self) -> list[str]:
        return sorted(f for f in self.files if f.endswith(HTML_SUFFIX))

    def source_of(self, path: str) -> str:
        """`` (page of content/…/x.md)`` when ``path`` is an act's page, for messages."""
        act = self.acts_by_page.get(path)
        return f" (page of {act.source})" if act else ""

    def machine_path_in(self, raw: bytes) -> str | None:
        for path in self._machine:
            at = raw.find(path)  # a plain search first: a pattern would try every position
            while at != -1:
                before, after = raw[at - 1 : at], raw[at + len(path) : at + len(path) + 1]
                if not _PATH_CHAR.match(before) and not _PATH_CHAR.match(after):
                    return path.decode()
                at = raw.find(path, at + 1)
        return None


class Check:
    """One capability's part of the self-check: subclass it and decorate with :func:`register`.

    ``page`` is called with every HTML page, parsed once for all checks; ``finish`` is called
    last, to reconcile what was seen with the content.
    """

    def __init__(self, site: Site):
        self.site = site

    def page(self, path: str, doc: etree._Element, raw: bytes) -> None:
        pass

    def finish(self) -> None:
        pass


CHECKS: list[type[Check]] = []


def register(check: type[Check]) -> type[Check]:
    CHECKS.append(check)
    return check


class VerifyError(PublishError):
    """The built site does not match its content."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        *lines, summary = report(problems).splitlines()
        if len(lines) > MAX_REPORTED:
            lines[MAX_REPORTED:] = [f"… and {len(lines) - MAX_REPORTED} more"]
        super().__init__("\n".join(["The self-check of the built site failed:", *lines, summary]))


def verify(root: Path, corpus: Corpus, settings: SiteSettings, machine_paths: list[str],
           files: set[str] | None = None) -> list[Problem]:
    """Check the built tree at ``root``; return its warnings, raise :class:`VerifyError` on errors.

    ``files``, every file of the tree, saves listing it again when the caller just did.
    """
    from . import checks  # noqa: F401 - importing it registers every capability's checks

    site = Site(root, corpus, settings, machine_paths, files)
    running = [check(site) for check in CHECKS]
    for path, doc, raw in _parsed(site):
        for check in running:
            check.page(path, doc, raw)
    for check in running:
        check.finish()
    for path in sorted(site.files - site.parsed):  # data files no check has read: parse at least
        if path.endswith(".json"):
            site.json(path, exact=False)
        elif path.endswith(".xml"):
            site.xml(path)
    if site.problems.errors:
        raise VerifyError(site.problems.errors)
    return site.problems.warnings


def _parsed(site: Site) -> Iterator[tuple[str, etree._Element, bytes]]:
    parser = etree.HTMLParser(encoding="utf-8", no_network=True)
    for path in site.html_pages():
        raw = (site.root / path).read_bytes()
        doc = etree.fromstring(raw, parser=parser) if raw.strip() else None
        if doc is None:
            site.error(path, "is empty")
            continue
        yield path, doc, raw


def text(element) -> str:
    """The text of an element as a reader sees it: whitespace runs folded."""
    return " ".join("".join(element.itertext()).split())

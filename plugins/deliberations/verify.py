"""Self-check: reconcile a built site with its content before it is published.

Each capability (pages, exports, feeds, search) contributes a :class:`Check`, registered with
:func:`register` in a module of :mod:`deliberations.checks`. A check works in two steps:
``extract`` draws from each file, alone, the facts the check needs (and reports what is wrong
with the file by itself); ``finish`` reconciles the facts of every file with each other and
with the content. The runner reads and parses each file once for all checks, keeps the facts
between builds (see :mod:`deliberations.facts`: a rebuild reads only the files that changed),
and spreads the reading over the cores; checks look files up in :attr:`Site.files` rather
than on disk, so the cost grows with the size of the site, not with the number of links.

The build runs this on its temporary folder and publishes only when nothing is found;
``deliberations verify output/`` runs it on a published site, reading every file.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import re
from collections.abc import Set
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import collector
from . import facts as extraction
from .facts import File
from .link import Corpus
from .outputs import files_below
from .problems import Problem, Problems, PublishError, report
from .settings import SiteSettings

MAX_REPORTED = 50  # a broken template breaks every page: the first problems are enough
HTML_SUFFIX = ".html"
INDEX = "index.html"
_UNKNOWN = object()
_PATH_CHAR = re.compile(rb"[\w.-]")  # a character that would make a longer name
_PLAIN_PATH = re.compile(r"/[\w./~-]*")  # nothing to decode or to normalize but "x/" → "x/index.html"


@dataclass
class Site:
    """A built tree and the content it was built from, as the checks see them."""

    root: Path
    corpus: Corpus
    settings: SiteSettings
    machine_paths: list[str]  # absolute paths of the build machine, which no file may contain
    # Every file, POSIX path from root (listed when not given) → its identity, where known.
    files: dict[str, tuple | None] | None = None
    identities: dict[str, tuple] = field(init=False, default_factory=dict)  # files the checks read
    problems: Problems = field(init=False, default_factory=Problems)
    acts_by_page: dict = field(init=False)  # "deliberations/x/index.html" → Act
    page_of: dict = field(init=False)  # id(Act) → "deliberations/x/index.html"
    entries: dict = field(init=False, default_factory=dict)  # path → facts.Entry
    _base: tuple[str, str, str] = field(init=False)  # scheme, host and path of SITEURL
    resolved: dict = field(init=False, default_factory=dict)  # URL (or page and URL) → resolve()
    _machine: list[bytes] = field(init=False)

    def __post_init__(self):
        self.page_of = {id(act): act.url + INDEX for act in self.corpus.acts}  # id(Act) → its page
        self.acts_by_page = {self.page_of[id(act)]: act for act in self.corpus.acts}
        if self.files is None:  # not listed by the caller
            # As os.walk: a link to a folder is neither followed nor a file.
            self.files = {path: None for path, e in files_below(self.root) if not e.is_dir()}
        self._identify()
        url = urlsplit(self.settings.SITEURL)
        self._base = (url.scheme, url.netloc, url.path.rstrip("/") + "/")
        # A path as a whole (not "/srv/site" inside "https://x.fr/srv/site2"); a path of one
        # folder ("/app") is too common in URLs to tell anything.
        self._machine = sorted((p.encode() for p in self.machine_paths if len(Path(p).parts) > 2),
                               key=len, reverse=True)

    def _identify(self) -> None:
        """The identity of each file the checks read: what tells that it changed."""
        extracted, root = extraction.EXTRACTED, str(self.root)
        for path, identity in self.files.items():
            if path.endswith(extracted):
                if identity is None:
                    st = os.stat(f"{root}/{path}")
                    identity = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
                self.identities[path] = identity

    def error(self, path: str, message: str) -> None:
        self.problems.error(path, message)

    def warning(self, path: str, message: str) -> None:
        self.problems.warning(path, message)

    def target(self, page: str, url: str) -> tuple[str, str] | None:
        """The file and fragment an internal URL on ``page`` points to; None for another site.

        The file is ``""`` when the URL leaves the site's folder. Nothing is read from disk:
        whether the file exists is a look-up in :attr:`files`.
        """
        found = self.resolve(page, url)
        return found and (self.file_of(found[0]), found[1])

    def resolve(self, page: str, url: str) -> tuple[str, str] | None:
        """:meth:`target` from the URL alone, before :meth:`file_of`: what a file's facts hold."""
        # The same few thousand URLs appear on every page: each is resolved once (and known by
        # the URL alone when the page does not matter).
        key = url if url.startswith(("/", "http:", "https:")) else (page, url)
        found = self.resolved.get(key, _UNKNOWN)
        if found is _UNKNOWN:
            found = self.resolved[key] = self._resolve(page, url)
        return found

    def file_of(self, path: str) -> str:
        """The file a resolved path names: ``x`` is ``x/index.html`` when only that exists
        (the server redirects ``x`` to ``x/``)."""
        if path and path not in self.files and f"{path}/{INDEX}" in self.files:
            return f"{path}/{INDEX}"
        return path

    def _resolve(self, page: str, url: str) -> tuple[str, str] | None:
        base = self._base[2]
        if url.startswith(base) and _PLAIN_PATH.fullmatch(url) and "//" not in url and "/." not in url:
            rel = url[len(base):]  # most links: what _resolve_any finds, in a fraction of the time
            return (rel + INDEX if rel == "" or rel.endswith("/") else rel), ""
        return self._resolve_any(page, url)

    def _resolve_any(self, page: str, url: str) -> tuple[str, str] | None:
        scheme, host, base = self._base
        parts = urlsplit(url)
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
        return rel, parts.fragment

    def absent(self, paths: Set[str]) -> set[str]:
        """The resolved paths among ``paths`` that name no file of the site."""
        return {path for path in paths - self.files.keys() if self.file_of(path) not in self.files}

    def facts(self, check: str, path: str, missing: bool = True):
        """The facts ``check`` drew from ``path``; None, and "is missing" reported if ``missing``
        and the file is not in the site (a file that did not parse was reported already)."""
        if path not in self.files:
            if missing:
                self.error(path, "is missing")
            return None
        entry = self.entries.get(path)
        return entry.facts.get(check) if entry else None

    def sha256(self, path: str) -> tuple[int, str]:
        """Size and SHA-256 of a file of the site."""
        entry = self.entries.get(path)
        if entry is not None:
            return self.identities[path][2], entry.sha256.hex()
        raw = (self.root / path).read_bytes()
        return len(raw), hashlib.sha256(raw).hexdigest()

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

    ``extract`` is called with every file the checks read (see :data:`facts.EXTRACTED`),
    read and parsed once for all checks; it returns what ``finish`` will need from the file
    (small and picklable: it is kept between builds), or None, and reports the file's own
    problems with :meth:`File.error`. It must depend only on the file's path and bytes, on
    the settings and on the files named in ``inputs`` — never on the content or on other
    files. ``finish`` is called last, with path → facts for every file, to reconcile them
    with each other and with the content.
    """

    inputs: tuple[str, ...] = ()  # files of the site every extraction reads besides its own

    def __init__(self, site: Site):
        self.site = site

    def extract(self, file: File) -> object | None:
        return None

    def reread(self, path: str) -> File:
        """A file of the site read again, for what its facts leave out (the URL of a broken
        link, as written): to tell a problem found by ``finish``."""
        return File(path, (self.site.root / path).read_bytes())

    def finish(self, facts: dict[str, object]) -> None:
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
           files: dict[str, tuple | None] | None = None, cache: Path | None = None,
           jobs: int = 1) -> list[Problem]:
    """Check the built tree at ``root``; return its warnings, raise :class:`VerifyError` on errors.

    ``files``, every file of the tree with its identity (device, inode, size, modification
    time) where the caller knows it, saves listing the tree and looking those identities up
    again when the caller just did.
    ``cache`` is a folder where the facts of each file are kept for the next run; without it,
    every file is read. ``jobs`` processes read the files (0: one per core).
    """
    from . import checks  # noqa: F401 - importing it registers every capability's checks

    with collector.paused():  # hundreds of thousands of small facts
        return _verify(Site(root, corpus, settings, machine_paths, files), cache, jobs)


def _verify(site: Site, cache: Path | None, jobs: int) -> list[Problem]:
    running = [check(site) for check in CHECKS]
    site.entries = extraction.gather(site, running, cache, jobs)
    by_check: dict[str, dict[str, object]] = {type(check).__name__: {} for check in running}
    for path, entry in site.entries.items():
        for message, source in entry.problems:
            site.error(path, message + (site.source_of(path) if source else ""))
        for name, found in entry.facts.items():
            by_check[name][path] = found
    for check in running:
        check.finish(by_check[type(check).__name__])
    if site.problems.errors:
        raise VerifyError(site.problems.errors)
    return site.problems.warnings


def text(element) -> str:
    """The text of an element as a reader sees it: whitespace runs folded."""
    return " ".join("".join(element.itertext()).split())

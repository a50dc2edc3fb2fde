"""Index stage: the Pagefind search index, built over the written act pages.

When a rebuild has a single lot to index (the lot of the act added), Pagefind runs as soon as
the pages generator has written the act pages (:func:`start_indexing`), on one core, while the
build writes the exports and the feeds on the other; otherwise once every page is written
(:func:`index_written_site`), on every core.

Pagefind runs as a program over HTML files (not record by record). Its memory grows with
the pages of one index (about 160 MB per 1 000 acts), so the acts are split into *lots* of
consecutive session months, each indexed on its own, side by side, and merged in the
browser (``mergeIndex``). A lot whose pages did not change is taken from the cache, keyed
by a hash of its pages. The recent months, where acts are added, sit in small lots (see
:func:`plan_lots`): adding an act indexes again a month or a few of acts.

Pagefind reads the lot's pages where the build wrote them (a glob of their folders), and the
build's record of what it wrote tells which pages changed: an unchanged page is not read.

Layout of the result, under the site's ``pagefind/``::

    lots.json               the lots, newest first (read by theme/static/js/search.js)
    lots/<first month>/     one Pagefind bundle per lot
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from . import settings as site_settings
from . import timings
from .cache import Store
from .outputs import SETTINGS_KEY, Outputs, files_below
from .pagefind_order import put_in_order
from .parallel import workers

logger = logging.getLogger("deliberations")

SEARCH_DIR = "pagefind"  # under the output folder
MANIFEST = "lots.json"
ACT_FOLDER = "deliberations"  # act pages are ACT_FOLDER/<slug>/index.html: the only pages indexed
ACT_PAGE = re.compile(rf"{ACT_FOLDER}/([a-z0-9-]+)/index\.html")  # slugs as model.slugify makes them
TIERS, SPLIT = 3, 4  # lots of SEARCH_LOT_SIZE acts, then of a quarter, then of a sixteenth (see plan_lots)
ANY_ACT_PAGE = re.compile(rf"{ACT_FOLDER}/[^/]+/index\.html")
MONTHS = "months"  # in the cache: the session month of each act page, by the page's build key
BUNDLE, LISTING = "bundle", "files.json"  # in the cache entry of a lot: Pagefind's output, its files
LANGUAGE = "fr"  # forced: a page without lang="fr" must not land in a separate, unsearched index
# Pagefind's bundle also ships ready-made UIs (the site has its own, theme/static/js/search.js)
# and the search module of pages of no known language (every page here is French).
UNUSED_BUNDLE_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
                       "pagefind-modular-ui.css", "pagefind-component-ui.js",
                       "pagefind-component-ui.css", "pagefind-highlight.js", "wasm.unknown.pagefind")
TAIL, LINE = 15, 300  # lines of Pagefind's output quoted when it fails, characters of each
STATS = "search_stats"  # attribute of the Pelican object that holds the last IndexStats
EARLY_LOTS = 1  # lots indexed while the build writes the exports and feeds (see start_indexing)

# Amount brackets of the search facet « montant »: key, label, lower bound (€, inclusive).
AMOUNT_BRACKETS = [
    ("moins-de-10k", "moins de 10 000 €", Decimal(0)),
    ("10k-100k", "de 10 000 € à 100 000 €", Decimal(10_000)),
    ("100k-1m", "de 100 000 € à 1 M€", Decimal(100_000)),
    ("1m-et-plus", "1 M€ et plus", Decimal(1_000_000)),
]

SESSION_MARK = re.compile(rb'data-pagefind-sort="date\[data-value\]" data-value="(\d{4}-\d{2})')


class SearchIndexError(Exception):
    """The search index could not be built; the message says which lot and why."""


@dataclass
class Lot:
    """Act pages of consecutive session months, indexed together."""

    id: str  # first month, "2022-04"
    first: str  # first and last session month
    last: str
    pages: list[str] = field(default_factory=list)  # site-relative paths of the act pages


@dataclass
class IndexStats:
    """What building the index cost, for the benchmark and the curious."""

    seconds: float  # wall time of the index stage, from its plan (begun early, it spans the exports)
    cpu_seconds: float  # processor time of the Pagefind processes (steady on a busy machine)
    pages: int  # act pages in the index
    lots: int
    lots_indexed: int  # lots Pagefind ran on (the others came from the cache)
    pages_indexed: int  # act pages of those lots
    bytes: int  # size of pagefind/ on disk
    files: int
    peak_rss: int  # bytes: largest resident memory of one Pagefind process
    peak_rss_total: int  # bytes: upper bound of the memory of the processes run side by side
    jobs: int


def amount_bracket(total: Decimal, has_amounts: bool) -> str | None:
    """Key of the amount bracket of an act's total, or None for an act without amounts."""
    if not has_amounts:
        return None
    return [key for key, _label, low in AMOUNT_BRACKETS if total >= low][-1]


def sort_cents(total: Decimal) -> str:
    """Amount sort key: whole cents, zero-padded, so that text and numeric order agree."""
    return f"{int(total * 100):015d}"


def plan_lots(months: dict[str, str], lot_size: int) -> list[Lot]:
    """Group the act pages by consecutive session months into lots.

    ``months`` maps a page path to its session month. Months fill lots oldest first; a lot
    closes once it holds ``lot_size`` pages (a month is never split, so a lot may hold up to a
    month more). The months after the last closed lot are packed the same way into lots of a
    quarter of that size, and the months after those into lots of a sixteenth. Acts are added
    to the recent months, which are thus in small lots: adding an act changes one small lot;
    a new month changes the last lot of each size at most, and merges the small lots into a
    larger one only when they fill it.
    """
    by_month: dict[str, list[str]] = {}
    for page, month in months.items():
        by_month.setdefault(month, []).append(page)
    groups = _pack(sorted(by_month), {m: len(pages) for m, pages in by_month.items()}, lot_size, TIERS)
    return [Lot(group[0], group[0], group[-1], [p for m in group for p in sorted(by_month[m])])
            for group in groups]


def _pack(months: list[str], counts: dict[str, int], size: int, tiers: int) -> list[list[str]]:
    """Months in lots that close at ``size`` pages; the months left over, in smaller lots."""
    groups, open_group, held = [], [], 0
    for month in months:
        open_group.append(month)
        held += counts[month]
        if held >= size:
            groups.append(open_group)
            open_group, held = [], 0
    if open_group and tiers > 1:
        groups += _pack(open_group, counts, max(1, size // SPLIT), tiers - 1)
    elif open_group:
        groups.append(open_group)
    return groups


def index_site(output: Path, cache: Path, lot_size: int, jobs: int | None = None,
               out: Outputs | None = None) -> IndexStats:
    """Index the act pages written under ``output`` into ``output/pagefind/``.

    ``cache`` keeps the bundle of each lot between builds; ``jobs`` Pagefind processes run at
    a time (default: one per core). ``out`` is the build's staging folder: the act pages are
    those it records, and the files of a lot it already holds are kept.

    Raises :class:`SearchIndexError` if Pagefind fails or leaves out an act.
    """
    return Indexing(output, cache, lot_size, jobs, out).finish()


class Indexing:
    """The index stage, planned once the act pages are written: :meth:`begin` runs Pagefind on
    the lots that changed (early, while the build writes the rest of the site, when there is
    one: see :func:`start_indexing`); :meth:`finish` waits for the runs, then puts the bundles
    in place; :meth:`abandon` waits for the runs of a build that failed."""

    def __init__(self, output: Path, cache: Path, lot_size: int, jobs: int | None = None,
                 out: Outputs | None = None):
        self.started = time.perf_counter()
        # Absolute: Pagefind runs in a folder of the cache, and is given paths from there.
        self.output, self.cache, self.out = Path(output), Path(cache).resolve(), out
        self.cache.mkdir(parents=True, exist_ok=True)
        self.pages = _act_pages(self.output, self.cache, out)
        self.lots = plan_lots({p: month for p, (month, _identity) in self.pages.items()}, lot_size)
        self.keys = {lot.id: _lot_key(lot, self.pages) for lot in self.lots}
        self.listings = {lot.id: _listing(self.cache / self.keys[lot.id]) for lot in self.lots}
        self.todo = [lot for lot in self.lots if self.listings[lot.id] is None]
        self.jobs = max(1, min(workers(jobs or 0), len(self.todo) or 1))
        self._pool: ThreadPoolExecutor | None = None
        self._runs: list = []

    def begin(self) -> None:
        """Start the Pagefind runs, the largest lots first: the runs side by side then finish together."""
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="pagefind")
            cores = Cores(self.jobs)
            self._runs = [self._pool.submit(self._index, lot, cores)
                          for lot in sorted(self.todo, key=lambda lot: -len(lot.pages))]

    def _index(self, lot: Lot, cores: Cores | None = None) -> Usage:
        return _run_pagefind(lot, self.output, self.cache, self.keys[lot.id], cores)

    def abandon(self) -> None:
        """Stop starting Pagefind runs and wait for those under way (each one completes its
        cache entry, or leaves none)."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def finish(self) -> IndexStats:
        self.begin()
        try:
            runs = [run.result() for run in self._runs]
        finally:
            self.abandon()  # the other runs, when one failed; and no thread outlives the stage
        listings, out, lots = self.listings, self.out, self.lots
        listings.update({lot.id: _listing(self.cache / self.keys[lot.id]) for lot in self.todo})
        target = self.output / SEARCH_DIR
        if out is None:
            shutil.rmtree(target, ignore_errors=True)
            out = Outputs(self.output)
        files = size = 0
        for lot in lots:
            key = self.keys[lot.id]
            try:
                _link_lot(lot, key, listings[lot.id], self.cache, out)
            except FileNotFoundError:  # a file of the cached bundle is gone: the lot is indexed again
                shutil.rmtree(self.cache / key)
                runs.append(self._index(lot))
                self.todo.append(lot)
                listings[lot.id] = _listing(self.cache / key)
                _link_lot(lot, key, listings[lot.id], self.cache, out)
            files += len(listings[lot.id])
            size += sum(bytes_ for _name, bytes_ in listings[lot.id])
        target.mkdir(exist_ok=True)
        manifest = {
            "pagefind": version("pagefind_bin"),
            # "key" names the bundle's metadata: browsers may keep its entry file as long as it holds.
            "lots": [{"id": lot.id, "path": f"lots/{lot.id}/", "key": _meta_hash(target / "lots" / lot.id),
                      "first": lot.first, "last": lot.last, "pages": len(lot.pages)}
                     for lot in reversed(lots)],
        }
        text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        (target / MANIFEST).write_bytes(text)
        _prune(self.cache, {*self.keys.values(), MONTHS})

        peaks = sorted((usage.peak_rss for usage in runs), reverse=True)
        return IndexStats(
            seconds=time.perf_counter() - self.started, cpu_seconds=sum(usage.cpu_seconds for usage in runs),
            pages=len(self.pages), lots=len(lots), lots_indexed=len(self.todo),
            pages_indexed=sum(len(lot.pages) for lot in self.todo), bytes=size + len(text), files=files + 1,
            peak_rss=peaks[0] if peaks else 0, peak_rss_total=sum(peaks[:self.jobs]), jobs=self.jobs)


def _act_pages(output: Path, cache: Path, out: Outputs | None) -> dict[str, tuple[str, str]]:
    """Site-relative path → (session month, identity) of every act page.

    The identity is the key the build wrote the page under, when ``out`` records one: the
    page's month is then kept in the cache, and the page is read only once. Otherwise (a site
    indexed on its own) every page is read and known by a hash of its bytes.
    """
    if out is None:
        folder = output / ACT_FOLDER
        names = sorted(e.name for e in os.scandir(folder) if e.is_dir()) if folder.is_dir() else []
        written = {f"{ACT_FOLDER}/{name}/index.html": None for name in names}
    else:
        written = {path: entry and entry.key for path, entry in out.done.items()
                   if path.startswith(ACT_FOLDER) and ANY_ACT_PAGE.fullmatch(path)}
    months = Store(cache / MONTHS).load()
    base = str(output)
    found = {}
    for rel, key in sorted(written.items()):
        known = months.get(key) if key else None
        if known is not None:
            found[rel] = (known.decode(), f"build {key}")
            continue
        try:
            # open() and plain strings: on a cold build, this runs over every act page.
            with open(os.path.join(base, rel), "rb") as f:
                data = f.read()
        except FileNotFoundError:
            continue
        match = SESSION_MARK.search(data)
        if b"data-pagefind-body" not in data or match is None:
            raise SearchIndexError(
                f"search index: {rel} lacks the search attributes (data-pagefind-body and the "
                f"session date, data-pagefind-sort=\"date[data-value]\"); the theme's deliberation.html "
                f"must keep them")
        if not ACT_PAGE.fullmatch(rel):
            raise SearchIndexError(f"search index: {rel} is not in the folder of an act's slug "
                                   f"(a-z, 0-9 and -): Pagefind could not be pointed at it")
        if key:
            months.put(key, match[1])
            found[rel] = (match[1].decode(), f"build {key}")
        else:
            found[rel] = (match[1].decode(), f"sha256 {hashlib.sha256(data).hexdigest()}")
    months.save()
    return found


def _lot_key(lot: Lot, pages: dict[str, tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"pagefind {version('pagefind_bin')} {LANGUAGE}\n".encode())
    for page in lot.pages:
        digest.update(f"{page} {pages[page][1]}\n".encode())
    return digest.hexdigest()[:32]


def _listing(entry: Path) -> list[tuple[str, int]] | None:
    """The files of a cached bundle with their sizes, or None if the cache holds no complete one."""
    try:
        listing = [(name, size) for name, size in json.loads((entry / LISTING).read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return None
    complete = listing and all(isinstance(name, str) and isinstance(size, int) for name, size in listing)
    return listing if complete else None


def _link_lot(lot: Lot, key: str, listing: list[tuple[str, int]], cache: Path, out: Outputs) -> None:
    """Link the files of the lot's bundle into the site; those the site holds already are kept."""
    for name, _size in listing:
        path, file_key = f"{SEARCH_DIR}/lots/{lot.id}/{name}", f"{key}/{name}"
        if not out.reuse(path, file_key):  # most files: an unchanged lot's, already there
            out.link(cache / key / BUNDLE / name, path, file_key)


@dataclass
class Usage:
    """What one Pagefind process used."""

    peak_rss: int  # bytes
    cpu_seconds: float


class Cores:
    """A core of its own for each Pagefind run side by side.

    Pagefind writes its files from dozens of threads into one folder; on several cores they
    spin on the folder's lock in the kernel. Held to one core, a run of 1 250 acts took 2.1 s
    of processor instead of 2.7, 280 MB instead of 345, and the index of 10 000 acts 9.4-9.8 s
    instead of 10.3-11.0 (two runs side by side on two cores; bench/RESULTS.md). A run alone
    keeps every core: its parsing is spread over them.
    """

    def __init__(self, jobs: int):
        usable = sorted(os.sched_getaffinity(0))  # as parallel.workers, which counts them
        self._free: queue.SimpleQueue | None = None
        if 1 < jobs <= len(usable):
            self._free = queue.SimpleQueue()
            for core in usable[:jobs]:
                self._free.put(core)

    @contextmanager
    def one(self) -> Iterator[int | None]:
        """A core no other run holds (None: no restriction), until the run ends."""
        if self._free is None:
            yield None
            return
        core = self._free.get()
        try:
            yield core
        finally:
            self._free.put(core)


# Pagefind is started by a small, fresh Python process that waits for it and writes down its
# peak memory and processor time. Measured straight from the build, the peak would count the
# memory of the build itself, which the child shares until it becomes Pagefind. It holds
# Pagefind to the core given (see Cores), if any and if it may: only a matter of speed.
MEASURED = """
import os, subprocess, sys
if sys.argv[2]:
    try:
        os.sched_setaffinity(0, {int(sys.argv[2])})
    except OSError:
        pass
proc = subprocess.Popen(sys.argv[3:])
_pid, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss * 1024} {usage.ru_utime + usage.ru_stime}")
sys.exit(min(abs(os.waitstatus_to_exitcode(status)), 255))
"""


def _run_pagefind(lot: Lot, output: Path, cache: Path, key: str, cores: Cores | None = None) -> Usage:
    """Index one lot into ``cache/key``: its bundle, and the list of the bundle's files."""
    from pagefind_bin import get_executable

    executable = get_executable()
    if executable is None:
        raise SearchIndexError("search index: the Pagefind program is missing; `make html` installs it "
                               "(pagefind[bin] in pyproject.toml)")
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=cache))
    try:
        bundle, log, usage = work / BUNDLE, work / "pagefind.log", work / "usage"
        # Pagefind reads the lot's pages where they are, chosen by a glob of their folders; the
        # glob sits in the configuration file, which has no length limit, unlike a command line.
        slugs = ",".join(ACT_PAGE.fullmatch(page)[1] for page in lot.pages)
        config = {"site": str(output.resolve()), "output_path": str(bundle), "force_language": LANGUAGE,
                  "glob": f"{ACT_FOLDER}/{{{slugs}}}/index.html"}
        (work / "pagefind.json").write_text(json.dumps(config), encoding="utf-8")
        with (cores.one() if cores else nullcontext()) as core, log.open("wb") as out:
            command = [sys.executable, "-I", "-S", "-c", MEASURED, str(usage),
                       "" if core is None else str(core), str(executable)]
            # Run from the work folder: Pagefind takes its configuration file from there, and
            # no pagefind.yml of the webmaster's applies.
            code = subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL).returncode
        where = f"search index, lot {lot.id} ({lot.first} to {lot.last}, {len(lot.pages)} acts)"
        if code != 0:
            # Lines cut short: one of them repeats the glob, a few words a page.
            tail = [line[:LINE] for line in log.read_text(errors="replace").strip().splitlines()[-TAIL:]]
            killed = (" (killed: out of memory? a smaller SEARCH_LOT_SIZE or SEARCH_JOBS needs less)"
                      if abs(code) == 9 else "")
            raise SearchIndexError(f"{where}: Pagefind failed with exit status {code}{killed}:\n  "
                                   + "\n  ".join(tail))
        indexed = _page_count(bundle)
        if indexed != len(lot.pages):
            raise SearchIndexError(f"{where}: Pagefind indexed {indexed} pages instead of "
                                   f"{len(lot.pages)}; an act would be missing from the search")
        for name in UNUSED_BUNDLE_FILES:
            (bundle / name).unlink(missing_ok=True)
        try:
            put_in_order(bundle, LANGUAGE)
        except ValueError as e:
            raise SearchIndexError(f"{where}: Pagefind wrote an index of an unknown shape ({e}); "
                                   f"pagefind[bin] in pyproject.toml must stay at the tested version") from e
        peak, cpu = usage.read_text().split()
        for name in ("pagefind.json", log.name, usage.name):
            (work / name).unlink()
        files = sorted((path, e.stat().st_size) for path, e in files_below(bundle))
        (work / LISTING).write_text(json.dumps(files), encoding="utf-8")
        shutil.rmtree(cache / key, ignore_errors=True)  # an incomplete entry, left by another version
        os.replace(work, cache / key)  # complete entries only: an interrupted run leaves none
        return Usage(int(peak), float(cpu))
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _entry(bundle: Path) -> dict:
    try:
        return json.loads((bundle / "pagefind-entry.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"languages": {}}


def _page_count(bundle: Path) -> int:
    return sum(lang["page_count"] for lang in _entry(bundle)["languages"].values())


def _meta_hash(bundle: Path) -> str:
    return _entry(bundle)["languages"][LANGUAGE]["hash"]


def _prune(cache: Path, keep: set[str]) -> None:
    """Drop bundles no current lot uses, so that the cache does not grow with every edit."""
    for entry in cache.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()


# The index stage of each build under way (by the id of the build's settings), from the
# writing of the pages to the end of the build.
_underway: dict[int, Indexing] = {}


def start_indexing(generator) -> None:
    """``pages_written``: plan the index once the act pages are written; when a single lot is to
    be indexed (the usual rebuild: the lot of the new act), Pagefind indexes it while the build
    writes the exports and the feeds."""
    site = site_settings.load(generator.settings)
    if site.SEARCH_INDEX:
        with timings.phase("index"):
            # Left by a run of Pelican alone that failed (a build waits for its own runs).
            if (earlier := _underway.pop(id(generator.settings), None)) is not None:
                earlier.abandon()
            indexing = _underway[id(generator.settings)] = _begin(site, generator.settings,
                                                                 generator.output_path)
            # One Pagefind run takes one core and leaves the other to the build. More runs
            # take every core, while the exports and feeds lose their workers (parallel.py
            # works alone beside threads) and contend with Pagefind for the file system: a
            # cold build of 10 000 acts took 24.1 s so, instead of 20.9 s.
            if len(indexing.todo) <= EARLY_LOTS:
                indexing.begin()


def index_written_site(pelican) -> None:
    """Pelican ``finalized``: complete the index once every page is written."""
    site = site_settings.load(pelican.settings)
    if not site.SEARCH_INDEX:
        return
    with timings.phase("index"):
        indexing = _underway.pop(id(pelican.settings), None)
        stats = (indexing or _begin(site, pelican.settings, pelican.output_path)).finish()
    setattr(pelican, STATS, stats)
    logger.info("search index: %d acts in %d lots (%d indexed) in %.1f s",
                stats.pages, stats.lots, stats.lots_indexed, stats.seconds)


def abandon_indexing() -> None:
    """After a failed build: wait for the Pagefind runs it began."""
    while _underway:
        _underway.popitem()[1].abandon()


def _begin(site: site_settings.SiteSettings, settings: dict, output_path: str) -> Indexing:
    cache = Path(site.SEARCH_CACHE_PATH or Path(settings["PATH"]).parent / ".cache" / "search")
    # Pelican run alone has no record of the pages written: the folder is read instead.
    return Indexing(Path(output_path), cache, site.SEARCH_LOT_SIZE, site.SEARCH_JOBS,
                    settings.get(SETTINGS_KEY))

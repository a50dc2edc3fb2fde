"""Index stage: the Pagefind search index, built once over the written act pages.

Pagefind runs as a program over HTML files (not record by record). Its memory grows with
the pages of one index (about 160 MB per 1 000 acts), so the acts are split into *lots* of
consecutive session months, each indexed on its own, side by side, and merged in the
browser (``mergeIndex``). A lot whose pages did not change is taken from the cache, keyed
by a hash of its pages: after adding an act to the newest month, only that month's lot is
indexed again.

Layout of the result, under the site's ``pagefind/``::

    lots.json               the lots, newest first (read by theme/static/js/search.js)
    lots/<first month>/     one Pagefind bundle per lot
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

from . import settings as site_settings
from . import timings
from .outputs import Outputs, outputs_for
from .pagefind_order import put_in_order

logger = logging.getLogger("deliberations")

SEARCH_DIR = "pagefind"  # under the output folder
MANIFEST = "lots.json"
ACT_FOLDER = "deliberations"  # act pages are ACT_FOLDER/<slug>/index.html: the only pages indexed
LANGUAGE = "fr"  # forced: a page without lang="fr" must not land in a separate, unsearched index
# Pagefind's bundle also ships ready-made UIs; the site has its own (theme/static/js/search.js).
UNUSED_BUNDLE_FILES = ("pagefind-ui.js", "pagefind-ui.css", "pagefind-modular-ui.js",
                       "pagefind-modular-ui.css", "pagefind-component-ui.js",
                       "pagefind-component-ui.css", "pagefind-highlight.js")
TAIL = 15  # lines of Pagefind's output quoted when it fails
STATS = "search_stats"  # attribute of the Pelican object that holds the last IndexStats

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

    seconds: float  # wall time of the whole index stage
    cpu_seconds: float  # processor time of the Pagefind processes (steady on a busy machine)
    pages: int  # act pages in the index
    lots: int
    lots_indexed: int  # lots Pagefind ran on (the others came from the cache)
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

    ``months`` maps a page path to its session month. The newest month is a lot of its own:
    acts are added there, and re-indexing it is quick. The older months, oldest first, fill
    lots that close once they hold ``lot_size`` pages (a month is never split, so a lot may
    hold up to a month more). A new month thus changes at most the last of those lots.
    """
    by_month: dict[str, list[str]] = {}
    for page, month in months.items():
        by_month.setdefault(month, []).append(page)
    ordered = sorted(by_month)
    lots: list[Lot] = []
    for month in ordered:
        if not lots or len(lots[-1].pages) >= lot_size or month == ordered[-1]:
            lots.append(Lot(month, month, month))
        lots[-1].pages += sorted(by_month[month])
        lots[-1].last = month
    return lots


def index_site(output: Path, cache: Path, lot_size: int, jobs: int | None = None,
               out: Outputs | None = None) -> IndexStats:
    """Index the act pages written under ``output`` into ``output/pagefind/``.

    ``cache`` keeps the bundle of each lot between builds; ``jobs`` Pagefind processes run at
    a time (default: one per core). ``out`` is the build's staging folder: the files of a lot
    it already holds are kept.

    Raises :class:`SearchIndexError` if Pagefind fails or leaves out an act.
    """
    started = time.perf_counter()
    output, cache = Path(output), Path(cache)
    pages = _act_pages(output)
    if out is not None:  # the staging folder also holds the pages of acts since deleted
        pages = {page: found for page, found in pages.items() if page in out.done}
    lots = plan_lots({p: month for p, (month, _digest) in pages.items()}, lot_size)
    keys = {lot.id: _lot_key(lot, pages) for lot in lots}
    cache.mkdir(parents=True, exist_ok=True)
    todo = [lot for lot in lots if not (cache / keys[lot.id]).is_dir()]
    jobs = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
    with ThreadPoolExecutor(jobs) as pool:
        runs = list(pool.map(lambda lot: _run_pagefind(lot, output, cache, keys[lot.id]), todo))

    target = output / SEARCH_DIR
    if out is None:
        shutil.rmtree(target, ignore_errors=True)
        out = Outputs(output)
    files = size = 0
    for lot in lots:
        n, b = _link_tree(cache / keys[lot.id], f"{SEARCH_DIR}/lots/{lot.id}", keys[lot.id], out)
        files, size = files + n, size + b
    target.mkdir(exist_ok=True)
    manifest = {
        "pagefind": version("pagefind_bin"),
        # "key" names the bundle's metadata: browsers may keep its entry file as long as it holds.
        "lots": [{"id": lot.id, "path": f"lots/{lot.id}/", "key": _meta_hash(cache / keys[lot.id]),
                  "first": lot.first, "last": lot.last, "pages": len(lot.pages)} for lot in reversed(lots)],
    }
    text = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
    (target / MANIFEST).write_bytes(text)
    _prune(cache, set(keys.values()))

    peaks = sorted((usage.peak_rss for usage in runs), reverse=True)
    return IndexStats(
        seconds=time.perf_counter() - started, cpu_seconds=sum(usage.cpu_seconds for usage in runs),
        pages=len(pages), lots=len(lots), lots_indexed=len(todo), bytes=size + len(text), files=files + 1,
        peak_rss=peaks[0] if peaks else 0, peak_rss_total=sum(peaks[:jobs]), jobs=jobs)


def _act_pages(output: Path) -> dict[str, tuple[str, str]]:
    """Site-relative path → (session month, SHA-256) of every act page."""
    # os.scandir and plain strings: this runs over every act page at every build.
    base, folder = str(output), output / ACT_FOLDER
    slugs = sorted(e.name for e in os.scandir(folder) if e.is_dir()) if folder.is_dir() else []
    found = {}
    for slug in slugs:
        rel = f"{ACT_FOLDER}/{slug}/index.html"
        try:
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
        found[rel] = (match[1].decode(), hashlib.sha256(data).hexdigest())
    return found


def _lot_key(lot: Lot, pages: dict[str, tuple[str, str]]) -> str:
    digest = hashlib.sha256(f"pagefind {version('pagefind_bin')} {LANGUAGE}\n".encode())
    for page in lot.pages:
        digest.update(f"{page} {pages[page][1]}\n".encode())
    return digest.hexdigest()[:32]


@dataclass
class Usage:
    """What one Pagefind process used."""

    peak_rss: int  # bytes
    cpu_seconds: float


# Pagefind is started by a small, fresh Python process that waits for it and writes down its
# peak memory and processor time. Measured straight from the build, the peak would count the
# memory of the build itself, which the child shares until it becomes Pagefind.
MEASURED = """
import os, subprocess, sys
proc = subprocess.Popen(sys.argv[2:])
_pid, status, usage = os.wait4(proc.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(f"{usage.ru_maxrss * 1024} {usage.ru_utime + usage.ru_stime}")
sys.exit(min(abs(os.waitstatus_to_exitcode(status)), 255))
"""


def _run_pagefind(lot: Lot, output: Path, cache: Path, key: str) -> Usage:
    """Index one lot into ``cache/key``."""
    from pagefind_bin import get_executable

    executable = get_executable()
    if executable is None:
        raise SearchIndexError("search index: the Pagefind program is missing; `make html` installs it "
                               "(pagefind[bin] in pyproject.toml)")
    work = Path(tempfile.mkdtemp(prefix=f"{key}.", dir=cache))
    try:
        site = work / "site"
        for page in lot.pages:
            _link(output / page, site / page)
        bundle, log, usage = work / "bundle", work / "pagefind.log", work / "usage"
        command = [sys.executable, "-I", "-S", "-c", MEASURED, str(usage), str(executable),
                   "--site", str(site), "--output-path", str(bundle), "--force-language", LANGUAGE]
        with log.open("wb") as out:
            # Run from the work folder so that no pagefind.yml of the webmaster's applies.
            code = subprocess.run(command, cwd=work, stdout=out, stderr=subprocess.STDOUT,
                                  stdin=subprocess.DEVNULL).returncode
        where = f"search index, lot {lot.id} ({lot.first} to {lot.last}, {len(lot.pages)} acts)"
        if code != 0:
            tail = log.read_text(errors="replace").strip().splitlines()[-TAIL:]
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
        os.replace(bundle, cache / key)  # complete bundles only: an interrupted run leaves no entry
        peak, cpu = usage.read_text().split()
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


def _link(source, target) -> None:
    """Hard-link a file (no copy of the bytes), or copy it across file systems."""
    try:
        os.link(source, target)
    except FileNotFoundError:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def _link_tree(source: Path, target: str, key: str, out: Outputs) -> tuple[int, int]:
    """Link every file of the bundle ``source`` to ``target`` in the site (the files the site
    already holds for this bundle are kept); return how many files and bytes."""
    files = size = 0
    for folder, _dirs, names in os.walk(source):
        rel = os.path.relpath(folder, source)
        into = target if rel == "." else f"{target}/{rel}"
        for name in names:
            path = os.path.join(folder, name)
            out.link(Path(path), f"{into}/{name}", f"{key}/{rel}/{name}")
            files, size = files + 1, size + os.stat(path).st_size
    return files, size


def _prune(cache: Path, keep: set[str]) -> None:
    """Drop bundles no current lot uses, so that the cache does not grow with every edit."""
    for entry in cache.iterdir():
        if entry.name not in keep:
            shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink()


def index_written_site(pelican) -> None:
    """Pelican ``finalized``: index the act pages once every page is written."""
    site = site_settings.load(pelican.settings)
    if not site.SEARCH_INDEX:
        return
    cache = Path(site.SEARCH_CACHE_PATH or Path(pelican.settings["PATH"]).parent / ".cache" / "search")
    with timings.phase("index"):
        stats = index_site(Path(pelican.output_path), cache, site.SEARCH_LOT_SIZE, site.SEARCH_JOBS,
                           outputs_for(pelican.settings, pelican.output_path))
    setattr(pelican, STATS, stats)
    logger.info("search index: %d acts in %d lots (%d indexed) in %.1f s",
                stats.pages, stats.lots, stats.lots_indexed, stats.seconds)

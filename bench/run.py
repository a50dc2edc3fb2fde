"""Benchmark: this project against plain Pelican, on synthetic corpora, in one run.

For each size (1 000 and 10 000 acts; 100 000 with ``--large``) it writes a corpus with
``deliberations demo`` and measures, each in its own process:

- a cold build (no build cache, no previous site);
- a cold build of the same site without the search index (``SEARCH_INDEX = False``), and the
  index of that site built alone (:func:`deliberations.search.index_site`, empty cache): the
  full build indexes while it writes the exports and feeds, so neither can be read off it;
- a first rebuild after adding one act (the site exists, the staging folder does not yet);
- a rebuild after adding one more act (the usual case: the site was built before), an act
  no build has seen each time it is timed;
- plain Pelican 4.12 on the same Markdown bodies in Pelican's own metadata format
  (Title/Date/Category/Tags/Slug), default theme and Markdown settings, 50 articles a page.

It prints one table of times, ratios, peak memory (the resident memory of the build's
processes, sampled in a run of its own, shared pages counted once: PSS) and sizes, then the time of each phase
of the cold builds and rebuilds, and saves both in ``bench/RESULTS.md`` with a description of
the machine. Usage:
``python bench/run.py [--sizes 1000 10000] [--large] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import compileall
import contextlib
import dataclasses
import hashlib
import importlib.util
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import psutil
from trees import discard

BENCH = Path(__file__).resolve().parent
CORPORA = BENCH / "corpora"  # ignored by git
RESULTS = BENCH / "RESULTS.md"
BIN = Path(sys.executable).parent
# Reading a process's PSS makes the kernel walk its page tables: 18 ms per GB, on the cores the
# build runs on. Sampled every 50 ms, it took about half a core from a build of 10 000 acts (its
# three processes share a gigabyte) and made it 15 % slower; spaced as below, still 5 %. So the
# runs that are timed are not sampled: each build runs once more, sampled, for its memory.
SAMPLE_EVERY = 0.2  # seconds between two memory samples, at least
SAMPLE_SHARE = 10  # times the time a sample took, at least, before the next one
ADDED = 2  # acts kept aside to be added by the rebuilds
DISCARDED = CORPORA / "discarded"  # trees of earlier builds, deleted once all is measured (see trees.py)

PHASE = re.compile(r"(\w+) ([0-9.]+) s")  # in the line `deliberations build --timings` prints
VERSION_FILE = "demo-version"  # in a corpus: the demo_version() that wrote it
NO_INDEX = "pelicanconf-without-index.py"  # the site's settings, without the search index
NO_INDEX_OUTPUT, NO_INDEX_CACHE = "output-without-index", ".cache-without-index"
NO_INDEX_SETTINGS = f"""
SEARCH_INDEX = False  # measured on its own (INDEX_ALONE)
OUTPUT_PATH = "{NO_INDEX_OUTPUT}"
BUILD_CACHE_PATH = "{NO_INDEX_CACHE}"
"""
# The index of the site built without it, alone: Pagefind's memory and the stage's time.
INDEX_ALONE = """
import json, sys
from pathlib import Path
from deliberations.search import index_site
from deliberations.settings import SiteSettings
stats = index_site(Path(sys.argv[1]), Path(sys.argv[2]), SiteSettings.model_fields["SEARCH_LOT_SIZE"].default)
print(json.dumps({"seconds": stats.seconds, "peak": stats.peak_rss, "cpu": stats.cpu_seconds}))
"""

PELICAN_SETTINGS = """\
SITENAME = "Délibérations (Pelican seul)"
PATH = "content"
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"
DEFAULT_PAGINATION = 50
"""


@dataclass
class Run:
    seconds: float
    peak_rss: int  # bytes, all processes of the run together (PSS); 0 when not sampled
    phases: dict = field(default_factory=dict)  # start-up, each phase, other (see `--timings`)
    index_rss: int | None = None  # bytes, Pagefind's largest process (from the build's report)
    cpu: float = 0.0  # seconds of processor (user + system), the run's processes together
    total: float | None = None  # seconds from the process's start to the end of the build
    stdout: str = ""
    sampled: bool = False  # its memory was sampled: its time is not kept
    index_cpu: float | None = None  # seconds of processor of the Pagefind runs (index alone)


def memory(process: psutil.Process) -> int:
    """Proportional set size: pages shared by forked workers are counted once, not per process."""
    try:
        return process.memory_full_info().pss
    except (psutil.AccessDenied, AttributeError):
        return process.memory_info().rss


def measure(command: list[str], cwd: Path, sampled: bool = False) -> Run:
    """Run ``command``; its wall time, processor time and, if ``sampled``, the peak of the memory
    of its process tree (0 otherwise: sampling slows the run down).

    The files the previous runs wrote are first flushed to the disk: the kernel writes them out
    (and, on ext4, only then allocates their blocks) in the background, on the same two cores,
    during whatever runs next; each run is measured without the writing of the one before.
    """
    os.sync()
    cpu = _children_cpu()
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(child.pid)
    peak = 0
    while sampled and child.poll() is None:
        began = time.perf_counter()
        try:
            processes = [watched, *watched.children(recursive=True)]
            peak = max(peak, sum(memory(p) for p in processes))
        except psutil.Error:
            pass  # a worker ended between the listing and the reading
        with contextlib.suppress(subprocess.TimeoutExpired):  # returns as soon as the build ends
            child.wait(max(SAMPLE_EVERY, SAMPLE_SHARE * (time.perf_counter() - began)))
    out, err = child.communicate()  # waits for the end, the pipes drained meanwhile
    seconds = time.perf_counter() - start
    cpu = _children_cpu() - cpu  # the build waits for its workers and Pagefind: all counted
    if child.returncode != 0:
        sys.exit(f"{' '.join(map(str, command))} failed ({child.returncode}):\n{err[-3000:]}")
    last = err.strip().splitlines()[-1:]
    phases = {name: float(s) for name, s in PHASE.findall(last[0])} if last else {}
    total = phases.pop("total", None)
    index_rss = re.search(r"Pagefind peak RSS (\d+) bytes", err)
    return Run(seconds, peak, phases, int(index_rss[1]) if index_rss else None, cpu, total, out, sampled)


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


# -- corpora ----------------------------------------------------------------------------------

def corpus(size: int) -> tuple[Path, list[Path]]:
    """``bench/corpora/<size>/``: a demo site of ``size`` acts, and ADDED more kept aside;
    written again when the demo writes other acts (see :func:`demo_version`)."""
    site = CORPORA / str(size)
    aside = CORPORA / f"{size}-aside"
    stamp = site / VERSION_FILE
    if (not stamp.exists() or stamp.read_text() != demo_version()
            or len(list(aside.glob("*.md"))) != ADDED):
        for tree in (site, aside, CORPORA / f"{size}-pelican"):
            discard(tree, DISCARDED)
        subprocess.run([BIN / "deliberations", "demo", "--count", str(size + ADDED), "--into", site],
                       check=True, stdout=subprocess.DEVNULL)
        aside.mkdir(parents=True)
        for path in newest(site / "content" / "deliberations", ADDED):
            path.rename(aside / f"{path.parent.name}--{path.name}")
        stamp.write_text(demo_version())
    for kept in aside.glob("*.md"):  # a previous run may have added them, or acts made from them
        added = place(site, kept)
        added.unlink(missing_ok=True)
        for made in added.parent.glob(f"{added.stem}-*.md"):
            made.unlink()
    return site, sorted(aside.glob("*.md"))


def demo_version() -> str:
    """A hash of the module that writes the demo acts: the corpora are written again when it changes."""
    spec = importlib.util.find_spec("deliberations.demo")
    return hashlib.sha256(Path(spec.origin).read_bytes()).hexdigest()


def newest(folder: Path, count: int) -> list[Path]:
    """The acts of the latest sittings (the demo numbers acts in order within a sitting)."""
    def when(path: Path):
        session = re.search(r"^session: (\S+)$", path.read_text(encoding="utf-8"), re.MULTILINE)[1]
        return session, path.name
    return sorted(folder.rglob("*.md"), key=when)[-count:]


def place(site: Path, kept: Path) -> Path:
    """Where an act kept aside goes in the site."""
    year, name = kept.name.split("--")
    return site / "content" / "deliberations" / year / name


def add_new_act(site: Path, kept: Path, n: int) -> Path:
    """Add to the site an act no build has seen: the act kept aside, numbered ``<number>-<n>``
    from ``n`` = 1 on. Adding the same act again would time a rebuild that finds its page,
    feed entries and search lot in the cache."""
    path = place(site, kept)
    text = kept.read_text(encoding="utf-8")
    if n:
        number = re.search(r"^number: (\S+)$", text, re.MULTILINE)[1]
        text = text.replace(number, f"{number}-{n}").replace(number.lower(), f"{number.lower()}-{n}")
        path = path.with_name(f"{path.stem}-{n}.md")
    path.write_text(text, encoding="utf-8")
    return path


def plain_corpus(site: Path, size: int) -> Path:
    """The same acts for plain Pelican: the Markdown body under Pelican's metadata lines."""
    plain = CORPORA / f"{size}-pelican"
    if (plain / "pelicanconf.py").exists():
        return plain
    content = plain / "content"
    content.mkdir(parents=True)
    for path in sorted((site / "content" / "deliberations").rglob("*.md")):
        front, body = path.read_text(encoding="utf-8").split("\n---\n", 1)
        meta = dict(re.findall(r"^(number|title|body|published|tags): (.*)$", front, re.MULTILINE))
        title = meta["title"].strip('"')
        tags = meta.get("tags", "").strip("[]")
        header = [f"Title: {meta['number']} — {title}", f"Date: {meta['published']}",
                  f"Category: {meta['body']}", f"Tags: {tags}", f"Slug: {path.stem}"]
        (content / path.name).write_text("\n".join(header) + "\n\n" + body, encoding="utf-8")
    (plain / "pelicanconf.py").write_text(PELICAN_SETTINGS, encoding="utf-8")
    return plain


# -- measurements -----------------------------------------------------------------------------

def ours(site: Path, sampled: bool = False) -> Run:
    return measure([BIN / "deliberations", "build", "--settings", "pelicanconf.py", "--output", "output",
                    "--timings"], site, sampled)


def cold(site: Path, sampled: bool) -> Run:
    discard(site / "output", DISCARDED)
    discard(site / ".cache", DISCARDED)
    return ours(site, sampled)


def cold_without_index(site: Path, sampled: bool) -> Run:
    settings = site / NO_INDEX
    settings.write_text((site / "pelicanconf.py").read_text(encoding="utf-8") + NO_INDEX_SETTINGS,
                        encoding="utf-8")
    for name in (NO_INDEX_OUTPUT, NO_INDEX_CACHE):
        discard(site / name, DISCARDED)
    return measure([BIN / "deliberations", "build", "--settings", NO_INDEX, "--timings"], site, sampled)


def index_alone(site: Path, sampled: bool) -> Run:
    """The index of the site ``cold_without_index`` wrote, from an empty cache."""
    cache = site / ".cache-index-alone"
    discard(cache, DISCARDED)
    run = measure([BIN / "python", "-c", INDEX_ALONE, NO_INDEX_OUTPUT, cache.name], site, sampled)
    stats = json.loads(run.stdout)
    # The stage itself, as in a build: not Python's start nor the imports.
    run.seconds, run.index_rss, run.index_cpu = stats["seconds"], stats["peak"], stats["cpu"]
    return run


def pelican(plain: Path, sampled: bool) -> Run:
    discard(plain / "output", DISCARDED)
    return measure([str(BIN / "pelican"), "content", "-s", "pelicanconf.py", "-o", "output", "-q"], plain,
                   sampled)


def best(runs: list[Run]) -> Run:
    """The fastest of the runs timed, with the peak memory of the run sampled."""
    fastest = min((run for run in runs if not run.sampled), key=lambda r: r.seconds)
    return dataclasses.replace(fastest, peak_rss=max(run.peak_rss for run in runs))


@dataclass
class Row:
    acts: int
    cold: Run
    bare: Run  # cold, without the search index
    index: Run  # the search index alone, of the site built without it
    first: Run
    warm: Run
    plain: Run
    output_bytes: int
    pages: int
    index_bytes: int | None
    first_query: str = "—"


def first_query(output: Path) -> str:
    """What the first search transfers, measured in Chromium by ``bench/search.py``."""
    if not (output / "pagefind").is_dir() or not Path("/usr/bin/chromium").exists():
        return "—"
    try:
        spec = importlib.util.spec_from_file_location("search_bench", BENCH / "search.py")
        module = sys.modules["search_bench"] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found = module.first_query(output)
        return (f"{found.bytes / 1024:.0f} KB in {found.requests} requests "
                f"(index {found.index_bytes / 1024:.0f} KB)")
    except Exception as e:  # noqa: BLE001 - the browser is a measure, not the benchmark
        return f"— ({type(e).__name__})"


def bench(size: int, repeat: int) -> Row:
    site, kept = corpus(size)
    plain = plain_corpus(site, size)
    print(f"{size} acts: cold builds…", file=sys.stderr, flush=True)
    colds, plains, bares, indexes = [], [], [], []
    # Alternated, so that a busy moment of the machine hits all; the last round samples memory.
    for sampled in [False] * repeat + [True]:
        colds.append(cold(site, sampled))
        plains.append(pelican(plain, sampled))
        bares.append(cold_without_index(site, sampled))
        indexes.append(index_alone(site, sampled))
    print(f"{size} acts: rebuilds…", file=sys.stderr, flush=True)
    shutil.copy(kept[0], place(site, kept[0]))
    first = ours(site)
    warms = []
    for n, sampled in enumerate([False] * repeat + [True]):
        add_new_act(site, kept[1], n)
        warms.append(ours(site, sampled))
    output = site / "output"
    files = [p for p in output.rglob("*") if p.is_file()]
    index = output / "pagefind"
    return Row(size, best(colds), best(bares), best(indexes), first, best(warms), best(plains),
               sum(p.stat().st_size for p in files),
               sum(1 for p in files if p.name == "index.html"),
               sum(p.stat().st_size for p in index.rglob("*") if p.is_file()) if index.is_dir() else None,
               first_query(output))


# -- report -----------------------------------------------------------------------------------

def seconds(value: float) -> str:
    return f"{value:.2f} s"


def size(value: int | None) -> str:
    if value is None:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return ""


def table(rows: list[Row]) -> str:
    lines = [
        "| acts | cold | cold without index | index alone | 1st rebuild | rebuild | plain Pelican "
        "| cold without index ÷ Pelican | index ÷ Pelican | rebuild ÷ Pelican | peak memory cold "
        "| rebuild | Pelican | index alone (largest Pagefind run) | output | pages | search index "
        "| first query |",
        "|" + "---|" * 18,
    ]
    for r in rows:
        runs = (r.cold, r.bare, r.index, r.first, r.warm, r.plain)
        cells = [f"{r.acts:,}", *(seconds(run.seconds) for run in runs),
                 *(f"{run.seconds / r.plain.seconds:.{digits}f}"
                   for run, digits in ((r.bare, 2), (r.index, 2), (r.warm, 3))),
                 *(size(run.peak_rss) for run in (r.cold, r.warm, r.plain)),
                 f"{size(r.index.peak_rss)} ({size(pagefind_peak(r))})",
                 size(r.output_bytes), f"{r.pages:,}", size(r.index_bytes), r.first_query]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def phases(rows: list[Row]) -> str:
    """Each phase of the builds: start-up, the phases, the rest, then the totals."""
    columns = [(f"{kind} {r.acts:,}", getattr(r, attribute))
               for kind, attribute in (("cold", "cold"), ("cold without index", "bare"), ("rebuild", "warm"))
               for r in rows]
    runs = [run for _name, run in columns]
    names = list(dict.fromkeys(name for run in runs for name in run.phases))
    lines = ["| phase | " + " | ".join(name for name, _run in columns) + " |",
             "|" + "---|" * (1 + len(columns))]
    totals = {
        # The process's start is known to the hundredth of a second: never below zero.
        "exit (after the build)": lambda run: None if run.total is None else max(run.seconds - run.total, 0),
        "**wall**": lambda run: run.seconds,
        "**processor** (user + system, all processes)": lambda run: run.cpu,
    }
    for name in names:
        lines.append(f"| {name} | " + " | ".join(_cell(run.phases.get(name)) for run in runs) + " |")
    for name, value in totals.items():
        lines.append(f"| {name} | " + " | ".join(_cell(value(run)) for run in runs) + " |")
    return "\n".join(lines)


def _cell(value: float | None) -> str:
    return seconds(value) if value is not None else "—"


def pagefind_peak(r: Row) -> int:
    """The largest Pagefind process, in the cold build or indexing alone."""
    return max(r.cold.index_rss or 0, r.index.index_rss or 0)


def pagefind_floor(r: Row) -> str:
    """The shortest the index can take: Pagefind's own processor time, spread over every core."""
    if r.index.index_cpu is None:
        return ""
    cores = len(os.sched_getaffinity(0))
    floor = r.index.index_cpu / cores
    return (f"; Pagefind's own processor time {r.index.index_cpu:.1f} s, at best {floor:.1f} s "
            f"on {cores} cores = {floor / r.plain.seconds:.2f}×")


def targets(rows: list[Row]) -> str:
    """Where the issue's targets stand, for the sizes measured."""
    lines = []
    for r in rows:
        lines.append(
            f"- {r.acts:,} acts: cold build without the index {r.bare.seconds / r.plain.seconds:.2f}× "
            f"plain Pelican (target ≤ 0.4×); rebuild after one act, index included, "
            f"{r.warm.seconds / r.plain.seconds:.3f}× (target ≤ 0.1×); search index alone "
            f"{r.index.seconds / r.plain.seconds:.2f}× (target ≤ 0.3×{pagefind_floor(r)}), peak memory "
            f"{size(r.index.peak_rss)} (target ≤ 1 GB; Pagefind runs side by side, the largest "
            f"{size(pagefind_peak(r))}); peak memory "
            f"of the build {size(max(r.cold.peak_rss, r.warm.peak_rss))} (target at 100 000 acts ≤ 4 GB).")
    return "\n".join(lines)


def machine() -> str:
    cpu = re.search(r"^model name\s*: (.*)$", Path("/proc/cpuinfo").read_text(), re.MULTILINE)
    load = os.getloadavg()
    return (f"{len(os.sched_getaffinity(0))} cores ({cpu[1] if cpu else platform.processor()}), "
            f"{psutil.virtual_memory().total / 2**30:.0f} GB RAM, {platform.system()} {platform.release()}, "
            f"Python {platform.python_version()}; load average at the start {load[0]:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--large", action="store_true", help="add 100 000 acts (about half an hour)")
    parser.add_argument("--repeat", type=int, default=1, help="keep the fastest of N runs of each")
    args = parser.parse_args()
    sizes = [*args.sizes, *([100_000] if args.large else [])]
    # As `make html` does: builds that cannot write bytecode (PYTHONDONTWRITEBYTECODE) would
    # otherwise compile every module changed since the bytecode was written, each time.
    compileall.compile_dir(BENCH.parent / "plugins", quiet=1)
    about = machine()
    try:
        rows = [bench(n, args.repeat) for n in sizes]
    finally:
        shutil.rmtree(DISCARDED, ignore_errors=True)
    report = (f"Machine: {about}.\n\n{table(rows)}\n\n{targets(rows)}\n\nPhases (seconds, wall; \"start\" "
              f"is Python and the imports before the build, \"other\" the rest of the build: settings, "
              f"Pelican itself, listing the content; the processor time counts every process, workers "
              f"and Pagefind included, and varies less than the wall time on a busy machine):\n\n"
              f"{phases(rows)}\n")
    print(report)
    RESULTS.write_text(
        f"# Benchmark results\n\n`make bench` ({' '.join(sys.argv[1:]) or 'default sizes'}), "
        f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC.\n\n{report}", encoding="utf-8")


if __name__ == "__main__":
    main()

"""Benchmark of the search index: time, memory, size and first-query transfer, by corpus size.

    .venv/bin/python bench/search.py --sizes 1000,10000,50000 [--lot-sizes 1250] [--work DIR]

For each size: writes a demo corpus (``deliberations demo``), builds the site without the
index, then indexes it cold (empty cache), warm (nothing changed), and after adding one act,
with :func:`deliberations.search.index_site`; then opens ``recherche/?q=…`` in Chromium and
counts the bytes the first query transfers. Prints one Markdown table.

``first_query(output)`` and ``deliberations.search.index_site`` are there for other benchmarks.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import re
import shutil
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urlsplit

from deliberations.build import build
from deliberations.demo import write_demo_site
from deliberations.search import SESSION_MARK, index_site
from trees import discard

HERE = Path(__file__).resolve().parent
QUERY = "piscine"
CHROMIUM = "/usr/bin/chromium"
MB = 2**20


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--lot-sizes", default="1250", help="lot sizes to compare, e.g. 1000,1250,10000")
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--work", type=Path, default=HERE / "corpora")
    parser.add_argument("--no-browser", action="store_true", help="skip the first-query transfer")
    args = parser.parse_args(argv)
    print("| acts | lot size | lots | cold s (CPU s) | warm, unchanged s "
          "| warm, +1 act s (CPU s, acts indexed) | peak RSS, one / side by side | index size (files) "
          "| first query |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    discarded = args.work / "discarded"  # earlier indexes, deleted once all is measured (see trees.py)
    for count in map(int, args.sizes.split(",")):
        site = args.work / f"demo-{count}"
        output = site / "output"
        if _stale(output):
            shutil.rmtree(site, ignore_errors=True)
            write_demo_site(site, count)
            _build_without_index(site, output)
        for lot_size in map(int, args.lot_sizes.split(",")):
            cache = site / ".cache" / f"search-bench-{lot_size}"
            discard(cache, discarded)
            cold = index_site(output, cache, lot_size, args.jobs)
            same = index_site(output, cache, lot_size, args.jobs)
            added = _add_one_act(output)
            plus_one = index_site(output, cache, lot_size, args.jobs)
            shutil.rmtree(added)  # back to the corpus as generated
            if args.no_browser:
                transfer = "—"
            else:
                q = first_query(output)
                transfer = (f"{q.bytes / 1024:.0f} KB in {q.requests} requests "
                            f"(index {q.index_bytes / 1024:.0f} KB)")
            print(f"| {count:,} | {lot_size:,} | {cold.lots} | {cold.seconds:.1f} ({cold.cpu_seconds:.1f}) "
                  f"| {same.seconds:.2f} "
                  f"| {plus_one.seconds:.2f} ({plus_one.cpu_seconds:.2f}, {plus_one.pages_indexed} acts) "
                  f"| {cold.peak_rss / MB:.0f} / {cold.peak_rss_total / MB:.0f} MB "
                  f"| {cold.bytes / MB:.1f} MB ({cold.files:,}) | {transfer} |", flush=True)
    shutil.rmtree(discarded, ignore_errors=True)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\n{os.cpu_count()} cores, load average {load} at the end; Pagefind {version('pagefind_bin')}.")
    return 0


def _stale(output: Path) -> bool:
    """True if the site is missing or older than the theme or the code that writes it."""
    home = output / "index.html"
    if not home.is_file():
        return True
    built = home.stat().st_mtime
    sources = [*(HERE.parent / "theme").rglob("*"), *(HERE.parent / "plugins").rglob("*.py")]
    return any(p.stat().st_mtime > built for p in sources if p.is_file())


def _build_without_index(site: Path, output: Path) -> None:
    settings = site / "pelicanconf.py"
    text = settings.read_text(encoding="utf-8")
    if "SEARCH_INDEX" not in text:
        settings.write_text(text + "\nSEARCH_INDEX = False  # the benchmark indexes on its own\n",
                            encoding="utf-8")
    build(settings, output)


def _add_one_act(output: Path) -> Path:
    """Copy the newest act page under a new number: one more act in the newest lot."""
    pages = sorted(output.glob("deliberations/*/index.html"))
    newest = max(pages, key=lambda p: SESSION_MARK.search(p.read_bytes())[1])
    number = re.search(r'meta="numero\[data-value\]" data-value="([^"]+)"', newest.read_text())[1]
    added = output / "deliberations" / "zz-bench-1" / "index.html"
    added.parent.mkdir(exist_ok=True)
    added.write_text(newest.read_text(encoding="utf-8").replace(number, "ZZ-BENCH-1"), encoding="utf-8")
    return added.parent


@contextmanager
def _serve(root: Path):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()


@dataclass
class FirstQuery:
    """What opening the search page with a query transfers until its first results show."""

    bytes: int  # as the files are stored (a host that compresses JS and HTML sends less)
    requests: int
    index_bytes: int  # of which the search index (pagefind/)


def first_query(output: Path, query: str = QUERY) -> FirstQuery:
    """Open ``recherche/?q=query`` on the built site in Chromium; count what it loads."""
    from playwright.sync_api import sync_playwright

    with _serve(output) as base, sync_playwright() as p:
        flags = ["--disable-gpu"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=flags)
        page = browser.new_page()
        finished = []
        page.on("requestfinished", lambda request: finished.append(request.url))
        page.goto(f"{base}/recherche/?q={query}")
        page.locator("#statut").filter(has_text="trouvée").wait_for(timeout=120_000)
        page.locator("#liste li").first.wait_for()
        browser.close()
    sizes = [(url, _served_file(output, url).stat().st_size) for url in finished]
    return FirstQuery(sum(size for _url, size in sizes), len(sizes),
                      sum(size for url, size in sizes if "/pagefind/" in url))


def _served_file(output: Path, url: str) -> Path:
    path = urlsplit(url).path.lstrip("/")
    return output / path / "index.html" if path.endswith("/") or not path else output / path


if __name__ == "__main__":
    sys.exit(main())

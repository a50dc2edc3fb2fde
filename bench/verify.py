"""Time the self-check on a demo site: `python bench/verify.py [--count 10000]`.

Builds a demo site of N synthetic acts once (in bench/corpora/, ignored by git), then times
reading the content and the self-check alone, so that its share of a build is visible: reading
every file on one core and on all cores (as a cold build, or `deliberations verify`), then again
with the facts kept from that run (nothing changed). A rebuild after one more act is measured by
`deliberations build --timings` (phase `verify`), or `bench/run.py`.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from deliberations import settings as site_settings
from deliberations.build import build, read_site_settings
from deliberations.demo import write_demo_site
from deliberations.pipeline import load_corpus
from deliberations.verify import verify

CORPORA = Path(__file__).resolve().parent / "corpora"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    folder = CORPORA / f"verify-{args.count}"
    settings_file = folder / "pelicanconf.py"
    if not (folder / "output" / "index.html").is_file():
        write_demo_site(folder, args.count)
        start = time.perf_counter()
        build(settings_file, folder / "output")
        print(f"build (with self-check): {time.perf_counter() - start:.1f} s")
    settings = read_site_settings(settings_file)
    site = site_settings.load(settings)
    start = time.perf_counter()
    corpus, _ = load_corpus(Path(settings["PATH"]), site)
    read = time.perf_counter() - start
    output = folder / "output"
    pages = sum(1 for _ in output.rglob("*.html"))
    kept = Path(tempfile.mkdtemp(prefix="verify-facts-"))
    print(f"{len(corpus.acts)} acts, {pages} pages: reading the content {read:.1f} s")
    for label, jobs, cache in (("every file, one core", 1, None), ("every file, all cores", 0, kept),
                               ("facts kept, nothing changed", 0, kept)):
        start, cpu = time.perf_counter(), _processor()
        verify(output, corpus, site, [str(folder)], cache=cache, jobs=jobs)
        checked, cpu = time.perf_counter() - start, _processor() - cpu
        # Processor time too (workers included): on a shared machine the wall clock also counts
        # the others' work.
        print(f"self-check, {label}: {checked:.2f} s ({cpu:.2f} s of processor, "
              f"{1000 * cpu / pages:.2f} ms a page)")
    shutil.rmtree(kept)


def _processor() -> float:
    """Processor seconds of this process and of its finished workers."""
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


if __name__ == "__main__":
    main()

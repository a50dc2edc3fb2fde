"""Benchmark of the open-data exports: time and size of output/data/ for N synthetic acts.

    .venv/bin/python bench/exports.py --count 10000

Writes a demo site into a temporary folder, reads and links it as the build does, then
times the exports alone (reading is measured elsewhere).
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from deliberations import settings as site_settings
from deliberations.build import read_site_settings
from deliberations.demo import write_demo_site
from deliberations.exports import write_exports
from deliberations.pipeline import load_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = write_demo_site(Path(tmp) / "demo", args.count)
        settings = read_site_settings(root / "pelicanconf.py")
        site = site_settings.load(settings)
        start = time.perf_counter()
        corpus, _ = load_corpus(root / "content", site)
        loaded = time.perf_counter() - start
        start = time.perf_counter()
        open_data = write_exports(corpus, site, root / "output")
        exported = time.perf_counter() - start
        data = root / "output" / "data"
        size = sum(p.stat().st_size for p in data.rglob("*") if p.is_file())
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{args.count} acts: read+link {loaded:.2f} s, exports {exported:.2f} s "
          f"({args.count / exported:,.0f} acts/s), {len(open_data.files)} files + {open_data.acts} "
          f"per-act files, {size / 1e6:.1f} MB, peak RSS {peak:.0f} MB")


if __name__ == "__main__":
    main()

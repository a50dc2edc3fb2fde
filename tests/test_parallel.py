"""Work spread over several processes gives what one process gives.

The test runner's workers run threads, where the build works in one process (see
``parallel._threads``): these tests run the command and the workers in fresh processes.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter

from deliberations import parallel
from deliberations.demo import write_demo_site
from deliberations.pages import PARALLEL_PAGES

from .conftest import Site, tree

SPREAD = """
import json, os, time
from deliberations import parallel

def task(start, stop):
    time.sleep(0.05)  # long enough that no worker takes every slice before the other starts
    return [(i, os.getpid()) for i in range(start, stop)]

print(json.dumps([os.getpid(), parallel.map_slices(task, 200, 2)]))
"""


def command(*argv: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "deliberations.cli", *argv], cwd=cwd, capture_output=True,
                          text=True)


def test_work_is_shared_by_several_processes_and_comes_back_in_order():
    done = subprocess.run([sys.executable, "-c", SPREAD], capture_output=True, text=True, check=True)
    parent, results = json.loads(done.stdout)
    assert [i for i, _ in results] == list(range(200))
    workers = {pid for _, pid in results}
    assert len(workers) == 2 and parent not in workers


def test_results_are_taken_in_by_this_process_slice_by_slice_in_order():
    then = SPREAD.replace("parallel.map_slices(task, 200, 2)",
                          "parallel.map_slices(task, 200, 2, then=lambda r: [(i, w, os.getpid(), len(r)) "
                          "for i, w in r])")
    done = subprocess.run([sys.executable, "-c", then], capture_output=True, text=True, check=True)
    parent, results = json.loads(done.stdout)
    assert [i for i, *_ in results] == list(range(200))
    assert {here for _, _, here, _ in results} == {parent}
    assert {worker for _, worker, _, _ in results} - {parent}  # read elsewhere, taken in here
    assert max(size for *_, size in results) < 200  # a slice at a time, not all at the end


def test_workers_are_replaced_once_they_handled_their_share():
    # A worker's memory grows with what it handled: past MAX_PER_WORKER items, fresh ones take over.
    capped = SPREAD.replace("from deliberations import parallel",
                            "from deliberations import parallel\nparallel.MAX_PER_WORKER = 30")
    done = subprocess.run([sys.executable, "-c", capped], capture_output=True, text=True, check=True)
    parent, results = json.loads(done.stdout)
    assert [i for i, _ in results] == list(range(200))
    handled = Counter(pid for _, pid in results)
    assert parent not in handled and len(handled) > 2
    assert max(handled.values()) <= 30


def test_one_job_or_little_work_stays_in_this_process():
    here = {os.getpid()}
    assert {pid for pid in parallel.map_slices(lambda a, b: [os.getpid()] * (b - a), 200, 1)} == here
    assert {pid for pid in parallel.map_slices(lambda a, b: [os.getpid()] * (b - a), 5, 2)} == here
    assert parallel.map_slices(lambda a, b: [a], 0, 2) == []


def test_a_parallel_build_gives_the_site_a_serial_build_gives(tmp_path):
    # Enough acts for the pages to be rendered by several processes (see pages.PARALLEL_PAGES).
    serial = write_demo_site(tmp_path / "serial", PARALLEL_PAGES)
    shutil.copytree(serial, tmp_path / "parallel")
    for folder, jobs in ((serial, "1"), (tmp_path / "parallel", "2")):
        done = command("build", "--settings", "pelicanconf.py", "--output", "output", "--jobs", jobs,
                       cwd=folder)
        assert done.returncode == 0, done.stderr
    built = tree(serial / "output")
    assert len([p for p in built if p.startswith("deliberations/")]) == PARALLEL_PAGES
    assert tree(tmp_path / "parallel" / "output") == built


def test_a_worker_that_fails_fails_the_build_and_leaves_the_site(tmp_path):
    site = Site(tmp_path / "site")
    for n in range(40):
        site.add(number=f"22-B-{n:04d}")
    assert site.build().code == 0
    before = tree(site.output)
    overrides = site.root / "overrides"
    overrides.mkdir()
    # Each act's item in the listings is rendered by the workers.
    (overrides / "_macros.html").write_text("{% macro act_item(act) %}{{ act.meta.number.nothing.here }}"
                                            "{% endmacro %}", encoding="utf-8")
    site.configure(extra=f"THEME_TEMPLATES_OVERRIDES = [{str(overrides)!r}]\n")
    done = command("build", "--settings", "pelicanconf.py", "--output", "output", "--jobs", "2",
                   cwd=site.root)
    assert done.returncode == 3
    assert "internal error: UndefinedError" in done.stderr
    assert "the previous site is unchanged" in done.stderr
    assert tree(site.output) == before


def test_a_parallel_check_finds_what_a_serial_check_finds(tmp_path):
    site = write_demo_site(tmp_path / "site", 60)
    done = command("build", "--settings", "pelicanconf.py", "--output", "output", cwd=site)
    assert done.returncode == 0, done.stderr
    output = site / "output"
    shutil.rmtree(output / "deliberations" / sorted(os.listdir(output / "deliberations"))[0])
    (output / "feeds" / "all.atom.xml").write_text("<feed>", encoding="utf-8")
    record = next((output / "data" / "deliberations").iterdir())
    record.write_text(record.read_text(encoding="utf-8").replace('"number"', '"numero"'), encoding="utf-8")
    page = output / "a-propos" / "index.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</main>", "<p style='x'>x</p></main>"),
                    encoding="utf-8")
    told = []
    settings = (site / "pelicanconf.py").read_text(encoding="utf-8")
    for jobs in (1, 2):
        (site / "pelicanconf.py").write_text(f"{settings}\nBUILD_JOBS = {jobs}\n", encoding="utf-8")
        done = command("verify", "output", "--settings", "pelicanconf.py", cwd=site)
        assert done.returncode == 1
        told.append(done.stderr)
    assert told[0] == told[1]
    for expected in ("is missing", "feeds/all.atom.xml: is not well-formed XML",
                     "a-propos/index.html: <p> has a style",
                     f"data/deliberations/{record.name}: record: \"number\" is a required property"):
        assert expected in told[0], expected

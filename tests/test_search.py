"""The search index a build writes, and what it tells the webmaster when it cannot."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from deliberations.build import build as deliberations_build
from deliberations.search import MEASURED, Cores, SearchIndexError, index_site, plan_lots
from lxml import html

from .conftest import PROJECT, Site, cold_build, halting_about_page
from .search_fixtures import ACTS, LOT_SIZE, ROUTINE, search_site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def months_of(counts: dict[str, int]) -> dict[str, str]:
    return {f"deliberations/{month}-{i}/index.html": month for month, n in counts.items() for i in range(n)}


def shape(lots) -> list[tuple[str, str, int]]:
    return [(lot.first, lot.last, len(lot.pages)) for lot in lots]


COUNTS = {"2021-01": 10, "2021-02": 8, "2021-03": 3, "2021-04": 2, "2021-05": 1, "2021-06": 1}


def test_plan_puts_the_recent_months_in_small_lots():
    # Lots close at 16 acts, then at 4 (a quarter), then at 1 (a sixteenth): one month each.
    lots = plan_lots(months_of(COUNTS), 16)
    assert shape(lots) == [("2021-01", "2021-02", 18), ("2021-03", "2021-04", 5),
                           ("2021-05", "2021-05", 1), ("2021-06", "2021-06", 1)]
    assert [lot.id for lot in lots] == [lot.first for lot in lots]
    assert sum((lot.pages for lot in lots), []) == sorted(months_of(COUNTS))  # each page once, in order


def test_plan_changes_only_the_lot_of_the_month_an_act_is_added_to():
    lots = plan_lots(months_of(COUNTS), 16)
    for month, changed in (("2021-06", 3), ("2021-05", 2), ("2021-04", 1), ("2021-02", 0)):
        after = plan_lots(months_of({**COUNTS, month: COUNTS[month] + 1}), 16)
        assert [i for i, (a, b) in enumerate(zip(lots, after, strict=True)) if a != b] == [changed]


def test_plan_merges_small_lots_only_once_they_fill_a_larger_one():
    lots = plan_lots(months_of(COUNTS), 16)
    one_more = plan_lots(months_of({**COUNTS, "2021-07": 1}), 16)
    assert one_more[:4] == lots and shape(one_more[4:]) == [("2021-07", "2021-07", 1)]
    quarter = plan_lots(months_of({**COUNTS, "2021-07": 2}), 16)  # 2021-05 to 07: 4 acts
    assert quarter[:2] == lots[:2] and shape(quarter[2:]) == [("2021-05", "2021-07", 4)]
    full = plan_lots(months_of({**COUNTS, "2021-07": 9}), 16)  # 2021-03 to 07: 16 acts
    assert full[:1] == lots[:1] and shape(full[1:]) == [("2021-03", "2021-07", 16)]


def build(site: Site):
    """Build through the Python API, which also returns the index's figures."""
    with contextlib.chdir(site.root):
        return deliberations_build(site.settings, site.output)


def test_build_indexes_every_act_in_lots_listed_newest_first(tmp_path):
    site = search_site(tmp_path / "site")
    stats = build(site).search
    assert (stats.pages, stats.lots, stats.lots_indexed) == (26, 8, 8)
    manifest = json.loads((site.output / "pagefind" / "lots.json").read_text())
    lots = manifest["lots"]
    assert sum(lot["pages"] for lot in lots) == len(ACTS) + len(ROUTINE) + 2
    assert lots[0]["first"] == lots[0]["last"] == "2023-06" and lots[0]["pages"] == 1  # newest month
    assert all(lot["pages"] <= LOT_SIZE for lot in lots[1:])  # one act a month here
    assert [lot["first"] for lot in lots] == sorted((lot["first"] for lot in lots), reverse=True)
    for lot in lots:
        bundle = site.output / "pagefind" / lot["path"]
        entry = json.loads((bundle / "pagefind-entry.json").read_text())
        assert entry["languages"]["fr"]["page_count"] == lot["pages"]
        assert (bundle / "pagefind.js").is_file() and (bundle / "wasm.fr.pagefind").is_file()
        assert not (bundle / "pagefind-ui.js").exists()


def test_act_page_carries_facets_sort_keys_and_result_fields(site: Site):
    site.add({"body": "conseil", "session": "2023-06-29", "published": "2023-07-06", "subject": "7.1",
              "amounts": [{"value": "1000000.00", "tax": "HT"}, {"value": "750000.00", "tax": "HT"}]})
    assert site.build().code == 0
    data = html.fromstring(site.page("deliberations/22-b-0183")).cssselect("article .search-data")[0]
    assert data.get("hidden") is not None
    values = {(k, el.get(k).split("[")[0]): el.get("data-value") for el in data
              for k in ("data-pagefind-filter", "data-pagefind-sort", "data-pagefind-meta") if el.get(k)}
    assert values[("data-pagefind-filter", "instance")] == "conseil"
    assert values[("data-pagefind-filter", "matiere")] == "7"
    assert values[("data-pagefind-filter", "annee")] == "2023"
    assert values[("data-pagefind-filter", "montant")] == "1m-et-plus"
    assert values[("data-pagefind-sort", "date")] == "2023-06-29 22-B-0183"
    assert values[("data-pagefind-sort", "montant")] == "000000175000000"
    assert values[("data-pagefind-meta", "montant")] == "1\u202f750\u202f000,00\u00a0€"
    assert values[("data-pagefind-meta", "seance")] == "29 juin 2023"


def test_search_page_offers_french_facets_feeds_and_a_no_script_way(tmp_path):
    site = search_site(tmp_path / "site")
    assert site.build().code == 0
    doc = html.fromstring(site.page("recherche"))
    [csp] = doc.cssselect('meta[http-equiv="Content-Security-Policy"]')
    assert "script-src 'self' 'wasm-unsafe-eval'" in csp.get("content")  # what the browser tests run under
    assert not doc.cssselect("script:not([src])")  # no inline script
    legends = [" ".join(s.text_content().split()) for s in doc.cssselect(".facet summary")]
    assert legends == ["Instance", "Matière", "Année de la séance", "Nature de l'acte", "Décision",
                       "Montant total"]
    years = [i.get("value") for i in doc.cssselect('input[name="annee"]')]
    assert years == ["2023", "2022", "2021", "2020"]
    assert "Rejetée" in doc.cssselect('label[for="f-decision-rejected"]')[0].text_content()
    links = [a.get("href") for a in doc.cssselect("noscript a")]
    assert links == ["/", "/seances/", "/instances/", "/matieres/", "/annees/"]
    feeds = json.loads(doc.cssselect("form#recherche")[0].get("data-feeds"))
    assert feeds["instance"]["bureau"] == "feeds/instances/bureau.atom.xml"
    assert feeds["montant"] == [
        {"montant": ["100k-1m", "1m-et-plus"], "url": "feeds/montants/100000.atom.xml"},
        {"montant": ["1m-et-plus"], "url": "feeds/montants/1000000.atom.xml"}]


def test_warm_build_indexes_only_the_changed_lot_and_matches_a_cold_build(tmp_path):
    site = search_site(tmp_path / "site")
    build(site)
    site.add({"number": "23-C-0999", "title": "Extension de la piscine", "body": "conseil",
              "session": "2023-06-29", "published": "2023-07-06", "subject": "7.1"},
             path="2023/23-C-0999.md")
    warm = build(site).search
    assert (warm.pages, warm.lots, warm.lots_indexed) == (27, 8, 1)
    warm_site = tree(site.output)
    shutil.rmtree(site.root / ".cache")
    assert build(site).search.lots_indexed == 8
    assert tree(site.output) == warm_site  # byte for byte: Pagefind's lists are put in order


def test_an_act_moved_to_another_month_or_deleted_is_indexed_as_a_cold_build_would(tmp_path):
    site = search_site(tmp_path / "site")
    build(site)
    moved = site.content / "deliberations" / "2020" / "20-B-0913.md"  # January 2020
    text = re.sub(r"session: \S+", "session: '2023-06-02'", moved.read_text(encoding="utf-8"))
    moved.write_text(re.sub(r"published: \S+", "published: '2023-06-09'", text), encoding="utf-8")
    next((site.content / "deliberations" / "2021").glob("*.md")).unlink()
    warm = build(site).search
    assert warm.pages == len(ACTS) + len(ROUTINE) + 1
    assert tree(site.output) == cold_build(site, tmp_path / "cold")


def test_a_damaged_search_cache_is_ignored(tmp_path):
    site = search_site(tmp_path / "site")
    build(site)
    before = tree(site.output)
    cache = site.root / ".cache" / "search"
    for n, entry in enumerate(sorted(p for p in cache.iterdir() if p.name != "months")):
        (entry / "files.json").write_text(["", "[1, 2", "{}"][n % 3])
    for shard in (cache / "months").glob("*.pickle"):
        shard.write_bytes(b"\x80\x05garbage")
    assert build(site).search.lots_indexed == 8
    assert tree(site.output) == before
    # A file gone from a lot in the cache, and from the site: that lot is indexed again.
    shutil.rmtree(site.output)
    shutil.rmtree(site.root / ".cache" / "sites")
    next(next(p for p in cache.iterdir() if p.name != "months").glob("bundle/fragment/*")).unlink()
    assert build(site).search.lots_indexed == 1
    assert tree(site.output) == before


def test_pelican_run_alone_indexes_every_act(tmp_path):
    site = search_site(tmp_path / "site")
    subprocess.run([sys.executable, "-m", "pelican", "content", "-s", "pelicanconf.py", "-o", "out"],
                   cwd=site.root, check=True, capture_output=True)
    lots = json.loads((site.root / "out" / "pagefind" / "lots.json").read_text())["lots"]
    assert sum(lot["pages"] for lot in lots) == len(ACTS) + len(ROUTINE) + 2


def test_a_site_indexed_on_its_own_keeps_its_index_until_the_new_one_is_whole(tmp_path):
    site = search_site(tmp_path / "site")
    assert build(site).search.lots == 8
    cache = tmp_path / "search-cache"
    stats = index_site(site.output, cache, LOT_SIZE)
    assert (stats.pages, stats.lots_indexed) == (26, 8)
    before = tree(site.output / "pagefind")
    # An act page Pagefind leaves out (the attribute only named in a comment): the index
    # cannot be whole, and the one in place stays.
    page = site.output / "deliberations" / "22-b-0183" / "index.html"
    page.write_text(page.read_text().replace("data-pagefind-body>", "><!-- data-pagefind-body -->"))
    with pytest.raises(SearchIndexError, match="indexed 3 pages instead of 4"):
        index_site(site.output, cache, LOT_SIZE)
    assert tree(site.output / "pagefind") == before


def test_act_pages_without_the_search_attributes_fail_the_build_and_keep_the_site(tmp_path):
    theme = tmp_path / "theme"
    shutil.copytree(PROJECT / "theme", theme)
    page = theme / "templates" / "deliberation.html"
    page.write_text(page.read_text().replace("data-pagefind-body", ""))
    site = Site(tmp_path / "site")
    site.add()
    assert site.build().code == 0
    before = tree(site.output)
    site.configure(extra=f"THEME = {str(theme)!r}\n")
    result = site.build()
    assert result.code == 1
    assert "search index: deliberations/22-b-0183/index.html lacks the search attributes" in result.err
    assert "Traceback" not in result.err
    assert tree(site.output) == before


def test_a_build_that_fails_after_the_index_began_waits_for_pagefind_and_keeps_the_site(tmp_path):
    # A rebuild indexes the lot of the act added once the act pages are written. Here the about
    # page, written after the exports, fails (as a full disk would: the site's inputs are the
    # same): the build waits for Pagefind, publishes nothing, and keeps what Pagefind did.
    site = search_site(tmp_path / "site")
    marker = halting_about_page(site, tmp_path, f"SEARCH_LOT_SIZE = {LOT_SIZE}\n")
    assert site.build().code == 0
    before = tree(site.output)
    cache = site.root / ".cache" / "search"
    entries = {entry.name for entry in cache.iterdir()}
    site.add({"number": "23-C-0999", "title": "Extension de la piscine", "body": "conseil",
              "session": "2023-06-29", "published": "2023-07-06", "subject": "7.1"},
             path="2023/23-C-0999.md")
    marker.touch()
    result = site.build()
    assert result.code != 0 and "halted on purpose" in result.err
    assert "Nothing was published" in result.err
    assert tree(site.output) == before
    assert not [t for t in threading.enumerate() if t.name.startswith("pagefind")]
    # The new act's lot was indexed before the failure: its bundle is in the cache, complete,
    # and the next build takes it from there.
    added = {entry.name for entry in cache.iterdir()} - entries
    assert len(added) == 1 and (cache / added.pop() / "files.json").is_file()
    marker.unlink()
    assert build(site).search.lots_indexed == 0
    assert tree(site.output) == cold_build(site, tmp_path / "cold")


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_pagefind_runs_side_by_side_each_hold_a_core_of_their_own(tmp_path):
    cores = Cores(2)
    with cores.one() as first, cores.one() as second:
        assert first != second
        # The wrapper that starts Pagefind, starting a program that shows the cores it may use.
        shown = subprocess.run([sys.executable, "-c", MEASURED, str(tmp_path / "usage"), str(second),
                                sys.executable, "-c", "import os; print(sorted(os.sched_getaffinity(0)))"],
                               capture_output=True, text=True, check=True)
        assert shown.stdout.strip() == f"[{second}]"
        assert len((tmp_path / "usage").read_text().split()) == 2  # peak memory, processor time
    with Cores(1).one() as alone:
        assert alone is None  # a run alone is free to use every core

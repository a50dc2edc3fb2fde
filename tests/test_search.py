"""The search index a build writes, and what it tells the webmaster when it cannot."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path

from deliberations.build import build as deliberations_build
from deliberations.search import plan_lots
from lxml import html

from .conftest import PROJECT, Site
from .search_fixtures import ACTS, LOT_SIZE, ROUTINE, search_site


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_plan_keeps_the_newest_month_apart_and_closes_older_lots_once_full():
    months = {f"deliberations/a{i}/index.html": m for i, m in
              enumerate(["2021-01"] * 3 + ["2021-02"] * 3 + ["2021-03"] * 4 + ["2021-04"] * 2)}
    lots = plan_lots(months, 5)
    assert [(lot.id, lot.last, len(lot.pages)) for lot in lots] == [
        ("2021-01", "2021-02", 6), ("2021-03", "2021-03", 4), ("2021-04", "2021-04", 2)]
    same_month = plan_lots({**months, "deliberations/new/index.html": "2021-04"}, 5)
    assert same_month[:2] == lots[:2] and len(same_month[2].pages) == 3
    new_month = plan_lots({**months, "deliberations/new/index.html": "2021-05"}, 5)
    assert new_month[0] == lots[0]
    assert [(lot.id, len(lot.pages)) for lot in new_month[1:]] == [("2021-03", 6), ("2021-05", 1)]


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

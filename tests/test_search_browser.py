"""The search page in a real browser (Debian's Chromium driven by Playwright), and an
accessibility audit (axe-core) of the main kinds of pages.

One fixture site is built for the module and served on 127.0.0.1; every page opened here is
checked for console errors and for requests that would leave the machine.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect, sync_playwright

from .browser import launch, serve
from .conftest import PROJECT
from .search_fixtures import ACTS, ROUTINE, SEED_WORD, search_site

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("browser")]

AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = {"serious", "critical"}
TOTAL = len(ACTS) + len(ROUTINE) + 2  # the fixture acts and the two bundled ones
PAGE = 20  # results shown at first, then at each « Afficher plus »
MONTHS = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre"]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    site = search_site(tmp_path_factory.mktemp("search") / "site")
    result = site.build()
    assert result.code == 0, result.err
    with serve(site.output) as url:
        yield url


@pytest.fixture(scope="module")  # one Playwright at a time in a process: other modules start theirs
def playwright():
    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="module")
def browser(playwright):
    chromium = launch(playwright)
    yield chromium
    chromium.close()


@pytest.fixture
def page(browser, server) -> Page:
    """A page of a fresh context; at the end, no console error and no request off 127.0.0.1."""
    context = browser.new_context(base_url=server, locale="fr-FR")
    errors, outside = [], []

    def route(route):
        if urlsplit(route.request.url).hostname == "127.0.0.1":
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    # A request cut short because the test navigated away (net::ERR_ABORTED, e.g. the favicon
    # after a form submit) is the browser's doing, not a failure of the site.
    page.on("requestfailed",
            lambda r: r.failure != "net::ERR_ABORTED" and errors.append(f"{r.url}: {r.failure}"))
    yield page
    context.close()
    assert errors == [], "console errors"
    assert outside == [], "requests leaving 127.0.0.1"


def search(page: Page, query: str = "") -> None:
    page.goto(f"/recherche/{query}")
    settled(page)


def settled(page: Page) -> None:
    expect(page.locator("#statut")).not_to_be_empty()
    expect(page.locator("#resultats")).not_to_have_attribute("aria-busy", "true")


def shown(page: Page) -> list[dict]:
    """The results as a reader sees them: number, title, and the facts line split up."""
    items = []
    for item in page.locator("#liste > li").all():
        facts = item.locator(".act-facts").inner_text().split(" · ")
        money = [f for f in facts if f.endswith("€")]
        items.append({"number": item.locator(".act-number").inner_text(),
                      "title": item.locator("h3").inner_text(), "facts": facts,
                      "amount": euros(money[0]) if money else None,
                      "excerpt": item.locator(".excerpt").inner_text() if item.locator(".excerpt").count()
                      else ""})
    return items


def euros(text: str) -> Decimal:
    return Decimal(re.sub(r"[^\d,]", "", text).replace(",", "."))


def facet_count(page: Page, facet: str, value: str) -> int:
    label = page.locator(f'label[for="f-{facet}-{value}"] [data-count]')
    return int(label.text_content().strip("()").replace("\u202f", "").replace("\u00a0", ""))


def open_facet(page: Page, facet: str) -> None:
    """Open a facet and wait for its counts (loaded when a first facet opens)."""
    details = page.locator(f'details[data-facet="{facet}"]')
    if details.get_attribute("open") is None:
        details.locator("summary").click()
    expect(details.locator("[data-count]").first).to_have_text(re.compile(r"^\(\d+\)$"))


def test_a_word_of_the_seed_act_finds_it_with_its_facts_and_a_highlighted_excerpt(page):
    search(page, f"?q={SEED_WORD}")
    expect(page.locator("#statut")).to_have_text(f"1 délibération trouvée pour « {SEED_WORD} ».")
    [result] = shown(page)
    assert result["number"] == "22-B-0183"
    assert result["facts"] == ["Bureau", "séance du 8 avril 2022", "675,00\u00a0€"]
    assert page.locator("#liste mark").first.inner_text().lower() == SEED_WORD.lower()
    page.locator("#liste a").first.click()
    expect(page).to_have_url(re.compile(r"/deliberations/22-b-0183/$"))


def test_french_stemming_finds_a_plural_from_a_singular(page):
    search(page, "?q=subvention&tri=pertinence")
    assert {r["number"] for r in shown(page)} == {"23-B-0903", "21-B-0909"}
    search(page, "?q=subventions&tri=pertinence")
    assert {r["number"] for r in shown(page)} == {"23-B-0903", "21-B-0909"}


def test_a_filter_narrows_the_results_to_its_count(page):
    search(page, "?q=piscine")
    total = len(shown(page))
    assert total == 3
    open_facet(page, "montant")
    expected = facet_count(page, "montant", "1m-et-plus")
    assert 0 < expected < total
    page.get_by_label(re.compile(r"^1 M€ et plus")).check()
    settled(page)
    assert len(shown(page)) == expected
    assert all(r["amount"] >= 1_000_000 for r in shown(page))
    expect(page.locator("#statut")).to_have_text(
        f"{expected} délibérations trouvées pour « piscine » avec les filtres choisis.")
    assert "montant=1m-et-plus" in page.url


def test_filters_alone_list_acts_and_combine(page):
    search(page)
    expect(page.locator("#statut")).to_have_text(f"{TOTAL} délibérations trouvées.")
    open_facet(page, "instance")
    conseil = facet_count(page, "instance", "conseil")
    page.locator("#f-instance-conseil").check()
    settled(page)
    assert len(shown(page)) == conseil
    open_facet(page, "annee")
    in_2021 = facet_count(page, "annee", "2021")
    page.locator("#f-annee-2021").check()
    settled(page)
    assert len(shown(page)) == in_2021 == sum(1 for a in ACTS if a[1] == "conseil" and a[2].year == 2021)


def session_of(result: dict) -> date:
    day, month, year = result["facts"][1].removeprefix("séance du ").split()
    return date(int(year), MONTHS.index(month) + 1, int(day.removesuffix("er")))


def show_all(page: Page) -> list[dict]:
    while page.locator("#plus").is_visible():
        before = page.locator("#liste > li").count()
        page.locator("#plus").click()
        expect(page.locator("#liste > li")).not_to_have_count(before)
    return shown(page)


def test_results_are_newest_first_by_default_across_lots(page):
    search(page)
    results = show_all(page)
    assert len(results) == TOTAL
    sessions = [session_of(r) for r in results]
    assert sessions == sorted(sessions, reverse=True)
    assert results[0]["number"] == "23-C-0901"  # the latest sitting, 29 June 2023
    assert sessions[-1] == date(2020, 1, 14)


def test_sort_by_amount_orders_results_largest_first(page):
    search(page)
    page.get_by_label("Trier par").select_option("montant")
    settled(page)
    results = show_all(page)
    assert len(results) == TOTAL
    amounts = [r["amount"] for r in results]
    with_amount = [a for a in amounts if a is not None]
    assert with_amount == sorted(with_amount, reverse=True)
    assert with_amount[0] == Decimal("4200000.00")
    assert amounts[: len(with_amount)] == with_amount  # acts without amounts come last
    assert "tri=montant" in page.url


def test_a_shared_url_restores_query_filters_and_sort(page):
    search(page, "?q=piscine&instance=conseil&montant=1m-et-plus&tri=montant")
    expect(page.get_by_label("Mots ou numéro d'acte")).to_have_value("piscine")
    expect(page.locator("#f-instance-conseil")).to_be_checked()
    expect(page.locator("#f-montant-1m-et-plus")).to_be_checked()
    expect(page.locator("#f-instance-bureau")).not_to_be_checked()
    expect(page.get_by_label("Trier par")).to_have_value("montant")
    assert [r["number"] for r in shown(page)] == ["23-C-0901", "21-C-0911"]
    page.reload()
    settled(page)
    assert [r["number"] for r in shown(page)] == ["23-C-0901", "21-C-0911"]


def test_the_header_search_box_leads_to_the_results(page):
    page.goto("/")
    page.get_by_label("Rechercher une délibération").fill("piscine")
    page.get_by_label("Rechercher une délibération").press("Enter")
    settled(page)
    expect(page.get_by_label("Mots ou numéro d'acte")).to_have_value("piscine")
    assert len(shown(page)) == 3


def test_follow_link_points_to_the_feed_of_the_same_selection(page):
    follow = page.get_by_role("link", name="Suivre cette recherche")
    for query, feed in [("", "/feeds/all.atom.xml"), ("?instance=bureau", "/feeds/instances/bureau.atom.xml"),
                        ("?matiere=7", "/feeds/matieres/7.atom.xml"),
                        ("?montant=100k-1m&montant=1m-et-plus", "/feeds/montants/100000.atom.xml")]:
        search(page, query)
        expect(follow).to_have_attribute("href", feed)
        assert page.request.get(feed).ok  # the build wrote it
    search(page, "?q=piscine")  # a feed does not filter words: nothing to follow
    expect(page.locator("#suivre")).to_be_hidden()
    search(page, "?instance=bureau&annee=2022")  # no feed for two filters
    expect(page.locator("#suivre")).to_be_hidden()


def test_keyboard_alone_searches_filters_and_reaches_more_results(page):
    search(page)
    page.get_by_label("Mots ou numéro d'acte").focus()
    page.keyboard.type("piscine")
    page.keyboard.press("Enter")
    expect(page.locator("#statut")).to_have_text("3 délibérations trouvées pour « piscine ».")
    summary = page.locator('details[data-facet="instance"] summary')
    summary.focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#f-instance-conseil")).to_be_focused()
    page.keyboard.press("Space")
    settled(page)
    assert all(r["facts"][0] == "Conseil" for r in shown(page))


def test_more_results_come_in_pages_and_take_the_focus(page):
    search(page)
    assert len(shown(page)) == PAGE
    page.get_by_role("button", name="Afficher plus de résultats").press("Enter")
    expect(page.locator("#liste > li")).to_have_count(TOTAL)
    expect(page.locator(f"#liste > li:nth-child({PAGE + 1}) a")).to_be_focused()
    expect(page.locator("#plus")).to_be_hidden()


def test_a_phone_screen_of_360_pixels_needs_no_sideways_scrolling(page):
    page.set_viewport_size({"width": 360, "height": 740})
    search(page, "?q=piscine")
    open_facet(page, "matiere")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    expect(page.get_by_role("button", name="Rechercher", exact=True).last).to_be_in_viewport()


def test_without_javascript_the_page_explains_and_links_to_the_listings(playwright, server):
    # Blink's own setting, not the DevTools switch: with it, <noscript> is shown as in a browser
    # where the reader turned JavaScript off.
    browser = launch(playwright, "--blink-settings=scriptEnabled=false")
    try:
        page = browser.new_page(base_url=server)
        page.goto("/recherche/?q=piscine")
        # (Playwright's text and role locators do not look into <noscript>: CSS ones do.)
        message = page.locator("noscript .notice")
        expect(message).to_be_visible()
        expect(message).to_contain_text("a besoin de JavaScript")
        expect(message.locator("a", has_text="les séances")).to_have_attribute("href", "/seances/")
        expect(page.locator("#recherche")).to_be_hidden()
    finally:
        browser.close()


@pytest.mark.parametrize("url", ["/", "/deliberations/22-b-0183/", "/instances/bureau/",
                                 "/recherche/?q=piscine&instance=conseil"])
def test_pages_have_no_serious_accessibility_violation(page, url):
    page.goto(url)
    if url.startswith("/recherche/"):
        settled(page)
        open_facet(page, "instance")
    # Run through the DevTools protocol, which the page's Content-Security-Policy does not apply to.
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""async () => {
        const r = await axe.run(document,
            {runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.map(n => n.target.join(" ")).slice(0, 3)}));
    }""")
    blocking = [v for v in found if v["impact"] in BLOCKING]
    assert blocking == [], f"{url}: {blocking}"

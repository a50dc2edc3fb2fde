"""The theme in a real browser: a citizen on a 360 px phone, and a keyboard user."""


import pytest

from .browser import launch, serve
from .conftest import Site

pytestmark = pytest.mark.browser

PHONE = {"width": 360, "height": 740}
LONG_TITLE = ("Convention de partenariat pluriannuelle avec l'Établissement public territorial "
              "pour l'aménagement du quartier de la Gare – avenant n° 3")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A built fixture site with long facts and amounts, served over HTTP on 127.0.0.1."""
    site = Site(tmp_path_factory.mktemp("theme") / "site")
    site.document("2022/22-C-0045-convention-signee-et-annexes.pdf", b"%PDF-1.4\n" * 100)
    site.add({"body": "conseil"}, number="22-C-0045", title=LONG_TITLE,
             vote={"members": 188, "voters": 170, "for": 150, "against": 12, "abstention": 8},
             transmission={"actes_id": "059-200093201-20220408-lmc100000090231-DE",
                           "sent": "2022-04-12", "received": "2022-04-13"},
             amounts=[{"value": f"12345678.9{i}", "tax": "TTC", "label": "Participation",
                       "recurrence": "multiyear", "section": "investissement",
                       "budget": {"name": "Budget annexe des transports", "year": "2022/2026"},
                       "beneficiary": {"name": "Société publique locale d'aménagement",
                                       "siret": "20009320100016"}} for i in range(3)],
             documents=[{"file": "2022/22-C-0045-convention-signee-et-annexes.pdf",
                         "title": "Convention signée et ses annexes"}])
    result = site.build()
    assert result.code == 0, result.err
    with serve(site.output) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = launch(p)
        yield chromium
        chromium.close()


@pytest.mark.parametrize("url", [
    "/deliberations/22-c-0045/", "/", "/seances/2022-04-08-conseil/", "/matieres/", "/a-propos/",
])
def test_nothing_is_wider_than_a_phone(served, browser, url):
    page = browser.new_page(viewport=PHONE)
    page.goto(served + url)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.close()


def test_amounts_read_as_labelled_cards_on_a_phone(served, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(served + "/deliberations/22-c-0045/")
    cell = page.locator(".amounts tbody tr").first.locator("td").first
    assert cell.evaluate("td => getComputedStyle(td, '::before').content") == '"Montant : "'
    assert page.locator(".amounts thead").bounding_box()["height"] <= 1
    page.close()


def test_keyboard_user_can_skip_to_the_content_and_sees_the_focus(served, browser):
    page = browser.new_page(viewport=PHONE)
    page.goto(served + "/deliberations/22-c-0045/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip")
    assert page.evaluate("document.activeElement.className") == "skip"
    box = skip.bounding_box()
    assert box["x"] >= 0 and box["y"] >= 0  # on screen once focused
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('main') !== null")
    assert focused, "after the skip link, the next stop is in the main content"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.close()

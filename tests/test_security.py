"""Every page: a strict Content-Security-Policy, a referrer policy, nothing fetched from elsewhere,
and front-matter values printed as text, never as markup."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from lxml import html

from .conftest import Site

# The policy the site promises, written out here rather than read from the code.
EXPECTED_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'", "'wasm-unsafe-eval'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
}
HOSTILE_TEXT = '<script>alert("x")</script> & "guillemets" \'apostrophe\' <b>gras</b> </title><!--'


def pages(output: Path) -> list[Path]:
    found = sorted(output.rglob("*.html"))
    assert found
    return found


@pytest.fixture
def built(site: Site) -> Site:
    site.document("signe.pdf")
    site.add(title=HOSTILE_TEXT, summary=HOSTILE_TEXT, tags=[HOSTILE_TEXT],
             author={"name": HOSTILE_TEXT, "role": HOSTILE_TEXT},
             amounts=[{"value": "10.00", "label": HOSTILE_TEXT, "beneficiary": {"name": HOSTILE_TEXT},
                       "budget": {"name": HOSTILE_TEXT}}],
             documents=[{"file": "signe.pdf", "title": HOSTILE_TEXT}],
             body="Voir [Légifrance](https://www.legifrance.gouv.fr/).")
    site.add(number="22-B-0184", title="Autre acte", repeals=["22-B-0183"])
    result = site.build()
    assert result.code == 0, result.err
    return site


def test_every_page_sends_the_security_policy(built: Site):
    for page in pages(built.output):
        doc = html.fromstring(page.read_bytes())
        csp = doc.xpath("//head/meta[@http-equiv='Content-Security-Policy']/@content")
        assert len(csp) == 1, page
        directives = {d.split()[0]: d.split()[1:] for d in csp[0].split(";") if d.strip()}
        assert directives == EXPECTED_CSP, page
        assert doc.xpath("//head/meta[@name='referrer']/@content") == ["same-origin"], page


def test_no_page_fetches_anything_from_another_site_or_runs_inline_code(built: Site):
    for page in pages(built.output):
        doc = html.fromstring(page.read_bytes())
        fetched = doc.xpath("//script/@src | //img/@src | //iframe/@src | //source/@src | //video/@src"
                            " | //audio/@src | //embed/@src | //object/@data"
                            " | //link[not(@rel='canonical' or @rel='alternate')]/@href")
        assert fetched, page  # at least the stylesheets
        for url in fetched:
            parts = urlsplit(url)
            assert not parts.scheme and not parts.netloc, (page, url)
        assert not doc.xpath("//script[not(@src)] | //style | //@style"
                             " | //@*[starts-with(name(), 'on')]"), page


def test_front_matter_values_are_text_on_every_page(built: Site):
    act = html.fromstring(built.page("deliberations/22-b-0183").encode())
    assert act.xpath("string(//h1)") == HOSTILE_TEXT
    assert act.xpath("//meta[@name='description']/@content") == [HOSTILE_TEXT]
    assert HOSTILE_TEXT in act.xpath("string(//title)")
    shown = act.xpath("string(//main)")
    assert shown.count(HOSTILE_TEXT) >= 6  # title, amount label, beneficiary, budget, author…, document
    for page in pages(built.output):
        doc = html.fromstring(page.read_bytes())
        assert not doc.xpath("//script[not(@src)] | //b"), page  # the site's own scripts are files
        raw = page.read_text(encoding="utf-8")
        assert "<script>" not in raw and "<b>gras" not in raw and "</title><!--" not in raw, page
    sitting = html.fromstring(built.page("seances/2022-04-08-bureau").encode())
    assert HOSTILE_TEXT in [" ".join(td.text_content().split()) for td in sitting.iter("td")]
    home = html.fromstring(built.page("").encode())
    assert any(HOSTILE_TEXT in a.text_content() for a in home.iter("a"))
    later = html.fromstring(built.page("deliberations/22-b-0184").encode())
    assert HOSTILE_TEXT in later.xpath("string(//section[@class='relations'])")

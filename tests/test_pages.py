"""What a citizen reads: the pages of a real build."""

from lxml import html

from .conftest import PROJECT, Site, run


def text_of(page: str, selector: str) -> str:
    return " ".join(html.fromstring(page).cssselect(selector)[0].text_content().split())


def facts(page: str) -> dict[str, str]:
    """The act's facts as a citizen reads them: each <dt> label with its <dd> value."""
    dl = html.fromstring(page).cssselect(".facts dl")[0]
    terms = dl.findall("dt")
    return {dt.text_content().strip(): " ".join(dt.getnext().text_content().split()) for dt in terms}


def test_act_page_shows_the_facts_in_french(site: Site):
    site.add(amounts=[{"value": "675.00", "tax": "HT", "recurrence": "yearly"}],
             vote={"unanimous": True})
    result = site.build()
    assert result.code == 0, result.err
    page = site.page("deliberations/22-b-0183")
    doc = html.fromstring(page)
    assert doc.get("lang") == "fr"
    assert doc.cssselect("h1")[0].text_content() == BASE_TITLE
    shown = facts(page)
    assert shown["Séance"] == "8 avril 2022"
    assert shown["Mis en ligne le"] == "15 avril 2022"
    assert shown["Instance"] == "Bureau"
    assert shown["Décision"] == "Adoptée à l'unanimité"
    assert shown["Signataire"] == "Damien Castelain, Président"
    cells = [td.text_content().strip() for td in doc.cssselect(".amounts td")]
    assert cells[1] == "675,00\u00a0€ HT"
    assert cells[2] == "annuel"


BASE_TITLE = "Adhésion au Club Innovations et Culture – CLIC France"


def test_bundled_content_builds_and_links_the_repealed_act(tmp_path):
    result = run("build", "--settings", str(PROJECT / "pelicanconf.py"),
                 "--output", str(tmp_path / "out"), cwd=PROJECT)
    assert result.code == 0, result.err
    seed = (tmp_path / "out" / "deliberations" / "22-b-0183" / "index.html").read_text()
    assert 'href="/deliberations/22-b-0146/"' in seed
    assert "059-200093201-20220408-lmc100000090231-DE" in seed
    older = (tmp_path / "out" / "deliberations" / "22-b-0146" / "index.html").read_text()
    assert "Rapportée par" in older and "22-B-0183" in older
    sitting = (tmp_path / "out" / "seances" / "2022-04-08-bureau" / "index.html").read_text()
    assert "22-B-0183" in sitting

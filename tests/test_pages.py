"""What a citizen reads: the pages of real builds of fixture sites."""

import hashlib
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml
from lxml import html

from .conftest import BASE_ACT, PROJECT, Site, run

SITEURL = "https://deliberations.example.org"
SIGNED_PDF = b"%PDF-1.4\n% signed act\n"
TEXT = """\
## I. Rappel du contexte

Compétente depuis 2000 dans le domaine culturel, la Métropole fait de la culture un atout.

<script>alert("injected")</script>

Par conséquent, le Bureau décide :

1. De rapporter la délibération n° 22-B-0146 ;
2. D'adhérer au Club Innovations & Culture.
"""


def doc(site: Site, url: str):
    return html.fromstring(site.page(url))


def words(element) -> str:
    """Text as read, ASCII white space folded (no-break spaces are part of what is checked)."""
    for br in element.iter("br"):
        br.tail = " " + (br.tail or "")
    return re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip()


def facts(page) -> dict[str, str]:
    """The act's facts as a citizen reads them: each <dt> label with its <dd> value."""
    dl = page.cssselect(".facts dl")[0]
    return {words(dt): words(dt.getnext()) for dt in dl.findall("dt")}


def rows(table) -> list[list[str]]:
    return [[words(cell) for cell in tr.cssselect("td, th")] for tr in table.cssselect("tbody tr")]


@pytest.fixture(scope="module")
def council(tmp_path_factory) -> Site:
    """Four acts of two bodies, with every optional fact, built once for the tests below."""
    site = Site(tmp_path_factory.mktemp("council") / "site", siteurl=SITEURL)
    site.document("2022/22-B-0183.pdf", SIGNED_PDF)
    site.add(
        published="2022-04-15 10:30",
        vote={"members": 40, "voters": 38, "for": 30, "against": 5, "abstention": 3},
        transmission={"actes_id": "059-200093201-20220408-lmc100000090231-DE",
                      "sent": "2022-04-12", "received": "2022-04-13"},
        amounts=[
            {"value": "675.00", "tax": "HT", "label": "Cotisation annuelle", "recurrence": "yearly",
             "section": "fonctionnement", "budget": {"name": "Budget général", "year": 2022},
             "beneficiary": {"name": "SARL Sinapses Conseils", "siret": "20009320100016"}},
            {"value": "1234567.5", "tax": "TTC", "label": "Travaux", "section": "investissement"},
        ],
        documents=[{"file": "2022/22-B-0183.pdf", "title": "Délibération signée"}],
        repeals=["22-B-0146"],
        body=TEXT,
    )
    site.add(number="22-B-0146", title="Adhésion au Club (655 € HT)", session="2022-03-18",
             published="2022-03-25", amounts=[{"value": "655.00", "tax": "HT"}])
    site.add(number="22-B-0184", title="Tarifs du musée", outcome="rejected", subject="7.1",
             published="2022-04-14")
    site.add({"body": "conseil"}, number="22-C-0045", title="Modification de l'adhésion",
             published="2022-04-20", amends=["22-B-0183"], vote={"unanimous": True})
    result = site.build()
    assert result.code == 0, result.err
    return site


def test_act_page_shows_every_fact_in_french(council: Site):
    page = doc(council, "deliberations/22-b-0183")
    assert page.get("lang") == "fr"
    assert words(page.cssselect("h1")[0]) == "Adhésion au Club Innovations et Culture – CLIC France"
    assert words(page.cssselect(".act-kicker")[0]) == "Bureau · Délibération n° 22-B-0183"
    assert words(page.cssselect(".act-status")[0]) == "Adoptée"
    assert facts(page) == {
        "Instance": "Bureau",
        "Séance": "8 avril 2022",
        "Mis en ligne le": "15 avril 2022 à 10:30",
        "Nature": "Délibération (DE)",
        "Matière": "8.9 Domaines de compétences par thèmes — Culture",
        "Décision": "Adoptée — pour : 30, contre : 5, abstentions : 3 (38 votants sur 40 membres)",
        "Signataire": "Damien Castelain, Président",
        "Contrôle de légalité": "Exécutoire depuis le 15 avril 2022. Transmis en préfecture le "
        "12 avril 2022, reçu le 13 avril 2022. Identifiant ACTES : "
        "059-200093201-20220408-lmc100000090231-DE",
    }
    assert [t.get("datetime") for t in page.cssselect(".facts time")] == ["2022-04-08", "2022-04-15T10:30:00"]


def test_amounts_table_in_french_format(council: Site):
    table = doc(council, "deliberations/22-b-0183").cssselect(".amounts table")[0]
    assert [words(th) for th in table.cssselect("thead th")] == [
        "Objet", "Montant", "Périodicité", "Bénéficiaire", "Imputation"]
    assert rows(table) == [
        ["Cotisation annuelle", "675,00\u00a0€\u00a0HT", "annuel",
         "SARL Sinapses Conseils (SIRET 20009320100016)", "Budget général 2022, section fonctionnement"],
        ["Travaux", "1\u202f234\u202f567,50\u00a0€\u00a0TTC", "—", "—", "section investissement"],
    ]


def test_documents_are_published_with_size_and_sha256(council: Site):
    page = doc(council, "deliberations/22-b-0183")
    (item,) = page.cssselect(".documents li")
    link = item.cssselect("a")[0]
    assert words(link) == "Délibération signée"
    assert link.get("href") == f"{SITEURL}/documents/2022/22-B-0183.pdf"
    digest = hashlib.sha256(SIGNED_PDF).hexdigest()
    assert words(item) == f"Délibération signée (PDF, {len(SIGNED_PDF)} octets) — SHA-256 : {digest}"
    assert (council.output / "documents/2022/22-B-0183.pdf").read_bytes() == SIGNED_PDF


def test_relations_are_shown_both_ways(council: Site):
    def relations(url):
        return [words(li) for li in doc(council, url).cssselect(".relations li")]

    assert relations("deliberations/22-b-0183") == [
        "Rapporte 22-B-0146 (Adhésion au Club (655 € HT))",
        "Modifiée par 22-C-0045 (Modification de l'adhésion)",
    ]
    assert relations("deliberations/22-b-0146") == [
        "Rapportée par 22-B-0183 (Adhésion au Club Innovations et Culture – CLIC France)"]
    assert relations("deliberations/22-c-0045") == [
        "Modifie 22-B-0183 (Adhésion au Club Innovations et Culture – CLIC France)"]
    repealed = doc(council, "deliberations/22-b-0146")
    assert words(repealed.cssselect(".notice")[0]) == (
        "Cet acte a été rapporté par 22-B-0183 (Adhésion au Club Innovations et Culture – CLIC France).")
    link = repealed.cssselect(".relations a")[0]
    assert link.get("href") == f"{SITEURL}/deliberations/22-b-0183/"


def test_full_text_is_clean_html_under_its_heading(council: Site):
    page = doc(council, "deliberations/22-b-0183")
    text = page.cssselect(".act-text")[0]
    assert [h.tag for h in text.iter("h2", "h3")] == ["h2", "h3"]
    assert words(text.cssselect("h3")[0]) == "I. Rappel du contexte"
    assert [words(li) for li in text.cssselect("ol li")] == [
        "De rapporter la délibération n° 22-B-0146 ;", "D’adhérer au Club Innovations & Culture."]
    assert page.cssselect("script") == []
    assert "alert" not in council.page("deliberations/22-b-0183")


def test_sitting_page_lists_every_act_examined_adopted_or_not(council: Site):
    page = doc(council, "seances/2022-04-08-bureau")
    assert words(page.cssselect("h1")[0]) == "Bureau — séance du 8 avril 2022"
    assert words(page.cssselect("main p")[0]) == "2 actes examinés lors de cette séance, adoptés ou non :"
    assert rows(page.cssselect("table")[0]) == [
        ["22-B-0183", "Adhésion au Club Innovations et Culture – CLIC France", "adoptée"],
        ["22-B-0184", "Tarifs du musée", "rejetée"],
    ]
    conseil = doc(council, "seances/2022-04-08-conseil")
    assert rows(conseil.cssselect("table")[0]) == [
        ["22-C-0045", "Modification de l'adhésion", "adoptée à l'unanimité"]]
    sittings = [words(li) for li in doc(council, "seances").cssselect(".sitting-list li")]
    assert sittings == ["Conseil — séance du 8 avril 2022 (1 acte)",
                        "Bureau — séance du 8 avril 2022 (2 actes)",
                        "Bureau — séance du 18 mars 2022 (1 acte)"]


def listed(site: Site, url: str) -> list[str]:
    return [words(n) for n in doc(site, url).cssselect(".act-list .act-number")]


def test_listings_show_newest_first_with_amounts(council: Site):
    assert listed(council, "") == ["22-C-0045", "22-B-0183", "22-B-0184", "22-B-0146"]
    assert listed(council, "instances/bureau") == ["22-B-0183", "22-B-0184", "22-B-0146"]
    assert listed(council, "instances/conseil") == ["22-C-0045"]
    assert listed(council, "matieres/8") == ["22-C-0045", "22-B-0183", "22-B-0146"]
    assert listed(council, "matieres/7.1") == ["22-B-0184"]
    assert listed(council, "annees/2022") == ["22-C-0045", "22-B-0183", "22-B-0184", "22-B-0146"]
    items = [words(li) for li in doc(council, "instances/bureau").cssselect(".act-facts")]
    assert items == [
        "Bureau · séance du 8 avril 2022 · 1\u202f235\u202f242,50\u00a0€",  # HT + TTC: no label
        "Bureau · séance du 8 avril 2022 · rejetée",
        "Bureau · séance du 18 mars 2022 · 655,00\u00a0€\u00a0HT",
    ]


def test_listings_keep_older_acts_in_archive_pages_numbered_from_the_oldest(site: Site):
    site.configure(extra="DELIBERATIONS_PER_PAGE = 2")
    for i, (body, subject, day) in enumerate([
        ("bureau", "8.9", "2021-01-15"), ("bureau", "8.1", "2021-06-15"), ("conseil", "8.9", "2022-01-15"),
        ("bureau", "8.9", "2022-02-15"), ("bureau", "8.9", "2022-03-15"),
    ]):
        site.add({"body": body}, number=f"A-{i}", subject=subject, session=day, published=day)
    result = site.build()
    assert result.code == 0, result.err
    # The first page holds what does not fill an archive page of two yet.
    assert listed(site, "") == ["A-4", "A-3", "A-2"]
    assert listed(site, "page/1") == ["A-1", "A-0"]
    assert not (site.output / "page/2").exists()
    assert listed(site, "instances/bureau") == ["A-4", "A-3"]
    assert listed(site, "instances/bureau/page/1") == ["A-1", "A-0"]
    assert listed(site, "matieres/8") == ["A-4", "A-3", "A-2"]
    assert listed(site, "matieres/8/page/1") == ["A-1", "A-0"]
    assert listed(site, "matieres/8.9") == ["A-4", "A-3"]
    assert listed(site, "matieres/8.9/page/1") == ["A-2", "A-0"]
    assert listed(site, "annees/2021") == ["A-1", "A-0"]
    assert not (site.output / "annees/2021/page/1").exists()
    first = doc(site, "").cssselect("nav.pager")[0]
    assert [(a.get("rel"), a.get("href"), words(a)) for a in first.cssselect("a")] == [
        ("next", "/page/1/", "Plus anciennes →")]
    pager = doc(site, "page/1").cssselect("nav.pager")[0]
    assert words(pager) == "← Plus récentes Actes publiés du 15 janvier 2021 au 15 juin 2021"
    assert [(a.get("rel"), a.get("href")) for a in pager.cssselect("a")] == [("prev", "/")]
    assert "publiées du 15 janvier 2021 au 15 juin 2021" in doc(site, "page/1").findtext(".//title")


def test_an_archive_page_of_an_act_whose_publication_date_is_unknown_is_named_by_its_sitting(site: Site):
    site.configure(extra="DELIBERATIONS_PER_PAGE = 1")
    site.add(yaml.safe_dump({**BASE_ACT, "number": "A-0", "session": "2021-01-15", "published": None},
                            allow_unicode=True, sort_keys=False), path="A-0.md")
    site.add(number="A-1", session="2021-06-15", published="2021-06-20")
    result = site.build()
    assert result.code == 0, result.err
    assert listed(site, "page/1") == ["A-0"] and listed(site, "") == ["A-1"]
    assert words(doc(site, "page/1").cssselect("h1")[0]) == (
        "Délibérations (publiées du 15 janvier 2021 au 15 janvier 2021)")


def test_an_archive_page_keeps_its_acts_when_an_act_is_published(site: Site):
    site.configure(extra="DELIBERATIONS_PER_PAGE = 2")
    days = ["2021-01-15", "2021-02-15", "2021-03-15", "2021-04-15", "2021-05-15", "2021-06-15"]
    for i, day in enumerate(days[:4]):
        site.add(number=f"A-{i}", session=day, published=day)
    assert site.build().code == 0
    assert listed(site, "page/1") == ["A-1", "A-0"] and listed(site, "") == ["A-3", "A-2"]
    archive = (site.output / "page/1/index.html").stat()
    site.add(number="A-4", session=days[4], published=days[4])
    assert site.build().code == 0
    assert listed(site, "") == ["A-4", "A-3", "A-2"]
    assert listed(site, "page/1") == ["A-1", "A-0"]
    kept = (site.output / "page/1/index.html").stat()
    assert (kept.st_ino, kept.st_mtime_ns) == (archive.st_ino, archive.st_mtime_ns)  # not rewritten
    site.add(number="A-5", session=days[5], published=days[5])
    assert site.build().code == 0
    # A full page more: the first page gives its oldest acts to a new archive page.
    assert listed(site, "") == ["A-5", "A-4"]
    assert listed(site, "page/2") == ["A-3", "A-2"]
    assert listed(site, "page/1") == ["A-1", "A-0"]
    assert [a.get("href") for a in doc(site, "page/1").cssselect("nav.pager a")] == ["/page/2/"]
    assert [a.get("href") for a in doc(site, "page/2").cssselect("nav.pager a")] == ["/", "/page/1/"]


def test_siteurl_with_a_trailing_slash_gives_clean_links(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL + "/")
    site.add()
    assert site.build().code == 0
    links = [a.get("href") for a in doc(site, "").cssselect("a")]
    assert f"{SITEURL}/deliberations/22-b-0183/" in links
    assert not [link for link in links if "//" in link.removeprefix("https://")]


@pytest.mark.parametrize("number, slug", [
    ("22-B-0183", "22-b-0183"), ("20 C 0008", "20-c-0008"), ("DEL2023_087", "del2023-087"),
])
def test_act_url_derives_from_the_number(site: Site, number, slug):
    site.add(number=number, title="Un titre qui ne compte pas pour l'adresse")
    assert site.build().code == 0
    assert words(doc(site, f"deliberations/{slug}").cssselect(".act-number")[0]) == number
    assert doc(site, "").cssselect(".act-list a")[0].get("href") == f"/deliberations/{slug}/"


def test_about_page_explains_what_is_published(council: Site):
    page = doc(council, "a-propos")
    assert words(page.cssselect("h1")[0]) == "À propos et données ouvertes"
    text = words(page.cssselect("main")[0])
    assert "Métropole Européenne de Lille" in text and "L.2131-1" in text
    assert page.cssselect("main a[href='https://www.etalab.gouv.fr/licence-ouverte-open-licence/']")
    links = {a.get("href") for a in page.cssselect("main a")}
    assert {f"{SITEURL}/{where}/" for where in ("seances", "instances", "matieres", "annees")} <= links


def all_pages(site: Site) -> list[Path]:
    pages = sorted(site.output.rglob("*.html"))
    assert len(pages) > 15
    return pages


def test_every_page_is_french_with_one_title_and_landmarks(council: Site):
    for path in all_pages(council):
        page = html.fromstring(path.read_text(encoding="utf-8"))
        assert page.get("lang") == "fr", path
        assert len(page.cssselect("h1")) == 1, path
        assert len(page.cssselect("main#contenu")) == 1, path
        assert page.cssselect("a.skip")[0].get("href") == "#contenu", path


def test_no_external_resources(council: Site):
    """Scripts, styles, images, fonts and frames come from the site itself: no CDN, no tracker."""
    for path in all_pages(council):
        page = html.fromstring(path.read_text(encoding="utf-8"))
        urls = [el.get("src") for el in page.xpath("//*[@src]")]
        urls += [el.get("href") for el in page.xpath("//link[@href]")
                 if el.get("rel") not in ("canonical", "alternate")]
        urls += [el.get("data") for el in page.xpath("//object[@data]")]
        for url in urls:
            host = urlsplit(url).netloc
            assert host in ("", urlsplit(SITEURL).netloc), f"{path}: {url}"
    for css in council.output.rglob("*.css"):
        text = css.read_text(encoding="utf-8")
        assert "@import" not in text, css
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", text), css


def test_print_stylesheet_is_linked_on_every_page(council: Site):
    for path in all_pages(council):
        page = html.fromstring(path.read_text(encoding="utf-8"))
        (link,) = page.cssselect('link[rel="stylesheet"][media="print"]')
        target = council.output / urlsplit(link.get("href")).path.lstrip("/")
        assert target.is_file(), path


def test_bundled_content_builds_and_links_the_repealed_act(tmp_path):
    result = run("build", "--settings", str(PROJECT / "pelicanconf.py"),
                 "--output", str(tmp_path / "out"), cwd=PROJECT)
    assert result.code == 0, result.err
    seed = html.fromstring((tmp_path / "out/deliberations/22-b-0183/index.html").read_text())
    shown = facts(seed)
    assert shown["Séance"] == "8 avril 2022"
    assert shown["Mis en ligne le"] == "15 avril 2022"
    assert shown["Décision"] == "Adoptée à l'unanimité"
    assert shown["Contrôle de légalité"].startswith("Exécutoire depuis le 15 avril 2022.")
    assert "059-200093201-20220408-lmc100000090231-DE" in shown["Contrôle de légalité"]
    assert [words(li) for li in seed.cssselect(".relations li")] == [
        "Rapporte 22-B-0146 (Adhésion au Club Innovation & Culture – CLIC France)"]
    assert seed.cssselect(".relations a")[0].get("href") == "/deliberations/22-b-0146/"
    assert [words(li) for li in seed.cssselect(".act-text ol li")][0].startswith(
        "De rapporter la délibération n° 22-B-0146")
    older = html.fromstring((tmp_path / "out/deliberations/22-b-0146/index.html").read_text())
    assert facts(older)["Mis en ligne le"] == "date non connue"
    assert [words(li) for li in older.cssselect(".relations li")] == [
        "Rapportée par 22-B-0183 (Adhésion au Club Innovations et Culture – CLIC France)"]
    sitting = (tmp_path / "out/seances/2022-04-08-bureau/index.html").read_text()
    assert "22-B-0183" in sitting


def test_front_matter_is_shown_as_text_never_as_html(site: Site):
    site.add(title="Tarifs <script>alert(1)</script> & taxes", summary='"><img src=x onerror=alert(1)>',
             amounts=[{"value": "1", "label": "<b>Prix</b>", "beneficiary": {"name": "A & B"}}])
    assert site.build().code == 0
    for url in ("deliberations/22-b-0183", "", "seances/2022-04-08-bureau"):
        page = doc(site, url)
        assert page.cssselect("script, img, main b") == [], url
    page = doc(site, "deliberations/22-b-0183")
    assert words(page.cssselect("h1")[0]) == "Tarifs <script>alert(1)</script> & taxes"
    assert page.cssselect('meta[name="description"]')[0].get("content") == '"><img src=x onerror=alert(1)>'
    assert rows(page.cssselect(".amounts table")[0])[0][:1] == ["<b>Prix</b>"]


def test_document_names_with_spaces_and_accents_get_working_links(site: Site):
    site.document("2022/Délibération signée n°1.pdf", SIGNED_PDF)
    site.add(documents=[{"file": "2022/Délibération signée n°1.pdf", "title": "Délibération signée"}])
    assert site.build().code == 0
    href = doc(site, "deliberations/22-b-0183").cssselect(".documents a")[0].get("href")
    assert href == "/documents/2022/D%C3%A9lib%C3%A9ration%20sign%C3%A9e%20n%C2%B01.pdf"
    assert (site.output / "documents/2022/Délibération signée n°1.pdf").read_bytes() == SIGNED_PDF

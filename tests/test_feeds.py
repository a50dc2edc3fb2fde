"""What a journalist's feed reader gets: the Atom feeds of real builds, read by real parsers."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
import yaml
from deliberations.feeds import _attribute, _text
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree, html

from .conftest import BASE_ACT, Site

SITEURL = "https://deliberations.example.org"
ATOM = "{http://www.w3.org/2005/Atom}"
HISTORY = "{http://purl.org/syndication/history/1.0}"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")

# number → (body, subject, published, amounts): each one tells a feed to hold it or not.
ACTS = {
    "22-B-0001": ("bureau", "7.1", "2022-04-01", [{"value": "999999.99", "tax": "HT"}]),
    "22-B-0002": ("bureau", "1.1", "2022-04-02", [{"value": "1000000.00", "tax": "HT"}]),
    "22-C-0003": ("conseil", "7.1", "2022-04-03", [{"value": "600000.00"}, {"value": "400000.00"}]),
    "22-C-0004": ("conseil", "8.9", "2022-04-04", [{"value": "2000000", "currency": "USD"}]),
    "22-C-0005": ("conseil", "2.1", "2022-04-05", [{"value": "99999.99"}]),
    "22-B-0006": ("bureau", "8.9", None, [{"value": "5000000"}]),  # online date unknown
}
EXPECTED = {
    "all": {"22-B-0001", "22-B-0002", "22-C-0003", "22-C-0004", "22-C-0005", "22-C-0007"},
    "instances/bureau": {"22-B-0001", "22-B-0002"},
    "instances/conseil": {"22-C-0003", "22-C-0004", "22-C-0005", "22-C-0007"},
    "matieres/1": {"22-B-0002"},
    "matieres/2": {"22-C-0005"},
    "matieres/7": {"22-B-0001", "22-C-0003", "22-C-0007"},
    "matieres/8": {"22-C-0004"},
    "matieres/3": set(),
    "montants/100000": {"22-B-0001", "22-B-0002", "22-C-0003", "22-C-0007"},
    "montants/1000000": {"22-B-0002", "22-C-0003"},
}


def add_acts(site: Site) -> None:
    for number, (body, subject, published, amounts) in ACTS.items():
        front = {**BASE_ACT, "number": number, "title": f"Acte {number}", "body": body,
                 "subject": subject, "session": "2022-03-30", "published": published,
                 "amounts": amounts}
        site.add(yaml.safe_dump(front, allow_unicode=True, sort_keys=False), path=f"{number}.md")
    site.document("2022/22-C-0007.pdf", b"%PDF-1.4 signed act")
    site.add({"body": "conseil"}, number="22-C-0007",
             title="Subvention à l'association « Les Amis & Co »", subject="7.1",
             session="2022-04-28", published="2022-05-02 10:30",
             modified="2022-05-03T09:00:00+00:00",
             vote={"members": 60, "voters": 55, "for": 50, "against": 3, "abstention": 2},
             amounts=[{"value": "100000.00", "tax": "HT", "label": "Subvention",
                       "beneficiary": {"name": "Les Amis & Co"}}],
             documents=[{"file": "2022/22-C-0007.pdf", "title": "Délibération signée"}])


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Site:
    site = Site(tmp_path_factory.mktemp("feeds") / "site", siteurl=SITEURL)
    add_acts(site)
    result = site.build()
    assert result.code == 0, result.err
    return site


def feed_files(output: Path) -> list[Path]:
    return sorted((output / "feeds").rglob("*.atom.xml"))


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path), etree.XMLParser(resolve_entities=False)).getroot()


def link(element, rel: str) -> str | None:
    found = [a.get("href") for a in element.findall(f"{ATOM}link") if a.get("rel", "alternate") == rel]
    assert len(found) <= 1, f"several rel={rel} links"
    return found[0] if found else None


def local(output: Path, url: str, siteurl: str = SITEURL) -> Path:
    assert url.startswith(f"{siteurl}/"), url
    return output / url.removeprefix(f"{siteurl}/")


def numbers(root) -> list[str]:
    return [e.findtext(f"{ATOM}title").split(" — ")[0] for e in root.iter(f"{ATOM}entry")]


def whole_feed(output: Path, name: str, siteurl: str = SITEURL) -> list[str]:
    """Every entry of a feed, as an RFC 5005 client gets it: the subscription document,
    then each archive through ``prev-archive``."""
    document = output / "feeds" / f"{name}.atom.xml"
    found, seen = [], set()
    while document is not None:
        assert document not in seen, "the archive chain loops"
        seen.add(document)
        root = parse(document)
        found += numbers(root)
        previous = link(root, "prev-archive")
        document = local(output, previous, siteurl) if previous else None
    return found


def test_every_feed_is_well_formed_and_follows_the_atom_rules(built: Site):
    files = feed_files(built.output)
    assert {str(p.relative_to(built.output / "feeds")) for p in files} >= {
        "all.atom.xml", "instances/bureau.atom.xml", "instances/conseil.atom.xml",
        "matieres/7.atom.xml", "matieres/9.atom.xml", "montants/100000.atom.xml",
        "montants/1000000.atom.xml"}
    for path in files:
        where = path.relative_to(built.output)
        parsed = feedparser.parse(path.read_bytes())
        assert not parsed.bozo, (where, parsed.get("bozo_exception"))
        assert parsed.version == "atom10"
        root = parse(path)
        assert root.tag == f"{ATOM}feed" and root.get(XML_LANG) == "fr"
        assert root.findtext(f"{ATOM}id").startswith("tag:deliberations.example.org,")
        assert root.findtext(f"{ATOM}title").strip()
        assert RFC3339.match(root.findtext(f"{ATOM}updated")), where
        assert root.findtext(f"{ATOM}author/{ATOM}name").strip()
        assert root.findtext(f"{ATOM}rights").strip()
        assert link(root, "self") == f"{SITEURL}/{where}"
        assert root.find(f"{ATOM}generator") is None
        for element in root.iter(f"{ATOM}link"):
            parts = urlsplit(element.get("href"))
            assert parts.scheme == "https" and parts.netloc, (where, element.get("href"))
        ids = [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")]
        assert len(ids) == len(set(ids)), where
        entries = root.findall(f"{ATOM}entry")
        if entries:
            assert root.findtext(f"{ATOM}updated") == max(
                (e.findtext(f"{ATOM}updated") for e in entries), key=datetime.fromisoformat)
        for entry in entries:
            assert entry.findtext(f"{ATOM}id").startswith("tag:deliberations.example.org,2022-07-01:")
            assert re.match(r"^22-[BC]-\d{4} — \S", entry.findtext(f"{ATOM}title"))
            for name in ("published", "updated"):
                assert RFC3339.match(entry.findtext(f"{ATOM}{name}")), (where, name)
            assert datetime.fromisoformat(entry.findtext(f"{ATOM}updated")) >= datetime.fromisoformat(
                entry.findtext(f"{ATOM}published"))
            assert entry.findtext(f"{ATOM}author/{ATOM}name").strip()
            assert entry.find(f"{ATOM}content").get("type") == "html"
            alternates = [a for a in entry.findall(f"{ATOM}link") if a.get("rel") == "alternate"]
            assert [a.get("type") for a in alternates] == ["text/html"]
            for category in entry.findall(f"{ATOM}category"):
                assert category.get("term").strip() and urlsplit(category.get("scheme")).scheme


def test_each_feed_holds_exactly_its_acts(built: Site):
    for name, expected in EXPECTED.items():
        assert set(whole_feed(built.output, name)) == expected, name


def test_the_feeds_are_newest_first_by_publication(built: Site):
    parsed = feedparser.parse((built.output / "feeds" / "all.atom.xml").read_bytes())
    assert [e.title.split(" — ")[0] for e in parsed.entries] == [
        "22-C-0007", "22-C-0005", "22-C-0004", "22-C-0003", "22-B-0002", "22-B-0001"]
    assert parsed.feed.title == "Toutes les délibérations — MEL"
    bureau = feedparser.parse((built.output / "feeds" / "instances" / "bureau.atom.xml").read_bytes())
    assert bureau.feed.title == "Délibérations — Bureau — MEL"
    assert bureau.feed.link == f"{SITEURL}/instances/bureau/"


def test_an_entry_tells_the_journalist_what_was_decided(built: Site):
    parsed = feedparser.parse((built.output / "feeds" / "montants" / "100000.atom.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.title.startswith("22-C-0007"))
    assert entry.title == "22-C-0007 — Subvention à l'association « Les Amis & Co »"
    assert entry.link == f"{SITEURL}/deliberations/22-c-0007/"
    assert entry.published == "2022-05-02T10:30:00+02:00"  # a naive time is a Paris time
    assert entry.updated == "2022-05-03T09:00:00+00:00"  # corrected: `modified`
    assert entry.author == "Métropole Européenne de Lille"
    assert {(t.term, t.label) for t in entry.tags} == {
        ("conseil", "Conseil"), ("7.1", "7.1 Finances locales — Décisions budgétaires")}
    enclosure = next(li for li in entry.links if li.rel == "enclosure")
    assert enclosure.href == f"{SITEURL}/documents/2022/22-C-0007.pdf"
    assert enclosure.type == "application/pdf" and enclosure.length == str(len(b"%PDF-1.4 signed act"))

    content = html.fromstring(entry.content[0].value)
    text = re.sub(r"[ \n]+", " ", content.text_content())  # no-break spaces are kept
    assert "Délibération du Conseil n° 22-C-0007, séance du 28 avril 2022." in text
    assert "Mise en ligne le 2 mai 2022 à 10:30, corrigée le 3 mai 2022" in text
    assert "Décision : adoptée — pour : 50, contre : 3, abstentions : 2 (55 votants sur 60 membres)." in text
    assert "100\u202f000,00\u00a0€\u00a0HT — Subvention (Les Amis & Co)" in text
    assert "Montant total" not in text  # a single amount

    hrefs = {a.text_content(): a.get("href") for a in content.iter("a")}
    assert hrefs == {
        "Lire l'acte sur le site": f"{SITEURL}/deliberations/22-c-0007/",
        "Délibération signée": f"{SITEURL}/documents/2022/22-C-0007.pdf",
        "Les données de l'acte en JSON": f"{SITEURL}/data/deliberations/22-c-0007.json",
    }


def test_an_entry_with_several_amounts_gives_their_total(built: Site):
    parsed = feedparser.parse((built.output / "feeds" / "montants" / "1000000.atom.xml").read_bytes())
    entry = next(e for e in parsed.entries if e.title.startswith("22-C-0003"))
    text = re.sub(r"[ \n]+", " ", html.fromstring(entry.content[0].value).text_content())
    assert "Montant total : 1\u202f000\u202f000,00\u00a0€" in text


def test_the_html_of_an_entry_is_escaped(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL)
    site.add(number="22-B-0100", title="Travaux <script>alert(1)</script> & co",
             summary="<b>pas du HTML</b>")
    assert site.build().code == 0
    parsed = feedparser.parse((site.output / "feeds" / "all.atom.xml").read_bytes())
    content = html.fromstring(parsed.entries[0].content[0].value)
    assert not content.xpath("//script|//b")
    assert "<b>pas du HTML</b>" in content.text_content()


def test_ids_survive_corrections_of_title_text_and_dates(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL)
    site.add(number="20 C 0008", title="Premier titre", session="2020-01-10", published="2020-01-15")
    assert site.build().code == 0
    before = feedparser.parse((site.output / "feeds" / "all.atom.xml").read_bytes()).entries[0]
    site.add(number="20 C 0008", title="Titre corrigé", session="2020-01-09", published="2020-01-16",
             modified="2020-02-01", body="Texte corrigé.")
    assert site.build().code == 0
    after = feedparser.parse((site.output / "feeds" / "all.atom.xml").read_bytes()).entries[0]
    assert after.title == "20 C 0008 — Titre corrigé"
    assert after.id == before.id == "tag:deliberations.example.org,2022-07-01:deliberations/20%20C%200008"
    assert after.link == before.link == f"{SITEURL}/deliberations/20-c-0008/"
    assert after.updated == "2020-02-01T00:00:00+01:00"


def test_two_builds_of_the_same_content_give_identical_feeds(built: Site, tmp_path):
    again = built.build()
    assert again.code == 0
    second = {p.relative_to(built.output): p.read_bytes() for p in feed_files(built.output)}
    copy = Site(tmp_path / "site", siteurl=SITEURL)
    add_acts(copy)
    assert copy.build().code == 0
    first = {p.relative_to(copy.output): p.read_bytes() for p in feed_files(copy.output)}
    assert first == second


def test_archives_keep_every_act_and_never_change(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL, extra_settings="FEED_MAX_ITEMS = 3")

    def add(n: int) -> None:
        site.add(number=f"22-B-{n:04d}", title=f"Acte {n}", session="2022-01-03",
                 published=f"2022-02-{n:02d}")

    for n in range(1, 11):
        add(n)
    assert site.build().code == 0
    feeds = site.output / "feeds"
    subscription = parse(feeds / "all.atom.xml")
    assert numbers(subscription) == ["22-B-0010", "22-B-0009", "22-B-0008"]
    assert subscription.find(f"{HISTORY}archive") is None
    assert link(subscription, "prev-archive") == f"{SITEURL}/feeds/archives/all/3.atom.xml"
    for n in (1, 2, 3):
        archive = parse(feeds / "archives" / "all" / f"{n}.atom.xml")
        assert archive.find(f"{HISTORY}archive") is not None
        assert link(archive, "current") == f"{SITEURL}/feeds/all.atom.xml"
        assert link(archive, "next-archive") is None
        assert len(numbers(archive)) == 3
        assert not feedparser.parse((feeds / "archives" / "all" / f"{n}.atom.xml").read_bytes()).bozo
    assert numbers(parse(feeds / "archives" / "all" / "1.atom.xml")) == [
        "22-B-0003", "22-B-0002", "22-B-0001"]
    chain = whole_feed(site.output, "all")
    assert sorted(set(chain)) == [f"22-B-{n:04d}" for n in range(1, 11)]
    archived = {p: p.read_bytes() for p in (feeds / "archives").rglob("*.atom.xml")}

    for n in range(11, 15):  # the next sitting: newer acts
        add(n)
    assert site.build().code == 0
    for path, data in archived.items():
        assert path.read_bytes() == data, f"{path} changed"
    assert (feeds / "archives" / "all" / "4.atom.xml").exists()
    assert sorted(set(whole_feed(site.output, "all"))) == [f"22-B-{n:04d}" for n in range(1, 15)]


def test_feed_pages_hold_fifty_entries_by_default(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL)
    for n in range(1, 52):
        site.add(number=f"22-B-{n:04d}", title=f"Acte {n}", session="2022-01-01",
                 published=f"2022-{1 + n // 28:02d}-{1 + n % 28:02d}")
    assert site.build().code == 0
    feeds = site.output / "feeds"
    assert len(numbers(parse(feeds / "all.atom.xml"))) == 50
    assert len(numbers(parse(feeds / "archives" / "all" / "1.atom.xml"))) == 50
    assert len(set(whole_feed(site.output, "all"))) == 51


def test_listing_pages_and_the_about_page_link_the_feeds(built: Site):
    out = built.output

    def announced(url: str) -> tuple[str, str, str]:
        page = html.fromstring(built.page(url))
        [head] = page.xpath('//head/link[@rel="alternate"][@type="application/atom+xml"]')
        [visible] = page.cssselect(".feed-link a[type='application/atom+xml']")
        assert visible.get("href") == head.get("href")
        title = parse(out / head.get("href").removeprefix(f"{SITEURL}/")).findtext(f"{ATOM}title")
        assert head.get("title") == title, url
        return head.get("href").removeprefix(f"{SITEURL}/"), title, visible.text_content()

    assert announced("instances/bureau")[:2] == (
        "feeds/instances/bureau.atom.xml", "Délibérations — Bureau — MEL")
    assert announced("matieres/7")[0] == "feeds/matieres/7.atom.xml"
    assert announced("matieres/7.1")[0] == "feeds/matieres/7.atom.xml"  # its level-1 subject
    assert announced("annees/2022")[0] == "feeds/all.atom.xml"
    assert announced("")[0] == "feeds/all.atom.xml"
    assert "Délibérations — Bureau — MEL" in announced("instances/bureau")[2]

    about = html.fromstring(built.page("a-propos"))
    [section] = about.xpath('//section[@aria-labelledby="flux"]')
    assert "lecteur de flux" in section.text_content()
    listed = {a.get("href").removeprefix(f"{SITEURL}/") for a in section.iter("a")}
    subscriptions = {str(p.relative_to(out)) for p in feed_files(out) if "archives" not in p.parts}
    assert listed == subscriptions
    labels = [a.text_content() for a in section.iter("a")]
    assert "1\u202f000\u202f000\u00a0€ ou plus" in labels


def test_a_local_build_without_siteurl_still_writes_usable_feeds(tmp_path):
    site = Site(tmp_path / "site")
    site.add()
    result = site.build()
    assert result.code == 0, result.err
    root = parse(site.output / "feeds" / "all.atom.xml")
    assert link(root, "self") == "/feeds/all.atom.xml"
    assert root.findtext(f"{ATOM}entry/{ATOM}id") == "tag:localhost,2022-07-01:deliberations/22-B-0183"
    assert not feedparser.parse((site.output / "feeds" / "all.atom.xml").read_bytes()).bozo


def test_a_wrong_amount_threshold_is_reported_and_nothing_is_written(tmp_path):
    site = Site(tmp_path / "site", siteurl=SITEURL,
                extra_settings="FEED_AMOUNT_THRESHOLDS = [1000000, 0]")
    site.add()
    result = site.build()
    assert result.code == 1
    assert "FEED_AMOUNT_THRESHOLDS: amount thresholds must be positive" in result.err
    assert not site.output.exists()


XML_TEXT = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)).filter(
    lambda c: c in "\t\n\r" or c >= " " and c not in "\ufffe\uffff"))


@given(XML_TEXT)
def test_any_text_of_an_entry_reads_back_exactly_and_is_written_as_lxml_writes_it(value):
    element = etree.Element("e", a=value)
    element.text = value
    written = f'<e a="{_attribute(value)}">{_text(value)}</e>'.encode()
    assert written == etree.tostring(element, encoding="UTF-8", xml_declaration=False)
    read = etree.fromstring(written)
    assert (read.text or "", read.get("a")) == (value, value)


def test_text_that_xml_cannot_hold_is_refused():
    with pytest.raises(ValueError):
        _text("bip \x07")

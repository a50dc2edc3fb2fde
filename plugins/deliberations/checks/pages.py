"""The pages against the content: every act, sitting and listing shows what the content says.

Expected listings are computed here from the corpus, independently of the page generator,
so that a page that drops or repeats an act is caught.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from ..facts import shared
from ..verify import INDEX, Check, register, text

ACT_PAGE = re.compile(r"^deliberations/([^/]+)/index\.html$")
SITTING_PAGE = re.compile(r"^seances/([^/]+)/index\.html$")
LISTING_PAGE = re.compile(r"^((?:instances|annees|matieres)/[^/]+/|)(?:page/(\d+)/)?index\.html$")


def _class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Compiled once: the same look-ups run on every page of a sitting or a listing.
SITTING_LINKS = etree.XPath("//main//table//a")
LISTING_LINKS = etree.XPath(f"//ul[{_class('act-list')}]//a")
ACT_NUMBER = "act-number"  # the class of the element that shows an act's number


def _first_of_class(doc, name: str):
    """The first element (in document order) of class ``name``; None if there is none."""
    for el in doc.iter(etree.Element):
        classes = el.get("class")
        if classes and name in classes.split():
            return el
    return None


def _text(element) -> str | None:
    return text(element) if element is not None else None


@register
class PagesCheck(Check):
    """Facts: ("act", number, title) of an act's page, ("sitting", links) of a sitting's page,
    ("listing", URL, links) of a listing's page, where links are the paths the list links to."""

    def extract(self, file):
        path = file.path
        if not path.endswith(INDEX):
            return None
        listing = LISTING_PAGE.match(path)
        if not (ACT_PAGE.match(path) or SITTING_PAGE.match(path) or listing) or file.html is None:
            return None  # an empty page was reported: as good as missing
        doc = file.html
        if ACT_PAGE.match(path):
            return "act", _text(_first_of_class(doc, ACT_NUMBER)), _text(next(doc.iter("h1"), None))
        if SITTING_PAGE.match(path):
            return "sitting", self._links(path, doc, SITTING_LINKS)
        return "listing", listing[1], self._links(path, doc, LISTING_LINKS)

    def _links(self, path, doc, xpath) -> tuple[str, ...]:
        found = (self.site.resolve(path, a.get("href", "")) for a in xpath(doc))
        return tuple(shared(target[0]) for target in found if target)

    def finish(self, facts):
        site = self.site
        corpus = site.corpus
        expected_sittings = {s.url + INDEX: s for s in corpus.sittings}
        page_of = site.page_of
        expected_listings = _listings(corpus, page_of)
        sitting_pages: dict[str, list[str]] = {}  # page → act pages it lists
        listed: dict[str, list[str]] = defaultdict(list)  # listing URL → act pages, all pages
        shown_acts = {}  # act page → (number, title) it shows
        for path, found in facts.items():
            if found[0] == "act":
                shown_acts[path] = found[1:]
            elif found[0] == "sitting":
                sitting_pages[path] = self._acts(found[1])
            elif found[1] in expected_listings:
                listed[found[1]].extend(self._acts(found[2]))
        act_pages = shown_acts.keys()
        expected_acts = {page: (" ".join(act.meta.number.split()), " ".join(act.meta.title.split()))
                         for page, act in site.acts_by_page.items()}
        for page, (number, title) in shown_acts.items() - expected_acts.items():
            act = site.acts_by_page.get(page)
            if act is None:
                continue
            if number != expected_acts[page][0]:
                site.error(page, f"does not show the number {act.meta.number!r} of {act.source}")
            if title != expected_acts[page][1]:
                site.error(page, f"does not show the title of {act.source}")
        for page, act in site.acts_by_page.items():
            if page not in act_pages:
                site.error(act.url, f"the page of {act.meta.number} ({act.source}) is missing")
        for page in sorted(act_pages - site.acts_by_page.keys()):
            site.error(page, "is the page of an act that is not in the content")
        for page, sitting in expected_sittings.items():
            shown = sitting_pages.get(page)
            if shown is None:
                site.error(sitting.url, "the page of this sitting is missing")
            elif sorted(shown) != sorted(page_of[id(a)] for a in sitting.acts):
                site.error(page, f"lists {len(shown)} acts; the content has {len(sitting.acts)} "
                           "for this sitting")
        for page in sorted(sitting_pages.keys() - expected_sittings.keys()):
            site.error(page, "is the page of a sitting that is not in the content")
        for url, expected in expected_listings.items():
            shown = listed.get(url, [])
            if len(shown) != len(expected) or set(shown) != expected:
                missing = sorted(expected - set(shown))
                site.error(url or "index.html",
                           f"the listing shows {len(shown)} acts over its pages; the content has "
                           f"{len(expected)}" + (f" (missing: {', '.join(missing[:3])}…)" if missing else ""))
        for act in corpus.acts:
            for doc in act.documents:
                if doc.url not in site.files:
                    site.error(doc.url, f"document of {act.meta.number} ({act.source}) is missing")
                elif (site.root / doc.url).stat().st_size != doc.size:
                    site.error(doc.url, f"document of {act.meta.number} differs from {doc.file}")

    def _acts(self, paths) -> list[str]:
        """The act pages among ``paths``."""
        acts, file_of = self.site.acts_by_page, self.site.file_of
        return [path if path in acts else file_of(path) for path in paths
                if path in acts or file_of(path) in acts]


def _listings(corpus, page_of: dict) -> dict[str, set[str]]:
    """Listing URL → the pages of the acts it must show, from the content alone."""
    groups: dict[tuple, set[str]] = defaultdict(set)  # (kind, value) → pages
    for act in corpus.acts:
        meta, page = act.meta, page_of[id(act)]
        groups["instances", meta.body].add(page)
        groups["annees", meta.session.year].add(page)
        groups["matieres", meta.subject].add(page)
    listings: dict[str, set[str]] = defaultdict(set, {"": set(page_of.values())})
    for (kind, value), pages in groups.items():
        listings[f"{kind}/{value}/"] |= pages
        if kind == "matieres":  # and the subject's first level: "7" for "7.1"
            listings[f"matieres/{value.split('.')[0]}/"] |= pages
    return listings

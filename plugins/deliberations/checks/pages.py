"""The pages against the content: every act, sitting and listing shows what the content says.

Expected listings are computed here from the corpus, independently of the page generator,
so that a page that drops or repeats an act is caught.
"""

from __future__ import annotations

import re
from collections import defaultdict

from lxml import etree

from ..verify import INDEX, Check, register, text

ACT_PAGE = re.compile(r"^deliberations/([^/]+)/index\.html$")
SITTING_PAGE = re.compile(r"^seances/([^/]+)/index\.html$")
LISTING_PAGE = re.compile(r"^((?:instances|annees|matieres)/[^/]+/|)(?:page/(\d+)/)?index\.html$")


def _class(name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


# Compiled once: the same look-ups run on every page.
ACT_NUMBER = etree.XPath(f"(//*[{_class('act-number')}])[1]")
TITLE = etree.XPath("(//h1)[1]")
SITTING_LINKS = etree.XPath("//main//table//a")
LISTING_LINKS = etree.XPath(f"//ul[{_class('act-list')}]//a")


def _text(doc, xpath) -> str | None:
    found = xpath(doc)
    return text(found[0]) if found else None


@register
class PagesCheck(Check):
    def __init__(self, site):
        super().__init__(site)
        corpus = site.corpus
        self.act_pages: set[str] = set()
        self.sitting_pages: dict[str, list[str]] = {}  # page → act pages it lists
        self.listed: dict[str, list[str]] = defaultdict(list)  # listing URL → act pages, all pages
        self.expected_sittings = {s.url + INDEX: s for s in corpus.sittings}
        self.expected_listings = _listings(corpus)

    def page(self, path, doc, raw):
        site = self.site
        if ACT_PAGE.match(path):
            self.act_pages.add(path)
            act = site.acts_by_page.get(path)
            if act is None:
                return
            if _text(doc, ACT_NUMBER) != " ".join(act.meta.number.split()):
                site.error(path, f"does not show the number {act.meta.number!r} of {act.source}")
            if _text(doc, TITLE) != " ".join(act.meta.title.split()):
                site.error(path, f"does not show the title of {act.source}")
        elif SITTING_PAGE.match(path):
            self.sitting_pages[path] = self._act_links(path, doc, SITTING_LINKS)
        elif (m := LISTING_PAGE.match(path)) and m[1] in self.expected_listings:
            self.listed[m[1]].extend(self._act_links(path, doc, LISTING_LINKS))

    def _act_links(self, path, doc, xpath) -> list[str]:
        found = []
        for a in xpath(doc):
            target = self.site.target(path, a.get("href", ""))
            if target and target[0] in self.site.acts_by_page:
                found.append(target[0])
        return found

    def finish(self):
        site = self.site
        for page, act in site.acts_by_page.items():
            if page not in self.act_pages:
                site.error(act.url, f"the page of {act.meta.number} ({act.source}) is missing")
        for page in sorted(self.act_pages - site.acts_by_page.keys()):
            site.error(page, "is the page of an act that is not in the content")
        for page, sitting in self.expected_sittings.items():
            listed = self.sitting_pages.get(page)
            if listed is None:
                site.error(sitting.url, "the page of this sitting is missing")
            elif sorted(listed) != sorted(a.url + INDEX for a in sitting.acts):
                site.error(page, f"lists {len(listed)} acts; the content has {len(sitting.acts)} "
                           "for this sitting")
        for page in sorted(self.sitting_pages.keys() - self.expected_sittings.keys()):
            site.error(page, "is the page of a sitting that is not in the content")
        for url, acts in self.expected_listings.items():
            listed = self.listed.get(url, [])
            expected = {a.url + INDEX for a in acts}
            if len(listed) != len(expected) or set(listed) != expected:
                missing = sorted(expected - set(listed))
                site.error(url or "index.html",
                           f"the listing shows {len(listed)} acts over its pages; the content has "
                           f"{len(expected)}" + (f" (missing: {', '.join(missing[:3])}…)" if missing else ""))
        for act in site.corpus.acts:
            for doc in act.documents:
                if doc.url not in site.files:
                    site.error(doc.url, f"document of {act.meta.number} ({act.source}) is missing")
                elif (site.root / doc.url).stat().st_size != doc.size:
                    site.error(doc.url, f"document of {act.meta.number} differs from {doc.file}")


def _listings(corpus) -> dict[str, list]:
    """Listing URL → the acts it must show, from the content alone."""
    listings: dict[str, list] = defaultdict(list)
    for act in corpus.acts:
        meta = act.meta
        for url in ("", f"instances/{meta.body}/", f"annees/{meta.session.year}/",
                    f"matieres/{meta.subject.split('.')[0]}/", f"matieres/{meta.subject}/"):
            listings[url].append(act)
    return listings

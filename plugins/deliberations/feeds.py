"""Atom feeds for journalists: every act, per body, per ACTES subject, per amount threshold.

One Pelican generator, run after the page generator, reading the linked corpus from the
context. Each feed is a subscription document, ``feeds/<name>.atom.xml``, holding the newest
``FEED_MAX_ITEMS`` entries, and RFC 5005 archive documents,
``feeds/archives/<name>/<n>.atom.xml``, that hold every older one.

Archive pages are cut from the *oldest* act: page 1 holds the ``FEED_MAX_ITEMS`` oldest acts,
page 2 the next ones, and a page is written only once it is full. Acts arrive in order of
publication, so a new act only ever adds to the subscription document and, every
``FEED_MAX_ITEMS`` acts, creates one new archive page: the pages already written keep their
URL, their entries and their bytes (RFC 5005: archive documents should not change). For that
reason an archive page has no ``next-archive`` link (it would change once the next page is
cut); clients walk back from the subscription document through ``prev-archive``.

Nothing here reads the clock: dates come from the acts, so two builds of the same content
give byte-identical feeds.
"""

from __future__ import annotations

import mimetypes
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from urllib.parse import quote, urlsplit

from feedgen.ext.base import BaseExtension
from feedgen.feed import FeedGenerator
from lxml import etree
from pelican.generators import Generator

from . import actes, cache, formatting, parallel, timings
from . import settings as site_settings
from .model import PARIS, Deliberation
from .outputs import outputs_for
from .pages import CORPUS, act_inputs

FEEDS_DIR = "feeds"
ARCHIVES_DIR = "feeds/archives"
HISTORY_NS = "http://purl.org/syndication/history/1.0"  # RFC 5005 (fh:archive)
# The date in a tag: URI (RFC 4151) is part of every id, so it is fixed once and for all: the
# day online publication of acts became the rule (CGCT R.2131-1), when the site's domain is
# taken to belong to the collectivity.
TAG_DATE = "2022-07-01"
LOCAL_AUTHORITY = "localhost"  # id authority of a build without SITEURL: a preview, never deployed
NO_ENTRY_UPDATED = datetime(2022, 7, 1, tzinfo=PARIS)  # `updated` of a feed with no entry yet
ENTRY_TEMPLATE = "feed_entry"
FEED_END = b"</feed>\n"
# The characters XML 1.0 allows (lxml refuses to write the others).
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

# Context keys the templates read.
FEEDS = "FEEDS"  # every feed, in the order the about page lists them
FEED_FOR = "FEED_FOR"  # site-relative feed URL → feed
FEED_ALL = "FEED_ALL"


@dataclass
class Feed:
    """One logical feed: what it follows and its acts, newest first."""

    name: str  # "instances/bureau": the feed is feeds/<name>.atom.xml
    kind: str  # "all", "instances", "matieres" or "montants"
    label: str  # what it follows, e.g. "Bureau", "7. Finances locales"
    title: str  # « Délibérations — Bureau — MEL »
    page: str  # site-relative URL of the matching HTML page
    acts: list = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{FEEDS_DIR}/{self.name}.atom.xml"

    def archive_url(self, number: int) -> str:
        return f"{ARCHIVES_DIR}/{self.name}/{number}.atom.xml"


def moment(value: date | datetime) -> datetime:
    """An aware datetime: dates are midnight in Paris, naive times are Paris times."""
    if not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    return value if value.tzinfo else value.replace(tzinfo=PARIS)


def published(meta: Deliberation) -> datetime:
    return moment(meta.published)


def updated(meta: Deliberation) -> datetime:
    """``modified`` when the act was corrected, else ``published``; never before ``published``
    (a correction dated by its day alone may fall before a publication dated to the minute)."""
    if meta.modified is None:
        return published(meta)
    return max(moment(meta.modified), published(meta))


def order(act) -> tuple[datetime, str]:
    """Sort key of the acts in a feed: publication, then number."""
    return published(act.meta), act.meta.number


def threshold_name(threshold: Decimal) -> str:
    """File name of an amount feed: 1000000 → "1000000", 1500.50 → "1500.5"."""
    return format(threshold.normalize(), "f")


def define_feeds(site: site_settings.SiteSettings, acts: list) -> list[Feed]:
    """Every feed of the site, filled with its acts, newest first.

    A feed exists for every body, every level-1 ACTES subject and every threshold even
    before its first act, so that a journalist can subscribe to a beat in advance. Acts
    whose publication date is unknown (``published: null``: known only from a later act)
    were never newly published: they are in no feed.
    """
    who = site.COLLECTIVITY.display_name
    listed_groups = {a.meta.subject.split(".")[0] for a in acts}
    everything = Feed("all", "all", "Toutes les délibérations", f"Toutes les délibérations — {who}", "")
    feeds = [everything]
    for key, name in site.BODIES.items():
        # « Délibérations — Bureau », as the body's page: "du" would not fit every body's name.
        feeds.append(Feed(f"instances/{key}", "instances", name, f"Délibérations — {name} — {who}",
                          f"instances/{key}/"))
    for code, label in actes.subject_groups().items():
        feeds.append(Feed(f"matieres/{code}", "matieres", f"{code}. {label}",
                          f"Délibérations — Matière {code} : {label} — {who}",
                          f"matieres/{code}/" if code in listed_groups else "matieres/"))
    by_threshold = []
    for threshold in site.FEED_AMOUNT_THRESHOLDS:  # sorted by the settings
        shown = f"{formatting.number(threshold)}\u00a0€ ou plus"
        feed = Feed(f"montants/{threshold_name(threshold)}", "montants", shown,
                    f"Délibérations d'un montant total de {shown} — {who}", "a-propos/#flux")
        feeds.append(feed)
        by_threshold.append((threshold, feed))

    by_name = {f.name: f for f in feeds}
    online = [a for a in acts if a.meta.published is not None]
    online.sort(key=order, reverse=True)
    for act in online:
        meta = act.meta
        everything.acts.append(act)
        by_name[f"instances/{meta.body}"].acts.append(act)
        by_name[f"matieres/{meta.subject.split('.')[0]}"].acts.append(act)
        total = meta.total
        for threshold, feed in by_threshold:
            if total < threshold:
                break
            feed.acts.append(act)
    return feeds


@dataclass
class Document:
    """One Atom document of a feed: its subscription document or an archive page."""

    url: str
    acts: list  # newest first
    previous: str | None  # URL of the previous archive page (rel="prev-archive")
    archive: bool


def documents(feed: Feed, size: int) -> list[Document]:
    """The archive pages of ``feed``, oldest first, then its subscription document.

    Archive pages are the full pages of ``size`` acts counted from the oldest act; the
    acts left over are the newest, in the subscription document (the newest ``size``).
    """
    oldest_first = feed.acts[::-1]
    pages = [oldest_first[i : i + size] for i in range(0, len(oldest_first) - size + 1, size)]
    found = [Document(feed.archive_url(n), page[::-1], feed.archive_url(n - 1) if n > 1 else None,
                      archive=True)
             for n, page in enumerate(pages, start=1)]
    found.append(Document(feed.url, feed.acts[:size], found[-1].url if found else None,
                          archive=False))
    return found


class _ArchiveMarker(BaseExtension):
    """Adds RFC 5005's ``<fh:archive/>``, which marks an archive document."""

    def extend_ns(self):
        return {"fh": HISTORY_NS}

    def extend_atom(self, feed):
        etree.SubElement(feed, f"{{{HISTORY_NS}}}archive")
        return feed


class Atom:
    """Builds the Atom documents of a site: entries once per act, documents per feed page."""

    def __init__(self, site: site_settings.SiteSettings, render_content, uses: Counter):
        self.site = site
        self.base = site.SITEURL.rstrip("/")
        host = urlsplit(site.SITEURL).hostname
        self.authority = host.encode("idna").decode("ascii") if host else LOCAL_AUTHORITY
        self.render_content = render_content  # act, links → HTML
        # How many documents will carry each act: its entry is dropped after the last one,
        # so that memory does not grow with the number of acts.
        self._uses = uses
        self._entries: dict[str, tuple[bytes, datetime]] = {}

    @property
    def is_local(self) -> bool:
        return self.authority == LOCAL_AUTHORITY

    def url(self, path: str) -> str:
        """Absolute URL of a site path (root-relative when SITEURL is empty)."""
        return f"{self.base}/{quote(path, safe='/#')}"

    def tag(self, specific: str) -> str:
        return f"tag:{self.authority},{TAG_DATE}:{specific}"

    def entry_id(self, number: str) -> str:
        """The act's id: its number under the site's domain, whatever its title or dates."""
        return self.tag(f"deliberations/{quote(number, safe='')}")

    def entry(self, act) -> tuple[bytes, datetime]:
        """The act's entry, as XML, and its ``updated`` date, built once and shared by every feed."""
        number = act.meta.number
        cached = self._entries.get(number) or self._build_entry(act)
        self._uses[number] -= 1
        if self._uses[number] > 0:
            self._entries[number] = cached
        else:
            self._entries.pop(number, None)
        return cached

    def _build_entry(self, act) -> tuple[bytes, datetime]:
        meta, site = act.meta, self.site
        subject = actes.subjects()[meta.subject]
        when = updated(meta)
        links = {
            "page": self.url(act.url),
            "json": self.url(act.json_url),
            "documents": [
                {"title": d.title, "href": self.url(d.url), "size": d.size,
                 "kind": d.file.rsplit(".", 1)[-1].upper() if "." in d.file else "fichier"}
                for d in act.documents
            ],
        }
        author = self._author()
        entry = [
            "  <entry>\n",
            f"    <id>{_text(self.entry_id(meta.number))}</id>\n",
            f"    <title>{_text(f'{meta.number} — {meta.title}')}</title>\n",
            f"    <updated>{when.isoformat()}</updated>\n",
            f"    <author>\n      <name>{_text(author['name'])}</name>\n",
            f"      <uri>{_text(author['uri'])}</uri>\n" if "uri" in author else "",
            "    </author>\n",
            f'    <content type="html">{_text(self.render_content(act, links))}</content>\n',
            _link(href=links["page"], rel="alternate", type="text/html"),
        ]
        for doc, linked in zip(act.documents, links["documents"], strict=True):
            kind = mimetypes.guess_type(doc.file)[0] or "application/octet-stream"
            entry.append(_link(href=linked["href"], rel="enclosure", type=kind, title=doc.title,
                               length=str(doc.size)))
        entry.append(_link(href=links["json"], rel="related", type="application/json",
                           title=f"{meta.number} en JSON"))
        if meta.summary:
            entry.append(f"    <summary>{_text(meta.summary)}</summary>\n")
        for term, label, scheme in (
                (meta.body, site.BODIES[meta.body], "instances/"),
                (meta.subject, f"{subject.code} {subject.level1_label} — {subject.label}", "matieres/")):
            entry.append(_element("category", term=term, scheme=None if self.is_local else self.url(scheme),
                                  label=label))
        entry.append(f"    <published>{published(meta).isoformat()}</published>\n  </entry>\n")
        return "".join(entry).encode(), when

    def _author(self) -> dict:
        author = {"name": self.site.COLLECTIVITY.name}
        if not self.is_local:
            author["uri"] = self.url("")
        return author

    def _category(self, term: str, label: str, scheme: str) -> dict:
        category = {"term": term, "label": label}
        if not self.is_local:  # a scheme must be an absolute IRI
            category["scheme"] = self.url(scheme)
        return category

    def document(self, feed: Feed, doc: Document) -> bytes:
        """The Atom XML of one document of ``feed``."""
        site = self.site
        fg = FeedGenerator()
        fg.generator("")  # feedgen's default names its version: not part of the content
        fg.id(self.tag(f"{FEEDS_DIR}/{feed.name}"))
        fg.title(feed.title)
        fg.language("fr")
        fg.author(self._author())
        fg.rights(f"{site.LICENSE.name} — {site.LICENSE.url}")
        fg.link(href=self.url(doc.url), rel="self", type="application/atom+xml")
        fg.link(href=self.url(feed.page), rel="alternate", type="text/html")
        fg.link(href=site.LICENSE.url, rel="license")
        if doc.archive:
            fg.link(href=self.url(feed.url), rel="current", type="application/atom+xml")
            fg.register_extension("fh", _ArchiveMarker, atom=True, rss=False)
        if doc.previous:
            fg.link(href=self.url(doc.previous), rel="prev-archive", type="application/atom+xml")
        entries, changes = [], []
        for act in doc.acts:
            entry, when = self.entry(act)
            entries.append(entry)
            changes.append(when)
        fg.updated(max(changes, default=NO_ENTRY_UPDATED))
        # feedgen writes the entries last, indented by two spaces: the XML of the entries,
        # made once for every feed, goes in before the closing tag.
        head = fg.atom_str(pretty=True)
        return head.removesuffix(FEED_END) + b"".join(entries) + FEED_END


def _text(value: str) -> str:
    """Text content escaped as lxml writes it."""
    if _NOT_XML.search(value):
        raise ValueError(f"All strings must be XML compatible: {value!r}")
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _attribute(value: str) -> str:
    """An attribute value escaped as lxml writes it."""
    return (_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;"))


def _element(name: str, **attributes: str | None) -> str:
    """An empty element of an entry, its attributes in the given order (those None left out)."""
    shown = "".join(f' {key}="{_attribute(value)}"' for key, value in attributes.items() if value)
    return f"    <{name}{shown}/>\n"


def _link(**attributes: str) -> str:
    return _element("link", **attributes)


class FeedsGenerator(Generator):
    """Writes every feed under ``feeds/`` and gives the templates the list of feeds."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site_settings.load(self.settings)
        self.env.filters.update(formatting.FILTERS)
        # This generator's own environment: its HTML is escaped (titles are untrusted text).
        self.env.autoescape = True

    def generate_context(self):
        corpus = self.context[CORPUS]
        self.feeds = define_feeds(self.site, corpus.acts)
        self.context[FEEDS] = self.feeds
        self.context[FEED_FOR] = {f.url: f for f in self.feeds}
        self.context[FEED_ALL] = self.feeds[0]

    def generate_output(self, writer=None):
        with timings.phase("feeds"):
            self.write_feeds()

    def write_feeds(self):
        template = self.get_template(ENTRY_TEMPLATE)

        def render_content(act, links):
            return template.render(self.context, act=act, links=links)

        size = self.site.FEED_MAX_ITEMS
        out = outputs_for(self.settings, self.output_path)
        base = cache.build_key(self.settings, self.theme)
        shown = {act.meta.number: cache.digest(*act_inputs(act)) for act in self.feeds[0].acts}
        plan = []
        for feed in self.feeds:
            for doc in documents(feed, size):
                key = cache.digest(base, feed.title, feed.page, doc.url, str(doc.previous), str(doc.archive),
                                   *(shown[act.meta.number] for act in doc.acts))
                if not out.reuse(doc.url, key):  # archive pages, once full, never change
                    plan.append((feed, doc, key))
        # Documents in the order of their newest act: the documents that carry an act are
        # written close together, so few entries are held at a time (see Atom.entry).
        plan.sort(key=lambda item: (1, *order(item[1].acts[0])) if item[1].acts else (0,))

        def write_slice(start: int, stop: int) -> list:
            # Consecutive documents share their acts: each process builds the entries of its slice.
            part = plan[start:stop]
            atom = Atom(self.site, render_content, Counter(a.meta.number for _, d, _ in part for a in d.acts))
            return [out.write(doc.url, atom.document(feed, doc), key) for feed, doc, key in part]

        # One slice a worker: each slice builds the entries of its acts, and acts near a slice's
        # edge are built on both sides of it (16 slices would build a third more entries than acts).
        out.add(parallel.map_slices(write_slice, len(plan), self.site.BUILD_JOBS, per_worker=1))

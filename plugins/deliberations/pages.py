"""Page generator: the HTML a citizen reads, one Pelican generator.

``generate_context`` reads, validates and links every act (failing once, with every
problem, through :class:`ContentError`); ``generate_output`` renders the pages, then sends
:data:`pages_written`. The about page, which describes the exports, is written after them by
:class:`AboutPageGenerator`.

Every page is described first (:class:`Page`: URL, template, values and the *inputs* it
shows), then those whose inputs did not change since the last build are kept and the others
rendered on all cores.

An act appears in several listings (home, body, subject, year): its item in a list is
rendered once (the ``act_item`` macro) and kept in the build cache, so that a listing page
that changes (the first page of each listing a new act joins) is assembled from those items.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from blinker import signal
from markupsafe import Markup
from pelican.generators import Generator

from . import actes, cache, formatting, parallel, timings
from . import settings as site_settings
from .link import Corpus
from .outputs import outputs_for
from .pipeline import load_corpus
from .reader import Act

logger = logging.getLogger("deliberations")

CORPUS = "deliberations_corpus"  # context key other generators (exports, feeds) read
PROBLEMS = "deliberations_problems"
LIST_ITEMS = "list_items"  # what listings print for each act: act URL → HTML of its item
ITEMS_CACHE = "items"  # folder of the build cache that keeps them
PARALLEL_PAGES = 500  # pages to render from which they are shared among the cores
ABOUT = "a-propos/"  # the about page, which describes the exports: written after them

# Sent with the generator once its pages are written, the act pages included: the search index
# can begin (see deliberations.search.start_indexing) while the exports and feeds are written.
pages_written = signal("deliberations_pages_written")


@dataclass
class Listing:
    """A paginated list of acts: home, a body, a subject, a year."""

    url: str  # of the first page, e.g. "instances/bureau/"
    title: str
    acts: list
    feed: str | None = None  # site-relative URL of the matching Atom feed, if any
    description: str = ""


@dataclass
class Page:
    """One page to write: ``inputs`` are what it shows (None: rendered every time)."""

    url: str
    template: str
    values: dict
    inputs: tuple[str, ...] | None = None

    @property
    def path(self) -> str:
        return f"{self.url}index.html"


class DeliberationsGenerator(Generator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site_settings.load(self.settings)
        # Titles, names and labels may come from an import: escaped, as Pelican's env does not.
        # The act's text is already sanitized HTML; templates print it with `|safe`.
        self.env.autoescape = True
        self.env.filters.update(formatting.FILTERS)
        self.env.auto_reload = False  # templates do not change during a build: no check per page

    # -- context -------------------------------------------------------------------------

    def generate_context(self):
        corpus, problems = load_corpus(Path(self.path), self.site, jobs=self.site.BUILD_JOBS,
                                       cache_folder=Path(self.site.BUILD_CACHE_PATH))
        self.corpus: Corpus = corpus
        self.context[CORPUS] = corpus
        self.context[PROBLEMS] = problems
        for problem in problems.warnings:
            logger.warning("%s", problem)
        self.context.update(self._globals())

    def _globals(self) -> dict:
        site = self.site
        return {
            "COLLECTIVITY": site.COLLECTIVITY,
            "BODIES": site.BODIES,
            "LICENSE": site.LICENSE,
            "SUBJECTS": actes.subjects(),
            "SUBJECT_GROUPS": actes.subject_groups(),
            "NATURES": actes.natures(),
        }

    def listings(self) -> list[Listing]:
        acts = self.corpus.acts
        # One pass over the acts, newest first, grouped every way a listing needs.
        by: dict[tuple[str, object], list] = defaultdict(list)
        for a in acts:
            subject = a.meta.subject
            for group in (("body", a.meta.body), ("subject", subject.split(".")[0]),
                          ("subject", subject), ("year", a.year)):
                by[group].append(a)
        listings = [Listing("", "Dernières délibérations", acts)]
        for key, name in self.site.BODIES.items():
            listings.append(Listing(
                f"instances/{key}/", f"Délibérations — {name}",
                by[("body", key)], feed=f"feeds/instances/{key}.atom.xml"))
        groups = actes.subject_groups()
        for code, label in groups.items():
            if chosen := by.get(("subject", code)):
                listings.append(Listing(f"matieres/{code}/", f"Matière {code} : {label}", chosen,
                                        feed=f"feeds/matieres/{code}.atom.xml"))
        for code, subject in actes.subjects().items():
            if chosen := by.get(("subject", code)):
                listings.append(Listing(
                    f"matieres/{code}/", f"Matière {code} : {subject.label} ({subject.level1_label})", chosen,
                    feed=f"feeds/matieres/{subject.level1_code}.atom.xml"))
        for year in sorted({a.year for a in acts}, reverse=True):
            listings.append(Listing(f"annees/{year}/", f"Délibérations de {year}", by[("year", year)]))
        return listings

    # -- output --------------------------------------------------------------------------

    def generate_output(self, writer=None):
        with timings.phase("pages"):
            out = outputs_for(self.settings, self.output_path)
            base = cache.build_key(self.settings, self.theme)
            todo = []
            for page in self.pages():
                key = None if page.inputs is None else cache.digest(base, page.template, page.url,
                                                                    *page.inputs)
                if not out.reuse(page.path, key):
                    todo.append((page, key))
            for name in {page.template for page, _ in todo}:  # compiled once, before the workers fork
                self.get_template(name.removesuffix(".html"))
            self.items = self.list_items(base)

            def render(start: int, stop: int) -> list:
                return [self.render(out, *todo[i]) for i in range(start, stop)]

            # A rebuild renders a few hundred pages: starting workers would cost more than it saves.
            jobs = self.site.BUILD_JOBS if len(todo) >= PARALLEL_PAGES else 1
            out.add(parallel.map_slices(render, len(todo), jobs))
            self.copy_documents(out)
        pages_written.send(self)

    def pages(self):
        corpus = self.corpus
        for act in corpus.acts:
            yield Page(act.url, "deliberation.html", {"act": act}, act_inputs(act))
        for sitting in corpus.sittings:
            yield Page(sitting.url, "sitting.html", {"sitting": sitting},
                       tuple(a.digest for a in sitting.acts))
        listings = self.listings()
        for listing in listings:
            yield from self.listing_pages(listing)
        yield Page("seances/", "sittings.html", {"sittings": corpus.sittings})
        by_url = {li.url: li for li in listings}
        yield Page("instances/", "index_bodies.html",
                   {"bodies": [(k, n, by_url[f"instances/{k}/"]) for k, n in self.site.BODIES.items()]})
        yield Page("matieres/", "index_subjects.html", {"listings": by_url})
        yield Page("annees/", "index_years.html",
                   {"years": [li for li in listings if li.url.startswith("annees/")]})

    def listing_pages(self, listing: Listing):
        """The first page of a listing shows its newest acts; the older ones are in archive pages
        of ``DELIBERATIONS_PER_PAGE`` acts numbered from the oldest (``page/1/``). An archive page
        keeps its acts as new ones are published, so a link to it stays true and a new act
        rewrites the first pages of its listings only; the first page holds what does not fill
        an archive page yet (one to two pages' worth)."""
        size = self.site.DELIBERATIONS_PER_PAGE
        acts = listing.acts  # newest first
        archived = max(0, len(acts) // size - 1)
        newest = len(acts) - archived * size
        sittings = self.corpus.sittings[:10] if listing.url == "" else None
        shown = (listing.title, listing.feed or "", listing.description)
        yield Page(listing.url, "listing.html",
                   {"listing": listing, "page_acts": acts[:newest], "page": None, "archived": archived,
                    "sittings": sittings},
                   (*shown, str(archived), *(f"{s.url}{len(s.acts)}" for s in sittings or ()),
                    *(a.digest for a in acts[:newest])))
        for n in range(1, archived + 1):
            start = len(acts) - n * size
            page_acts = acts[start : start + size]
            # The newest archive page links to the first page, the others to the next archive page.
            yield Page(f"{listing.url}page/{n}/", "listing.html",
                       {"listing": listing, "page_acts": page_acts, "page": n, "archived": archived},
                       (*shown, str(n), str(n == archived), *(a.digest for a in page_acts)))

    def render(self, out, page: Page, key: str | None):
        html = self.get_template(page.template.removesuffix(".html")).render(
            self.context, page_url=page.url, **{LIST_ITEMS: self.items}, **page.values)
        return out.write(page.path, html, key)

    def list_items(self, base: str) -> dict[str, Markup]:
        """The HTML of every act's item in a list, by act URL: from the build cache, or rendered
        on all cores for the acts that are new or changed."""
        acts = self.corpus.acts
        store = cache.Store(Path(self.site.BUILD_CACHE_PATH) / ITEMS_CACHE).load()
        keys = [cache.digest(base, ITEMS_CACHE, act.digest) for act in acts]
        items = [store.get(key) for key in keys]
        missing = [i for i, item in enumerate(items) if item is None]
        macros = self.get_template("_macros").make_module(self.context)

        def render(start: int, stop: int) -> list[str]:
            return [str(macros.act_item(acts[i])) for i in missing[start:stop]]

        made = parallel.map_slices(render, len(missing), self.site.BUILD_JOBS)
        for i, item in zip(missing, made, strict=True):
            items[i] = item
            store.put(keys[i], item)
        store.save()
        return {act.url: Markup(item) for act, item in zip(acts, items, strict=True)}

    def copy_documents(self, out) -> None:
        for act in self.corpus.acts:
            for doc in act.documents:
                out.copy(Path(self.path) / self.site.DOCUMENTS_PATH / doc.file, doc.url,
                         cache.digest(doc.sha256))


class AboutPageGenerator(DeliberationsGenerator):
    """Writes the about page, which lists the exports with their sizes: after the exports."""

    def generate_context(self):
        self.corpus = self.context[CORPUS]

    def generate_output(self, writer=None):
        with timings.phase("pages"):
            self.items = {}
            self.render(outputs_for(self.settings, self.output_path), Page(ABOUT, "about.html", {}), None)


def act_inputs(act: Act) -> tuple[str, ...]:
    """What an act's page shows besides the act itself: related acts and documents."""
    related = [f"{relation} {t.digest if isinstance(t, Act) else t}"
               for relation in ("repeals", "amends", "repealed_by", "amended_by")
               for t in getattr(act, relation)]
    documents = [f"{d.file} {d.title} {d.size} {d.sha256}" for d in act.documents]
    return act.digest, *related, *documents

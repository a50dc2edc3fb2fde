"""Page generator: the HTML a citizen reads, one Pelican generator.

``generate_context`` reads, validates and links every act (failing once, with every
problem, through :class:`ContentError`); ``generate_output`` renders the pages.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass
from math import ceil
from pathlib import Path

from pelican.generators import Generator

from . import actes, formatting
from . import settings as site_settings
from .link import Corpus
from .pipeline import load_corpus

logger = logging.getLogger("deliberations")

CORPUS = "deliberations_corpus"  # context key other generators (exports, feeds) read
PROBLEMS = "deliberations_problems"


@dataclass
class Listing:
    """A paginated list of acts: home, a body, a subject, a year."""

    url: str  # of the first page, e.g. "instances/bureau/"
    title: str
    acts: list
    feed: str | None = None  # site-relative URL of the matching Atom feed, if any
    description: str = ""


class DeliberationsGenerator(Generator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site_settings.load(self.settings)
        # Titles, names and labels may come from an import: escaped, as Pelican's env does not.
        # The act's text is already sanitized HTML; templates print it with `|safe`.
        self.env.autoescape = True
        self.env.filters.update(formatting.FILTERS)

    # -- context -------------------------------------------------------------------------

    def generate_context(self):
        corpus, problems = load_corpus(Path(self.path), self.site)
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
        listings = [Listing("", "Dernières délibérations", acts)]
        for key, name in self.site.BODIES.items():
            listings.append(Listing(
                f"instances/{key}/", f"Délibérations — {name}",
                [a for a in acts if a.meta.body == key], feed=f"feeds/instances/{key}.atom.xml"))
        groups = actes.subject_groups()
        for code, label in groups.items():
            chosen = [a for a in acts if a.meta.subject.split(".")[0] == code]
            if chosen:
                listings.append(Listing(f"matieres/{code}/", f"Matière {code} : {label}", chosen,
                                        feed=f"feeds/matieres/{code}.atom.xml"))
        for code, subject in actes.subjects().items():
            chosen = [a for a in acts if a.meta.subject == code]
            if chosen:
                listings.append(Listing(
                    f"matieres/{code}/", f"Matière {code} : {subject.label} ({subject.level1_label})", chosen,
                    feed=f"feeds/matieres/{subject.level1_code}.atom.xml"))
        for year in sorted({a.year for a in acts}, reverse=True):
            listings.append(Listing(f"annees/{year}/", f"Délibérations de {year}",
                                    [a for a in acts if a.year == year]))
        return listings

    # -- output --------------------------------------------------------------------------

    def generate_output(self, writer=None):
        out = Path(self.output_path)
        corpus = self.corpus
        for act in corpus.acts:
            self.render(out, act.url, "deliberation.html", act=act)
        for sitting in corpus.sittings:
            self.render(out, sitting.url, "sitting.html", sitting=sitting)
        listings = self.listings()
        for listing in listings:
            self.render_listing(out, listing)
        self.render(out, "seances/", "sittings.html", sittings=corpus.sittings)
        by_url = {li.url: li for li in listings}
        self.render(out, "instances/", "index_bodies.html",
                    bodies=[(k, n, by_url[f"instances/{k}/"]) for k, n in self.site.BODIES.items()])
        self.render(out, "matieres/", "index_subjects.html", listings=by_url)
        self.render(out, "annees/", "index_years.html",
                    years=[li for li in listings if li.url.startswith("annees/")])
        self.render(out, "a-propos/", "about.html", listings=listings)
        self.copy_documents(out)

    def render_listing(self, out: Path, listing: Listing) -> None:
        size = self.site.DELIBERATIONS_PER_PAGE
        pages = max(1, ceil(len(listing.acts) / size))
        for n in range(1, pages + 1):
            url = listing.url if n == 1 else f"{listing.url}page/{n}/"
            self.render(out, url, "listing.html", listing=listing,
                        page_acts=listing.acts[(n - 1) * size : n * size],
                        page=n, pages=pages,
                        sittings=self.corpus.sittings[:10] if listing.url == "" else None)

    def render(self, out: Path, url: str, template: str, **values) -> None:
        html = self.get_template(template.removesuffix(".html")).render(
            self.context, page_url=url, **values)
        target = out / url / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")

    def copy_documents(self, out: Path) -> None:
        for act in self.corpus.acts:
            for doc in act.documents:
                target = out / doc.url
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(Path(self.path) / self.site.DOCUMENTS_PATH / doc.file, target)

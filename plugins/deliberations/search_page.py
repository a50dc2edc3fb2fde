"""The search page ``recherche/`` and what act pages carry for the index.

The page itself is static HTML (the facets, their labels, the feeds it can point to); the
searching is done in the browser by ``theme/static/js/search.js`` over the Pagefind index
that :mod:`deliberations.search` builds once the site is written.
"""

from __future__ import annotations

from pathlib import Path

from pelican.generators import Generator

from . import actes, formatting
from . import settings as site_settings
from .feeds import threshold_name
from .pages import CORPUS
from .search import AMOUNT_BRACKETS, MANIFEST, SEARCH_DIR, amount_bracket, sort_cents

URL = "recherche/"

TEMPLATE_FILTERS = {"amount_bracket": amount_bracket, "sort_cents": sort_cents}


def add_template_filters(generator) -> None:
    generator.env.filters.update(TEMPLATE_FILTERS)


class SearchPageGenerator(Generator):
    """Renders ``recherche/index.html``: the form, the facets and the feed each search follows."""

    def generate_context(self):
        pass

    def generate_output(self, writer=None):
        site = site_settings.load(self.settings)
        acts = self.context[CORPUS].acts
        groups = actes.subject_groups()
        natures = actes.natures()
        present = {
            "matiere": {a.meta.subject.split(".")[0] for a in acts},
            "nature": {str(a.meta.nature) for a in acts},
            "decision": {str(a.meta.outcome) for a in acts},
        }
        facets = [
            ("instance", "Instance", list(site.BODIES.items())),
            ("matiere", "Matière", [(c, f"{c}. {label}") for c, label in groups.items()
                                    if c in present["matiere"]]),
            ("annee", "Année de la séance", [(str(y), str(y)) for y in
                                             sorted({a.year for a in acts}, reverse=True)]),
            ("nature", "Nature de l'acte", [(c, n.label) for c, n in natures.items()
                                            if c in present["nature"]]),
            ("decision", "Décision", [(k, v.capitalize()) for k, v in formatting.OUTCOMES.items()
                                      if k in present["decision"]]),
            ("montant", "Montant total", [(key, label) for key, label, _low in AMOUNT_BRACKETS]),
        ]
        config = {
            "siteurl": site.SITEURL,
            "lots": f"{site.SITEURL}/{SEARCH_DIR}/{MANIFEST}",
            "feeds": _feeds(site),
        }
        template = self.get_template("search")
        html = template.render(self.context, page_url=URL, facets=facets, search_config=config)
        target = Path(self.output_path) / URL / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(html, encoding="utf-8")


def _feeds(site) -> dict:
    """The Atom feed that follows a search, by the only filter it uses (see search.js)."""
    lows = [low for _key, _label, low in AMOUNT_BRACKETS]
    amounts = []
    for threshold in site.FEED_AMOUNT_THRESHOLDS:
        if threshold in lows:  # a feed « ≥ threshold » is a set of whole brackets
            amounts.append({"montant": [k for k, _l, low in AMOUNT_BRACKETS if low >= threshold],
                            "url": f"feeds/montants/{threshold_name(threshold)}.atom.xml"})
    return {
        "all": "feeds/all.atom.xml",
        "instance": {key: f"feeds/instances/{key}.atom.xml" for key in site.BODIES},
        "matiere": {code: f"feeds/matieres/{code}.atom.xml" for code in actes.subject_groups()},
        "montant": amounts,
    }


"""Deliberations: publish local-government acts as a static site with open data.

A Pelican plugin. Each capability is one generator, wired here.
"""

# Pelican and the generators are imported when Pelican registers the plugin, not with the
# package: the commands that build nothing (demo, schema, --help) start without them.

# Acts are read by this plugin, not as Pelican articles or pages, and documents are copied
# only once an act names them and they were checked; Pelican's own feeds are replaced by
# the plugin's. These are imposed on every site, whatever its pelicanconf.py says.
PELICAN_OVERRIDES = {
    "ARTICLE_PATHS": [],
    "PAGE_PATHS": [],
    "STATIC_PATHS": [],
    "DIRECT_TEMPLATES": [],
    "FEED_ALL_ATOM": None,
    "FEED_ALL_RSS": None,
    "CATEGORY_FEED_ATOM": None,
    "TRANSLATION_FEED_ATOM": None,
    "AUTHOR_FEED_ATOM": None,
    "AUTHOR_FEED_RSS": None,
}


def configure(pelican):
    from . import security

    pelican.settings.update(PELICAN_OVERRIDES)
    pelican.settings.update(security.SETTINGS)
    # Every value a template of any generator prints is escaped (a title may hold "<script>");
    # the act's text, sanitized HTML, is printed with `|safe`.
    pelican.settings["JINJA_ENVIRONMENT"] = {**pelican.settings["JINJA_ENVIRONMENT"], "autoescape": True}


def get_generators(pelican):
    from .exports import ExportsGenerator
    from .feeds import FeedsGenerator
    from .pages import AboutPageGenerator, DeliberationsGenerator
    from .search_page import SearchPageGenerator

    # Pelican runs every generate_context, then every generate_output, in this order. The
    # pages generator loads the corpus in generate_context, where the others find it; it writes
    # its pages first, so that the search index reads the act pages while the exports and feeds
    # are written. The about page lists the exports, measured: it comes after them.
    return [DeliberationsGenerator, ExportsGenerator, FeedsGenerator, SearchPageGenerator, AboutPageGenerator]


def register():
    from pelican import signals

    from .pages import pages_written
    from .search import index_written_site, start_indexing
    from .search_page import add_template_filters

    signals.initialized.connect(configure)
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_template_filters)
    pages_written.connect(start_indexing)
    signals.finalized.connect(index_written_site)

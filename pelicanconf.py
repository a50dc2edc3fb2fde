"""Site settings. See the README for every key this project reads."""

AUTHOR = "Métropole Européenne de Lille"
SITENAME = "Délibérations de la Métropole Européenne de Lille"
SITEURL = ""
TIMEZONE = "Europe/Paris"
DEFAULT_LANG = "fr"

PATH = "content"
THEME = "theme"
PLUGIN_PATHS = ["plugins"]
PLUGINS = ["deliberations"]

DELETE_OUTPUT_DIRECTORY = True

# Pelican's own feeds are off (the plugin enforces it too): it writes the feeds journalists follow.
FEED_ALL_ATOM = None
CATEGORY_FEED_ATOM = None
TRANSLATION_FEED_ATOM = None
AUTHOR_FEED_ATOM = None
AUTHOR_FEED_RSS = None

# -- The collectivity and its bodies ------------------------------------------------------
COLLECTIVITY = {
    "name": "Métropole Européenne de Lille",
    "short_name": "MEL",
    "siren": "200093201",
    "siret": "20009320100016",
}
BODIES = {
    "conseil": "Conseil",
    "bureau": "Bureau",
}
LICENSE = {
    "name": "Licence Ouverte 2.0",
    "url": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
}

DELIBERATIONS_PER_PAGE = 50
FEED_MAX_ITEMS = 50
FEED_AMOUNT_THRESHOLDS = [100_000, 1_000_000]

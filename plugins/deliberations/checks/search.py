"""The search index: every published act in it, once, in the lots ``lots.json`` lists."""

from __future__ import annotations

from ..search import LANGUAGE, MANIFEST, SEARCH_DIR
from ..search_page import URL
from ..verify import INDEX, Check, register

ENTRY = "pagefind-entry.json"
RUNTIME = ("pagefind.js", "pagefind-worker.js", f"wasm.{LANGUAGE}.pagefind")  # what the browser loads


@register
class SearchCheck(Check):
    """Facts: the lots ``lots.json`` lists, and what each lot's ``pagefind-entry.json`` says."""

    def extract(self, file):
        path = file.path
        if path == f"{SEARCH_DIR}/{MANIFEST}":
            manifest = file.json(exact=False)
            return None if manifest is None else manifest["lots"]
        if path.startswith(f"{SEARCH_DIR}/") and path.endswith(ENTRY):
            entry = file.json(exact=False)
            language = entry["languages"].get(LANGUAGE, {}) if entry else {}
            return language.get("page_count"), language.get("hash")
        return None

    def finish(self, facts):
        site = self.site
        if not site.settings.SEARCH_INDEX:
            return
        if URL + INDEX not in site.files:
            site.error(URL + INDEX, "is missing: the search page")
        manifest_path = f"{SEARCH_DIR}/{MANIFEST}"
        lots = site.facts(type(self).__name__, manifest_path)
        if lots is None:
            return
        listed = 0
        for lot in lots:
            folder = f"{SEARCH_DIR}/{lot['path']}"
            entry = site.facts(type(self).__name__, folder + ENTRY)
            if entry is None:
                continue
            page_count, key = entry
            if page_count != lot["pages"]:
                site.error(folder + ENTRY, f"indexes {page_count} acts, {manifest_path} says {lot['pages']}")
            if key != lot["key"]:
                site.error(manifest_path, f"names {lot['key']!r} the metadata of lot {lot['id']}, "
                           f"which is {key!r}")
            for name in (*RUNTIME, f"pagefind.{key}.pf_meta"):
                if folder + name not in site.files:
                    site.error(folder + name, "is missing from the search index")
            listed += lot["pages"]
        if listed != len(site.acts_by_page):
            site.error(manifest_path, f"lists {listed} acts in its lots, the site publishes "
                       f"{len(site.acts_by_page)}: the search would miss or repeat acts")

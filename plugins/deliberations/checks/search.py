"""The search index: every published act in it, once, in the lots ``lots.json`` lists."""

from __future__ import annotations

from ..search import LANGUAGE, MANIFEST, SEARCH_DIR
from ..search_page import URL
from ..verify import INDEX, Check, register

RUNTIME = ("pagefind.js", "pagefind-worker.js", f"wasm.{LANGUAGE}.pagefind")  # what the browser loads


@register
class SearchCheck(Check):
    def finish(self):
        site = self.site
        if not site.settings.SEARCH_INDEX:
            return
        if URL + INDEX not in site.files:
            site.error(URL + INDEX, "is missing: the search page")
        manifest_path = f"{SEARCH_DIR}/{MANIFEST}"
        manifest = site.json(manifest_path, exact=False)
        if manifest is None:
            return
        listed = 0
        for lot in manifest["lots"]:
            folder = f"{SEARCH_DIR}/{lot['path']}"
            entry = site.json(f"{folder}pagefind-entry.json", exact=False)
            if entry is None:
                continue
            language = entry["languages"].get(LANGUAGE, {})
            if language.get("page_count") != lot["pages"]:
                site.error(f"{folder}pagefind-entry.json", f"indexes {language.get('page_count')} acts, "
                           f"{manifest_path} says {lot['pages']}")
            if language.get("hash") != lot["key"]:
                site.error(manifest_path, f"names {lot['key']!r} the metadata of lot {lot['id']}, "
                           f"which is {language.get('hash')!r}")
            for name in (*RUNTIME, f"pagefind.{language.get('hash')}.pf_meta"):
                if folder + name not in site.files:
                    site.error(folder + name, "is missing from the search index")
            listed += lot["pages"]
        if listed != len(site.acts_by_page):
            site.error(manifest_path, f"lists {listed} acts in its lots, the site publishes "
                       f"{len(site.acts_by_page)}: the search would miss or repeat acts")

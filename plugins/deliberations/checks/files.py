"""Every data and style file of the site: readable by the program that will read it.

JSON must parse, XML (feeds, sitemaps) must be well-formed, a stylesheet must load nothing
from another site, and no text file may carry a path of the build machine. Checks of what
these files *say* belong to the capability that writes them.
"""

from __future__ import annotations

import json
import re

from lxml import etree

from ..verify import Check, register

TEXT_SUFFIXES = (".json", ".xml", ".csv", ".txt", ".css", ".js")
# url(...) and @import in CSS; a target with a scheme or "//" is another site (data: is allowed).
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])\s*((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]*)""", re.I)


@register
class FilesCheck(Check):
    def finish(self):
        site = self.site
        for path in sorted(f for f in site.files if f.endswith(TEXT_SUFFIXES)):
            raw = (site.root / path).read_bytes()
            found = site.machine_path_in(raw)
            if found:
                site.error(path, f"contains a path of the build machine ({found})")
            if path.endswith(".json"):
                try:
                    json.loads(raw)
                except ValueError as e:
                    site.error(path, f"is not valid JSON: {e}")
            elif path.endswith(".xml"):
                try:
                    etree.fromstring(raw, parser=etree.XMLParser(resolve_entities=False,
                                                                 no_network=True))
                except etree.XMLSyntaxError as e:
                    site.error(path, f"is not well-formed XML: {e}")
            elif path.endswith(".css"):
                for url in CSS_URL.findall(raw.decode("utf-8", "replace")):
                    site.error(path, f"loads {url} from another site")

"""Every text file of the site: no path of the build machine, no stylesheet loading from
another site. (Every JSON and XML file is parsed by the runner or by the check of the
capability that writes it; what the files *say* is checked by that capability.)
"""

from __future__ import annotations

import re

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
            if path.endswith(".css"):
                for url in CSS_URL.findall(raw.decode("utf-8", "replace")):
                    site.error(path, f"loads {url} from another site")

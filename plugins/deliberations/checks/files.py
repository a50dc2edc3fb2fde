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
    def extract(self, file):
        if not file.path.endswith(TEXT_SUFFIXES):
            return None
        found = self.site.machine_path_in(file.raw)
        if found:
            file.error(f"contains a path of the build machine ({found})")
        if file.path.endswith(".css"):
            for url in CSS_URL.findall(file.raw.decode("utf-8", "replace")):
                file.error(f"loads {url} from another site")
        return None

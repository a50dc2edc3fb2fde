"""Every HTML page: the security policy it sends, nothing loaded from elsewhere, no broken link.

A page that breaks its own Content-Security-Policy (an inline script, a style attribute)
would be silently broken in the browser; a page that loads a file from another site would
tell that site who reads which act. Both fail the build here, as does an internal link or
document link that leads nowhere.
"""

from __future__ import annotations

import re

from lxml import etree

from .. import security
from ..verify import HTML_SUFFIX, Check, register

# Element → attributes holding a URL the browser fetches by itself when showing the page.
RESOURCES = {
    "script": ("src",), "img": ("src", "srcset"), "source": ("src", "srcset"), "input": ("src",),
    "video": ("src", "poster"), "audio": ("src",), "track": ("src",), "iframe": ("src",),
    "frame": ("src",), "embed": ("src",), "object": ("data",), "link": ("href",),
}
# <link rel=…> values that name a page to go to, not a file to load.
NAVIGATION_RELS = {"alternate", "canonical", "next", "prev", "license", "author", "help", "bookmark"}
URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "data", "poster", "cite")
DATA_URL_ALLOWED = {"img", "source"}  # img-src 'self' data:
# Folders the pages link to that a generator still to be merged will write: links into one
# are not checked while the folder is absent, and are checked once it exists. Remove a folder
# from this list when its generator lands.
PENDING = ()
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20]")  # browsers drop these: "java\tscript:"

# Compiled once, run on every page (in C: far faster than walking the tree in Python).
# A <script type="application/json"> is a data block, never run: the policy does not apply to it.
INLINE = etree.XPath("//script[not(@src)][not(@type='application/json' or @type='application/ld+json')]"
                     " | //style")
INLINE_ATTRIBUTES = etree.XPath("//@*[starts-with(name(), 'on') or name() = 'style']")
URLS = etree.XPath(" | ".join(f"//@{name}" for name in URL_ATTRIBUTES))
IDS = etree.XPath("//@id", smart_strings=False)
METAS = etree.XPath("//meta")


def _fetched(el, name: str) -> bool:
    """Whether the browser loads this URL by itself (a script, an image), not on a click."""
    if name not in RESOURCES.get(el.tag, ()):
        return False
    rels = set((el.get("rel") or "").lower().split())
    return not (el.tag == "link" and rels and rels <= NAVIGATION_RELS)


@register
class HtmlCheck(Check):
    def extract(self, file):
        """(links, ids): every internal URL as (URL as written, path, fragment), every id."""
        if not file.path.endswith(HTML_SUFFIX) or file.html is None:
            return None
        doc, site = file.html, self.site
        self._policies(file, doc)
        found = site.machine_path_in(file.raw)
        if found:
            file.error(f"contains a path of the build machine ({found})", source=True)
        for el in INLINE(doc):
            file.error(f"has an inline <{el.tag}>, which the security policy blocks")
        for attr in INLINE_ATTRIBUTES(doc):
            what = "a style attribute" if attr.attrname == "style" else f"an event handler ({attr.attrname})"
            file.error(f"<{attr.getparent().tag}> has {what}, which the security policy blocks", source=True)
        links = []
        for attr in URLS(doc):
            self._url(file, attr.getparent(), attr.attrname, str(attr), links)
        return tuple(links), frozenset(IDS(doc))

    def _policies(self, file, doc):
        metas = {(m.get("http-equiv") or m.get("name") or "").lower(): m.get("content")
                 for m in METAS(doc)}
        csp = metas.get("content-security-policy")
        if csp is None:
            file.error("has no Content-Security-Policy <meta>")
        elif " ".join(csp.split()) != security.CONTENT_SECURITY_POLICY:
            file.error(f"Content-Security-Policy is {csp!r}, expected {security.CONTENT_SECURITY_POLICY!r}")
        if metas.get("referrer") != security.REFERRER_POLICY:
            file.error(f"referrer policy is {metas.get('referrer')!r}, expected {security.REFERRER_POLICY!r}")

    def _url(self, file, el, name, value, links):
        urls = [u.split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
        for url in urls:
            scheme = "" if url.startswith(("/", "#")) or ":" not in url else (
                _IGNORED_IN_SCHEME.sub("", url).split(":", 1)[0].lower())
            if scheme in ("javascript", "vbscript"):
                file.error(f"<{el.tag} {name}> runs a script URL", source=True)
                continue
            if scheme == "data" and el.tag in DATA_URL_ALLOWED:
                continue
            target = self.site.resolve(file.path, url.strip())
            if target is not None:
                links.append((url, *target))
            elif _fetched(el, name):
                file.error(f"<{el.tag} {name}> loads {url} from another site")

    def finish(self, facts):
        site = self.site
        present = {f.split("/", 1)[0] + "/" for f in site.files if "/" in f}
        pending = tuple(p for p in PENDING if p not in present)
        ids = {path: found[1] for path, found in facts.items()}
        # The same links appear on many pages: each is checked once, then the pages that hold
        # a broken one are looked for.
        broken = {}
        for link in set().union(*(found[0] for found in facts.values())):
            url, path, fragment = link
            file = site.file_of(path)
            if not file:
                broken[link] = f"links to {url}, outside the site"
            elif file not in site.files:
                if not file.startswith(pending):
                    broken[link] = f"links to {url}, which is not in the site"
            elif fragment and file in ids and fragment not in ids[file]:
                broken[link] = f"links to {url}, but {file} has no id {fragment!r}"
        if broken:
            for page, (links, _ids) in facts.items():
                for link in links:
                    if link in broken:
                        site.error(page, broken[link] + site.source_of(page))

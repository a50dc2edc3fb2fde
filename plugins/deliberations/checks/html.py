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
from ..verify import Check, register

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
    def __init__(self, site):
        super().__init__(site)
        self.links: list[tuple[str, str, str, str]] = []  # page, URL as written, file, fragment
        self.ids: dict[str, set[str]] = {}

    def page(self, path, doc, raw):
        site = self.site
        self._policies(path, doc)
        found = site.machine_path_in(raw)
        if found:
            site.error(path, f"contains a path of the build machine ({found}){site.source_of(path)}")
        for el in INLINE(doc):
            site.error(path, f"has an inline <{el.tag}>, which the security policy blocks")
        for attr in INLINE_ATTRIBUTES(doc):
            what = "a style attribute" if attr.attrname == "style" else f"an event handler ({attr.attrname})"
            site.error(path, f"<{attr.getparent().tag}> has {what}, which the security policy blocks"
                       f"{site.source_of(path)}")
        for attr in URLS(doc):
            self._url(path, attr.getparent(), attr.attrname, str(attr))
        self.ids[path] = set(IDS(doc))

    def _policies(self, path, doc):
        metas = {(m.get("http-equiv") or m.get("name") or "").lower(): m.get("content")
                 for m in METAS(doc)}
        csp = metas.get("content-security-policy")
        if csp is None:
            self.site.error(path, "has no Content-Security-Policy <meta>")
        elif " ".join(csp.split()) != security.CONTENT_SECURITY_POLICY:
            self.site.error(path, f"Content-Security-Policy is {csp!r}, expected "
                            f"{security.CONTENT_SECURITY_POLICY!r}")
        if metas.get("referrer") != security.REFERRER_POLICY:
            self.site.error(path, f"referrer policy is {metas.get('referrer')!r}, expected "
                            f"{security.REFERRER_POLICY!r}")

    def _url(self, path, el, name, value):
        site = self.site
        urls = [u.split()[0] for u in value.split(",") if u.strip()] if name == "srcset" else [value]
        for url in urls:
            scheme = "" if url.startswith(("/", "#")) or ":" not in url else (
                _IGNORED_IN_SCHEME.sub("", url).split(":", 1)[0].lower())
            if scheme in ("javascript", "vbscript"):
                site.error(path, f"<{el.tag} {name}> runs a script URL{site.source_of(path)}")
                continue
            if scheme == "data" and el.tag in DATA_URL_ALLOWED:
                continue
            target = site.target(path, url.strip())
            if target is not None:
                self.links.append((path, url, *target))
            elif _fetched(el, name):
                site.error(path, f"<{el.tag} {name}> loads {url} from another site")

    def finish(self):
        site = self.site
        present = {f.split("/", 1)[0] + "/" for f in site.files if "/" in f}
        pending = tuple(p for p in PENDING if p not in present)
        for page, url, file, fragment in self.links:
            if not file:
                site.error(page, f"links to {url}, outside the site{site.source_of(page)}")
            elif file not in site.files:
                if not file.startswith(pending):
                    site.error(page, f"links to {url}, which is not in the site{site.source_of(page)}")
            elif fragment and file in self.ids and fragment not in self.ids[file]:
                site.error(page, f"links to {url}, but {file} has no id {fragment!r}"
                           f"{site.source_of(page)}")

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
from ..facts import shared
from ..verify import HTML_SUFFIX, Check, link, link_parts, register

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

URL_NAMES = frozenset(URL_ATTRIBUTES)
INLINE_TAGS = ("script", "style", "meta")
DATA_BLOCKS = ("application/json", "application/ld+json")  # <script> types never run: data


def _fetched(el, name: str) -> bool:
    """Whether the browser loads this URL by itself (a script, an image), not on a click."""
    if name not in RESOURCES.get(el.tag, ()):
        return False
    rels = set((el.get("rel") or "").lower().split())
    return not (el.tag == "link" and rels and rels <= NAVIGATION_RELS)


@register
class HtmlCheck(Check):
    def extract(self, file):
        """(links, ids): every internal URL as a :func:`link`, every id."""
        if not file.path.endswith(HTML_SUFFIX) or file.html is None:
            return None
        found = self.site.machine_path_in(file.raw)
        if found:
            file.error(f"contains a path of the build machine ({found})", source=True)
        # One walk over the elements and their attributes serves every rule: a walk per rule
        # (an XPath each) costs twice as much.
        metas, links, ids = [], [], set()
        for el in file.html.iter(etree.Element):
            tag = el.tag
            if tag in INLINE_TAGS:
                if tag == "meta":
                    metas.append(el)
                elif tag == "style" or (el.get("src") is None and el.get("type") not in DATA_BLOCKS):
                    file.error(f"has an inline <{tag}>, which the security policy blocks")
            for name, value in el.items():
                if name in URL_NAMES:
                    self._url(file, el, name, value, links)
                elif name == "id":
                    ids.add(value)
                elif name == "style" or name.startswith("on"):
                    what = "a style attribute" if name == "style" else f"an event handler ({name})"
                    file.error(f"<{tag}> has {what}, which the security policy blocks", source=True)
        self._policies(file, metas)
        return tuple(links), shared(frozenset(ids))

    def _policies(self, file, metas):
        metas = {(m.get("http-equiv") or m.get("name") or "").lower(): m.get("content") for m in metas}
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
                links.append(link(url, *target))
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
        for found in set().union(*(links for links, _ in facts.values())):
            url, path, fragment = link_parts(found)
            file = site.file_of(path)
            if not file:
                broken[found] = f"links to {url}, outside the site"
            elif file not in site.files:
                if not file.startswith(pending):
                    broken[found] = f"links to {url}, which is not in the site"
            elif fragment and file in ids and fragment not in ids[file]:
                broken[found] = f"links to {url}, but {file} has no id {fragment!r}"
        if broken:
            for page, (links, _ids) in facts.items():
                for found in links:
                    if found in broken:
                        site.error(page, broken[found] + site.source_of(page))

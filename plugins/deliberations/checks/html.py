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

URL_NAMES = frozenset(URL_ATTRIBUTES)
INLINE_TAGS = ("script", "style", "meta")
DATA_BLOCKS = ("application/json", "application/ld+json")  # <script> types never run: data


_URL, _ID, _INLINE = "url", "id", "inline"


class _Kinds(dict):
    """Attribute name → what the policy makes of it; each name is looked at once."""

    def __missing__(self, name: str) -> str | None:
        kind = (_URL if name in URL_NAMES else _ID if name == "id"
                else _INLINE if name == "style" or name.startswith("on") else None)
        self[name] = kind
        return kind


_KINDS = _Kinds()


def _fetched(el, name: str) -> bool:
    """Whether the browser loads this URL by itself (a script, an image), not on a click."""
    if name not in RESOURCES.get(el.tag, ()):
        return False
    rels = set((el.get("rel") or "").lower().split())
    return not (el.tag == "link" and rels and rels <= NAVIGATION_RELS)


@register
class HtmlCheck(Check):
    def extract(self, file):
        """(paths, anchors, ids): the path each internal link resolves to, (path, fragment) of
        the links with a fragment, every id of the page."""
        read = self._read(file)
        if read is None:
            return None
        links, ids = read
        # The targets come from Site.resolve: one object for a URL on every page, kept once.
        return (tuple(target[0] for _, target in links), tuple(target for _, target in links if target[1]),
                shared(frozenset(ids)))

    def _read(self, file) -> tuple[list, set] | None:
        """(links, ids) of a page, its own problems told: every internal link as (URL as written,
        (path, fragment) it resolves to: see :meth:`Site.resolve`), every id."""
        if not file.path.endswith(HTML_SUFFIX) or file.html is None:
            return None
        found = self.site.machine_path_in(file.raw)
        if found:
            file.error(f"contains a path of the build machine ({found})", source=True)
        # One walk over the elements and their attributes serves every rule: a walk per rule
        # (an XPath each) costs twice as much.
        metas, links, ids = [], [], set()
        page, resolved, resolve = file.path, self.site.resolved, self.site.resolve
        for el in file.html.iter(etree.Element):
            tag = el.tag
            if tag in INLINE_TAGS:
                if tag == "meta":
                    metas.append(el)
                elif tag == "style" or (el.get("src") is None and el.get("type") not in DATA_BLOCKS):
                    file.error(f"has an inline <{tag}>, which the security policy blocks")
            for name, value in el.items():
                kind = _KINDS[name]
                if kind is _URL:
                    if name != "srcset" and value[:1] == "/" and value[1:2] != "/":  # most links
                        links.append((value, resolved.get(value) or resolve(page, value.strip())))
                    else:
                        self._url(file, el, name, value, links)
                elif kind is _ID:
                    ids.add(value)
                elif kind is _INLINE:
                    what = "a style attribute" if name == "style" else f"an event handler ({name})"
                    file.error(f"<{tag}> has {what}, which the security policy blocks", source=True)
        self._policies(file, metas)
        return links, ids

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
                links.append((url, target))
            elif _fetched(el, name):
                file.error(f"<{el.tag} {name}> loads {url} from another site")

    def finish(self, facts):
        site = self.site
        ids = {path: found[2] for path, found in facts.items()}
        # Every path and anchor linked to, once (the same links are on many pages): the pages
        # are read again, to tell which link is broken, only if one is.
        absent = site.absent(set().union(*(found[0] for found in facts.values())))
        wrong = {(path, fragment) for path, fragment in set().union(*(found[1] for found in facts.values()))
                 if fragment not in ids.get(site.file_of(path), (fragment,))}
        if not (absent or wrong):
            return
        present = {f.split("/", 1)[0] + "/" for f in site.files if "/" in f}
        pending = tuple(p for p in PENDING if p not in present)
        for page, (paths, anchors, _) in facts.items():
            if absent.isdisjoint(paths) and wrong.isdisjoint(anchors):
                continue
            for url, (path, fragment) in self._read(self.reread(page))[0]:
                file = site.file_of(path)
                if not file:
                    message = f"links to {url}, outside the site"
                elif file not in site.files:
                    if file.startswith(pending):
                        continue
                    message = f"links to {url}, which is not in the site"
                elif (path, fragment) in wrong:
                    message = f"links to {url}, but {file} has no id {fragment!r}"
                else:
                    continue
                site.error(page, message + site.source_of(page))

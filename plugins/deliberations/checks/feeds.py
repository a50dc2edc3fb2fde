"""The Atom feeds against the content: every feed parses as Atom, every published act is in
each feed it belongs to (all acts, its body, its subject, each amount threshold it reaches),
in its subscription document (the newest ``FEED_MAX_ITEMS``) or its archives (each act once;
the newest archive may repeat acts of the subscription document, as RFC 5005 allows), and
every link in a feed resolves.

Membership is derived here from the corpus and the settings, not from the feeds' code.
"""

from __future__ import annotations

import re

from .. import actes
from ..feeds import threshold_name
from ..verify import Check, register

ATOM = "{http://www.w3.org/2005/Atom}"
FEED_FILE = re.compile(r"^feeds/(?:archives/(.+)/\d+|(.+))\.atom\.xml$")
REQUIRED = ("id", "title", "updated")


@register
class FeedsCheck(Check):
    def finish(self):
        site = self.site
        expected = self._expected()
        current: dict[str, list[str]] = {name: [] for name in expected}  # subscription documents
        archived: dict[str, list[str]] = {name: [] for name in expected}
        for path in sorted(f for f in site.files if f.startswith("feeds/")):
            m = FEED_FILE.match(path)
            if not m:
                continue
            name = m[1] or m[2]
            found = archived if m[1] else current
            root = site.xml(path)
            if root is None:
                continue
            if root.tag != f"{ATOM}feed":
                site.error(path, "is not an Atom feed")
                continue
            if name not in expected:
                site.error(path, "is a feed the content does not call for")
                continue
            self._links(path, root)
            for entry in root.iter(f"{ATOM}entry"):
                missing = [t for t in REQUIRED if entry.find(f"{ATOM}{t}") is None]
                if missing:
                    site.error(path, f"an entry has no {', '.join(missing)}")
                act = self._act_of(path, entry)
                if act is None:
                    site.error(path, "an entry links to no act of the site")
                elif name in found:
                    found[name].append(act.meta.number)
        size = site.settings.FEED_MAX_ITEMS
        for name, numbers in expected.items():
            path = f"feeds/{name}.atom.xml"
            if path not in site.files:
                site.error(path, "is missing")
                continue
            listed = set(current[name]) | set(archived[name])
            repeated = len(current[name]) - len(set(current[name])) + len(archived[name]) - len(
                set(archived[name]))
            if listed != set(numbers) or repeated or len(current[name]) != min(size, len(numbers)):
                missing = sorted(set(numbers) - listed)[:3]
                site.error(path, f"holds {len(listed)} acts over its documents ({len(current[name])} in "
                           f"this one, {repeated} repeated); the content has {len(numbers)} for it"
                           + (f" (missing: {', '.join(missing)})" if missing else ""))

    def _expected(self) -> dict[str, list[str]]:
        """Feed name → the numbers of the published acts it must hold."""
        settings = self.site.settings
        feeds: dict[str, list[str]] = {"all": []}
        feeds.update({f"instances/{key}": [] for key in settings.BODIES})
        feeds.update({f"matieres/{code}": [] for code in actes.subject_groups()})
        thresholds = {t: f"montants/{threshold_name(t)}" for t in settings.FEED_AMOUNT_THRESHOLDS}
        feeds.update({name: [] for name in thresholds.values()})
        for act in self.site.corpus.acts:
            meta = act.meta
            if meta.published is None:  # known only from a later act: never newly published
                continue
            names = ["all", f"instances/{meta.body}", f"matieres/{meta.subject.split('.')[0]}"]
            names += [name for t, name in thresholds.items() if meta.total >= t]
            for name in names:
                feeds[name].append(meta.number)
        return feeds

    def _act_of(self, path: str, entry):
        for link in entry.iter(f"{ATOM}link"):
            if link.get("rel", "alternate") == "alternate":
                target = self.site.target(path, link.get("href", ""))
                if target:
                    return self.site.acts_by_page.get(target[0])
        return None

    def _links(self, path: str, root) -> None:
        site = self.site
        for link in root.iter(f"{ATOM}link"):
            href = link.get("href", "")
            target = site.target(path, href)
            if target is not None and target[0] not in site.files:
                site.error(path, f"links to {href}, which is not in the site")

"""The Atom feeds against the content: every feed parses as Atom, every published act is in
each feed it belongs to (all acts, its body, its subject, each amount threshold it reaches),
in its subscription document (the newest ``FEED_MAX_ITEMS``) or its archives (each act once;
the newest archive may repeat acts of the subscription document, as RFC 5005 allows), and
every link in a feed resolves.

Membership is derived here from the corpus and the settings, not from the feeds' code.
"""

from __future__ import annotations

import re
from collections import defaultdict

from .. import actes
from ..facts import shared
from ..feeds import threshold_name
from ..verify import Check, register

ATOM = "{http://www.w3.org/2005/Atom}"
FEEDS = "feeds/"
FEED_FILE = re.compile(r"^feeds/(?:archives/(.+)/\d+|(.+))\.atom\.xml$")
REQUIRED = ("id", "title", "updated")


@register
class FeedsCheck(Check):
    """Facts of a feed document: (paths, entries): the path each link resolves to, and the path
    each entry's alternate link leads to (None: no such link)."""

    def extract(self, file):
        read = self._read(file)
        if read is None:
            return None
        links, entries = read
        return tuple(shared(path) for _, path in links), entries

    def _read(self, file) -> tuple[list, tuple] | None:
        """(links, entries) of a feed document, its own problems told: every link as (URL as
        written, path it resolves to), the path each entry's alternate link leads to."""
        path = file.path
        if not path.startswith(FEEDS) or not FEED_FILE.match(path) or file.xml is None:
            return None
        root = file.xml
        if root.tag != f"{ATOM}feed":
            file.error("is not an Atom feed")
            return None
        links = []
        for element in root.iter(f"{ATOM}link"):
            href = element.get("href", "")
            target = self.site.resolve(path, href)
            if target is not None:
                links.append((href, target[0]))
        entries = []
        for entry in root.iter(f"{ATOM}entry"):
            children = {child.tag for child in entry}
            missing = [t for t in REQUIRED if f"{ATOM}{t}" not in children]
            if missing:
                file.error(f"an entry has no {', '.join(missing)}")
            entries.append(self._alternate(path, entry))
        return links, tuple(entries)

    def _alternate(self, path: str, entry) -> str | None:
        for element in entry.iter(f"{ATOM}link"):
            if element.get("rel", "alternate") == "alternate":
                target = self.site.resolve(path, element.get("href", ""))
                if target:
                    return shared(target[0])
        return None

    def finish(self, facts):
        site = self.site
        expected = self._expected()
        current: dict[str, list[str]] = {name: [] for name in expected}  # subscription documents
        archived: dict[str, list[str]] = {name: [] for name in expected}
        # The same links are in several feeds: each is checked once.
        absent = site.absent(set().union(*(found[0] for found in facts.values())))
        number_of: dict[str | None, str | None] = {None: None}  # path an entry links to → act number
        for path in sorted(facts):
            m = FEED_FILE.match(path)
            name = m[1] or m[2]
            found = archived if m[1] else current
            if name not in expected:
                site.error(path, "is a feed the content does not call for")
                continue
            paths, entries = facts[path]
            if not absent.isdisjoint(paths):  # read again, to tell which link
                for url, target in self._read(self.reread(path))[0]:
                    if target in absent:
                        site.error(path, f"links to {url}, which is not in the site")
            for target in entries:
                if target not in number_of:
                    act = site.acts_by_page.get(site.file_of(target))
                    number_of[target] = act and act.meta.number
            shown = [number_of[target] for target in entries]
            for _ in range(shown.count(None)):
                site.error(path, "an entry links to no act of the site")
            found[name].extend(number for number in shown if number is not None)
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
        every, by_body, by_subject = feeds["all"], defaultdict(list), defaultdict(list)
        for act in self.site.corpus.acts:
            meta = act.meta
            if meta.published is None:  # known only from a later act: never newly published
                continue
            every.append(meta.number)
            by_body[meta.body].append(meta.number)
            by_subject[meta.subject.split(".")[0]].append(meta.number)
            if meta.amounts:
                total = meta.total
                for threshold, name in thresholds.items():
                    if total >= threshold:
                        feeds[name].append(meta.number)
        for body, numbers in by_body.items():
            feeds.setdefault(f"instances/{body}", []).extend(numbers)
        for subject, numbers in by_subject.items():
            feeds.setdefault(f"matieres/{subject}", []).extend(numbers)
        return feeds

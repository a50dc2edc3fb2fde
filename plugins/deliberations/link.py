"""Link stage: checks that need the whole corpus or the site, then relations and sittings.

Runs after every file was read, so that duplicate numbers, unknown bodies, missing
documents and relations between acts are checked across the corpus in one pass.
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .frontmatter import line_of
from .model import ACTES_ID
from .problems import Problems
from .reader import Act
from .settings import SiteSettings


@dataclass
class Document:
    title: str
    file: str  # path under the documents folder
    url: str  # site-relative URL
    size: int
    sha256: str


@dataclass
class Sitting:
    """The acts a body examined at one sitting (CGCT L.2121-25)."""

    session: date
    body: str
    acts: list[Act] = field(default_factory=list)

    @property
    def slug(self) -> str:
        return f"{self.session.isoformat()}-{self.body}"

    @property
    def url(self) -> str:
        return f"seances/{self.slug}/"


@dataclass
class Corpus:
    acts: list[Act]  # newest first
    by_number: dict[str, Act]
    sittings: list[Sitting]  # newest first


def link(acts: list[Act], settings: SiteSettings, documents_root: Path, problems: Problems) -> Corpus:
    by_number: dict[str, Act] = {}
    by_slug: dict[str, Act] = {}
    for act in sorted(acts, key=lambda a: a.source):
        number = act.meta.number
        if number in by_number:
            problems.error(act.source, f"number {number!r} is already used by {by_number[number].source}",
                           line=_line(act, "number"), field="number")
            continue
        if act.slug in by_slug:
            other = by_slug[act.slug]
            problems.error(act.source, f"number {number!r} gives the same URL ({act.url}) as "
                           f"{other.meta.number!r} in {other.source}", line=_line(act, "number"),
                           field="number")
            continue
        by_number[number] = act
        by_slug[act.slug] = act

    kept = list(by_number.values())
    for act in kept:
        meta = act.meta
        _check_site_rules(act, settings, problems)
        # Most acts have no documents and refer to no other act: nothing to do for them.
        if meta.documents:
            act.documents = [_document(act, i, d, documents_root, settings, problems)
                             for i, d in enumerate(meta.documents)]
        if meta.repeals:
            act.repeals = _resolve(act, "repeals", by_number, problems)
            for target in act.repeals:
                if isinstance(target, Act):
                    target.repealed_by.append(act)
        if meta.amends:
            act.amends = _resolve(act, "amends", by_number, problems)
            for target in act.amends:
                if isinstance(target, Act):
                    target.amended_by.append(act)

    newest_first = sorted(kept, key=lambda a: (a.meta.online, a.meta.number), reverse=True)
    for act in kept:
        if len(act.repealed_by) > 1:
            act.repealed_by.sort(key=lambda a: a.meta.number)
        if len(act.amended_by) > 1:
            act.amended_by.sort(key=lambda a: a.meta.number)

    sittings: dict[tuple[date, str], Sitting] = {}
    for act in sorted(kept, key=lambda a: a.meta.number):
        key = (act.meta.session, act.meta.body)
        sitting = sittings.get(key)
        if sitting is None:
            sitting = sittings[key] = Sitting(*key)
        sitting.acts.append(act)
        act.sitting = sitting
    ordered = sorted(sittings.values(), key=lambda s: (s.session, s.body), reverse=True)
    return Corpus(newest_first, by_number, ordered)


def _check_site_rules(act: Act, settings: SiteSettings, problems: Problems) -> None:
    meta = act.meta
    if meta.body not in settings.BODIES:
        guess = difflib.get_close_matches(meta.body, settings.BODIES, n=1)
        hint = f"did you mean '{guess[0]}'?" if guess else f"expected one of: {', '.join(settings.BODIES)}"
        problems.error(act.source, f"{meta.body!r} is not a body of this site; {hint} "
                       "(BODIES in pelicanconf.py)", line=_line(act, "body"), field="body")
    actes_id = meta.transmission and meta.transmission.actes_id
    if actes_id:
        m = ACTES_ID.match(actes_id)
        def where():  # line numbers cost a parse of the front matter: only for a message
            return {"line": _line(act, "transmission", "actes_id"), "field": "transmission.actes_id"}
        if m["nature"] != meta.nature:
            problems.error(act.source, f"ends in {m['nature']} but the act's nature is {meta.nature}",
                           **where())
        if m["siren"] != settings.COLLECTIVITY.siren:
            problems.warning(act.source, f"SIREN {m['siren']} is not the collectivity's "
                             f"({settings.COLLECTIVITY.siren})", **where())
        if m["date"] != meta.session.strftime("%Y%m%d"):
            problems.warning(act.source, f"decision date {m['date']} differs from the session "
                             f"({meta.session.isoformat()})", **where())
    if meta.author is None:
        problems.warning(act.source, "is missing; the law asks the published act to show the "
                         "first name, name and role of its signatory", field="author")


def _document(act: Act, index: int, doc, root: Path, settings: SiteSettings, problems: Problems):
    path = root / doc.file
    def where():
        return {"line": _line(act, "documents", index, "file"), "field": f"documents.{index}.file"}
    try:
        # Resolving follows symlinks: a link pointing out of the documents folder is refused.
        real = path.resolve(strict=True)
        real.relative_to(root.resolve())
    except FileNotFoundError:
        problems.error(act.source, f"{settings.DOCUMENTS_PATH}/{doc.file} does not exist", **where())
        return None
    except (ValueError, OSError):
        problems.error(act.source, f"{doc.file!r} points outside {settings.DOCUMENTS_PATH}/", **where())
        return None
    if not real.is_file():
        problems.error(act.source, f"{settings.DOCUMENTS_PATH}/{doc.file} is not a file", **where())
        return None
    digest = hashlib.sha256()
    with real.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return Document(doc.title, doc.file, f"{settings.DOCUMENTS_PATH}/{doc.file}",
                    real.stat().st_size, digest.hexdigest())


def _resolve(act: Act, relation: str, by_number: dict[str, Act], problems: Problems) -> list:
    resolved = []
    for i, number in enumerate(getattr(act.meta, relation)):
        target = by_number.get(number)
        if target is None:
            problems.warning(act.source, f"{number!r} is not in the corpus; shown as plain text",
                             line=_line(act, relation, i), field=f"{relation}.{i}")
            resolved.append(number)
        elif target is act:
            problems.error(act.source, "an act cannot refer to itself", line=_line(act, relation, i),
                           field=f"{relation}.{i}")
        else:
            resolved.append(target)
    return resolved


def _line(act: Act, *loc) -> int | None:
    return line_of(act.lines, loc)

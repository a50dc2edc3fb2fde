"""Run an import: sources → drafts → files, and a report of every file or row read.

Nothing is lost silently: each source (a text or PDF file, an SCDL row) ends up written,
skipped (its file exists and ``--force`` was not given, an empty row, a repeated row) or
failed, with a reason; written + skipped + failed always equals what was read.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from .. import frontmatter
from ..problems import relative
from ..settings import SiteSettings
from . import pdf, scdl, text, writer
from .draft import Draft, ImportFailed, decode, read_source

MAX_TEXT_BYTES = 20 * 1024 * 1024
PROGRESS_FROM = 20  # show a progress bar for runs of at least this many files or rows
DOCUMENT_TITLE = "Acte n° {number} (PDF)"


@dataclass
class Item:
    """What became of one source (or of ``count`` empty rows)."""

    source: str
    status: str  # "written", "skipped", "failed"
    target: str | None = None
    reason: str | None = None
    to_fill: list[str] = field(default_factory=list)
    to_fix: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    count: int = 1


@dataclass
class Report:
    dry_run: bool = False
    items: list[Item] = field(default_factory=list)
    read: int = 0  # files (text, pdf) or rows (scdl) read
    unit: str = "file"
    notes: list[str] = field(default_factory=list)  # about whole files

    def count(self, status: str) -> int:
        return sum(i.count for i in self.items if i.status == status)

    @property
    def ok(self) -> bool:
        return self.count("failed") == 0

    def lines(self) -> list[str]:
        out = list(self.notes)
        for item in self.items:
            if item.status == "written":
                out.append(f"{'would write' if self.dry_run else 'written'}: {item.target} "
                           f"(from {item.source})")
                if item.to_fill:
                    out.append("  to fill in: " + "; ".join(
                        f"{key} ({writer.HINTS.get(key, 'required')})" for key in item.to_fill))
                out.extend(f"  to fix: {problem}" for problem in item.to_fix)
                out.extend(f"  note: {note}" for note in item.notes)
            else:
                out.append(f"{item.status}: {item.source}: {item.reason}")
        return out

    def summary(self) -> str:
        unit = self.unit + ("s" if self.read != 1 else "")
        text = (f"{self.read} {unit} read: {self.count('written')} "
                f"{'to write' if self.dry_run else 'written'}, {self.count('skipped')} skipped, "
                f"{self.count('failed')} failed.")
        incomplete = [i for i in self.items if i.status == "written" and (i.to_fill or i.to_fix)]
        if incomplete:
            keys = Counter(k for i in incomplete for k in i.to_fill)
            fixes = sum(1 for i in incomplete if i.to_fix)
            parts = [f"{key} in {n}" for key, n in keys.items()] + ([f"problems to fix in {fixes}"] if fixes
                                                                     else [])
            text += (f" {len(incomplete)} of the files must be completed before `make html` "
                     f"({', '.join(parts)}).")
        return text


class Importer:
    """Writes drafts into ``into`` (documents into ``documents``), never over a file unless ``force``."""

    def __init__(self, site: SiteSettings, into: Path, documents: Path, *, body: str | None = None,
                 force: bool = False, dry_run: bool = False, out: TextIO | None = None, debug: bool = False):
        self.site, self.into, self.documents = site, into, documents
        self.body, self.force, self.dry_run, self.out, self.debug = body, force, dry_run, out, debug
        self.existing = numbers_in(into)
        self.holds = {path: number for number, path in self.existing.items()}  # file → its act's number
        self.claimed: dict[str, str] = {}  # number → source, in this run

    def run(self, kind: str, files: list[Path], progress=None) -> Report:
        report = Report(dry_run=self.dry_run, unit="row" if kind == "scdl" else "file")
        sources = list(self._sources(kind, files, report))
        with _Progress(progress, len(sources), report.unit) as advance:
            for source in sources:
                report.items.append(self._one(kind, source))
                advance()
        return report

    def _sources(self, kind: str, files: list[Path], report: Report):
        """Drafts to write, or items already settled (failed files, rejected rows)."""
        bodies = dict(self.site.BODIES)
        for path in files:
            if kind != "scdl":
                report.read += 1
                yield (path, kind)
                continue
            try:
                read = scdl.read(path, bodies, self.body, self.site.COLLECTIVITY.siret)
            except ImportFailed as e:
                report.read += 1
                yield Item(str(path), "failed", reason=e.reason)
                continue
            report.read += read.read
            report.notes.extend(f"{path.name}: {note}" for note in read.notes)
            for row in read.rows:
                yield row if isinstance(row, Draft) else Item(row.source, row.status, reason=row.reason,
                                                              count=row.count)

    def _one(self, kind: str, source) -> Item:
        if isinstance(source, Item):
            return source
        name = source.source if isinstance(source, Draft) else str(source[0])
        try:
            draft = source if isinstance(source, Draft) else self._parse(*source)
            return self._write(draft, kind)
        except ImportFailed as e:
            return Item(name, "failed", reason=e.reason)
        except Exception as e:  # noqa: BLE001 - one bad source must not stop the others
            if self.debug:
                raise
            return Item(name, "failed", reason=f"internal error ({type(e).__name__}: {e}); "
                        "run again with --debug for the details")

    def _parse(self, path: Path, kind: str) -> Draft:
        bodies = dict(self.site.BODIES)
        if kind == "pdf":
            return pdf.parse(path, str(path), bodies, self.body)
        raw = read_source(path, MAX_TEXT_BYTES, "the text of an act")
        if b"\x00" in raw:
            raise ImportFailed("the file is binary (it contains NUL bytes), not text; for a PDF use "
                               "`deliberations import pdf`")
        content, note = decode(raw)
        draft = text.parse(content, str(path), bodies, self.body)
        if note:
            draft.notes.insert(0, note)
        return draft

    def _write(self, draft: Draft, kind: str) -> Item:
        fields = dict(draft.fields)
        number = fields["number"]
        if number in self.claimed:
            return Item(draft.source, "failed", reason=f"number {number!r} is also the number of "
                        f"{self.claimed[number]} in this import; give each act its own number")
        self.claimed[number] = draft.source
        path = self.existing.get(number) or writer.target(fields, self.into)
        shown = relative(path, Path.cwd())
        if self.holds.get(path, number) != number:
            return Item(draft.source, "failed", target=shown, reason=f"{shown} holds act "
                        f"{self.holds[path]!r}, whose number gives the same file name as {number!r}")
        self.holds[path] = number
        if path.exists() and not self.force:
            return Item(draft.source, "skipped", target=shown,
                        reason=f"{shown} already exists (--force overwrites it)")
        document = None
        if draft.document is not None:
            name = f"{fields['session'].year}/{writer.file_name(number)}{draft.document.suffix.lower()}"
            document = self.documents / name
            if document.exists() and not self.force and not _same_file(document, draft.document):
                return Item(draft.source, "skipped", target=shown, reason=f"{relative(document, Path.cwd())} "
                            "already exists with other content (--force overwrites it)")
            fields["documents"] = [{"file": name, "title": DOCUMENT_TITLE.format(number=number)}]
        origin = f"{Path(draft.source).name} by `deliberations import {kind}`"
        content = writer.render(fields, draft.text, origin)
        to_fill, to_fix = writer.check(content, shown, self.site)
        if self.dry_run:
            if self.out is not None:
                self.out.write(f"# {shown}\n{content}\n")
        else:
            if document is not None:
                _replace(document, lambda tmp: shutil.copyfile(draft.document, tmp))
            _replace(path, lambda tmp: tmp.write_text(content, encoding="utf-8"))
        return Item(draft.source, "written", target=shown, to_fill=to_fill, to_fix=to_fix, notes=draft.notes)





def numbers_in(folder: Path) -> dict[str, Path]:
    """Number → file of the acts already in ``folder`` (unreadable files are the check's business)."""
    found: dict[str, Path] = {}
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.md")):
        try:
            source, _, _ = frontmatter.split(frontmatter.decode(path.read_bytes()))
            data, _ = frontmatter.load(source)
        except (OSError, frontmatter.FrontMatterError):
            continue
        number = data.get("number")
        if isinstance(number, str | int) and not isinstance(number, bool):
            found.setdefault(str(number).strip(), path)
    return found


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.read_bytes() == b.read_bytes()
    except OSError:
        return False


def _replace(path: Path, write) -> None:
    """Write through a temporary file then rename: an interrupted import leaves no half file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.importing-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


class _Progress:
    """A rich progress bar on the terminal for long runs; nothing otherwise."""

    def __init__(self, console, total: int, unit: str):
        self.bar = None
        if console is not None and console.is_terminal and total >= PROGRESS_FROM:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self.bar = Progress(TextColumn(f"Importing {unit}s"), BarColumn(), MofNCompleteColumn(),
                                console=console, transient=True)
            self.task = self.bar.add_task("import", total=total)

    def __enter__(self):
        if self.bar is None:
            return lambda: None
        self.bar.start()
        return lambda: self.bar.advance(self.task)

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.stop()

"""The build pipeline up to the pages: read → validate → link.

Both the Pelican generator and ``deliberations check`` call :func:`load_corpus`, so what
the check accepts is exactly what the build publishes.
"""

from __future__ import annotations

from pathlib import Path

from . import paths
from .link import Corpus, link
from .problems import ContentError, Problems
from .reader import read_act
from .settings import SiteSettings


def content_files(folder: Path) -> list[Path]:
    """Every act file: ``*.md`` below the deliberations folder, in a stable order."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*.md") if not p.name.startswith("."))


def other_files(folder: Path) -> list[Path]:
    """Files below the deliberations folder that are not acts (``22-B-0183.MD``, ``.txt``…)."""
    return sorted(p for p in folder.rglob("*")
                  if p.suffix != ".md" and not p.name.startswith(".") and p.is_file())


def load_corpus(content_root: Path, settings: SiteSettings, shown_relative_to: Path | None = None,
                ) -> tuple[Corpus, Problems]:
    """Read and check every act; raise :class:`ContentError` listing all errors if any."""
    problems = Problems()
    base = shown_relative_to or content_root.parent
    acts = []
    folder = content_root / settings.DELIBERATIONS_PATH
    # A wrong path would publish an empty site over the real one: an error, not an empty build.
    if not folder.is_dir():
        problems.error(_shown(folder, base), "folder of the acts not found "
                       f"(PATH and DELIBERATIONS_PATH in the settings: {settings.DELIBERATIONS_PATH!r})")
    for path in other_files(folder) if folder.is_dir() else []:
        problems.warning(_shown(path, base), "not read: an act is a file whose name ends in '.md'")
    refused = paths.refused_links(folder, content_root)
    for path, why in refused.items():
        problems.error(_shown(path, base), why)
    for path in content_files(folder):
        if path in refused:
            continue
        act, found = read_act(path, _shown(path, base))
        problems.extend(found)
        if act is not None:
            acts.append(act)
    corpus = link(acts, settings, content_root / settings.DOCUMENTS_PATH, problems)
    if problems.errors:
        raise ContentError(problems.items)
    return corpus, problems


def _shown(path: Path, base: Path) -> str:
    try:
        return str(path.relative_to(base))
    except ValueError:
        return str(path)

"""Where a build may read and write: it reads under ``content/`` and writes ``output/``, nothing else.

Act files and documents are read only when their real path (symbolic links resolved) is inside
the content folder; the output folder is refused when replacing it would destroy anything
else (the project, its content, a folder that is not a site).
"""

from __future__ import annotations

import os
from pathlib import Path

from .problems import PublishError

SITE_MARKER = "index.html"  # a folder holding a built site has its home page


class PathError(PublishError):
    """A path the build refuses to write to."""


def inside(path: Path, root: Path) -> bool:
    """True when ``path``, symbolic links resolved, is ``root`` or below it."""
    try:
        return path.resolve().is_relative_to(root.resolve())
    except (OSError, RuntimeError):  # a symlink loop
        return False


def refused_links(folder: Path, root: Path) -> dict[Path, str]:
    """Symbolic links below ``folder`` that the build refuses, each with the reason.

    A link to a file outside ``root`` would publish something that is not content; a link to a
    folder is not followed, so the acts in it would vanish without a word.
    """
    refused: dict[Path, str] = {}
    pending = [folder] if folder.is_dir() else []
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:  # tens of thousands of files: a Path only for those that matter
                if entry.is_symlink():
                    path = Path(entry.path)
                    if path.is_dir():
                        refused[path] = ("is a symbolic link to a folder, which is not read; "
                                         "move the acts into the folder itself")
                    elif entry.name.endswith(".md") and not inside(path, root):
                        refused[path] = (f"is a symbolic link to a file outside {root.name}/; "
                                         "copy the file here instead")
                elif entry.is_dir():
                    pending.append(entry.path)
    return refused


def check_output(output: Path, content: Path, project: Path) -> Path:
    """Return the real output folder, or raise :class:`PathError` if replacing it is unsafe.

    The output is replaced as a whole: it must not hold the content or the project (the folder
    of the settings file), nor be inside the content, which the build reads.
    """
    real = output.resolve()
    if real == Path(real.anchor) or real == Path.home().resolve():
        raise PathError(f"refusing to build into {output}: the whole folder would be replaced")
    for folder in (content.resolve(), project.resolve()):
        if folder.is_relative_to(real):
            raise PathError(f"refusing to build into {output}: it holds {folder}, "
                            "which would be replaced by the site")
    if real.is_relative_to(content.resolve()):
        raise PathError(f"refusing to build into {output}: it is inside the content folder {content}")
    if real.exists() and not real.is_dir():
        raise PathError(f"refusing to build into {output}: it is a file, not a folder")
    if real.is_dir() and any(real.iterdir()) and not (real / SITE_MARKER).is_file():
        raise PathError(f"refusing to build into {output}: it is not empty and holds no built "
                        f"site ({SITE_MARKER}); empty or remove it first")
    return real

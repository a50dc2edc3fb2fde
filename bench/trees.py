"""Trees of earlier runs, moved aside while a benchmark measures, deleted once it is done.

On an ext4 file system without a journal, creating a file right after tens of thousands were
deleted costs up to ten times more (the kernel skips the inodes freed in the last minutes, one
by one): a cold build or index timed right after deleting the previous one would time the
deletion. A CI runner builds in a fresh checkout, where nothing was just deleted.
"""

from __future__ import annotations

from pathlib import Path


def discard(tree: Path, folder: Path) -> None:
    """Move ``tree``, if it exists, into ``folder`` (on the same disk), to be deleted later."""
    if tree.exists():
        folder.mkdir(parents=True, exist_ok=True)
        tree.rename(folder / f"{len(list(folder.iterdir()))}-{tree.name}")

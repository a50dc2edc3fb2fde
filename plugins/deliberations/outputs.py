"""Where a build writes: a staging folder, swapped with the live site at the end.

The staging folder, in the build cache (or beside the site when the cache is on another
disk), holds the site as it was before the last build. A build updates it in place — files
whose inputs did not change are kept or hard-linked from the live site, the others written,
those no longer produced removed — and then swaps it with the live site by renames. The live
site is never written to, so a failed build leaves it exactly as it was, and a rebuild writes
only what changed.

Each file written with a *key* (a hash of everything it was made from) is recorded in a
manifest in the build cache, with the file's identity (inode, size, modification time). A file
is reused only when its key and its identity both match: a file edited by hand, a lost or
damaged manifest, means writing it again. Files are never written in place when they are
shared with the live site: they are replaced.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import shutil
import stat
import tempfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import NamedTuple

from . import collector, timings

SETTINGS_KEY = "DELIBERATIONS_OUTPUTS"  # how the build hands its Outputs to the generators
MANIFEST_FORMAT = "deliberations-outputs-4"


class Entry(NamedTuple):
    key: str
    ino: int
    size: int
    mtime: int

    def matches(self, path: Path | str) -> bool:
        try:
            st = os.lstat(path)
        except OSError:
            return False
        return (stat.S_ISREG(st.st_mode) and st.st_ino == self.ino and st.st_size == self.size
                and st.st_mtime_ns == self.mtime)

    def __reduce__(self):
        # Made by tuple.__new__, in C: the workers send back an entry for every file they write.
        return tuple.__new__, (Entry, tuple(self))


class Outputs:
    """Writes a build's files into ``folder``, reusing those whose key did not change.

    ``previous`` describes what ``folder`` already holds, ``live`` what ``live_folder`` (the
    site online) holds; both map a site-relative path to its :class:`Entry`.
    """

    def __init__(self, folder: Path, previous: dict[str, Entry] | None = None,
                 live: dict[str, Entry] | None = None, live_folder: Path | None = None):
        self.folder = folder
        self.previous = previous or {}
        self.live = live or {}
        self.live_folder = live_folder
        self.done: dict[str, Entry | None] = {}  # what this build wrote or kept, by path

    def reuse(self, path: str, key: str | None) -> bool:
        """Keep ``path`` if an earlier build made it from the same key; True if kept."""
        if key is None:
            return False
        # Called for every file of the site: the path as text, not a Path (a third of the time).
        entry = self.previous.get(path)
        if entry and entry.key == key and entry.matches(f"{self.folder}/{path}"):
            self.done[path] = entry
            return True
        entry = self.live.get(path)
        if entry and entry.key == key and entry.matches(f"{self.live_folder}/{path}"):
            target = self.folder / path
            _clear(target)
            _link(self.live_folder / path, target)
            self.done[path] = entry
            return True
        return False

    def write(self, path: str, data: str | bytes, key: str | None = None) -> tuple[str, Entry | None]:
        """Write ``path``; ``key`` lets a later build keep it. Returns what :meth:`add` takes."""
        target = self.folder / path
        _clear(target, shared_only=True)
        # Written over, then cut to size: a file emptied first has its blocks freed and
        # allocated again, which costs more than the writing itself.
        try:
            fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o666)
        except FileNotFoundError:
            _make_folder(target.parent)
            fd = os.open(target, os.O_WRONLY | os.O_CREAT, 0o666)
        with open(fd, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)
            cut(f)
        return self._record(path, target, key)

    def copy(self, source: Path, path: str, key: str | None = None) -> None:
        if self.reuse(path, key):
            return
        target = self.folder / path
        _clear(target)
        _make_folder(target.parent)
        shutil.copyfile(source, target)
        self._record(path, target, key)

    def link(self, source: Path, path: str, key: str) -> None:
        """Hard-link ``source``, a file that never changes under this key (the search index's
        bundles in the cache), to ``path``; copy it where a link cannot be made."""
        if self.reuse(path, key):
            return
        target = self.folder / path
        _clear(target)
        try:
            _link(source, target)
        except OSError:  # another file system
            shutil.copyfile(source, target)
        self._record(path, target, key)

    def record(self, path: str, key: str | None) -> None:
        """Record ``path``, written by other means (a table streamed to disk), under ``key``."""
        self._record(path, self.folder / path, key)

    def add(self, written: list[tuple[str, Entry | None]]) -> None:
        """Record files written by worker processes."""
        self.done.update(written)

    def _record(self, path: str, target: Path, key: str | None) -> tuple[str, Entry | None]:
        entry = None
        if key is not None:
            st = os.stat(target)
            entry = Entry(key, st.st_ino, st.st_size, st.st_mtime_ns)
        self.done[path] = entry
        return path, entry


class Staging:
    """The life of one build's output: prepare the staging folder, then commit or leave it.

    Use as a context manager (it holds a lock, so that two builds of the same site wait for
    each other); call :meth:`commit` once the generators are done.
    """

    def __init__(self, output: Path, cache_folder: Path | None):
        self.output = output
        self.folder = staging_folder(output, cache_folder)
        self.manifests = cache_folder / "manifests" if cache_folder else None
        self._lock: int | None = None
        self.started = 0

    def __enter__(self) -> Staging:
        self._lock = os.open(self.output.parent, os.O_RDONLY)
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        with timings.phase("swap"):  # the staging folder's bookkeeping, as at its end
            _make_folder(self.folder)
            # A failed build may have changed some files of the folder: their identity tells.
            previous = self._manifest(self.folder)
            live = self._manifest(self.output) if self.output.is_dir() else {}
            self.outputs = Outputs(self.folder, previous, live, self.output)
            # Anything in the folder written before this instant and not kept is left over.
            fd, probe = tempfile.mkstemp(dir=self.folder)
            self.started = os.fstat(fd).st_mtime_ns
            os.close(fd)
            os.unlink(probe)
        return self

    def __exit__(self, *exc) -> None:
        os.close(self._lock)

    def commit(self, swap: Callable[[Path, Path], None]) -> None:
        """Record the manifest, then ``swap(folder, output)``: the staging folder goes online,
        the previous site comes back in its place. Call :meth:`remove_leftovers` first."""
        self._save_manifest()
        swap(self.folder, self.output)
        self._forget_other_manifests()

    def remove_leftovers(self) -> dict[str, tuple | None]:
        """Remove the files this build did not produce: the staging folder is then the new site.
        Returns the files it holds (site-relative paths), for the self-check, with the identity
        (device, inode, size, modification time) of those this build wrote or kept with a key."""
        # Not the change time: it moves when another link to the same file comes or goes.
        done, before = self.outputs.done, self.outputs.previous
        device = os.stat(self.folder).st_dev
        kept: dict[str, tuple | None] = {}
        for path, entry in files_below(self.folder):
            if path not in done and (path in before
                                     or entry.stat(follow_symlinks=False).st_mtime_ns < self.started):
                target = self.folder / path
                target.unlink()
                with contextlib.suppress(OSError):  # not empty: other files still live there
                    for parent in target.parents:
                        if parent == self.folder:
                            break
                        parent.rmdir()
            else:
                entry = done.get(path)
                # Taken by this build, under its lock: the file has not changed since.
                kept[path] = entry and (device, entry.ino, entry.size, entry.mtime)
        return kept

    # -- manifests -------------------------------------------------------------------------

    def _manifest_path(self, tree: Path) -> Path | None:
        if self.manifests is None:
            return None
        st = os.stat(tree)
        return self.manifests / f"{st.st_dev}-{st.st_ino}.pickle"

    def _manifest(self, tree: Path) -> dict[str, Entry]:
        path = self._manifest_path(tree)
        if path is None:
            return {}
        try:
            # An entry for every file of the site: with collections on, loading those of 100 000
            # acts took 1.1 s instead of 0.22 s.
            with collector.paused(), path.open("rb") as f:
                header, names, entries = pickle.load(f)
                if header != MANIFEST_FORMAT:
                    return {}
                return dict(zip(names, map(partial(tuple.__new__, Entry), entries), strict=True))
        except Exception:  # noqa: BLE001 - missing or damaged: nothing is reused
            return {}

    def _save_manifest(self) -> None:
        path = self._manifest_path(self.folder)
        if path is None:
            return
        # Paths and entries as plain tuples, pickled in C: an Entry pickles through a call of
        # its __reduce__ (100 000 acts: 1.1 s instead of 0.3 s).
        with collector.paused():
            kept = [(name, entry) for name, entry in self.outputs.done.items() if entry]
            data = pickle.dumps((MANIFEST_FORMAT, [name for name, _ in kept], [tuple(e) for _, e in kept]),
                                protocol=pickle.HIGHEST_PROTOCOL)
        with contextlib.suppress(OSError):  # without a manifest the next build writes everything
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)

    def _forget_other_manifests(self) -> None:
        keep = {self._manifest_path(tree) for tree in (self.output, self.folder) if tree.is_dir()}
        if self.manifests is not None and self.manifests.is_dir():
            for path in self.manifests.glob("*.pickle"):
                if path not in keep:
                    path.unlink(missing_ok=True)


def cut(f) -> None:
    """Cut a file written over its previous content where the writing stopped, if it was longer
    before (a truncation costs even where it cuts nothing)."""
    if f.tell() < os.fstat(f.fileno()).st_size:
        f.truncate()


def staging_folder(output: Path, cache_folder: Path | None) -> Path:
    """``<cache>/sites/<hash of the output path>``, or ``.<output>.staging`` beside the site when
    the cache is on another disk: the two folders are swapped by renames, within one disk."""
    output.parent.mkdir(parents=True, exist_ok=True)
    if cache_folder is not None:
        cache_folder.mkdir(parents=True, exist_ok=True)
        if os.stat(cache_folder).st_dev == os.stat(output.parent).st_dev:
            name = hashlib.blake2b(str(output).encode(), digest_size=8).hexdigest()
            return cache_folder / "sites" / name
    return output.with_name(f".{output.name}.staging")


def outputs_for(settings: dict, output_path: str) -> Outputs:
    """The build's :class:`Outputs`, or a plain one writing into ``output_path`` (run by Pelican alone)."""
    return settings.get(SETTINGS_KEY) or Outputs(Path(output_path))


def files_below(folder: Path) -> Iterator[tuple[str, os.DirEntry]]:
    """(POSIX path from ``folder``, os.DirEntry) of every file below ``folder``; a link to a
    folder is not followed, and comes as a file."""
    # Paths as text: a Path object for each of tens of thousands of folders is a third of the walk.
    stack = [(str(folder), "")]
    while stack:
        current, prefix = stack.pop()
        with os.scandir(current) as entries:
            for e in entries:
                if e.is_dir(follow_symlinks=False):
                    stack.append((e.path, f"{prefix}{e.name}/"))
                else:
                    yield f"{prefix}{e.name}", e


def _clear(target: Path, shared_only: bool = False) -> None:
    """Remove ``target`` (a folder in the way included); with ``shared_only``, only a shared file."""
    try:
        st = os.lstat(target)
    except FileNotFoundError:
        return
    except NotADirectoryError:  # a file where a folder should be: _make_folder handles it
        return
    if stat.S_ISDIR(st.st_mode):
        shutil.rmtree(target)
    elif not shared_only or st.st_nlink > 1 or not stat.S_ISREG(st.st_mode):
        target.unlink()


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        # A file stands where a folder must be (the site changed shape): replace it.
        for parent in reversed([folder, *folder.parents]):
            if parent.is_file() or parent.is_symlink():
                parent.unlink()
                break
        folder.mkdir(parents=True, exist_ok=True)


def _link(source: Path, target: Path) -> None:
    try:
        os.link(source, target)
    except FileNotFoundError:
        _make_folder(target.parent)
        os.link(source, target)

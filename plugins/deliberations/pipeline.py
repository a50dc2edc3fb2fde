"""The build pipeline up to the pages: read → validate → link.

Both the Pelican generator and ``deliberations check`` call :func:`load_corpus`, so what
the check accepts is exactly what the build publishes.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import os
import pickle
import time
from pathlib import Path

from . import cache, collector, parallel, paths, timings
from .link import Corpus, link
from .problems import ContentError, Problem, Problems
from .reader import parse_act
from .settings import SiteSettings

READS_CACHE = "reads"  # folder of the build cache: each file's act, pickled, by a hash of its bytes
IDENTITIES_FILE = "identities.pickle"
IDENTITIES_FORMAT = "deliberations-identities-1"


def content_files(folder: Path) -> tuple[list[str], list[str]]:
    """Below the deliberations folder, in a stable order (folder by folder, as paths sort): the
    act files (``*.md``), and the other files (``22-B-0183.MD``, ``.txt``…), which are not read."""
    # Paths as text: a Path object for each of tens of thousands of files is most of the time.
    acts, others = [], []
    for parent, _, files in os.walk(folder):
        for name in files:
            if not name.startswith("."):
                (acts if name.endswith(".md") else others).append(os.path.join(parent, name))
    return sorted(acts, key=_parts), sorted(others, key=_parts)


def _parts(path: str) -> list[str]:
    return path.split(os.sep)


def load_corpus(content_root: Path, settings: SiteSettings, shown_relative_to: Path | None = None,
                *, cache_folder: Path | None = None, jobs: int = 1) -> tuple[Corpus, Problems]:
    """Read and check every act; raise :class:`ContentError` listing all errors if any.

    Files already read by an earlier build (same bytes, same code) come from the cache in
    ``cache_folder``; the others are read on ``jobs`` cores.
    """
    problems = Problems()
    base = shown_relative_to or content_root.parent
    folder = content_root / settings.DELIBERATIONS_PATH
    # A wrong path would publish an empty site over the real one: an error, not an empty build.
    if not folder.is_dir():
        problems.error(_shown(folder, base), "folder of the acts not found "
                       f"(PATH and DELIBERATIONS_PATH in the settings: {settings.DELIBERATIONS_PATH!r})")
    files, others = content_files(folder)
    for path in others:
        problems.warning(_shown(path, base), "not read: an act is a file whose name ends in '.md'")
    refused = {str(path): why for path, why in paths.refused_links(folder, content_root).items()}
    for path, why in refused.items():
        problems.error(_shown(path, base), why)
    files = [path for path in files if path not in refused]
    with timings.phase("read"):
        results = read_all(files, [_shown(p, base) for p in files], cache_folder, jobs)
    acts = []
    for act, found in results:
        problems.extend(found)
        if act is not None:
            acts.append(act)
    with timings.phase("link"):
        corpus = link(acts, settings, content_root / settings.DOCUMENTS_PATH, problems)
    if problems.errors:
        raise ContentError(problems.items)
    # The corpus lives as long as the build: collections need not scan its objects again and again.
    gc.freeze()
    return corpus, problems


def read_all(paths: list[str], shown: list[str], cache_folder: Path | None, jobs: int) -> list:
    """(act or None, problems) for each file, in order: from the cache, or read in parallel."""
    folder = cache_folder and cache_folder / READS_CACHE
    store = cache.Store(folder).load()
    known = _Identities(folder)
    blobs: list[bytes | None] = [None] * len(paths)
    if store:  # a first build has nothing cached: the files are read once, by read_one
        for i, path in enumerate(paths):
            with contextlib.suppress(OSError):  # read_one says why
                identity = _identity(path)  # before the bytes: a file changed meanwhile is read again
                key = known.key(shown[i], identity) or _key(_read(path), shown[i])
                blobs[i] = store.get(key)
                if blobs[i] is not None:
                    known.keep(shown[i], identity, key)
    missing = [i for i, blob in enumerate(blobs) if blob is None]

    def read_slice(start: int, stop: int) -> list:
        return [read_one(paths[i], shown[i]) for i in missing[start:stop]]

    def load(made: list) -> list:  # here, as each slice comes, while the workers read the others
        return list(zip(made, _unpickled([blob for _key, blob, _identity in made]), strict=True))

    results: list = [None] * len(paths)
    for i, ((key, blob, identity), loaded) in zip(
            missing, parallel.map_slices(read_slice, len(missing), jobs, then=load), strict=True):
        results[i] = loaded
        if key is not None:
            store.put(key, blob)
            known.keep(shown[i], identity, key)
    store.save()
    known.save()
    del store
    cached = [i for i, blob in enumerate(blobs) if blob is not None]
    kept = [blobs[i] for i in cached]
    blobs.clear()
    for i, loaded in zip(cached, _unpickled(kept), strict=True):
        results[i] = loaded
    return results


def _unpickled(blobs: list) -> list:
    """The objects ``blobs`` unpickle to; each blob of the list is let go once loaded (memory)."""
    # Tens of thousands of long-lived objects: collections walking them while they are made
    # were half the time of this loop; they are freed with the corpus.
    with collector.paused():
        loaded = []
        for i, blob in enumerate(blobs):
            loaded.append(pickle.loads(blob))
            blobs[i] = None
        # Frozen too, or the first collections after this would scan every one of them, the
        # youngest objects of the process, two or three times over (most of the link stage).
        gc.freeze()
        return loaded


def read_one(path: str, shown_as: str) -> tuple[str | None, bytes, tuple | None]:
    """Cache key, pickled (act, problems) and identity of one file; no key when it cannot be read."""
    try:
        identity = _identity(path)
        raw = _read(path)
    except OSError as e:
        found = [Problem(shown_as, None, None, f"cannot read file: {e.strerror}")]
        return None, pickle.dumps((None, found)), None
    return (_key(raw, shown_as), pickle.dumps(parse_act(raw, shown_as), protocol=pickle.HIGHEST_PROTOCOL),
            identity)


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _identity(path: str) -> tuple:
    # The change time too: a tool may set the modification time back, never the change time.
    st = os.stat(path)
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


class _Identities:
    """The cache key of each file as last read, with the file's identity then: a file whose
    identity did not change is not read again to learn its key. The key is still a hash of
    the bytes, so a fresh checkout (new times, new inodes) reads every file once, and finds
    what it read in the cache."""

    def __init__(self, folder: Path | None):
        self.path = folder and folder / IDENTITIES_FILE
        found = cache.load_pickle(self.path) if self.path else None
        self.before: dict = found[1] if isinstance(found, tuple) and found[:1] == (IDENTITIES_FORMAT,) else {}
        self.now: dict = {}
        self.racy = time.time_ns() - cache.RACY_NS

    def key(self, shown: str, identity: tuple) -> str | None:
        found = self.before.get(shown)
        return found[1] if found and found[0] == identity else None

    def keep(self, shown: str, identity: tuple, key: str) -> None:
        # A file written in the last instants may change again within the same time stamp.
        if max(identity[3], identity[4]) < self.racy:
            self.now[shown] = (identity, key)

    def save(self) -> None:
        if self.path is not None and self.now != self.before:
            with contextlib.suppress(OSError):  # the next build reads the files again
                cache.save_pickle(self.path, (IDENTITIES_FORMAT, self.now))


def _key(raw: bytes, shown_as: str) -> str:
    # Messages name the file, so the same bytes under another name are read again.
    return hashlib.blake2b(shown_as.encode() + b"\0" + raw, digest_size=16).hexdigest()


def _shown(path: str | Path, base: Path) -> str:
    """``path`` relative to ``base`` when below it (as text: this runs for every file)."""
    text, prefix = str(path), os.path.join(base, "")
    return text[len(prefix):] if text.startswith(prefix) else text

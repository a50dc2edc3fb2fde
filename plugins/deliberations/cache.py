"""The build cache (``BUILD_CACHE_PATH``, ``.cache/`` by default): what a build reuses from the last.

Everything is keyed by hashes of what it was made from — the bytes of a file, never its
modification time, which a CI checkout resets — and by the version of the code that made it.
A cache that is missing, unreadable, truncated or written by another version is ignored: the
build does the work again; it never fails because of the cache. The cache holds pickles, so it
is trusted like the settings file next to it (which is Python code too).
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
import os
import pickle
import sys
import tempfile
from pathlib import Path

from .outputs import SETTINGS_KEY

FORMAT = "deliberations-cache-1"
# A file modified this recently may be modified again within the same time stamp: its identity
# (inode, size, times) proves nothing next time, and its bytes are read again.
RACY_NS = 2_000_000_000
# Libraries whose version can change what a build writes.
DEPENDENCIES = ("pelican", "cmarkgfm", "nh3", "Jinja2", "pydantic", "pydantic_core", "babel", "PyYAML")
PACKAGE = Path(__file__).resolve().parent
CODE_SUFFIXES = (".py", ".csv", ".json")
# Settings that say where and how to build, not what: they change no page.
NOT_SHOWN_SETTINGS = {"OUTPUT_PATH", "BUILD_CACHE_PATH", "BUILD_JOBS", "DELETE_OUTPUT_DIRECTORY",
                      SETTINGS_KEY}


@functools.cache
def code_version() -> str:
    """A hash of this package's code and data and of the libraries' versions."""
    h = hashlib.blake2b(digest_size=16)
    for path in sorted(PACKAGE.rglob("*")):
        if path.suffix in CODE_SUFFIXES and "__pycache__" not in path.parts:
            h.update(path.relative_to(PACKAGE).as_posix().encode())
            h.update(path.read_bytes())
    for name in DEPENDENCIES:
        h.update(f"{name}={importlib.metadata.version(name)}".encode())
    h.update(sys.version.encode())
    return h.hexdigest()


def digest(*parts: str | bytes) -> str:
    """A short hash of several texts; ``("ab", "c")`` and ``("a", "bc")`` differ."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def folder_digest(folder: Path) -> str:
    """A hash of every file below ``folder`` (names and bytes), e.g. the theme's templates."""
    h = hashlib.blake2b(digest_size=16)
    if folder.is_dir():
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                h.update(path.relative_to(folder).as_posix().encode() + b"\0")
                h.update(path.read_bytes())
    return h.hexdigest()


def build_key(settings: dict, theme: str) -> str:
    """What every page depends on besides its own inputs: code, templates and settings.

    A template that shows on every page something drawn from the whole corpus must put it
    in its pages' inputs instead (see :class:`deliberations.pages.Page`).
    """
    overrides = settings.get("THEME_TEMPLATES_OVERRIDES", [])
    templates = [Path(theme) / "templates", *map(Path, overrides)]
    shown = {k: v for k, v in settings.items() if k not in NOT_SHOWN_SETTINGS}
    return digest(code_version(), *map(folder_digest, templates), stable_repr(shown))


def stable_repr(value) -> str:
    """Text of a settings value that is the same from one run to the next.

    ``repr`` of a function holds its address, which changes every run; a function is known
    by its qualified name instead.
    """
    if isinstance(value, dict):
        items = sorted((stable_repr(k), stable_repr(v)) for k, v in value.items())
        return "{" + ", ".join(f"{k}: {v}" for k, v in items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(stable_repr(v) for v in value) + "]"
    if isinstance(value, set | frozenset):
        return "{" + ", ".join(sorted(stable_repr(v) for v in value)) + "}"
    if hasattr(value, "model_dump"):
        return stable_repr(value.model_dump())
    if callable(value) or isinstance(value, type(sys)):
        return f"{getattr(value, '__module__', '')}.{getattr(value, '__qualname__', type(value).__name__)}"
    text = repr(value)
    return type(value).__qualname__ if " at 0x" in text else text


class Store:
    """Pickled values by key, in 256 files by the key's first two hex digits.

    ``save`` keeps exactly the keys used since ``load``: entries of deleted or changed files
    go, and only the files whose set of keys changed are rewritten.
    """

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._loaded: dict[str, dict[str, bytes]] = {}
        self._used: dict[str, dict[str, bytes]] = {}

    def load(self) -> Store:
        if self.folder is not None and self.folder.is_dir():
            for path in self.folder.glob("??.pickle"):
                entries = _read(path)
                if entries is not None:
                    self._loaded[path.stem] = entries
        return self

    def __bool__(self) -> bool:
        """Whether anything was loaded."""
        return bool(self._loaded)

    def get(self, key: str) -> bytes | None:
        value = self._loaded.get(key[:2], {}).get(key)
        if value is not None:
            self._used.setdefault(key[:2], {})[key] = value
        return value

    def put(self, key: str, value: bytes) -> None:
        self._used.setdefault(key[:2], {})[key] = value

    def save(self) -> None:
        if self.folder is None:
            return
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            for shard in {*self._loaded, *self._used}:
                entries = self._used.get(shard, {})
                if entries.keys() != self._loaded.get(shard, {}).keys():
                    _write(self.folder / f"{shard}.pickle", entries)
        except OSError:
            pass  # a read-only or full disk: the next build reads again, nothing is lost
        self._loaded, self._used = self._used, {}


def _read(path: Path) -> dict[str, bytes] | None:
    found = load_pickle(path)
    if isinstance(found, tuple) and len(found) == 3:
        header, version, entries = found
        if header == FORMAT and version == code_version() and isinstance(entries, dict):
            return entries
    return None


def _write(path: Path, entries: dict[str, bytes]) -> None:
    if not entries:
        path.unlink(missing_ok=True)
        return
    save_pickle(path, (FORMAT, code_version(), entries))


def load_pickle(path: Path):
    """What :func:`save_pickle` wrote at ``path``; None when it is missing or damaged."""
    try:
        with path.open("rb") as f:
            return pickle.load(f)
    except Exception:  # noqa: BLE001 - any damage means "not cached"
        return None


def save_pickle(path: Path, value) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside, then renamed: a reader never sees half a file.
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as f:
            pickle.dump(value, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

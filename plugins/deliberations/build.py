"""Run a whole Pelican build into a staging folder, check it, then swap it in.

A failed build (bad content, a crash, Ctrl-C, a kill, a full disk, a failed self-check) must
leave the previous site exactly as it was: the webmaster's last good publication stays online.
The new site is written into a staging folder (see :mod:`.outputs`: it holds the site before
the last one, and a rebuild writes only what changed); only when it is complete and the
self-check passed does it take the place of ``output/``, in one atomic rename where the system
offers one. Folders left behind by a killed build are removed or put back by the next one.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import gc
import io
import logging
import os
import shutil
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import FileSystemBytecodeCache
from pelican import Pelican, signals
from pelican.settings import get_settings_from_file, read_settings

from . import cache as build_cache
from . import outputs, paths, timings
from . import settings as site_settings
from .pages import CORPUS
from .problems import PublishError
from .search import STATS, IndexStats, abandon_indexing
from .verify import verify

logger = logging.getLogger("deliberations")
# Pelican's logger class drops a message already logged once in the process: a second build
# in the same process (tests, a watcher) would hide its warnings. Every problem must be told.
if hasattr(logger, "disable_filter"):
    logger.disable_filter()

BUILDING = ".{name}.building-{pid}"  # where earlier versions wrote the new site
OLD = ".{name}.old-{pid}"  # the previous site, while it is being removed
DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}
RENAME_EXCHANGE = 2  # linux/fs.h
TEMPLATES_CACHE = "templates"  # compiled templates, in the build cache
AT_FDCWD = -100


@dataclass
class BuildResult:
    output: Path
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase
    search: IndexStats | None = None  # None when SEARCH_INDEX is off


class DiskFullError(PublishError):
    pass


def read_site_settings(settings_file: Path, **override) -> dict:
    logging.getLogger("pelican").setLevel(logging.WARNING)
    # Where Pelican has its own default for a key this project reads (FEED_MAX_ITEMS: 100
    # there, 50 here), a settings file that leaves the key out gets this project's default.
    own = get_settings_from_file(str(settings_file))
    defaults = site_settings.defaults_for(set(own))
    try:
        return read_settings(str(settings_file), override={**defaults, **override} or None)
    except ValueError as e:  # Pelican's own checks, e.g. a PATH that does not exist
        message = str(e)
        if "path containing the content" in message:
            message = f"PATH: the content folder {own.get('PATH', '.')!r} does not exist"
        raise site_settings.SettingsError(f"{settings_file.name}: {message}") from None


def cache_folder(settings_file: Path, site: site_settings.SiteSettings) -> Path:
    """BUILD_CACHE_PATH, relative to the settings file like Pelican's own paths."""
    return (settings_file.resolve().parent / site.BUILD_CACHE_PATH).resolve()


class TemplateCache(FileSystemBytecodeCache):
    """Jinja's cache of compiled templates, in a folder of the build cache. Like the rest of the
    build cache, it never makes a build fail: a template it cannot keep is compiled again."""

    def dump_bytecode(self, bucket) -> None:
        with contextlib.suppress(OSError):  # a full disk, a folder removed by another build
            super().dump_bytecode(bucket)


def template_cache(settings_file: Path, options: dict, cache: Path) -> TemplateCache | None:
    """Templates compiled by an earlier build, in the build cache: compiling them all again
    takes a tenth of a second. None where the cache folder cannot be made, or when the site's
    settings bring a cache of their own.

    Jinja knows a compiled template by its name and source; how it was compiled depends on the
    environment (its options, the filters of the code and of the settings) too: each version of
    the code and of the settings file has its own folder.
    """
    if "bytecode_cache" in options:
        return None
    folder = cache / TEMPLATES_CACHE / build_cache.digest(
        build_cache.code_version(), settings_file.read_bytes(), build_cache.stable_repr(options))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    for other in folder.parent.iterdir():  # compiled by other versions: of no more use
        if other != folder:
            shutil.rmtree(other, ignore_errors=True)
    return TemplateCache(str(folder))


def build(settings_file: Path, output: Path | None = None, jobs: int | None = None) -> BuildResult:
    """Build the site; on success ``output`` holds the new site, on failure it is untouched.

    ``jobs`` overrides BUILD_JOBS (processes used to read and render; 0 means one per core).
    """
    timings.reset()
    # What exists now (modules, classes, settings) lives as long as the process: the garbage
    # collector need not scan it again at each full collection of the build.
    gc.freeze()
    settings = read_site_settings(settings_file)
    site = site_settings.load(settings, source=settings_file.name)  # fail early, naming the file
    project = settings_file.resolve().parent
    content = Path(settings["PATH"])
    output = paths.check_output(Path(output or settings["OUTPUT_PATH"]), content, project)
    clean_stale(output)
    cache = cache_folder(settings_file, site)
    warnings = _Collect()
    logger.addHandler(warnings)
    context: dict = {}

    def keep_context(generators):
        context.update(generators[0].context)

    signals.all_generators_finalized.connect(keep_context)
    try:
        with outputs.Staging(output, cache) as staging:
            override = {
                "OUTPUT_PATH": str(staging.folder),
                "DELETE_OUTPUT_DIRECTORY": False,  # the staging folder is updated, not emptied
                "BUILD_CACHE_PATH": str(cache),
                outputs.SETTINGS_KEY: staging.outputs,
            }
            if jobs is not None:
                override["BUILD_JOBS"] = jobs
            if templates := template_cache(settings_file, settings["JINJA_ENVIRONMENT"], cache):
                override["JINJA_ENVIRONMENT"] = {**settings["JINJA_ENVIRONMENT"], "bytecode_cache": templates}
            settings = read_site_settings(settings_file, **override)
            with _terminate_as_interrupt(), _disk_full_explained(staging.folder):
                # Pelican closes with "Processed 0 articles": true of its own generators, but
                # misleading here, where the acts are counted by this project.
                with contextlib.redirect_stdout(io.StringIO()):
                    pelican = Pelican(settings)
                    pelican.run()
                with timings.phase("swap"):
                    files = staging.remove_leftovers()
                machine = [str(p) for p in (project, content.resolve(), output, staging.folder)]
                with timings.phase("verify"):
                    found = verify(staging.folder, context[CORPUS], site, machine, files, cache=cache,
                                   jobs=site.BUILD_JOBS if jobs is None else jobs)
                with timings.phase("swap"):
                    staging.commit(swap)
    finally:
        abandon_indexing()  # begun by a build that failed: its Pagefind runs end before it returns
        signals.all_generators_finalized.disconnect(keep_context)
        logger.removeHandler(warnings)
        gc.unfreeze()  # frozen while building (see pipeline.load_corpus): freed with the next collection
    return BuildResult(output, warnings.messages + [str(p) for p in found], timings.recorded(),
                       getattr(pelican, STATS, None))


def swap(new: Path, output: Path) -> None:
    """Put ``new`` in place of ``output``; the previous site takes the place of ``new``, where
    the next build updates it. Not interruptible."""
    with _uninterruptible():
        if not output.exists():
            os.replace(new, output)
        elif not _exchange(new, output):
            # No atomic exchange here: renames, and a build killed between them leaves the
            # previous site in OLD, which the next build puts back (see clean_stale).
            old = output.with_name(OLD.format(name=output.name, pid=os.getpid()))
            os.replace(output, old)
            os.replace(new, output)
            os.replace(old, new)


def clean_stale(output: Path) -> None:
    """Remove the folders of builds that were killed; restore a site caught between two renames."""
    for pattern, restore in ((OLD, True), (BUILDING, False)):
        for folder in sorted(output.parent.glob(pattern.format(name=output.name, pid="*"))):
            pid = folder.name.rsplit("-", 1)[-1]
            if pid.isdigit() and _alive(int(pid)):
                continue  # another build is running right now
            if restore and not output.exists():
                os.replace(folder, output)
                logger.warning("%s was restored from an interrupted build", output)
            else:
                shutil.rmtree(folder, ignore_errors=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2); False where that is not available."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    if renameat2(AT_FDCWD, os.fsencode(a), AT_FDCWD, os.fsencode(b), RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False  # the file system cannot exchange
    raise OSError(code, os.strerror(code), str(b))


@contextlib.contextmanager
def _uninterruptible():
    """Ignore Ctrl-C and termination while the new site goes online: once begun, it completes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _terminate_as_interrupt():
    """A termination request (``kill``, a stopped CI job) is handled like Ctrl-C: cleaned up."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _disk_full_explained(staging: Path):
    try:
        yield
    except OSError as e:
        if e.errno not in DISK_FULL:
            raise
        where = e.filename2 or e.filename or staging  # a copy names its source, then its target
        with contextlib.suppress(ValueError):
            where = Path(where).relative_to(staging)
        raise DiskFullError(f"cannot write {where}: {e.strerror}. Free some space on the disk of "
                            f"{staging.parent} and build again.") from None


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

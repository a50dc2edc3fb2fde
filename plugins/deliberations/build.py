"""Run a whole Pelican build into a temporary folder, then swap it in.

A failed build (bad content, a crash, Ctrl-C, a full disk) must leave the previous site
exactly as it was: the webmaster's last good publication stays online.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from pelican import Pelican
from pelican.settings import get_settings_from_file, read_settings

from . import settings as site_settings
from .search import STATS, IndexStats

logger = logging.getLogger("deliberations")
# Pelican's logger class drops a message already logged once in the process: a second build
# in the same process (tests, a watcher) would hide its warnings. Every problem must be told.
if hasattr(logger, "disable_filter"):
    logger.disable_filter()


@dataclass
class BuildResult:
    output: Path
    warnings: list[str]
    search: IndexStats | None = None  # None when SEARCH_INDEX is off


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


def build(settings_file: Path, output: Path | None = None) -> BuildResult:
    """Build the site; on success ``output`` holds the new site, on failure it is untouched."""
    settings = read_site_settings(settings_file)
    site_settings.load(settings, source=settings_file.name)  # fail early, naming the file
    output = Path(output or settings["OUTPUT_PATH"]).resolve()
    staging = output.with_name(f".{output.name}.building-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    settings = read_site_settings(settings_file, OUTPUT_PATH=str(staging))
    warnings = _Collect()
    logger.addHandler(warnings)
    try:
        # Pelican closes with "Processed 0 articles": true of its own generators, but
        # misleading here, where the acts are counted by this project.
        with contextlib.redirect_stdout(io.StringIO()):
            pelican = Pelican(settings)
            pelican.run()
        swap(staging, output)
    finally:
        logger.removeHandler(warnings)
        shutil.rmtree(staging, ignore_errors=True)
    return BuildResult(output, warnings.messages, getattr(pelican, STATS, None))


def swap(new: Path, output: Path) -> None:
    """Put ``new`` in place of ``output`` with two renames; the old tree is removed last."""
    old = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        os.replace(output, old)
    os.replace(new, output)
    shutil.rmtree(old, ignore_errors=True)


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

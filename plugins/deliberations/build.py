"""Run a whole Pelican build into a staging folder, then swap it in.

A failed build (bad content, a crash, Ctrl-C, a full disk) must leave the previous site
exactly as it was: the webmaster's last good publication stays online. The staging folder
and the build cache make a rebuild write only what changed (see :mod:`.outputs`).
"""

from __future__ import annotations

import contextlib
import gc
import io
import logging
from dataclasses import dataclass, field
from pathlib import Path

from pelican import Pelican
from pelican.settings import get_settings_from_file, read_settings

from . import outputs, timings
from . import settings as site_settings

logger = logging.getLogger("deliberations")
# Pelican's logger class drops a message already logged once in the process: a second build
# in the same process (tests, a watcher) would hide its warnings. Every problem must be told.
if hasattr(logger, "disable_filter"):
    logger.disable_filter()


@dataclass
class BuildResult:
    output: Path
    warnings: list[str]
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase


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


def build(settings_file: Path, output: Path | None = None, jobs: int | None = None) -> BuildResult:
    """Build the site; on success ``output`` holds the new site, on failure it is untouched.

    ``jobs`` overrides BUILD_JOBS (processes used to read and render; 0 means one per core).
    """
    timings.reset()
    settings = read_site_settings(settings_file)
    site = site_settings.load(settings, source=settings_file.name)  # fail early, naming the file
    output = Path(output or settings["OUTPUT_PATH"]).resolve()
    cache = cache_folder(settings_file, site)
    warnings = _Collect()
    logger.addHandler(warnings)
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
            settings = read_site_settings(settings_file, **override)
            # Pelican closes with "Processed 0 articles": true of its own generators, but
            # misleading here, where the acts are counted by this project.
            with contextlib.redirect_stdout(io.StringIO()):
                Pelican(settings).run()
            with timings.phase("swap"):
                staging.commit()
    finally:
        logger.removeHandler(warnings)
        gc.unfreeze()  # frozen while building (see pipeline.load_corpus): freed with the next collection
    return BuildResult(output, warnings.messages, timings.recorded())


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())

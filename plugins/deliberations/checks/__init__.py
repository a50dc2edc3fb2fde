"""The parts of the self-check (see :mod:`deliberations.verify`), one module per capability.

A capability that writes files into the site adds its module here, so that every build
checks its output against the content.
"""

from . import exports, feeds, files, html, pages, search  # noqa: F401

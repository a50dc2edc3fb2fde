"""The garbage collector, paused while the build makes many long-lived objects.

Acts loaded from the cache, the self-check's facts, the entries of the staging folder's
manifests: hundreds of thousands of objects, no cycles among them. While they are made, every
collection walks them all again, and the corpus with them, to free nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """No garbage collection meanwhile; afterwards, collections run as they did before."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()

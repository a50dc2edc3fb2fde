"""How long each phase of a build took (read, link, pages, exports, feeds, index…).

Phases add up when entered several times. ``deliberations build --timings`` prints them
and the benchmark reports them; nothing else depends on them.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

_phases: dict[str, float] = {}


def reset() -> None:
    _phases.clear()


@contextmanager
def phase(name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        _phases[name] = _phases.get(name, 0.0) + time.perf_counter() - start


def recorded() -> dict[str, float]:
    return dict(_phases)

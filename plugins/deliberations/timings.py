"""How long each phase of a build took (read, link, pages, exports, feeds, index…).

Phases add up when entered several times (``swap`` is all the staging folder's bookkeeping:
its manifests read at the start, leftovers removed, the manifest saved and the renames at the
end; ``index`` its plan, once the act pages are written, and the wait for Pagefind at the end).
Phases do not overlap, but Pagefind may run during the exports and feeds (see
:mod:`deliberations.search`), which then count the processor time it takes from them.
``deliberations build --timings`` prints them, with the start-up before the build (Python and
the imports), the rest of the build that no phase covers (``other``: settings, Pelican itself,
listing the content) and the total since the process started; the benchmark reports them.
Nothing else depends on them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

_phases: dict[str, float] = {}
_started = time.perf_counter()  # of the build, set again by reset()


def reset() -> None:
    global _started
    _phases.clear()
    _started = time.perf_counter()


@contextmanager
def phase(name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        _phases[name] = _phases.get(name, 0.0) + time.perf_counter() - start


def recorded() -> dict[str, float]:
    """The phases, then ``other``: the time since :func:`reset` that none of them covers."""
    other = time.perf_counter() - _started - sum(_phases.values())
    return {**_phases, "other": max(other, 0.0)}


def process_age() -> float | None:
    """Seconds since this process started (to the hundredth), or None where the system
    does not tell (Linux does, in /proc)."""
    try:
        with open("/proc/self/stat", "rb") as f:
            # The fields after the command name, which is in parentheses and may hold spaces;
            # the 20th of them is the start, in clock ticks since the boot.
            fields = f.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, ValueError, IndexError, AttributeError):
        return None
    return age if age >= 0 else None


def line(phases: dict[str, float], start: float | None = None, total: float | None = None) -> str:
    """``start 0.41 s  read 0.44 s  …  other 0.05 s  total 3.20 s``, as ``--timings`` prints it."""
    shown = {**({"start": start} if start is not None else {}), **phases,
             **({"total": total} if total is not None else {})}
    return "  ".join(f"{name} {seconds:.2f} s" for name, seconds in shown.items())

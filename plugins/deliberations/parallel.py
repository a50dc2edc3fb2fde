"""Spread work over the cores with forked workers that inherit the corpus rather than receive it.

The corpus is a large graph of objects: pickling it to each worker would cost more than the
work itself. A forked worker sees the parent's memory as it was at the fork, so the parent
prepares everything first (files to read, pages to render), then each worker is handed slices
``(start, stop)`` of that list and sends back small results.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from math import ceil

MIN_PER_WORKER = 8  # below this, starting workers costs more than it saves
SLICES_PER_WORKER = 8  # several slices each, so that a slow slice does not leave a core idle
MAX_PER_WORKER = 15_000  # items one worker handles before new workers are forked (memory)

_task: Callable[[int, int], list] | None = None


def workers(jobs: int) -> int:
    """How many processes to use: ``jobs``, or one per core this process may run on when 0."""
    return jobs if jobs > 0 else len(os.sched_getaffinity(0))


def map_slices(task: Callable[[int, int], list], count: int, jobs: int,
               per_worker: int = SLICES_PER_WORKER, then: Callable[[list], list] | None = None) -> list:
    """``task(start, stop)`` over ``range(count)`` cut in slices, ``per_worker`` for each worker;
    the results, concatenated in order. ``then`` is applied here, in this process, to the results
    of each slice as they come (in order), while the workers go on with the others.

    With one job, or little work, or other threads running, everything runs here, in this process.
    """
    jobs = min(workers(jobs), count // MIN_PER_WORKER)
    if jobs <= 1 or _threads() > 1:
        results = task(0, count) if count else []
        return then(results) if then else results
    # A worker's memory only grows: the pages of the parent it touches become its own, and what
    # it allocates stays in its heap. Past MAX_PER_WORKER items, fresh workers take over.
    rounds = ceil(count / (MAX_PER_WORKER * jobs))
    per_round = ceil(count / rounds)
    results = []
    for first in range(0, count, per_round):
        results += _round(task, first, min(first + per_round, count), jobs, per_worker, then)
    return results


def _round(task: Callable[[int, int], list], first: int, last: int, jobs: int, per_worker: int,
           then: Callable[[list], list] | None) -> list:
    """``task`` over ``range(first, last)`` on ``jobs`` workers forked for it."""
    size = ceil((last - first) / (jobs * per_worker))
    slices = [(start, min(start + size, last)) for start in range(first, last, size)]
    global _task
    _task = task
    # Objects that exist now are the parent's: leaving them out of the workers' garbage
    # collections keeps the memory pages shared instead of copied (unfrozen by the build's end).
    gc.freeze()
    results = []
    try:
        with multiprocessing.get_context("fork").Pool(jobs, initializer=_quiet_worker) as pool:
            for result in pool.imap(_run, slices, chunksize=1):
                results += then(result) if then else result
    finally:
        _task = None
    return results


def _threads() -> int:
    """Threads of this process, those not started by the threading module included.

    A fork copies the locks that other threads hold at that instant, and the workers would
    wait for them forever: a process that runs threads (a test runner, a server) works alone.
    """
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return threading.active_count()


def _quiet_worker() -> None:
    """Ctrl-C and termination are the parent's to handle: it stops the workers itself."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(bounds: tuple[int, int]) -> list:
    return _task(*bounds)

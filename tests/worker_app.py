"""The Celery app of the test suite's worker processes (tests/worker.py): the product's app,
plus, when ``TEST_SOLVE_DELAY_SECONDS`` is set, a solve phase that first sleeps that long, so
that a fault test can kill a worker in it or make a run overrun its time limits.

While it sleeps the soft time limit's signal (SIGUSR1 in the pool process) is held back, as
it is while the solver computes in native code; it is raised when the sleep ends. The product
code has no such hook: this module replaces ``solve_shard`` (in ``matching.solve`` and
``matching.solver.shards``) in the worker.
"""

from __future__ import annotations

import os
import signal
import time
from typing import Any

from celery import signals

from marketplace.celery import app

__all__ = ["app"]


def _slowed(solve: Any, delay: float) -> Any:
    def slow_solve(*args: Any, **kwargs: Any) -> Any:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGUSR1})
        try:
            time.sleep(delay)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        return solve(*args, **kwargs)

    return slow_solve


@signals.worker_init.connect
@signals.worker_process_init.connect
def slow_down_the_solve(**kwargs: Any) -> None:
    delay = float(os.environ.get("TEST_SOLVE_DELAY_SECONDS", "0"))
    if delay <= 0:
        return
    from matching import solve
    from matching.solver import shards

    # a shard task calls the first, a run solved here the second (``solve_shards_in_turn``)
    for module in (solve, shards):
        original = getattr(module, "solve_shard")  # noqa: B009 (mypy: two modules)
        if not getattr(original, "slowed", False):
            slow = _slowed(original, delay)
            slow.slowed = True
            setattr(module, "solve_shard", slow)  # noqa: B010

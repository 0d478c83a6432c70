"""Day arithmetic of one production window and its earliest-deadline-first schedule.

A window is one production line: it makes ``units_per_day`` units on every day from
``start_date`` to ``end_date``. Work booked by earlier runs (commitments) is made between its
planned start and finish, earliest deadline first; new orders share what is left of each
day. Production may
not start before the first production date of the run, so the first usable day is
the later of the two.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
from dataclasses import dataclass
from functools import lru_cache

from matching.solver.problem import Commitment, WindowData


@dataclass(frozen=True)
class Job:
    """New work put into a window: one whole order."""

    order_id: int
    quantity: int
    latest_finish: dt.date


@dataclass(frozen=True)
class PlannedDates:
    start: dt.date
    finish: dt.date


def first_usable_day(window: WindowData, first_production_date: dt.date) -> dt.date:
    return max(window.start_date, first_production_date)


def usable_days(window: WindowData, first_production_date: dt.date, until: dt.date) -> int:
    """Number of days in [first usable day, min(end, until)], inclusive; never negative."""
    first = first_usable_day(window, first_production_date)
    last = min(window.end_date, until)
    return max(0, (last - first).days + 1)


def _place_commitments(window: WindowData) -> tuple[list[int], list[Commitment]]:
    """Fill the window's days with its commitments; return the free units per day (from the
    window's start) and the commitments that do not end by their planned finish.

    Earliest deadline first with release dates: on each day the line makes, of the work
    already started (planned start on or before the day), the one due first. A set of
    commitments that can all be made on their days is made so (EDF is exact for one line
    whose work may pause between days), so a plan that fitted when it was made keeps
    fitting when later runs read it back, whatever order the plans were made in.
    """
    days = (window.end_date - window.start_date).days + 1
    free = [window.units_per_day] * max(days, 0)
    order = sorted(
        range(len(window.commitments)),
        key=lambda i: (window.commitments[i].start, window.commitments[i].finish, i),
    )
    left = [c.units for c in window.commitments]
    released: list[tuple[dt.date, int]] = []  # (finish, index): a heap of started work
    late: set[int] = set()
    next_up = 0
    for day in range(len(free)):
        date = window.start_date + dt.timedelta(days=day)
        while next_up < len(order) and window.commitments[order[next_up]].start <= date:
            index = order[next_up]
            heapq.heappush(released, (window.commitments[index].finish, index))
            next_up += 1
        while released and free[day] > 0:
            finish, index = released[0]
            used = min(left[index], free[day])
            free[day] -= used
            left[index] -= used
            if left[index] == 0:
                heapq.heappop(released)
                if date > finish:
                    late.add(index)
    late.update(i for i, units in enumerate(left) if units > 0)
    return free, [window.commitments[i] for i in sorted(late)]


def late_commitments(window: WindowData) -> list[Commitment]:
    """Booked work that no longer fits on its planned days (after an edit of the window)."""
    return _place_commitments(window)[1]


@lru_cache(maxsize=4096)
def free_per_day(window: WindowData, first_production_date: dt.date) -> tuple[int, ...]:
    """Units still free on each usable day (index 0 is the first usable day).

    Commitments fill the window day by day from their planned start, earliest deadline
    first (``_place_commitments``); days before the first usable day are gone.
    """
    free, _late = _place_commitments(window)
    skip = (first_usable_day(window, first_production_date) - window.start_date).days
    return tuple(free[skip:])


@lru_cache(maxsize=4096)
def _free_prefix(window: WindowData, first_production_date: dt.date) -> tuple[int, ...]:
    return tuple(itertools.accumulate(free_per_day(window, first_production_date), initial=0))


def free_until(window: WindowData, first_production_date: dt.date, until: dt.date) -> int:
    """Free units from the first usable day up to ``until`` (inclusive)."""
    return _free_prefix(window, first_production_date)[
        usable_days(window, first_production_date, until)
    ]


def schedule_window(
    window: WindowData, first_production_date: dt.date, jobs: list[Job]
) -> dict[int, PlannedDates]:
    """Planned start and finish of each new job when the window runs earliest-deadline-first.

    Jobs are queued by latest finish (ties by order id) and fill the free units day by
    day; a job's start is the day its first unit is made and its finish the day its
    last unit is made. Jobs that do not fit by the window's end finish on its last day
    (the model never chooses such a set).
    """
    first = first_usable_day(window, first_production_date)
    free = list(free_per_day(window, first_production_date))
    planned: dict[int, PlannedDates] = {}
    day = 0
    for job in sorted(jobs, key=lambda j: (j.latest_finish, j.order_id)):
        left, start = job.quantity, None
        while left > 0 and day < len(free):
            if free[day] == 0:
                day += 1
                continue
            if start is None:
                start = day
            used = min(left, free[day])
            free[day] -= used
            left -= used
            if free[day] == 0 and left > 0:
                day += 1
        last = min(day, len(free) - 1)
        start = last if start is None else start
        planned[job.order_id] = PlannedDates(
            start=first + dt.timedelta(days=start), finish=first + dt.timedelta(days=last)
        )
    return planned

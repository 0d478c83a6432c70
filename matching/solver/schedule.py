"""Day arithmetic of one production window and its earliest-deadline-first schedule.

A window is one production line: it makes ``units_per_day`` units on every day from
``start_date`` to ``end_date``. Work booked by earlier runs (commitments) keeps the
days it was planned on; new orders share what is left of each day. Production may
not start before the first production date of the run, so the first usable day is
the later of the two.
"""

from __future__ import annotations

import datetime as dt
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
    window's start) and the commitments that do not end by their planned finish."""
    days = (window.end_date - window.start_date).days + 1
    free = [window.units_per_day] * max(days, 0)
    late: list[Commitment] = []
    for commitment in sorted(window.commitments, key=lambda c: (c.start, c.finish)):
        left = commitment.units
        day = max(0, (commitment.start - window.start_date).days)
        last_day = (commitment.finish - window.start_date).days
        while left > 0 and day < len(free):
            used = min(left, free[day])
            free[day] -= used
            left -= used
            if left > 0:
                day += 1
        if left > 0 or day > last_day:
            late.append(commitment)
    return free, late


def late_commitments(window: WindowData) -> list[Commitment]:
    """Booked work that no longer fits on its planned days (after an edit of the window)."""
    return _place_commitments(window)[1]


@lru_cache(maxsize=4096)
def free_per_day(window: WindowData, first_production_date: dt.date) -> tuple[int, ...]:
    """Units still free on each usable day (index 0 is the first usable day).

    Commitments fill the window day by day from their planned start, in order of
    (start, finish); days before the first usable day are gone.
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

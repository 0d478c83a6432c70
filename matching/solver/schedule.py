"""Day arithmetic of one production window and its earliest-deadline-first schedule.

A window is one production line: it makes ``units_per_day`` units on every day from
``start_date`` to ``end_date``. Production may not start before the first production
date of the run, so the first usable day is the later of the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

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


def capacity_until(window: WindowData, first_production_date: dt.date, until: dt.date) -> int:
    """Units the window can make from its first usable day up to ``until``, inclusive."""
    return window.units_per_day * usable_days(window, first_production_date, until)


def open_commitments(window: WindowData, first_production_date: dt.date) -> list[Commitment]:
    """Commitments still to produce; those due before the first production date count as done."""
    return [c for c in window.commitments if c.latest_finish >= first_production_date]


def committed_units(
    window: WindowData, first_production_date: dt.date, until: dt.date | None = None
) -> int:
    """Open committed units due by ``until``; all open ones when ``until`` is None."""
    return sum(
        c.units
        for c in open_commitments(window, first_production_date)
        if until is None or c.latest_finish <= until
    )


def schedule_window(
    window: WindowData, first_production_date: dt.date, jobs: list[Job]
) -> dict[int, PlannedDates]:
    """Planned start and finish of each job when the window runs earliest-deadline-first.

    Commitments and jobs share one queue ordered by latest finish; on equal dates
    commitments go first, then jobs by order id. Each item takes the next
    ``quantity`` units of capacity, so its start is the day its first unit is made and
    its finish the day its last unit is made.
    """
    if jobs and window.units_per_day <= 0:
        raise ValueError(f"window {window.id} has no daily capacity")
    queue: list[tuple[dt.date, int, int, int, int | None]] = []
    for index, commitment in enumerate(open_commitments(window, first_production_date)):
        queue.append((commitment.latest_finish, 0, index, commitment.units, None))
    for job in jobs:
        queue.append((job.latest_finish, 1, job.order_id, job.quantity, job.order_id))
    queue.sort()

    first = first_usable_day(window, first_production_date)
    per_day = window.units_per_day
    done = 0  # units produced before the current item
    planned: dict[int, PlannedDates] = {}
    for _latest_finish, _kind, _tie, quantity, order_id in queue:
        if order_id is not None:
            start = first + dt.timedelta(days=done // per_day)
            finish = first + dt.timedelta(days=(done + quantity - 1) // per_day)
            planned[order_id] = PlannedDates(start=start, finish=finish)
        done += quantity
    return planned

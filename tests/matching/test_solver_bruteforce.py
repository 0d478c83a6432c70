"""Cross-check the solver against brute force on many tiny random instances.

Every assignment (each order to no window or to one window) is enumerated and checked
by a day-by-day earliest-deadline-first simulation written here, independent of the
solver's own scheduling code. The solver must reach the brute-force optimum of all three
objective stages (weighted units, then cost, then quality), and its assignments and
planned dates must agree with the simulation.
"""

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from matching.solver import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    TransportParams,
    WindowData,
    solve,
)

FIRST_DAY = dt.date(2025, 1, 10)
LAT, LON = 30.0, 120.0
INSTANCES = 300


@dataclass
class Item:
    """One new order in the simulation."""

    deadline: dt.date
    units: int
    order_id: int
    start: dt.date | None = None
    finish: dt.date | None = None


def free_capacity(window: WindowData) -> dict[dt.date, int]:
    """Units left on each day once booked work has taken its days (from its start on)."""
    days = [window.start_date + dt.timedelta(days=n) for n in range(window_days(window))]
    free = {day: window.units_per_day for day in days}
    for commitment in sorted(window.commitments, key=lambda c: (c.start, c.finish)):
        left = commitment.units
        for day in days:
            if day >= commitment.start and left > 0:
                used = min(left, free[day])
                free[day] -= used
                left -= used
    return free


def window_days(window: WindowData) -> int:
    return (window.end_date - window.start_date).days + 1


def simulate(
    window: WindowData, orders: list[OrderData], handling_days: int
) -> dict[int, Item] | None:
    """Run the window day by day, earliest deadline first; None if anything is late."""
    items = [Item(o.due_date - dt.timedelta(days=handling_days), o.quantity, o.id) for o in orders]
    items.sort(key=lambda i: (i.deadline, i.order_id))
    left = {i.order_id: i.units for i in items}
    queue = list(items)
    free = free_capacity(window)
    today = max(window.start_date, FIRST_DAY)
    while today <= window.end_date and queue:
        capacity = free[today]
        while capacity > 0 and queue:
            item = queue[0]
            if item.start is None:
                item.start = today
            made = min(capacity, left[item.order_id])
            left[item.order_id] -= made
            capacity -= made
            if left[item.order_id] == 0:
                item.finish = today
                queue.pop(0)
        today += dt.timedelta(days=1)
    if queue or any(i.finish is not None and i.finish > i.deadline for i in items):
        return None
    return {i.order_id: i for i in items}


def stage1_value(order: OrderData) -> int:
    level = 4 if order.priority == Priority.RUSH else 1
    return order.quantity * (1000 * level + min(order.age_days, 100))


def stage2_cost(order: OrderData, factory: FactoryData, base_transport_fen: int) -> int:
    return order.quantity * (factory.capabilities[0].unit_price_fen + base_transport_fen)


def stage3_quality(order: OrderData, factory: FactoryData) -> int:
    return order.quantity * factory.quality_score


def random_problem(rng: random.Random) -> MatchingProblem:
    factories, windows = [], []
    for i in range(1, rng.randint(1, 2) + 1):
        factories.append(
            FactoryData(
                id=i,
                latitude=LAT,
                longitude=LON,
                min_order_quantity=1,
                max_order_quantity=100,
                capabilities=(Capability(1, rng.randint(90, 110), 1),),
                quality_score=rng.randint(0, 100),
            )
        )
        start = FIRST_DAY + dt.timedelta(days=rng.randint(-2, 3))
        end = start + dt.timedelta(days=rng.randint(0, 5))
        per_day = rng.randint(1, 4)
        total = per_day * ((end - start).days + 1)
        commitments = tuple(
            Commitment(day, day + dt.timedelta(days=rng.randint(0, 3)), rng.randint(1, 6))
            for day in (
                FIRST_DAY + dt.timedelta(days=rng.randint(-3, 6)) for _ in range(rng.randint(0, 2))
            )
        )
        window = WindowData(
            i, i, 1, start, end, per_day, rng.randint(total // 2, total), commitments
        )
        windows.append(window)
    orders = [
        OrderData(
            id=i,
            category_id=1,
            quantity=rng.randint(1, 8),
            max_unit_price_fen=1_000,
            due_date=FIRST_DAY + dt.timedelta(days=rng.randint(0, 9)),
            latitude=LAT,
            longitude=LON,
            priority=Priority.RUSH if rng.random() < 0.3 else Priority.NORMAL,
            age_days=rng.randint(0, 150),
        )
        for i in range(1, rng.randint(2, 5) + 1)
    ]
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        transport=TransportParams(handling_days=rng.randint(0, 1)),
        solver=SolverParams(time_limit_seconds=5, workers=1, random_seed=7),
    )


def feasible_schedule(problem: MatchingProblem, choice: dict[int, int]) -> dict[int, Item] | None:
    """Simulated items of every assigned order, or None if the choice is infeasible."""
    planned: dict[int, Item] = {}
    for window in problem.windows:
        orders = [o for o in problem.orders if choice.get(o.id) == window.id]
        if sum(o.quantity for o in orders) > window.remaining_units:
            return None
        simulated = simulate(window, orders, problem.transport.handling_days)
        if simulated is None:
            return None
        planned.update(simulated)
    return planned


def brute_force(problem: MatchingProblem) -> tuple[int, int, int]:
    """Best stage-1 value, then least cost, then best quality among feasible choices."""
    factories = {f.id: f for f in problem.factories}
    base = problem.transport.cost_base_fen_per_unit
    best = (0, 0, 0)
    options = [None] + [w.id for w in problem.windows]
    for picks in itertools.product(options, repeat=len(problem.orders)):
        choice = {o.id: w for o, w in zip(problem.orders, picks, strict=True) if w is not None}
        if feasible_schedule(problem, choice) is None:
            continue
        chosen = [o for o in problem.orders if o.id in choice]
        value1 = sum(stage1_value(o) for o in chosen)
        cost = sum(stage2_cost(o, factories[choice[o.id]], base) for o in chosen)
        quality = sum(stage3_quality(o, factories[choice[o.id]]) for o in chosen)
        best = max(best, (value1, -cost, quality))
    return best[0], -best[1], best[2]


def test_it_reaches_the_brute_force_optimum_and_a_feasible_schedule_on_random_instances() -> None:
    rng = random.Random(20250310)
    for n in range(INSTANCES):
        problem = random_problem(rng)
        solution = solve(problem)
        best1, best2, best3 = brute_force(problem)

        orders = {o.id: o for o in problem.orders}
        factories = {f.id: f for f in problem.factories}
        choice = {a.order_id: a.window_id for a in solution.assignments}
        planned = feasible_schedule(problem, choice)
        assert planned is not None, f"instance {n}: infeasible assignment {choice}"
        value1 = sum(stage1_value(orders[order_id]) for order_id in choice)
        assert value1 == best1, f"instance {n}: stage 1 {value1} != brute force {best1}"
        if solution.assignments:
            quality = sum(stage3_quality(orders[o], factories[w]) for o, w in choice.items())
            assert solution.solver_status == "OPTIMAL", f"instance {n}"
            assert solution.objective == best2, f"instance {n}: stage 2"
            assert quality == best3, f"instance {n}: stage 3"
        for a in solution.assignments:
            simulated = planned[a.order_id]
            assert (a.planned_start, a.planned_finish) == (simulated.start, simulated.finish)
        assert set(solution.unmatched) == set(orders) - set(choice)

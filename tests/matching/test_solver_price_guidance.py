"""Price guidance: per window with idle room after a run, the unit prices at which more of it
would have been filled, and the orders lost on price.

Builders from ``test_solver_model``: everything in Shanghai (1 transport day) unless moved to
``FAR_LAT``; ``day(1)`` is the first production date; a window makes 10 units a day from day
1 to day 10 unless told otherwise. The factory's price is 100 fen unless told otherwise.
"""

from __future__ import annotations

import dataclasses
import random

from matching.solver import (
    FactoryData,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    Priority,
    WindowData,
    solve,
)
from matching.solver.guidance import PriceLevel, WindowGuidance, price_guidance
from matching.solver.relax import windows_after
from tests.matching.test_solver_model import SOLVER, factory, order, window
from tests.matching.test_solver_relax import problem_of, random_problem


def guidance_of(
    orders: list[OrderData],
    factories: list[FactoryData],
    windows: list[WindowData],
    **options: int,
) -> tuple[MatchingSolution, list[WindowGuidance]]:
    problem = problem_of(orders, factories, windows)
    solution = solve(problem)
    return solution, price_guidance(problem, solution, **options)


def test_it_names_each_price_at_which_more_orders_would_have_filled_the_window() -> None:
    _solution, guidance = guidance_of(
        [
            order(1, quantity=30, max_price=90),
            order(2, quantity=50, max_price=80),
            order(3, quantity=40, max_price=70),
        ],
        [factory(1, price=100)],
        [window(1, 1)],  # 100 units of room
    )
    (only,) = guidance
    assert only.window_id == 1 and only.unit_price_fen == 100 and only.idle_units == 100
    assert only.lost_order_ids == (1, 2, 3)
    # at 70 order 3 does not fit beside the other two: no level adds nothing
    assert only.levels == (
        PriceLevel(unit_price_fen=90, order_ids=(1,), units=30),
        PriceLevel(unit_price_fen=80, order_ids=(1, 2), units=80),
    )


def test_the_room_counts_what_the_run_placed_in_the_window() -> None:
    solution, guidance = guidance_of(
        [order(1, quantity=70, max_price=120), order(2, quantity=40, max_price=90)],
        [factory(1, price=100)],
        [window(1, 1)],
    )
    assert {a.order_id for a in solution.assignments} == {1}
    # 30 units left: order 2 (40 units) would not fit whatever its price
    assert guidance == []


def test_orders_due_before_the_room_are_not_lost_on_price() -> None:
    # room of 10 a day from day 1; order 1 is due on day 3 (latest finish day 2: 20 units)
    _solution, guidance = guidance_of(
        [order(1, quantity=30, max_price=90, due=3), order(2, quantity=20, max_price=80, due=3)],
        [factory(1, price=100)],
        [window(1, 1)],
    )
    (only,) = guidance
    assert only.lost_order_ids == (2,)
    assert only.levels == (PriceLevel(unit_price_fen=80, order_ids=(2,), units=20),)


def test_the_factorys_planned_delay_moves_the_latest_finish_as_in_a_run() -> None:
    # the factory's record says 2 days late at P50: order 1 (due day 5) must be made by day 2
    late = factory(1, price=100)
    late = dataclasses.replace(
        late, capabilities=(dataclasses.replace(late.capabilities[0], slip_p50_days=2),)
    )
    _solution, guidance = guidance_of(
        [order(1, quantity=30, max_price=90, due=5), order(2, quantity=20, max_price=80, due=5)],
        [late],
        [window(1, 1)],
    )
    (only,) = guidance
    assert only.lost_order_ids == (2,)


def test_two_orders_that_each_fit_alone_but_not_by_their_due_dates_together_count_once() -> None:
    # each needs 20 units by day 2 (the 20 units free by then): together they do not fit
    _solution, guidance = guidance_of(
        [order(1, quantity=20, max_price=90, due=3), order(2, quantity=20, max_price=80, due=3)],
        [factory(1, price=100)],
        [window(1, 1)],
    )
    (only,) = guidance
    assert only.lost_order_ids == (1, 2)
    assert only.levels == (PriceLevel(unit_price_fen=90, order_ids=(1,), units=20),)


def test_orders_that_other_filters_stop_are_not_lost_on_price() -> None:
    excluded = dataclasses.replace(order(2, max_price=90), excluded_factory_ids=frozenset({1}))
    _solution, guidance = guidance_of(
        [
            order(1, quantity=5, max_price=90),  # below the factory's minimum
            excluded,  # the factory declined it before
            order(3, quantity=10, max_price=40),  # below half the factory's price
            order(4, quantity=10, max_price=90, category_id=2),  # another category
        ],
        [factory(1, price=100, min_quantity=10)],
        [window(1, 1)],
    )
    assert guidance == []


def test_orders_matched_elsewhere_are_not_counted() -> None:
    solution, guidance = guidance_of(
        [order(1, quantity=20, max_price=90)],
        [factory(1, price=100), factory(2, price=80)],
        [window(1, 1), window(2, 2)],
    )
    assert {a.window_id for a in solution.assignments} == {2}
    assert guidance == []


def test_a_factory_on_probation_counts_the_order_value_at_the_new_price() -> None:
    on_probation = dataclasses.replace(factory(1, price=100), max_order_value_fen=3_000)
    _solution, guidance = guidance_of(
        # 40 units at 80 fen = 3,200 fen: over the limit; 30 at 90 = 2,700: within it
        [order(1, quantity=40, max_price=80), order(2, quantity=30, max_price=90)],
        [on_probation],
        [window(1, 1)],
    )
    (only,) = guidance
    assert only.levels == (PriceLevel(unit_price_fen=90, order_ids=(2,), units=30),)


def test_it_keeps_the_first_levels_and_the_fullest() -> None:
    orders = [order(i, quantity=10, max_price=100 - i) for i in range(1, 7)]
    _solution, guidance = guidance_of(orders, [factory(1, price=100)], [window(1, 1)], max_levels=3)
    (only,) = guidance
    assert [(level.unit_price_fen, level.units) for level in only.levels] == [
        (99, 10),
        (98, 20),
        (94, 60),
    ]


def test_it_considers_at_most_the_dearest_orders_it_is_allowed() -> None:
    orders = [order(i, quantity=10, max_price=100 - i) for i in range(1, 7)]
    _solution, guidance = guidance_of(orders, [factory(1, price=100)], [window(1, 1)], max_orders=2)
    (only,) = guidance
    assert only.lost_order_ids == (1, 2)


def test_a_deadline_in_the_past_gives_no_guidance() -> None:
    problem = problem_of([order(1, max_price=90)], [factory(1, price=100)], [window(1, 1)])
    assert price_guidance(problem, solve(problem), deadline=0.0) == []


# --- the price named really fills the room ------------------------------------------------

INSTANCES = 60


def weight(o: OrderData) -> int:
    rush = SOLVER.rush_weight if o.priority == Priority.RUSH else 1
    return o.quantity * (1000 * rush + min(o.age_days, 100))


def at_price(
    problem: MatchingProblem, factory_id: int, category_id: int, price: int
) -> tuple[FactoryData, ...]:
    factories = []
    for f in problem.factories:
        if f.id == factory_id:
            capabilities = tuple(
                dataclasses.replace(c, unit_price_fen=price) if c.category_id == category_id else c
                for c in f.capabilities
            )
            f = dataclasses.replace(f, capabilities=capabilities)
        factories.append(f)
    return tuple(factories)


def with_delays(problem: MatchingProblem, rng: random.Random) -> MatchingProblem:
    """Some factories late by a day or two at P50 (and more at P90) in their record."""
    factories = []
    for f in problem.factories:
        p50 = rng.choice([0, 0, 1, 2])
        capabilities = tuple(
            dataclasses.replace(c, slip_p50_days=p50, slip_p90_days=p50 + rng.choice([0, 2]))
            for c in f.capabilities
        )
        factories.append(dataclasses.replace(f, capabilities=capabilities))
    return dataclasses.replace(problem, factories=tuple(factories))


def test_on_random_instances_the_solver_at_the_named_price_matches_those_orders() -> None:
    """On the capacity a run left: the named orders alone, with the factory at the named
    price, are all matched into that window; and the whole rest of the problem re-solved at
    that price places at least as many weighted units."""
    rng = random.Random(15)
    checked = 0
    for _ in range(INSTANCES):
        problem = with_delays(random_problem(rng), rng)
        solution = solve(problem)
        guidance = price_guidance(problem, solution)
        left = dataclasses.replace(
            problem,
            windows=tuple(windows_after(problem, solution).values()),
            orders=tuple(o for o in problem.orders if o.id in solution.unmatched),
        )
        orders = {o.id: o for o in left.orders}
        windows = {w.id: w for w in left.windows}
        for advice in guidance:
            w = windows[advice.window_id]
            for level in advice.levels:
                assert level.unit_price_fen < advice.unit_price_fen
                named = [orders[i] for i in level.order_ids]
                assert all(o.max_unit_price_fen >= level.unit_price_fen for o in named)
                assert sum(o.quantity for o in named) == level.units
                factories = at_price(left, w.factory_id, w.category_id, level.unit_price_fen)
                alone = dataclasses.replace(
                    left, orders=tuple(named), windows=(w,), factories=factories
                )
                placed = solve(alone)
                assert {a.order_id for a in placed.assignments} == set(level.order_ids)
                assert {a.window_id for a in placed.assignments} == {w.id}
                again = solve(dataclasses.replace(left, factories=factories))
                got = sum(
                    weight(orders[a.order_id]) * a.quantity // orders[a.order_id].quantity
                    for a in again.assignments
                )
                assert got >= sum(weight(o) for o in named)
                checked += 1
    assert checked >= 10

"""The market benchmark's evaluator: every kind of infeasible answer is rejected, a feasible
one is scored by hand-checked numbers (no database)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import pytest

from bench.market_generate import MarketConfig, generate_market
from bench.market_score import (
    UNIT_VALUE,
    InfeasibleAssignment,
    Placement,
    eligible_pairs,
    evaluate_market,
)
from matching.solver.candidates import find_candidates
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    WindowData,
)

FPD = dt.date(2026, 3, 2)
HERE = (23.02, 113.75)  # factory and ship-to in one place: 1 transport day, 20 fen per unit
PRICE = 500
CATEGORY = 7


def day(n: int) -> dt.date:
    return FPD + dt.timedelta(days=n)


def order(order_id: int, quantity: int, *, due: int = 10, **changes: Any) -> OrderData:
    base = OrderData(
        id=order_id,
        category_id=CATEGORY,
        quantity=quantity,
        max_unit_price_fen=600,
        due_date=day(due),
        latitude=HERE[0],
        longitude=HERE[1],
    )
    return dataclasses.replace(base, **changes)


def factory(factory_id: int = 1, **changes: Any) -> FactoryData:
    base = FactoryData(
        id=factory_id,
        latitude=HERE[0],
        longitude=HERE[1],
        min_order_quantity=10,
        max_order_quantity=10_000,
        capabilities=(Capability(CATEGORY, PRICE, 100), Capability(8, PRICE, 100)),
    )
    return dataclasses.replace(base, **changes)


def window(window_id: int = 1, *, factory_id: int = 1, **changes: Any) -> WindowData:
    # ten days of 20 units from the first production date: 200 units
    base = WindowData(
        id=window_id,
        factory_id=factory_id,
        category_id=CATEGORY,
        start_date=FPD,
        end_date=day(9),
        units_per_day=20,
        remaining_units=200,
    )
    return dataclasses.replace(base, **changes)


def problem(
    orders: list[OrderData],
    windows: list[WindowData] | None = None,
    factories: list[FactoryData] | None = None,
) -> MatchingProblem:
    return MatchingProblem(
        first_production_date=FPD,
        orders=tuple(orders),
        factories=tuple(factories or [factory()]),
        windows=tuple(windows or [window()]),
    )


def rejects(kind: str, instance: MatchingProblem, placements: list[Placement]) -> None:
    with pytest.raises(InfeasibleAssignment) as raised:
        evaluate_market(instance, placements)
    assert raised.value.kind == kind


def test_a_feasible_assignment_is_scored_by_units_weights_and_costs() -> None:
    instance = problem([order(1, 100), order(2, 50, priority=Priority.RUSH, age_days=3)])
    score = evaluate_market(instance, [Placement(1, 1, 100), Placement(2, 1, 50)])
    assert (score.matched_orders, score.matched_units, score.total_units) == (2, 150, 150)
    assert score.weighted_units == 100 * 1000 + 50 * (4000 + 3)
    assert score.production_cost_fen == 150 * PRICE
    assert score.transport_cost_fen == 150 * 20
    assert score.objective == UNIT_VALUE * 300_150 - 150 * (PRICE + 20)


def test_an_empty_assignment_is_feasible_and_worth_nothing() -> None:
    score = evaluate_market(problem([order(1, 100)]), [])
    assert (score.matched_orders, score.total_units, score.objective) == (0, 100, 0)


def test_more_new_units_than_the_window_has_left_are_rejected() -> None:
    booked = window(remaining_units=120, commitments=(Commitment(day(0), day(3), 80),))
    rejects(
        "over_capacity",
        problem([order(1, 100), order(2, 50)], [booked]),
        [
            Placement(1, 1, 100),
            Placement(2, 1, 50),
        ],
    )


def test_orders_that_fit_alone_but_not_together_by_their_latest_finish_are_late() -> None:
    # latest finish day 3 (due day 4, one transport day): 4 days x 20 = 80 units
    instance = problem([order(1, 60, due=4), order(2, 60, due=4)])
    assert evaluate_market(instance, [Placement(1, 1, 60)]).matched_units == 60
    rejects("late", instance, [Placement(1, 1, 60), Placement(2, 1, 60)])


def test_booked_work_keeps_its_days_so_a_new_order_behind_it_is_late() -> None:
    booked = window(remaining_units=140, commitments=(Commitment(day(0), day(2), 60),))
    # days 0-2 are full; only day 3 (20 units) is left by the latest finish
    rejects("late", problem([order(1, 40, due=4)], [booked]), [Placement(1, 1, 40)])
    assert evaluate_market(problem([order(1, 20, due=4)], [booked]), [Placement(1, 1, 20)])


def test_earliest_deadline_first_serves_the_urgent_order_first() -> None:
    # 100 units due late and 60 due early fit together only in EDF order
    instance = problem([order(1, 100, due=10), order(2, 60, due=4)])
    assert evaluate_market(instance, [Placement(1, 1, 100), Placement(2, 1, 60)])


def test_days_before_the_first_production_date_are_gone() -> None:
    early = window(start_date=FPD - dt.timedelta(days=5), remaining_units=300)
    rejects("late", problem([order(1, 100, due=4)], [early]), [Placement(1, 1, 100)])


def test_a_window_of_another_category_is_rejected() -> None:
    other = window(category_id=8)
    rejects("wrong_category", problem([order(1, 100)], [other]), [Placement(1, 1, 100)])


def test_a_factory_asking_more_than_the_maximum_unit_price_is_rejected() -> None:
    cheap = order(1, 100, max_unit_price_fen=PRICE - 1)
    rejects("price_above_max", problem([cheap]), [Placement(1, 1, 100)])


def test_a_quantity_outside_the_factorys_range_is_rejected() -> None:
    picky = factory(min_order_quantity=150)
    rejects(
        "quantity_out_of_range", problem([order(1, 100)], None, [picky]), [Placement(1, 1, 100)]
    )


@pytest.mark.parametrize("changes", [{"active": False}, {"verified": False}])
def test_an_inactive_or_unverified_factory_is_rejected(changes: dict[str, bool]) -> None:
    rejects(
        "factory_unavailable",
        problem([order(1, 100)], None, [factory(**changes)]),
        [Placement(1, 1, 100)],
    )


def test_a_factory_without_the_capability_is_rejected() -> None:
    unable = factory(capabilities=(Capability(8, PRICE, 100),))
    rejects("not_capable", problem([order(1, 100)], None, [unable]), [Placement(1, 1, 100)])


def test_an_order_assigned_twice_is_rejected() -> None:
    instance = problem([order(1, 50)], [window(1), window(2)])
    rejects("assigned_twice", instance, [Placement(1, 1, 50), Placement(1, 2, 50)])


def test_a_split_or_partial_order_is_rejected_when_it_may_not_be_split() -> None:
    rejects("wrong_quantity", problem([order(1, 100)]), [Placement(1, 1, 60)])
    rejects(
        "wrong_quantity",
        problem([order(1, 100)], [window(1), window(2)]),
        [
            Placement(1, 1, 60),
            Placement(1, 2, 40),
        ],
    )


def splittable(quantity: int, lot: int) -> OrderData:
    return order(1, quantity, allow_split=True, min_lot_quantity=lot)


def test_a_splittable_order_is_scored_part_by_part() -> None:
    dearer = factory(2, capabilities=(Capability(CATEGORY, PRICE + 50, 100),))
    instance = problem(
        [splittable(300, 50)], [window(1), window(2, factory_id=2)], [factory(), dearer]
    )
    score = evaluate_market(instance, [Placement(1, 1, 200), Placement(1, 2, 100)])
    assert (score.matched_orders, score.matched_units) == (1, 300)
    assert score.production_cost_fen == 200 * PRICE + 100 * (PRICE + 50)
    assert score.weighted_units == 300 * 1000


def test_a_part_below_the_lot_size_is_rejected() -> None:
    instance = problem([splittable(200, 50)], [window(1), window(2)])
    rejects("part_below_lot", instance, [Placement(1, 1, 170), Placement(1, 2, 30)])
    assert evaluate_market(instance, [Placement(1, 1, 150), Placement(1, 2, 50)])


def test_a_part_below_the_factorys_minimum_is_rejected() -> None:
    picky = factory(2, min_order_quantity=80)
    instance = problem(
        [splittable(200, 50)], [window(1), window(2, factory_id=2)], [factory(), picky]
    )
    rejects("quantity_out_of_range", instance, [Placement(1, 1, 150), Placement(1, 2, 50)])


def test_parts_must_add_up_to_the_whole_order() -> None:
    instance = problem([splittable(300, 50)], [window(1), window(2)])
    rejects("wrong_quantity", instance, [Placement(1, 1, 150), Placement(1, 2, 100)])


def test_two_parts_of_one_order_in_one_window_are_rejected() -> None:
    instance = problem([splittable(200, 50)])
    rejects("assigned_twice", instance, [Placement(1, 1, 100), Placement(1, 1, 100)])


def test_unknown_orders_and_windows_are_rejected() -> None:
    rejects("unknown_order", problem([order(1, 100)]), [Placement(9, 1, 100)])
    rejects("unknown_window", problem([order(1, 100)]), [Placement(1, 9, 100)])


def test_eligible_pairs_are_exactly_the_solvers_candidates_with_the_same_terms() -> None:
    instance = generate_market(MarketConfig(orders=600, factories=120, seed=5)).problem
    pairs = eligible_pairs(instance)
    candidates, _ = find_candidates(instance)
    mine = {
        (instance.orders[o].id, instance.windows[w].id): (int(price), int(transport))
        for o, w, price, transport in zip(
            pairs.order, pairs.window, pairs.unit_price_fen, pairs.transport_fen, strict=True
        )
    }
    theirs = {c.key: (c.unit_price_fen, c.transport_cost_fen_per_unit) for c in candidates}
    assert len(mine) > 500
    assert mine == theirs

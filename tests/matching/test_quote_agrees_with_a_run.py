"""The instant quote agrees with a match run of the quoted order alone on the same data.

On random small instances (the what-to-relax tests' generator: factories far and near,
booked work, remaining units, minimum and maximum quantities, inactive factories, other
categories), each order, whole, splittable or allowing pooling (拼单), is quoted on the
windows as they are and then solved alone by the solver's ``solve``: the quote fits exactly
when the run matches it (with the run's reason when not), the run's dearest part costs
between the quote's lowest price and the seller's maximum, and each value the quote names
(lowest price, earliest due date, smaller quantity, splitting) makes the run match the order
while one fen less or one day earlier does not.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random

from matching.quotes import Quote, quote_problem, split_reachable
from matching.solver import MatchingProblem, MatchingSolution, OrderData, solve
from tests.matching.test_solver_model import FIRST_DAY
from tests.matching.test_solver_relax import random_problem

LAST_DUE = FIRST_DAY + dt.timedelta(days=40)


def run_alone(problem: MatchingProblem, order: OrderData) -> MatchingSolution:
    return solve(dataclasses.replace(problem, orders=(order,)))


def matched(problem: MatchingProblem, order: OrderData) -> bool:
    solution = run_alone(problem, order)
    units = sum(a.quantity for a in solution.assignments if a.order_id == order.id)
    assert units in (0, order.quantity)
    return units == order.quantity


def quoted(problem: MatchingProblem, order: OrderData) -> Quote:
    return quote_problem(
        dataclasses.replace(problem, orders=(order,)), order, last_due_date=LAST_DUE
    )


def check(problem: MatchingProblem, order: OrderData) -> None:
    quote = quoted(problem, order)
    solution = run_alone(problem, order)
    parts = [a for a in solution.assignments if a.order_id == order.id]
    assert quote.fits == bool(parts), (quote, solution)
    if quote.fits:
        assert quote.reason is None
        assert quote.factories_available >= 1
        assert quote.lowest_unit_price_fen is not None
        # at a maximum of its dearest part's price the run's own answer is still allowed
        dearest = max(part.unit_price_fen for part in parts)
        assert quote.lowest_unit_price_fen <= dearest <= order.max_unit_price_fen
        assert quote.earliest_due_date is not None and quote.earliest_due_date <= order.due_date
    else:
        assert quote.reason == solution.unmatched[order.id]
        assert quote.factories_available == 0
    price = quote.lowest_unit_price_fen
    if price is None:
        assert not matched(problem, dataclasses.replace(order, max_unit_price_fen=10**6))
    else:
        assert matched(problem, dataclasses.replace(order, max_unit_price_fen=price))
        assert not matched(problem, dataclasses.replace(order, max_unit_price_fen=price - 1))
    due = quote.earliest_due_date
    if due is None:
        assert not matched(problem, dataclasses.replace(order, due_date=LAST_DUE))
    else:
        assert matched(problem, dataclasses.replace(order, due_date=due))
        before = due - dt.timedelta(days=1)
        assert not matched(problem, dataclasses.replace(order, due_date=before))
    if quote.smaller_quantity is not None:
        smaller = quote.smaller_quantity
        assert smaller < order.quantity
        lot = min(order.min_lot_quantity, smaller)
        assert matched(problem, dataclasses.replace(order, quantity=smaller, min_lot_quantity=lot))
    if quote.split_fits:
        assert not order.allow_split
        assert matched(problem, dataclasses.replace(order, allow_split=True))
    if quote.pool_factories:
        assert not quote.fits and not order.allow_split
        assert quote.pool_minimum is not None and order.quantity < quote.pool_minimum


def test_the_quote_says_what_a_run_of_that_order_alone_does_on_random_instances() -> None:
    rng = random.Random(14)
    checked = 0
    for _ in range(60):
        problem = random_problem(rng)
        for order in problem.orders:
            if rng.random() < 0.4:
                lot = rng.choice([1, 5, 10, 20])
                order = dataclasses.replace(
                    order, allow_split=True, min_lot_quantity=min(lot, order.quantity)
                )
            elif rng.random() < 0.4:
                # a pool needs other orders: alone, the run makes it nowhere below a minimum
                order = dataclasses.replace(order, allows_pooling=True)
            check(problem, order)
            checked += 1
    assert checked > 200


def test_parts_add_up_when_some_windows_parts_cover_the_quantity_not_only_the_largest() -> None:
    # the two largest parts together must make at least 12 units; one of them and the
    # 1-unit part make 7 to 10
    assert split_reachable([(6, 9), (6, 9), (1, 1)], 10)
    assert not split_reachable([(6, 6), (6, 6)], 10)
    assert split_reachable([(5, 5), (5, 5)], 10)
    assert not split_reachable([(1, 4), (1, 5)], 10)
    assert not split_reachable([], 1)

"""Runs split into independent components give the same answer as one big model."""

from matching.solver.candidates import find_candidates
from matching.solver.model import independent_components
from matching.solver.problem import Capability, FactoryData, MatchingProblem
from tests.matching.test_solver_model import FIRST_DAY, LAT, LON, order, run, window


def two_category_factory(factory_id: int, price: int) -> FactoryData:
    return FactoryData(
        id=factory_id,
        latitude=LAT,
        longitude=LON,
        min_order_quantity=1,
        max_order_quantity=10_000,
        capabilities=(
            Capability(category_id=1, unit_price_fen=price, daily_output=10),
            Capability(category_id=2, unit_price_fen=price, daily_output=10),
        ),
    )


def test_pairs_that_share_an_order_or_a_window_are_one_component() -> None:
    factories = [two_category_factory(1, 100), two_category_factory(2, 120)]
    windows = [
        window(1, 1, category_id=1),
        window(2, 2, category_id=1),
        window(3, 1, category_id=2),
    ]
    orders = [order(1), order(2), order(3, category_id=2)]
    problem = MatchingProblem(FIRST_DAY, tuple(orders), tuple(factories), tuple(windows))
    candidates, _ = find_candidates(problem)

    components = independent_components(candidates)

    assert sorted(sorted(c.key for c in component) for component in components) == [
        [(1, 1), (1, 2), (2, 1), (2, 2)],
        [(3, 3)],
    ]


def test_each_category_gets_its_own_optimum() -> None:
    factories = [two_category_factory(1, 100), two_category_factory(2, 120)]
    # category 1: both windows hold 100 units; three orders of 60 -> two fit, cheaper first
    # category 2: one window of 100 units; a rush order of 80 beats a normal one of 90
    windows = [
        window(1, 1, category_id=1),
        window(2, 2, category_id=1),
        window(3, 1, category_id=2),
    ]
    orders = [
        order(1, quantity=60),
        order(2, quantity=60),
        order(3, quantity=60, age=5),
        order(4, quantity=80, category_id=2, rush=True),
        order(5, quantity=90, category_id=2),
    ]

    solution = run(orders, factories, windows)

    placed = {a.order_id: a.window_id for a in solution.assignments}
    assert solution.solver_status == "OPTIMAL"
    assert placed[4] == 3 and 5 not in placed
    assert placed[3] in (1, 2)  # the oldest order of category 1 is placed
    assert sorted(placed[o] for o in (1, 2, 3) if o in placed) == [1, 2]
    assert solution.objective == solution.best_bound

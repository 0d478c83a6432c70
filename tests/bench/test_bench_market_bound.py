"""The market benchmark's bound streamed by category: it holds (at least the best answer),
it is never weaker than every order in its best window, and never stronger than the LP of
every pair; the pairs built a category at a time are the whole problem's (no database)."""

from __future__ import annotations

import numpy as np
import pytest

from bench.market_bound import (
    CompactPairs,
    capacity_lagrangian,
    compact_pairs,
    market_prices,
    streamed_bound,
)
from bench.market_generate import MarketConfig, generate_market
from bench.market_methods import lp_bound, trivial_bound
from bench.market_score import PairSource, eligible_pairs, evaluate_market
from matching.solver.model import priority_weight
from matching.solver.problem import MatchingProblem
from tests.bench.test_bench_market_methods import METHODS, brute_force_best, contested


@pytest.fixture(scope="module")
def market() -> MatchingProblem:
    return generate_market(MarketConfig(orders=600, factories=120, seed=3)).problem


def test_the_streamed_bound_is_at_least_the_brute_force_optimum() -> None:
    for seed in range(4, 8):
        problem = contested(seed, splittable=False)
        assert streamed_bound(problem, 1.0).value >= brute_force_best(problem)


def test_the_streamed_bound_holds_with_splittable_orders() -> None:
    for seed in range(4):
        problem = contested(seed, splittable=True)
        best = evaluate_market(problem, METHODS["highs"](problem, 5.0)).objective
        assert streamed_bound(problem, 1.0).value >= best


def test_the_streamed_bound_lies_between_the_lp_and_every_order_in_its_best_window(
    market: MatchingProblem,
) -> None:
    streamed = streamed_bound(market, 5.0)
    lp = lp_bound(market)
    assert lp.lp_status == "Optimal"
    assert lp.value * (1 - 1e-9) <= streamed.value
    assert streamed.value <= trivial_bound(eligible_pairs(market)).sum() * (1 + 1e-6)


def test_the_start_and_the_steps_lower_the_bound_below_every_order_in_its_best_window(
    market: MatchingProblem,
) -> None:
    every_order_in_its_best_window = trivial_bound(eligible_pairs(market)).sum()
    start = streamed_bound(market, 0.0).value  # one price per category
    assert start < every_order_in_its_best_window * 0.99
    assert streamed_bound(market, 5.0).value < start * 0.99


def test_the_start_price_is_the_value_of_the_marginal_unit() -> None:
    # one window of 10 free units; orders of 6, 6 and 6 units worth 9, 7 and 5 a unit
    pairs = CompactPairs(
        cell=np.array([0, 0, 0], dtype=np.int32),
        value=np.array([9, 7, 5], dtype=np.int64),
        starts=np.array([0, 1, 2]),
        quantity=np.array([6.0, 6.0, 6.0]),
        free=np.array([[10.0]]),
        days=1,
    )
    assert market_prices(pairs).tolist() == [7.0]
    # at 7 a unit: 70 for the capacity, 6 x (9 - 7) for the first order; the best answer
    # makes 6 x 9 + 4 x 7 = 82
    assert capacity_lagrangian(pairs, 0.0).value == pytest.approx(82, rel=1e-6)


def test_a_category_at_a_time_still_bounds_the_best_answer(market: MatchingProblem) -> None:
    batched = streamed_bound(market, 5.0, batch_pairs=1)
    assert batched.batches == len(PairSource.of(market).categories) > 1
    assert batched.pairs == len(eligible_pairs(market))
    best = evaluate_market(market, METHODS["cpsat"](market, 2.0)).objective
    assert batched.value >= lp_bound(market).value * (1 - 1e-9) >= best


def test_pairs_built_a_category_at_a_time_are_the_whole_problems(market: MatchingProblem) -> None:
    whole = eligible_pairs(market)
    source = PairSource.of(market)
    parts = [eligible_pairs(market, categories=[c], source=source) for c in source.categories]
    assert sum(len(p) for p in parts) == len(whole)
    keys = sorted((int(o), int(w)) for p in parts for o, w in zip(p.order, p.window, strict=True))
    assert keys == list(zip(whole.order.tolist(), whole.window.tolist(), strict=True))


def test_compact_pairs_keep_each_pairs_unit_value_window_and_due_day(
    market: MatchingProblem,
) -> None:
    source = PairSource.of(market)
    days = source.cumfree.shape[1] - 1
    weights = np.array([priority_weight(o, market.solver) for o in market.orders])
    compact = compact_pairs(source, source.categories, days, weights)
    whole = eligible_pairs(market)
    assert sorted(compact.value.tolist()) == sorted(whole.unit_value.tolist())
    assert len(compact.starts) == len(np.unique(whole.order))


def test_prices_never_give_a_bound_below_an_answer() -> None:
    # one window of 10 free units, two orders of 10 units worth 5 and 3 a unit
    pairs = CompactPairs(
        cell=np.array([0, 0], dtype=np.int32),
        value=np.array([5, 3], dtype=np.int64),
        starts=np.array([0, 1]),
        quantity=np.array([10.0, 10.0]),
        free=np.array([[10.0]]),
        days=1,
    )
    found = capacity_lagrangian(pairs, 1.0)
    assert 50 <= found.value <= 80 * (1 + 1e-9)
    assert found.value == pytest.approx(50, rel=1e-3)

"""The market benchmark's generator: deterministic for a seed, the requested sizes, dates and
prices in their ranges (no database)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from bench.market_generate import DEFAULT_TODAY, MarketConfig, generate_market
from matching.solver.problem import Priority


def test_the_same_seed_gives_the_same_instance_and_another_seed_another() -> None:
    config = MarketConfig(orders=500, factories=100, weeks=6, seed=11)
    first, again = generate_market(config), generate_market(config)
    assert first.problem == again.problem
    assert first.categories == again.categories
    other = generate_market(MarketConfig(orders=500, factories=100, weeks=6, seed=12))
    assert other.problem != first.problem


def test_the_instance_has_the_requested_sizes_and_unique_ids() -> None:
    market = generate_market(MarketConfig(orders=1200, factories=300, weeks=8, seed=1))
    problem = market.problem
    assert len(problem.orders) == 1200
    assert len(problem.factories) == 300
    assert len(market.categories) == 30  # max(20, factories / 10)
    assert len(problem.windows) >= 300
    for items in (problem.orders, problem.factories, problem.windows):
        ids = [item.id for item in items]
        assert len(set(ids)) == len(ids)
    factory_ids = {f.id for f in problem.factories}
    assert all(w.factory_id in factory_ids for w in problem.windows)


def test_windows_lie_in_the_weeks_asked_for_and_booked_work_fits_them() -> None:
    weeks = 5
    problem = generate_market(MarketConfig(orders=100, factories=200, weeks=weeks, seed=2)).problem
    first = problem.first_production_date
    assert first == DEFAULT_TODAY + dt.timedelta(days=1)
    booked = 0
    for window in problem.windows:
        assert first <= window.start_date <= window.end_date < first + dt.timedelta(weeks=weeks)
        total = window.units_per_day * ((window.end_date - window.start_date).days + 1)
        assert window.remaining_units == total - sum(c.units for c in window.commitments)
        for commitment in window.commitments:
            booked += 1
            days = (commitment.finish - commitment.start).days + 1
            assert window.start_date <= commitment.start <= commitment.finish <= window.end_date
            assert commitment.units <= days * window.units_per_day
        capability = next(
            c
            for f in problem.factories
            if f.id == window.factory_id
            for c in f.capabilities
            if c.category_id == window.category_id
        )
        assert window.units_per_day <= capability.daily_output
    assert booked > 0


def test_orders_are_due_in_1_to_8_weeks_some_rush_some_splittable_in_long_tailed_categories() -> (
    None
):
    market = generate_market(MarketConfig(orders=3000, factories=400, seed=3))
    today = market.config.today
    due_in = [(o.due_date - today).days for o in market.problem.orders]
    assert min(due_in) >= 7 and max(due_in) <= 56
    rush = [o for o in market.problem.orders if o.priority == Priority.RUSH]
    assert 0.05 < len(rush) / 3000 < 0.15
    assert all((o.due_date - today).days <= 21 for o in rush)
    assert all(50 <= o.quantity <= 20_000 for o in market.problem.orders)
    splittable = [o for o in market.problem.orders if o.allow_split]
    assert 0.03 < len(splittable) / 3000 < 0.3
    assert all(o.quantity >= 1000 and 50 <= o.min_lot_quantity <= o.quantity for o in splittable)
    popularity = Counter(o.category_id for o in market.problem.orders).most_common()
    # long tail: the top category has many times the orders of the median one
    assert popularity[0][1] > 5 * popularity[len(popularity) // 2][1]


def test_prices_spread_around_each_categorys_market_price() -> None:
    market = generate_market(MarketConfig(orders=2000, factories=300, seed=4))
    market_price = {c.id: c.market_price_fen for c in market.categories}
    for factory in market.problem.factories:
        for capability in factory.capabilities:
            ratio = capability.unit_price_fen / market_price[capability.category_id]
            assert 0.7 <= ratio <= 1.35
    for order in market.problem.orders:
        ratio = order.max_unit_price_fen / market_price[order.category_id]
        assert 0.65 <= ratio <= 1.5

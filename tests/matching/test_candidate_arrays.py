"""Candidates as arrays (matching/solver/candidate_arrays.py) give the same pairs, fields,
unmatched reasons and components as ``find_candidates`` and ``independent_components``."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import replace

import numpy as np

from bench.market_generate import MarketConfig, generate_market
from matching.solver.candidate_arrays import (
    HAS_PAIRS,
    build_candidate_arrays,
    component_groups,
    components,
    haversine_km_arrays,
    problem_pairs,
    to_candidates,
)
from matching.solver.candidates import find_candidates
from matching.solver.geo import haversine_km
from matching.solver.model import independent_components
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    TransportParams,
    UnmatchedReason,
    WindowData,
)

FPD = dt.date(2026, 3, 2)


def random_problem(rng: random.Random, limits: random.Random | None = None) -> MatchingProblem:
    """Small, dense in edge cases: missing and inactive factories, duplicate capabilities,
    booked windows (some full), windows before the first production date, exclusions,
    required and preferred factories, split orders, a reliability premium, factories on
    probation (drawn from ``limits``, so the other draws stay as they were)."""
    limits = limits or random.Random(0)
    categories = rng.randint(1, 2)
    factories = []
    for number in range(1, rng.randint(1, 6) + 1):
        capabilities = [
            Capability(
                rng.randint(1, categories),
                rng.randint(50, 150),
                rng.randint(5, 40),
                # learned delays (P50, P90) of some factories: orders finish earlier there
                *limits.choice(((0, 0), (0, 0), (0, 3), (1, 6))),
            )
            for _ in range(rng.choice((0, 1, 2, 2, 3)))
        ]
        factories.append(
            FactoryData(
                id=number * 10,
                latitude=rng.uniform(20, 40),
                longitude=rng.uniform(100, 125),
                min_order_quantity=rng.choice((1, 10, 50)),
                max_order_quantity=rng.choice((100, 300, 1000)),
                capabilities=tuple(capabilities),
                active=rng.random() > 0.1,
                verified=rng.random() > 0.1,
                quality_score=rng.randint(0, 100),
                on_time_percent=rng.randint(0, 100),
                # some new factories on probation: limits of units and of value (fen)
                max_order_units=limits.choice((None, None, None, 100, 400)),
                max_order_value_fen=limits.choice((None, None, None, 5_000, 40_000)),
            )
        )
    factory_ids = [f.id for f in factories] + [999]  # 999: a window of an unknown factory
    windows = []
    for window_id in range(1, rng.choice((0, 3, 6, 10, 14)) + 1):
        start = FPD + dt.timedelta(days=rng.randint(-10, 20))
        end = start + dt.timedelta(days=rng.randint(-1, 20))
        units_per_day = rng.randint(5, 80)
        days = max(0, (end - start).days + 1)
        commitments: list[Commitment] = []
        for _ in range(rng.choice((0, 0, 1, 2))):
            if days == 0:
                break
            c_start = start + dt.timedelta(days=rng.randint(0, days - 1))
            c_finish = min(end, c_start + dt.timedelta(days=rng.randint(0, 6)))
            c_units = rng.randint(1, units_per_day * ((c_finish - c_start).days + 1))
            commitments.append(Commitment(c_start, c_finish, c_units))
        booked = sum(c.units for c in commitments)
        # mostly a window of a capability some factory has; else anything
        capable = [(f.id, c.category_id) for f in factories for c in f.capabilities]
        if capable and rng.random() < 0.85:
            factory_id, category_id = rng.choice(capable)
        else:
            factory_id, category_id = rng.choice(factory_ids), rng.randint(1, categories + 1)
        windows.append(
            WindowData(
                id=100 + window_id,
                factory_id=factory_id,
                category_id=category_id,
                start_date=start,
                end_date=end,
                units_per_day=units_per_day,
                remaining_units=max(0, units_per_day * days - booked - rng.choice((0, 0, 50))),
                commitments=tuple(commitments),
            )
        )
    orders = []
    for order_id in range(1, rng.randint(0, 12) + 1):
        quantity = rng.choice((5, 20, 80, 150, 400, 1500))
        split = rng.random() < 0.3
        orders.append(
            OrderData(
                id=1000 + order_id,
                category_id=rng.randint(1, categories + (rng.random() < 0.1)),
                quantity=quantity,
                max_unit_price_fen=rng.randint(40, 160),
                due_date=FPD + dt.timedelta(days=rng.randint(-2, 40)),
                latitude=rng.uniform(22, 35),
                longitude=rng.uniform(105, 122),
                allow_split=split,
                min_lot_quantity=rng.choice((1, 20, 100)) if split else 1,
                excluded_factory_ids=frozenset(
                    rng.sample(factory_ids, rng.randint(0, 2)) if rng.random() < 0.3 else ()
                ),
                required_factory_id=rng.choice(factory_ids) if rng.random() < 0.15 else None,
                preferred_factory_id=rng.choice(factory_ids) if rng.random() < 0.3 else None,
                priority=limits.choice((Priority.NORMAL, Priority.NORMAL, Priority.RUSH)),
                allows_pooling=limits.random() < 0.4,
            )
        )
    return MatchingProblem(
        first_production_date=FPD,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        transport=TransportParams(
            km_per_day=rng.choice((300.0, 500.0)), handling_days=rng.randint(0, 2)
        ),
        solver=SolverParams(
            reliability_premium_percent=rng.choice((0, 10, 30)),
            rush_plans_p90=limits.random() < 0.8,
            pooling=limits.random() < 0.8,
        ),
    )


def assert_same_as_objects(problem: MatchingProblem) -> None:
    candidates, unmatched = find_candidates(problem)
    by_order = build_candidate_arrays(problem, chunk_cells=7, by_order=True)  # several chunks
    assert to_candidates(problem, by_order) == candidates
    assert by_order.unmatched(problem) == unmatched
    # by category: the same rows in another order, each component's rows in the same order
    arrays = build_candidate_arrays(problem, chunk_cells=7)
    objects = to_candidates(problem, arrays)
    assert sorted(objects, key=lambda c: c.key) == sorted(candidates, key=lambda c: c.key)
    assert arrays.unmatched(problem) == unmatched
    expected = independent_components(candidates)
    for table, rows in ((by_order, candidates), (arrays, objects)):
        groups = component_groups(components(problem, table))
        assert [[rows[int(i)] for i in group] for group in groups] == expected


def test_the_same_pairs_fields_reasons_and_components_on_many_random_problems() -> None:
    rng, limits = random.Random(20261206), random.Random(14)
    reasons: set[UnmatchedReason] = set()
    pairs = pooled = 0
    for _ in range(600):
        problem = random_problem(rng, limits)
        assert_same_as_objects(problem)
        candidates, unmatched = find_candidates(problem)
        reasons.update(unmatched.values())
        pairs += len(candidates)
        pooled += sum(c.pooled for c in candidates)
    # every filter was the last one somewhere (a pool too small is the solver's answer)
    assert reasons == set(UnmatchedReason) - {UnmatchedReason.POOL_TOO_SMALL}
    assert pooled > 20  # pooled pairs (拼单) among them
    assert pairs > 500  # enough pairs for the comparison to mean something


def test_the_same_on_generated_markets() -> None:
    for seed in range(3):
        assert_same_as_objects(
            generate_market(MarketConfig(orders=600, factories=120, weeks=6, seed=seed)).problem
        )


def test_the_distance_is_the_scalar_one_bit_for_bit() -> None:
    rng = np.random.default_rng(5)
    points = rng.uniform(-90, 90, size=(20_000, 4)) * np.array([1, 2, 1, 2])
    arrays = haversine_km_arrays(points[:, 0], points[:, 1], points[:, 2], points[:, 3])
    assert arrays.tolist() == [haversine_km(*p) for p in points.tolist()]


def one_window_problem(**changes: object) -> MatchingProblem:
    factory = FactoryData(1, 31.2, 121.5, 10, 1000, (Capability(1, 100, 50),))
    window = WindowData(1, 1, 1, FPD, FPD + dt.timedelta(days=9), 50, 500)
    order = OrderData(1, 1, 200, 120, FPD + dt.timedelta(days=20), 31.2, 121.5)
    parts: dict[str, object] = {"factory": factory, "window": window, "order": order} | changes
    return MatchingProblem(
        first_production_date=FPD,
        orders=(parts["order"],),  # type: ignore[arg-type]
        factories=(parts["factory"],),  # type: ignore[arg-type]
        windows=(parts["window"],) if parts["window"] is not None else (),  # type: ignore[arg-type]
    )


def reason(problem: MatchingProblem) -> UnmatchedReason | None:
    assert_same_as_objects(problem)
    return build_candidate_arrays(problem).unmatched(problem).get(1)


def test_edge_cases_give_the_reason_of_the_furthest_filter_passed() -> None:
    order = one_window_problem().orders[0]
    window = one_window_problem().windows[0]
    assert reason(one_window_problem()) is None
    assert reason(one_window_problem(window=None)) == UnmatchedReason.NO_CAPABLE_FACTORY
    excluded = replace(order, excluded_factory_ids=frozenset({1}))
    assert reason(one_window_problem(order=excluded)) == UnmatchedReason.NO_CAPABLE_FACTORY
    elsewhere = replace(order, required_factory_id=2)
    assert reason(one_window_problem(order=elsewhere)) == UnmatchedReason.NO_CAPABLE_FACTORY
    required = replace(order, required_factory_id=1)
    assert reason(one_window_problem(order=required)) is None
    cheap = replace(order, max_unit_price_fen=99)
    assert reason(one_window_problem(order=cheap)) == UnmatchedReason.PRICE_BELOW_MARKET
    big = replace(order, quantity=1001)
    assert reason(one_window_problem(order=big)) == UnmatchedReason.QUANTITY_OUT_OF_RANGE
    # a factory on probation: 200 units over its 150, or 200 x 100 fen over its 19,999 fen
    factory = one_window_problem().factories[0]
    new = replace(factory, max_order_units=150)
    assert reason(one_window_problem(factory=new)) == UnmatchedReason.FACTORY_ON_PROBATION
    new = replace(factory, max_order_value_fen=19_999)
    assert reason(one_window_problem(factory=new)) == UnmatchedReason.FACTORY_ON_PROBATION
    new = replace(factory, max_order_units=200, max_order_value_fen=20_000)
    assert reason(one_window_problem(factory=new)) is None
    # probation is after quantity and before the due date: the later filter's reason wins
    new = replace(factory, max_order_units=150)
    assert reason(one_window_problem(factory=new, order=big)) == (
        UnmatchedReason.QUANTITY_OUT_OF_RANGE
    )
    assert reason(one_window_problem(factory=replace(factory, max_order_units=150))) == (
        UnmatchedReason.FACTORY_ON_PROBATION
    )
    # due on the first production date: with a day of transport it had to be made before
    soon = replace(order, due_date=FPD)
    assert reason(one_window_problem(order=soon)) == UnmatchedReason.DUE_DATE_TOO_SOON
    # booked work fills the window: no room left
    full = replace(
        window, remaining_units=0, commitments=(Commitment(FPD, FPD + dt.timedelta(days=9), 500),)
    )
    assert reason(one_window_problem(window=full)) == UnmatchedReason.CAPACITY_FULL
    # the first 7 of 10 days are booked: 150 units left before the due date, order of 200
    early = replace(
        window, remaining_units=150, commitments=(Commitment(FPD, FPD + dt.timedelta(days=6), 350),)
    )
    assert reason(one_window_problem(window=early)) == UnmatchedReason.CAPACITY_FULL
    fits = replace(order, quantity=150)
    assert reason(one_window_problem(window=early, order=fits)) is None


def test_the_columns_of_a_pair() -> None:
    problem = one_window_problem()
    arrays = build_candidate_arrays(problem)
    assert len(arrays) == 1
    assert arrays.reason_code.tolist() == [HAS_PAIRS]
    assert arrays.distance_km[0] == 0.0
    assert arrays.transport_days[0] == 1  # handling only
    assert arrays.latest_finish[0] == (FPD + dt.timedelta(days=19)).toordinal()
    assert arrays.usable_days[0] == 10
    assert (arrays.min_units[0], arrays.max_units[0]) == (200, 200)


def test_no_orders_and_no_windows() -> None:
    empty = MatchingProblem(first_production_date=FPD, orders=(), factories=(), windows=())
    arrays = build_candidate_arrays(empty)
    assert len(arrays) == 0 and arrays.unmatched(empty) == {}
    assert component_groups(components(empty, arrays)) == []


def test_each_order_keeps_its_cheapest_windows_and_some_dearer_ones_when_asked() -> None:
    problem = generate_market(MarketConfig(orders=600, factories=120, weeks=6, seed=1)).problem
    every = to_candidates(problem, build_candidate_arrays(problem, by_order=True))
    capped_arrays = build_candidate_arrays(
        problem, chunk_cells=5_000, by_order=True, max_windows_per_order=4
    )
    capped = to_candidates(problem, capped_arrays)
    assert capped_arrays.unmatched(problem) == build_candidate_arrays(problem).unmatched(problem)
    options: dict[int, list[tuple[int, int]]] = {}
    most_valuable: dict[int, int] = {}  # lowest price plus transport per unit
    for c in every:
        cost = c.unit_price_fen + c.transport_cost_fen_per_unit + c.cost_adjust_fen_per_unit
        options.setdefault(c.order.id, []).append((cost, c.window.id))
        value_cost = c.unit_price_fen + c.transport_cost_fen_per_unit
        most_valuable[c.order.id] = min(most_valuable.get(c.order.id, value_cost), value_cost)
    kept: dict[int, set[int]] = {}
    for c in capped:
        kept.setdefault(c.order.id, set()).add(c.window.id)
    assert set(kept) == set(options)  # no order loses all its windows
    dearer = 0
    for order, pairs in options.items():
        ranked = [window for _cost, window in sorted(pairs)]
        # four, and its most valuable pair when that is not among them
        assert min(len(ranked), 4) <= len(kept[order]) <= min(len(ranked), 4) + 1
        assert set(ranked[:2]) <= kept[order]  # its two cheapest
        dearer += len(ranked) > 6 and not kept[order] <= set(ranked[:4])
    assert dearer > 0  # and, with many windows, some beyond its four cheapest
    assert all(
        min(c.unit_price_fen + c.transport_cost_fen_per_unit for c in capped if c.order.id == o)
        == value_cost
        for o, value_cost in most_valuable.items()
    )
    assert set(capped) <= set(every)  # the rows kept are those of every pair, field for field


def test_the_solver_reads_the_cap_from_its_parameters() -> None:
    problem = generate_market(MarketConfig(orders=300, factories=60, weeks=6, seed=2)).problem
    capped = replace(problem, solver=replace(problem.solver, max_windows_per_order=2))
    arrays = problem_pairs(capped)
    assert 2 <= np.bincount(arrays.order).max() <= 3
    assert len(arrays) < len(problem_pairs(problem))

"""The whole-problem bound is a proof: on many small random instances, with and without
splitting, and with orders pooled below a factory's minimum (拼单), neither the LP bound
(``matching.solver.bound``) nor the bound ``solve`` reports is ever below the exact optimum
of the value (10,000 x weighted units - cost), found by brute force (whole orders) and by
CP-SAT run to optimality on the exact model."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import random

import numpy as np
import pytest
from ortools.sat.python import cp_model

import matching.solver.model as model_module
from bench.market_score import Placement, evaluate_market
from matching.solver import (
    Capability,
    FactoryData,
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    TransportParams,
    WindowData,
    solve,
)
from matching.solver.bound import LpBound, pairs_of_blocks, unit_value
from matching.solver.candidate_arrays import (
    build_candidate_arrays,
    component_groups,
    components,
)
from matching.solver.candidates import Candidate, find_candidates
from matching.solver.model import (
    add_deadline_capacity,
    add_order_made_once,
    add_pool_minimums,
    add_remaining_units,
    add_units,
    priority_weight,
)
from matching.solver.schedule import free_until

FIRST_DAY = dt.date(2026, 3, 2)
INSTANCES = 30
SOLVER = SolverParams(time_limit_seconds=5.0, workers=1, random_seed=3)


def random_problem(rng: random.Random, *, split: bool, pool: bool = False) -> MatchingProblem:
    """Two or three windows of one category, four to seven orders competing for them (with
    ``pool``, most orders allow pooling and factories have minimums above some orders)."""
    factories, windows = [], []
    for i in range(1, rng.randint(2, 3) + 1):
        factories.append(
            FactoryData(
                id=i,
                latitude=30.0 + rng.uniform(-3, 3),
                longitude=115.0 + rng.uniform(-3, 3),
                min_order_quantity=rng.choice((1, 20, 120, 200) if pool else (1, 20)),
                max_order_quantity=rng.choice((150, 400)),
                capabilities=(Capability(1, rng.randint(900, 1100), 1),),
            )
        )
        start = FIRST_DAY + dt.timedelta(days=rng.randint(0, 4))
        end = start + dt.timedelta(days=rng.randint(2, 8))
        per_day = rng.randint(10, 40)
        windows.append(
            WindowData(
                id=10 + i,
                factory_id=i,
                category_id=1,
                start_date=start,
                end_date=end,
                units_per_day=per_day,
                remaining_units=per_day * ((end - start).days + 1) - rng.choice((0, 15)),
            )
        )
    orders = []
    for n in range(1, rng.randint(4, 7) + 1):
        quantity = rng.randint(20, 260)
        splittable = split and rng.random() < 0.6
        orders.append(
            OrderData(
                id=100 + n,
                category_id=1,
                quantity=quantity,
                max_unit_price_fen=1200,
                due_date=FIRST_DAY + dt.timedelta(days=rng.randint(4, 16)),
                latitude=31.0 + rng.uniform(-3, 3),
                longitude=116.0 + rng.uniform(-3, 3),
                priority=Priority.RUSH if rng.random() < 0.2 else Priority.NORMAL,
                age_days=rng.randint(0, 120),
                allow_split=splittable,
                min_lot_quantity=max(1, quantity // rng.randint(2, 5)) if splittable else 1,
                allows_pooling=pool and rng.random() < 0.7,
            )
        )
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(orders),
        factories=tuple(factories),
        windows=tuple(windows),
        transport=TransportParams(km_per_day=400, handling_days=1),
        solver=SOLVER,
    )


def exact_value(problem: MatchingProblem, candidates: list[Candidate]) -> int:
    """The best value over every feasible answer: CP-SAT on the exact model (the EDF
    inequalities are exact, tests/matching/test_solver_bruteforce.py), run to optimality."""
    fpd = problem.first_production_date
    model = cp_model.CpModel()
    x = {c.key: model.new_bool_var(str(c.key)) for c in candidates}
    units = add_units(model, candidates, x, fpd)
    add_order_made_once(model, candidates, x, units, fpd)
    for window in problem.windows:
        here = [c for c in candidates if c.window.id == window.id]
        if here:
            add_remaining_units(model, window, here, units)
            add_deadline_capacity(model, window, here, units, fpd)
            add_pool_minimums(model, here, x, units)
    model.maximize(
        sum(
            unit_value(c, priority_weight(c.order, problem.solver)) * units[c.key]
            for c in candidates
        )
    )
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return round(solver.objective_value)


def brute_force_value(problem: MatchingProblem, candidates: list[Candidate]) -> int:
    """Whole orders only: every order to no window or one, each window checked by its
    earliest-deadline-first inequalities; the best value."""
    fpd = problem.first_production_date
    options: dict[int, list[Candidate | None]] = {o.id: [None] for o in problem.orders}
    for c in candidates:
        options[c.order.id].append(c)
    best = 0
    for choice in itertools.product(*options.values()):
        chosen = [c for c in choice if c is not None]
        if all(fits(problem, [c for c in chosen if c.window == w], fpd) for w in problem.windows):
            value = sum(
                unit_value(c, priority_weight(c.order, problem.solver)) * c.order.quantity
                for c in chosen
            )
            best = max(best, value)
    return best


def fits(problem: MatchingProblem, chosen: list[Candidate], fpd: dt.date) -> bool:
    if not chosen:
        return True
    window = chosen[0].window
    if sum(c.order.quantity for c in chosen) > window.remaining_units:
        return False
    pooled = sum(c.order.quantity for c in chosen if c.pooled)
    factory = chosen[0].factory
    if pooled and not factory.min_order_quantity <= pooled <= factory.max_order_quantity:
        return False
    return all(
        sum(c.order.quantity for c in chosen if min(c.latest_finish, window.end_date) <= t)
        <= free_until(window, fpd, t)
        for t in {min(c.latest_finish, window.end_date) for c in chosen}
    )


@pytest.mark.parametrize(
    ("split", "pool"),
    [(False, False), (True, False), (False, True)],
    ids=["whole orders", "with splitting", "with pooling"],
)
def test_the_bound_is_never_below_the_exact_optimum(
    split: bool, pool: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(1206 + split + 2 * pool)
    contested = lp_above = pooled = 0
    for n in range(INSTANCES):
        problem = random_problem(rng, split=split, pool=pool)
        candidates, _ = find_candidates(problem)
        if not candidates:
            continue
        best = exact_value(problem, candidates)
        if not split:
            assert best == brute_force_value(problem, candidates), f"instance {n}"
        arrays = build_candidate_arrays(problem)
        weights = np.array([priority_weight(o, SOLVER) for o in problem.orders])
        groups = component_groups(components(problem, arrays))
        pairs = pairs_of_blocks(problem, arrays, groups, weights)
        for big_items in (0, 3):
            lp = LpBound(pairs, 30.0, big_items=big_items).finish()
            assert lp.status == "Optimal"
            assert lp.value >= best, f"instance {n}: LP bound {lp.value} < optimum {best}"
        # every other instance, solve takes the LP bound (as on large components) beside
        # CP-SAT's stage-1 bound
        monkeypatch.setattr(model_module, "LP_BOUND_MIN_PAIRS", 1 if n % 2 else 1_000)
        solution = solve(problem)
        assert solution.value <= best <= solution.value_bound, f"instance {n}"
        pooled += sum(a.pool is not None for a in solution.assignments)
        if pool:  # the shared evaluator accepts every answer with its pools
            evaluate_market(
                problem,
                [Placement(a.order_id, a.window_id, a.quantity) for a in solution.assignments],
            )
        contested += solution.value < sum(
            o.quantity * 10_000 * priority_weight(o, SOLVER)
            for o in problem.orders
            if any(c.order.id == o.id for c in candidates)
        )
        lp_above += lp.value > best * (1 + 1e-6)
    # the instances are not trivial: capacity runs out, and the LP is not always exact
    assert contested > INSTANCES // 2 and lp_above > 0
    # with pooling, some answers do pool orders
    assert pooled > 0 if pool else pooled == 0


def test_a_run_over_many_components_reports_the_sum_of_their_bounds() -> None:
    rng = random.Random(7)
    parts = [random_problem(rng, split=True) for _ in range(4)]
    # one problem of four categories (ids apart), each one component
    orders, factories, windows = [], [], []
    for k, part in enumerate(parts):
        orders += [
            dataclasses.replace(o, id=o.id + 1000 * k, category_id=k + 1) for o in part.orders
        ]
        factories += [
            dataclasses.replace(
                f,
                id=f.id + 1000 * k,
                capabilities=tuple(
                    dataclasses.replace(c, category_id=k + 1) for c in f.capabilities
                ),
            )
            for f in part.factories
        ]
        windows += [
            dataclasses.replace(
                w, id=w.id + 1000 * k, factory_id=w.factory_id + 1000 * k, category_id=k + 1
            )
            for w in part.windows
        ]
    problem = dataclasses.replace(
        parts[0], orders=tuple(orders), factories=tuple(factories), windows=tuple(windows)
    )
    whole = solve(problem)
    each = [solve(part) for part in parts]
    assert whole.value_bound >= sum(s.value for s in each)
    assert 0.0 <= whole.value_gap <= 1.0
    assert whole.value == pytest.approx(sum(s.value for s in each), rel=1e-3)

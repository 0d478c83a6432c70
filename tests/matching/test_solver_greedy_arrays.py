"""The greedy start and the packing of a large component read the candidate arrays with no
per-pair object (``model.greedy_fill``, ``model.pair_table_of_rows``,
``model.solve_large_component``), and give what the objects gave."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections import defaultdict

import numpy as np
import pytest

from bench.market_generate import MarketConfig, generate_market
from matching.solver.candidate_arrays import (
    build_candidate_arrays,
    component_groups,
    components,
    to_candidates,
)
from matching.solver.candidates import Candidate, part_range
from matching.solver.local_search import Packing
from matching.solver.model import (
    Key,
    ProblemColumns,
    greedy_choice,
    pair_table_of_rows,
    pair_weight,
    priority_weight,
    quality,
    solve_component,
    solve_large_component,
    unit_cost,
)
from matching.solver.problem import MatchingProblem, Placement, SolverParams
from matching.solver.schedule import free_until
from tests.matching.test_candidate_arrays import random_problem


def reference_greedy(candidates: list[Candidate], problem: MatchingProblem) -> dict[Key, int]:
    """The greedy start as it was written on ``Candidate`` objects (the reference the
    arrays' ``greedy_fill`` is compared with): units per pair.

    Orders go by priority weight (rush, then older), then by due date. A whole order
    takes its cheapest window that still has room for it by every deadline (the same
    earliest-deadline-first test the model uses); a splittable order that fits nowhere
    whole is spread over its cheapest windows in parts of at least its lot size, or
    waits if the parts cannot cover it.
    """
    fpd = problem.first_production_date
    by_order: dict[int, list[Candidate]] = defaultdict(list)
    for c in candidates:
        by_order[c.order.id].append(c)
    # per window: the (latest finish, units) placed so far, and the units still unbooked
    placed: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    unbooked: dict[int, int] = {c.window.id: c.window.remaining_units for c in candidates}

    def room(c: Candidate) -> int:
        """The most units of c's order the window can still take by its latest finish."""
        window = c.window
        due = min(c.latest_finish, window.end_date)
        most = unbooked[window.id]
        load = sum(units for t, units in placed[window.id] if t < due)
        for t in sorted({due} | {t for t, _ in placed[window.id] if t >= due}):
            load += sum(units for t2, units in placed[window.id] if t2 == t)
            most = min(most, free_until(window, fpd, t) - load)
        return max(most, 0)

    def place(c: Candidate, made: int) -> None:
        placed[c.window.id].append((min(c.latest_finish, c.window.end_date), made))
        unbooked[c.window.id] -= made

    chosen: dict[Key, int] = {}
    # unanswered offers first, where they stand (when that is still possible)
    for options in by_order.values():
        order = options[0].order
        here = {c.window.id: c for c in options}
        current = [(here.get(p.window_id), p.units) for p in order.current]
        found = [(c, units) for c, units in current if c is not None]
        if not current or len(found) < len(current) or any(room(c) < u for c, u in found):
            continue
        for c, units in found:
            place(c, units)
            chosen[c.key] = units
    placed_orders = {order_id for order_id, _window_id in chosen}
    order_of = sorted(
        (options for order_id, options in by_order.items() if order_id not in placed_orders),
        key=lambda cs: (-priority_weight(cs[0].order, problem.solver), cs[0].order.due_date),
    )
    for options in order_of:
        options = sorted(options, key=lambda c: (unit_cost(c), -quality(c), c.window.id))
        order = options[0].order
        whole = next((c for c in options if room(c) >= order.quantity), None)
        if whole is not None and part_range(order, whole.factory)[1] >= order.quantity:
            place(whole, order.quantity)
            chosen[whole.key] = order.quantity
            continue
        if not order.allow_split:
            continue
        parts: list[tuple[Candidate, int]] = []
        left = order.quantity
        for c in options:
            smallest, largest = part_range(order, c.factory)
            made = min(room(c), largest, left)
            if 0 < left - made < order.min_lot_quantity:  # leave a remainder a lot can take
                made = left - order.min_lot_quantity
            if made >= smallest:
                parts.append((c, made))
                left -= made
            if left == 0:
                break
        if left == 0:
            for c, made in parts:
                place(c, made)
                chosen[c.key] = made
    return chosen


def with_offers(problem: MatchingProblem, rng: random.Random) -> MatchingProblem:
    """Some orders hold an unanswered offer in one of their windows (whole), some in a
    window that is not theirs."""
    candidates = to_candidates(problem, build_candidate_arrays(problem, by_order=True))
    windows: dict[int, list[int]] = defaultdict(list)
    for c in candidates:
        windows[c.order.id].append(c.window.id)
    orders = []
    for order in problem.orders:
        if windows[order.id] and rng.random() < 0.3:
            window = rng.choice([*windows[order.id], 987_654])
            order = dataclasses.replace(order, current=(Placement(window, order.quantity),))
        orders.append(order)
    return dataclasses.replace(problem, orders=tuple(orders))


def market(
    orders: int, factories: int, seed: int = 0, fairness: int = 0, rates: bool = False
) -> MatchingProblem:
    config = MarketConfig(orders=orders, factories=factories, weeks=8, seed=seed)
    problem = generate_market(config).problem
    solver = dataclasses.replace(problem.solver, fairness_percent=fairness, time_limit_seconds=0)
    problem = dataclasses.replace(problem, solver=solver)
    return with_accept_rates(problem, random.Random(seed)) if rates else problem


def with_accept_rates(problem: MatchingProblem, rng: random.Random) -> MatchingProblem:
    """Every capability with an acceptance rate (as the loader sets them: all or none)."""
    factories = tuple(
        dataclasses.replace(
            f,
            capabilities=tuple(
                dataclasses.replace(c, accept_rate=rng.uniform(0.2, 1.0)) for c in f.capabilities
            ),
        )
        for f in problem.factories
    )
    return dataclasses.replace(problem, factories=factories)


def test_the_greedy_on_arrays_gives_what_it_gave_on_objects_on_random_problems() -> None:
    for seed in range(300):
        rng = random.Random(seed)
        problem = random_problem(rng, random.Random(seed + 1))
        problem = with_offers(problem, rng)
        candidates = to_candidates(problem, build_candidate_arrays(problem, by_order=True))

        assert greedy_choice(candidates, problem) == reference_greedy(candidates, problem), seed


@pytest.mark.parametrize("fairness", [0, 20])
def test_the_greedy_on_arrays_gives_what_it_gave_on_objects_on_a_generated_market(
    fairness: int,
) -> None:
    problem = market(1_250, 250, seed=3, fairness=fairness)
    arrays = build_candidate_arrays(problem)
    for rows in component_groups(components(problem, arrays))[:20]:
        candidates = to_candidates(problem, arrays, rows)

        assert greedy_choice(candidates, problem) == reference_greedy(candidates, problem)


@pytest.mark.parametrize(
    ("fairness", "rates"),
    [(0, False), (20, False), (20, True)],
    ids=["plain", "fairness", "fairness and acceptance rates"],
)
def test_a_large_component_packed_from_the_arrays_is_the_packing_of_its_objects(
    fairness: int, rates: bool
) -> None:
    problem = market(1_250, 250, fairness=fairness, rates=rates)
    arrays = build_candidate_arrays(problem)
    rows = component_groups(components(problem, arrays))[0]
    candidates = to_candidates(problem, arrays, rows)
    params = problem.solver
    fpd = problem.first_production_date

    of_objects = Packing(candidates, fpd, lambda c: pair_weight(c, params), unit_cost, {})
    table = pair_table_of_rows(problem, arrays, rows, ProblemColumns.of(problem))
    of_arrays = Packing.of_table(table, fpd, {})

    for name in ("pair_order", "pair_window", "pair_due", "pair_cost", "pair_smallest",
                 "pair_largest", "pair_order_id", "pair_window_id", "pair_factory", "end",
                 "slack", "room_by_day"):  # fmt: skip
        assert np.array_equal(getattr(of_objects, name), getattr(of_arrays, name)), name
    assert np.array_equal(of_objects.table.weight, table.weight)
    assert np.array_equal(of_objects.table.quality, table.quality)
    assert [(o.unit_weight, o.pairs.tolist(), o.whole.tolist()) for o in of_objects.orders] == [
        (o.unit_weight, o.pairs.tolist(), o.whole.tolist()) for o in of_arrays.orders
    ]
    assert [c.key for c in table.candidates[:50]] == [c.key for c in candidates[:50]]
    assert table.candidates[len(rows) - 1] == candidates[-1]


def test_a_large_component_without_time_keeps_the_greedy_answer_with_objects_only_for_it() -> None:
    problem = market(5_000, 1_000)
    arrays = build_candidate_arrays(problem)
    rows = component_groups(components(problem, arrays))[0]
    candidates = to_candidates(problem, arrays, rows)
    assert len(rows) > 5_000

    from_arrays = solve_large_component(problem, arrays, rows, ProblemColumns.of(problem), 0.0)
    from_objects = solve_component(candidates, problem, 0.0)

    assert sorted((c.key, u) for c, u in from_arrays.chosen) == sorted(
        (c.key, u) for c, u in from_objects.chosen
    )
    assert from_arrays.chosen and from_arrays.status == from_objects.status == "FEASIBLE"
    assert from_arrays.objective == from_objects.objective
    greedy = reference_greedy(candidates, problem)
    assert {c.key: u for c, u in from_arrays.chosen} == greedy


def test_a_large_component_searched_from_the_arrays_is_feasible_and_beats_the_greedy() -> None:
    problem = market(5_000, 1_000)
    arrays = build_candidate_arrays(problem)
    rows = component_groups(components(problem, arrays))[0]
    candidates = to_candidates(problem, arrays, rows)
    params = problem.solver
    fpd = problem.first_production_date
    assert len(rows) > 5_000

    result = solve_large_component(problem, arrays, rows, ProblemColumns.of(problem), 2.0)

    made = {c.key: u for c, u in result.chosen}
    # the packing accepts the answer whole: every window within its deadlines and units
    check = Packing(candidates, fpd, lambda c: pair_weight(c, params), unit_cost, made)
    assert (check.slack >= 0).all()
    by_order: dict[int, int] = defaultdict(int)
    for c, units in result.chosen:
        smallest, largest = part_range(c.order, c.factory)
        assert smallest <= units <= largest
        by_order[c.order.id] += units
    quantities = {c.order.id: c.order.quantity for c in candidates}
    assert all(units == quantities[order_id] for order_id, units in by_order.items())
    greedy = reference_greedy(candidates, problem)
    weight = {c.key: pair_weight(c, params) for c in candidates}

    def weighted(answer: dict[Key, int]) -> int:
        return sum(weight[key] * units for key, units in answer.items())

    assert weighted(made) >= weighted(greedy)
    assert result.objective == sum(unit_cost(c) * u for c, u in result.chosen)
    assert isinstance(result.chosen[0][0], Candidate)
    assert SolverParams().lp_bound

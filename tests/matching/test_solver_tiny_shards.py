"""Tiny shards are solved exactly, however little of the time limit their size earns them.

A run's time limit is shared among its shards by size, so in a run with one large shard
and many tiny ones each tiny shard's share is a sliver of a second. Each must still be
proven optimal: it reaches the brute-force optimum (tests/matching/test_solver_bruteforce.py)
and says OPTIMAL, not UNKNOWN or FEASIBLE with a 100% gap.
"""

import dataclasses
import datetime as dt
import random

from matching.solver import (
    Capability,
    FactoryData,
    MatchingProblem,
    OrderData,
    SolverParams,
    WindowData,
    solve,
)
from matching.solver.shards import solve_shard, split_into_shards
from tests.matching.test_solver_bruteforce import (
    FIRST_DAY,
    LAT,
    LON,
    brute_force,
    random_problem,
    stage1_value,
)

# categories with a brute-force instance each (some get no candidates: no shard)
TINY_CATEGORIES = 40
# small enough that the large shard's share is nearly all of it
TIME_LIMIT_SECONDS = 1.0
SOLVER = SolverParams(time_limit_seconds=TIME_LIMIT_SECONDS, workers=1, random_seed=7)
# asked of ``split_into_shards``: one shard per component, as a run on many workers splits
# (below that, small components go together in one shard)
EVERY_COMPONENT = 1_000


def large_category(category_id: int) -> MatchingProblem:
    """40 factories and 60 orders of one category: 2,400 pairs competing for capacity."""
    rng = random.Random(11)
    factories = tuple(
        FactoryData(
            id=i,
            latitude=LAT,
            longitude=LON,
            min_order_quantity=1,
            max_order_quantity=1_000,
            capabilities=(Capability(category_id, rng.randint(90, 110), 10),),
        )
        for i in range(1, 41)
    )
    windows = tuple(
        WindowData(i, i, category_id, FIRST_DAY, FIRST_DAY + dt.timedelta(days=9), 10, 100)
        for i in range(1, 41)
    )
    orders = tuple(
        OrderData(
            id=i,
            category_id=category_id,
            quantity=rng.randint(20, 90),
            max_unit_price_fen=1_000,
            due_date=FIRST_DAY + dt.timedelta(days=rng.randint(4, 12)),
            latitude=LAT,
            longitude=LON,
            age_days=rng.randint(0, 30),
        )
        for i in range(1, 61)
    )
    return MatchingProblem(FIRST_DAY, orders, factories, windows, solver=SOLVER)


def tiny_category(rng: random.Random, category_id: int) -> MatchingProblem:
    """A brute-force instance (up to 5 orders, 2 windows) moved to its own category and ids."""
    problem = random_problem(rng)
    offset = 1000 * category_id
    return dataclasses.replace(
        problem,
        orders=tuple(
            dataclasses.replace(o, id=o.id + offset, category_id=category_id)
            for o in problem.orders
        ),
        factories=tuple(
            dataclasses.replace(
                f,
                id=f.id + offset,
                capabilities=tuple(
                    dataclasses.replace(c, category_id=category_id) for c in f.capabilities
                ),
            )
            for f in problem.factories
        ),
        windows=tuple(
            dataclasses.replace(
                w, id=w.id + offset, factory_id=w.factory_id + offset, category_id=category_id
            )
            for w in problem.windows
        ),
    )


def one_large_and_many_tiny() -> MatchingProblem:
    rng = random.Random(20261206)
    parts = [large_category(1)] + [tiny_category(rng, k) for k in range(2, TINY_CATEGORIES + 2)]
    return MatchingProblem(
        first_production_date=FIRST_DAY,
        orders=tuple(o for p in parts for o in p.orders),
        factories=tuple(f for p in parts for f in p.factories),
        windows=tuple(w for p in parts for w in p.windows),
        transport=parts[1].transport,
        solver=SOLVER,
    )


def assert_brute_force_optimum(shard: MatchingProblem, matched: set[int]) -> None:
    """The matched orders of the shard weigh as much as the brute-force optimum's."""
    orders = {o.id: o for o in shard.orders}
    best_value, _cost, _quality = brute_force(shard)
    value = sum(stage1_value(orders[order_id]) for order_id in matched & set(orders))
    assert value == best_value, f"shard of orders {sorted(orders)}: {value} != {best_value}"


def test_every_tiny_shard_after_a_large_one_is_solved_to_its_optimum() -> None:
    problem = one_large_and_many_tiny()
    plan = split_into_shards(problem, at_least=EVERY_COMPONENT)
    tiny = [s for s in plan.shards if s.orders[0].category_id != 1]
    assert len(plan.shards) == len(tiny) + 1 and len(tiny) >= TINY_CATEGORIES // 2
    assert plan.shards[0].orders[0].category_id == 1  # the large one is solved first

    for index, shard in enumerate(plan.shards):  # in order, as one worker solves a run
        result = solve_shard(shard, index=index, worker="test")
        if shard in tiny:
            solution = result.solution
            assert solution.solver_status == "OPTIMAL", f"shard {index}"
            assert solution.gap == 0.0
            assert_brute_force_optimum(shard, {a.order_id for a in solution.assignments})


def test_every_shard_gets_a_floor_of_the_time_limit() -> None:
    problem = one_large_and_many_tiny()
    plan = split_into_shards(problem, at_least=EVERY_COMPONENT)

    shares = [shard.solver.time_limit_seconds for shard in plan.shards]

    # the floors of many shards take at most a quarter of the limit, as within one solve
    limit = problem.solver.time_limit_seconds
    floor = min(0.1, 0.25 * limit / len(shares))
    assert min(shares) >= floor > 0
    assert abs(sum(shares) - limit) < 1e-9
    assert shares[0] == max(shares)  # the large shard still gets the most


def test_tiny_components_of_one_problem_are_solved_to_their_optimum() -> None:
    problem = one_large_and_many_tiny()
    # a tenth of a second for the whole problem: the large component gets what is left
    problem = dataclasses.replace(
        problem, solver=dataclasses.replace(SOLVER, time_limit_seconds=0.1)
    )

    solution = solve(problem)

    matched = {a.order_id for a in solution.assignments}
    for shard in split_into_shards(problem, at_least=EVERY_COMPONENT).shards[1:]:
        assert_brute_force_optimum(shard, matched)


def test_tiny_components_batched_in_one_shard_are_each_solved_to_their_optimum() -> None:
    problem = one_large_and_many_tiny()
    plan = split_into_shards(problem)
    assert len(plan.shards) == 1  # under BATCH_MAX_PAIRS pairs in all: one CP-SAT model

    batch = solve_shard(plan.shards[0], index=0, worker="test").solution

    matched = {a.order_id for a in batch.assignments}
    for shard in split_into_shards(problem, at_least=EVERY_COMPONENT).shards[1:]:
        assert_brute_force_optimum(shard, matched)


def test_the_tiny_components_of_a_batch_do_not_take_the_others_share() -> None:
    # one component of 22 pairs where the earliest-due greedy wastes window 1 (ten small
    # orders fill 30 of its 100 units, the 100-unit order then fits nowhere), and 400 tiny
    # components (one order, one window each), all in one batch with 0.2 s: the tiny ones'
    # exact solves take more than that, and the 22-pair one still gets its share by pairs
    # to be searched and solved, not only the greedy answer
    factories = [
        FactoryData(1, LAT, LON, 1, 1_000, (Capability(1, 100, 10),)),
        FactoryData(2, LAT, LON, 1, 1_000, (Capability(1, 200, 10),)),
    ]
    windows = [
        WindowData(1, 1, 1, FIRST_DAY, FIRST_DAY + dt.timedelta(days=9), 10, 100),
        WindowData(2, 2, 1, FIRST_DAY, FIRST_DAY + dt.timedelta(days=9), 1, 10),
    ]
    due = FIRST_DAY + dt.timedelta(days=20)
    orders = [OrderData(1, 1, 100, 1_000, due, LAT, LON)] + [
        OrderData(1 + n, 1, 3, 1_000, FIRST_DAY + dt.timedelta(days=12), LAT, LON)
        for n in range(1, 11)
    ]
    for k in range(400):
        category = 10 + k
        factories.append(FactoryData(100 + k, LAT, LON, 1, 1_000, (Capability(category, 100, 10),)))
        windows.append(
            WindowData(
                100 + k, 100 + k, category, FIRST_DAY, FIRST_DAY + dt.timedelta(days=9), 10, 100
            )
        )
        orders.append(OrderData(100 + k, category, 5, 1_000, due, LAT, LON))
    # 0.2 s: less than the 400 exact solves take (a millisecond or more each)
    solver = dataclasses.replace(SOLVER, time_limit_seconds=0.2)
    problem = MatchingProblem(
        FIRST_DAY, tuple(orders), tuple(factories), tuple(windows), solver=solver
    )

    solution = solve(problem)

    made = {a.order_id: a.window_id for a in solution.assignments}
    assert made[1] == 1  # the 100-unit order got window 1
    assert sum(1 for n in range(2, 12) if made.get(n) == 2) == 3  # three small ones window 2
    assert all(made.get(100 + k) == 100 + k for k in range(400))  # every tiny one made

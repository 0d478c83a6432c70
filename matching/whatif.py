"""What-if on live data, for staff: a scenario (a factory or a province drops out, demand
goes up, new capacity, a price change) solved by the worker on a snapshot of the live rows,
next to the current plan, and the difference between the two.

The request checks the scenario and queues the task on commit. The task claims the what-if
(a conditional update: queued -> running), loads the problem a match run would solve now
(``matching_problem_load``) and the current plan, changes the frozen dataclasses with
``dataclasses.replace``, solves the unchanged problem (the baseline: what a run would keep
and place now) and the changed one with the pure solver, and stores the difference. It
writes nothing but its own row.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from factories.models import Factory, FactoryCapability
from marketplace.models import ProductCategory, User
from marketplace.notifications import stored_text_language
from matching.models import WhatIf, WhatIfKind, WhatIfStatus
from matching.selectors import (
    PlanPart,
    category_capacity_load,
    live_plan_load,
    matching_problem_load,
    orders_as_problem_data,
)
from matching.solver import solve
from matching.solver.problem import (
    Commitment,
    MatchingProblem,
    MatchingSolution,
    OrderData,
    WindowData,
)
from orders.models import Order

logger = logging.getLogger(__name__)

# the dates a scenario may name (a typo's year 9999 would overflow the date arithmetic)
DATE_MIN = dt.date(2000, 1, 1)
DATE_MAX = dt.date(2100, 12, 31)
# new capacity: at most a year of days in one scenario
NEW_CAPACITY_MAX_DAYS = 366
# rows kept per table of a result (the counts are always complete)
RESULT_ROWS = 500

# the fields each scenario needs; "factory or province" / "factory or category" below
REQUIRED: dict[str, tuple[str, ...]] = {
    WhatIfKind.FACTORY_DROP: ("date_from",),
    WhatIfKind.DEMAND_UP: ("category", "percent", "date_from", "date_to"),
    WhatIfKind.NEW_CAPACITY: ("factory", "category", "units_per_day", "date_from", "date_to"),
    WhatIfKind.PRICE_CHANGE: ("percent",),
}
ALLOWED: dict[str, tuple[str, ...]] = {
    WhatIfKind.FACTORY_DROP: ("factory", "province", "date_from"),
    WhatIfKind.DEMAND_UP: ("category", "percent", "date_from", "date_to"),
    WhatIfKind.NEW_CAPACITY: ("factory", "category", "units_per_day", "date_from", "date_to"),
    WhatIfKind.PRICE_CHANGE: ("factory", "category", "percent"),
}
PERCENT_RANGE: dict[str, tuple[int, int]] = {
    WhatIfKind.DEMAND_UP: (1, 1000),
    WhatIfKind.PRICE_CHANGE: (-90, 1000),
}


# --- request ----------------------------------------------------------------------------


def _blank(value: object) -> bool:
    return value is None or value == ""


def what_if_parameters(*, kind: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The scenario's parameters checked against the live rows, as stored (JSON): ids,
    ISO dates, integers. ValidationError with a message per field otherwise."""
    if kind not in WhatIfKind.values:
        raise ValidationError({"kind": _("Unknown scenario.")})
    errors: dict[str, str] = {}
    given: dict[str, Any] = {
        name: values[name] for name in ALLOWED[kind] if not _blank(values.get(name))
    }
    for name in REQUIRED[kind]:
        if name not in given:
            errors[name] = _("This scenario needs this field.")
    if kind == WhatIfKind.FACTORY_DROP and ("factory" in given) == ("province" in given):
        errors["factory"] = _("Name either a factory or a province.")
    if kind == WhatIfKind.PRICE_CHANGE and "factory" not in given and "category" not in given:
        errors["factory"] = _("Name a factory, a category or both.")
    if "factory" in given and not Factory.objects.filter(pk=given["factory"]).exists():
        errors["factory"] = _("No factory has this id.")
    if "province" in given and not Factory.objects.filter(province=given["province"]).exists():
        errors["province"] = _("No factory is in this province.")
    if "category" in given:
        found = ProductCategory.objects.filter(pk=given["category"]).first()
        if found is None:
            errors["category"] = _("No category has this id.")
        elif not found.is_leaf:
            errors["category"] = _("Choose a category without subcategories.")
    if "percent" in given:
        low, high = PERCENT_RANGE[kind]
        if not low <= given["percent"] <= high or given["percent"] == 0:
            errors["percent"] = _("Give a percentage from %(low)s to %(high)s, other than 0.") % {
                "low": low,
                "high": high,
            }
    for name in ("date_from", "date_to"):
        if name in given and not DATE_MIN <= given[name] <= DATE_MAX:
            errors[name] = _("Give a date from %(low)s to %(high)s.") % {
                "low": DATE_MIN.isoformat(),
                "high": DATE_MAX.isoformat(),
            }
    if "date_from" in given and "date_to" in given and "date_to" not in errors:
        if given["date_to"] < given["date_from"]:
            errors["date_to"] = _("The last day is before the first day.")
        elif (
            kind == WhatIfKind.NEW_CAPACITY
            and (given["date_to"] - given["date_from"]).days >= NEW_CAPACITY_MAX_DAYS
        ):
            errors["date_to"] = _("New capacity may span at most %(days)s days.") % {
                "days": NEW_CAPACITY_MAX_DAYS
            }
    if (
        kind == WhatIfKind.NEW_CAPACITY
        and not errors
        and not FactoryCapability.objects.filter(
            factory_id=given["factory"], category_id=given["category"]
        ).exists()
    ):
        errors["category"] = _("The factory does not make this category.")
    if errors:
        raise ValidationError(errors)
    return {
        name: value.isoformat() if isinstance(value, dt.date) else value
        for name, value in given.items()
    }


def what_if_request(*, kind: str, values: Mapping[str, Any], requested_by: User | None) -> WhatIf:
    """Check the scenario, store it queued, and send its task once the transaction commits
    (a broker outage is raised: the person asking learns the worker queue is unreachable)."""
    parameters = what_if_parameters(kind=kind, values=values)
    what_if = WhatIf.objects.create(kind=kind, parameters=parameters, requested_by=requested_by)
    from matching.tasks import what_if_execute_task

    what_if_id = what_if.pk
    transaction.on_commit(lambda: what_if_execute_task.apply_async(args=(what_if_id,)))
    return what_if


# --- the scenario on the snapshot ---------------------------------------------------------


@dataclass(frozen=True)
class Scenario:
    """The changed problem and what the change did beyond it."""

    problem: MatchingProblem
    # parts of the current plan (accepted, or fixed) the scenario takes from their factory
    lost_parts: tuple[PlanPart, ...] = ()
    # extra demand: the id of each copied order (negative) -> the order it copies
    extra_orders: Mapping[int, int] = dataclasses.field(default_factory=dict)
    # what the change touched, for the result (orders copied, windows cut, capabilities)
    touched: int = 0


def _remove_commitments(
    commitments: Iterable[Commitment], parts: Iterable[PlanPart]
) -> list[Commitment]:
    left = list(commitments)
    for part in parts:
        gone = Commitment(start=part.planned_start, finish=part.planned_finish, units=part.units)
        if gone in left:
            left.remove(gone)
    return left


def factories_drop(
    problem: MatchingProblem,
    *,
    factory_ids: frozenset[int],
    day: dt.date,
    fixed_parts: Iterable[PlanPart],
) -> Scenario:
    """The factories make nothing from ``day``: their windows end the day before (or go),
    and the fixed parts (accepted work) they would finish from that day are lost."""
    lost = tuple(p for p in fixed_parts if p.factory_id in factory_ids and p.planned_finish >= day)
    lost_by_window: dict[int, list[PlanPart]] = {}
    for part in lost:
        lost_by_window.setdefault(part.window_id, []).append(part)
    windows: list[WindowData] = []
    touched = 0
    for window in problem.windows:
        if window.factory_id not in factory_ids or window.end_date < day:
            windows.append(window)
            continue
        touched += 1
        end = day - dt.timedelta(days=1)
        if end < max(window.start_date, problem.first_production_date):
            continue  # nothing left of it
        gone = lost_by_window.get(window.id, [])
        kept = _remove_commitments(window.commitments, gone)
        total = window.units_per_day * ((end - window.start_date).days + 1)
        freed = sum(part.units for part in gone)
        remaining = max(0, min(window.remaining_units + freed, total - sum(c.units for c in kept)))
        windows.append(
            dataclasses.replace(
                window, end_date=end, remaining_units=remaining, commitments=tuple(kept)
            )
        )
    return Scenario(
        problem=dataclasses.replace(problem, windows=tuple(windows)),
        lost_parts=lost,
        touched=touched,
    )


def orders_place_again(
    scenario: Scenario, *, lost_orders: Iterable[OrderData], factory_ids: frozenset[int]
) -> Scenario:
    """The lost parts come back as orders to place (an order in the problem already grows
    by its lost units), never again in the factories that dropped out."""
    problem = scenario.problem
    lost_units: dict[int, int] = {}
    for part in scenario.lost_parts:
        lost_units[part.order_id] = lost_units.get(part.order_id, 0) + part.units
    orders: list[OrderData] = []
    for order in problem.orders:
        units = lost_units.pop(order.id, 0)
        orders.append(
            order if not units else dataclasses.replace(order, quantity=order.quantity + units)
        )
    for order in lost_orders:
        if order.id in lost_units:
            orders.append(
                dataclasses.replace(
                    order, excluded_factory_ids=order.excluded_factory_ids | factory_ids
                )
            )
    return dataclasses.replace(scenario, problem=dataclasses.replace(problem, orders=tuple(orders)))


def demand_up(
    problem: MatchingProblem,
    *,
    category_id: int,
    percent: int,
    first: dt.date,
    last: dt.date,
) -> Scenario:
    """``percent`` more units of the category's orders due from ``first`` to ``last``:
    copies of those orders (new, no offers, negative ids), in turn, until the extra units
    are reached (the last copy made smaller)."""
    base = [
        o for o in problem.orders if o.category_id == category_id and first <= o.due_date <= last
    ]
    target = math.ceil(sum(o.quantity for o in base) * percent / 100)
    extra: list[OrderData] = []
    copies: dict[int, int] = {}
    added = 0
    while base and added < target:
        source = base[len(extra) % len(base)]
        units = min(source.quantity, target - added)
        copy = dataclasses.replace(
            source,
            id=-(len(extra) + 1),
            quantity=units,
            min_lot_quantity=min(source.min_lot_quantity, units),
            current=(),
            age_days=0,
        )
        extra.append(copy)
        copies[copy.id] = source.id
        added += units
    return Scenario(
        problem=dataclasses.replace(problem, orders=(*problem.orders, *extra)),
        extra_orders=copies,
        touched=len(base),
    )


def capacity_add(
    problem: MatchingProblem,
    *,
    factory_id: int,
    category_id: int,
    units_per_day: int,
    first: dt.date,
    last: dt.date,
) -> Scenario:
    """A new window (id -1) of the factory for the category, free from the first to the
    last day."""
    days = (last - first).days + 1
    window = WindowData(
        id=-1,
        factory_id=factory_id,
        category_id=category_id,
        start_date=first,
        end_date=last,
        units_per_day=units_per_day,
        remaining_units=units_per_day * days,
    )
    return Scenario(
        problem=dataclasses.replace(problem, windows=(*problem.windows, window)), touched=1
    )


def prices_change(
    problem: MatchingProblem, *, factory_id: int | None, category_id: int | None, percent: int
) -> Scenario:
    """The unit price of the factory's (or every factory's) capabilities for the category
    (or every category) changes by ``percent`` (at least 1 fen)."""
    touched = 0
    factories = []
    for factory in problem.factories:
        if factory_id is not None and factory.id != factory_id:
            factories.append(factory)
            continue
        capabilities = []
        for capability in factory.capabilities:
            if category_id is None or capability.category_id == category_id:
                touched += 1
                price = max(1, round(capability.unit_price_fen * (100 + percent) / 100))
                capability = dataclasses.replace(capability, unit_price_fen=price)
            capabilities.append(capability)
        factories.append(dataclasses.replace(factory, capabilities=tuple(capabilities)))
    return Scenario(
        problem=dataclasses.replace(problem, factories=tuple(factories)), touched=touched
    )


def _with_categories(problem: MatchingProblem, category_ids: set[int]) -> MatchingProblem:
    """The problem with the capacity of more categories (a dropped factory's accepted work
    placed again, new capacity in a category no order waits in)."""
    missing = (
        category_ids
        - {w.category_id for w in problem.windows}
        - {o.category_id for o in problem.orders}
    )
    if not missing:
        return problem
    factories, windows = category_capacity_load(
        category_ids=missing, first_day=problem.first_production_date
    )
    known = {f.id for f in problem.factories}
    return dataclasses.replace(
        problem,
        factories=(*problem.factories, *(f for f in factories if f.id not in known)),
        windows=(*problem.windows, *windows),
    )


def _fixed_parts(plan: Iterable[PlanPart], movable: set[int]) -> list[PlanPart]:
    """The parts that are booked work in the problem (accepted, or offers a run may not
    move); movable offers are the orders' ``current`` placements instead."""
    return [p for p in plan if p.assignment_id not in movable]


def _factory_drop_scenario(
    problem: MatchingProblem,
    *,
    parameters: Mapping[str, Any],
    day: dt.date,
    plan: Iterable[PlanPart],
    movable: set[int],
) -> Scenario:
    """A factory (or a province's factories) gone from ``day``: its windows end the day
    before, and the accepted work it loses is placed again elsewhere."""
    if "factory" in parameters:
        factory_ids = frozenset({int(parameters["factory"])})
    else:
        factory_ids = frozenset(
            Factory.objects.filter(province=parameters["province"]).values_list("pk", flat=True)
        )
    scenario = factories_drop(
        problem, factory_ids=factory_ids, day=day, fixed_parts=_fixed_parts(plan, movable)
    )
    lost = {p.order_id: 0 for p in scenario.lost_parts}
    for part in scenario.lost_parts:
        lost[part.order_id] += part.units
    loaded = {o.id for o in problem.orders}
    new_orders = orders_as_problem_data({k: v for k, v in lost.items() if k not in loaded})
    scenario = dataclasses.replace(
        scenario,
        problem=_with_categories(scenario.problem, {o.category_id for o in new_orders}),
    )
    return orders_place_again(scenario, lost_orders=new_orders, factory_ids=factory_ids)


def scenario_build(
    problem: MatchingProblem,
    *,
    kind: str,
    parameters: Mapping[str, Any],
    plan: Iterable[PlanPart],
    movable: set[int],
) -> Scenario:
    """The scenario on the loaded problem (reads the rows a province, a lost part or a new
    category needs; writes nothing)."""
    first = dt.date.fromisoformat(parameters["date_from"]) if "date_from" in parameters else None
    last = dt.date.fromisoformat(parameters["date_to"]) if "date_to" in parameters else None
    match kind:
        case WhatIfKind.FACTORY_DROP:
            assert first is not None
            return _factory_drop_scenario(
                problem, parameters=parameters, day=first, plan=plan, movable=movable
            )
        case WhatIfKind.DEMAND_UP:
            assert first is not None and last is not None
            return demand_up(
                problem,
                category_id=int(parameters["category"]),
                percent=int(parameters["percent"]),
                first=first,
                last=last,
            )
        case WhatIfKind.NEW_CAPACITY:
            assert first is not None and last is not None
            category_id = int(parameters["category"])
            return capacity_add(
                _with_categories(problem, {category_id}),
                factory_id=int(parameters["factory"]),
                category_id=category_id,
                units_per_day=int(parameters["units_per_day"]),
                first=first,
                last=last,
            )
        case WhatIfKind.PRICE_CHANGE:
            factory = parameters.get("factory")
            category = parameters.get("category")
            return prices_change(
                problem,
                factory_id=None if factory is None else int(factory),
                category_id=None if category is None else int(category),
                percent=int(parameters["percent"]),
            )
    raise ValueError(f"unknown what-if kind {kind!r}")


# --- the difference -----------------------------------------------------------------------


def _factories_of(solution: MatchingSolution, fixed: Iterable[PlanPart]) -> dict[int, set[int]]:
    """Order id -> the factories making (a part of) it in a plan: the solution's placements
    and the fixed parts."""
    placed: dict[int, set[int]] = {}
    for a in solution.assignments:
        placed.setdefault(a.order_id, set()).add(a.factory_id)
    for part in fixed:
        placed.setdefault(part.order_id, set()).add(part.factory_id)
    return placed


def _windows_of(solution: MatchingSolution) -> dict[int, set[int]]:
    placed: dict[int, set[int]] = {}
    for a in solution.assignments:
        placed.setdefault(a.order_id, set()).add(a.window_id)
    return placed


def _figures(
    problem: MatchingProblem, solution: MatchingSolution, fixed: list[PlanPart]
) -> dict[str, Any]:
    """The plan's figures: booked work that stands (``fixed``) plus what the solver places.
    Orders and units of real orders (extra demand apart), their cost (extra demand
    included), and the share of the windows' units in use."""
    real = [a for a in solution.assignments if a.order_id > 0]
    booked = sum(c.units for w in problem.windows for c in w.commitments)
    capacity = sum(w.remaining_units for w in problem.windows) + booked
    used = booked + solution.matched_units
    return {
        "solver_status": solution.solver_status,
        "orders_to_place": len(problem.orders),
        "matched_orders": len({a.order_id for a in real} | {p.order_id for p in fixed}),
        "matched_units": sum(a.quantity for a in real) + sum(p.units for p in fixed),
        "extra_matched_units": solution.matched_units - sum(a.quantity for a in real),
        "unmatched_orders": len(solution.unmatched),
        "production_cost_fen": solution.production_cost_fen
        + sum(p.production_cost_fen for p in fixed),
        "transport_cost_fen": solution.transport_cost_fen
        + sum(p.transport_cost_fen for p in fixed),
        "capacity_units": capacity,
        "used_units": used,
        "fill_percent": round(100 * used / capacity, 2) if capacity else None,
    }


def _orders_losing_factory(
    before: dict[int, set[int]], after: dict[int, set[int]], solution: MatchingSolution
) -> list[dict[str, Any]]:
    losing = []
    for order_id in sorted(before):
        gone = before[order_id] - after.get(order_id, set())
        if gone:
            losing.append(
                {
                    "order": order_id,
                    "from": sorted(gone),
                    "to": sorted(after.get(order_id, set()) - before[order_id]),
                    "reason": str(solution.unmatched.get(order_id, "")),
                }
            )
    return losing


def _moved_offers(
    baseline_problem: MatchingProblem,
    baseline: MatchingSolution,
    scenario: Scenario,
    solution: MatchingSolution,
) -> tuple[list[dict[str, Any]], int]:
    """Unanswered offers the scenario would move (and how many the baseline itself moves)."""
    current = {o.id: {p.window_id for p in o.current} for o in baseline_problem.orders if o.current}
    base_windows, scenario_windows = _windows_of(baseline), _windows_of(solution)
    window_factory = {
        w.id: w.factory_id for w in (*baseline_problem.windows, *scenario.problem.windows)
    }
    moved = []
    baseline_moves = 0
    for order_id, windows in sorted(current.items()):
        if base_windows.get(order_id, set()) != windows:
            baseline_moves += 1
        now = scenario_windows.get(order_id, set())
        if now != windows and now != base_windows.get(order_id, set()):
            moved.append(
                {
                    "order": order_id,
                    "from": sorted({window_factory[w] for w in windows if w in window_factory}),
                    "to": sorted({window_factory[w] for w in now if w in window_factory}),
                    "reason": str(solution.unmatched.get(order_id, "")),
                }
            )
    return moved, baseline_moves


CHANGED_FIGURES = (
    "matched_orders",
    "matched_units",
    "production_cost_fen",
    "transport_cost_fen",
    "capacity_units",
    "used_units",
)


def _figures_change(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    change = {key: after[key] - before[key] for key in CHANGED_FIGURES}
    fills = (before["fill_percent"], after["fill_percent"])
    if None not in fills:
        change["fill_percent"] = round(fills[1] - fills[0], 2)
    return change


def what_if_diff(
    *,
    baseline_problem: MatchingProblem,
    baseline: MatchingSolution,
    scenario: Scenario,
    solution: MatchingSolution,
    fixed: Iterable[PlanPart],
) -> dict[str, Any]:
    """The scenario against the current plan (JSON): orders that lose a factory, orders
    left unmatched that the baseline places (with the scenario's reason), totals, offers
    that would move. Ids only; names are added by ``_named``."""
    fixed = list(fixed)
    lost_ids = {p.assignment_id for p in scenario.lost_parts}
    standing = [p for p in fixed if p.assignment_id not in lost_ids]
    losing = _orders_losing_factory(
        _factories_of(baseline, fixed), _factories_of(solution, standing), solution
    )
    new_unmatched = [
        {"order": order_id, "reason": str(reason)}
        for order_id, reason in sorted(solution.unmatched.items())
        if order_id > 0 and order_id not in baseline.unmatched
    ]
    newly_matched = sorted(
        order_id
        for order_id in baseline.unmatched
        if order_id > 0 and order_id not in solution.unmatched
    )
    extra_reasons: dict[str, int] = {}
    for order_id, reason in solution.unmatched.items():
        if order_id < 0:
            extra_reasons[str(reason)] = extra_reasons.get(str(reason), 0) + 1
    moved, baseline_moves = _moved_offers(baseline_problem, baseline, scenario, solution)
    baseline_figures = _figures(baseline_problem, baseline, fixed)
    scenario_figures = _figures(scenario.problem, solution, standing)
    return {
        "baseline": baseline_figures,
        "scenario": scenario_figures,
        "change": _figures_change(baseline_figures, scenario_figures),
        "touched": scenario.touched,
        "lost_parts": len(scenario.lost_parts),
        "lost_units": sum(p.units for p in scenario.lost_parts),
        "extra_orders": len(scenario.extra_orders),
        "extra_units": sum(o.quantity for o in scenario.problem.orders if o.id < 0),
        "extra_unmatched_by_reason": extra_reasons,
        "orders_losing_factory_count": len(losing),
        "orders_losing_factory": losing[:RESULT_ROWS],
        "new_unmatched_count": len(new_unmatched),
        "new_unmatched": new_unmatched[:RESULT_ROWS],
        "newly_matched_count": len(newly_matched),
        "newly_matched": newly_matched[:RESULT_ROWS],
        "moved_offers_count": len(moved),
        "moved_offers": moved[:RESULT_ROWS],
        "baseline_moved_offers": baseline_moves,
    }


def _named(result: dict[str, Any]) -> dict[str, Any]:
    """Order titles and factory names for the ids of the result's tables (read now)."""
    order_ids: set[int] = set()
    factory_ids: set[int] = set()
    for table in ("orders_losing_factory", "moved_offers"):
        for row in result[table]:
            order_ids.add(row["order"])
            factory_ids.update(row["from"], row["to"])
    order_ids.update(row["order"] for row in result["new_unmatched"])
    order_ids.update(result["newly_matched"])
    orders = dict(Order.objects.filter(pk__in=order_ids).values_list("pk", "title"))
    factories = dict(Factory.objects.filter(pk__in=factory_ids).values_list("pk", "name"))
    return {
        **result,
        "order_titles": {str(k): v for k, v in orders.items()},
        "factory_names": {str(k): v for k, v in factories.items()},
    }


# --- execute --------------------------------------------------------------------------------


def _claim(*, what_if_id: int, task_id: str) -> bool:
    """queued -> running, or resume our own running what-if (its message delivered again
    after its worker was lost), as a match run's claim does."""
    claimed = (
        WhatIf.objects.filter(pk=what_if_id)
        .filter(Q(status=WhatIfStatus.QUEUED) | Q(status=WhatIfStatus.RUNNING, task_id=task_id))
        .update(status=WhatIfStatus.RUNNING, task_id=task_id, started_at=timezone.now())
    )
    return claimed == 1


def what_if_execute(*, what_if_id: int, task_id: str) -> WhatIf | None:
    """Claim, solve the baseline and the scenario on one snapshot, store the difference.
    None when the what-if was claimed already or is finished."""
    if not _claim(what_if_id=what_if_id, task_id=task_id):
        logger.info("What-if %s already claimed or finished; nothing to do", what_if_id)
        return None
    what_if = WhatIf.objects.get(pk=what_if_id)
    # one snapshot: the problem and the plan are read in one read-only, repeatable-read
    # transaction (on PostgreSQL, when not inside a transaction already)
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        loaded = matching_problem_load(time_limit_seconds=settings.MATCHING_TIME_LIMIT_SECONDS)
        plan = live_plan_load()
        movable = {pk for ids in loaded.versions.offers.values() for pk in ids}
        scenario = scenario_build(
            loaded.problem,
            kind=what_if.kind,
            parameters=what_if.parameters,
            plan=plan,
            movable=movable,
        )
    baseline = solve(loaded.problem)
    solution = solve(scenario.problem)
    result = what_if_diff(
        baseline_problem=loaded.problem,
        baseline=baseline,
        scenario=scenario,
        solution=solution,
        fixed=_fixed_parts(plan, movable),
    )
    WhatIf.objects.filter(pk=what_if_id, status=WhatIfStatus.RUNNING).update(
        status=WhatIfStatus.SUCCEEDED, result=_named(result), finished_at=timezone.now()
    )
    what_if.refresh_from_db()
    return what_if


def what_if_sweep() -> tuple[int, int]:
    """Periodic: send again the what-ifs still queued a while after they were asked for (their
    message was lost, or Redis was down when they were saved; the claim makes a duplicate a
    no-op), and fail those still running past the redelivery of a lost worker's task (as
    ``match_run_fail_lost``). Returns (sent again, failed)."""
    from matching.tasks import what_if_execute_task

    now = timezone.now()
    stale = now - dt.timedelta(seconds=settings.MATCHING_RESEND_QUEUED_AFTER_SECONDS)
    waiting = list(
        WhatIf.objects.filter(status=WhatIfStatus.QUEUED, created_at__lt=stale).values_list(
            "pk", flat=True
        )
    )
    for what_if_id in waiting:
        logger.warning("Re-sending what-if %s", what_if_id)
        what_if_execute_task.apply_async(args=(what_if_id,))
    lost_after = settings.MATCHING_LOST_RUN_AFTER_SECONDS
    with stored_text_language():
        error = _(
            "No result %(seconds)s s after it started, past the redelivery of its task: the "
            "worker solving it was lost."
        ) % {"seconds": lost_after}
    failed = WhatIf.objects.filter(
        status=WhatIfStatus.RUNNING, started_at__lt=now - dt.timedelta(seconds=lost_after)
    ).update(status=WhatIfStatus.FAILED, finished_at=now, error=error)
    return len(waiting), failed


def what_if_fail(*, what_if_id: int, error: str) -> bool:
    """Failure hook: a queued or running what-if becomes failed with its error."""
    updated = WhatIf.objects.filter(
        pk=what_if_id, status__in=(WhatIfStatus.QUEUED, WhatIfStatus.RUNNING)
    ).update(status=WhatIfStatus.FAILED, error=error[:10_000], finished_at=timezone.now())
    return updated == 1


# --- in words -------------------------------------------------------------------------------


def what_if_describe(what_if: WhatIf) -> str:
    """The scenario in a sentence, in the reader's language (the rows' names read now)."""
    p = what_if.parameters
    factory = Factory.objects.filter(pk=p["factory"]).first() if "factory" in p else None
    category = ProductCategory.objects.filter(pk=p["category"]).first() if "category" in p else None
    names = {
        "factory": f"{factory.name} (#{factory.pk})" if factory else f"#{p.get('factory')}",
        "province": p.get("province", ""),
        "category": category.display_name if category else f"#{p.get('category')}",
        "percent": p.get("percent"),
        "units": p.get("units_per_day"),
        "first": p.get("date_from"),
        "last": p.get("date_to"),
    }
    match what_if.kind:
        case WhatIfKind.FACTORY_DROP if "province" in p:
            text = _("Every factory in %(province)s drops out from %(first)s")
        case WhatIfKind.FACTORY_DROP:
            text = _("%(factory)s drops out from %(first)s")
        case WhatIfKind.DEMAND_UP:
            text = _("Demand for %(category)s up %(percent)s%% (orders due %(first)s to %(last)s)")
        case WhatIfKind.NEW_CAPACITY:
            text = _(
                "%(factory)s makes %(units)s more units of %(category)s a day, "
                "%(first)s to %(last)s"
            )
        case WhatIfKind.PRICE_CHANGE if factory and category:
            text = _("Unit price of %(factory)s for %(category)s changes by %(percent)s%%")
        case WhatIfKind.PRICE_CHANGE if factory:
            text = _("Unit prices of %(factory)s change by %(percent)s%%")
        case WhatIfKind.PRICE_CHANGE:
            text = _("Unit prices for %(category)s change by %(percent)s%%")
        case _:
            return what_if.kind
    return text % names

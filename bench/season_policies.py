"""The policies a season compares, on the same scenario and the same keyed draws.

- ``optimizer``: every interval, the real pure solver (``matching.solver.solve``) on the
  open orders and the orders whose offers no factory has answered yet (movable, under the
  move penalty and threshold), with accepted work and the parts of partly accepted orders
  as booked work (commitments) on their planned days, as ``matching/selectors.py`` loads
  the problem;
- ``greedy-batch``: every interval, the open orders earliest due first, each in its
  cheapest window (unit price plus transport) with room; split orders spread over the
  cheapest windows when no window takes them whole; offers are never moved;
- ``first-come``: a job board. A new order is shown to every factory with a window that
  could make it; a factory that would take it (the same draw as an offer's answer) clicks
  after its response delay, and the first click that still fits wins: the job is accepted
  at once. An order nobody took is shown again each interval to factories that have not
  yet passed on it (for example when they publish a new window). Whole orders only;
- ``hindsight``: one solve of every order of the season that is not cancelled, with every
  window, as if all were known on the season's first day, and every offer accepted.

``POLICIES`` maps a name to its class; a variant (for example a fairness setting of the
solver: ``optimizer-fair``) is a subclass with other ``solver_overrides``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections import defaultdict

from bench.season_model import (
    MATCHING_LEAD_DAYS,
    MATCHING_MOVE_PENALTY_FEN,
    MATCHING_MOVE_THRESHOLD_PERCENT,
    MATCHING_RELIABILITY_PREMIUM_PERCENT,
    OFFER_EXPIRY_HOURS,
    Offer,
    RunRecord,
    Scenario,
    Simulation,
    accept_probability,
    book_days,
    day_index,
    eligible_windows,
)
from matching.solver import solve
from matching.solver.acceptance import PairAcceptEstimate, with_pair_estimates
from matching.solver.candidates import find_candidates
from matching.solver.problem import (
    Capability,
    Commitment,
    FactoryData,
    MatchingProblem,
    OrderData,
    Placement,
    PlannedAssignment,
    SolverParams,
    WindowData,
)


def solver_params(scenario: Scenario, time_limit: float, **overrides: object) -> SolverParams:
    config = scenario.config
    params = SolverParams(
        time_limit_seconds=time_limit,
        workers=config.workers,
        random_seed=config.seed,
        move_penalty_fen=MATCHING_MOVE_PENALTY_FEN,
        move_threshold_percent=MATCHING_MOVE_THRESHOLD_PERCENT,
        reliability_premium_percent=MATCHING_RELIABILITY_PREMIUM_PERCENT,
    )
    return dataclasses.replace(params, **overrides)  # type: ignore[arg-type]


class OptimizerPolicy(Simulation):
    name = "optimizer"
    event_runs = True
    # weigh capabilities by their learned acceptance rates (also on for every optimizer
    # policy with ``SeasonConfig.accept_rates``)
    learns_accept_rates = False
    # give each pair its acceptance estimate (``OrderData.window_accept``, in place of the
    # capability's rate): ``PairAcceptEstimate`` fitted on the answers so far
    learns_pair_estimates = False

    def solver_overrides(self) -> dict[str, object]:
        """Extra ``SolverParams`` fields of a variant (the fairness term)."""
        return {}

    def capabilities(self, factory_id: int) -> tuple[Capability, ...]:
        """The factory's capabilities as a run sees them: with ``accept_rates`` on, each
        with the acceptance rate learned from the answers so far (``Capability.accept_rate``,
        which scales the solver's stage-1 weight)."""
        capabilities = self.scenario.factories[factory_id].capabilities
        if self.config.learned_delays:
            capabilities = tuple(
                dataclasses.replace(c, **self.slip_fields(factory_id, c.category_id))
                for c in capabilities
            )
        if not (self.config.accept_rates or self.learns_accept_rates):
            return capabilities
        return tuple(
            dataclasses.replace(c, accept_rate=self.accept_rate(factory_id, c.category_id))
            for c in capabilities
        )

    def slip_fields(self, factory_id: int, category_id: int) -> dict[str, int]:
        p50, p90 = self.learned_slip(factory_id, category_id)
        return {"slip_p50_days": p50, "slip_p90_days": p90}

    def on_run(self, hour: float) -> None:
        scenario = self.scenario
        first_day = scenario.hour_date(hour) + dt.timedelta(days=MATCHING_LEAD_DAYS)
        orders: list[OrderData] = []
        movable: dict[int, list[Offer]] = {}
        for oid, state in self.orders.items():
            if state.status == "offered":
                live = [self.offers[i] for i in state.offers]
                if not all(o.status == "proposed" for o in live):
                    continue  # partly accepted: the rest stays booked, as in the app
                movable[oid] = live
            elif state.status != "open":
                continue
            season_order = scenario.orders[oid]
            template = season_order.template
            orders.append(
                dataclasses.replace(
                    template,
                    quantity=state.remaining,
                    due_date=season_order.due_date,
                    age_days=max(0, int((hour - season_order.arrival_hour) // 24)),
                    min_lot_quantity=min(template.min_lot_quantity, state.remaining),
                    current=tuple(Placement(o.window_id, o.units) for o in movable.get(oid, [])),
                    excluded_factory_ids=frozenset(state.excluded),
                )
            )
        if not orders:
            return
        moving = {o.id for live in movable.values() for o in live}
        categories = {o.category_id for o in orders}
        windows: list[WindowData] = []
        for window_state in self.windows.values():
            data = window_state.window.data
            if (
                not window_state.published
                or data.end_date < first_day
                or data.category_id not in categories
            ):
                continue
            fixed = [self.offers[i] for i in window_state.offers if i not in moving]
            moved_units = sum(self.offers[i].units for i in window_state.offers if i in moving)
            windows.append(
                dataclasses.replace(
                    data,
                    remaining_units=data.remaining_units - window_state.held + moved_units,
                    commitments=data.commitments
                    + tuple(Commitment(o.start, o.finish, o.units) for o in fixed),
                )
            )
        factory_ids = {w.factory_id for w in windows}
        factories: list[FactoryData] = [
            dataclasses.replace(
                scenario.factories[fid],
                active=scenario.factories[fid].active and not self.factory_state[fid].paused(hour),
                on_time_percent=self.factory_state[fid].on_time_percent,
                capabilities=self.capabilities(fid),
            )
            for fid in sorted(factory_ids)
        ]
        problem = MatchingProblem(
            first_production_date=first_day,
            orders=tuple(orders),
            factories=tuple(factories),
            windows=tuple(windows),
            transport=scenario.transport,
            solver=solver_params(
                scenario, self.config.time_limit_seconds, **self.solver_overrides()
            ),
        )
        if self.learns_pair_estimates:
            problem = with_pair_estimates(problem, PairAcceptEstimate.fit(self.pair_answers))
        new = [o for o in orders if o.id not in self.looked_at]
        if new:
            candidates, _ = find_candidates(dataclasses.replace(problem, orders=tuple(new)))
            self.makeable.update(c.order.id for c in candidates)
            self.looked_at.update(o.id for o in new)
        started = time.perf_counter()
        solution = solve(problem)
        seconds = time.perf_counter() - started
        plans: dict[int, list[PlannedAssignment]] = defaultdict(list)
        for part in solution.assignments:
            plans[part.order_id].append(part)
        new_offers = moved = 0
        for order_data in orders:
            oid = order_data.id
            state = self.orders[oid]
            parts = plans.get(oid, [])
            current = movable.get(oid, [])
            if current:
                if {p.window_id: p.quantity for p in parts} == {
                    o.window_id: o.units for o in current
                }:
                    by_window = {o.window_id: o for o in current}
                    for part in parts:  # kept: only the planned days follow the new plan
                        by_window[part.window_id].start = part.planned_start
                        by_window[part.window_id].finish = part.planned_finish
                    continue
                for offer in current:
                    self.release(offer, "superseded", hour)
                state.offers = []
                state.status = "open"
                if parts:
                    moved += 1
                    state.moves += 1
                    self.counters.moved += 1
                else:
                    self.counters.dropped += 1
            for part in parts:
                self.make_offer(
                    hour,
                    oid,
                    part.window_id,
                    part.quantity,
                    part.planned_start,
                    part.planned_finish,
                )
                new_offers += 1
        self.check_frozen()
        self.runs.append(
            RunRecord(
                hour=hour,
                orders=len(orders),
                windows=len(windows),
                pairs=solution.candidate_pairs,
                status=solution.solver_status,
                seconds=seconds,
                new_offers=new_offers,
                moved=moved,
            )
        )


class DayProfilePolicy(Simulation):
    """Policies that place orders themselves on each window's free units per day."""

    uses_day_profiles = True

    def place(
        self, hour: float, order_id: int, window_id: int, units: int, latest: dt.date
    ) -> tuple[dt.date, dt.date, list[tuple[int, int]]] | None:
        state = self.windows[window_id]
        data = state.window.data
        first_day = self.scenario.hour_date(hour) + dt.timedelta(days=MATCHING_LEAD_DAYS)
        booked = book_days(
            state.free,
            day_index(data, max(first_day, data.start_date)),
            day_index(data, min(latest, data.end_date)),
            units,
        )
        if booked is None:
            return None
        first, last, usage = booked
        start = data.start_date + dt.timedelta(days=first)
        return start, data.start_date + dt.timedelta(days=last), usage

    def could_make(self, hour: float, oid: int) -> bool:
        """Some window has room for the order (whole, or its smallest part) now."""
        template = self.scenario.orders[oid].template
        split = template.allow_split
        for _cost, wid, units, _first, latest in eligible_windows(self, oid, hour, parts=split):
            factory = self.scenario.factories[self.windows[wid].window.data.factory_id]
            smallest = (
                max(min(template.min_lot_quantity, units), factory.min_order_quantity)
                if split
                else units
            )
            if (not split or smallest <= factory.max_order_quantity) and self.room(
                hour, wid, latest
            ) >= smallest:
                return True
        return False

    def room(self, hour: float, window_id: int, latest: dt.date) -> int:
        state = self.windows[window_id]
        data = state.window.data
        first_day = self.scenario.hour_date(hour) + dt.timedelta(days=MATCHING_LEAD_DAYS)
        first = max(0, day_index(data, max(first_day, data.start_date)))
        last = min(len(state.free) - 1, day_index(data, min(latest, data.end_date)))
        return sum(state.free[first : last + 1]) if first <= last else 0


class GreedyBatchPolicy(DayProfilePolicy):
    name = "greedy-batch"
    event_runs = True

    def on_run(self, hour: float) -> None:
        started = time.perf_counter()
        open_ids = sorted(
            self.open_orders(), key=lambda oid: (self.scenario.orders[oid].due_date, oid)
        )
        new_offers = 0
        for oid in open_ids:
            if oid not in self.looked_at:
                self.looked_at.add(oid)
                if self.could_make(hour, oid):
                    self.makeable.add(oid)
        for oid in open_ids:
            options = sorted(eligible_windows(self, oid, hour))
            placed = False
            for _cost, wid, units, _first, latest in options:
                found = self.place(hour, oid, wid, units, latest)
                if found is not None:
                    start, finish, usage = found
                    self.make_offer(hour, oid, wid, units, start, finish, usage)
                    new_offers += 1
                    placed = True
                    break
            if not placed and self.scenario.orders[oid].template.allow_split:
                new_offers += self._place_split(hour, oid)
        self.runs.append(RunRecord(hour, len(open_ids), 0, 0, "GREEDY", 0.0, new_offers, 0))
        self.runs[-1].seconds = time.perf_counter() - started

    def _place_split(self, hour: float, oid: int) -> int:
        """Spread the order over its cheapest windows, each part at least its lot and the
        factory's minimum, at most the factory's maximum; all or nothing."""
        template = self.scenario.orders[oid].template
        left = self.orders[oid].remaining
        lot = min(template.min_lot_quantity, left)
        options = sorted(eligible_windows(self, oid, hour, units=None, parts=True))
        taken: list[tuple[int, int, dt.date, dt.date, list[tuple[int, int]]]] = []
        for _cost, wid, _units, _first, latest in options:
            factory = self.scenario.factories[self.windows[wid].window.data.factory_id]
            units = min(self.room(hour, wid, latest), factory.max_order_quantity, left)
            if 0 < left - units < lot:
                units = left - lot
            if units < max(lot, factory.min_order_quantity, 1):
                continue
            found = self.place(hour, oid, wid, units, latest)
            if found is None:
                continue
            taken.append((wid, units, *found))
            left -= units
            if left == 0:
                break
        if left > 0:
            for wid, _units, _start, _finish, usage in taken:
                for day, used in usage:
                    self.windows[wid].free[day] += used
            return 0
        for wid, units, start, finish, usage in taken:
            self.make_offer(hour, oid, wid, units, start, finish, usage)
        return len(taken)


class FirstComePolicy(DayProfilePolicy):
    name = "first-come"

    def __init__(self, scenario: Scenario, draws: object = None) -> None:
        super().__init__(scenario, draws)  # type: ignore[arg-type]
        # factories that passed on an order (or would take it and were asked)
        self.considered: dict[int, set[int]] = defaultdict(set)
        self.clicks: list[tuple[int, int]] = []

    def on_arrival(self, hour: float, order_id: int) -> None:
        self.looked_at.add(order_id)
        if self.could_make(hour, order_id):
            self.makeable.add(order_id)
        self.show(hour, order_id)

    def on_run(self, hour: float) -> None:
        started = time.perf_counter()
        open_ids = self.open_orders()
        for oid in open_ids:
            self.show(hour, oid)
        self.runs.append(
            RunRecord(hour, len(open_ids), 0, 0, "BOARD", time.perf_counter() - started, 0, 0)
        )

    def show(self, hour: float, oid: int) -> None:
        """Every factory with room for the order now looks at it once."""
        seen = self.considered[oid]
        template = self.scenario.orders[oid].template
        for _cost, wid, units, _first, latest in sorted(
            eligible_windows(self, oid, hour), key=lambda option: option[1]
        ):
            data = self.windows[wid].window.data
            fid = data.factory_id
            if fid in seen or self.room(hour, wid, latest) < units:
                continue
            seen.add(fid)
            draw = self.draws.pair(oid, fid)
            capability = self.scenario.factories[fid].capability_for(template.category_id)
            assert capability is not None
            probability = accept_probability(
                self.config.behaviour,
                template.max_unit_price_fen,
                capability.unit_price_fen,
                self.draws.transport(oid, fid)[0],
                self.windows[wid].load,
            )
            if (
                draw.answers
                and draw.response_hours < OFFER_EXPIRY_HOURS
                and draw.accept_uniform < probability
            ):
                self.clicks.append((oid, fid))
                self.push(hour + draw.response_hours, "click", len(self.clicks) - 1)

    def _event_click(self, hour: float, index: int) -> None:
        oid, fid = self.clicks[index]
        state = self.orders[oid]
        if state.status != "open":
            return
        for _cost, wid, units, _first, latest in sorted(
            eligible_windows(self, oid, hour), key=lambda option: option[1]
        ):
            if self.windows[wid].window.data.factory_id != fid:
                continue
            found = self.place(hour, oid, wid, units, latest)
            if found is None:
                continue
            start, finish, usage = found
            offer = self.make_offer(hour, oid, wid, units, start, finish, usage, answer=False)
            offer.status = "accepted"
            offer.answered_hour = hour
            offer.frozen = (wid, start, finish, units)
            state.remaining -= units
            state.status = "accepted"
            state.accepted_hour = hour
            self.push(self._delivery_hour(offer), "deliver", offer.id)
            return
        # no room any more: the factory may take it later, when it has room again
        self.considered[oid].discard(fid)


class HindsightPolicy(Simulation):
    """The whole season solved at once: every order not cancelled, every window, known on
    the first day; every offer accepted."""

    name = "hindsight"

    def run(self) -> Simulation:
        scenario = self.scenario
        first_day = scenario.config.start + dt.timedelta(days=MATCHING_LEAD_DAYS)
        orders = tuple(
            dataclasses.replace(o.template, due_date=o.due_date)
            for o in scenario.orders.values()
            if o.cancel_hour is None or o.cancel_hour >= scenario.end_hour
        )
        problem = MatchingProblem(
            first_production_date=first_day,
            orders=orders,
            factories=tuple(scenario.factories.values()),
            windows=tuple(w.data for w in scenario.windows.values()),
            transport=scenario.transport,
            solver=solver_params(scenario, self.config.hindsight_time_limit_seconds),
        )
        started = time.perf_counter()
        solution = solve(problem)
        seconds = time.perf_counter() - started
        for window_state in self.windows.values():
            window_state.published = True
        for part in solution.assignments:
            offer = self.make_offer(
                0.0,
                part.order_id,
                part.window_id,
                part.quantity,
                part.planned_start,
                part.planned_finish,
                answer=False,
            )
            offer.status = "accepted"
            offer.frozen = (part.window_id, part.planned_start, part.planned_finish, part.quantity)
        for state in self.orders.values():
            state.first_offer_hour = None  # not an online policy: no waiting times
        self.counters.offers = 0
        self.runs.append(
            RunRecord(
                0.0,
                len(orders),
                len(problem.windows),
                solution.candidate_pairs,
                solution.solver_status,
                seconds,
                len(solution.assignments),
                0,
            )
        )
        return self


class FairOptimizerPolicy(OptimizerPolicy):
    """The optimizer with the fairness setting on (``--fairness-percent``)."""

    name = "optimizer-fair"

    def solver_overrides(self) -> dict[str, object]:
        return {"fairness_percent": self.config.fairness_percent}


class AcceptOptimizerPolicy(OptimizerPolicy):
    """The optimizer with acceptance-aware offers (``MATCHING_ACCEPT_RATES`` in the app):
    each capability weighed by the share of its offers accepted so far."""

    name = "optimizer-accept"
    learns_accept_rates = True


class PairOptimizerPolicy(OptimizerPolicy):
    """The optimizer with a per-pair acceptance estimate (``PairAcceptEstimate``): each
    pair weighed by the chance, learned from the answers so far, that its factory accepts
    that order's offer at that price, distance and load."""

    name = "optimizer-pair"
    learns_pair_estimates = True


class PairFairOptimizerPolicy(PairOptimizerPolicy):
    """``optimizer-pair`` with the fairness setting on (``--fairness-percent``)."""

    name = "optimizer-pair-fair"

    def solver_overrides(self) -> dict[str, object]:
        return {"fairness_percent": self.config.fairness_percent}


POLICIES: dict[str, type[Simulation]] = {
    "optimizer": OptimizerPolicy,
    "optimizer-accept": AcceptOptimizerPolicy,
    "optimizer-pair": PairOptimizerPolicy,
    "optimizer-pair-fair": PairFairOptimizerPolicy,
    "optimizer-fair": FairOptimizerPolicy,
    "first-come": FirstComePolicy,
    "greedy-batch": GreedyBatchPolicy,
    "hindsight": HindsightPolicy,
}

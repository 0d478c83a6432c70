"""A season of the marketplace as a discrete-event simulation (pure Python, no Django).

The scenario (``build_scenario``) is drawn once per seed and shared by every policy:

- factories, categories and prices from the market generator (``bench.market_generate``);
  the generator's order list is used as order *templates* (category, quantity, price,
  destination, rush, split, and the due date as days after arrival);
- orders arrive on each day of the season, Poisson with a mean shaped by the weekday and
  the time of year (``demand_shape``: the run-up to 618 and Double 11, a Chinese New Year
  and a summer lull), normalised so the season averages ``orders_per_week``;
- each capability of each factory publishes idle capacity windows through the season
  (7-21 days at 30-100% of its daily output, 7-35 days apart, published 3-21 days before
  they start; a quarter carry work booked outside the marketplace, as the generator does);
  ``capacity_scale`` multiplies every window's units a day (same windows, same dates), to
  set the supply of idle capacity against demand;
- factory traits: whether and how fast it answers offers, how often and how late it
  delivers;
- seller cancellations (time after arrival).

Decisions that depend on one (order, factory) pair (does the factory answer, after how
long, does it accept, is the job late and by how much) are drawn from a generator keyed
by (seed, stream, order, factory): every policy meets the same answers from the same
factory for the same order (common random numbers), whatever happened before.

``Simulation`` runs the events of one policy; the policies (``bench.season_policies``)
decide what is offered to whom. Offer expiry and auto-pause mirror ``matching/offers.py``
with the defaults of ``marketplace/settings.py`` (``OFFER_EXPIRY_HOURS`` 24,
``FACTORY_AUTO_PAUSE_AFTER_EXPIRED`` 3, ``MATCHING_LEAD_DAYS`` 1, the move penalty and
threshold, the reliability premium), in pure form. See docs/simulation.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import heapq
import math
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from bench.market_generate import BOOKED_WINDOW_SHARE, DEFAULT_TODAY, MarketConfig, generate_market
from matching.solver.acceptance import PairAnswer
from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    Commitment,
    FactoryData,
    OrderData,
    Priority,
    TransportParams,
    WindowData,
)
from matching.solver.quantiles import shrunk_quantile
from matching.solver.schedule import free_per_day

# --- the app's rules (marketplace/settings.py defaults), in pure form -------------------
OFFER_EXPIRY_HOURS = 24.0
FACTORY_AUTO_PAUSE_AFTER_EXPIRED = 3
MATCHING_LEAD_DAYS = 1
MATCHING_MOVE_PENALTY_FEN = 5_000
MATCHING_MOVE_THRESHOLD_PERCENT = 5
MATCHING_RELIABILITY_PREMIUM_PERCENT = 10
# acceptance rates learned from answers (``accept_rates``): a new factory is assumed to
# accept this share, worth this many offers of evidence (matching.selectors does the same)
ACCEPT_RATE_PRIOR = 0.8
ACCEPT_RATE_PRIOR_WEIGHT = 4.0
# delays learned from deliveries (``learned_delays``; production/track_record.py): each
# capability's last TRACK_RECORD_RECENT_PARTS delivered parts, shrunk towards the category's
# last TRACK_RECORD_PRIOR_PARTS, worth TRACK_RECORD_PRIOR_WEIGHT parts together
TRACK_RECORD_RECENT_PARTS = 50
TRACK_RECORD_PRIOR_PARTS = 1000
TRACK_RECORD_PRIOR_WEIGHT = 5.0

# keyed random streams
STREAM_PAIR = 1
STREAM_RESUME = 2

# Known sales days (month, day) and lulls; the curve is evaluated on the calendar.
SALES_DAYS = ((6, 18, 1.0), (11, 11, 1.5))  # (month, day, amplitude of the run-up)
RUN_UP_DAYS = 24  # orders for a sales day peak this many days before it
RUN_UP_SD_DAYS = 8.0
# Chinese New Year (factories close, sellers wait) and the summer off-season
CHINESE_NEW_YEAR = {
    2026: dt.date(2026, 2, 17),
    2027: dt.date(2027, 2, 6),
    2028: dt.date(2028, 1, 26),
}
CNY_DEPTH, CNY_SD_DAYS = 0.6, 8.0
SUMMER_LULL = ((7, 25), 0.35, 15.0)  # centre (month, day), depth, sd in days
WEEKDAY_SHAPE = (1.15, 1.15, 1.15, 1.1, 1.05, 0.75, 0.65)  # Monday..Sunday


@dataclass(frozen=True)
class Behaviour:
    """How factories and sellers act (assumptions, not measured: see docs/simulation.md)."""

    # a factory answers an offer before it expires with probability Beta(a, b) per factory
    answer_beta: tuple[float, float] = (9.0, 1.0)
    # its answers come after an exponential delay, the mean uniform in this range (hours)
    response_mean_hours: tuple[float, float] = (2.0, 12.0)
    # logit of accepting: base + price x (order's max price / factory price - 1)
    #   - distance x (thousands of km) - load x (share of the window already taken)
    accept_base: float = 1.5
    accept_price: float = 3.0
    accept_distance: float = 0.5
    accept_load: float = 2.0
    # a job is on time with probability Beta(a, b) per factory; late by 1 + Poisson(m) days,
    # m uniform in this range per factory
    on_time_beta: tuple[float, float] = (8.0, 1.5)
    late_mean_days: tuple[float, float] = (1.0, 6.0)
    # sellers cancel this share of orders, an exponential time after arrival (mean, days)
    cancel_share: float = 0.04
    cancel_mean_days: float = 5.0
    # an auto-paused factory's owner resumes after uniformly this many days
    resume_days: tuple[float, float] = (1.0, 5.0)


@dataclass(frozen=True)
class SeasonConfig:
    weeks: int = 12
    factories: int = 200
    orders_per_week: int = 1_000
    seed: int = 0
    start: dt.date = dt.date(2026, 5, 4)
    # hours between match runs (and between job-board rounds of first-come)
    interval_hours: float = 24.0
    # solver time limit of each run, and of the hindsight solve
    time_limit_seconds: float = 2.0
    hindsight_time_limit_seconds: float = 30.0
    workers: int = 2
    # the solver's fairness setting (SolverParams.fairness_percent) of ``optimizer-fair``
    fairness_percent: int = 20
    # event-triggered runs of the batch policies, as ``match_run_request_on_change``: an
    # arrival, a published window, a decline, an expiry or a cancellation queues a run this
    # many hours later unless one is queued already (None: only the runs every interval);
    # a run never starts sooner than ``min_run_gap_hours`` after the previous one
    event_delay_hours: float | None = None
    min_run_gap_hours: float = 0.0
    # acceptance-aware offers (``optimizer``): each capability's ``accept_rate`` is the
    # share of its offers accepted so far (declines and expiries count against), smoothed
    accept_rates: bool = False
    # plan as the app does (``MATCHING_RUSH_PLANS_P90``, on there): each capability's finish
    # against its learned delay, P90 for rush orders and P50 for the others, learned from the
    # deliveries so far (``Simulation.learned_slip``)
    learned_delays: bool = False
    rush: bool = True
    # window supply: days between a capability's windows
    window_gap_days: tuple[int, int] = (7, 35)
    # share of orders that allow pooling (拼单) below a factory's minimum
    pooling_share: float = 0.3
    # idle capacity against demand: every published window offers this many times the units
    # a day (and its work booked outside the marketplace scales with it), on the same dates;
    # 1 is the scenario measured before this setting existed, unchanged draw for draw
    capacity_scale: float = 1.0
    behaviour: Behaviour = field(default_factory=Behaviour)

    @property
    def days(self) -> int:
        return 7 * self.weeks


# --- demand shape -------------------------------------------------------------------------


def _bump(day: dt.date, centre: dt.date, sd: float) -> float:
    # the nearest occurrence of the centre in the neighbouring years counts
    best = min(abs((day - centre.replace(year=centre.year + k)).days) for k in (-1, 0, 1))
    return math.exp(-0.5 * (best / sd) ** 2)


def season_factor(day: dt.date) -> float:
    """Demand relative to an ordinary day, by time of year (before the weekday)."""
    value = 1.0
    for month, dom, amplitude in SALES_DAYS:
        peak = dt.date(day.year, month, dom) - dt.timedelta(days=RUN_UP_DAYS)
        value += amplitude * _bump(day, peak, RUN_UP_SD_DAYS)
    cny = CHINESE_NEW_YEAR.get(day.year)
    if cny is not None:
        value -= CNY_DEPTH * _bump(day, cny, CNY_SD_DAYS)
    (month, dom), depth, sd = SUMMER_LULL
    value -= depth * _bump(day, dt.date(day.year, month, dom), sd)
    return max(0.1, value)


def demand_shape(start: dt.date, days: int) -> np.ndarray:
    """Mean orders per day relative to the season's mean (averages 1)."""
    raw = np.array(
        [
            season_factor(start + dt.timedelta(days=d))
            * WEEKDAY_SHAPE[(start + dt.timedelta(days=d)).weekday()]
            for d in range(days)
        ]
    )
    return raw / raw.mean()


# --- the scenario -------------------------------------------------------------------------


@dataclass(frozen=True)
class FactoryTraits:
    answer_probability: float
    response_mean_hours: float
    on_time_probability: float
    late_mean_days: float


@dataclass(frozen=True)
class SeasonOrder:
    template: OrderData  # id, category, quantity, price, place, rush, split; due date below
    arrival_hour: float
    due_date: dt.date
    cancel_hour: float | None  # when the seller cancels (None: never)


@dataclass(frozen=True)
class SeasonWindow:
    data: WindowData  # with work booked outside the marketplace as commitments
    publish_hour: float

    @property
    def free_units(self) -> int:
        return self.data.remaining_units


@dataclass(frozen=True)
class Scenario:
    config: SeasonConfig
    factories: dict[int, FactoryData]
    traits: dict[int, FactoryTraits]
    orders: dict[int, SeasonOrder]
    windows: dict[int, SeasonWindow]
    market_price_fen: dict[int, int]  # category -> market price
    transport: TransportParams

    def hour_date(self, hour: float) -> dt.date:
        return self.config.start + dt.timedelta(days=int(hour // 24))

    @property
    def end_hour(self) -> float:
        return 24.0 * self.config.days


def _round_to(value: float, step: int) -> int:
    return max(step, int(round(value / step)) * step)


def build_scenario(config: SeasonConfig) -> Scenario:
    """Everything exogenous of one season: the same for every policy of a seed."""
    streams = np.random.SeedSequence(config.seed).spawn(5)
    arrivals, supply, traits_rng, cancels, pooling = (np.random.default_rng(s) for s in streams)
    shape = demand_shape(config.start, config.days)
    counts = arrivals.poisson(config.orders_per_week / 7.0 * shape)
    total = int(counts.sum())
    market = generate_market(
        MarketConfig(orders=total, factories=config.factories, weeks=1, seed=config.seed)
    )
    problem = market.problem
    factories = {f.id: f for f in problem.factories}
    behaviour = config.behaviour

    orders: dict[int, SeasonOrder] = {}
    templates = iter(problem.orders)
    for day, count in enumerate(counts):
        hours = np.sort(arrivals.uniform(8.0, 22.0, size=int(count)))
        for hour in hours:
            template = next(templates)
            if not config.rush and template.priority == Priority.RUSH:
                template = dataclasses.replace(template, priority=Priority.NORMAL)
            arrival = 24.0 * day + float(hour)
            due_in = (template.due_date - DEFAULT_TODAY).days
            cancel = None
            if cancels.random() < behaviour.cancel_share:
                cancel = arrival + 24.0 * float(cancels.exponential(behaviour.cancel_mean_days))
            else:
                cancels.random()  # keep the stream aligned per order
            # one draw per order (its own stream): whether it allows pooling
            allows_pooling = bool(pooling.random() < config.pooling_share)
            orders[template.id] = SeasonOrder(
                template=dataclasses.replace(template, age_days=0, allows_pooling=allows_pooling),
                arrival_hour=arrival,
                due_date=config.start + dt.timedelta(days=day + due_in),
                cancel_hour=cancel,
            )

    windows: dict[int, SeasonWindow] = {}
    # windows may start up to three weeks after the season; published within it
    horizon = config.days + 21
    low_gap, high_gap = config.window_gap_days
    for factory in problem.factories:
        for capability in factory.capabilities:
            day = int(supply.integers(0, high_gap + 1))
            while day < horizon:
                length = int(supply.integers(7, 22))
                units_per_day = min(
                    capability.daily_output,
                    _round_to(capability.daily_output * supply.uniform(0.3, 1.0), 10),
                )
                scaled_per_day = max(1, round(units_per_day * config.capacity_scale))
                lead = int(supply.integers(3, 22))
                publish = max(0, day - lead)
                start = config.start + dt.timedelta(days=day)
                end = start + dt.timedelta(days=length - 1)
                booked: tuple[Commitment, ...] = ()
                if supply.random() < BOOKED_WINDOW_SHARE:
                    booked_days = int(supply.integers(1, max(1, length // 2) + 1))
                    units = max(1, int(units_per_day * booked_days * supply.uniform(0.5, 1.0)))
                    units = min(scaled_per_day * booked_days, round(units * config.capacity_scale))
                    booked = (Commitment(start, start + dt.timedelta(days=booked_days - 1), units),)
                if publish < config.days:
                    window_id = len(windows) + 1
                    windows[window_id] = SeasonWindow(
                        data=WindowData(
                            id=window_id,
                            factory_id=factory.id,
                            category_id=capability.category_id,
                            start_date=start,
                            end_date=end,
                            units_per_day=scaled_per_day,
                            remaining_units=scaled_per_day * length - sum(c.units for c in booked),
                            commitments=booked,
                        ),
                        publish_hour=24.0 * publish + float(supply.uniform(0.0, 24.0)),
                    )
                day += length + int(supply.integers(low_gap, high_gap + 1))

    traits: dict[int, FactoryTraits] = {}
    for factory in problem.factories:
        traits[factory.id] = FactoryTraits(
            answer_probability=float(traits_rng.beta(*behaviour.answer_beta)),
            response_mean_hours=float(traits_rng.uniform(*behaviour.response_mean_hours)),
            on_time_probability=float(traits_rng.beta(*behaviour.on_time_beta)),
            late_mean_days=float(traits_rng.uniform(*behaviour.late_mean_days)),
        )
    return Scenario(
        config=config,
        factories=factories,
        traits=traits,
        orders=orders,
        windows=windows,
        market_price_fen={c.id: c.market_price_fen for c in market.categories},
        transport=problem.transport,
    )


# --- keyed draws (common random numbers) --------------------------------------------------


@dataclass(frozen=True)
class PairDraw:
    """What happens when factory f is offered order o (the same in every policy)."""

    answers: bool
    response_hours: float
    accept_uniform: float
    on_time: bool
    late_days: int


class Draws:
    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self._pairs: dict[tuple[int, int], PairDraw] = {}
        self._transport: dict[tuple[int, int], tuple[float, int, int]] = {}

    def pair(self, order_id: int, factory_id: int) -> PairDraw:
        key = (order_id, factory_id)
        found = self._pairs.get(key)
        if found is None:
            seed = self.scenario.config.seed
            rng = np.random.default_rng([seed, STREAM_PAIR, order_id, factory_id])
            u = rng.random(4)
            traits = self.scenario.traits[factory_id]
            late = int(1 + rng.poisson(traits.late_mean_days))
            found = PairDraw(
                answers=bool(u[0] < traits.answer_probability),
                response_hours=float(-traits.response_mean_hours * math.log1p(-u[1])),
                accept_uniform=float(u[2]),
                on_time=bool(u[3] < traits.on_time_probability),
                late_days=late,
            )
            self._pairs[key] = found
        return found

    def resume_hours(self, factory_id: int, pause: int) -> float:
        rng = np.random.default_rng([self.scenario.config.seed, STREAM_RESUME, factory_id, pause])
        return 24.0 * float(rng.uniform(*self.scenario.config.behaviour.resume_days))

    def transport(self, order_id: int, factory_id: int) -> tuple[float, int, int]:
        """Distance (km), transport days and cost per unit (fen) of order o from factory f."""
        key = (order_id, factory_id)
        found = self._transport.get(key)
        if found is None:
            order = self.scenario.orders[order_id].template
            factory = self.scenario.factories[factory_id]
            distance = haversine_km(
                factory.latitude, factory.longitude, order.latitude, order.longitude
            )
            found = (distance, *transport_for(distance, self.scenario.transport))
            self._transport[key] = found
        return found


def accept_probability(
    behaviour: Behaviour, max_price_fen: int, price_fen: int, distance_km: float, load: float
) -> float:
    logit = (
        behaviour.accept_base
        + behaviour.accept_price * (max_price_fen / max(1, price_fen) - 1.0)
        - behaviour.accept_distance * distance_km / 1000.0
        - behaviour.accept_load * load
    )
    return 1.0 / (1.0 + math.exp(-logit))


# --- the state of one policy's season ----------------------------------------------------


@dataclass
class Offer:
    """One part of an order offered to (or, on a job board, taken by) a factory."""

    id: int
    order_id: int
    factory_id: int
    window_id: int
    units: int
    start: dt.date
    finish: dt.date
    made_hour: float
    expires_hour: float
    # proposed, accepted, declined, expired, superseded, withdrawn
    status: str = "proposed"
    answered_hour: float | None = None
    # first-come and greedy: the units taken from the window's days, to give back
    usage: list[tuple[int, int]] = field(default_factory=list)
    # the (window, start, finish, units) when accepted: must never change after
    frozen: tuple[int, dt.date, dt.date, int] | None = None
    # what the marketplace knows of the pair: the order's price over the factory's less 1,
    # the distance (1,000 km) and the window's load (when the offer was made; once answered,
    # what the factory saw besides this offer), for a per-pair acceptance estimate
    features: tuple[float, float, float] = (0.0, 0.0, 0.0)


@dataclass
class OrderState:
    id: int
    remaining: int  # units not yet covered by accepted parts
    status: str = "waiting"  # waiting (not arrived), open, offered, accepted, cancelled, lapsed
    offers: list[int] = field(default_factory=list)  # live offer ids (proposed or accepted)
    excluded: set[int] = field(default_factory=set)
    first_offer_hour: float | None = None
    accepted_hour: float | None = None
    moves: int = 0


@dataclass
class WindowState:
    window: SeasonWindow
    published: bool = False
    held: int = 0  # units of live offers (proposed and accepted)
    offers: set[int] = field(default_factory=set)  # live offer ids
    # per day of the window, units still free (first-come and greedy keep this)
    free: list[int] = field(default_factory=list)

    @property
    def load(self) -> float:
        data = self.window.data
        total = data.units_per_day * ((data.end_date - data.start_date).days + 1)
        return (total - data.remaining_units + self.held) / max(1, total)


@dataclass
class FactoryState:
    expired_in_a_row: int = 0
    paused_until: float | None = None
    pauses: int = 0
    delivered: int = 0
    delivered_on_time: int = 0

    def paused(self, hour: float) -> bool:
        return self.paused_until is not None and hour < self.paused_until

    @property
    def on_time_percent(self) -> int:
        # smoothed like a new factory's score: five on-time deliveries assumed
        return round(100 * (self.delivered_on_time + 5) / (self.delivered + 5))


@dataclass
class RunRecord:
    hour: float
    orders: int
    windows: int
    pairs: int
    status: str
    seconds: float
    new_offers: int
    moved: int


@dataclass
class Counters:
    offers: int = 0
    declines: int = 0
    expiries: int = 0
    moved: int = 0  # orders whose unanswered offers a run moved elsewhere
    dropped: int = 0  # orders whose unanswered offers a run withdrew without a new place
    accepted_moved: int = 0  # accepted parts whose window, days or units changed: must be 0
    cancelled: int = 0
    withdrawn_accepted: int = 0
    pauses: int = 0


class Simulation:
    """The event loop of one policy over the season; subclasses decide the offers.

    Hooks: ``on_arrival(hour, order_id)``, ``on_publish(hour, window_id)`` and, every
    ``interval_hours``, ``on_run(hour)``. The offer machinery (answers, expiry,
    auto-pause, cancellations, deliveries) is shared.
    """

    name = "base"
    uses_day_profiles = False
    # batch policies answer ``request_run`` with event-triggered runs (when configured)
    event_runs = False

    def __init__(self, scenario: Scenario, draws: Draws | None = None) -> None:
        self.scenario = scenario
        self.config = scenario.config
        self.draws = draws or Draws(scenario)
        self.orders = {
            oid: OrderState(oid, o.template.quantity) for oid, o in scenario.orders.items()
        }
        self.windows = {wid: WindowState(w) for wid, w in scenario.windows.items()}
        self.by_category: dict[int, list[int]] = {}
        for wid, w in scenario.windows.items():
            self.by_category.setdefault(w.data.category_id, []).append(wid)
        self.factory_state = {fid: FactoryState() for fid in scenario.factories}
        self.offers: dict[int, Offer] = {}
        self.counters = Counters()
        self.runs: list[RunRecord] = []
        # orders a factory could make when the policy first looked at them (alone, in the
        # room left at that moment): the subset the time-to-first-offer target is about
        self.makeable: set[int] = set()
        self.looked_at: set[int] = set()
        self._events: list[tuple[float, int, str, int]] = []
        self._sequence = 0
        self.hour = 0.0
        # (factory, category) -> [offers accepted, offers answered or expired]: the answers
        # the marketplace has seen so far (what the app's history would hold)
        self.answer_history: dict[tuple[int, int], list[int]] = {}
        self.factory_answers: dict[int, list[int]] = {}
        self.pair_answers: list[PairAnswer] = []  # every answer and expiry, in order
        # days each delivered part finished after its plan: per capability, per category
        self.delays: dict[tuple[int, int], deque[int]] = {}
        self.category_delays: dict[int, deque[int]] = {}
        self.last_run_hour = -math.inf
        self.queued_run_hour: float | None = None  # the event run waiting, if any
        self.event_runs_done = 0
        self.run_hours: list[float] = []  # every run, scheduled or event-triggered

    # --- events -------------------------------------------------------------------------

    def push(self, hour: float, kind: str, item: int) -> None:
        self._sequence += 1
        heapq.heappush(self._events, (hour, self._sequence, kind, item))

    def run(self) -> Simulation:
        end = self.scenario.end_hour
        for oid, order in self.scenario.orders.items():
            self.push(order.arrival_hour, "arrive", oid)
            if order.cancel_hour is not None and order.cancel_hour < end:
                self.push(order.cancel_hour, "cancel", oid)
        for wid, window in self.scenario.windows.items():
            self.push(window.publish_hour, "publish", wid)
        interval = self.config.interval_hours
        k = 1
        while k * interval < end:
            self.push(k * interval, "run", k)
            k += 1
        while self._events:
            hour, _, kind, item = heapq.heappop(self._events)
            if hour >= end and kind != "deliver":
                continue
            self.hour = hour
            getattr(self, f"_event_{kind}")(hour, item)
        return self

    def _event_arrive(self, hour: float, oid: int) -> None:
        self.orders[oid].status = "open"
        self.on_arrival(hour, oid)
        self.request_run(hour)

    def _event_publish(self, hour: float, wid: int) -> None:
        state = self.windows[wid]
        state.published = True
        if self.uses_day_profiles:
            data = state.window.data
            state.free = list(free_per_day(data, data.start_date))
        self.on_publish(hour, wid)
        self.request_run(hour)

    def _event_run(self, hour: float, _k: int) -> None:
        self.last_run_hour = hour
        self.run_hours.append(hour)
        self.lapse_orders(hour)
        self.on_run(hour)

    def request_run(self, hour: float) -> None:
        """Orders or capacity changed: queue a run ``event_delay_hours`` later (no sooner
        than ``min_run_gap_hours`` after the last run), unless a run is queued already or
        the next scheduled run comes first (the app's debounce; off unless configured and
        the policy runs in batches)."""
        delay = self.config.event_delay_hours
        if delay is None or not self.event_runs or self.queued_run_hour is not None:
            return
        at = max(hour + delay, self.last_run_hour + self.config.min_run_gap_hours)
        interval = self.config.interval_hours
        next_scheduled = (math.floor(hour / interval) + 1) * interval
        if next_scheduled <= at:
            return
        self.queued_run_hour = at
        self.push(at, "event_run", 0)

    def _event_event_run(self, hour: float, _item: int) -> None:
        self.queued_run_hour = None
        self.event_runs_done += 1
        self._event_run(hour, 0)

    def _event_cancel(self, hour: float, oid: int) -> None:
        order = self.orders[oid]
        if order.status not in ("open", "offered", "accepted"):
            return
        today = self.scenario.hour_date(hour)
        live = [self.offers[i] for i in order.offers]
        if any(o.status == "accepted" and o.start <= today for o in live):
            return  # production has started: the seller can no longer cancel
        for offer in live:
            if offer.status == "accepted":
                self.counters.withdrawn_accepted += 1
            self.release(offer, "withdrawn", hour)
        order.offers = []
        order.status = "cancelled"
        self.counters.cancelled += 1
        self.request_run(hour)

    def _event_answer(self, hour: float, offer_id: int) -> None:
        offer = self.offers[offer_id]
        if offer.status != "proposed":
            return
        order = self.orders[offer.order_id]
        state = self.factory_state[offer.factory_id]
        draw = self.draws.pair(offer.order_id, offer.factory_id)
        accepted = draw.accept_uniform < self._accept_probability(offer)
        # the load the factory saw when it answered (the window's bookings and live offers
        # besides this one: the marketplace knows them)
        offer.features = (*offer.features[:2], self._load_seen(offer))
        self.record_answer(offer, accepted, answered=True)
        if accepted:
            offer.status = "accepted"
            offer.answered_hour = hour
            offer.frozen = (offer.window_id, offer.start, offer.finish, offer.units)
            state.expired_in_a_row = 0
            order.remaining -= offer.units
            if order.remaining <= 0 and all(
                self.offers[i].status == "accepted" for i in order.offers
            ):
                order.status = "accepted"
                order.accepted_hour = hour
            self.push(self._delivery_hour(offer), "deliver", offer.id)
        else:
            self.counters.declines += 1
            state.expired_in_a_row = 0
            self._order_lost_offer(offer, "declined", hour)

    def _event_expire(self, hour: float, offer_id: int) -> None:
        offer = self.offers[offer_id]
        if offer.status != "proposed":
            return
        self.counters.expiries += 1
        self.record_answer(offer, False)
        state = self.factory_state[offer.factory_id]
        state.expired_in_a_row += 1
        if (
            FACTORY_AUTO_PAUSE_AFTER_EXPIRED > 0
            and state.expired_in_a_row >= FACTORY_AUTO_PAUSE_AFTER_EXPIRED
            and not state.paused(hour)
        ):
            state.pauses += 1
            self.counters.pauses += 1
            state.paused_until = hour + self.draws.resume_hours(offer.factory_id, state.pauses)
            self.push(state.paused_until, "resume", offer.factory_id)
        self._order_lost_offer(offer, "expired", hour)

    def _event_resume(self, hour: float, fid: int) -> None:
        state = self.factory_state[fid]
        if state.paused_until is not None and hour >= state.paused_until:
            state.paused_until = None
            state.expired_in_a_row = 0

    def _event_deliver(self, _hour: float, offer_id: int) -> None:
        offer = self.offers[offer_id]
        if offer.status != "accepted":
            return
        state = self.factory_state[offer.factory_id]
        state.delivered += 1
        state.delivered_on_time += int(self.outcome(offer)[1])
        draw = self.draws.pair(offer.order_id, offer.factory_id)
        category = self.scenario.orders[offer.order_id].template.category_id
        delay = 0 if draw.on_time else draw.late_days
        key = (offer.factory_id, category)
        self.delays.setdefault(key, deque(maxlen=TRACK_RECORD_RECENT_PARTS)).append(delay)
        self.category_delays.setdefault(category, deque(maxlen=TRACK_RECORD_PRIOR_PARTS)).append(
            delay
        )

    def learned_slip(self, factory_id: int, category_id: int) -> tuple[int, int]:
        """The capability's P50 and P90 delay in days as the app learns them
        (``production.track_record.learn``): from the deliveries so far, shrunk towards the
        category's; (0, 0) before any delivery in the category."""
        own = [float(d) for d in self.delays.get((factory_id, category_id), ())]
        prior = [float(d) for d in self.category_delays.get(category_id, ())]
        if not own and not prior:
            return 0, 0
        p50, p90 = (
            max(math.ceil(shrunk_quantile(own, prior, q, TRACK_RECORD_PRIOR_WEIGHT)), 0)
            for q in (0.5, 0.9)
        )
        return p50, p90

    # --- shared machinery ---------------------------------------------------------------

    def record_answer(self, offer: Offer, accepted: bool, answered: bool = False) -> None:
        self.pair_answers.append(PairAnswer(offer.factory_id, offer.features, answered, accepted))
        category = self.scenario.orders[offer.order_id].template.category_id
        seen = self.answer_history.setdefault((offer.factory_id, category), [0, 0])
        seen[0] += int(accepted)
        seen[1] += 1
        factory = self.factory_answers.setdefault(offer.factory_id, [0, 0])
        factory[0] += int(accepted)
        factory[1] += 1

    def accept_rate(self, factory_id: int, category_id: int) -> float:
        """The observed share of this capability's offers its factory accepted (declines
        and expiries count against), shrunk towards the factory's own share and that one
        towards ``ACCEPT_RATE_PRIOR`` (``ACCEPT_RATE_PRIOR_WEIGHT`` offers each); never the
        hidden probabilities of the model."""
        accepted, answered = self.factory_answers.get(factory_id, (0, 0))
        factory = (accepted + ACCEPT_RATE_PRIOR * ACCEPT_RATE_PRIOR_WEIGHT) / (
            answered + ACCEPT_RATE_PRIOR_WEIGHT
        )
        yes, total = self.answer_history.get((factory_id, category_id), (0, 0))
        return (yes + factory * ACCEPT_RATE_PRIOR_WEIGHT) / (total + ACCEPT_RATE_PRIOR_WEIGHT)

    def _accept_probability(self, offer: Offer) -> float:
        template = self.scenario.orders[offer.order_id].template
        capability = self.scenario.factories[offer.factory_id].capability_for(template.category_id)
        assert capability is not None
        distance = self.draws.transport(offer.order_id, offer.factory_id)[0]
        return accept_probability(
            self.config.behaviour,
            template.max_unit_price_fen,
            capability.unit_price_fen,
            distance,
            self._load_seen(offer),
        )

    def _load_seen(self, offer: Offer) -> float:
        """The load the factory sees: everything else its window holds."""
        window = self.windows[offer.window_id]
        return max(0.0, window.load - offer.units / max(1, window.window.data.remaining_units))

    def outcome(self, offer: Offer) -> tuple[dt.date, bool]:
        """The day an accepted part is delivered and whether by its due date."""
        draw = self.draws.pair(offer.order_id, offer.factory_id)
        finish = offer.finish + dt.timedelta(days=0 if draw.on_time else draw.late_days)
        days = self.draws.transport(offer.order_id, offer.factory_id)[1]
        delivered = finish + dt.timedelta(days=days)
        return delivered, delivered <= self.scenario.orders[offer.order_id].due_date

    def _delivery_hour(self, offer: Offer) -> float:
        delivered, _ = self.outcome(offer)
        return 24.0 * ((delivered - self.config.start).days + 1)

    def make_offer(
        self,
        hour: float,
        order_id: int,
        window_id: int,
        units: int,
        start: dt.date,
        finish: dt.date,
        usage: list[tuple[int, int]] | None = None,
        answer: bool = True,
    ) -> Offer:
        """A new unanswered offer; its answer (or expiry) is drawn now and queued
        (``answer=False``: the caller settles it, e.g. a job taken on a board)."""
        window = self.windows[window_id]
        factory_id = window.window.data.factory_id
        template = self.scenario.orders[order_id].template
        capability = self.scenario.factories[factory_id].capability_for(template.category_id)
        price = capability.unit_price_fen if capability is not None else 1
        features = (
            template.max_unit_price_fen / max(1, price) - 1.0,
            self.draws.transport(order_id, factory_id)[0] / 1000.0,
            window.load,
        )
        offer = Offer(
            id=len(self.offers) + 1,
            order_id=order_id,
            factory_id=window.window.data.factory_id,
            window_id=window_id,
            units=units,
            start=start,
            finish=finish,
            made_hour=hour,
            expires_hour=hour + OFFER_EXPIRY_HOURS,
            usage=usage or [],
            features=features,
        )
        self.offers[offer.id] = offer
        window.held += units
        window.offers.add(offer.id)
        order = self.orders[order_id]
        order.offers.append(offer.id)
        order.status = "offered"
        if order.first_offer_hour is None:
            order.first_offer_hour = hour
        self.counters.offers += 1
        if not answer:
            return offer
        draw = self.draws.pair(order_id, offer.factory_id)
        if draw.answers and draw.response_hours < OFFER_EXPIRY_HOURS:
            self.push(hour + draw.response_hours, "answer", offer.id)
        else:
            self.push(offer.expires_hour, "expire", offer.id)
        return offer

    def release(self, offer: Offer, status: str, hour: float) -> None:
        """The offer ends (declined, expired, superseded, withdrawn): its units are free."""
        offer.status = status
        offer.answered_hour = hour
        window = self.windows[offer.window_id]
        window.held -= offer.units
        window.offers.discard(offer.id)
        if offer.usage:
            for day, units in offer.usage:
                window.free[day] += units
            offer.usage = []

    def _order_lost_offer(self, offer: Offer, status: str, hour: float) -> None:
        """As ``matching.offers._order_lost_offer``: the factory is excluded, the order's
        other unanswered offers are withdrawn and it waits again for its remaining units."""
        self.release(offer, status, hour)
        order = self.orders[offer.order_id]
        order.excluded.add(offer.factory_id)
        for other_id in list(order.offers):
            other = self.offers[other_id]
            if other.status == "proposed":
                self.release(other, "superseded", hour)
        order.offers = [i for i in order.offers if self.offers[i].status == "accepted"]
        if order.status == "offered":
            order.status = "open"
        self.request_run(hour)

    def lapse_orders(self, hour: float) -> None:
        """Open orders that can no longer be made before their due date leave the market."""
        first_day = self.scenario.hour_date(hour) + dt.timedelta(days=MATCHING_LEAD_DAYS)
        for order in self.orders.values():
            if order.status == "open" and self.scenario.orders[order.id].due_date <= first_day:
                order.status = "lapsed"

    def open_orders(self) -> list[int]:
        return [oid for oid, o in self.orders.items() if o.status == "open"]

    def accepted_offers(self) -> list[Offer]:
        return [o for o in self.offers.values() if o.status == "accepted"]

    def check_frozen(self) -> None:
        """Count accepted parts whose window, days or units changed since they were accepted."""
        moved = sum(
            1
            for o in self.accepted_offers()
            if o.frozen != (o.window_id, o.start, o.finish, o.units)
        )
        self.counters.accepted_moved = max(self.counters.accepted_moved, moved)

    # --- hooks --------------------------------------------------------------------------

    def on_arrival(self, hour: float, order_id: int) -> None:
        pass

    def on_publish(self, hour: float, window_id: int) -> None:
        pass

    def on_run(self, hour: float) -> None:
        pass


# --- day profiles (first-come and greedy) ----------------------------------------------


def book_days(
    free: list[int], first: int, last: int, units: int
) -> tuple[int, int, list[tuple[int, int]]] | None:
    """Take ``units`` from the free units of days ``first..last`` (indexes into the
    window), earliest first; None (nothing taken) when they do not fit. Returns the first
    and last day used and the units taken per day."""
    if first > last or first >= len(free):
        return None
    last = min(last, len(free) - 1)
    left = units
    usage: list[tuple[int, int]] = []
    for day in range(max(0, first), last + 1):
        if free[day] <= 0:
            continue
        used = min(left, free[day])
        usage.append((day, used))
        left -= used
        if left == 0:
            break
    if left > 0:
        return None
    for day, used in usage:
        free[day] -= used
    return usage[0][0], usage[-1][0], usage


def eligible_windows(
    sim: Simulation, order_id: int, hour: float, units: int | None = None, parts: bool = False
) -> Iterable[tuple[int, int, int, dt.date, dt.date]]:
    """(cost fen per unit, window id, units, first usable day, latest finish) of each
    published window the order may use now, by the solver's filters 1-4 (room is checked by
    the caller). ``parts``: the factory's quantity range is checked per part by the caller."""
    scenario = sim.scenario
    template = scenario.orders[order_id].template
    quantity = units if units is not None else sim.orders[order_id].remaining
    first_day = scenario.hour_date(hour) + dt.timedelta(days=MATCHING_LEAD_DAYS)
    due = scenario.orders[order_id].due_date
    excluded = sim.orders[order_id].excluded
    for wid in sim.by_category.get(template.category_id, ()):
        state = sim.windows[wid]
        data = state.window.data
        if not state.published or data.end_date < first_day:
            continue
        factory = scenario.factories[data.factory_id]
        if not (factory.active and factory.verified) or factory.id in excluded:
            continue
        if sim.factory_state[factory.id].paused(hour):
            continue
        capability = factory.capability_for(template.category_id)
        if capability is None or capability.unit_price_fen > template.max_unit_price_fen:
            continue
        if not parts and not factory.min_order_quantity <= quantity <= factory.max_order_quantity:
            continue
        _, days, cost = sim.draws.transport(order_id, factory.id)
        latest = due - dt.timedelta(days=days)
        if latest < max(first_day, data.start_date):
            continue
        yield capability.unit_price_fen + cost, wid, quantity, first_day, latest


def day_index(window: WindowData, day: dt.date) -> int:
    return (day - window.start_date).days


def as_dict(value: Any) -> Any:
    return dataclasses.asdict(value)

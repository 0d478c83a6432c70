"""Input and output of the matching model.

Pure Python, no Django: the service layer turns database rows into these frozen
dataclasses, the solver returns a ``MatchingSolution``. Money is integer fen
(1 CNY = 100 fen) and distances are kilometres, so the CP-SAT model only ever
sees integers.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from dataclasses import dataclass, field, replace
from enum import StrEnum


class Priority(StrEnum):
    NORMAL = "normal"
    RUSH = "rush"


class UnmatchedReason(StrEnum):
    """Why an order got no assignment: the filter that removed its last candidate."""

    NO_CAPABLE_FACTORY = "no_capable_factory"
    PRICE_BELOW_MARKET = "price_below_market"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range"
    FACTORY_ON_PROBATION = "factory_on_probation"
    DUE_DATE_TOO_SOON = "due_date_too_soon"
    CAPACITY_FULL = "capacity_full"
    # the order allows pooling and is below the minimum of every factory that could make it:
    # the other pooling orders in those windows did not reach a minimum with it (拼单)
    POOL_TOO_SMALL = "pool_too_small"


@dataclass(frozen=True)
class Capability:
    category_id: int
    unit_price_fen: int
    daily_output: int
    # the factory's learned delay in this category, days shipped after the promised finish,
    # at P50 and P90 (production/track_record.py): an order is planned to finish this much
    # before its latest finish (P90 for rush orders with SolverParams.rush_plans_p90)
    slip_p50_days: int = 0
    slip_p90_days: int = 0
    # the share of this capability's offers its factory accepted (0..1; declines and expiries
    # count against), or None: unknown, not weighed. When set (on every capability of the
    # problem, or on none), a unit's stage-1 weight is scaled by it (model.pair_weight), so
    # the solver offers expected accepted units
    accept_rate: float | None = None


@dataclass(frozen=True)
class FactoryData:
    id: int
    latitude: float
    longitude: float
    min_order_quantity: int
    max_order_quantity: int
    capabilities: tuple[Capability, ...]
    active: bool = True
    verified: bool = True
    # 0..100; higher is better: the smoothed mean of recent quality ratings, and the share
    # of recent orders delivered on time. Their mean is the factory's reliability, which
    # adds a premium to its cost (SolverParams.reliability_premium_percent).
    quality_score: int = 50
    on_time_percent: int = 100
    # a new factory on probation takes only orders of at most this many units and of at
    # most this value (the order's quantity x the factory's unit price, fen); None: no limit
    max_order_units: int | None = None
    max_order_value_fen: int | None = None
    # the share of its windows' capacity already booked when the run starts, 0..100; filled
    # by ``solve`` when the fairness setting is on and the caller left it None
    booked_percent: int | None = None

    @property
    def reliability_percent(self) -> int:
        return (min(max(self.quality_score, 0), 100) + min(max(self.on_time_percent, 0), 100)) // 2

    def capability_for(self, category_id: int) -> Capability | None:
        for capability in self.capabilities:
            if capability.category_id == category_id:
                return capability
        return None


@dataclass(frozen=True)
class Commitment:
    """Units already booked in a window by earlier runs, on the days planned for them.

    Booked work keeps its place: it fills the window's capacity day by day from
    ``start`` (in order of start, then finish), and new orders use what is left.
    """

    start: dt.date
    finish: dt.date
    units: int


@dataclass(frozen=True)
class WindowData:
    id: int
    factory_id: int
    category_id: int
    start_date: dt.date
    end_date: dt.date
    units_per_day: int
    # total units of the window minus every booked unit (never negative)
    remaining_units: int
    commitments: tuple[Commitment, ...] = ()
    # pooling (拼单): booked units (among the commitments) of the pool whose other orders'
    # offers this run reconsiders; they count toward the pool's minimum and maximum, so a
    # pool whose factory accepted some of its orders is not undone by the next run
    pooled_units: int = 0


@dataclass(frozen=True)
class Placement:
    """Where an order's open offer (or one part of it) stands now: window and units."""

    window_id: int
    units: int


@dataclass(frozen=True)
class OrderData:
    id: int
    category_id: int
    quantity: int
    max_unit_price_fen: int
    due_date: dt.date
    latitude: float
    longitude: float
    priority: Priority = Priority.NORMAL
    # whole days the order has been waiting; older orders are preferred on ties
    age_days: int = 0
    # may be made by several factories, each part at least min_lot_quantity (and at least
    # that factory's minimum); the parts add up to the whole quantity or the order waits
    allow_split: bool = False
    min_lot_quantity: int = 1
    # the offers this order holds and no factory has answered yet; empty for open orders.
    # Such an order stays matched, and moves only when that saves more than the penalty.
    current: tuple[Placement, ...] = ()
    # factories that declined the order or let its offer expire: never offered it again
    excluded_factory_ids: frozenset[int] = frozenset()
    # a bulk order made from an approved sample: the sample's factory is strongly preferred
    # (its cost counts the order's whole maximum price less), or the only one allowed
    preferred_factory_id: int | None = None
    required_factory_id: int | None = None
    # below a factory's minimum, the order may be pooled with other pooling orders of the
    # same category in one window (one production lot, 拼单) whose total reaches it
    allows_pooling: bool = False
    # a per-pair acceptance estimate (off when empty): (window id, the chance in hundredths,
    # 1..100, that the window's factory accepts this order's offer), estimated by the caller
    # from the answers seen (the order's price against the factory's, the distance, the
    # window's load). A listed pair's stage-1 weight is scaled by it in place of its
    # capability's ``accept_rate`` (model.pair_weight); set on every pair or on none
    window_accept: tuple[tuple[int, int], ...] = ()

    @functools.cached_property
    def window_accept_by_id(self) -> dict[int, int]:
        """``window_accept`` as a mapping, made once per order."""
        return dict(self.window_accept)


@dataclass(frozen=True)
class TransportParams:
    km_per_day: float = 500.0
    handling_days: int = 1
    cost_base_fen_per_unit: int = 20
    cost_fen_per_unit_per_100km: int = 10


@dataclass(frozen=True)
class SolverParams:
    time_limit_seconds: float = 10.0
    workers: int = 2
    # weight of one unit of a rush order relative to one unit of a normal order
    rush_weight: int = 4
    random_seed: int = 0
    # stable re-optimisation: moving an unanswered offer must save more than this fixed
    # amount plus this share of the offer's current cost (stage 2 is cost in fen)
    move_penalty_fen: int = 5_000
    move_threshold_percent: int = 5
    # a factory of reliability r (0..100) costs (100 - r)% of this share of its unit price
    # more in stage 2: at 10, a factory of reliability 50 counts 5% dearer. 0 turns it off.
    reliability_premium_percent: int = 0
    # fairness (off at 0): a unit placed at a factory with none of its capacity booked
    # weighs this many percent more in stage 1 than one at a fully booked factory, in
    # proportion to the share of its windows' capacity still unbooked when the run starts
    # (the slope of a concave reward on each factory's share of its own capacity). Spreads
    # work over factories at the price of some weighted units; see docs/matching.md.
    fairness_percent: int = 0
    # rush orders are planned against the factory's P90 delay, others against its P50
    rush_plans_p90: bool = True
    # pooling (拼单): orders that allow it and are below a factory's minimum may share one
    # lot in a window whose pooled total reaches the minimum; False turns pooling off
    pooling: bool = True
    # the LP bound of the large components (HiGHS beside the search); off in the shards of
    # a run, whose split starts one LP bound over the whole problem (shards.py)
    lp_bound: bool = True
    # each order keeps this many of its eligible pairs at most, half its cheapest, half
    # spread over the dearer ones, and its most valuable one (``some_per_order``); None:
    # every pair, or ``CAPPED_WINDOWS_PER_ORDER`` on a market above ``CAP_CELLS``
    # order-window cells (``candidate_arrays.windows_per_order``)
    max_windows_per_order: int | None = None


@dataclass(frozen=True)
class PackedPairs:
    """The eligible pairs of a problem, found once by the run that split it into shards, so
    that a shard's ``solve`` does not filter them again (``candidate_arrays.pack_pairs``):
    each column of ``CandidateArrays`` by name, its bytes little-endian, zlib-compressed and
    base64-encoded (JSON-friendly for the Celery message). Rows index the problem's own
    orders, windows and factories, whose ids ``key`` fingerprints: a problem whose orders,
    windows or factories changed after the split finds its pairs again."""

    key: str
    rows: int
    columns: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MatchingProblem:
    # first day on which production may happen (usually tomorrow)
    first_production_date: dt.date
    orders: tuple[OrderData, ...]
    factories: tuple[FactoryData, ...]
    windows: tuple[WindowData, ...]
    transport: TransportParams = field(default_factory=TransportParams)
    solver: SolverParams = field(default_factory=SolverParams)
    # a shard's eligible pairs, found when the run was split (None: ``solve`` finds them)
    pairs: PackedPairs | None = None


@dataclass(frozen=True)
class PlannedAssignment:
    order_id: int
    factory_id: int
    window_id: int
    quantity: int
    unit_price_fen: int
    distance_km: float
    transport_days: int
    transport_cost_fen_per_unit: int
    planned_start: dt.date
    planned_finish: dt.date
    # the window id of the pool (拼单) the order is made in, None when it is made on its own
    pool: int | None = None

    @property
    def production_cost_fen(self) -> int:
        return self.unit_price_fen * self.quantity

    @property
    def transport_cost_fen(self) -> int:
        return self.transport_cost_fen_per_unit * self.quantity


@dataclass(frozen=True)
class MatchingSolution:
    # OPTIMAL, FEASIBLE, INFEASIBLE, MODEL_INVALID, UNKNOWN, or NO_CANDIDATES
    solver_status: str
    assignments: tuple[PlannedAssignment, ...]
    unmatched: dict[int, UnmatchedReason]
    candidate_pairs: int
    # objective of the cost stage (scaled integer, see docs) and its proven bound
    objective: float
    best_bound: float
    build_seconds: float
    solve_seconds: float
    # the answer's value, 10,000 x weighted units - production and transport cost (fen,
    # maximised), and a proven upper bound on the value of every feasible answer (over
    # every eligible pair; see bound.py and docs/matching.md, "The bound")
    value: float = 0.0
    value_bound: float = 0.0

    @property
    def matched_units(self) -> int:
        return sum(a.quantity for a in self.assignments)

    @property
    def production_cost_fen(self) -> int:
        return sum(a.production_cost_fen for a in self.assignments)

    @property
    def transport_cost_fen(self) -> int:
        return sum(a.transport_cost_fen for a in self.assignments)

    @property
    def gap(self) -> float:
        """Relative gap between objective and bound (0 when proven optimal)."""
        if self.objective == self.best_bound:
            return 0.0
        return abs(self.objective - self.best_bound) / max(1.0, abs(self.objective))

    @property
    def value_gap(self) -> float:
        """``(value bound - value) / value bound``, 0..1: how far the answer may be from the
        best one (0 with nothing to match)."""
        if self.value_bound <= 0:
            return 0.0
        return min(max(self.value_bound - self.value, 0.0) / self.value_bound, 1.0)


def with_booked_percent(problem: MatchingProblem) -> MatchingProblem:
    """The problem with each factory's booked share of its windows' capacity filled in (where
    the caller left it None), for the fairness setting."""
    booked: dict[int, int] = defaultdict(int)
    total: dict[int, int] = defaultdict(int)
    for window in problem.windows:
        units = sum(c.units for c in window.commitments)
        booked[window.factory_id] += units
        total[window.factory_id] += units + window.remaining_units
    factories = tuple(
        f
        if f.booked_percent is not None
        else replace(f, booked_percent=100 * booked[f.id] // max(total[f.id], 1))
        for f in problem.factories
    )
    return replace(problem, factories=factories)

"""Reads for the staff match-runs page: a run's progress, and its report once it is done.

Everything here is plain data (frozen dataclasses, dicts); the page renders it and draws
the charts with ``marketplace.charts``. The report is read with a fixed number of queries
(four), whatever the number of orders, windows or shards.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from factories.models import CapacityWindow
from marketplace.charts import bar_chart_svg, heatmap_svg
from marketplace.models import ProductCategory
from marketplace.money import from_fen
from matching.models import Assignment, MatchRun, MatchRunPhase, MatchRunStatus, SolverStatus
from orders.models import Order, OrderStatus, UnmatchedReason

# ---------------------------------------------------------------------------------------
# Progress
# ---------------------------------------------------------------------------------------

# the bar's share of each phase: loading 0-10 %, solving 10-90 % by shards, writing 90-99 %
_PHASE_START = {
    MatchRunPhase.QUEUED: 0,
    MatchRunPhase.LOADING: 5,
    MatchRunPhase.SOLVING: 10,
    MatchRunPhase.WRITING: 92,
    MatchRunPhase.DONE: 100,
}
_SOLVING_SPAN = 80


def match_run_progress(*, run: MatchRun) -> dict[str, Any]:
    """What the progress bar shows, from the run's progress columns (read them fresh).

    ``percent`` is an int 0..100 that only grows while the run goes through its phases
    (a resumed run starts again); 100 exactly when the run succeeded. ``best_objective``
    is the summed cost (fen) of the shards solved so far, None before the first one;
    ``best_objective_cny`` the same in yuan.
    """
    phase = MatchRunPhase(run.phase)
    status = MatchRunStatus(run.status)
    total = run.shards_total
    done = min(run.shards_done, total)
    if status == MatchRunStatus.SUCCEEDED:
        # every shard was solved, even if a progress write was lost on the way
        phase = MatchRunPhase.DONE
        total = max(total, len(run.shard_stats or ()))
        done = total
    if phase == MatchRunPhase.SOLVING:
        share = done / total if total else 1.0
        percent = _PHASE_START[phase] + int(_SOLVING_SPAN * share)
    else:
        percent = _PHASE_START[phase]
    if status == MatchRunStatus.FAILED:
        label = _("Failed")
    elif phase == MatchRunPhase.QUEUED:
        label = _("Waiting for a worker")
    elif phase == MatchRunPhase.LOADING:
        label = _("Loading orders and capacity")
    elif phase == MatchRunPhase.SOLVING:
        label = _("Solving: %(done)d of %(total)d shards done") % {"done": done, "total": total}
    elif phase == MatchRunPhase.WRITING:
        label = _("Writing offers")
    else:
        label = _("Done")
    best = run.best_objective
    return {
        "run_id": run.pk,
        "status": status.value,
        "phase": phase.value,
        "finished": status in (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED),
        "percent": max(0, min(percent, 100)),
        "label": label,
        "shards_done": done,
        "shards_total": total,
        "best_objective": best,
        "best_objective_cny": None if best is None else from_fen(best),
        "updated_at": run.progress_updated_at,
        "error": run.error if status == MatchRunStatus.FAILED else "",
    }


# ---------------------------------------------------------------------------------------
# Report
# ---------------------------------------------------------------------------------------

RELAX_KINDS = ("max_unit_price", "due_date", "quantity")


RELAX_EXAMPLES = 3


@dataclass(frozen=True)
class ReasonCount:
    reason: str  # orders.models.UnmatchedReason value
    label: str  # its English label (the choices' label)
    orders: int
    units: int


@dataclass(frozen=True)
class RelaxExample:
    order_id: int
    title: str
    current: str  # the order's value now: "12.00", "2026-12-01", "500"
    suggested: str  # the value that would have matched it


@dataclass(frozen=True)
class RelaxKind:
    kind: str  # "max_unit_price" (CNY), "due_date" (ISO date) or "quantity" (units)
    orders: int  # unmatched orders with this suggestion (an order may have several kinds)
    examples: tuple[RelaxExample, ...]  # the first few, by order id


@dataclass(frozen=True)
class CostSplit:
    production: Decimal  # CNY
    transport: Decimal  # CNY
    total: Decimal  # CNY

    @property
    def production_share(self) -> float:
        """0..1; 0 when nothing was matched."""
        return float(self.production / self.total) if self.total else 0.0


@dataclass(frozen=True)
class ShardRow:
    index: int
    orders: int
    windows: int
    pairs: int
    matched_orders: int
    status: str
    objective: float  # fen
    bound: float  # fen
    gap: float  # 0..1, of the value to its bound
    seconds: float
    worker: str
    value: float = 0.0  # fen: 10,000 x weighted units - cost
    value_bound: float = 0.0  # fen

    @property
    def status_label(self) -> str:
        return SolverStatus.label_of(self.status)


@dataclass(frozen=True)
class CategoryFill:
    category_id: int
    name: str
    name_zh: str
    orders: int  # orders of the category the run considered
    matched_orders: int
    units_ordered: int
    units_matched: int

    @property
    def fill_rate(self) -> float:
        """Units matched / units ordered, 0..1."""
        return self.units_matched / self.units_ordered if self.units_ordered else 0.0

    @property
    def display_name(self) -> str:
        return ProductCategory.localized_name(self.name, self.name_zh)


@dataclass(frozen=True)
class Utilisation:
    """Capacity used per region (province) and ISO week: booked + offered units / total
    units of the capacity windows' days in that week (a window's used units are spread
    evenly over its days). ``values[r][w]`` is 0..1, or None when the region has no
    capacity that week."""

    as_of: dt.date
    regions: tuple[str, ...]  # provinces, sorted
    weeks: tuple[str, ...]  # ISO weeks, "2026-W48", from the current one
    week_starts: tuple[dt.date, ...]  # the Monday of each week
    values: tuple[tuple[float | None, ...], ...]


@dataclass(frozen=True)
class RunReport:
    run_id: int
    status: str
    finished_at: dt.datetime | None
    # reasons and what-to-relax are the ones recorded on the orders by the latest run
    # that looked at them: exact for the latest run, approximate for older runs
    is_latest_run: bool
    open_orders: int | None  # the orders the run loaded without a standing offer
    considered_orders: int  # matched + unmatched
    matched_orders: int  # orders the run made offers for (whatever became of them)
    matched_units: int
    unmatched_orders: int  # still open, with the reason this or a later run recorded
    unmatched_units: int
    unmatched_by_reason: tuple[ReasonCount, ...]  # most orders first
    relax: tuple[RelaxKind, ...]  # one per kind, in RELAX_KINDS order, zero counts included
    unmatched_without_suggestion: int  # unmatched orders no single change would match
    costs: CostSplit
    objective: float | None  # fen: the cost stage
    best_bound: float | None  # fen: CP-SAT's lower bound on that cost
    # the value of the answer (10,000 x weighted units - cost, fen), the proven upper bound
    # on the value of any answer, and gap = (bound - value) / bound, 0..1
    value: float | None
    value_bound: float | None
    gap: float | None
    solver_status: str
    shards: tuple[ShardRow, ...]
    fill_by_category: tuple[CategoryFill, ...]  # by name
    utilisation: Utilisation

    @property
    def match_rate(self) -> float:
        """Matched / considered orders, 0..1."""
        return self.matched_orders / self.considered_orders if self.considered_orders else 0.0

    @property
    def solver_status_label(self) -> str:
        return SolverStatus.label_of(self.solver_status)


def match_run_report(*, run: MatchRun, weeks: int = 8, today: dt.date | None = None) -> RunReport:
    """The report of one run: four queries, one pass over each result."""
    latest = (
        MatchRun.objects.filter(status=MatchRunStatus.SUCCEEDED)
        .values_list("pk", flat=True)
        .first()
    )
    matched = _matched_rows(run)
    unmatched = _unmatched_rows(run, matched_ids={row["order_id"] for row in matched})
    relax, without_suggestion = _relax_kinds(unmatched)
    production = run.production_cost or Decimal("0.00")
    transport = run.transport_cost or Decimal("0.00")
    return RunReport(
        run_id=run.pk,
        status=run.status,
        finished_at=run.finished_at,
        is_latest_run=latest == run.pk,
        open_orders=run.open_orders,
        considered_orders=len(matched) + len(unmatched),
        matched_orders=len(matched),
        matched_units=sum(row["units"] for row in matched),
        unmatched_orders=len(unmatched),
        unmatched_units=sum(row["quantity"] for row in unmatched),
        unmatched_by_reason=_reason_counts(unmatched),
        relax=relax,
        unmatched_without_suggestion=without_suggestion,
        costs=CostSplit(production=production, transport=transport, total=production + transport),
        objective=run.objective,
        best_bound=run.best_bound,
        value=run.value,
        value_bound=run.value_bound,
        gap=run.gap,
        solver_status=run.solver_status,
        shards=tuple(_shard_row(shard) for shard in run.shard_stats or ()),
        fill_by_category=_fill_by_category(matched, unmatched),
        utilisation=utilisation_by_region_and_week(weeks=weeks, today=today),
    )


def _matched_rows(run: MatchRun) -> list[dict[str, Any]]:
    """The run's orders with the units it assigned them (one row per order)."""
    rows = (
        Assignment.objects.filter(run=run)
        .values(
            "order_id",
            "order__quantity",
            "order__category_id",
            "order__category__name",
            "order__category__name_zh",
        )
        .annotate(units=Sum("quantity"))
        .order_by("order_id")
    )
    return [dict(row) for row in rows]


def _unmatched_rows(run: MatchRun, *, matched_ids: set[int]) -> list[dict[str, Any]]:
    """The open orders the run left with a reason (not those posted after it loaded)."""
    rows = Order.objects.filter(status=OrderStatus.OPEN).exclude(unmatched_reason="")
    if run.started_at is not None:
        rows = rows.filter(created_at__lte=run.started_at)
    fields = (
        "id",
        "title",
        "quantity",
        "max_unit_price",
        "due_date",
        "category_id",
        "category__name",
        "category__name_zh",
        "unmatched_reason",
        "relax_suggestion",
    )
    return [row for row in rows.values(*fields).order_by("id") if row["id"] not in matched_ids]


def _reason_counts(unmatched: list[dict[str, Any]]) -> tuple[ReasonCount, ...]:
    """Orders and units per reason, the most frequent first."""
    reasons: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in unmatched:
        reasons[row["unmatched_reason"]][0] += 1
        reasons[row["unmatched_reason"]][1] += row["quantity"]
    return tuple(
        ReasonCount(reason=reason, label=_reason_label(reason), orders=n, units=units)
        for reason, (n, units) in sorted(reasons.items(), key=lambda kv: (-kv[1][0], kv[0]))
    )


def _relax_kinds(unmatched: list[dict[str, Any]]) -> tuple[tuple[RelaxKind, ...], int]:
    """Per kind of what-to-relax change, the orders it would help and a few examples; and
    the number of unmatched orders with no suggestion."""
    counts: dict[str, int] = dict.fromkeys(RELAX_KINDS, 0)
    examples: dict[str, list[RelaxExample]] = {kind: [] for kind in RELAX_KINDS}
    without_suggestion = 0
    for row in unmatched:
        suggestion = row["relax_suggestion"] or {}
        kinds = [kind for kind in RELAX_KINDS if suggestion.get(kind) is not None]
        without_suggestion += not kinds
        for kind in kinds:
            counts[kind] += 1
            if len(examples[kind]) < RELAX_EXAMPLES:
                examples[kind].append(
                    RelaxExample(
                        order_id=row["id"],
                        title=row["title"],
                        current=_relax_current(kind, row),
                        suggested=str(suggestion[kind]),
                    )
                )
    relax = tuple(
        RelaxKind(kind=kind, orders=counts[kind], examples=tuple(examples[kind]))
        for kind in RELAX_KINDS
    )
    return relax, without_suggestion


def _reason_label(reason: str) -> str:
    try:
        return str(UnmatchedReason(reason).label)
    except ValueError:
        return reason


def _relax_current(kind: str, row: Mapping[str, Any]) -> str:
    value = row[kind]
    return value.isoformat() if isinstance(value, dt.date) else str(value)


def _shard_row(shard: dict[str, Any]) -> ShardRow:
    return ShardRow(
        index=int(shard.get("shard", 0)),
        orders=int(shard.get("orders", 0)),
        windows=int(shard.get("windows", 0)),
        pairs=int(shard.get("pairs", 0)),
        matched_orders=int(shard.get("matched_orders", 0)),
        status=str(shard.get("status", "")),
        objective=float(shard.get("objective") or 0.0),
        bound=float(shard.get("bound") or 0.0),
        gap=float(shard.get("gap") or 0.0),
        seconds=float(shard.get("seconds") or 0.0),
        worker=str(shard.get("worker", "")),
        value=float(shard.get("value") or 0.0),
        value_bound=float(shard.get("value_bound") or 0.0),
    )


def _fill_by_category(
    matched: Sequence[Mapping[str, Any]], unmatched: Sequence[Mapping[str, Any]]
) -> tuple[CategoryFill, ...]:
    # category id -> [name, name_zh, orders, matched orders, units ordered, units matched]
    acc: dict[int, list[Any]] = {}
    for row in matched:
        entry = acc.setdefault(
            row["order__category_id"],
            [row["order__category__name"], row["order__category__name_zh"], 0, 0, 0, 0],
        )
        entry[2] += 1
        entry[3] += 1
        entry[4] += row["order__quantity"]
        entry[5] += min(row["units"], row["order__quantity"])
    for row in unmatched:
        entry = acc.setdefault(
            row["category_id"], [row["category__name"], row["category__name_zh"], 0, 0, 0, 0]
        )
        entry[2] += 1
        entry[4] += row["quantity"]
    return tuple(
        CategoryFill(
            category_id=category_id,
            name=name,
            name_zh=name_zh,
            orders=orders,
            matched_orders=matched_orders,
            units_ordered=ordered,
            units_matched=units,
        )
        for category_id, (name, name_zh, orders, matched_orders, ordered, units) in sorted(
            acc.items(), key=lambda kv: (kv[1][0], kv[0])
        )
    )


def utilisation_by_region_and_week(*, weeks: int = 8, today: dt.date | None = None) -> Utilisation:
    """Capacity used per province and ISO week, from the current ISO week on (one query).

    Windows of all factories count, active or not: their booked units are real either way.
    """
    today = today or timezone.localdate()
    first = today - dt.timedelta(days=today.weekday())
    mondays = tuple(first + dt.timedelta(weeks=n) for n in range(weeks))
    last = first + dt.timedelta(weeks=weeks, days=-1)
    rows = CapacityWindow.objects.filter(start_date__lte=last, end_date__gte=first).values_list(
        "factory__province",
        "start_date",
        "end_date",
        "total_units",
        "booked_units",
        "offered_units",
    )
    capacity: dict[str, list[float]] = {}
    used: dict[str, list[float]] = {}
    for province, start, end, total, booked, offered in rows.iterator():
        days = (end - start).days + 1
        region_capacity = capacity.setdefault(province, [0.0] * weeks)
        region_used = used.setdefault(province, [0.0] * weeks)
        # only the weeks the window overlaps
        for week in range(
            max(0, (start - first).days // 7), min(weeks, (end - first).days // 7 + 1)
        ):
            monday = mondays[week]
            overlap = (min(end, monday + dt.timedelta(days=6)) - max(start, monday)).days + 1
            if overlap > 0:
                region_capacity[week] += total * overlap / days
                region_used[week] += min(booked + offered, total) * overlap / days
    regions = tuple(sorted(capacity))
    return Utilisation(
        as_of=today,
        regions=regions,
        weeks=tuple(_iso_week(monday) for monday in mondays),
        week_starts=mondays,
        values=tuple(
            tuple(
                used[region][week] / capacity[region][week] if capacity[region][week] else None
                for week in range(weeks)
            )
            for region in regions
        ),
    )


def _iso_week(day: dt.date) -> str:
    year, week, _weekday = day.isocalendar()
    return f"{year}-W{week:02d}"


# ---------------------------------------------------------------------------------------
# Charts of a report (SVG strings; the page marks them safe)
# ---------------------------------------------------------------------------------------


# Charts are drawn at their own size, never shrunk (their text stays 12 px): the fill-rate
# chart fits a 375 px phone screen; the heatmap scrolls sideways in its frame when wider.
CHART_WIDTH = 340
HEATMAP_CELL_WIDTH = 40


def fill_rate_chart_svg(report: RunReport) -> str:
    """Fill rate by category (named in the active language), in percent, as horizontal bars."""
    bars = [(fill.display_name, 100 * fill.fill_rate) for fill in report.fill_by_category]
    return bar_chart_svg(
        title=_("Fill rate by category"),
        bars=bars,
        unit="%",
        max_value=100,
        # narrow enough for a phone screen at full size: the page never shrinks its text
        width=CHART_WIDTH,
        labels_above=True,
        description=_("Units matched as a share of units ordered, per category, in run #%(run)d.")
        % {"run": report.run_id},
    )


def utilisation_heatmap_svg(report: RunReport) -> str:
    """Utilisation by region and ISO week (each labelled by its Monday, m-d), in percent."""
    data = report.utilisation
    return heatmap_svg(
        title=_("Capacity utilisation by region and week"),
        rows=list(data.regions),
        # each week by its Monday, as on the capacity calendar: short enough for narrow cells
        columns=[f"{monday:%m-%d}" for monday in data.week_starts],
        values=[[None if v is None else 100 * v for v in row] for row in data.values],
        unit="%",
        min_value=0,
        max_value=100,
        cell_width=HEATMAP_CELL_WIDTH,
        value_format=lambda percent: f"{round(percent)}%",
        empty_label=_("no capacity"),
        description=_(
            "Booked and offered units as a share of posted capacity, per province and ISO "
            "week, from %(date)s."
        )
        % {"date": data.as_of.isoformat()},
    )

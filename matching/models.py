"""Match runs (job-status rows) and the assignments they propose."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class MatchRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class SolverStatus(models.TextChoices):
    """What the solver (CP-SAT's status names) reports for a run and for each shard."""

    OPTIMAL = "OPTIMAL", _("Optimal")
    FEASIBLE = "FEASIBLE", _("Feasible, not proven optimal")
    INFEASIBLE = "INFEASIBLE", _("Infeasible")
    UNKNOWN = "UNKNOWN", _("No solution within the time limit")
    MODEL_INVALID = "MODEL_INVALID", _("Invalid model")
    NO_CANDIDATES = "NO_CANDIDATES", _("No candidate factories")

    @classmethod
    def label_of(cls, status: str) -> str:
        """A status as a reader sees it (an unknown code as it is, empty as a dash)."""
        return str(dict(cls.choices).get(status, status or "—"))


class MatchRunPhase(models.TextChoices):
    """Where a run is, for its progress bar (the status says whether it failed)."""

    QUEUED = "queued", _("Queued")
    LOADING = "loading", _("Loading orders and capacity")
    SOLVING = "solving", _("Solving shards")
    WRITING = "writing", _("Writing offers")
    DONE = "done", _("Done")


class MatchRunTrigger(models.TextChoices):
    MANUAL = "manual", _("Manual (API)")
    ADMIN = "admin", _("Admin action")
    EVENT = "event", _("Order or capacity change")
    SCHEDULE = "schedule", _("Schedule")


class MatchRun(models.Model):
    status = models.CharField(
        _("status"), max_length=20, choices=MatchRunStatus.choices, default=MatchRunStatus.QUEUED
    )
    trigger = models.CharField(_("trigger"), max_length=20, choices=MatchRunTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # the Celery task that claimed the run; a retry of that task may resume it
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    time_limit_seconds = models.FloatField(_("time limit (seconds)"), null=True, blank=True)

    open_orders = models.PositiveIntegerField(_("open orders"), null=True, blank=True)
    candidate_pairs = models.PositiveIntegerField(_("candidate pairs"), null=True, blank=True)
    matched_orders = models.PositiveIntegerField(_("matched orders"), null=True, blank=True)
    matched_units = models.PositiveBigIntegerField(_("matched units"), null=True, blank=True)
    # unanswered offers of earlier runs that this run moved to other factories
    moved_offers = models.PositiveIntegerField(_("moved offers"), null=True, blank=True)
    production_cost = models.DecimalField(
        _("production cost (CNY)"), max_digits=22, decimal_places=2, null=True, blank=True
    )
    transport_cost = models.DecimalField(
        _("transport cost (CNY)"), max_digits=22, decimal_places=2, null=True, blank=True
    )
    # the cost stage: production plus transport cost in fen (with the solver's premiums and
    # move penalties) and CP-SAT's proven lower bound on it (0 where it proved none)
    objective = models.FloatField(_("objective"), null=True, blank=True)
    best_bound = models.FloatField(_("best bound"), null=True, blank=True)
    # the answer's value (10,000 x weighted units - cost, fen) and the proven upper bound on
    # the value of every answer (docs/matching.md, "The bound"); gap = (bound - value) / bound
    value = models.FloatField(_("value"), null=True, blank=True)
    value_bound = models.FloatField(_("bound on the value"), null=True, blank=True)
    gap = models.FloatField(_("gap"), null=True, blank=True)
    solver_status = models.CharField(
        _("solver status"), max_length=30, blank=True, choices=SolverStatus.choices
    )
    load_seconds = models.FloatField(_("load (seconds)"), null=True, blank=True)
    build_seconds = models.FloatField(_("build (seconds)"), null=True, blank=True)
    solve_seconds = models.FloatField(_("solve (seconds)"), null=True, blank=True)
    write_seconds = models.FloatField(_("write (seconds)"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    # one entry per shard: size, seconds, status, objective, bound, gap, worker hostname
    shard_stats = models.JSONField(_("shard statistics"), default=list, blank=True)

    # progress, written while the run executes (separate columns, so that shard tasks on
    # several workers count themselves done with atomic F() updates)
    phase = models.CharField(
        _("phase"), max_length=20, choices=MatchRunPhase.choices, default=MatchRunPhase.QUEUED
    )
    shards_total = models.PositiveIntegerField(_("shards in total"), default=0)
    shards_done = models.PositiveIntegerField(_("shards done"), default=0)
    # the sum of the objectives (cost in fen) of the shards solved so far
    best_objective = models.FloatField(_("best objective so far"), null=True, blank=True)
    progress_updated_at = models.DateTimeField(_("progress updated at"), null=True, blank=True)

    class Meta:
        verbose_name = _("match run")
        verbose_name_plural = _("match runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # at most one run waits and at most one executes at any time
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=MatchRunStatus.QUEUED),
                name="one_queued_match_run",
            ),
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=MatchRunStatus.RUNNING),
                name="one_running_match_run",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Match run #%(run)s (%(status)s)") % {
            "run": self.pk,
            "status": self.get_status_display(),
        }

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    # the factory answered with a counter-offer (``Counter``); the seller accepts or rejects
    COUNTERED = "countered", _("Countered, waiting for the seller")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    COUNTER_REJECTED = "counter_rejected", _("Counter-offer rejected")
    COUNTER_EXPIRED = "counter_expired", _("Counter-offer expired")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn (order cancelled)")
    # the seller moved the part's remaining quantity to a standby factory
    # (production/standby.py); its units were freed
    SWITCHED = "switched", _("Moved to a standby factory")


# statuses that hold units offered in their window, waiting for an answer (the factory's to
# an offer, the seller's to a counter-offer)
WAITING_ASSIGNMENT_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.COUNTERED)
# statuses that hold capacity in their window (offered or booked)
LIVE_ASSIGNMENT_STATUSES = (*WAITING_ASSIGNMENT_STATUSES, AssignmentStatus.ACCEPTED)


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    PRICE_TOO_LOW = "price_too_low", _("Price too low")
    CANNOT_MAKE = "cannot_make", _("Cannot make it")
    OTHER = "other", _("Other")


class Assignment(models.Model):
    """One order placed in one capacity window by a match run; an offer to the factory."""

    run = models.ForeignKey(
        MatchRun, related_name="assignments", on_delete=models.CASCADE, verbose_name=_("match run")
    )
    order = models.ForeignKey(
        "orders.Order",
        related_name="assignments",
        on_delete=models.CASCADE,
        verbose_name=_("order"),
    )
    factory = models.ForeignKey(
        "factories.Factory",
        related_name="assignments",
        on_delete=models.PROTECT,
        verbose_name=_("factory"),
    )
    window = models.ForeignKey(
        "factories.CapacityWindow",
        related_name="assignments",
        on_delete=models.PROTECT,
        verbose_name=_("capacity window"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    distance_km = models.FloatField(_("distance (km)"))
    transport_days = models.PositiveIntegerField(_("transport days"))
    transport_cost = models.DecimalField(_("transport cost (CNY)"), max_digits=18, decimal_places=2)
    planned_start = models.DateField(_("planned start"))
    planned_finish = models.DateField(_("planned finish"))
    # pooling (拼单): the lot this part shares with other orders below the factory's minimum,
    # "<run id>-<window id>" of the run that formed it; empty for a part made on its own
    pool_key = models.CharField(_("pool"), max_length=40, blank=True, db_index=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AssignmentStatus.choices,
        default=AssignmentStatus.PROPOSED,
    )
    # the offer lapses (and the order is matched elsewhere) unless answered by then
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True, db_index=True)
    responded_at = models.DateTimeField(_("responded at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("decline reason"), max_length=20, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("decline note"), blank=True)
    # the share of the window's units taken by other work (booked or offered) when the factory
    # answered: a feature of the per-pair acceptance estimate (MATCHING_PAIR_ACCEPT)
    window_load = models.FloatField(_("window load when answered"), null=True, blank=True)
    # the finish the factory committed to when it accepted (delays move planned_finish only)
    promised_finish = models.DateField(_("promised finish"), null=True, blank=True)
    shipped_on = models.DateField(_("shipped on"), null=True, blank=True)
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    # delivered by the promised finish plus the planned transport days
    on_time = models.BooleanField(_("on time"), null=True, blank=True)
    quality_rating = models.PositiveSmallIntegerField(
        _("quality rating"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
    )
    rating_comment = models.TextField(_("rating comment"), blank=True)
    rated_at = models.DateTimeField(_("rated at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="assignment_quantity_positive"
            ),
            models.CheckConstraint(
                condition=Q(planned_finish__gte=models.F("planned_start")),
                name="assignment_dates_ordered",
            ),
            # an order has at most one live offer per window (a split order has several)
            models.UniqueConstraint(
                fields=["order", "window"],
                condition=Q(status__in=LIVE_ASSIGNMENT_STATUSES),
                name="one_live_assignment_per_order_and_window",
            ),
            models.CheckConstraint(
                condition=Q(quality_rating__isnull=True)
                | Q(quality_rating__gte=1, quality_rating__lte=5),
                name="assignment_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Order #%(order)s → %(factory)s × %(quantity)s (%(status)s)") % {
            "order": self.order_id,
            "factory": self.factory,
            "quantity": self.quantity,
            "status": self.get_status_display(),
        }

    @property
    def production_cost(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def planned_delivery(self) -> dt.date | None:
        """The day the seller was promised the goods: promised finish plus transport."""
        if self.promised_finish is None:
            return None
        return self.promised_finish + dt.timedelta(days=self.transport_days)

    def is_expired_at(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

    def ship_forecast(self) -> tuple[dt.date, dt.date] | None:
        """When the part will likely ship: its finish (as promised, or as planned for an
        offer) plus the factory's delay in the category at P50 and at P90 (its track record,
        production/track_record.py); None until the factory has one. Reads the factory's
        capabilities (prefetch ``factory__capabilities`` for a list)."""
        finish = self.promised_finish or self.planned_finish
        for capability in self.factory.capabilities.all():
            if capability.category_id != self.order.category_id:
                continue
            if capability.delay_p50_days is None or capability.delay_p90_days is None:
                return None
            return (
                finish + dt.timedelta(days=capability.delay_p50_days),
                finish + dt.timedelta(days=capability.delay_p90_days),
            )
        return None

    @property
    def counter_offer(self) -> Counter | None:
        """The factory's counter-offer to this offer, if it made one."""
        return getattr(self, "counter", None)


class PriceGuidance(models.Model):
    """One price level of a run's advice to a factory about one of its windows with idle room:
    at ``unit_price`` (below the factory's price) these orders, lost on price, would have
    fitted in it together (matching/solver/guidance.py). Only the latest run's rows are kept."""

    run = models.ForeignKey(
        MatchRun,
        related_name="price_guidance",
        on_delete=models.CASCADE,
        verbose_name=_("match run"),
    )
    factory = models.ForeignKey(
        "factories.Factory",
        related_name="price_guidance",
        on_delete=models.CASCADE,
        verbose_name=_("factory"),
    )
    window = models.ForeignKey(
        "factories.CapacityWindow",
        related_name="price_guidance",
        on_delete=models.CASCADE,
        verbose_name=_("capacity window"),
    )
    # the factory's unit price in the run, and the idle room the run left in the window
    current_unit_price = models.DecimalField(
        _("current unit price (CNY)"), max_digits=10, decimal_places=2
    )
    idle_units = models.PositiveIntegerField(_("idle units"))
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    orders = models.PositiveIntegerField(_("orders"))
    units = models.PositiveIntegerField(_("units"))
    order_ids = models.JSONField(_("order ids"), default=list, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("price guidance")
        verbose_name_plural = _("price guidance")
        ordering = ["window_id", "-unit_price", "id"]

    def __str__(self) -> str:
        return gettext("Window #%(window)s at %(price)s CNY: %(orders)s more orders") % {
            "window": self.window_id,
            "price": self.unit_price,
            "orders": self.orders,
        }


class CounterState(models.TextChoices):
    """Where a counter-offer is, read from its assignment's status (one source)."""

    WAITING = "waiting", _("Waiting for the seller")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


_COUNTER_STATES: dict[str, str] = {
    AssignmentStatus.COUNTERED: CounterState.WAITING,
    AssignmentStatus.ACCEPTED: CounterState.ACCEPTED,
    AssignmentStatus.COUNTER_REJECTED: CounterState.REJECTED,
    AssignmentStatus.COUNTER_EXPIRED: CounterState.EXPIRED,
}


class Counter(models.Model):
    """A factory owner's answer to an offer with other terms: a higher unit price and/or a
    later finish, with a note (matching/counters.py). The offer's own terms are kept beside
    them; the assignment's status says where the counter-offer is."""

    assignment = models.OneToOneField(
        Assignment,
        related_name="counter",
        on_delete=models.CASCADE,
        verbose_name=_("assignment"),
    )
    unit_price = models.DecimalField(_("unit price asked (CNY)"), max_digits=10, decimal_places=2)
    planned_finish = models.DateField(_("finish offered"))
    offer_unit_price = models.DecimalField(
        _("unit price of the offer (CNY)"), max_digits=10, decimal_places=2
    )
    offer_finish = models.DateField(_("finish of the offer"))
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("made by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # the seller answers by then, else it lapses and the order is matched again
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counter-offer")
        verbose_name_plural = _("counter-offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(unit_price__gte=models.F("offer_unit_price"))
                & Q(planned_finish__gte=models.F("offer_finish"))
                & (
                    Q(unit_price__gt=models.F("offer_unit_price"))
                    | Q(planned_finish__gt=models.F("offer_finish"))
                ),
                name="counter_asks_more_or_later",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Counter-offer on order #%(order)s: %(price)s CNY, finish %(date)s") % {
            "order": self.assignment.order_id,
            "price": self.unit_price,
            "date": self.planned_finish.isoformat(),
        }

    @property
    def state(self) -> str:
        return _COUNTER_STATES.get(self.assignment.status, CounterState.WITHDRAWN)

    @property
    def state_label(self) -> str:
        return str(CounterState(self.state).label)

    def is_expired_at(self, now: dt.datetime) -> bool:
        return self.expires_at <= now


class WhatIfKind(models.TextChoices):
    """The scenarios staff can try on a snapshot of the live data (matching/whatif.py)."""

    FACTORY_DROP = "factory_drop", _("A factory or a province drops out")
    DEMAND_UP = "demand_up", _("Demand in a category goes up")
    NEW_CAPACITY = "new_capacity", _("New capacity")
    PRICE_CHANGE = "price_change", _("Price change")


class WhatIfStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


class WhatIf(models.Model):
    """A what-if on live data: a scenario solved by the worker on a snapshot next to the
    current plan; a job-status row. It never writes the rows it reads."""

    kind = models.CharField(_("scenario"), max_length=20, choices=WhatIfKind.choices)
    # the scenario's values as the request checked them (ids, ISO dates, percent, units)
    parameters = models.JSONField(_("parameters"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=WhatIfStatus.choices, default=WhatIfStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("requested by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    task_id = models.CharField(_("task id"), max_length=255, blank=True)
    # the difference against the current plan (matching/whatif.py, what_if_diff)
    result = models.JSONField(_("result"), default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        verbose_name = _("what-if")
        verbose_name_plural = _("what-ifs")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return gettext("What-if #%(what_if)s (%(status)s)") % {
            "what_if": self.pk,
            "status": self.get_status_display(),
        }

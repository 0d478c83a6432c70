"""Match runs (job-status rows) and the assignments they propose."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class MatchRunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")


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
        max_length=20, choices=MatchRunStatus.choices, default=MatchRunStatus.QUEUED
    )
    trigger = models.CharField(max_length=20, choices=MatchRunTrigger.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # the Celery task that claimed the run; a retry of that task may resume it
    task_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    time_limit_seconds = models.FloatField(null=True, blank=True)

    open_orders = models.PositiveIntegerField(null=True, blank=True)
    candidate_pairs = models.PositiveIntegerField(null=True, blank=True)
    matched_orders = models.PositiveIntegerField(null=True, blank=True)
    matched_units = models.PositiveBigIntegerField(null=True, blank=True)
    # unanswered offers of earlier runs that this run moved to other factories
    moved_offers = models.PositiveIntegerField(null=True, blank=True)
    production_cost = models.DecimalField(
        "production cost (CNY)", max_digits=22, decimal_places=2, null=True, blank=True
    )
    transport_cost = models.DecimalField(
        "transport cost (CNY)", max_digits=22, decimal_places=2, null=True, blank=True
    )
    objective = models.FloatField(null=True, blank=True)
    best_bound = models.FloatField(null=True, blank=True)
    gap = models.FloatField(null=True, blank=True)
    solver_status = models.CharField(max_length=30, blank=True)
    load_seconds = models.FloatField(null=True, blank=True)
    build_seconds = models.FloatField(null=True, blank=True)
    solve_seconds = models.FloatField(null=True, blank=True)
    write_seconds = models.FloatField(null=True, blank=True)
    error = models.TextField(blank=True)
    # one entry per shard: size, seconds, status, objective, bound, gap, worker hostname
    shard_stats = models.JSONField(default=list, blank=True)

    # progress, written while the run executes (separate columns, so that shard tasks on
    # several workers count themselves done with atomic F() updates)
    phase = models.CharField(
        max_length=20, choices=MatchRunPhase.choices, default=MatchRunPhase.QUEUED
    )
    shards_total = models.PositiveIntegerField(default=0)
    shards_done = models.PositiveIntegerField(default=0)
    # the sum of the objectives (cost in fen) of the shards solved so far
    best_objective = models.FloatField(null=True, blank=True)
    progress_updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        return f"Match run #{self.pk} ({self.status})"

    @property
    def is_finished(self) -> bool:
        return self.status in (MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)

    @property
    def duration_seconds(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None


class AssignmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    SUPERSEDED = "superseded", _("Superseded")
    WITHDRAWN = "withdrawn", _("Withdrawn (order cancelled)")


# statuses that hold capacity in their window (offered or booked)
LIVE_ASSIGNMENT_STATUSES = (AssignmentStatus.PROPOSED, AssignmentStatus.ACCEPTED)


class DeclineReason(models.TextChoices):
    NO_CAPACITY = "no_capacity", _("No capacity")
    PRICE_TOO_LOW = "price_too_low", _("Price too low")
    CANNOT_MAKE = "cannot_make", _("Cannot make it")
    OTHER = "other", _("Other")


class Assignment(models.Model):
    """One order placed in one capacity window by a match run; an offer to the factory."""

    run = models.ForeignKey(MatchRun, related_name="assignments", on_delete=models.CASCADE)
    order = models.ForeignKey("orders.Order", related_name="assignments", on_delete=models.CASCADE)
    factory = models.ForeignKey(
        "factories.Factory", related_name="assignments", on_delete=models.PROTECT
    )
    window = models.ForeignKey(
        "factories.CapacityWindow", related_name="assignments", on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField()
    unit_price = models.DecimalField("unit price (CNY)", max_digits=10, decimal_places=2)
    distance_km = models.FloatField()
    transport_days = models.PositiveIntegerField()
    transport_cost = models.DecimalField("transport cost (CNY)", max_digits=18, decimal_places=2)
    planned_start = models.DateField()
    planned_finish = models.DateField()
    status = models.CharField(
        max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.PROPOSED
    )
    # the offer lapses (and the order is matched elsewhere) unless answered by then
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)
    responded_at = models.DateTimeField(null=True, blank=True)
    decline_reason = models.CharField(max_length=20, choices=DeclineReason.choices, blank=True)
    decline_note = models.TextField(blank=True)
    # the finish the factory committed to when it accepted (delays move planned_finish only)
    promised_finish = models.DateField(null=True, blank=True)
    shipped_on = models.DateField(null=True, blank=True)
    delivered_on = models.DateField(null=True, blank=True)
    # delivered by the promised finish plus the planned transport days
    on_time = models.BooleanField(null=True, blank=True)
    quality_rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
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
        return f"Order #{self.order_id} -> {self.factory} x{self.quantity} ({self.status})"

    @property
    def production_cost(self) -> Decimal:
        return self.unit_price * self.quantity

    @property
    def holds_capacity(self) -> bool:
        return self.status in LIVE_ASSIGNMENT_STATUSES

    @property
    def planned_delivery(self) -> dt.date | None:
        """The day the seller was promised the goods: promised finish plus transport."""
        if self.promised_finish is None:
            return None
        return self.promised_finish + dt.timedelta(days=self.transport_days)

    def is_expired_at(self, now: dt.datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now

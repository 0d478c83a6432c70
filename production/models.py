"""Production tracking of accepted work: the milestones a factory posts on its part of an
order and the delays it reports. Both hang off an ``Assignment`` (matching), so they live in
the layer above it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from orders.models import MilestoneKind


class Milestone(models.Model):
    """Progress of one accepted offer (a factory's part of an order)."""

    assignment = models.ForeignKey(
        "matching.Assignment",
        related_name="milestones",
        on_delete=models.CASCADE,
        verbose_name=_("assignment"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=MilestoneKind.choices)
    note = models.TextField(_("note"), blank=True)
    photo = models.ImageField(_("photo"), upload_to="milestones/%Y/%m/", blank=True)
    carrier = models.CharField(_("carrier"), max_length=100, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=100, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("posted by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        db_table = "orders_milestone"  # created by the orders app before production had its own
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind"], name="one_milestone_of_a_kind_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s (offer #%(offer)s)") % {
            "kind": self.get_kind_display(),
            "offer": self.assignment_id,
        }


class DelayStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the seller")
    ACCEPTED = "accepted", _("Accepted by the seller")
    DECLINED = "declined", _("Order cancelled by the seller")
    # the seller moved the part to its standby factory instead (production/standby.py)
    SWITCHED = "switched", _("Part moved to a standby factory")


class Delay(models.Model):
    """A factory's notice that its part will finish later than planned."""

    assignment = models.ForeignKey(
        "matching.Assignment",
        related_name="delays",
        on_delete=models.CASCADE,
        verbose_name=_("assignment"),
    )
    previous_finish = models.DateField(_("previous finish"))
    new_finish = models.DateField(_("new finish"))
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"), max_length=20, choices=DelayStatus.choices, default=DelayStatus.PENDING
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("reported by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        db_table = "orders_delay"  # created by the orders app before production had its own
        verbose_name = _("delay")
        verbose_name_plural = _("delays")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment"],
                condition=Q(status="pending"),
                name="one_pending_delay_per_assignment",
            ),
            models.CheckConstraint(
                condition=Q(new_finish__gt=models.F("previous_finish")),
                name="delay_moves_finish_later",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Delay of offer #%(offer)s to %(date)s (%(status)s)") % {
            "offer": self.assignment_id,
            "date": self.new_finish,
            "status": self.get_status_display(),
        }


class DisputeReason(models.TextChoices):
    DEFECTS = "defects", _("Defective goods")
    WRONG_QUANTITY = "wrong_quantity", _("Short or wrong quantity")
    NOT_AS_SPECIFIED = "not_as_specified", _("Not as specified")
    DAMAGED = "damaged", _("Damaged in transport")
    OTHER = "other", _("Other")


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Waiting for the factory's answer")
    ANSWERED = "answered", _("Answered, waiting for the marketplace")
    UPHELD = "upheld", _("Upheld")
    REDO = "redo", _("To be made again")
    REJECTED = "rejected", _("Rejected")


# the decisions staff take on a dispute, and the statuses that wait for one
DISPUTE_RESOLUTIONS = (DisputeStatus.UPHELD, DisputeStatus.REDO, DisputeStatus.REJECTED)
DISPUTE_PENDING = (DisputeStatus.OPEN, DisputeStatus.ANSWERED)


class Dispute(models.Model):
    """A seller's complaint about a delivered part: the factory answers, staff decide."""

    assignment = models.OneToOneField(
        "matching.Assignment",
        related_name="dispute",
        on_delete=models.CASCADE,
        verbose_name=_("part"),
    )
    reason = models.CharField(_("reason"), max_length=30, choices=DisputeReason.choices)
    text = models.TextField(_("what is wrong"))
    status = models.CharField(
        _("status"), max_length=20, choices=DisputeStatus.choices, default=DisputeStatus.OPEN
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("opened by"),
    )
    answer = models.TextField(_("factory's answer"), blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    # the share of the part's price refunded to the seller (upheld disputes only)
    refund_percent = models.PositiveSmallIntegerField(_("refund share (%)"), null=True, blank=True)
    resolution_note = models.TextField(_("resolution note"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refund_percent__isnull=True)
                | Q(refund_percent__gte=0, refund_percent__lte=100),
                name="dispute_refund_0_to_100",
            ),
            models.CheckConstraint(
                condition=Q(status="upheld", refund_percent__isnull=False)
                | (~Q(status="upheld") & Q(refund_percent__isnull=True)),
                name="dispute_refund_only_when_upheld",
            ),
        ]

    def __str__(self) -> str:
        return gettext("Dispute of offer #%(offer)s (%(status)s)") % {
            "offer": self.assignment_id,
            "status": self.get_status_display(),
        }

    @property
    def is_pending(self) -> bool:
        return self.status in DISPUTE_PENDING


class DisputePhoto(models.Model):
    dispute = models.ForeignKey(
        Dispute, related_name="photos", on_delete=models.CASCADE, verbose_name=_("dispute")
    )
    photo = models.ImageField(_("photo"), upload_to="disputes/%Y/%m/")

    class Meta:
        verbose_name = _("dispute photo")
        verbose_name_plural = _("dispute photos")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.photo.name)


class StandbyTrigger(models.TextChoices):
    """Why a part's standby factory was proposed to the seller (production/standby.py)."""

    MILESTONE_OVERDUE = "milestone_overdue", _("A milestone is overdue")
    DELAY_PAST_DUE = "delay_past_due", _("A delay moves the delivery past the due date")


class StandbySwitchStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the seller")
    SWITCHED = "switched", _("Moved to the standby factory")
    DECLINED = "declined", _("Declined by the seller")
    CLOSED = "closed", _("Closed: the order was cancelled")


class StandbySwitch(models.Model):
    """A part in trouble and the standby factory found for it when the trouble was noticed
    (the best other window that could still make the part's quantity by the order's due
    date on the capacity free then). The seller moves the part there (a new offer to that
    factory; the first part is withdrawn and its units freed) or keeps it. Read and written
    only under its part's lock (no kind of its own in the lock order)."""

    part = models.ForeignKey(
        "matching.Assignment",
        related_name="standby_switches",
        on_delete=models.CASCADE,
        verbose_name=_("part"),
    )
    trigger = models.CharField(_("trigger"), max_length=30, choices=StandbyTrigger.choices)
    # the late milestone and its planned day, or the delay's new finish
    trigger_date = models.DateField(_("date of the trouble"))
    window = models.ForeignKey(
        "factories.CapacityWindow",
        related_name="+",
        on_delete=models.PROTECT,
        verbose_name=_("standby window"),
    )
    factory = models.ForeignKey(
        "factories.Factory",
        related_name="+",
        on_delete=models.PROTECT,
        verbose_name=_("standby factory"),
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    unit_price = models.DecimalField(_("unit price (CNY)"), max_digits=10, decimal_places=2)
    planned_finish = models.DateField(_("planned finish"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=StandbySwitchStatus.choices,
        default=StandbySwitchStatus.PENDING,
    )
    # the offer made to the standby factory when the seller agreed
    offer = models.OneToOneField(
        "matching.Assignment",
        null=True,
        blank=True,
        related_name="standby_of",
        on_delete=models.SET_NULL,
        verbose_name=_("offer to the standby factory"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("decided by"),
    )

    class Meta:
        verbose_name = _("standby switch")
        verbose_name_plural = _("standby switches")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["part"],
                condition=Q(status="pending"),
                name="one_pending_standby_switch_per_part",
            ),
            models.CheckConstraint(
                condition=Q(quantity__gt=0), name="standby_switch_quantity_positive"
            ),
        ]

    def __str__(self) -> str:
        return gettext("Standby for offer #%(offer)s at %(factory)s (%(status)s)") % {
            "offer": self.part_id,
            "factory": self.factory,
            "status": self.get_status_display(),
        }

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

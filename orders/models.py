"""Production orders posted by sellers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from factories.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS, UNIT_PRICE_VALIDATORS

MAX_ORDER_QUANTITY = 10_000_000


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    OPEN = "open", _("Open")
    OFFERED = "offered", _("Offered")
    ACCEPTED = "accepted", _("Accepted")
    IN_PRODUCTION = "in_production", _("In production")
    SHIPPED = "shipped", _("Shipped")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


class OrderKind(models.TextChoices):
    SAMPLE = "sample", _("Sample (打样)")
    BULK = "bulk", _("Bulk (大货)")


class SampleDecision(models.TextChoices):
    PENDING = "", _("Not decided")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class OrderPriority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    RUSH = "rush", _("Rush")


class UnmatchedReason(models.TextChoices):
    NO_CAPABLE_FACTORY = "no_capable_factory", _("No capable factory")
    PRICE_BELOW_MARKET = "price_below_market", _("Price below market")
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range", _("Quantity out of range")
    DUE_DATE_TOO_SOON = "due_date_too_soon", _("Due date too soon")
    CAPACITY_FULL = "capacity_full", _("Capacity full")


EDITABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.OPEN)


class Order(models.Model):
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL, related_name="orders", on_delete=models.PROTECT
    )
    title = models.CharField(max_length=200)
    category = models.ForeignKey(
        "marketplace.ProductCategory", related_name="orders", on_delete=models.PROTECT
    )
    quantity = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_ORDER_QUANTITY)]
    )
    max_unit_price = models.DecimalField(
        "max unit price (CNY)",
        max_digits=10,
        decimal_places=2,
        validators=UNIT_PRICE_VALIDATORS,
    )
    due_date = models.DateField()
    ship_to_city = models.CharField(max_length=100)
    ship_to_latitude = models.FloatField(validators=LATITUDE_VALIDATORS)
    ship_to_longitude = models.FloatField(validators=LONGITUDE_VALIDATORS)
    notes = models.TextField(blank=True)
    allow_split = models.BooleanField(
        default=False, help_text="May be made by several factories, in lots of min_lot_quantity."
    )
    min_lot_quantity = models.PositiveIntegerField(
        "minimum lot", default=1, validators=[MinValueValidator(1)]
    )
    priority = models.CharField(
        max_length=10, choices=OrderPriority.choices, default=OrderPriority.NORMAL
    )
    kind = models.CharField(max_length=10, choices=OrderKind.choices, default=OrderKind.BULK)
    # a bulk order made like an approved sample: its factory is strongly preferred, or
    # required when the seller asks
    sample = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="bulk_orders",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": OrderKind.SAMPLE},
    )
    sample_factory_required = models.BooleanField("only the sample's factory", default=False)
    # a delivered sample order: the seller's verdict
    sample_decision = models.CharField(
        max_length=10, choices=SampleDecision.choices, default=SampleDecision.PENDING, blank=True
    )
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN, db_index=True
    )
    delivered_at = models.DateTimeField(null=True, blank=True)
    unmatched_reason = models.CharField(
        "last unmatched reason", max_length=40, choices=UnmatchedReason.choices, blank=True
    )
    # the smallest single change that would have matched it in the last run (see
    # docs/matching.md): {"max_unit_price": "12.50", "due_date": "...", "quantity": 400, ...}
    relax_suggestion = models.JSONField("what to relax", default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(quantity__gte=1) & Q(quantity__lte=MAX_ORDER_QUANTITY),
                name="order_quantity_range",
            ),
            models.CheckConstraint(condition=Q(max_unit_price__gt=0), name="order_price_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title} x{self.quantity}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES

    @property
    def relax_suggestion_text(self) -> str:
        """The last run's what-to-relax suggestions in words (empty when there are none)."""
        s = self.relax_suggestion
        parts = []
        if "max_unit_price" in s:
            parts.append(f"a max unit price of {s['max_unit_price']} CNY")
        if "due_date" in s:
            parts.append(f"a due date of {s['due_date']}")
        if "quantity" in s:
            parts.append(f"a quantity of {s['quantity']}")
        return f"Would match with {' or '.join(parts)}." if parts else ""

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        """What may be done to the order now, by anyone (see orders/transitions.py)."""
        from orders.transitions import allowed_actions

        return allowed_actions(self)


class OrderEvent(models.Model):
    """One line of an order's history: a state change, or something that happened to it."""

    order = models.ForeignKey(Order, related_name="events", on_delete=models.CASCADE)
    # None: the system (a match run, an expiry)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, related_name="+", on_delete=models.SET_NULL
    )
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(max_length=20, choices=OrderStatus.choices)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.action}: {self.from_status} -> {self.to_status}"


class MilestoneKind(models.TextChoices):
    MATERIALS_READY = "materials_ready", _("Materials ready")
    PRODUCTION_STARTED = "production_started", _("Production started")
    QUALITY_PASSED = "quality_passed", _("Quality check passed")
    SHIPPED = "shipped", _("Shipped")


# the order in which a factory posts them, each once per accepted offer
MILESTONE_SEQUENCE = tuple(MilestoneKind)


class Milestone(models.Model):
    """Progress of one accepted offer (a factory's part of an order)."""

    assignment = models.ForeignKey(
        "matching.Assignment", related_name="milestones", on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=30, choices=MilestoneKind.choices)
    note = models.TextField(blank=True)
    photo = models.ImageField(upload_to="milestones/%Y/%m/", blank=True)
    carrier = models.CharField(max_length=100, blank=True)
    tracking_number = models.CharField(max_length=100, blank=True)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["assignment", "kind"], name="one_milestone_of_a_kind_per_assignment"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (offer #{self.assignment_id})"


class DelayStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the seller")
    ACCEPTED = "accepted", _("Accepted by the seller")
    DECLINED = "declined", _("Order cancelled by the seller")


class Delay(models.Model):
    """A factory's notice that its part will finish later than planned."""

    assignment = models.ForeignKey(
        "matching.Assignment", related_name="delays", on_delete=models.CASCADE
    )
    previous_finish = models.DateField()
    new_finish = models.DateField()
    reason = models.TextField()
    status = models.CharField(
        max_length=20, choices=DelayStatus.choices, default=DelayStatus.PENDING
    )
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, related_name="+", on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
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
        return f"Delay of offer #{self.assignment_id} to {self.new_finish} ({self.status})"

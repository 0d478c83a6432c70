"""Production orders posted by sellers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from factories.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS, UNIT_PRICE_VALIDATORS

MAX_ORDER_QUANTITY = 10_000_000


class OrderStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    OPEN = "open", "Open"
    OFFERED = "offered", "Offered"
    ACCEPTED = "accepted", "Accepted"
    CANCELLED = "cancelled", "Cancelled"


class OrderPriority(models.TextChoices):
    NORMAL = "normal", "Normal"
    RUSH = "rush", "Rush"


class UnmatchedReason(models.TextChoices):
    NO_CAPABLE_FACTORY = "no_capable_factory", "No capable factory"
    PRICE_BELOW_MARKET = "price_below_market", "Price below market"
    QUANTITY_OUT_OF_RANGE = "quantity_out_of_range", "Quantity out of range"
    DUE_DATE_TOO_SOON = "due_date_too_soon", "Due date too soon"
    CAPACITY_FULL = "capacity_full", "Capacity full"


EDITABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.OPEN)
CANCELLABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.OPEN, OrderStatus.OFFERED)


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
    status = models.CharField(
        max_length=20, choices=OrderStatus.choices, default=OrderStatus.OPEN, db_index=True
    )
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
    def is_cancellable(self) -> bool:
        return self.status in CANCELLABLE_STATUSES

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
        actions: list[str] = []
        if self.is_editable:
            actions.append("edit")
        if self.status == OrderStatus.DRAFT:
            actions += ["open", "delete"]
        if self.is_cancellable:
            actions.append("cancel")
        return tuple(actions)

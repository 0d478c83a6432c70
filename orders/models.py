"""Production orders posted by sellers."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from factories.models import LATITUDE_VALIDATORS, LONGITUDE_VALIDATORS, UNIT_PRICE_VALIDATORS
from marketplace.messages import order_event_texts

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
    FACTORY_ON_PROBATION = "factory_on_probation", _("Over the limits of new factories")
    DUE_DATE_TOO_SOON = "due_date_too_soon", _("Due date too soon")
    CAPACITY_FULL = "capacity_full", _("Capacity full")
    POOL_TOO_SMALL = "pool_too_small", _("Pool below the factory's minimum")


EDITABLE_STATUSES = (OrderStatus.DRAFT, OrderStatus.OPEN)


class Order(models.Model):
    seller = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="orders",
        on_delete=models.PROTECT,
        verbose_name=_("seller"),
    )
    title = models.CharField(_("title"), max_length=200)
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        related_name="orders",
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    quantity = models.PositiveIntegerField(
        _("quantity"), validators=[MinValueValidator(1), MaxValueValidator(MAX_ORDER_QUANTITY)]
    )
    max_unit_price = models.DecimalField(
        _("max unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=UNIT_PRICE_VALIDATORS,
    )
    due_date = models.DateField(_("due date"))
    ship_to_city = models.CharField(_("ship to city"), max_length=100)
    ship_to_latitude = models.FloatField(_("ship to latitude"), validators=LATITUDE_VALIDATORS)
    ship_to_longitude = models.FloatField(_("ship to longitude"), validators=LONGITUDE_VALIDATORS)
    notes = models.TextField(_("notes"), blank=True)
    allow_split = models.BooleanField(
        _("allow split"),
        default=False,
        help_text=_("May be made by several factories, in lots of min_lot_quantity."),
    )
    min_lot_quantity = models.PositiveIntegerField(
        _("minimum lot"), default=1, validators=[MinValueValidator(1)]
    )
    # below a factory's minimum order quantity, the order may share one production lot with
    # other orders of the category (拼单, docs/lifecycle.md#pooling-拼单); a whole order only
    allows_pooling = models.BooleanField(
        _("allows pooling"),
        default=False,
        help_text=_(
            "Below a factory's minimum, it may be made in one lot with other sellers' orders."
        ),
    )
    priority = models.CharField(
        _("priority"), max_length=10, choices=OrderPriority.choices, default=OrderPriority.NORMAL
    )
    kind = models.CharField(
        _("kind"), max_length=10, choices=OrderKind.choices, default=OrderKind.BULK
    )
    # a bulk order made like an approved sample, or like a delivered bulk order (a reorder,
    # 返单): that order's factory is strongly preferred, or required when the seller asks
    # (orders/services.py checks which orders may be named)
    sample = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="bulk_orders",
        on_delete=models.PROTECT,
        verbose_name=_("sample"),
    )
    sample_factory_required = models.BooleanField(_("only the sample's factory"), default=False)
    # a sample order: the bulk quantity expected after it, held at the sample's factory while
    # the sample is made (打样锁产能; matching/selectors.py, SAMPLE_HOLD_DAYS)
    bulk_quantity_expected = models.PositiveIntegerField(
        _("expected bulk quantity"), null=True, blank=True
    )
    # a delivered sample order: the seller's verdict
    sample_decision = models.CharField(
        _("sample decision"),
        max_length=10,
        choices=SampleDecision.choices,
        default=SampleDecision.PENDING,
        blank=True,
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OrderStatus.choices,
        default=OrderStatus.OPEN,
        db_index=True,
    )
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    unmatched_reason = models.CharField(
        _("last unmatched reason"), max_length=40, choices=UnmatchedReason.choices, blank=True
    )
    # the smallest single change that would have matched it in the last run (see
    # docs/matching.md): {"max_unit_price": "12.50", "due_date": "...", "quantity": 400, ...}
    relax_suggestion = models.JSONField(_("what to relax"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
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
            parts.append(
                gettext("a max unit price of %(price)s CNY") % {"price": s["max_unit_price"]}
            )
        if "due_date" in s:
            parts.append(gettext("a due date of %(date)s") % {"date": s["due_date"]})
        if "quantity" in s:
            parts.append(gettext("a quantity of %(quantity)s") % {"quantity": s["quantity"]})
        if s.get("allow_pooling"):
            parts.append(gettext("pooling allowed"))
        pool = ""
        if "pool_units_needed" in s:
            pool = gettext("Its pool needs %(units)s more units.") % {
                "units": s["pool_units_needed"]
            }
        if not parts:
            return pool
        either = gettext(" or ").join(parts)
        text = gettext("Would match with %(change)s.") % {"change": either}
        return f"{text} {pool}" if pool else text

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        """What may be done to the order now, by anyone (see orders/transitions.py)."""
        from orders.transitions import allowed_actions

        return allowed_actions(self)


class OrderEventAction(models.TextChoices):
    """What an order's history line records (orders/transitions.py and the services)."""

    CREATE = "create", _("Created")
    EDIT = "edit", _("Edited")
    OPEN = "open", _("Opened")
    OFFER = "offer", _("Offered to factories")
    REOPEN = "reopen", _("Waiting again")
    ACCEPT_PART = "accept_part", _("Part accepted by a factory")
    ACCEPT = "accept", _("Accepted by the factory")
    OFFER_LOST = "offer_lost", _("Offer lost")
    COUNTER = "counter", _("Counter-offer made")
    ACCEPT_COUNTER = "accept_counter", _("Counter-offer accepted")
    REJECT_COUNTER = "reject_counter", _("Counter-offer rejected")
    EXPIRE_COUNTER = "expire_counter", _("Counter-offer expired")
    START_PRODUCTION = "start_production", _("Production started")
    SHIP = "ship", _("Shipped")
    CONFIRM_DELIVERY = "confirm_delivery", _("Delivery confirmed")
    CANCEL = "cancel", _("Cancelled")
    CANCEL_AFTER_DELAY = "cancel_after_delay", _("Cancelled after a delay")
    DELAY_REPORTED = "delay_reported", _("Delay reported")
    DELAY_ACCEPTED = "delay_accepted", _("Delay accepted")
    RATE = "rate", _("Rated")
    APPROVE_SAMPLE = "approve_sample", _("Sample approved")
    REJECT_SAMPLE = "reject_sample", _("Sample rejected")
    REORDER = "reorder", _("Reordered")
    DISPUTE_OPENED = "dispute_opened", _("Dispute opened")
    DISPUTE_ANSWERED = "dispute_answered", _("Dispute answered")
    DISPUTE_RESOLVED = "dispute_resolved", _("Dispute resolved")
    STANDBY_PROPOSED = "standby_proposed", _("Standby factory proposed")
    STANDBY_SWITCHED = "standby_switched", _("Part moved to a standby factory")
    STANDBY_DECLINED = "standby_declined", _("Standby factory declined")
    REOPEN_REST = "reopen_rest", _("Waiting again for the rest")
    POOLED = "pooled", _("Pooled with other orders")
    MILESTONE_MATERIALS_READY = "milestone_materials_ready", _("Materials ready")
    MILESTONE_PRODUCTION_STARTED = "milestone_production_started", _("Production started")
    MILESTONE_QUALITY_PASSED = "milestone_quality_passed", _("Quality check passed")
    MILESTONE_SHIPPED = "milestone_shipped", _("Shipped")


class OrderEvent(models.Model):
    """One line of an order's history: a state change, or something that happened to it."""

    order = models.ForeignKey(
        Order, related_name="events", on_delete=models.CASCADE, verbose_name=_("order")
    )
    # None: the system (a match run, an expiry)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.SET_NULL,
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=40, choices=OrderEventAction.choices)
    from_status = models.CharField(_("from status"), max_length=20, choices=OrderStatus.choices)
    to_status = models.CharField(_("to status"), max_length=20, choices=OrderStatus.choices)
    # what happened (ids, quantities, ISO dates, names as given): rendered when read
    # (marketplace/messages.py)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("order event")
        verbose_name_plural = _("order events")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return gettext("#%(order)s %(action)s: %(from)s → %(to)s") % {
            "order": self.order_id,
            "action": self.get_action_display(),
            "from": self.get_from_status_display(),
            "to": self.get_to_status_display(),
        }

    @property
    def note(self) -> str:
        """What happened, in the active language."""
        return order_event_texts.render(self.action, self.params)


class MilestoneKind(models.TextChoices):
    MATERIALS_READY = "materials_ready", _("Materials ready")
    PRODUCTION_STARTED = "production_started", _("Production started")
    QUALITY_PASSED = "quality_passed", _("Quality check passed")
    SHIPPED = "shipped", _("Shipped")


# the order in which a factory posts them, each once per accepted part; the ``Milestone``
# rows are production's (production/models.py), the kinds are part of the order's history
MILESTONE_SEQUENCE = tuple(MilestoneKind)

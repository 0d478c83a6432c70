"""Factories, what they can make, and the idle capacity they post."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

LATITUDE_VALIDATORS = [MinValueValidator(-90), MaxValueValidator(90)]
# A unit price above this is a typo, and would make the optimizer's sums overflow.
MAX_UNIT_PRICE = Decimal("100000.00")
UNIT_PRICE_VALIDATORS = [MinValueValidator(Decimal("0.01")), MaxValueValidator(MAX_UNIT_PRICE)]
LONGITUDE_VALIDATORS = [MinValueValidator(-180), MaxValueValidator(180)]


class Factory(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        related_name="factories",
        on_delete=models.PROTECT,
        verbose_name=_("owner"),
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    city = models.CharField(_("city"), max_length=100)
    province = models.CharField(_("province"), max_length=100)
    latitude = models.FloatField(_("latitude"), validators=LATITUDE_VALIDATORS)
    longitude = models.FloatField(_("longitude"), validators=LONGITUDE_VALIDATORS)
    min_order_quantity = models.PositiveIntegerField(_("min order quantity"), default=1)
    max_order_quantity = models.PositiveIntegerField(_("max order quantity"), default=1_000_000)
    certifications = models.JSONField(_("certifications"), default=list, blank=True)
    verified = models.BooleanField(_("verified"), default=False)
    active = models.BooleanField(_("active"), default=True)
    # 0..5, the smoothed average quality rating of recent orders (production/scores.py)
    quality_score = models.DecimalField(
        _("quality score"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("4.00"),
        validators=[MinValueValidator(0), MaxValueValidator(5)],
    )
    # 0..1, smoothed share of recent orders delivered on time (production/scores.py)
    on_time_rate = models.DecimalField(
        _("on time rate"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.900"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # delivered orders in the scores' window, and when the scores were last computed
    scored_orders = models.PositiveIntegerField(_("scored orders"), default=0, editable=False)
    scores_updated_at = models.DateTimeField(
        _("scores updated at"), null=True, blank=True, editable=False
    )
    # auto-pause: offers let expire one after another stop new offers until the owner resumes
    expired_offers_in_a_row = models.PositiveIntegerField(
        _("expired offers in a row"), default=0, editable=False
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True, editable=False)
    pause_reason = models.CharField(_("pause reason"), max_length=300, blank=True, editable=False)
    # probation (factories/probation.py): parts delivered on time without an upheld dispute,
    # counted by production; probation ends (for good) when they reach PROBATION_ORDERS
    probation_clean_deliveries = models.PositiveIntegerField(
        _("on-time deliveries without upheld disputes"), default=0, editable=False
    )
    probation_ended_at = models.DateTimeField(
        _("probation ended at"), null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("factory")
        verbose_name_plural = _("factories")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(min_order_quantity__gte=1)
                & Q(max_order_quantity__gte=F("min_order_quantity")),
                name="factory_order_quantity_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None

    @property
    def allowed_actions(self) -> tuple[str, ...]:
        return ("resume",) if self.is_paused else ()

    @property
    def on_time_percent(self) -> int:
        return round(float(self.on_time_rate) * 100)

    @property
    def quality_percent(self) -> int:
        """Quality on a 0..100 integer scale, as the solver expects."""
        return round(float(self.quality_score) * 20)


class FactoryCapability(models.Model):
    factory = models.ForeignKey(
        Factory, related_name="capabilities", on_delete=models.CASCADE, verbose_name=_("factory")
    )
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        related_name="capabilities",
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    unit_price = models.DecimalField(
        _("unit price (CNY)"),
        max_digits=10,
        decimal_places=2,
        validators=UNIT_PRICE_VALIDATORS,
    )
    daily_output = models.PositiveIntegerField(_("daily output"), validators=[MinValueValidator(1)])
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # The track record (production/track_record.py), learned from the factory's finished
    # parts in this category, shrunk towards the marketplace's; written with update(), so
    # learning is not an edit a running match must re-check. Empty until learned.
    # Days from accepting an offer to shipping the part, and days shipped after the finish
    # promised at acceptance (0 when on time), at the median and the 90th percentile.
    lead_p50_days = models.PositiveIntegerField(
        _("lead time P50 (days)"), null=True, blank=True, editable=False
    )
    lead_p90_days = models.PositiveIntegerField(
        _("lead time P90 (days)"), null=True, blank=True, editable=False
    )
    delay_p50_days = models.PositiveIntegerField(
        _("delay P50 (days)"), null=True, blank=True, editable=False
    )
    delay_p90_days = models.PositiveIntegerField(
        _("delay P90 (days)"), null=True, blank=True, editable=False
    )
    shipped_parts = models.PositiveIntegerField(_("shipped parts"), default=0, editable=False)
    # units a day its parts actually achieved between "production started" and "quality
    # check passed" (units over the days on which any part was in production)
    demonstrated_daily_output = models.PositiveIntegerField(
        _("demonstrated daily output"), null=True, blank=True, editable=False
    )
    measured_parts = models.PositiveIntegerField(_("measured parts"), default=0, editable=False)
    track_record_updated_at = models.DateTimeField(
        _("track record updated at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("factory capability")
        verbose_name_plural = _("factory capabilities")
        ordering = ["factory_id", "category_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["factory", "category"], name="one_capability_per_factory_category"
            ),
            models.CheckConstraint(condition=Q(unit_price__gt=0), name="capability_price_positive"),
            models.CheckConstraint(
                condition=Q(daily_output__gt=0), name="capability_output_positive"
            ),
        ]

    def planning_daily_output(self, min_parts: int) -> int | None:
        """The demonstrated daily output once ``min_parts`` parts measured it, never above the
        declared one; None while the declared figure stands."""
        if self.demonstrated_daily_output is None or self.measured_parts < min_parts:
            return None
        return min(self.demonstrated_daily_output, self.daily_output)

    def __str__(self) -> str:
        return gettext("%(factory)s: %(category)s at %(price)s CNY") % {
            "factory": self.factory.name,
            "category": self.category.display_name,
            "price": self.unit_price,
        }


class CapacityWindow(models.Model):
    """A stretch of days on which a factory offers ``units_per_day`` of one category.

    ``total_units``, ``booked_units`` and ``offered_units`` are owned by the system: the
    service keeps ``total_units`` equal to units_per_day x days. Matching holds units for
    the offers it makes (``offered_units``); the factory's acceptance books them
    (``booked_units``) with a conditional update that fails when they no longer fit. The
    check constraint makes over-booking impossible even if a bug slipped past the services.
    Offers are not bookings: the owner may shrink a window down to its booked units, and
    offers that then no longer fit cannot be accepted.
    """

    factory = models.ForeignKey(
        Factory, related_name="windows", on_delete=models.CASCADE, verbose_name=_("factory")
    )
    category = models.ForeignKey(
        "marketplace.ProductCategory",
        related_name="windows",
        on_delete=models.PROTECT,
        verbose_name=_("category"),
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    units_per_day = models.PositiveIntegerField(
        _("units per day"), validators=[MinValueValidator(1)]
    )
    total_units = models.PositiveIntegerField(_("total units"), editable=False)
    booked_units = models.PositiveIntegerField(_("booked units"), default=0, editable=False)
    offered_units = models.PositiveIntegerField(_("offered units"), default=0, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("capacity window")
        verbose_name_plural = _("capacity windows")
        ordering = ["factory_id", "category_id", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="window_end_not_before_start"
            ),
            models.CheckConstraint(condition=Q(units_per_day__gt=0), name="window_units_positive"),
            models.CheckConstraint(
                condition=Q(booked_units__lte=F("total_units")), name="window_not_overbooked"
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.factory.name} {self.category.display_name} {self.start_date}..{self.end_date}"
        )

    @property
    def days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def remaining_units(self) -> int:
        """Units neither booked nor held by an unanswered offer."""
        return max(0, self.total_units - self.booked_units - self.offered_units)

    @property
    def utilisation(self) -> float:
        return self.booked_units / self.total_units if self.total_units else 0.0

    def load_besides(self, units: int) -> float:
        """The share of the window taken by work, booked or offered, other than ``units`` of
        it (an offer's own held units), 0..1."""
        others = self.booked_units + self.offered_units - units
        return min(max(others / self.total_units, 0.0), 1.0) if self.total_units else 0.0

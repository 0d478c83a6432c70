from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.ids import ID_MAX
from marketplace.models import ProductCategory, User
from marketplace.serializers import CategoryNameField, PlaceField, place_fill
from matching.counters import NOTE_MAX_LENGTH
from matching.models import (
    Assignment,
    Counter,
    CounterState,
    DeclineReason,
    MatchRun,
    PriceGuidance,
    SolverStatus,
    WhatIf,
    WhatIfKind,
)
from matching.selectors import (
    PoolSummary,
    offer_allowed_actions,
    pool_summaries,
    seller_assignment_allowed_actions,
)
from orders.models import MAX_ORDER_QUANTITY, OrderPriority, UnmatchedReason
from orders.selectors import seller_reliability


class MatchRunSerializer(serializers.ModelSerializer):
    # null for scheduled and automatic runs, and while a run has not finished
    requested_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        allow_null=True
    )
    duration_seconds = serializers.FloatField(read_only=True, allow_null=True)
    # the solver's status code; empty until the run has been solved
    solver_status = serializers.ChoiceField(
        choices=SolverStatus.choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = MatchRun
        fields = [
            "id",
            "status",
            "trigger",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "duration_seconds",
            "time_limit_seconds",
            "attempts",
            "open_orders",
            "candidate_pairs",
            "matched_orders",
            "matched_units",
            "moved_offers",
            "production_cost",
            "transport_cost",
            "objective",
            "best_bound",
            "value",
            "value_bound",
            "gap",
            "solver_status",
            "load_seconds",
            "build_seconds",
            "solve_seconds",
            "write_seconds",
            "error",
            "shard_stats",
        ]
        read_only_fields = fields


class CounterSerializer(serializers.ModelSerializer):
    """A factory's counter-offer: the terms it asks beside the offer's, and where it is."""

    state = serializers.ChoiceField(choices=CounterState.choices, read_only=True)

    class Meta:
        model = Counter
        fields = [
            "unit_price",
            "planned_finish",
            "offer_unit_price",
            "offer_finish",
            "note",
            "state",
            "created_at",
            "expires_at",
            "answered_at",
        ]
        read_only_fields = fields


class PoolSerializer(serializers.Serializer):
    orders = serializers.IntegerField(help_text="Orders sharing the lot (this one included)")
    units = serializers.IntegerField(help_text="Their units together")


class _AssignmentBase(serializers.ModelSerializer):
    # empty unless declined (a read-only model field loses allow_blank: say it here)
    decline_reason = serializers.ChoiceField(
        choices=DeclineReason.choices, read_only=True, allow_blank=True
    )
    # null unless the factory answered the offer with a counter-offer
    counter = CounterSerializer(source="counter_offer", read_only=True, allow_null=True)
    pool = serializers.SerializerMethodField(
        help_text="Pooling (拼单): null, or the lot this part shares with other orders below "
        "the factory's minimum: how many orders and their units together (nothing else "
        "about the others)"
    )

    @property
    def _pools_read(self) -> dict[str, PoolSummary | None]:
        found: dict[str, PoolSummary | None] = self.__dict__.setdefault("_pools", {})
        return found

    @extend_schema_field(PoolSerializer(allow_null=True))
    def get_pool(self, assignment: Assignment) -> dict[str, int] | None:
        if not assignment.pool_key:
            return None
        known = self._pools_read  # one query per pool a list shows
        if assignment.pool_key not in known:
            found = pool_summaries(keys=[assignment.pool_key])
            known[assignment.pool_key] = found.get(assignment.pool_key)
        pool = known[assignment.pool_key]
        return None if pool is None else {"orders": pool.orders, "units": pool.units}

    class Meta:
        model = Assignment
        fields = [
            "id",
            "run",
            "order",
            "factory",
            "window",
            "quantity",
            "unit_price",
            "distance_km",
            "transport_days",
            "transport_cost",
            "planned_start",
            "planned_finish",
            "status",
            "expires_at",
            "responded_at",
            "decline_reason",
            "decline_note",
            "promised_finish",
            "shipped_on",
            "delivered_on",
            "on_time",
            "quality_rating",
            "rating_comment",
            "created_at",
            "counter",
            "pool",
        ]
        read_only_fields = fields


class SellerReliabilitySerializer(serializers.Serializer):
    accepted_orders = serializers.IntegerField()
    cancelled_after_acceptance = serializers.IntegerField()
    percent = serializers.IntegerField(
        allow_null=True, help_text="Share of accepted orders the seller kept; null: no record yet."
    )


class OfferSerializer(_AssignmentBase):
    """What a factory owner sees: the order to make, where it goes, and when."""

    order_title = serializers.CharField(source="order.title", read_only=True)
    category = CategoryNameField(source="order.category.display_name")
    due_date = serializers.DateField(source="order.due_date", read_only=True)
    ship_to_city = serializers.CharField(source="order.ship_to_city", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    order_kind = serializers.CharField(source="order.kind", read_only=True)
    factory_name = serializers.CharField(source="factory.name", read_only=True)
    seller_reliability = serializers.SerializerMethodField()
    allowed_actions = serializers.SerializerMethodField()

    class Meta(_AssignmentBase.Meta):
        fields = [
            *_AssignmentBase.Meta.fields,
            "order_title",
            "category",
            "due_date",
            "ship_to_city",
            "order_status",
            "order_kind",
            "factory_name",
            "seller_reliability",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(SellerReliabilitySerializer)
    def get_seller_reliability(self, offer: Assignment) -> dict[str, object]:
        """The seller's record (share of accepted orders kept), so the factory can judge."""
        known = self.context.get("seller_reliability", {})
        found = known.get(offer.order.seller_id)
        if found is None:
            found = seller_reliability(seller_ids=[offer.order.seller_id])[offer.order.seller_id]
        return {
            "accepted_orders": found.accepted_orders,
            "cancelled_after_acceptance": found.cancelled_after_acceptance,
            "percent": found.percent,
        }

    def get_allowed_actions(self, offer: Assignment) -> list[str]:
        return list(offer_allowed_actions(offer))


class SellerAssignmentSerializer(_AssignmentBase):
    """What a seller sees: which factory makes the order, at what price, and when."""

    factory_name = serializers.CharField(source="factory.name", read_only=True)
    factory_city = serializers.CharField(source="factory.city", read_only=True)
    factory_quality_score = serializers.DecimalField(
        source="factory.quality_score", max_digits=3, decimal_places=2, read_only=True
    )
    ship_p50 = serializers.SerializerMethodField(
        help_text="The day the part ships with even odds (finish plus the factory's P50 delay)"
    )
    ship_p90 = serializers.SerializerMethodField(
        help_text="The day it ships by with nine chances in ten (finish plus its P90 delay)"
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta(_AssignmentBase.Meta):
        fields = [
            *_AssignmentBase.Meta.fields,
            "factory_name",
            "factory_city",
            "factory_quality_score",
            "ship_p50",
            "ship_p90",
            "allowed_actions",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_ship_p50(self, part: Assignment) -> dt.date | None:
        forecast = part.ship_forecast()
        return forecast[0] if forecast else None

    @extend_schema_field(serializers.DateField(allow_null=True))
    def get_ship_p90(self, part: Assignment) -> dt.date | None:
        forecast = part.ship_forecast()
        return forecast[1] if forecast else None

    def get_allowed_actions(self, assignment: Assignment) -> list[str]:
        """Answers the seller may give now (a waiting counter-offer: accept or reject)."""
        return list(seller_assignment_allowed_actions(assignment))


class OfferDeclineSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DeclineReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class CounterRequestSerializer(serializers.Serializer):
    """Other terms for an offer: a higher unit price and/or a later finish (at least one),
    within COUNTER_MAX_PRICE_INCREASE_PERCENT and COUNTER_MAX_EXTRA_DAYS of the offer's."""

    unit_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01"), required=False
    )
    planned_finish = serializers.DateField(required=False)
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("unit_price") is None and attrs.get("planned_finish") is None:
            raise serializers.ValidationError(
                {"unit_price": _("Give a higher unit price, a later finish, or both.")}
            )
        return attrs


class CounterAnswerSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False, allow_blank=True, max_length=NOTE_MAX_LENGTH, default=""
    )


class WhatIfRequestSerializer(serializers.Serializer):
    """A scenario to try. Each kind needs its fields (the others are ignored):
    factory_drop: factory or province, date_from; demand_up: category, percent (1..1000),
    date_from, date_to (orders due in those days); new_capacity: factory, category,
    units_per_day, date_from, date_to; price_change: factory and/or category, percent
    (-90..1000)."""

    kind = serializers.ChoiceField(choices=WhatIfKind.choices)
    factory = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True
    )
    province = serializers.CharField(max_length=100, required=False, allow_blank=True)
    category = serializers.IntegerField(
        min_value=1, max_value=ID_MAX, required=False, allow_null=True
    )
    percent = serializers.IntegerField(
        min_value=-1000, max_value=100_000, required=False, allow_null=True
    )
    units_per_day = serializers.IntegerField(
        min_value=1, max_value=1_000_000, required=False, allow_null=True
    )
    date_from = serializers.DateField(required=False, allow_null=True)
    date_to = serializers.DateField(required=False, allow_null=True)


class WhatIfSerializer(serializers.ModelSerializer):
    requested_by: serializers.StringRelatedField[User] = serializers.StringRelatedField(
        allow_null=True
    )

    class Meta:
        model = WhatIf
        fields = [
            "id",
            "kind",
            "parameters",
            "status",
            "requested_by",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "result",
        ]
        read_only_fields = fields


class QuoteRequestSerializer(serializers.Serializer):
    """An order as the order form has it so far: only what its quote depends on."""

    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    quantity = serializers.IntegerField(min_value=1, max_value=MAX_ORDER_QUANTITY)
    max_unit_price = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    due_date = serializers.DateField()
    ship_to_place = PlaceField(
        required=False,
        help_text='The ship-to city by code ("440300") or name ("深圳", "Shenzhen"); or give '
        "ship_to_latitude and ship_to_longitude.",
    )
    ship_to_latitude = serializers.FloatField(required=False, min_value=-90, max_value=90)
    ship_to_longitude = serializers.FloatField(required=False, min_value=-180, max_value=180)
    allow_split = serializers.BooleanField(required=False, default=False)
    min_lot_quantity = serializers.IntegerField(
        required=False, default=1, min_value=1, max_value=MAX_ORDER_QUANTITY
    )
    priority = serializers.ChoiceField(
        choices=OrderPriority.choices, required=False, default=OrderPriority.NORMAL
    )
    allows_pooling = serializers.BooleanField(required=False, default=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs = place_fill(
            attrs,
            place_field="ship_to_place",
            city="ship_to_city",
            latitude="ship_to_latitude",
            longitude="ship_to_longitude",
            required=False,
        )
        missing = [f for f in ("ship_to_latitude", "ship_to_longitude") if f not in attrs]
        if missing:
            raise serializers.ValidationError(
                {name: _("This field is required.") for name in missing}
                | {"ship_to_place": _("Name a city, or give the city and its coordinates.")}
            )
        attrs.pop("ship_to_city", None)
        return attrs


class QuotePriceRangeSerializer(serializers.Serializer):
    min = serializers.DecimalField(max_digits=12, decimal_places=2)
    max = serializers.DecimalField(max_digits=12, decimal_places=2)


class QuoteLeadTimeSerializer(serializers.Serializer):
    p50_days = serializers.IntegerField(
        allow_null=True, help_text="Days from acceptance to shipping, at the median."
    )
    p90_days = serializers.IntegerField(
        allow_null=True, help_text="Days within which nine parts in ten ship."
    )


class QuotePoolSerializer(serializers.Serializer):
    factories = serializers.IntegerField(
        help_text="When it fits nowhere alone: factories that could make it in a pool (拼单) "
        "with other sellers' small orders, being below their minimum."
    )
    minimum = serializers.IntegerField(
        allow_null=True, help_text="The smallest minimum order quantity among those factories."
    )


class QuoteSuggestionsSerializer(serializers.Serializer):
    max_unit_price = serializers.DecimalField(max_digits=12, decimal_places=2, allow_null=True)
    due_date = serializers.DateField(allow_null=True)
    quantity = serializers.IntegerField(allow_null=True)
    allow_split = serializers.BooleanField()
    allows_pooling = serializers.BooleanField()


class QuoteSerializer(serializers.Serializer):
    """What the free capacity says about the order (nothing is saved)."""

    fits = serializers.BooleanField(help_text="A match run of this order alone would match it.")
    reason = serializers.ChoiceField(
        choices=UnmatchedReason.choices,
        allow_null=True,
        help_text="Why it fits nowhere: the filter that removed its last window.",
    )
    factories_capable = serializers.IntegerField(
        help_text="Verified factories that make the category in this quantity."
    )
    factories_available = serializers.IntegerField(
        help_text="Of those, the ones with room for it at this price by this due date."
    )
    lowest_unit_price = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        allow_null=True,
        help_text="The lowest maximum unit price at which it fits by the due date.",
    )
    earliest_due_date = serializers.DateField(
        allow_null=True, help_text="The earliest due date at which it fits at this price."
    )
    price_range = QuotePriceRangeSerializer(
        allow_null=True, help_text="The capable factories' unit prices."
    )
    lead_time = QuoteLeadTimeSerializer(
        help_text="The middle of the learned lead times of the factories with room (P50, P90)."
    )
    pool = QuotePoolSerializer(help_text="What pooling (拼单) offers when it fits nowhere alone.")
    suggestions = QuoteSuggestionsSerializer(
        help_text="When it does not fit: each single change that would make it fit."
    )
    message = serializers.ListField(
        child=serializers.CharField(), help_text="The answer in words, in the request's language."
    )


class PriceGuidanceSerializer(serializers.ModelSerializer):
    """One price level of the latest run's advice for one of your windows with idle room: at
    ``unit_price`` these orders, left unmatched only because their price is below yours,
    would have fitted together in its idle days."""

    factory_name = serializers.CharField(source="factory.name", read_only=True)
    window_start = serializers.DateField(source="window.start_date", read_only=True)
    window_end = serializers.DateField(source="window.end_date", read_only=True)
    category = CategoryNameField(source="window.category.display_name")
    order_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)

    class Meta:
        model = PriceGuidance
        fields = [
            "id",
            "run",
            "factory",
            "factory_name",
            "window",
            "window_start",
            "window_end",
            "category",
            "current_unit_price",
            "idle_units",
            "unit_price",
            "orders",
            "units",
            "order_ids",
            "created_at",
        ]
        read_only_fields = fields

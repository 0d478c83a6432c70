from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from marketplace.models import ProductCategory, User
from marketplace.serializers import CategoryNameField, PlaceField, place_fill
from orders.models import (
    Order,
    OrderEvent,
    SampleDecision,
    UnmatchedReason,
)


class OwnSampleField(serializers.PrimaryKeyRelatedField):
    """An order of the requesting seller to make this one like: a sample, or a bulk order for
    a reorder (another seller's id: 400, does not exist; the service checks the rest)."""

    def get_queryset(self) -> QuerySet[Order]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Order.objects.none()
        return Order.objects.filter(seller=request.user)


class OrderSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    category_name = CategoryNameField(source="category.display_name")
    sample = OwnSampleField(required=False, allow_null=True)
    draft = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Create as a draft (not matched until opened).",
    )
    ship_to_place = PlaceField(
        write_only=True,
        required=False,
        help_text='The ship-to city by code ("440300") or name ("深圳", "Shenzhen"): fills '
        "ship_to_city and the coordinates. Or give ship_to_latitude and ship_to_longitude "
        "for a place outside the list.",
    )
    allowed_actions = serializers.ListField(child=serializers.CharField(), read_only=True)
    # both may be empty (a read-only model field loses allow_blank: say it here)
    unmatched_reason = serializers.ChoiceField(
        choices=UnmatchedReason.choices, read_only=True, allow_blank=True
    )
    sample_decision = serializers.ChoiceField(
        choices=SampleDecision.choices, read_only=True, allow_blank=True
    )

    class Meta:
        model = Order
        fields = [
            "id",
            "title",
            "category",
            "category_name",
            "quantity",
            "max_unit_price",
            "due_date",
            "ship_to_place",
            "ship_to_city",
            "ship_to_latitude",
            "ship_to_longitude",
            "notes",
            "priority",
            "allow_split",
            "min_lot_quantity",
            "allows_pooling",
            "kind",
            "sample",
            "sample_factory_required",
            "bulk_quantity_expected",
            "sample_decision",
            "status",
            "unmatched_reason",
            "relax_suggestion",
            "allowed_actions",
            "draft",
            "delivered_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "sample_decision",
            "unmatched_reason",
            "relax_suggestion",
            "delivered_at",
            "created_at",
            "updated_at",
        ]
        # filled from ship_to_place when it is given
        extra_kwargs = {
            "ship_to_city": {"required": False},
            "ship_to_latitude": {"required": False},
            "ship_to_longitude": {"required": False},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return place_fill(
            attrs,
            place_field="ship_to_place",
            city="ship_to_city",
            latitude="ship_to_latitude",
            longitude="ship_to_longitude",
            required=self.instance is None,
        )


class OrderEventSerializer(serializers.ModelSerializer):
    actor: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    note = serializers.CharField(
        read_only=True, help_text="What happened, in the request's language (may be empty)."
    )

    class Meta:
        model = OrderEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields


class CancelSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class ReorderSerializer(serializers.Serializer):
    quantity = serializers.IntegerField(min_value=1)
    due_date = serializers.DateField()
    factory_required = serializers.BooleanField(
        required=False,
        default=False,
        help_text="Only the factory that made the order (else it is preferred).",
    )
    draft = serializers.BooleanField(required=False, default=False)

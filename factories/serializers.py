from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import ProductCategory
from marketplace.serializers import CategoryNameField, PlaceField, place_fill


class OwnedFactoryField(serializers.PrimaryKeyRelatedField):
    """A factory id that must belong to the requesting user (else 400: does not exist)."""

    def get_queryset(self) -> QuerySet[Factory]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Factory.objects.none()
        return Factory.objects.filter(owner=request.user)


class FactorySerializer(serializers.ModelSerializer):
    certifications = serializers.ListField(
        child=serializers.CharField(max_length=60), required=False, max_length=30
    )
    is_paused = serializers.BooleanField(read_only=True)
    allowed_actions = serializers.ListField(child=serializers.CharField(), read_only=True)
    place = PlaceField(
        write_only=True,
        required=False,
        help_text='The factory\'s city by code ("330782") or name ("义乌", "Yiwu"): fills '
        "city, province and the coordinates. Or give latitude and longitude for a place "
        "outside the list.",
    )

    class Meta:
        model = Factory
        fields = [
            "id",
            "name",
            "description",
            "place",
            "city",
            "province",
            "latitude",
            "longitude",
            "min_order_quantity",
            "max_order_quantity",
            "certifications",
            "verified",
            "active",
            "quality_score",
            "on_time_rate",
            "scored_orders",
            "scores_updated_at",
            "is_paused",
            "paused_at",
            "pause_reason",
            "expired_offers_in_a_row",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "verified",
            "quality_score",
            "on_time_rate",
            "scored_orders",
            "scores_updated_at",
            "paused_at",
            "pause_reason",
            "expired_offers_in_a_row",
            "created_at",
            "updated_at",
        ]
        # filled from place when it is given
        extra_kwargs = {
            "city": {"required": False},
            "province": {"required": False},
            "latitude": {"required": False},
            "longitude": {"required": False},
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return place_fill(
            attrs,
            place_field="place",
            city="city",
            latitude="latitude",
            longitude="longitude",
            province="province",
            required=self.instance is None,
        )


class CapabilitySerializer(serializers.ModelSerializer):
    factory = OwnedFactoryField()
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    category_name = CategoryNameField(source="category.display_name")

    class Meta:
        model = FactoryCapability
        fields = [
            "id",
            "factory",
            "category",
            "category_name",
            "unit_price",
            "daily_output",
            # the track record (production/track_record.py), learned, read-only
            "demonstrated_daily_output",
            "measured_parts",
            "lead_p50_days",
            "lead_p90_days",
            "delay_p50_days",
            "delay_p90_days",
            "shipped_parts",
        ]
        read_only_fields = [
            "demonstrated_daily_output",
            "measured_parts",
            "lead_p50_days",
            "lead_p90_days",
            "delay_p50_days",
            "delay_p90_days",
            "shipped_parts",
        ]


class CapacityWindowSerializer(serializers.ModelSerializer):
    factory = OwnedFactoryField()
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    remaining_units = serializers.IntegerField(read_only=True)

    class Meta:
        model = CapacityWindow
        fields = [
            "id",
            "factory",
            "category",
            "start_date",
            "end_date",
            "units_per_day",
            "total_units",
            "booked_units",
            "offered_units",
            "remaining_units",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "total_units",
            "booked_units",
            "offered_units",
            "created_at",
            "updated_at",
        ]

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import serializers

from marketplace.models import ProductCategory, User
from marketplace.serializers import CategoryNameField
from matching.models import Assignment
from orders.models import (
    Delay,
    Milestone,
    MilestoneKind,
    Order,
    OrderEvent,
    OrderKind,
    SampleDecision,
    UnmatchedReason,
)


class OwnSampleField(serializers.PrimaryKeyRelatedField):
    """A sample order id of the requesting seller (another seller's id: 400, does not exist)."""

    def get_queryset(self) -> QuerySet[Order]:
        request = self.context.get("request")
        if request is None or not request.user.is_authenticated:
            return Order.objects.none()
        return Order.objects.filter(seller=request.user, kind=OrderKind.SAMPLE)


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
            "ship_to_city",
            "ship_to_latitude",
            "ship_to_longitude",
            "notes",
            "priority",
            "allow_split",
            "min_lot_quantity",
            "kind",
            "sample",
            "sample_factory_required",
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


class OrderEventSerializer(serializers.ModelSerializer):
    actor: serializers.StringRelatedField[User] = serializers.StringRelatedField()
    note = serializers.CharField(
        read_only=True, help_text="What happened, in the request's language (may be empty)."
    )

    class Meta:
        model = OrderEvent
        fields = ["id", "action", "from_status", "to_status", "actor", "note", "created_at"]
        read_only_fields = fields


class MilestoneSerializer(serializers.ModelSerializer):
    kind = serializers.ChoiceField(choices=MilestoneKind.choices)
    # checked by the service (format and size); any file is accepted here
    photo = serializers.FileField(required=False, allow_null=True, use_url=True)

    class Meta:
        model = Milestone
        fields = ["id", "kind", "note", "photo", "carrier", "tracking_number", "created_at"]
        read_only_fields = ["id", "created_at"]
        extra_kwargs = {
            "note": {"required": False, "max_length": 2000},
            "carrier": {"required": False},
            "tracking_number": {"required": False},
        }


class DelaySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delay
        fields = [
            "id",
            "assignment",
            "previous_finish",
            "new_finish",
            "reason",
            "status",
            "created_at",
            "decided_at",
        ]
        read_only_fields = [
            "id",
            "assignment",
            "previous_finish",
            "status",
            "created_at",
            "decided_at",
        ]


class OrderPartSerializer(serializers.ModelSerializer):
    """A factory's accepted part of an order, with its milestones and delays."""

    factory_name = serializers.CharField(source="factory.name", read_only=True)
    factory_city = serializers.CharField(source="factory.city", read_only=True)
    milestones = MilestoneSerializer(many=True, read_only=True)
    delays = DelaySerializer(many=True, read_only=True)
    planned_delivery = serializers.DateField(read_only=True)

    class Meta:
        model = Assignment
        fields = [
            "id",
            "factory",
            "factory_name",
            "factory_city",
            "quantity",
            "unit_price",
            "planned_start",
            "planned_finish",
            "promised_finish",
            "planned_delivery",
            "shipped_on",
            "delivered_on",
            "on_time",
            "quality_rating",
            "rating_comment",
            "milestones",
            "delays",
        ]
        read_only_fields = fields


class CancelSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class DelayDecisionSerializer(serializers.Serializer):
    delay = serializers.IntegerField(help_text="The id of the delay the factory reported.")


class RatingSerializer(serializers.Serializer):
    quality = serializers.IntegerField(min_value=1, max_value=5)
    comment = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    part = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The part (accepted offer) to rate; needed only when several factories "
        "made the order.",
    )


class SampleDecisionSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")

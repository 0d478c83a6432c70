"""Serializers of production: milestones, delays, a factory's part of an order, and the
seller's answers (a delay accepted, a part rated, a sample decided)."""

from __future__ import annotations

from rest_framework import serializers

from matching.models import Assignment
from orders.models import MilestoneKind
from production.models import (
    Delay,
    Dispute,
    DisputePhoto,
    DisputeReason,
    Milestone,
    StandbySwitch,
)


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


class DisputePhotoSerializer(serializers.ModelSerializer):
    class Meta:
        model = DisputePhoto
        fields = ["id", "photo"]
        read_only_fields = fields


class DisputeSerializer(serializers.ModelSerializer):
    """A dispute about a delivered part, as both sides read it."""

    part = serializers.IntegerField(source="assignment_id", read_only=True)
    order = serializers.IntegerField(source="assignment.order_id", read_only=True)
    factory_name = serializers.CharField(source="assignment.factory.name", read_only=True)
    photos = DisputePhotoSerializer(many=True, read_only=True)

    class Meta:
        model = Dispute
        fields = [
            "id",
            "part",
            "order",
            "factory_name",
            "reason",
            "text",
            "photos",
            "status",
            "answer",
            "answered_at",
            "refund_percent",
            "resolution_note",
            "resolved_at",
            "created_at",
        ]
        read_only_fields = fields


class DisputeOpenSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=DisputeReason.choices)
    text = serializers.CharField(max_length=2000, help_text="What is wrong with the goods.")
    part = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The part (accepted offer) disputed; needed only when several factories "
        "made the order.",
    )
    # checked by the service (format, size, pixels), as milestone photos
    photos = serializers.ListField(
        child=serializers.FileField(), required=False, default=list, max_length=5
    )


class DisputeAnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(max_length=2000)


class StandbySwitchSerializer(serializers.ModelSerializer):
    """A part in trouble and the standby factory proposed for it (production/standby.py)."""

    part_factory_name = serializers.CharField(source="part.factory.name", read_only=True)
    factory_name = serializers.CharField(source="factory.name", read_only=True)

    class Meta:
        model = StandbySwitch
        fields = [
            "id",
            "part",
            "part_factory_name",
            "trigger",
            "trigger_date",
            "factory",
            "factory_name",
            "quantity",
            "unit_price",
            "planned_finish",
            "status",
            "offer",
            "created_at",
            "decided_at",
        ]
        read_only_fields = fields


class StandbyDecisionSerializer(serializers.Serializer):
    switch = serializers.IntegerField(
        min_value=1, max_value=2**63 - 1, help_text="The id of the standby proposal."
    )

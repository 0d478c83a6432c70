from __future__ import annotations

from rest_framework import serializers

from matching.models import Assignment, MatchRun


class MatchRunSerializer(serializers.ModelSerializer):
    requested_by = serializers.StringRelatedField()
    duration_seconds = serializers.FloatField(read_only=True)

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


class _AssignmentBase(serializers.ModelSerializer):
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
            "created_at",
        ]
        read_only_fields = fields


class OfferSerializer(_AssignmentBase):
    """What a factory owner sees: the order to make, where it goes, and when."""

    order_title = serializers.CharField(source="order.title", read_only=True)
    category = serializers.CharField(source="order.category.name", read_only=True)
    due_date = serializers.DateField(source="order.due_date", read_only=True)
    ship_to_city = serializers.CharField(source="order.ship_to_city", read_only=True)
    factory_name = serializers.CharField(source="factory.name", read_only=True)

    class Meta(_AssignmentBase.Meta):
        fields = [
            *_AssignmentBase.Meta.fields,
            "order_title",
            "category",
            "due_date",
            "ship_to_city",
            "factory_name",
        ]
        read_only_fields = fields


class SellerAssignmentSerializer(_AssignmentBase):
    """What a seller sees: which factory makes the order, at what price, and when."""

    factory_name = serializers.CharField(source="factory.name", read_only=True)
    factory_city = serializers.CharField(source="factory.city", read_only=True)
    factory_quality_score = serializers.DecimalField(
        source="factory.quality_score", max_digits=3, decimal_places=2, read_only=True
    )

    class Meta(_AssignmentBase.Meta):
        fields = [
            *_AssignmentBase.Meta.fields,
            "factory_name",
            "factory_city",
            "factory_quality_score",
        ]
        read_only_fields = fields

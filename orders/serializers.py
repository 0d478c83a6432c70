from __future__ import annotations

from rest_framework import serializers

from marketplace.models import ProductCategory
from orders.models import Order


class OrderSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    category_name = serializers.CharField(source="category.name", read_only=True)
    draft = serializers.BooleanField(
        write_only=True,
        required=False,
        default=False,
        help_text="Create as a draft (not matched until opened).",
    )
    allowed_actions = serializers.ListField(child=serializers.CharField(), read_only=True)

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
            "status",
            "unmatched_reason",
            "relax_suggestion",
            "allowed_actions",
            "draft",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "status",
            "unmatched_reason",
            "relax_suggestion",
            "created_at",
            "updated_at",
        ]

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from marketplace.models import ProductCategory
from marketplace.serializers import CategoryNameField, PlaceField, place_fill
from orders.models import Order
from shops.models import Platform, Replenishment, Sale, ShopConnection, Sku
from shops.selectors import sku_demand


class ShopConnectionSerializer(serializers.ModelSerializer):
    platform = serializers.ChoiceField(choices=Platform.choices, default=Platform.GENERIC)
    webhook_url = serializers.SerializerMethodField(
        help_text="Where the shop sends its orders, signed with the secret"
    )

    class Meta:
        model = ShopConnection
        fields = ["id", "name", "platform", "webhook_url", "secret", "created_at"]
        read_only_fields = ["id", "webhook_url", "secret", "created_at"]

    def get_webhook_url(self, connection: ShopConnection) -> str:
        path = reverse("api:shop-webhook", kwargs={"token": connection.token})
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class SkuSerializer(serializers.ModelSerializer):
    category = serializers.PrimaryKeyRelatedField(queryset=ProductCategory.objects.all())
    category_name = CategoryNameField(source="category.display_name")
    made_like = serializers.PrimaryKeyRelatedField(
        queryset=Order.objects.all(), required=False, allow_null=True
    )
    ship_to_place = PlaceField(write_only=True, required=False)
    demand = serializers.SerializerMethodField()

    class Meta:
        model = Sku
        fields = [
            "id",
            "code",
            "title",
            "category",
            "category_name",
            "made_like",
            "lot_size",
            "max_unit_price",
            "ship_to_place",
            "ship_to_city",
            "ship_to_latitude",
            "ship_to_longitude",
            "stock_on_hand",
            "stock_counted_at",
            "demand",
        ]
        read_only_fields = ["id", "stock_counted_at", "demand"]
        # given as ship_to_place, or all three (validate)
        extra_kwargs = {
            "ship_to_city": {"required": False},
            "ship_to_latitude": {"required": False},
            "ship_to_longitude": {"required": False},
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None and "made_like" in self.fields:
            field: Any = self.fields["made_like"]
            field.queryset = Order.objects.filter(seller_id=request.user.pk)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        return place_fill(
            attrs,
            place_field="ship_to_place",
            city="ship_to_city",
            latitude="ship_to_latitude",
            longitude="ship_to_longitude",
            required=self.instance is None,
        )

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "units_per_day": {"type": "string"},
                "stock_left": {"type": "integer"},
                "stock_out_on": {"type": "string", "format": "date", "nullable": True},
            },
        }
    )
    def get_demand(self, sku: Sku) -> dict[str, Any]:
        demand = sku_demand(sku=sku, today=timezone.localdate())
        return {
            "units_per_day": str(demand.units_per_day),
            "stock_left": demand.stock_left,
            "stock_out_on": demand.stock_out_on.isoformat() if demand.stock_out_on else None,
        }


class SkuStockSerializer(serializers.Serializer):
    stock_on_hand = serializers.IntegerField(min_value=0, max_value=2_000_000_000)


class SaleSerializer(serializers.ModelSerializer):
    connection_name = serializers.CharField(source="connection.name", read_only=True)

    class Meta:
        model = Sale
        fields = [
            "id",
            "connection",
            "connection_name",
            "platform_order_id",
            "sku_code",
            "quantity",
            "sold_at",
        ]
        read_only_fields = fields


class SalesImportSerializer(serializers.Serializer):
    file = serializers.FileField()


class ReplenishmentSerializer(serializers.ModelSerializer):
    sku_code = serializers.CharField(source="sku.code", read_only=True)
    order_status = serializers.CharField(source="order.status", read_only=True)
    quantity = serializers.IntegerField(source="order.quantity", read_only=True)
    due_date = serializers.DateField(source="order.due_date", read_only=True)

    class Meta:
        model = Replenishment
        fields = [
            "id",
            "sku",
            "sku_code",
            "order",
            "order_status",
            "quantity",
            "due_date",
            "units_per_day",
            "stock_left",
            "stock_out_on",
            "lead_p90_days",
            "created_at",
        ]
        read_only_fields = fields

"""Staff see every shop connection, SKU, sale and drafted replenishment (read-only: sellers
and their shops write them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from shops.models import Replenishment, Sale, ShopConnection, Sku, WebhookDelivery


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ShopConnection)
class ShopConnectionAdmin(ReadOnlyAdmin):
    list_display = ("name", "seller", "platform", "created_at")
    list_filter = ("platform",)
    search_fields = ("name", "seller__username")
    exclude = ("secret",)


@admin.register(Sku)
class SkuAdmin(ReadOnlyAdmin):
    list_display = ("code", "title", "seller", "category", "stock_on_hand", "lot_size")
    search_fields = ("code", "title", "seller__username")


@admin.register(Sale)
class SaleAdmin(ReadOnlyAdmin):
    list_display = ("platform_order_id", "sku_code", "quantity", "sold_at", "connection")
    search_fields = ("platform_order_id", "sku_code")
    date_hierarchy = "sold_at"


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ("platform_order_id", "connection", "duplicate", "received_at")
    list_filter = ("duplicate",)


@admin.register(Replenishment)
class ReplenishmentAdmin(ReadOnlyAdmin):
    list_display = ("sku", "order", "stock_out_on", "lead_p90_days", "created_at")

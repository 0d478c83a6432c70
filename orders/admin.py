"""Admin for production orders (writes through the services; status is the system's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from marketplace.admin import (
    CategoryFieldMixin,
    LeafCategoryListFilter,
    ServiceModelAdmin,
    call_reporting_broker_errors,
    changed_values,
)
from marketplace.errors import Conflict
from matching.admin import OrderAssignmentInline
from orders.models import Order, OrderStatus
from orders.services import (
    ORDER_EDITABLE_FIELDS,
    order_cancel,
    order_create,
    order_delete,
    order_open,
    order_update,
)


class OrderAddForm(forms.ModelForm):
    draft = forms.BooleanField(
        label="Save as draft",
        required=False,
        help_text="A draft is not matched until it is opened.",
    )


class DueDateFilter(admin.SimpleListFilter):
    title = "due date"
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            ("past", "Past"),
            ("7", "Within 7 days"),
            ("30", "In 8 to 30 days"),
            ("later", "Later than 30 days"),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Order]) -> QuerySet[Order]:
        today = timezone.localdate()
        week, month = today + dt.timedelta(days=7), today + dt.timedelta(days=30)
        match self.value():
            case "past":
                return queryset.filter(due_date__lt=today)
            case "7":
                return queryset.filter(due_date__gte=today, due_date__lte=week)
            case "30":
                return queryset.filter(due_date__gt=week, due_date__lte=month)
            case "later":
                return queryset.filter(due_date__gt=month)
        return queryset


@admin.register(Order)
class OrderAdmin(CategoryFieldMixin, ServiceModelAdmin):
    list_display = (
        "id",
        "title",
        "seller",
        "category",
        "quantity",
        "max_unit_price",
        "due_date",
        "priority",
        "status",
        "unmatched_reason",
        "created_at",
    )
    list_display_links = ("id", "title")
    list_filter = (
        "status",
        "priority",
        ("category", LeafCategoryListFilter),
        "unmatched_reason",
        DueDateFilter,
    )
    search_fields = ("title", "seller__username", "seller__company_name", "ship_to_city")
    date_hierarchy = "created_at"
    list_select_related = ("seller", "category__parent")
    autocomplete_fields = ("seller", "category")
    show_full_result_count = False
    actions = ("open_drafts", "cancel_orders")
    inlines = (OrderAssignmentInline,)
    fieldsets = (
        (None, {"fields": ("seller", "title", "category", "notes")}),
        (
            "Quantity, price and date",
            {
                "fields": (
                    ("quantity", "max_unit_price"),
                    ("due_date", "priority"),
                    ("allow_split", "min_lot_quantity"),
                )
            },
        ),
        ("Ship to", {"fields": ("ship_to_city", ("ship_to_latitude", "ship_to_longitude"))}),
        (
            "Matching (kept by the system)",
            {
                "fields": (
                    ("status", "unmatched_reason"),
                    "what_to_relax",
                    ("created_at", "updated_at"),
                )
            },
        ),
    )
    system_fields = ("status", "unmatched_reason", "what_to_relax", "created_at", "updated_at")

    @admin.display(description="what to relax")
    def what_to_relax(self, order: Order) -> str:
        return order.relax_suggestion_text or "-"

    def get_form(
        self, request: HttpRequest, obj: Order | None = None, change: bool = False, **kwargs: Any
    ) -> type[forms.ModelForm]:
        if obj is None:
            kwargs["form"] = OrderAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fieldsets(self, request: HttpRequest, obj: Order | None = None) -> Any:
        if obj is None:
            return (*self.fieldsets[:3], ("Publish", {"fields": ("draft",)}))
        return self.fieldsets

    def get_inlines(self, request: HttpRequest, obj: Order | None) -> Any:
        return () if obj is None else self.inlines

    def get_readonly_fields(self, request: HttpRequest, obj: Order | None = None) -> Any:
        return self.system_fields if obj is None else ("seller", *self.system_fields)

    def has_change_permission(self, request: HttpRequest, obj: Order | None = None) -> bool:
        # offered, accepted and cancelled orders are shown read-only
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.is_editable)

    def can_delete(self, obj: Order) -> bool:
        # anything a match run may have seen is cancelled instead
        return obj.status == OrderStatus.DRAFT

    def create_object(self, request: HttpRequest, data: Mapping[str, Any]) -> Order:
        return order_create(
            seller=data["seller"],
            title=data["title"],
            category=data["category"],
            quantity=data["quantity"],
            max_unit_price=data["max_unit_price"],
            due_date=data["due_date"],
            ship_to_city=data["ship_to_city"],
            ship_to_latitude=data["ship_to_latitude"],
            ship_to_longitude=data["ship_to_longitude"],
            notes=data.get("notes", ""),
            priority=data["priority"],
            allow_split=bool(data.get("allow_split")),
            min_lot_quantity=data.get("min_lot_quantity") or 1,
            draft=bool(data.get("draft")),
        )

    def update_object(
        self, request: HttpRequest, obj: Order, data: Mapping[str, Any], changed: list[str]
    ) -> Order:
        return order_update(order=obj, data=changed_values(data, changed, ORDER_EDITABLE_FIELDS))

    def delete_object(self, request: HttpRequest, obj: Order) -> None:
        order_delete(order=obj)

    @admin.action(description="Open selected drafts", permissions=["change"])
    def open_drafts(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset.filter(status=OrderStatus.DRAFT), order_open, "opened")

    @admin.action(description="Cancel selected orders", permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(request, queryset, order_cancel, "cancelled")

    def _apply(
        self, request: HttpRequest, queryset: QuerySet[Order], service: Any, done: str
    ) -> None:
        changed, refused = 0, []
        for order in queryset.order_by("pk"):
            try:
                outcome = call_reporting_broker_errors(
                    self,
                    request,
                    lambda order=order: service(order=order),
                    done=f"Order #{order.pk} was {done}",
                )
            except (Conflict, ValidationError) as exc:
                text = exc.message if isinstance(exc, Conflict) else "; ".join(exc.messages)
                refused.append(f"#{order.pk}: {text}")
                continue
            if outcome is not None:
                changed += 1
        if changed:
            noun = "order" if changed == 1 else "orders"
            self.message_user(request, f"{changed} {noun} {done}.", messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.WARNING)
        if not changed and not refused:
            self.message_user(
                request, f"None of the selected orders could be {done}.", messages.WARNING
            )

"""Admin for production orders (writes through the services; status is the system's)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from django import forms
from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from marketplace.admin import (
    CategoryFieldMixin,
    LeafCategoryListFilter,
    ReadOnlyInline,
    ServiceModelAdmin,
    admin_user,
    apply_service_to_each,
    changed_values,
)
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import (
    ORDER_EDITABLE_FIELDS,
    order_cancel,
    order_create,
    order_delete,
    order_open,
    order_update,
)


class OrderEventInline(ReadOnlyInline):
    """The order's history, oldest first: every state change and what happened."""

    model = OrderEvent
    verbose_name_plural = _("history")
    fields = ("created_at", "action", "from_status", "to_status", "actor", "note_text")

    @admin.display(description=_("note"))
    def note_text(self, event: OrderEvent) -> str:
        """Rendered from the action and parameters in the staff member's language."""
        return event.note


class OrderAddForm(forms.ModelForm):
    draft = forms.BooleanField(
        label=_("Save as draft"),
        required=False,
        help_text=_("A draft is not matched until it is opened."),
    )


class DueDateFilter(admin.SimpleListFilter):
    title = _("due date")
    parameter_name = "due"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            ("past", _("Past")),
            ("7", _("Within 7 days")),
            ("30", _("In 8 to 30 days")),
            ("later", _("Later than 30 days")),
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
        "allows_pooling",
        DueDateFilter,
    )
    search_fields = ("title", "seller__username", "seller__company_name", "ship_to_city")
    date_hierarchy = "created_at"
    list_select_related = ("seller", "category__parent")
    autocomplete_fields = ("seller", "category")
    show_full_result_count = False
    # production/admin.py adds delivery, samples and delays to the same page
    actions: tuple[str, ...] = ("open_drafts", "cancel_orders")
    inlines = (OrderEventInline,)
    fieldsets = (
        (None, {"fields": ("seller", "title", "category", "notes")}),
        (
            _("Quantity, price and date"),
            {
                "fields": (
                    ("quantity", "max_unit_price"),
                    ("due_date", "priority"),
                    ("allow_split", "min_lot_quantity", "allows_pooling"),
                )
            },
        ),
        (_("Ship to"), {"fields": ("ship_to_city", ("ship_to_latitude", "ship_to_longitude"))}),
        (_("Sample or bulk"), {"fields": (("kind", "sample_factory_required"), "sample")}),
        (
            _("Matching (kept by the system)"),
            {
                "fields": (
                    ("status", "unmatched_reason"),
                    "what_to_relax",
                    ("sample_decision", "delivered_at"),
                    ("created_at", "updated_at"),
                )
            },
        ),
    )
    system_fields = (
        "status",
        "unmatched_reason",
        "what_to_relax",
        "sample_decision",
        "delivered_at",
        "created_at",
        "updated_at",
    )

    @admin.display(description=_("what to relax"))
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
            return (*self.fieldsets[:4], (_("Publish"), {"fields": ("draft",)}))
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
            allows_pooling=bool(data.get("allows_pooling")),
            kind=data.get("kind") or "bulk",
            sample=data.get("sample"),
            sample_factory_required=bool(data.get("sample_factory_required")),
            draft=bool(data.get("draft")),
        )

    def update_object(
        self, request: HttpRequest, obj: Order, data: Mapping[str, Any], changed: list[str]
    ) -> Order:
        return order_update(
            order=obj,
            data=changed_values(data, changed, ORDER_EDITABLE_FIELDS),
            actor=admin_user(request),
        )

    def delete_object(self, request: HttpRequest, obj: Order) -> None:
        order_delete(order=obj)

    @admin.action(description=_("Open selected drafts"), permissions=["change"])
    def open_drafts(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        drafts = queryset.filter(status=OrderStatus.DRAFT)
        self._apply(
            request,
            drafts,
            lambda o: order_open(order=o, actor=admin_user(request)),
            pgettext_lazy("admin action done", "opened"),
        )

    @admin.action(description=_("Cancel selected orders"), permissions=["change"])
    def cancel_orders(self, request: HttpRequest, queryset: QuerySet[Order]) -> None:
        self._apply(
            request,
            queryset,
            lambda o: order_cancel(order=o, actor=admin_user(request)),
            pgettext_lazy("admin action done", "cancelled"),
        )

    def _apply(
        self,
        request: HttpRequest,
        queryset: QuerySet[Order],
        service: Callable[[Order], object],
        done: str | Promise,
    ) -> None:
        apply_service_to_each(self, request, queryset, service, done=done, noun="order")

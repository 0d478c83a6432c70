"""Admin for factories, their capabilities and capacity windows (writes through the services)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Count, F, IntegerField, Model, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.probation import factory_probation_end, probation_text
from factories.services import (
    FACTORY_EDITABLE_FIELDS,
    capability_create,
    capability_delete,
    capability_update,
    capacity_window_create,
    capacity_window_delete,
    capacity_window_update,
    factory_create,
    factory_delete,
    factory_resume,
    factory_update,
    factory_verify,
)
from marketplace.admin import (
    CategoryFieldMixin,
    LeafCategoryListFilter,
    ServiceInlineMixin,
    ServiceModelAdmin,
    ServiceWrites,
    apply_service_to_each,
    call_reporting_broker_errors,
    changed_values,
)


def _count_of(model: type[Model]) -> Coalesce:
    """Rows of ``model`` per factory, as a subquery (cheaper than joining two relations)."""
    per_factory = (
        model._default_manager.filter(factory=OuterRef("pk"))
        .order_by()
        .values("factory")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(per_factory, output_field=IntegerField()), 0)


def _changed(data: Mapping[str, Any], changed: list[str], name: str) -> Any:
    return data[name] if name in changed else None


class FixedOnceSavedForm(forms.ModelForm):
    """Inline rows: the category of a saved capability or window cannot change."""

    fixed_once_saved = ("category",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            for name in self.fixed_once_saved:
                if name in self.fields:
                    self.fields[name].disabled = True


# --- Service calls ----------------------------------------------------------


class CapabilityWrites(ServiceWrites):
    def create_object(self, request: HttpRequest, data: Mapping[str, Any]) -> FactoryCapability:
        return capability_create(
            factory=data["factory"],
            category=data["category"],
            unit_price=data["unit_price"],
            daily_output=data["daily_output"],
        )

    def update_object(
        self,
        request: HttpRequest,
        obj: FactoryCapability,
        data: Mapping[str, Any],
        changed: list[str],
    ) -> FactoryCapability:
        return capability_update(
            capability=obj,
            unit_price=_changed(data, changed, "unit_price"),
            daily_output=_changed(data, changed, "daily_output"),
        )

    def delete_object(self, request: HttpRequest, obj: FactoryCapability) -> None:
        capability_delete(capability=obj)


class CapacityWindowWrites(ServiceWrites):
    def create_object(self, request: HttpRequest, data: Mapping[str, Any]) -> CapacityWindow:
        return capacity_window_create(
            factory=data["factory"],
            category=data["category"],
            start_date=data["start_date"],
            end_date=data["end_date"],
            units_per_day=data["units_per_day"],
        )

    def update_object(
        self,
        request: HttpRequest,
        obj: CapacityWindow,
        data: Mapping[str, Any],
        changed: list[str],
    ) -> CapacityWindow:
        return capacity_window_update(
            window=obj,
            start_date=_changed(data, changed, "start_date"),
            end_date=_changed(data, changed, "end_date"),
            units_per_day=_changed(data, changed, "units_per_day"),
        )

    def delete_object(self, request: HttpRequest, obj: CapacityWindow) -> None:
        capacity_window_delete(window=obj)


# --- Filters ------------------------------------------------------------------


class WindowPeriodFilter(admin.SimpleListFilter):
    title = _("period")
    parameter_name = "period"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [
            ("current", _("Running today")),
            ("next7", _("Starts within 7 days")),
            ("upcoming", _("Starts later")),
            ("ended", _("Ended")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CapacityWindow]
    ) -> QuerySet[CapacityWindow]:
        today = timezone.localdate()
        week = today + dt.timedelta(days=7)
        match self.value():
            case "current":
                return queryset.filter(start_date__lte=today, end_date__gte=today)
            case "next7":
                return queryset.filter(start_date__gt=today, start_date__lte=week)
            case "upcoming":
                return queryset.filter(start_date__gt=week)
            case "ended":
                return queryset.filter(end_date__lt=today)
        return queryset


class HasRoomFilter(admin.SimpleListFilter):
    title = _("free capacity")
    parameter_name = "room"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple]:
        return [("free", _("Has free units")), ("full", _("Fully booked or offered"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[CapacityWindow]
    ) -> QuerySet[CapacityWindow]:
        taken = F("booked_units") + F("offered_units")
        if self.value() == "free":
            return queryset.alias(taken=taken).filter(taken__lt=F("total_units"))
        if self.value() == "full":
            return queryset.alias(taken=taken).filter(taken__gte=F("total_units"))
        return queryset


# --- Inlines under a factory -----------------------------------------------------


class FactoryCapabilityInline(CategoryFieldMixin, ServiceInlineMixin, admin.TabularInline):
    model = FactoryCapability
    form = FixedOnceSavedForm
    service_writes = CapabilityWrites()
    fields = ("category", "unit_price", "daily_output")
    autocomplete_fields = ("category",)
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[FactoryCapability]:
        return super().get_queryset(request).select_related("category__parent")


class CapacityWindowInline(CategoryFieldMixin, ServiceInlineMixin, admin.TabularInline):
    model = CapacityWindow
    form = FixedOnceSavedForm
    service_writes = CapacityWindowWrites()
    fields = (
        "category",
        "start_date",
        "end_date",
        "units_per_day",
        "total_units",
        "booked_units",
        "offered_units",
        "remaining",
    )
    readonly_fields = ("total_units", "booked_units", "offered_units", "remaining")
    autocomplete_fields = ("category",)
    ordering = ("category__name", "start_date")
    show_change_link = True
    extra = 0

    def get_queryset(self, request: HttpRequest) -> QuerySet[CapacityWindow]:
        return super().get_queryset(request).select_related("category__parent")

    @admin.display(description=_("remaining"))
    def remaining(self, window: CapacityWindow) -> int | str:
        return window.remaining_units if window.pk else "-"


# --- Factory -----------------------------------------------------------------


@admin.register(Factory)
class FactoryAdmin(ServiceModelAdmin):
    list_display = (
        "name",
        "owner",
        "city",
        "province",
        "verified",
        "active",
        "quality_score",
        "on_time_rate",
        "probation",
        "capability_count",
        "window_count",
    )
    list_filter = ("verified", "active", "province", "city")
    search_fields = ("name", "city", "owner__username", "owner__company_name")
    list_select_related = ("owner",)
    autocomplete_fields = ("owner",)
    # production/admin.py adds "recompute scores" (scores come from delivered work)
    actions: tuple[str, ...] = ("mark_verified", "resume_offers", "end_probation")
    inlines = (FactoryCapabilityInline, CapacityWindowInline)
    add_fieldsets = (
        (None, {"fields": ("owner", "name", "description", "certifications", "active")}),
        (_("Location"), {"fields": ("city", "province", ("latitude", "longitude"))}),
        (_("Order size"), {"fields": (("min_order_quantity", "max_order_quantity"),)}),
    )
    change_fieldsets = (
        (None, {"fields": ("owner", "name", "description", "certifications")}),
        (_("Location"), {"fields": ("city", "province", ("latitude", "longitude"))}),
        (_("Order size"), {"fields": (("min_order_quantity", "max_order_quantity"),)}),
        (
            _("Status"),
            {
                "fields": (
                    ("verified", "active"),
                    ("paused_at", "expired_offers_in_a_row"),
                    "pause_reason",
                    ("quality_score", "on_time_rate", "scored_orders", "scores_updated_at"),
                    ("probation", "probation_clean_deliveries", "probation_ended_at"),
                )
            },
        ),
        (_("Record"), {"fields": (("created_at", "updated_at"),)}),
    )
    # owner and the system's figures; verifying is the "Mark factories verified" action
    change_readonly_fields = (
        "owner",
        "verified",
        "paused_at",
        "expired_offers_in_a_row",
        "pause_reason",
        "scored_orders",
        "scores_updated_at",
        "quality_score",
        "on_time_rate",
        "probation",
        "probation_clean_deliveries",
        "probation_ended_at",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Factory]:
        return (
            super()
            .get_queryset(request)
            .annotate(
                capability_count=_count_of(FactoryCapability),
                window_count=_count_of(CapacityWindow),
            )
        )

    def get_fieldsets(self, request: HttpRequest, obj: Factory | None = None) -> Any:
        return self.add_fieldsets if obj is None else self.change_fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Factory | None = None) -> Any:
        return () if obj is None else self.change_readonly_fields

    def get_inlines(self, request: HttpRequest, obj: Factory | None) -> Any:
        # capabilities and windows are added once the factory exists
        return () if obj is None else self.inlines

    @admin.display(description=_("capabilities"), ordering="capability_count")
    def capability_count(self, factory: Factory) -> int:
        return factory.capability_count  # type: ignore[attr-defined]

    @admin.display(description=_("windows"), ordering="window_count")
    def window_count(self, factory: Factory) -> int:
        return factory.window_count  # type: ignore[attr-defined]

    @admin.display(description=_("probation"))
    def probation(self, factory: Factory) -> str:
        return probation_text(factory)

    @admin.action(description=_("End the probation of selected factories"), permissions=["change"])
    def end_probation(self, request: HttpRequest, queryset: QuerySet[Factory]) -> None:
        apply_service_to_each(
            self,
            request,
            queryset,
            lambda factory: factory_probation_end(factory=factory),
            done=pgettext_lazy("admin action done", "taken off probation"),
            noun="factory",
        )

    @admin.action(description=_("Resume offers to paused factories"), permissions=["change"])
    def resume_offers(self, request: HttpRequest, queryset: QuerySet[Factory]) -> None:
        apply_service_to_each(
            self,
            request,
            queryset,
            lambda factory: factory_resume(factory=factory),
            done=pgettext_lazy("admin action done", "resumed"),
            noun="factory",
        )

    @admin.action(description=_("Mark factories verified"), permissions=["change"])
    def mark_verified(self, request: HttpRequest, queryset: QuerySet[Factory]) -> None:
        selected = queryset.count()
        count = call_reporting_broker_errors(
            self,
            request,
            lambda: factory_verify(factories=queryset.order_by()),
            done=_("The factories were marked verified"),
        )
        if count is None:
            return
        already = selected - count
        message = ngettext(
            "%(count)s factory marked verified.", "%(count)s factories marked verified.", count
        ) % {"count": count}
        if already:
            message += " " + ngettext(
                "%(count)s was verified already.", "%(count)s were verified already.", already
            ) % {"count": already}
        self.message_user(request, message, messages.SUCCESS)

    def create_object(self, request: HttpRequest, data: Mapping[str, Any]) -> Factory:
        return factory_create(
            owner=data["owner"],
            name=data["name"],
            city=data["city"],
            province=data["province"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            description=data.get("description", ""),
            min_order_quantity=data["min_order_quantity"],
            max_order_quantity=data["max_order_quantity"],
            certifications=data.get("certifications") or None,
            active=data.get("active", True),
        )

    def update_object(
        self, request: HttpRequest, obj: Factory, data: Mapping[str, Any], changed: list[str]
    ) -> Factory:
        return factory_update(
            factory=obj, data=changed_values(data, changed, FACTORY_EDITABLE_FIELDS)
        )

    def delete_object(self, request: HttpRequest, obj: Factory) -> None:
        factory_delete(factory=obj)

    def can_delete(self, obj: Factory) -> bool:
        # a factory with offers on record is kept; it can be deactivated instead
        return not obj.assignments.exists()


# --- Capabilities and windows on their own ----------------------------------------


@admin.register(FactoryCapability)
class FactoryCapabilityAdmin(CategoryFieldMixin, CapabilityWrites, ServiceModelAdmin):
    list_display = (
        "factory",
        "category",
        "unit_price",
        "daily_output",
        "demonstrated_daily_output",
        "lead_p90_days",
        "province",
        "verified",
    )
    list_filter = (
        ("category", LeafCategoryListFilter),
        "factory__province",
        "factory__verified",
        "factory__active",
    )
    search_fields = ("factory__name", "factory__city", "category__name", "category__name_zh")
    list_select_related = ("factory", "category__parent")
    autocomplete_fields = ("factory", "category")
    fields = ("factory", "category", "unit_price", "daily_output")
    # the track record (production/track_record.py): learned, shown on the change page
    track_record_fields = (
        "demonstrated_daily_output",
        "measured_parts",
        "lead_p50_days",
        "lead_p90_days",
        "delay_p50_days",
        "delay_p90_days",
        "shipped_parts",
        "track_record_updated_at",
    )

    def get_fields(self, request: HttpRequest, obj: FactoryCapability | None = None) -> Any:
        return self.fields if obj is None else (*self.fields, *self.track_record_fields)

    def get_readonly_fields(
        self, request: HttpRequest, obj: FactoryCapability | None = None
    ) -> Any:
        return () if obj is None else ("factory", "category", *self.track_record_fields)

    @admin.display(description=_("province"), ordering="factory__province")
    def province(self, capability: FactoryCapability) -> str:
        return capability.factory.province

    @admin.display(description=_("verified"), boolean=True, ordering="factory__verified")
    def verified(self, capability: FactoryCapability) -> bool:
        return capability.factory.verified

    def can_delete(self, obj: FactoryCapability) -> bool:
        return not obj.factory.windows.filter(category_id=obj.category_id).exists()


@admin.register(CapacityWindow)
class CapacityWindowAdmin(CategoryFieldMixin, CapacityWindowWrites, ServiceModelAdmin):
    list_display = (
        "id",
        "factory",
        "category",
        "start_date",
        "end_date",
        "units_per_day",
        "total_units",
        "booked_units",
        "offered_units",
        "remaining",
        "utilisation",
    )
    list_display_links = ("id", "factory")
    list_filter = (
        WindowPeriodFilter,
        HasRoomFilter,
        ("category", LeafCategoryListFilter),
        "factory__province",
    )
    search_fields = ("factory__name", "factory__city", "category__name", "category__name_zh")
    list_select_related = ("factory", "category__parent")
    autocomplete_fields = ("factory", "category")
    date_hierarchy = "start_date"
    fieldsets = (
        (None, {"fields": ("factory", "category")}),
        (_("Capacity"), {"fields": (("start_date", "end_date"), "units_per_day")}),
        (
            _("Booking (kept by the system)"),
            {"fields": (("total_units", "booked_units", "offered_units", "remaining"),)},
        ),
        (_("Record"), {"fields": (("created_at", "updated_at"),)}),
    )
    system_fields = (
        "total_units",
        "booked_units",
        "offered_units",
        "remaining",
        "created_at",
        "updated_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[CapacityWindow]:
        return (
            super()
            .get_queryset(request)
            .annotate(remaining_db=F("total_units") - F("booked_units") - F("offered_units"))
        )

    def get_readonly_fields(self, request: HttpRequest, obj: CapacityWindow | None = None) -> Any:
        return self.system_fields if obj is None else ("factory", "category", *self.system_fields)

    def get_fieldsets(self, request: HttpRequest, obj: CapacityWindow | None = None) -> Any:
        # total and booked units do not exist before the service computes them
        return self.fieldsets[:2] if obj is None else self.fieldsets

    @admin.display(description=_("remaining"), ordering="remaining_db")
    def remaining(self, window: CapacityWindow) -> int:
        return window.remaining_units

    @admin.display(description=_("booked"))
    def utilisation(self, window: CapacityWindow) -> str:
        return f"{window.utilisation:.0%}"

    def can_delete(self, obj: CapacityWindow) -> bool:
        return not obj.booked_units and not obj.assignments.exists()

"""Factory owners manage their factories, capabilities and capacity windows."""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from factories import selectors, services
from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.serializers import CapabilitySerializer, CapacityWindowSerializer, FactorySerializer
from marketplace.filters import FilterSet, IdFilter
from marketplace.permissions import IsFactoryOwner
from marketplace.request_types import AuthenticatedRequest
from marketplace.viewsets import ServiceModelViewSet


class CapabilityFilter(FilterSet):
    factory = IdFilter(field_name="factory_id")

    class Meta:
        model = FactoryCapability
        fields = ["factory", "category"]


class CreateAsFactoryOwner(IsFactoryOwner):
    """Anyone signed in may list (scoped to their own rows); only factory owners create."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            getattr(view, "action", None) != "create" or super().has_permission(request, view)
        )


def _reject_changes(instance: Model, data: dict[str, Any], fields: tuple[str, ...]) -> None:
    for field in fields:
        if field in data and data[field] != getattr(instance, field):
            raise ValidationError({field: _("This cannot be changed; create a new one instead.")})


class FactoryViewSet(ServiceModelViewSet[Factory]):
    serializer_class = FactorySerializer
    permission_classes = [CreateAsFactoryOwner]
    filterset_fields = ["active", "verified", "city", "province"]
    ordering_fields = ["name", "created_at"]

    def get_queryset(self) -> QuerySet[Factory]:
        return selectors.factory_list(owner=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> Factory:
        return services.factory_create(owner=self.request.user, **data)

    def perform_service_update(self, instance: Factory, data: dict[str, Any]) -> Factory:
        return services.factory_update(factory=instance, data=data)

    def perform_service_destroy(self, instance: Factory) -> None:
        services.factory_delete(factory=instance)

    @extend_schema(request=None, responses=FactorySerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Take offers again after an auto-pause (offers let expire one after another)."""
        factory = services.factory_resume(factory=self.get_object())
        return Response(self.get_serializer(factory).data)


class CapabilityViewSet(ServiceModelViewSet[FactoryCapability]):
    serializer_class = CapabilitySerializer
    permission_classes = [CreateAsFactoryOwner]
    filterset_class = CapabilityFilter

    def get_queryset(self) -> QuerySet[FactoryCapability]:
        return selectors.capability_list(owner=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> FactoryCapability:
        return services.capability_create(**data)

    def perform_service_update(
        self, instance: FactoryCapability, data: dict[str, Any]
    ) -> FactoryCapability:
        _reject_changes(instance, data, ("factory", "category"))
        return services.capability_update(
            capability=instance,
            unit_price=data.get("unit_price"),
            daily_output=data.get("daily_output"),
        )

    def perform_service_destroy(self, instance: FactoryCapability) -> None:
        services.capability_delete(capability=instance)


class CapacityWindowFilter(FilterSet):
    """available_from / available_until: windows that have days in that date range."""

    # plain ids: another owner's factory filters to nothing, exactly like a missing one
    factory = IdFilter(field_name="factory_id")
    available_from = django_filters.DateFilter(field_name="end_date", lookup_expr="gte")
    available_until = django_filters.DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = CapacityWindow
        fields = ["factory", "category", "available_from", "available_until"]


class CapacityWindowViewSet(ServiceModelViewSet[CapacityWindow]):
    serializer_class = CapacityWindowSerializer
    permission_classes = [CreateAsFactoryOwner]
    filterset_class = CapacityWindowFilter
    ordering_fields = ["start_date", "end_date"]

    def get_queryset(self) -> QuerySet[CapacityWindow]:
        return selectors.capacity_window_list(owner=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> CapacityWindow:
        return services.capacity_window_create(**data)

    def perform_service_update(
        self, instance: CapacityWindow, data: dict[str, Any]
    ) -> CapacityWindow:
        _reject_changes(instance, data, ("factory", "category"))
        return services.capacity_window_update(
            window=instance,
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            units_per_day=data.get("units_per_day"),
        )

    def perform_service_destroy(self, instance: CapacityWindow) -> None:
        services.capacity_window_delete(window=instance)

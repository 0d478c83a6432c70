"""Sellers post, edit, open and cancel their production orders."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.permissions import IsSeller
from marketplace.viewsets import ServiceModelViewSet
from orders import selectors, services
from orders.models import Order
from orders.serializers import OrderSerializer


class CreateAsSeller(IsSeller):
    """Anyone signed in may list (scoped to their own orders); only sellers create."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            view.action != "create" or super().has_permission(request, view)
        )


class OrderFilter(django_filters.FilterSet):
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "category", "priority", "unmatched_reason"]


class OrderViewSet(ServiceModelViewSet):
    serializer_class = OrderSerializer
    permission_classes = [CreateAsSeller]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "due_date", "quantity"]

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.order_list(seller=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> Order:
        return services.order_create(seller=self.request.user, **data)

    def perform_service_update(self, instance: Order, data: dict[str, Any]) -> Order:
        data.pop("draft", None)
        return services.order_update(order=instance, data=data)

    def perform_service_destroy(self, instance: Order) -> None:
        services.order_delete(order=instance)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str | None = None) -> Response:
        """Cancel the order; an outstanding offer is withdrawn and its capacity freed."""
        order = services.order_cancel(order=self.get_object())
        return Response(self.get_serializer(order).data)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str | None = None) -> Response:
        """Publish a draft order so that matching considers it."""
        order = services.order_open(order=self.get_object())
        return Response(self.get_serializer(order).data)

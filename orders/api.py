"""Sellers post, edit, open and cancel their orders and read their history. Following
production, confirming delivery and rating are production's actions on the same route
(production/api.py)."""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.filters import FilterSet, IsoDateTimeFilter
from marketplace.permissions import IsSeller
from marketplace.request_types import AuthenticatedRequest
from marketplace.viewsets import ServiceModelViewSet
from orders import selectors, services
from orders.models import Order
from orders.serializers import (
    CancelSerializer,
    OrderEventSerializer,
    OrderSerializer,
    ReorderSerializer,
)


class CreateAsSeller(IsSeller):
    """Anyone signed in may list (scoped to their own orders); only sellers create."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user and request.user.is_authenticated) and (
            getattr(view, "action", None) != "create" or super().has_permission(request, view)
        )


class OrderFilter(FilterSet):
    due_after = django_filters.DateFilter(field_name="due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="due_date", lookup_expr="lte")
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = Order
        fields = ["status", "category", "priority", "unmatched_reason", "kind"]


class OrderViewSet(ServiceModelViewSet[Order]):
    serializer_class = OrderSerializer
    permission_classes = [CreateAsSeller]
    filterset_class = OrderFilter
    ordering_fields = ["created_at", "due_date", "quantity"]

    def get_queryset(self) -> QuerySet[Order]:
        return selectors.order_list(seller=self.request.user)

    def perform_service_update(self, instance: Order, data: dict[str, Any]) -> Order:
        data.pop("draft", None)
        return services.order_update(order=instance, data=data, actor=self.request.user)

    def perform_service_destroy(self, instance: Order) -> None:
        services.order_delete(order=instance)

    def perform_service_create(self, data: dict[str, Any]) -> Order:
        return services.order_create(seller=self.request.user, **data)

    def _order_response(self, order: Order) -> Response:
        return Response(self.get_serializer(order).data)

    @extend_schema(request=CancelSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Cancel the order: offers and accepted parts are withdrawn and their capacity
        freed. After acceptance it counts against your reliability, unless a factory
        reported a delay you did not accept."""
        data = valid_data(CancelSerializer, request)
        order = services.order_cancel(order=self.get_object(), actor=request.user, **data)
        return self._order_response(order)

    @extend_schema(request=ReorderSerializer, responses={201: OrderSerializer})
    @action(detail=True, methods=["post"])
    def reorder(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """A new order like this delivered one or approved sample (返单): same specification,
        a new quantity and due date; its factory preferred, or required."""
        order = self.get_object()  # another seller's order is a 404 before the body is read
        data = valid_data(ReorderSerializer, request)
        repeat = services.order_reorder(order=order, actor=request.user, **data)
        return Response(self.get_serializer(repeat).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def open(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Publish a draft order so that matching considers it."""
        order = services.order_open(order=self.get_object(), actor=request.user)
        return self._order_response(order)

    @extend_schema(responses=OrderEventSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Every change of the order: who, when, from which status to which, and why."""
        events = selectors.order_history(order=self.get_object())
        return Response(OrderEventSerializer(events, many=True).data)


def valid_data(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)

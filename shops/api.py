"""A seller's shops: connections, the webhook their orders arrive at, CSV imports, SKUs,
sales and the production orders drafted for SKUs about to run out. docs/shops.md."""

from __future__ import annotations

from typing import Any

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.permissions import IsSeller
from marketplace.request_types import AuthenticatedRequest
from marketplace.viewsets import ServiceModelViewSet
from orders.serializers import OrderSerializer
from shops import selectors, services
from shops.models import Platform, Replenishment, ShopConnection, Sku
from shops.serializers import (
    ReplenishmentSerializer,
    SaleSerializer,
    SalesImportSerializer,
    ShopConnectionSerializer,
    SkuSerializer,
    SkuStockSerializer,
)
from shops.signatures import SignatureRefused


class ShopConnectionViewSet(ServiceModelViewSet[ShopConnection]):
    """Your shops. Each has a webhook address and a signing secret (docs/shops.md)."""

    serializer_class = ShopConnectionSerializer
    permission_classes = [IsSeller]
    http_method_names = ["get", "post", "delete", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.shop_connection_list(seller=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> ShopConnection:
        return services.shop_connection_create(seller=self.request.user, **data)

    def perform_service_destroy(self, instance: ShopConnection) -> None:
        instance.delete()

    @extend_schema(
        request={"multipart/form-data": SalesImportSerializer},
        responses={200: OpenApiResponse(description="orders, stored_lines, duplicate_lines")},
    )
    @action(detail=True, methods=["post"], url_path="import", parser_classes=[MultiPartParser])
    def import_sales(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Import a CSV export of the shop's orders: every row checked, all or nothing."""
        connection = self.get_object()
        form = SalesImportSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            result = services.sales_import_csv(
                connection=connection, data=form.validated_data["file"].read()
            )
        except services.CsvRefused as refused:
            body: dict[str, Any] = {"file": [refused.message]} if refused.message else {}
            if refused.rows:
                body["rows"] = [
                    {"row": e.row, "field": e.field, "message": e.message} for e in refused.rows
                ]
            return Response(body, status=status.HTTP_400_BAD_REQUEST)
        return Response(
            {
                "orders": result.orders,
                "stored_lines": result.stored_lines,
                "duplicate_lines": result.duplicate_lines,
            }
        )


class ShopWebhookApi(APIView):
    """A shop's orders arrive here, signed with the connection's secret (no other sign-in)."""

    authentication_classes: list[type] = []
    permission_classes = [AllowAny]

    @extend_schema(
        request={"application/json": {"type": "object"}},
        responses={
            200: OpenApiResponse(description="stored_lines, duplicate"),
            401: OpenApiResponse(description="bad or stale signature: nothing stored"),
        },
    )
    def post(self, request: Request, token: str) -> Response:
        connection = get_object_or_404(
            ShopConnection.objects.exclude(platform=Platform.CSV), token=token
        )
        try:
            receipt = services.webhook_receive(
                connection=connection, body=request.body, headers=request.headers
            )
        except SignatureRefused as refused:
            return Response({"detail": str(refused.message)}, status=status.HTTP_401_UNAUTHORIZED)
        return Response({"stored_lines": receipt.stored_lines, "duplicate": receipt.duplicate})


class SkuViewSet(ServiceModelViewSet[Sku]):
    """Your SKUs, each mapped to what a factory makes, with its demand and stock-out day."""

    serializer_class = SkuSerializer
    permission_classes = [IsSeller]
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> Any:
        return selectors.sku_list(seller=self.request.user)

    def perform_service_create(self, data: dict[str, Any]) -> Sku:
        return services.sku_create(seller=self.request.user, **data)

    @extend_schema(request=SkuStockSerializer, responses=SkuSerializer)
    @action(detail=True, methods=["post"])
    def stock(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The stock you counted now: sales from now on count against it."""
        sku = self.get_object()
        form = SkuStockSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        sku = services.sku_stock_count(sku=sku, stock_on_hand=form.validated_data["stock_on_hand"])
        return Response(self.get_serializer(sku).data)


class SaleViewSet(viewsets.ReadOnlyModelViewSet):
    """Lines of your shops' orders, as received."""

    request: AuthenticatedRequest
    serializer_class = SaleSerializer
    permission_classes = [IsSeller]
    filterset_fields = ["connection", "sku_code"]

    def get_queryset(self) -> Any:
        return selectors.sale_list(seller=self.request.user)


class ReplenishmentViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Production orders drafted for SKUs about to run out; approve one to open it."""

    request: AuthenticatedRequest
    serializer_class = ReplenishmentSerializer
    permission_classes = [IsSeller]

    def get_queryset(self) -> Any:
        return selectors.replenishment_list(seller=self.request.user)

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """One click: the drafted order is opened for matching (409 unless it is a draft)."""
        replenishment: Replenishment = self.get_object()
        order = services.replenishment_approve(replenishment=replenishment, actor=request.user)
        return Response(OrderSerializer(order, context={"request": request}).data)

"""The reference for the load test: a bare DRF create endpoint.

Same process, middleware, token authentication, JSON parsing and rendering as
``POST /api/orders/``, but a plain ``ModelSerializer.save()``: none of our services
(no order event, no matching hook, no locks). The gap between the two rates is what our
own code costs per order. Routed only when LOADTEST_REFERENCE_ENDPOINT is true
(web/urls.py), which only ``make loadtest`` sets.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from orders.models import Order


class ReferenceOrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = [
            "id",
            "title",
            "category",
            "quantity",
            "max_unit_price",
            "due_date",
            "ship_to_city",
            "ship_to_latitude",
            "ship_to_longitude",
        ]


@extend_schema(exclude=True)
class ReferenceOrderCreate(APIView):
    def post(self, request: Request) -> Response:
        serializer = ReferenceOrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(seller=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)

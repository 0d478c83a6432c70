"""Match runs (staff), offers (factory owners) and the seller's view of assignments."""

from __future__ import annotations

from typing import Any, cast

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from marketplace.filters import FilterSet, IdFilter, IsoDateTimeFilter
from marketplace.models import User
from marketplace.permissions import IsMarketplaceStaff, IsSeller
from marketplace.request_types import AuthenticatedRequest
from marketplace.throttling import MatchRunRateThrottle, QuoteRateThrottle, WhatIfRateThrottle
from matching import counters, offers, selectors
from matching.models import Assignment, MatchRun, MatchRunTrigger, PriceGuidance, WhatIf
from matching.quotes import quote_as_data, quote_compute, quote_order_validate
from matching.runs import match_run_request
from matching.serializers import (
    CounterAnswerSerializer,
    CounterRequestSerializer,
    MatchRunSerializer,
    OfferDeclineSerializer,
    OfferSerializer,
    PriceGuidanceSerializer,
    QuoteRequestSerializer,
    QuoteSerializer,
    SellerAssignmentSerializer,
    WhatIfRequestSerializer,
    WhatIfSerializer,
)
from matching.whatif import what_if_request
from orders.selectors import seller_reliability


class MatchRunFilter(FilterSet):
    created_after = IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

    class Meta:
        model = MatchRun
        fields = ["status", "trigger"]


class MatchRunViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff only. POST queues a run (201), or returns the run already queued (200)."""

    request: AuthenticatedRequest
    serializer_class = MatchRunSerializer
    permission_classes = [IsMarketplaceStaff]
    filterset_class = MatchRunFilter

    def get_queryset(self) -> QuerySet[MatchRun]:
        return selectors.match_run_list()

    def get_throttles(self) -> list[BaseThrottle]:
        # starting runs by hand is rate limited per user; reading them is not
        if self.action == "create":
            return [MatchRunRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        run, created = match_run_request(
            trigger=MatchRunTrigger.MANUAL, requested_by=self.request.user
        )
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(run).data, status=code)


class WhatIfFilter(FilterSet):
    class Meta:
        model = WhatIf
        fields = ["status", "kind"]


class WhatIfViewSet(
    mixins.CreateModelMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Staff only. POST a scenario (202: the worker solves it on a snapshot of the live data,
    next to the current plan); GET it until its status is succeeded, then read its result:
    orders losing their factory, new unmatched orders with reasons, cost and fill change,
    offers that would move. Nothing live is written."""

    request: AuthenticatedRequest
    serializer_class = WhatIfSerializer
    permission_classes = [IsMarketplaceStaff]
    filterset_class = WhatIfFilter

    def get_queryset(self) -> QuerySet[WhatIf]:
        return selectors.what_if_list()

    def get_throttles(self) -> list[BaseThrottle]:
        if self.action == "create":
            return [WhatIfRateThrottle()]
        return super().get_throttles()

    @extend_schema(request=WhatIfRequestSerializer, responses={202: WhatIfSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        asked = WhatIfRequestSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        values = dict(asked.validated_data)
        what_if = what_if_request(
            kind=values.pop("kind"), values=values, requested_by=self.request.user
        )
        return Response(self.get_serializer(what_if).data, status=status.HTTP_202_ACCEPTED)


class AssignmentFilter(FilterSet):
    # plain ids: another user's order or factory filters to nothing, exactly like a missing one
    order = IdFilter(field_name="order_id")
    factory = IdFilter(field_name="factory_id")
    run = IdFilter(field_name="run_id")
    category = IdFilter(field_name="order__category_id")
    due_after = django_filters.DateFilter(field_name="order__due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="order__due_date", lookup_expr="lte")
    starts_from = django_filters.DateFilter(field_name="planned_start", lookup_expr="gte")
    finishes_by = django_filters.DateFilter(field_name="planned_finish", lookup_expr="lte")

    class Meta:
        model = Assignment
        fields = ["status"]


class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    """Offers to the factories you own: accept or decline them, then report production
    (milestones, delays) on the ones you accepted."""

    request: AuthenticatedRequest
    serializer_class = OfferSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        return selectors.offer_list(owner=self.request.user)

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "seller_reliability": {}}

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        context = self.get_serializer_context()
        # one query for the sellers of the whole page
        context["seller_reliability"] = seller_reliability(
            seller_ids=[offer.order.seller_id for offer in page or []]
        )
        serializer = self.get_serializer_class()(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    def _offer_response(self, offer: Assignment) -> Response:
        offer = self.get_queryset().get(pk=offer.pk)
        return Response(self.get_serializer(offer).data)

    @extend_schema(request=None, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Accept: the units are booked in your window (409 when they no longer fit)."""
        return self._offer_response(
            offers.offer_accept(offer=self.get_object(), actor=request.user)
        )

    @extend_schema(request=OfferDeclineSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Decline with a reason; the order is matched to another factory."""
        serializer = OfferDeclineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        offer = offers.offer_decline(
            offer=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return self._offer_response(offer)

    @extend_schema(request=CounterRequestSerializer, responses=OfferSerializer)
    @action(detail=True, methods=["post"])
    def counter(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Answer with a counter-offer: a higher unit price and/or a later finish (within
        the limits), with a note. The seller accepts or rejects it; your capability's price
        does not change (update it yourself if it should hold for later orders)."""
        serializer = CounterRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        counter = counters.counter_create(
            offer=self.get_object(), actor=request.user, **serializer.validated_data
        )
        return self._offer_response(counter.assignment)


class SellerAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The assignments of your orders: which factory, what price, when; answer a
    factory's counter-offer."""

    request: AuthenticatedRequest
    serializer_class = SellerAssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        return selectors.seller_assignment_list(seller=self.request.user)

    def _assignment_response(self, assignment: Assignment) -> Response:
        assignment = self.get_queryset().get(pk=assignment.pk)
        return Response(self.get_serializer(assignment).data)

    @extend_schema(request=None, responses=SellerAssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="counter/accept", url_name="counter-accept")
    def counter_accept(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Accept the factory's counter-offer: the part is accepted at its price and finish
        (409 when the window no longer has the units, or the counter-offer expired)."""
        return self._assignment_response(
            counters.counter_accept(assignment=self.get_object(), actor=request.user)
        )

    @extend_schema(request=CounterAnswerSerializer, responses=SellerAssignmentSerializer)
    @action(detail=True, methods=["post"], url_path="counter/reject", url_name="counter-reject")
    def counter_reject(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Reject the counter-offer (a note is optional): the order is matched again, and
        that factory may be offered it again."""
        serializer = CounterAnswerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return self._assignment_response(
            counters.counter_reject(
                assignment=self.get_object(), actor=request.user, **serializer.validated_data
            )
        )


class QuoteApi(APIView):
    """Sellers. An instant quote: what the capacity free now says about an order that is not
    saved (who could make it, the lowest price with room by the due date, the earliest due
    date at this price, the price range, and what would make it fit). Nothing is saved."""

    permission_classes = [IsSeller]
    throttle_classes = [QuoteRateThrottle]

    @extend_schema(request=QuoteRequestSerializer, responses={200: QuoteSerializer})
    def post(self, request: Request) -> Response:
        query = QuoteRequestSerializer(data=request.data)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        order = {
            field: data[field]
            for field in (
                "category",
                "quantity",
                "max_unit_price",
                "due_date",
                "allow_split",
                "min_lot_quantity",
                "priority",
                "allows_pooling",
            )
        }
        quote_order_validate(seller=cast(User, request.user), **order)
        quote = quote_compute(
            **order, latitude=data["ship_to_latitude"], longitude=data["ship_to_longitude"]
        )
        return Response(QuoteSerializer(quote_as_data(quote)).data)


class PriceGuidanceFilter(FilterSet):
    # plain ids: another owner's window or factory filters to nothing, like a missing one
    window = IdFilter(field_name="window_id")
    factory = IdFilter(field_name="factory_id")

    class Meta:
        model = PriceGuidance
        fields: list[str] = []


class PriceGuidanceViewSet(viewsets.ReadOnlyModelViewSet):
    """The latest match run's price guidance for your factories' windows that have not
    ended: per window with idle room, the unit prices (below yours) at which the orders it
    left unmatched only on price would have fitted together, dearest first."""

    request: AuthenticatedRequest
    serializer_class = PriceGuidanceSerializer
    filterset_class = PriceGuidanceFilter

    def get_queryset(self) -> QuerySet[PriceGuidance]:
        return selectors.price_guidance_list(owner=self.request.user)

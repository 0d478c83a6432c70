"""Match runs (staff), offers (factory owners) and the seller's view of assignments."""

from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.permissions import IsMarketplaceStaff
from matching import selectors
from matching.models import Assignment, MatchRun, MatchRunTrigger
from matching.serializers import MatchRunSerializer, OfferSerializer, SellerAssignmentSerializer
from matching.services import match_run_request


class MatchRunFilter(django_filters.FilterSet):
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lte")

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

    serializer_class = MatchRunSerializer
    permission_classes = [IsMarketplaceStaff]
    filterset_class = MatchRunFilter

    def get_queryset(self) -> QuerySet[MatchRun]:
        return selectors.match_run_list()

    @extend_schema(request=None, responses={201: MatchRunSerializer, 200: MatchRunSerializer})
    def create(self, request: Request, *args: object, **kwargs: object) -> Response:
        run, created = match_run_request(trigger=MatchRunTrigger.MANUAL, requested_by=request.user)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(self.get_serializer(run).data, status=code)


class AssignmentFilter(django_filters.FilterSet):
    # plain ids: another user's order or factory filters to nothing, exactly like a missing one
    order = django_filters.NumberFilter(field_name="order_id")
    factory = django_filters.NumberFilter(field_name="factory_id")
    run = django_filters.NumberFilter(field_name="run_id")
    category = django_filters.NumberFilter(field_name="order__category_id")
    due_after = django_filters.DateFilter(field_name="order__due_date", lookup_expr="gte")
    due_before = django_filters.DateFilter(field_name="order__due_date", lookup_expr="lte")
    starts_from = django_filters.DateFilter(field_name="planned_start", lookup_expr="gte")
    finishes_by = django_filters.DateFilter(field_name="planned_finish", lookup_expr="lte")

    class Meta:
        model = Assignment
        fields = ["status"]


class OfferViewSet(viewsets.ReadOnlyModelViewSet):
    """The proposed (and answered) assignments for the factories you own."""

    serializer_class = OfferSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        return selectors.offer_list(owner=self.request.user)


class SellerAssignmentViewSet(viewsets.ReadOnlyModelViewSet):
    """The assignments of your orders: which factory, what price, when."""

    serializer_class = SellerAssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self) -> QuerySet[Assignment]:
        return selectors.seller_assignment_list(seller=self.request.user)

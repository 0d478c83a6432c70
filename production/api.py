"""Production on the API: the seller follows an order's parts (milestones, delays), accepts
a delay, confirms delivery, rates and decides samples (on ``/api/orders/{id}/``); the
factory posts milestones and delays on its accepted offer (``/api/offers/{id}/milestones/``
and ``/delays/``: an accepted offer is the factory's part of the order, see the glossary in
docs/architecture.md).

The routes are the orders' and offers' own: these viewsets extend the ones below
(orders/api.py, matching/api.py) with production's actions, and web/urls.py registers them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from marketplace.errors import Conflict
from marketplace.request_types import AuthenticatedRequest
from matching.api import OfferViewSet as MatchingOfferViewSet
from orders.api import OrderViewSet as OrdersOrderViewSet
from orders.api import valid_data
from orders.serializers import OrderSerializer
from production import disputes, selectors, services, standby
from production.models import StandbySwitch
from production.serializers import (
    DelayDecisionSerializer,
    DelaySerializer,
    DisputeAnswerSerializer,
    DisputeOpenSerializer,
    DisputeSerializer,
    MilestoneSerializer,
    OrderPartSerializer,
    RatingSerializer,
    SampleDecisionSerializer,
    StandbyDecisionSerializer,
    StandbySwitchSerializer,
)


class OrderViewSet(OrdersOrderViewSet):
    @extend_schema(responses=OrderPartSerializer(many=True))
    @action(detail=True, methods=["get"])
    def parts(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The factories making the order, with their milestones (the timeline) and delays."""
        parts = selectors.order_parts(order=self.get_object())
        return Response(OrderPartSerializer(parts, many=True, context={"request": request}).data)

    @extend_schema(request=DelayDecisionSerializer, responses=DelaySerializer)
    @action(detail=True, methods=["post"], url_path="accept-delay")
    def accept_delay(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Accept the later finish a factory reported (or cancel the order instead: no
        penalty while a delay waits)."""
        order = self.get_object()
        data = valid_data(DelayDecisionSerializer, request)
        delay = selectors.order_delay(order=order, delay_id=data["delay"])
        if delay is None:
            raise ValidationError({"delay": _("This order has no such delay.")})
        delay = services.delay_accept(delay=delay, actor=request.user)
        return Response(DelaySerializer(delay).data)

    @extend_schema(responses=StandbySwitchSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="standby-switches")
    def standby_switches(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The standby factories proposed for parts of the order that are late."""
        found = selectors.order_standby_switches(order=self.get_object())
        return Response(StandbySwitchSerializer(found, many=True).data)

    @extend_schema(request=StandbyDecisionSerializer, responses=StandbySwitchSerializer)
    @action(detail=True, methods=["post"], url_path="accept-standby")
    def accept_standby(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Move a late part to its standby factory: the first factory's part is withdrawn,
        the standby factory is offered the quantity (409 when it no longer has room)."""
        switch = standby.standby_switch_accept(
            switch=self._standby_switch(request), actor=request.user
        )
        return Response(StandbySwitchSerializer(switch).data)

    @extend_schema(request=StandbyDecisionSerializer, responses=StandbySwitchSerializer)
    @action(detail=True, methods=["post"], url_path="decline-standby")
    def decline_standby(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Keep a late part at its factory rather than move it to the standby."""
        switch = standby.standby_switch_decline(
            switch=self._standby_switch(request), actor=request.user
        )
        return Response(StandbySwitchSerializer(switch).data)

    def _standby_switch(self, request: AuthenticatedRequest) -> StandbySwitch:
        order = self.get_object()
        data = valid_data(StandbyDecisionSerializer, request)
        switch = selectors.order_standby_switch(order=order, switch_id=data["switch"])
        if switch is None:
            raise ValidationError({"switch": _("This order has no such standby proposal.")})
        return switch

    @extend_schema(request=None, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="confirm-delivery")
    def confirm_delivery(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """You have the goods: the order is delivered and on-time is computed per factory."""
        order = services.delivery_confirm(order=self.get_object(), actor=request.user)
        return self._order_response(order)

    @extend_schema(request=RatingSerializer, responses=OrderPartSerializer)
    @action(detail=True, methods=["post"])
    def rate(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Rate the quality of a delivered factory's part, 1 to 5 (once)."""
        order = self.get_object()
        data = valid_data(RatingSerializer, request)
        part = None
        if data["part"] is not None:
            part = selectors.order_parts(order=order).filter(pk=data["part"]).first()
            if part is None:
                raise ValidationError({"part": _("That is not a delivered part of this order.")})
        rated = services.order_rate(
            order=order,
            actor=request.user,
            quality=data["quality"],
            comment=data["comment"],
            part=part,
        )
        return Response(OrderPartSerializer(rated, context={"request": request}).data)

    @extend_schema(request=SampleDecisionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="approve-sample")
    def approve_sample(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Approve a delivered sample: bulk orders can then name it."""
        return self._decide_sample(request, approve=True)

    @extend_schema(request=SampleDecisionSerializer, responses=OrderSerializer)
    @action(detail=True, methods=["post"], url_path="reject-sample")
    def reject_sample(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Reject a delivered sample."""
        return self._decide_sample(request, approve=False)

    @extend_schema(
        methods=["post"],
        request={
            "multipart/form-data": DisputeOpenSerializer,
            "application/json": DisputeOpenSerializer,
        },
        responses={201: DisputeSerializer},
    )
    @extend_schema(methods=["get"], responses=DisputeSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def disputes(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The disputes about the order's parts; post one about a delivered part (within
        the days allowed after delivery, once per part), with photos if you have them."""
        order = self.get_object()
        context = {"request": request}
        if request.method == "GET":
            found = selectors.order_disputes(order=order)
            return Response(DisputeSerializer(found, many=True, context=context).data)
        data = valid_data(DisputeOpenSerializer, request)
        part = None
        if data["part"] is not None:
            part = selectors.order_parts(order=order).filter(pk=data["part"]).first()
            if part is None:
                raise ValidationError({"part": _("That is not a delivered part of this order.")})
        dispute = disputes.dispute_open(
            order=order,
            actor=request.user,
            reason=data["reason"],
            text=data["text"],
            part=part,
            photos=data["photos"],
        )
        body = DisputeSerializer(dispute, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    def _decide_sample(self, request: AuthenticatedRequest, *, approve: bool) -> Response:
        data = valid_data(SampleDecisionSerializer, request)
        order = services.sample_decide(
            order=self.get_object(), actor=request.user, approve=approve, note=data["note"]
        )
        return self._order_response(order)


class OfferViewSet(MatchingOfferViewSet):
    @extend_schema(
        methods=["post"],
        request={"multipart/form-data": MilestoneSerializer},
        responses={201: MilestoneSerializer},
    )
    @extend_schema(methods=["get"], responses=MilestoneSerializer(many=True))
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser, FormParser, JSONParser],
    )
    def milestones(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Post the next milestone of an accepted offer (materials ready, production
        started, quality check passed, shipped), with an optional photo."""
        offer = self.get_object()
        context = {"request": request}
        if request.method == "GET":
            posted = offer.milestones.all()
            return Response(MilestoneSerializer(posted, many=True, context=context).data)
        serializer = MilestoneSerializer(data=request.data, context=context)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        milestone = services.milestone_post(
            part=offer,
            actor=request.user,
            kind=data["kind"],
            note=data.get("note", ""),
            photo=data.get("photo"),
            carrier=data.get("carrier", ""),
            tracking_number=data.get("tracking_number", ""),
        )
        body = MilestoneSerializer(milestone, context=context).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(request=DelaySerializer, responses={201: DelaySerializer})
    @action(detail=True, methods=["post"])
    def delays(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Report that your part will finish later; the seller accepts or cancels."""
        offer = self.get_object()
        serializer = DelaySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        delay = services.delay_report(part=offer, actor=request.user, **serializer.validated_data)
        return Response(DelaySerializer(delay).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses=DisputeSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="disputes")
    def offer_disputes(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """The seller's dispute about your delivered part, if there is one."""
        found = selectors.part_disputes(part=self.get_object())
        return Response(DisputeSerializer(found, many=True, context={"request": request}).data)

    @extend_schema(request=DisputeAnswerSerializer, responses=DisputeSerializer)
    @action(detail=True, methods=["post"], url_path="answer-dispute")
    def answer_dispute(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        """Answer the seller's dispute about your part (once); the marketplace then decides."""
        offer = self.get_object()
        data = valid_data(DisputeAnswerSerializer, request)
        dispute = selectors.part_disputes(part=offer).first()
        if dispute is None:
            raise Conflict(_("Nobody disputes this part."), current=offer.status)
        dispute = disputes.dispute_answer(
            dispute=dispute, actor=request.user, answer=data["answer"]
        )
        return Response(DisputeSerializer(dispute, context={"request": request}).data)

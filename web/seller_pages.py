"""The seller's pages that show matching and production: the dashboard (what needs an
answer), the page of one order (offers, parts, milestones, delays, history) and the
answers given there (accept a delay, confirm delivery, rate a part, decide a sample). They
combine orders, matching and production, so they live in the top layer; posting, editing,
opening, cancelling and uploading orders are orders/views.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, Exists, OuterRef
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from marketplace.pages import call_service, form_errors_as_messages, seller_required, shown_with
from marketplace.request_types import AuthenticatedHttpRequest
from marketplace.selectors import notification_list
from matching.counters import counter_accept, counter_reject
from matching.forms import ASSIGNMENT_LABELS, CounterAnswerForm
from matching.models import Assignment, AssignmentStatus
from matching.selectors import (
    sample_holds_live,
    seller_assignment_allowed_actions,
    seller_assignment_list,
    with_pools,
)
from orders.forms import (
    ACTION_LABELS,
    PRIORITY_LABELS,
    SAMPLE_DECISION_LABELS,
    STATUS_LABELS,
    UNMATCHED_LABELS,
    CancelForm,
    ReorderForm,
    label,
)
from orders.models import Order, OrderStatus
from orders.selectors import order_history, order_list
from orders.transitions import dispute_deadline
from orders.views import back_to_order, labelled, own_order, relax_suggestions
from production import disputes, services, standby
from production.forms import (
    DELAY_LABELS,
    MILESTONE_LABELS,
    DisputeForm,
    RatingForm,
    SampleDecisionForm,
    dispute_shown,
)
from production.messages import standby_proposed_text
from production.models import DelayStatus, StandbySwitchStatus
from production.selectors import (
    order_delay,
    order_disputes,
    order_parts,
    order_standby_pending,
    order_standby_switch,
)


def _needs_action(seller: Any) -> dict[str, list[Order]]:
    orders = order_list(seller=seller)
    pending_delays = Exists(
        seller_assignment_list(seller=seller).filter(
            order=OuterRef("pk"),
            status=AssignmentStatus.ACCEPTED,
            delays__status=DelayStatus.PENDING,
        )
    )
    unrated = Exists(
        seller_assignment_list(seller=seller).filter(
            order=OuterRef("pk"), status=AssignmentStatus.ACCEPTED, rated_at__isnull=True
        )
    )
    counters = Exists(
        seller_assignment_list(seller=seller).filter(
            order=OuterRef("pk"), status=AssignmentStatus.COUNTERED
        )
    )
    standby = Exists(
        seller_assignment_list(seller=seller).filter(
            order=OuterRef("pk"),
            status=AssignmentStatus.ACCEPTED,
            shipped_on__isnull=True,
            standby_switches__status=StandbySwitchStatus.PENDING,
        )
    )
    delivered = orders.filter(status=OrderStatus.DELIVERED)
    unmatched = orders.filter(status=OrderStatus.OPEN).exclude(unmatched_reason="")
    groups = {
        "counters": orders.filter(counters),
        "standby": orders.filter(
            standby, status__in=(OrderStatus.ACCEPTED, OrderStatus.IN_PRODUCTION)
        ),
        "delays": orders.filter(pending_delays),
        "shipped": orders.filter(status=OrderStatus.SHIPPED),
        "unrated": delivered.filter(unrated),
        "samples": delivered.filter(kind="sample", sample_decision=""),
        "unmatched": unmatched,
    }
    found = {name: [labelled(o) for o in query[:20]] for name, query in groups.items()}
    for order in found["unmatched"]:
        reason = label(UNMATCHED_LABELS, order.unmatched_reason)
        shown_with(order, reason_label=reason, relax_lines=relax_suggestions(order))
    return found


@seller_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    counts = dict(
        order_list(seller=request.user)
        .order_by()
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    status_counts = [
        {"status": status, "label": text, "count": counts.get(status, 0)}
        for status, text in STATUS_LABELS.items()
    ]
    needs = _needs_action(request.user)
    context = {
        "status_counts": status_counts,
        "total": sum(counts.values()),
        "needs": needs,
        "needs_any": any(needs.values()),
        "notifications": list(notification_list(user=request.user)[:5]),
    }
    return render(request, "orders/dashboard.html", context)


# ---------------------------------------------------------------------------- order page


def _parts(order: Order) -> list[Assignment]:
    parts = list(order_parts(order=order))
    rateable = "rate" in order.allowed_actions
    disputable = "open_dispute" in order.allowed_actions
    by_part = {d.assignment_id: d for d in order_disputes(order=order)}
    for part in parts:
        dispute = dispute_shown(by_part.get(part.pk))
        dispute_form = (
            DisputeForm(prefix=f"dispute-{part.pk}") if disputable and dispute is None else None
        )
        shown_with(part, dispute_shown=dispute, dispute_form=dispute_form)
        for milestone in part.milestones.all():
            shown_with(milestone, kind_label=label(MILESTONE_LABELS, milestone.kind))
        for delay in part.delays.all():
            shown_with(delay, status_label=label(DELAY_LABELS, delay.status))
        rating_form = (
            RatingForm(prefix=f"part-{part.pk}") if rateable and part.rated_at is None else None
        )
        shown_with(
            part,
            rating_form=rating_form,
            ship=None if part.shipped_on else part.ship_forecast(),
        )
    return parts


@seller_required
def order_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = labelled(own_order(request, pk))
    offers = with_pools(
        seller_assignment_list(seller=request.user)
        .filter(order=order)
        .exclude(status__in=(AssignmentStatus.SUPERSEDED,))
        .order_by("pk")
    )
    for offer in offers:
        shown_with(
            offer, status_label=label(ASSIGNMENT_LABELS, offer.status), ship=offer.ship_forecast()
        )
    counters = [
        shown_with(
            offer,
            counter_form=CounterAnswerForm(auto_id=f"counter-{offer.pk}-%s"),
            counter_delivery=offer.counter.planned_finish + dt.timedelta(days=offer.transport_days),
        )
        for offer in offers
        if seller_assignment_allowed_actions(offer)
    ]
    events = list(order_history(order=order))
    for event in events:
        shown_with(
            event,
            action_label=label(ACTION_LABELS, event.action),
            from_label=label(STATUS_LABELS, event.from_status),
            to_label=label(STATUS_LABELS, event.to_status),
        )
    parts = _parts(order)
    holds = sample_holds_live(now=timezone.now(), sample_id=order.pk)
    pending_delays = [d for p in parts for d in p.delays.all() if d.status == DelayStatus.PENDING]
    actions = order.allowed_actions
    standby_switches = [
        shown_with(switch, text=standby_proposed_text(standby.standby_switch_params(switch)))
        for switch in order_standby_pending(order=order)
    ]
    context = {
        "order": order,
        "actions": actions,
        "priority_label": label(PRIORITY_LABELS, order.priority),
        "sample_decision_label": label(SAMPLE_DECISION_LABELS, order.sample_decision),
        "unmatched_label": label(UNMATCHED_LABELS, order.unmatched_reason),
        "relax_lines": relax_suggestions(order),
        "offers": offers,
        "counters": counters,
        "events": events,
        "parts": parts,
        "hold": holds[0] if holds else None,
        "dispute_deadline": dispute_deadline(order) if "open_dispute" in actions else None,
        "pending_delays": pending_delays,
        "standby_switches": standby_switches,
        "cancel_form": CancelForm(auto_id="cancel-%s") if "cancel" in actions else None,
        "reorder_form": (
            ReorderForm(auto_id="reorder-%s", initial={"quantity": order.quantity})
            if "reorder" in actions
            else None
        ),
        "sample_form": (
            SampleDecisionForm(auto_id="sample-%s")
            if {"approve_sample", "reject_sample"} & set(actions)
            else None
        ),
    }
    return render(request, "orders/order_detail.html", context)


# ---------------------------------------------------------------------------- answers


@seller_required
@require_POST
def delay_accept(request: AuthenticatedHttpRequest, pk: int, delay_pk: int) -> HttpResponse:
    order = own_order(request, pk)
    delay = order_delay(order=order, delay_id=delay_pk)
    if delay is None:
        raise Http404(_("This order has no such delay."))
    call_service(
        request,
        lambda: services.delay_accept(delay=delay, actor=request.user),
        done=_("The new finish date is accepted."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def delivery_confirm(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    order = own_order(request, pk)
    call_service(
        request,
        lambda: services.delivery_confirm(order=order, actor=request.user),
        done=_("Delivery is confirmed. Please rate the factory."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def order_rate(request: AuthenticatedHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    order = own_order(request, pk)
    part = order_parts(order=order).filter(pk=part_pk).first()
    if part is None:
        raise Http404(_("That is not a part of this order."))
    form = RatingForm(request.POST, prefix=f"part-{part.pk}")
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(order)
    call_service(
        request,
        lambda: services.order_rate(
            order=order,
            actor=request.user,
            quality=form.cleaned_data["quality"],
            comment=form.cleaned_data["comment"],
            part=part,
        ),
        done=_("Thank you: the rating is saved."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def dispute_open(request: AuthenticatedHttpRequest, pk: int, part_pk: int) -> HttpResponse:
    order = own_order(request, pk)
    part = order_parts(order=order).filter(pk=part_pk).first()
    if part is None:
        raise Http404(_("That is not a part of this order."))
    form = DisputeForm(request.POST, request.FILES, prefix=f"dispute-{part.pk}")
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(order)
    call_service(
        request,
        lambda: disputes.dispute_open(
            order=order, actor=request.user, part=part, **form.cleaned_data
        ),
        done=_("Dispute opened: the factory answers, then the marketplace decides."),
    )
    return back_to_order(order)


def _sample_decide(request: AuthenticatedHttpRequest, pk: int, *, approve: bool) -> HttpResponse:
    order = own_order(request, pk)
    form = SampleDecisionForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(order)
    call_service(
        request,
        lambda: services.sample_decide(
            order=order, actor=request.user, approve=approve, note=form.cleaned_data["note"]
        ),
        done=_("The sample is approved.") if approve else _("The sample is rejected."),
    )
    return back_to_order(order)


@seller_required
@require_POST
def sample_approve(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _sample_decide(request, pk, approve=True)


@seller_required
@require_POST
def sample_reject(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _sample_decide(request, pk, approve=False)


def _own_assignment(request: AuthenticatedHttpRequest, pk: int, offer_pk: int) -> Assignment:
    order = own_order(request, pk)
    assignment = seller_assignment_list(seller=request.user).filter(order=order, pk=offer_pk)
    found = assignment.first()
    if found is None:
        raise Http404(_("That is not an offer of this order."))
    return found


@seller_required
@require_POST
def counter_accept_view(request: AuthenticatedHttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk, offer_pk)
    call_service(
        request,
        lambda: counter_accept(assignment=assignment, actor=request.user),
        done=_("Counter-offer accepted: the factory makes this part on its terms."),
    )
    return back_to_order(assignment.order)


@seller_required
@require_POST
def counter_reject_view(request: AuthenticatedHttpRequest, pk: int, offer_pk: int) -> HttpResponse:
    assignment = _own_assignment(request, pk, offer_pk)
    form = CounterAnswerForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return back_to_order(assignment.order)
    call_service(
        request,
        lambda: counter_reject(
            assignment=assignment, actor=request.user, note=form.cleaned_data["note"]
        ),
        done=_("Counter-offer rejected: the order is matched again."),
    )
    return back_to_order(assignment.order)


def _standby_answer(
    request: AuthenticatedHttpRequest, pk: int, switch_pk: int, *, move: bool
) -> HttpResponse:
    order = own_order(request, pk)
    switch = order_standby_switch(order=order, switch_id=switch_pk)
    if switch is None:
        raise Http404(_("This order has no such standby proposal."))
    if move:
        call_service(
            request,
            lambda: standby.standby_switch_accept(switch=switch, actor=request.user),
            done=_("The part is moved: the standby factory is offered it."),
        )
    else:
        call_service(
            request,
            lambda: standby.standby_switch_decline(switch=switch, actor=request.user),
            done=_("The part stays with its factory."),
        )
    return back_to_order(order)


@seller_required
@require_POST
def standby_accept(request: AuthenticatedHttpRequest, pk: int, switch_pk: int) -> HttpResponse:
    return _standby_answer(request, pk, switch_pk, move=True)


@seller_required
@require_POST
def standby_decline(request: AuthenticatedHttpRequest, pk: int, switch_pk: int) -> HttpResponse:
    return _standby_answer(request, pk, switch_pk, move=False)

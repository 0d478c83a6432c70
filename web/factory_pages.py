"""The factory owner's pages that show offers and work: the dashboard, the capacity calendar,
the offers inbox (accept, decline) and the page of one offer or accepted part (milestones,
photos, delays). They combine factories, orders, matching and production, so they live in
the top layer; the pages of factories, capabilities and windows alone are factories/views.py.

Every object comes from a selector scoped to the owner (another owner's is a 404); every
write is a service call, so the pages follow the API's rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from factories.selectors import factory_list
from marketplace.pages import (
    call_form_service,
    call_service,
    factory_owner_required,
    form_errors_as_messages,
)
from marketplace.request_types import AuthenticatedHttpRequest
from matching.counters import counter_create
from matching.forms import CounterForm, DeclineForm
from matching.models import WAITING_ASSIGNMENT_STATUSES, Assignment, AssignmentStatus, PriceGuidance
from matching.offers import offer_accept, offer_decline
from matching.selectors import (
    offer_allowed_actions,
    offer_list,
    price_guidance_list,
    with_pools,
)
from orders.selectors import order_history, seller_reliability
from production import disputes, services
from production import selectors as production_selectors
from production.forms import DelayForm, DisputeAnswerForm, MilestoneForm, dispute_shown
from production.models import DisputeStatus

CALENDAR_DAYS = 42


@factory_owner_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    board = production_selectors.owner_dashboard(owner=request.user, today=today)
    if not factory_list(owner=request.user).exists():
        messages.info(request, _("Register your first factory to receive offers."))
    return render(
        request,
        "factories/dashboard.html",
        {
            "board": board,
            "today": today,
            "now": timezone.now(),
            "guidance": _guidance(request, today=today),
        },
    )


def _guidance(
    request: AuthenticatedHttpRequest,
    *,
    today: dt.date,
    start: dt.date | None = None,
    end: dt.date | None = None,
) -> list[tuple[PriceGuidance, list[PriceGuidance]]]:
    """The latest run's price guidance for the owner's windows (those overlapping
    ``start``..``end`` when given), grouped by window: (first row, its rows)."""
    rows = price_guidance_list(owner=request.user, today=today)
    if start is not None and end is not None:
        rows = rows.filter(window__start_date__lte=end, window__end_date__gte=start)
    grouped: dict[int, list[PriceGuidance]] = {}
    for row in rows:
        grouped.setdefault(row.window_id, []).append(row)
    return [(levels[0], levels) for levels in grouped.values()]


def _offer(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    return get_object_or_404(offer_list(owner=request.user), pk=pk)


def _calendar_start(request: AuthenticatedHttpRequest) -> dt.date:
    today = timezone.localdate()
    try:
        start = dt.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return today - dt.timedelta(days=today.weekday())
    return start


@factory_owner_required
def calendar(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Windows as bars over the next six weeks, accepted orders drawn inside them, waiting
    offers dashed, colour by utilisation; the offers waiting for an answer beside it."""
    start = _calendar_start(request)
    context = _calendar_context(request, start)
    template = "factories/_calendar.html" if request.htmx else "factories/calendar.html"
    return render(request, template, context)


def _calendar_context(request: AuthenticatedHttpRequest, start: dt.date) -> dict[str, Any]:
    waiting = offer_list(owner=request.user).filter(status=AssignmentStatus.PROPOSED)
    end = start + dt.timedelta(days=CALENDAR_DAYS - 1)
    return {
        "calendar": production_selectors.capacity_calendar(
            owner=request.user, start=start, days=CALENDAR_DAYS
        ),
        "guidance": _guidance(request, today=timezone.localdate(), start=start, end=end),
        "previous": start - dt.timedelta(days=28),
        "next": start + dt.timedelta(days=28),
        "waiting": waiting.order_by("expires_at", "pk"),
        "decline_form": DeclineForm(),
        "now": timezone.now(),
    }


@factory_owner_required
def offer_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    offers = offer_list(owner=request.user)
    waiting = with_pools(
        offers.filter(status=AssignmentStatus.PROPOSED).order_by("expires_at", "pk")
    )
    reliability = seller_reliability(seller_ids=[o.order.seller_id for o in waiting])
    return render(
        request,
        "factories/offer_inbox.html",
        {
            "waiting": [(offer, reliability[offer.order.seller_id]) for offer in waiting],
            "countered": offers.filter(status=AssignmentStatus.COUNTERED).order_by(
                "counter__expires_at", "pk"
            ),
            "answered": offers.exclude(status__in=WAITING_ASSIGNMENT_STATUSES).order_by(
                "-updated_at"
            )[:50],
            "decline_form": DeclineForm(),
            "now": timezone.now(),
        },
    )


def _back(request: AuthenticatedHttpRequest, default: str) -> HttpResponse:
    """Back to the page the button was on (the inbox, the calendar or the offer)."""
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect(default)


@factory_owner_required
@require_POST
def offer_accept_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    call_service(
        request,
        lambda: offer_accept(offer=offer, actor=request.user),
        done=_("Offer accepted: order #%(order)s is booked in your window.")
        % {"order": offer.order_id},
    )
    if request.htmx:
        return render(
            request,
            "factories/_calendar.html",
            _calendar_context(request, _calendar_start(request)),
        )
    return _back(request, "factory-offers")


@factory_owner_required
@require_POST
def offer_decline_view(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        form_errors_as_messages(request, form)
        return _back(request, "factory-offers")
    call_service(
        request,
        lambda: offer_decline(offer=offer, actor=request.user, **form.cleaned_data),
        done=_("Offer declined; the order goes to another factory."),
    )
    return _back(request, "factory-offers")


def _counter_send(*, part: Assignment, actor: Any, **terms: Any) -> object:
    return counter_create(offer=part, actor=actor, **terms)


@factory_owner_required
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One offer or accepted part: the order, its plan, milestones (with photos), delays."""
    offer = _offer(request, pk)
    next_kind = (
        services.next_milestone(offer) if offer.status == AssignmentStatus.ACCEPTED else None
    )
    milestone_form = MilestoneForm(initial={"kind": next_kind})
    delay_form = DelayForm()
    counter_form = CounterForm(offer=offer, auto_id="counter-%s")
    dispute = dispute_shown(production_selectors.part_disputes(part=offer).first())
    answer_form = DisputeAnswerForm()
    form: DelayForm | MilestoneForm | CounterForm | DisputeAnswerForm
    service: Any
    if request.method == "POST":
        if request.POST.get("form") == "counter":
            counter_form = CounterForm(request.POST, offer=offer, auto_id="counter-%s")
            form = counter_form
            done = _("Counter-offer sent; the seller accepts or rejects it.")
            service = _counter_send
        elif "answer" in request.POST and dispute is not None:
            answer_form = DisputeAnswerForm(request.POST)
            form, done = answer_form, _("Answer sent; the marketplace now decides.")
            service = lambda part, **data: disputes.dispute_answer(  # noqa: E731
                dispute=dispute, **data
            )
        elif "new_finish" in request.POST:
            delay_form = DelayForm(request.POST)
            form, done = delay_form, _("Delay reported; the seller accepts it or cancels.")
            service = services.delay_report
        else:
            milestone_form = MilestoneForm(request.POST, request.FILES)
            form, done = milestone_form, _("Milestone posted; the seller is notified.")
            service = services.milestone_post
        if form.is_valid() and call_form_service(
            form, lambda: service(part=offer, actor=request.user, **form.cleaned_data)
        ):
            messages.success(request, done)
            return redirect("factory-offer", pk=offer.pk)
    with_pools([offer])
    return render(
        request,
        "factories/offer_detail.html",
        {
            "offer": offer,
            "actions": offer_allowed_actions(offer),
            "milestones": offer.milestones.order_by("created_at"),
            "delays": offer.delays.order_by("created_at"),
            "history": order_history(order=offer.order),
            "reliability": seller_reliability(seller_ids=[offer.order.seller_id])[
                offer.order.seller_id
            ],
            "milestone_form": milestone_form,
            "delay_form": delay_form,
            "dispute": dispute,
            "answer_form": answer_form
            if dispute and dispute.status == DisputeStatus.OPEN
            else None,
            "counter_form": counter_form,
            "counter": offer.counter_offer,
            "decline_form": DeclineForm(),
            "next_kind": next_kind,
            "now": timezone.now(),
        },
    )

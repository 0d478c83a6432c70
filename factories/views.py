"""The factory owner's pages: dashboard, factories and capabilities, capacity windows, the
capacity calendar, the offers inbox, and the page of one offer (milestones, photos, delays).

Every object comes from a selector scoped to the owner (another owner's is a 404); every
write is a service call, so the pages follow the API's rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from factories import selectors, services
from factories.forms import (
    CapabilityForm,
    CapacityWindowForm,
    DeclineForm,
    DelayForm,
    FactoryForm,
    MilestoneForm,
    WindowChangeForm,
)
from factories.models import Factory
from marketplace.pages import (
    call_form_service,
    call_service,
    factory_owner_required,
    form_errors_as_messages,
)
from marketplace.request_types import AuthenticatedHttpRequest
from matching.models import Assignment, AssignmentStatus
from matching.offers import offer_accept, offer_decline
from matching.selectors import offer_allowed_actions, offer_list
from orders import production
from orders.selectors import order_history, seller_reliability

CALENDAR_DAYS = 42


def _factories(request: AuthenticatedHttpRequest) -> QuerySet[Factory]:
    return selectors.factory_list(owner=request.user).order_by("name", "pk")


def _offer(request: AuthenticatedHttpRequest, pk: int) -> Assignment:
    return get_object_or_404(offer_list(owner=request.user), pk=pk)


@factory_owner_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    today = timezone.localdate()
    board = selectors.owner_dashboard(owner=request.user, today=today)
    if not _factories(request).exists():
        messages.info(request, _("Register your first factory to receive offers."))
    return render(
        request,
        "factories/dashboard.html",
        {"board": board, "today": today, "now": timezone.now()},
    )


@factory_owner_required
def factory_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "factories/factory_list.html", {"factories": _factories(request)})


@factory_owner_required
def factory_edit(request: AuthenticatedHttpRequest, pk: int | None = None) -> HttpResponse:
    """The factory's profile, and below it what it makes (capabilities)."""
    factory = get_object_or_404(_factories(request), pk=pk) if pk else None
    form = FactoryForm(request.POST or None, instance=factory)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if factory is None:
            saved = call_form_service(
                form, lambda: services.factory_create(owner=request.user, **data)
            )
            done = _("Factory registered. Staff verify it before it receives offers.")
        else:
            current = factory
            saved = call_form_service(
                form, lambda: services.factory_update(factory=current, data=data)
            )
            done = _("Profile saved.")
        if saved is not None:
            messages.success(request, done)
            return redirect("factory-edit", pk=saved.pk)
    capabilities = (
        factory.capabilities.select_related("category__parent").order_by("category__name")
        if factory
        else []
    )
    return render(
        request,
        "factories/factory_form.html",
        {
            "factory": factory,
            "form": form,
            "capabilities": capabilities,
            "capability_form": CapabilityForm(),
        },
    )


@factory_owner_required
@require_POST
def capability_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    factory = get_object_or_404(_factories(request), pk=pk)
    form = CapabilityForm(request.POST)
    if form.is_valid():
        added = call_form_service(
            form, lambda: services.capability_create(factory=factory, **form.cleaned_data)
        )
        if added is not None:
            messages.success(request, _("Capability added."))
            return redirect("factory-edit", pk=factory.pk)
    return render(
        request,
        "factories/factory_form.html",
        {
            "factory": factory,
            "form": FactoryForm(instance=factory),
            "capabilities": factory.capabilities.select_related("category__parent"),
            "capability_form": form,
        },
    )


@factory_owner_required
@require_POST
def capability_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    capability = get_object_or_404(selectors.capability_list(owner=request.user), pk=pk)
    call_service(
        request,
        lambda: services.capability_delete(capability=capability),
        done=_("Capability removed."),
    )
    return redirect("factory-edit", pk=capability.factory_id)


@factory_owner_required
@require_POST
def factory_resume(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    factory = get_object_or_404(_factories(request), pk=pk)
    call_service(
        request,
        lambda: services.factory_resume(factory=factory),
        done=_("Offers resumed."),
    )
    return redirect("factory-dashboard")


@factory_owner_required
def window_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The owner's capacity windows, and a form to post a new one."""
    form = CapacityWindowForm(request.POST or None, owner=request.user)
    if request.method == "POST" and form.is_valid():
        if call_form_service(form, lambda: services.capacity_window_create(**form.cleaned_data)):
            messages.success(request, _("Capacity window posted."))
            return redirect("factory-windows")
    windows = (
        selectors.capacity_window_list(owner=request.user)
        .select_related("factory")
        .filter(end_date__gte=timezone.localdate())
        .order_by("start_date", "factory__name")
    )
    return render(request, "factories/window_list.html", {"form": form, "windows": windows})


@factory_owner_required
def window_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(selectors.capacity_window_list(owner=request.user), pk=pk)
    initial = {f: getattr(window, f) for f in ("start_date", "end_date", "units_per_day")}
    form = WindowChangeForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        saved = call_form_service(
            form, lambda: services.capacity_window_update(window=window, **form.cleaned_data)
        )
        if saved is not None:
            messages.success(request, _("Capacity window saved."))
            return redirect("factory-windows")
    return render(request, "factories/window_form.html", {"form": form, "window": window})


@factory_owner_required
@require_POST
def window_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    window = get_object_or_404(selectors.capacity_window_list(owner=request.user), pk=pk)
    call_service(
        request,
        lambda: services.capacity_window_delete(window=window),
        done=_("Capacity window deleted."),
    )
    return redirect("factory-windows")


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
    return {
        "calendar": selectors.capacity_calendar(
            owner=request.user, start=start, days=CALENDAR_DAYS
        ),
        "previous": start - dt.timedelta(days=28),
        "next": start + dt.timedelta(days=28),
        "waiting": waiting.order_by("expires_at", "pk"),
        "decline_form": DeclineForm(),
        "now": timezone.now(),
    }


@factory_owner_required
def offer_inbox(request: AuthenticatedHttpRequest) -> HttpResponse:
    offers = offer_list(owner=request.user)
    waiting = list(offers.filter(status=AssignmentStatus.PROPOSED).order_by("expires_at", "pk"))
    reliability = seller_reliability(seller_ids=[o.order.seller_id for o in waiting])
    return render(
        request,
        "factories/offer_inbox.html",
        {
            "waiting": [(offer, reliability[offer.order.seller_id]) for offer in waiting],
            "answered": offers.exclude(status=AssignmentStatus.PROPOSED).order_by("-updated_at")[
                :50
            ],
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


@factory_owner_required
def offer_detail(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """One offer or accepted part: the order, its plan, milestones (with photos), delays."""
    offer = _offer(request, pk)
    next_kind = (
        production.next_milestone(offer) if offer.status == AssignmentStatus.ACCEPTED else None
    )
    milestone_form = MilestoneForm(initial={"kind": next_kind})
    delay_form = DelayForm()
    form: DelayForm | MilestoneForm
    if request.method == "POST":
        if "new_finish" in request.POST:
            delay_form = DelayForm(request.POST)
            form, done = delay_form, _("Delay reported; the seller accepts it or cancels.")
            service: Any = production.delay_report
        else:
            milestone_form = MilestoneForm(request.POST, request.FILES)
            form, done = milestone_form, _("Milestone posted; the seller is notified.")
            service = production.milestone_post
        if form.is_valid() and call_form_service(
            form, lambda: service(part=offer, actor=request.user, **form.cleaned_data)
        ):
            messages.success(request, done)
            return redirect("factory-offer", pk=offer.pk)
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
            "decline_form": DeclineForm(),
            "next_kind": next_kind,
            "now": timezone.now(),
        },
    )

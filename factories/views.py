"""The factory owner's pages: dashboard, factories and capabilities, capacity windows, the
capacity calendar, the offers inbox, and the page of one offer (milestones, photos, delays).

Every object comes from a selector scoped to the owner (another owner's is a 404); every
write is a service call, so the pages follow the API's rules.
"""

from __future__ import annotations

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
    FactoryForm,
    WindowChangeForm,
)
from factories.models import Factory
from marketplace.pages import (
    call_form_service,
    call_service,
    factory_owner_required,
)
from marketplace.request_types import AuthenticatedHttpRequest

CALENDAR_DAYS = 42


def _factories(request: AuthenticatedHttpRequest) -> QuerySet[Factory]:
    return selectors.factory_list(owner=request.user).order_by("name", "pk")


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

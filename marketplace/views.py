"""Pages shared by everyone: home, registration, the dashboard switch, notifications."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import i18n
from django.views.decorators.http import require_POST

from marketplace.forms import RegisterForm
from marketplace.languages import supported_language
from marketplace.notifications import notification_mark_all_read
from marketplace.pages import call_form_service
from marketplace.request_types import AuthenticatedHttpRequest
from marketplace.selectors import notification_list
from marketplace.services import user_language_set, user_register
from marketplace.throttling import RegisterRateThrottle, rate_limited


@rate_limited(RegisterRateThrottle)
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        registered = call_form_service(
            form,
            lambda: user_register(
                **form.cleaned_data, language=supported_language(translation.get_language())
            ),
        )
        if registered is not None:
            user, _token = registered
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("dashboard")
    return render(request, "marketplace/register.html", {"form": form})


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Each role has its own dashboard."""
    user = request.user
    if user.is_factory_owner:
        return redirect("factory-dashboard")
    if user.is_marketplace_staff:
        return redirect("staff-runs")
    return redirect("seller-dashboard")


@login_required
def notifications(request: AuthenticatedHttpRequest) -> HttpResponse:
    found = notification_list(user=request.user)[:200]
    return render(request, "marketplace/notifications.html", {"notifications": found})


@login_required
@require_POST
def notifications_read_all(request: AuthenticatedHttpRequest) -> HttpResponse:
    notification_mark_all_read(user=request.user)
    return redirect("notifications")


@require_POST
def set_language(request: HttpRequest) -> HttpResponse:
    """Django's language switcher; a signed-in user's choice is also stored on the account
    (marketplace/languages.py)."""
    response = i18n.set_language(request)
    chosen = request.POST.get("language", "")
    if request.user.is_authenticated and translation.check_for_language(chosen):
        user_language_set(user=request.user, language=supported_language(chosen))
    return response

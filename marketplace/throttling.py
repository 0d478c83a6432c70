"""Rate limits on password guessing, sign-ups and hand-started match runs.

The same throttle classes guard the API views (``throttle_classes``) and the Django pages
(``rate_limited``): the login page and ``POST /api/auth/token/`` share the "login" budget of a
client address, the register page and ``POST /api/auth/register/`` the "register" budget, and
the staff page's "start a run" and ``POST /api/match-runs/`` the "match_runs" budget of a user.
Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]`` (environment variables
``THROTTLE_*_RATE``), read on every request so that a settings override takes effect at once.
Counters live in the default cache (Redis in production, so every web process counts alike).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from rest_framework.exceptions import Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class SettingsRateThrottle(SimpleRateThrottle):
    """A scoped throttle whose rate is looked up live in the DRF settings."""

    def get_rate(self) -> str | None:
        # djangorestframework-stubs types the rates as numbers; DRF's are "5/min" strings
        rates: dict[str, str | None] = api_settings.DEFAULT_THROTTLE_RATES  # type: ignore[assignment]
        if self.scope not in rates:
            raise ImproperlyConfigured(
                f'REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] has no rate for {self.scope!r}'
            )
        return rates[self.scope]

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        # the client address, behind REST_FRAMEWORK["NUM_PROXIES"] proxies
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginRateThrottle(SettingsRateThrottle):
    """Attempts to log in (page) or to get an API token, per client address."""

    scope = "login"


class RegisterRateThrottle(SettingsRateThrottle):
    """Sign-ups (page and API), per client address."""

    scope = "register"


class MatchRunRateThrottle(SettingsRateThrottle):
    """Match runs started by hand, per user."""

    scope = "match_runs"

    def get_cache_key(self, request: Any, view: Any) -> str | None:
        user = getattr(request, "user", None)
        ident = user.pk if user is not None and user.is_authenticated else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class WhatIfRateThrottle(MatchRunRateThrottle):
    """What-ifs asked for through the API, per user (each one solves the market twice)."""

    scope = "what_ifs"


class QuoteRateThrottle(MatchRunRateThrottle):
    """Instant quotes (API and the order form), per user: the form asks as the seller types."""

    scope = "quotes"


View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def rate_limited(
    throttle_class: type[SettingsRateThrottle], methods: tuple[str, ...] = ("POST",)
) -> Callable[[View], View]:
    """Limit a Django page view with a throttle: over the rate it answers 429 with a
    Retry-After header and changes nothing. Only ``methods`` count (GET shows the form)."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            if request.method in methods:
                throttle = throttle_class()
                # a DRF throttle reads only the address and user, which a page request has too
                if not throttle.allow_request(request, None):  # type: ignore[arg-type]
                    wait = throttle.wait()
                    # DRF's own (translated) message: "Request was throttled. Expected
                    # available in N seconds."
                    response = HttpResponse(
                        str(Throttled(wait).detail),
                        status=429,
                        content_type="text/plain; charset=utf-8",
                    )
                    if wait is not None:
                        response["Retry-After"] = str(max(1, round(wait)))
                    return response
            return view(request, *args, **kwargs)

        return cast(View, wrapped)  # same signature (functools.wraps)

    return decorate

"""Which language a signed-in user reads: their ``User.language``.

- At log-in the language cookie is set from the account, so a user reads their own
  language on any browser after signing in. The switcher then changes the cookie and
  stores the choice on the account too (``set_language`` in marketplace/views.py).
- Any request (page or API) that names a language, by the cookie or ``Accept-Language``,
  is answered in it (Django's ``LocaleMiddleware``); a signed-in request that names none
  (a token client of the API) reads the account's language.
- Emails: the recipient's language (marketplace/notifications.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from rest_framework import authentication

from marketplace.models import User

API_PREFIX = "/api/"


def supported_language(code: str | None) -> str:
    """``code`` as one of settings.LANGUAGES (``zh-hans`` for ``zh-Hans-CN``), else the
    site's language."""
    try:
        return translation.get_supported_language_variant(code or "")
    except LookupError:
        return settings.LANGUAGE_CODE


def _activate(request: Any, language: str) -> None:
    translation.activate(language)
    request.LANGUAGE_CODE = translation.get_language()


def _set_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )


def names_language(request: Any) -> bool:
    return "HTTP_ACCEPT_LANGUAGE" in request.META or (
        settings.LANGUAGE_COOKIE_NAME in request.COOKIES
    )


class UserLanguageMiddleware:
    """Pages: the cookie is set from the account at log-in, and a signed-in request that
    names no language reads the account's (after AuthenticationMiddleware)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(API_PREFIX):
            return self.get_response(request)
        signed_in = request.user.is_authenticated
        if isinstance(request.user, User) and not names_language(request):
            _activate(request, request.user.language)
        response = self.get_response(request)
        user = request.user  # the view may have logged someone in
        if user.is_authenticated and not signed_in:
            _set_cookie(response, user.language)
        return response


class _UserLanguage:
    """API: a client that names no language (no Accept-Language, no cookie) reads its
    user's."""

    def authenticate(self, request: Any) -> tuple[User, Any] | None:
        found = super().authenticate(request)  # type: ignore[misc]
        if found is not None and not names_language(request):
            _activate(request, found[0].language)
        return found


class TokenAuthentication(_UserLanguage, authentication.TokenAuthentication):
    pass


class SessionAuthentication(_UserLanguage, authentication.SessionAuthentication):
    pass

"""Map service-layer errors to HTTP: ValidationError -> 400 with field messages,
Conflict -> 409 (the object's current state does not allow the action)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from kombu.exceptions import OperationalError as BrokerError
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler


class Conflict(Exception):
    def __init__(self, message: str, *, current: str = "", allowed: tuple[str, ...] = ()):
        super().__init__(message)
        self.message = message
        self.current = current
        self.allowed = allowed


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    body: dict[str, object]
    if isinstance(exc, BrokerError):
        body = {
            "detail": _(
                "The task queue (Redis) is unreachable. What you asked for is saved and will "
                "be sent to the worker again automatically."
            )
        }
        return Response(body, status=status.HTTP_503_SERVICE_UNAVAILABLE)
    if isinstance(exc, Conflict):
        body = {"detail": exc.message, "status": exc.current, "allowed_actions": list(exc.allowed)}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            detail: Any = exc.message_dict
        else:
            detail = {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    return exception_handler(exc, context)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404 for a URL that matches no route: JSON under /api/ (like every other API
    answer), Django's page elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": str(exceptions.NotFound().detail)}, status=404)
    return defaults.page_not_found(request, exception)

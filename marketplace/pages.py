"""Helpers for the server-rendered pages: role checks and service calls.

Views stay short: fetch the user's own object through a selector (another user's is a 404),
call a service, and show its error on the form or as a message. The same services serve the
API, so the pages follow the same rules.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.forms import BaseForm
from django.http import HttpRequest, HttpResponse

from marketplace.errors import Conflict
from marketplace.forms import add_service_error

T = TypeVar("T")
Shown = TypeVar("Shown")
View = Callable[..., HttpResponse]


def shown_with(obj: Shown, **extras: object) -> Shown:
    """``obj`` with extra attributes that only its template reads (labels in the reader's
    language, a form); returns it."""
    for name, value in extras.items():
        setattr(obj, name, value)
    return obj


def _role_required(check: Callable[[Any], bool]) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


factory_owner_required = _role_required(lambda user: user.is_factory_owner)
seller_required = _role_required(lambda user: user.is_seller)
staff_required = _role_required(lambda user: user.is_marketplace_staff)


def call_form_service(form: BaseForm, call: Callable[[], T]) -> T | None:
    """Run the service a form submits: its result, or None after putting the service's
    refusal on the form (a validation error on its fields, a conflict form-wide)."""
    try:
        return call()
    except ValidationError as error:
        add_service_error(form, error)
    except Conflict as exc:
        form.add_error(None, exc.message)
    return None


def form_errors_as_messages(request: HttpRequest, form: BaseForm) -> None:
    """A small action form (a button with a note) was refused: show why as messages, on the
    page the action redirects back to."""
    for field, errors in form.errors.items():
        name = form.fields[field].label if field in form.fields else ""
        for error in errors:
            messages.error(request, f"{name}: {error}" if name else str(error))


def call_service(request: HttpRequest, call: Callable[[], T], *, done: str = "") -> T | None:
    """Run a service call for an action button: its result, or None after showing why it
    was refused (a 409 conflict or a validation error) as a message."""
    try:
        result = call()
    except Conflict as exc:
        messages.error(request, exc.message)
        return None
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return None
    if done:
        messages.success(request, done)
    return result

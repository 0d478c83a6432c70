"""Request types for views that only signed-in users reach (for the type checker).

``login_required`` pages and DRF views behind an authentication permission always see a
``User``; annotating ``request`` (or a view set's ``request`` attribute) with these types
says so once instead of narrowing ``request.user`` at every call. The pages also carry
django-htmx's details. (Admin code asks ``marketplace.admin.admin_user``.)
"""

from __future__ import annotations

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails
from rest_framework.request import Request

from marketplace.models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User
    htmx: HtmxDetails


class AuthenticatedRequest(Request):
    user: User

"""OpenAPI schema: drf-spectacular's AutoSchema plus the error answers each operation can
give, so that the schema tells clients (and schemathesis, tests/security) every status code:

- 400 a body or query that does not validate (``{"field": ["message"]}``, or ``{"detail"}``
  for a body that does not parse);
- 401 no or a bad token, 403 a role that may not do this (or a missing CSRF token);
- 404 an object that is not yours, or a page past the end of a list;
- 409 an action the object's current state does not allow (marketplace/errors.py);
- 413 a request body over MAX_REQUEST_BYTES (marketplace/security.py);
- 429 throttled (marketplace/throttling.py);
- 503 the task queue is unreachable (what was asked for is saved and sent later).
"""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.utils import OpenApiResponse, inline_serializer
from rest_framework import serializers

_DETAIL = inline_serializer("ErrorDetail", fields={"detail": serializers.CharField()})
_CONFLICT = inline_serializer(
    "ConflictError",
    fields={
        "detail": serializers.CharField(),
        "status": serializers.CharField(help_text="The object's current status."),
        "allowed_actions": serializers.ListField(child=serializers.CharField()),
    },
)
# {"field": ["message", ...]}, {"non_field_errors": [...]} or {"detail": "..."}
_VALIDATION = {
    "type": "object",
    "additionalProperties": True,
    "description": "Field names (or non_field_errors / detail) with their messages.",
}

_UNSAFE = ("POST", "PUT", "PATCH", "DELETE")


class AutoSchema(openapi.AutoSchema):
    def _error_responses(self) -> dict[str, OpenApiResponse]:
        has_path_params = "{" in self.path
        # lists, and the detail actions that answer a list (their filters apply too)
        is_list = self.method == "GET" and self._is_list_view()
        errors = {
            "401": OpenApiResponse(_DETAIL, "Not signed in, or a bad token."),
            "403": OpenApiResponse(_DETAIL, "Your role may not do this."),
        }
        if self.method in _UNSAFE or is_list:
            errors["400"] = OpenApiResponse(_VALIDATION, "Invalid input.")
        if has_path_params or is_list:
            errors["404"] = OpenApiResponse(_DETAIL, "Not found (or not yours), or no such page.")
        if self.method in _UNSAFE:
            errors["413"] = OpenApiResponse(_DETAIL, "Request body too large.")
            errors["503"] = OpenApiResponse(_DETAIL, "The task queue is unreachable.")
            if has_path_params:
                errors["409"] = OpenApiResponse(_CONFLICT, "Not allowed in the current state.")
        if self.view.get_throttles():
            errors["429"] = OpenApiResponse(_DETAIL, "Too many requests; see Retry-After.")
        return errors

    def _get_paginator(self) -> Any:
        # only the top-level lists are paginated; a detail action answering a list
        # (history, parts, milestones) returns a plain array
        if "{" in self.path:
            return None
        return super()._get_paginator()

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for code, response in self._error_responses().items():
            if code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses


class UserLanguageSessionScheme(SessionScheme):
    """The session login that also reads the user's language (marketplace/languages.py)."""

    target_class = "marketplace.languages.SessionAuthentication"

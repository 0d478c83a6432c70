"""Request size limit: a request whose body is larger than ``MAX_REQUEST_BYTES`` is answered
413 before any of it is read, whatever the view (DRF reads JSON bodies without Django's
DATA_UPLOAD_MAX_MEMORY_SIZE check, and uploads have their own, smaller limits checked by
the views: milestone photos, bulk upload files)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse


class RequestSizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return JsonResponse({"detail": "Invalid Content-Length."}, status=400)
        limit = settings.MAX_REQUEST_BYTES
        if length > limit:
            body = {"detail": f"Request body too large ({length} bytes; at most {limit})."}
            response = JsonResponse(body, status=413)
            response["Connection"] = "close"
            return response
        return self.get_response(request)

"""A DRF view set whose writes go through services (no logic in serializers or save())."""

from __future__ import annotations

from typing import Any, Generic, TypeVar

from django.db.models import Model
from rest_framework import status, viewsets
from rest_framework.request import Request
from rest_framework.response import Response

from marketplace.request_types import AuthenticatedRequest

M = TypeVar("M", bound=Model)


class ServiceModelViewSet(viewsets.ModelViewSet, Generic[M]):
    """Subclasses implement ``perform_service_create/update/destroy`` with a service call.

    Only signed-in users reach these (the default permission)."""

    request: AuthenticatedRequest
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def perform_service_create(self, data: dict[str, Any]) -> M:
        raise NotImplementedError

    def perform_service_update(self, instance: M, data: dict[str, Any]) -> M:
        raise NotImplementedError

    def perform_service_destroy(self, instance: M) -> None:
        raise NotImplementedError

    def _respond(self, instance: M, code: int) -> Response:
        return Response(self.get_serializer(instance).data, status=code)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_service_create(serializer.validated_data)
        return self._respond(instance, status.HTTP_201_CREATED)

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        instance = self.perform_service_update(instance, serializer.validated_data)
        return self._respond(instance, status.HTTP_200_OK)

    def destroy(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        self.perform_service_destroy(self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

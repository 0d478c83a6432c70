from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission
from rest_framework.request import Request
from rest_framework.views import APIView

from marketplace.models import Role


class IsFactoryOwner(BasePermission):
    message = _("Only factory owners can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.FACTORY_OWNER)


class IsSeller(BasePermission):
    message = _("Only sellers can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.role == Role.SELLER)


class IsMarketplaceStaff(BasePermission):
    message = _("Only marketplace staff can do this.")

    def has_permission(self, request: Request, view: APIView) -> bool:
        return bool(request.user.is_authenticated and request.user.is_marketplace_staff)

"""Accounts and categories."""

from __future__ import annotations

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.models import ProductCategory, User
from marketplace.selectors import category_list
from marketplace.serializers import (
    CategorySerializer,
    RegisteredUserSerializer,
    RegisterSerializer,
    UserSerializer,
)
from marketplace.services import user_register


class RegisterApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredUserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, token = user_register(**serializer.validated_data)
        body = UserSerializer(user).data | {"token": token.key}
        return Response(body, status=status.HTTP_201_CREATED)


class MeApi(generics.RetrieveAPIView):
    serializer_class = UserSerializer

    def get_object(self) -> User:
        return self.request.user


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    """The product category tree; only leaves can be used by capabilities and orders."""

    serializer_class = CategorySerializer
    pagination_class = None
    filterset_fields = ["parent", "slug"]
    permission_classes = [AllowAny]

    @extend_schema(parameters=[OpenApiParameter("leaf", bool, description="only leaf categories")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[ProductCategory]:
        leaf_only = self.request.query_params.get("leaf", "").lower() in ("1", "true", "yes")
        return category_list(leaf_only=leaf_only)

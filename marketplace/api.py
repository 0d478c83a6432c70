"""Accounts, categories and notifications."""

from __future__ import annotations

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from marketplace.languages import supported_language
from marketplace.models import Notification, ProductCategory, User
from marketplace.notifications import notification_mark_all_read, notification_mark_read
from marketplace.places import place_search
from marketplace.request_types import AuthenticatedRequest
from marketplace.selectors import category_list, notification_list, notification_unread_count
from marketplace.serializers import (
    CategorySerializer,
    MeUpdateSerializer,
    NotificationSerializer,
    PlaceSerializer,
    RegisteredUserSerializer,
    RegisterSerializer,
    UnreadCountSerializer,
    UserSerializer,
)
from marketplace.services import user_language_set, user_register
from marketplace.throttling import LoginRateThrottle, RegisterRateThrottle


class RegisterApi(APIView):
    permission_classes = [AllowAny]
    throttle_classes = [RegisterRateThrottle]

    @extend_schema(request=RegisterSerializer, responses={201: RegisteredUserSerializer})
    def post(self, request: Request) -> Response:
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user, token = user_register(
            **serializer.validated_data, language=supported_language(translation.get_language())
        )
        body = UserSerializer(user).data | {"token": token.key}
        return Response(body, status=status.HTTP_201_CREATED)


class TokenApi(ObtainAuthToken):
    """Username and password for an API token; throttled per client address like the
    login page (password guessing)."""

    throttle_classes = [LoginRateThrottle]


class MeApi(generics.RetrieveAPIView):
    """You; PATCH changes the language you read the API (without Accept-Language), the
    pages after log-in and your emails in."""

    request: AuthenticatedRequest
    serializer_class = UserSerializer

    def get_object(self) -> User:
        return self.request.user

    @extend_schema(request=MeUpdateSerializer, responses=UserSerializer)
    def patch(self, request: Request) -> Response:
        serializer = MeUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = self.get_object()
        if "language" in serializer.validated_data:
            user = user_language_set(user=user, language=serializer.validated_data["language"])
        return Response(UserSerializer(user).data)


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


class NotificationViewSet(viewsets.ReadOnlyModelViewSet):
    """Your notifications, newest first (``?unread=true`` for the unread ones)."""

    request: AuthenticatedRequest
    serializer_class = NotificationSerializer
    queryset = Notification.objects.none()  # for the schema; get_queryset scopes to you

    @extend_schema(parameters=[OpenApiParameter("unread", bool, description="only unread ones")])
    def list(self, request: Request, *args: object, **kwargs: object) -> Response:
        return super().list(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Notification]:
        found = notification_list(user=self.request.user)
        if self.request.query_params.get("unread", "").lower() in ("1", "true", "yes"):
            found = found.filter(read_at__isnull=True)
        return found

    @extend_schema(responses=UnreadCountSerializer)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: AuthenticatedRequest) -> Response:
        return Response({"unread": notification_unread_count(user=request.user)})

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: AuthenticatedRequest, pk: str | None = None) -> Response:
        notification = notification_mark_read(notification=self.get_object())
        return Response(self.get_serializer(notification).data)

    @extend_schema(request=None, responses=UnreadCountSerializer)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: AuthenticatedRequest) -> Response:
        notification_mark_all_read(user=request.user)
        return Response({"unread": notification_unread_count(user=request.user)})


class PlaceSearchApi(APIView):
    """Cities of China whose Chinese or pinyin name or code starts with ``q`` (at most 10),
    for type-ahead; orders and factories take one as ``ship_to_place`` or ``place``."""

    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True, description="a name or code")],
        responses=PlaceSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        query = request.query_params.get("q", "")
        if len(query) > 50:
            raise ValidationError({"q": _("At most 50 characters.")})
        return Response(PlaceSerializer(place_search(query), many=True).data)

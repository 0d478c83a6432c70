from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from rest_framework import serializers

from marketplace.models import Notification, ProductCategory, User
from marketplace.places import Place, PlaceNotFound, place_resolve
from marketplace.selectors import TreeCategory
from marketplace.services import SELF_SERVICE_ROLE_CHOICES


class RegisterSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(write_only=True, style={"input_type": "password"})
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    role = serializers.ChoiceField(choices=SELF_SERVICE_ROLE_CHOICES)
    company_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default=""
    )


class UserSerializer(serializers.ModelSerializer):
    # may be empty, so not documented as format "email"
    email = serializers.CharField(read_only=True, help_text="Email address; empty when none.")

    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "company_name", "is_staff", "language"]
        read_only_fields = fields


class MeUpdateSerializer(serializers.Serializer):
    """What a user may change of their own account: the language."""

    language = serializers.ChoiceField(choices=settings.LANGUAGES, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        fixed = sorted(set(self.initial_data) - set(self.fields))
        if fixed:
            raise serializers.ValidationError(
                {name: [_("This field cannot be changed.")] for name in fixed}
            )
        return attrs


class RegisteredUserSerializer(UserSerializer):
    token = serializers.CharField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "token"]
        read_only_fields = fields


class CategoryNameField(serializers.CharField):
    """A category's name in the request's language (``ProductCategory.display_name``)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("help_text", "Category name in the request's language (Accept-Language).")
        super().__init__(read_only=True, **kwargs)


class CategorySerializer(serializers.ModelSerializer):
    name = CategoryNameField(source="display_name")
    name_en = serializers.CharField(source="name", read_only=True, help_text="English name.")
    name_zh = serializers.CharField(read_only=True, help_text="Chinese name.")
    is_leaf = serializers.SerializerMethodField()

    class Meta:
        model = ProductCategory
        fields = ["id", "name", "name_en", "name_zh", "slug", "parent", "is_leaf"]

    def get_is_leaf(self, category: TreeCategory) -> bool:
        return not category.has_children


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    title = serializers.CharField(read_only=True, help_text="In the request's language.")
    message = serializers.CharField(read_only=True, help_text="In the request's language.")

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "message", "order", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()


class PlaceField(serializers.CharField):
    """A city of China by code ("440300") or name ("深圳", "Shenzhen"), as a ``Place``
    (marketplace/places.py); an unknown or ambiguous name is a 400 listing close matches."""

    def to_internal_value(self, data: Any) -> Place:  # type: ignore[override]
        value = super().to_internal_value(data)
        try:
            return place_resolve(value)
        except PlaceNotFound as missing:
            raise serializers.ValidationError(missing.message()) from None


def place_fill(
    attrs: dict[str, Any],
    *,
    place_field: str,
    city: str,
    latitude: str,
    longitude: str,
    province: str | None = None,
    required: bool,
) -> dict[str, Any]:
    """Fill a city and its coordinates from a named place, or keep explicit coordinates (a
    place outside the gazetteer); a 400 on the place field when both or neither are given."""
    place: Place | None = attrs.pop(place_field, None)
    given = [name for name in (latitude, longitude) if name in attrs]
    if place is None:
        named = (city, latitude, longitude, *([province] if province else []))
        missing = [name for name in named if name not in attrs]
        if required and missing:
            raise serializers.ValidationError(
                {name: _("This field is required.") for name in missing}
                | {place_field: _("Name a city, or give the city and its coordinates.")}
            )
        return attrs
    if given:
        raise serializers.ValidationError({place_field: _("Give a city or coordinates, not both.")})
    language = translation.get_language()
    attrs[city] = place.city_name(language)
    attrs[latitude], attrs[longitude] = place.latitude, place.longitude
    if province is not None:
        attrs[province] = place.province_name(language)
    return attrs


class PlaceSerializer(serializers.Serializer):
    code = serializers.CharField(read_only=True)
    name = serializers.CharField(read_only=True, help_text="Chinese name")
    name_en = serializers.CharField(read_only=True, help_text="Pinyin or English name")
    province = serializers.CharField(read_only=True)
    province_en = serializers.CharField(read_only=True)
    latitude = serializers.FloatField(read_only=True)
    longitude = serializers.FloatField(read_only=True)
    display_name = serializers.SerializerMethodField(help_text="In the request's language")

    def get_display_name(self, place: Place) -> str:
        return place.label(translation.get_language())

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import serializers

from marketplace.models import Notification, ProductCategory, User
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

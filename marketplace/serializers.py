from __future__ import annotations

from rest_framework import serializers

from marketplace.models import Notification, ProductCategory, User
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
        fields = ["id", "username", "email", "role", "company_name", "is_staff"]
        read_only_fields = fields


class RegisteredUserSerializer(UserSerializer):
    token = serializers.CharField(read_only=True)

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "token"]
        read_only_fields = fields


class CategorySerializer(serializers.ModelSerializer):
    is_leaf = serializers.SerializerMethodField()

    class Meta:
        model = ProductCategory
        fields = ["id", "name", "name_zh", "slug", "parent", "is_leaf"]

    def get_is_leaf(self, category: ProductCategory) -> bool:
        return not category.has_children


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "message", "order", "created_at", "read_at", "is_read"]
        read_only_fields = fields


class UnreadCountSerializer(serializers.Serializer):
    unread = serializers.IntegerField()

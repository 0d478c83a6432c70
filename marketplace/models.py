"""What the apps share: users with a role, and the product category tree."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    FACTORY_OWNER = "factory_owner", _("Factory owner")
    SELLER = "seller", _("Seller")
    STAFF = "staff", _("Staff")


class UserManager(DjangoUserManager["User"]):
    """An account made with admin access (``createsuperuser``, ``is_staff=True``) has the
    staff role unless told otherwise (the constraint below then refuses it)."""

    def create_user(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        if extra.get("is_staff") or extra.get("is_superuser"):
            extra.setdefault("role", Role.STAFF)
        return super().create_user(username, email, password, **extra)

    def create_superuser(
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> User:
        extra.setdefault("role", Role.STAFF)
        return super().create_superuser(username, email, password, **extra)


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.SELLER)
    company_name = models.CharField(max_length=200, blank=True)
    phone = models.CharField(max_length=40, blank=True)

    objects = UserManager()

    class Meta(AbstractUser.Meta):
        constraints = [
            # admin access (the admin site, superuser rights) is marketplace staff: such an
            # account cannot also sell or own factories
            models.CheckConstraint(
                condition=Q(role=Role.STAFF) | Q(is_staff=False, is_superuser=False),
                name="admin_access_has_staff_role",
                violation_error_message=_(
                    "An account with staff status or superuser rights has the staff role."
                ),
            )
        ]

    @property
    def is_factory_owner(self) -> bool:
        return self.role == Role.FACTORY_OWNER

    @property
    def is_seller(self) -> bool:
        return self.role == Role.SELLER

    @property
    def is_marketplace_staff(self) -> bool:
        return self.is_staff or self.role == Role.STAFF


class ProductCategory(models.Model):
    """A node of the category tree; only leaves are used by capabilities and orders."""

    name = models.CharField(max_length=100)
    name_zh = models.CharField("Chinese name", max_length=100, blank=True)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, related_name="children", on_delete=models.PROTECT
    )

    class Meta:
        ordering = ["parent_id", "name"]
        verbose_name_plural = "product categories"

    def __str__(self) -> str:
        return f"{self.parent.name} / {self.name}" if self.parent_id else self.name

    @property
    def is_leaf(self) -> bool:
        return not self.children.exists()


class Notification(models.Model):
    """Something the other party did that this user should know about (in-app and email)."""

    recipient = models.ForeignKey(User, related_name="notifications", on_delete=models.CASCADE)
    order = models.ForeignKey(
        "orders.Order", null=True, blank=True, related_name="+", on_delete=models.CASCADE
    )
    kind = models.CharField(max_length=40)
    title = models.CharField(max_length=200)
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

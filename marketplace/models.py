"""What the apps share: users with a role, and the product category tree."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from marketplace.messages import notification_texts


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


def site_language() -> str:
    """A new user's language: the site's (``LANGUAGE_CODE``)."""
    return settings.LANGUAGE_CODE


class User(AbstractUser):
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.SELLER)
    company_name = models.CharField(_("company name"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # the pages after log-in, the API without Accept-Language and emails use it
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=site_language
    )

    objects: ClassVar[UserManager] = UserManager()

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
    """A node of the category tree; only leaves are used by capabilities and orders.

    Every category has an English ``name`` and a Chinese ``name_zh``; readers see the one of
    the active language through ``display_name`` (and ``str()``, the path from the group).
    """

    name = models.CharField(_("name"), max_length=100)
    name_zh = models.CharField(_("Chinese name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        related_name="children",
        on_delete=models.PROTECT,
        verbose_name=_("parent category"),
    )

    class Meta:
        verbose_name = _("product category")
        verbose_name_plural = _("product categories")
        ordering = ["parent_id", "name"]

    def __str__(self) -> str:
        if self.parent is not None:
            return f"{self.parent.display_name} / {self.display_name}"
        return self.display_name

    @staticmethod
    def localized_name(name: str, name_zh: str) -> str:
        """The name a reader sees: Chinese when the active language is Chinese, else English
        (the other one when that is empty). Also for rows read with ``values()``."""
        chinese = (translation.get_language() or "").lower().startswith("zh")
        return (name_zh or name) if chinese else (name or name_zh)

    @property
    def display_name(self) -> str:
        return self.localized_name(self.name, self.name_zh)

    @property
    def is_leaf(self) -> bool:
        return not self.children.exists()


class Notification(models.Model):
    """Something the other party did that this user should know about (in-app and email)."""

    recipient = models.ForeignKey(
        User, related_name="notifications", on_delete=models.CASCADE, verbose_name=_("recipient")
    )
    order = models.ForeignKey(
        "orders.Order",
        null=True,
        blank=True,
        related_name="+",
        on_delete=models.CASCADE,
        verbose_name=_("order"),
    )
    kind = models.CharField(_("kind"), max_length=40)
    # what happened (ids, quantities, ISO dates, names as given): rendered when read
    # (marketplace/messages.py)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    emailed_at = models.DateTimeField(_("emailed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]

    def __str__(self) -> str:
        return f"{self.recipient}: {self.title}"

    @property
    def title(self) -> str:
        """In the active language."""
        return self.texts[0]

    @property
    def message(self) -> str:
        """In the active language."""
        return self.texts[1]

    @property
    def texts(self) -> tuple[str, str]:
        return notification_texts.render(self.kind, self.params)

    @property
    def is_read(self) -> bool:
        return self.read_at is not None

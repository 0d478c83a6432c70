"""Reads shared by the apps."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypedDict

from django.db.models import Exists, OuterRef, QuerySet

from marketplace.models import Notification, ProductCategory, User


class CategoryTreeFields(TypedDict):
    has_children: bool


# A category read by category_list knows whether it has children (a leaf has none). Type
# hints are read at run time too (drf-spectacular), where it is the plain model.
if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

    TreeCategory = WithAnnotations[ProductCategory, CategoryTreeFields]
else:
    TreeCategory = ProductCategory


def category_list(*, leaf_only: bool = False) -> QuerySet[TreeCategory]:
    children = ProductCategory.objects.filter(parent=OuterRef("pk"))
    categories = ProductCategory.objects.select_related("parent").annotate(
        has_children=Exists(children)
    )
    if leaf_only:
        categories = categories.filter(has_children=False)
    return categories


def category_is_leaf(category: ProductCategory) -> bool:
    return not ProductCategory.objects.filter(parent=category).exists()


def notification_list(*, user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=user).select_related("order")


def notification_unread_count(*, user: User) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

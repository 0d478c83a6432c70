"""Reads for factories, scoped to their owner."""

from __future__ import annotations

from django.db.models import QuerySet

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import User


def factory_list(*, owner: User) -> QuerySet[Factory]:
    return Factory.objects.filter(owner_id=owner.pk)


def capability_list(*, owner: User) -> QuerySet[FactoryCapability]:
    return FactoryCapability.objects.filter(factory__owner_id=owner.pk).select_related("category")


def capacity_window_list(*, owner: User) -> QuerySet[CapacityWindow]:
    return CapacityWindow.objects.filter(factory__owner_id=owner.pk).select_related("category")

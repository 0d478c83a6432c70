"""Writes for factories, their capabilities and their capacity windows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F, QuerySet
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.errors import Conflict
from marketplace.events import capacity_window_changing, matching_input_changed
from marketplace.models import ProductCategory, Role, User
from marketplace.selectors import category_is_leaf

FACTORY_EDITABLE_FIELDS = (
    "name",
    "description",
    "city",
    "province",
    "latitude",
    "longitude",
    "min_order_quantity",
    "max_order_quantity",
    "certifications",
    "active",
)


# total_units is a 32-bit column
MAX_WINDOW_UNITS = 2_147_483_647


def _request_match() -> None:
    matching_input_changed.send(sender=CapacityWindow)


def _save(instance: Any, *, exclude: list[str] | None = None) -> None:
    instance.full_clean(exclude=exclude, validate_constraints=False)
    instance.save()


@transaction.atomic
def factory_create(
    *,
    owner: User,
    name: str,
    city: str,
    province: str,
    latitude: float,
    longitude: float,
    description: str = "",
    min_order_quantity: int = 1,
    max_order_quantity: int = 1_000_000,
    certifications: list[str] | None = None,
    active: bool = True,
) -> Factory:
    if owner.role != Role.FACTORY_OWNER and not owner.is_marketplace_staff:
        raise ValidationError({"owner": _("Only factory owners can register factories.")})
    factory = Factory(
        owner=owner,
        name=name,
        description=description,
        city=city,
        province=province,
        latitude=latitude,
        longitude=longitude,
        min_order_quantity=min_order_quantity,
        max_order_quantity=max_order_quantity,
        certifications=certifications or [],
        active=active,
        # a new factory starts at the scores' prior (production/scores.py)
        quality_score=Decimal(f"{settings.SCORES_PRIOR_QUALITY:.2f}"),
        on_time_rate=Decimal(f"{settings.SCORES_PRIOR_ON_TIME:.3f}"),
    )
    _validate_quantity_range(factory)
    _save(factory)
    return factory


def _validate_quantity_range(factory: Factory) -> None:
    if factory.min_order_quantity < 1:
        raise ValidationError(
            {"min_order_quantity": _("The minimum order quantity must be at least 1.")}
        )
    if factory.max_order_quantity < factory.min_order_quantity:
        raise ValidationError(
            {"max_order_quantity": _("The maximum order quantity cannot be below the minimum.")}
        )


@transaction.atomic
def factory_update(*, factory: Factory, data: dict[str, Any]) -> Factory:
    for field, value in data.items():
        if field not in FACTORY_EDITABLE_FIELDS:
            raise ValidationError({field: _("This field cannot be changed.")})
        setattr(factory, field, value)
    _validate_quantity_range(factory)
    _save(factory)
    _request_match()
    return factory


@transaction.atomic
def factory_delete(*, factory: Factory) -> None:
    """A factory with offer history is kept for the record; it can be deactivated instead."""
    if factory.assignments.exists():
        raise Conflict(
            _(
                "This factory has offers on record and cannot be deleted; set active to false "
                "instead."
            ),
            current="active" if factory.active else "inactive",
            allowed=("deactivate",),
        )
    factory.delete()


def factory_verify(*, factories: QuerySet[Factory]) -> int:
    """Staff: mark factories as verified (they start receiving offers)."""
    count = factories.filter(verified=False).update(verified=True, updated_at=timezone.now())
    if count:
        _request_match()
    return count


def _validate_leaf(category: ProductCategory, field: str = "category") -> None:
    if not category_is_leaf(category):
        raise ValidationError(
            {
                field: _("“%(category)s” is a group; choose one of its leaf categories.")
                % {"category": category}
            }
        )


@transaction.atomic
def capability_create(
    *, factory: Factory, category: ProductCategory, unit_price: Decimal, daily_output: int
) -> FactoryCapability:
    _validate_leaf(category)
    duplicate = ValidationError({"category": _("This factory already has this capability.")})
    if FactoryCapability.objects.filter(factory=factory, category=category).exists():
        raise duplicate
    capability = FactoryCapability(
        factory=factory, category=category, unit_price=unit_price, daily_output=daily_output
    )
    try:
        with transaction.atomic():  # two requests at once: the unique constraint decides
            _save(capability)
    except IntegrityError as exc:
        raise duplicate from exc
    _request_match()
    return capability


@transaction.atomic
def capability_update(
    *,
    capability: FactoryCapability,
    unit_price: Decimal | None = None,
    daily_output: int | None = None,
) -> FactoryCapability:
    if unit_price is not None:
        capability.unit_price = unit_price
    if daily_output is not None:
        too_fast = capability.factory.windows.filter(
            category=capability.category, units_per_day__gt=daily_output
        )
        if too_fast.exists():
            raise ValidationError(
                {
                    "daily_output": _(
                        "Some capacity windows of this category plan more units per day; lower "
                        "them first."
                    )
                }
            )
        capability.daily_output = daily_output
    _save(capability)
    _request_match()
    return capability


@transaction.atomic
def capability_delete(*, capability: FactoryCapability) -> None:
    if capability.factory.windows.filter(category=capability.category).exists():
        raise ValidationError(
            {
                "category": _(
                    "Delete this category's capacity windows before removing the capability."
                )
            }
        )
    capability.delete()


def _window_field_errors(
    *,
    factory: Factory,
    category: ProductCategory,
    start_date: dt.date,
    end_date: dt.date,
    units_per_day: int,
    window: CapacityWindow | None,
) -> dict[str, str]:
    """The window's own fields against the dates and the factory's capability."""
    today = timezone.localdate()
    errors: dict[str, str] = {}
    capability = FactoryCapability.objects.filter(factory=factory, category=category).first()
    if capability is None:
        errors["category"] = _("Add this category to the factory's capabilities first.")
    horizon = today + dt.timedelta(days=settings.PLANNING_HORIZON_DAYS)
    if end_date < start_date:
        errors["end_date"] = _("The end date cannot be before the start date.")
    elif end_date < today:
        errors["end_date"] = _("The window is in the past.")
    elif end_date > horizon:
        errors["end_date"] = _("Windows can be planned up to %(date)s.") % {
            "date": horizon.isoformat()
        }
    starts_in_past = start_date < today and (window is None or start_date != window.start_date)
    if starts_in_past:
        errors["start_date"] = _("A window cannot start in the past.")
    if units_per_day < 1:
        errors["units_per_day"] = _("Units per day must be at least 1.")
    elif capability is not None and units_per_day > capability.daily_output:
        errors["units_per_day"] = _(
            "Units per day cannot exceed the factory's daily output for this category (%(output)s)."
        ) % {"output": capability.daily_output}
    return errors


def _validate_window(
    *,
    factory: Factory,
    category: ProductCategory,
    start_date: dt.date,
    end_date: dt.date,
    units_per_day: int,
    window: CapacityWindow | None = None,
) -> int:
    """Check a new or changed window; return its total units."""
    errors = _window_field_errors(
        factory=factory,
        category=category,
        start_date=start_date,
        end_date=end_date,
        units_per_day=units_per_day,
        window=window,
    )
    if errors:
        raise ValidationError(errors)
    overlapping = CapacityWindow.objects.filter(
        factory=factory, category=category, start_date__lte=end_date, end_date__gte=start_date
    )
    if window is not None:
        overlapping = overlapping.exclude(pk=window.pk)
    clash = overlapping.first()
    if clash is not None:
        raise ValidationError(
            {
                "start_date": _("Overlaps the window %(start)s to %(end)s for this category.")
                % {"start": clash.start_date, "end": clash.end_date}
            }
        )
    total_units = units_per_day * ((end_date - start_date).days + 1)
    if total_units > MAX_WINDOW_UNITS:
        raise ValidationError(
            {
                "units_per_day": _("A window can hold at most %(max)s units in all.")
                % {"max": f"{MAX_WINDOW_UNITS:,}"}
            }
        )
    if window is not None and total_units < window.booked_units:
        raise ValidationError(
            {
                "units_per_day": _(
                    "%(booked)s units are already booked; the window cannot shrink to %(total)s."
                )
                % {"booked": window.booked_units, "total": total_units}
            }
        )
    if window is not None and window.booked_units:
        # matching refuses a change that accepted work could not survive
        capacity_window_changing.send(
            sender=CapacityWindow,
            window=window,
            start_date=start_date,
            end_date=end_date,
            units_per_day=units_per_day,
        )
    return total_units


def _lock_factory(factory: Factory) -> None:
    """Serialise window writes of one factory so the overlap check cannot race."""
    Factory.objects.select_for_update(no_key=True, of=("self",)).filter(pk=factory.pk).first()


@transaction.atomic
def capacity_window_create(
    *,
    factory: Factory,
    category: ProductCategory,
    start_date: dt.date,
    end_date: dt.date,
    units_per_day: int,
    request_match: bool = True,
) -> CapacityWindow:
    _lock_factory(factory)
    total_units = _validate_window(
        factory=factory,
        category=category,
        start_date=start_date,
        end_date=end_date,
        units_per_day=units_per_day,
    )
    window = CapacityWindow(
        factory=factory,
        category=category,
        start_date=start_date,
        end_date=end_date,
        units_per_day=units_per_day,
        total_units=total_units,
    )
    _save(window)
    if request_match:
        _request_match()
    return window


@transaction.atomic
def capacity_window_update(
    *,
    window: CapacityWindow,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    units_per_day: int | None = None,
) -> CapacityWindow:
    _lock_factory(window.factory)
    window = CapacityWindow.objects.select_for_update(no_key=True, of=("self",)).get(pk=window.pk)
    start_date = start_date or window.start_date
    end_date = end_date or window.end_date
    units_per_day = units_per_day or window.units_per_day
    if window.booked_units and (start_date > window.start_date or end_date < window.end_date):
        raise ValidationError(
            {"start_date": _("This window has booked orders; it can grow but not get shorter.")}
        )
    window.total_units = _validate_window(
        factory=window.factory,
        category=window.category,
        start_date=start_date,
        end_date=end_date,
        units_per_day=units_per_day,
        window=window,
    )
    window.start_date, window.end_date, window.units_per_day = start_date, end_date, units_per_day
    _save(window)
    _request_match()
    return window


@transaction.atomic
def capacity_window_delete(*, window: CapacityWindow) -> None:
    window = CapacityWindow.objects.select_for_update(no_key=True, of=("self",)).get(pk=window.pk)
    if window.booked_units or window.assignments.exists():
        raise ValidationError(
            {"window": _("This window has offers or booked orders; it cannot be deleted.")}
        )
    window.delete()


def capacity_window_hold(*, window_id: int, units: int) -> None:
    """A match run offers ``units`` of the window (negative: its offers moved away)."""
    CapacityWindow.objects.filter(pk=window_id).update(
        offered_units=Greatest(F("offered_units") + units, 0)
    )


def capacity_windows_hold(*, units: Mapping[int, int]) -> None:
    """``capacity_window_hold`` of many windows (window id: units), in one statement on
    PostgreSQL (one per window elsewhere: SQLite has no arrays to unnest)."""
    changed = [(pk, n) for pk, n in units.items() if n]
    if not changed:
        return
    if connection.vendor != "postgresql":
        for pk, n in changed:
            capacity_window_hold(window_id=pk, units=n)
        return
    table = connection.ops.quote_name(CapacityWindow._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS w SET offered_units = GREATEST(w.offered_units + d.units, 0) "
            "FROM unnest(%s::bigint[], %s::integer[]) AS d(id, units) WHERE w.id = d.id",
            [[pk for pk, _n in changed], [n for _pk, n in changed]],
        )


def capacity_window_hold_if_room(*, window_id: int, units: int) -> bool:
    """Offer ``units`` of the window only if neither booked nor offered units take them (a
    conditional update: a standby offer, production/standby.py); False when they do not."""
    updated = CapacityWindow.objects.filter(
        pk=window_id, booked_units__lte=F("total_units") - F("offered_units") - units
    ).update(offered_units=F("offered_units") + units)
    return updated == 1


def capacity_window_book(*, window_id: int, units: int, offered: bool = False) -> bool:
    """Book ``units`` if they still fit (a conditional update, so concurrent bookings
    never over-book); False when they do not. ``offered``: the units were held by an
    offer, which they leave."""
    changes: dict[str, Any] = {"booked_units": F("booked_units") + units}
    if offered:
        changes["offered_units"] = Greatest(F("offered_units") - units, 0)
    updated = CapacityWindow.objects.filter(
        pk=window_id, booked_units__lte=F("total_units") - units
    ).update(**changes)
    return updated == 1


def capacity_window_release(*, window_id: int, units: int, offered: bool = False) -> None:
    """Free booked units (``offered``: units held by an unanswered offer); never below 0."""
    field = "offered_units" if offered else "booked_units"
    CapacityWindow.objects.filter(pk=window_id, **{f"{field}__gte": units}).update(
        **{field: F(field) - units}
    )


def factory_pause(*, factory_id: int, reason: str) -> bool:
    """Stop new offers to a factory (auto-pause); False when it was already paused."""
    paused = Factory.objects.filter(pk=factory_id, paused_at__isnull=True).update(
        paused_at=timezone.now(), pause_reason=reason[:300]
    )
    return paused == 1


@transaction.atomic
def factory_resume(*, factory: Factory) -> Factory:
    """The owner takes offers again: the pause and the count of expired offers reset."""
    factory = Factory.objects.select_for_update(no_key=True, of=("self",)).get(pk=factory.pk)
    if not factory.is_paused:
        raise Conflict(
            _("This factory is not paused; it already receives offers."),
            current="receiving offers",
            allowed=(),
        )
    factory.paused_at = None
    factory.pause_reason = ""
    factory.expired_offers_in_a_row = 0
    factory.save(update_fields=["paused_at", "pause_reason", "expired_offers_in_a_row"])
    _request_match()
    return factory

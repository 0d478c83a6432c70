"""Writes for production orders."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from marketplace.events import matching_input_changed, order_cancelled_send, order_changing
from marketplace.models import ProductCategory, Role, User
from marketplace.notifications import notification_create
from marketplace.selectors import category_is_leaf
from orders.models import (
    MAX_ORDER_QUANTITY,
    Order,
    OrderKind,
    OrderPriority,
    OrderStatus,
    SampleDecision,
)
from orders.transitions import order_event_record, order_transition, require_action

ORDER_EDITABLE_FIELDS = (
    "title",
    "category",
    "quantity",
    "max_unit_price",
    "due_date",
    "ship_to_city",
    "ship_to_latitude",
    "ship_to_longitude",
    "notes",
    "priority",
    "allow_split",
    "min_lot_quantity",
    "allows_pooling",
    "kind",
    "sample",
    "sample_factory_required",
    "bulk_quantity_expected",
)


def _request_match() -> None:
    matching_input_changed.send(sender=Order)


def order_validate(
    order: Order,
    *,
    leaf_category_ids: Collection[int] | None = None,
    relations_checked: bool = False,
) -> None:
    """Every rule an order must satisfy; a ValidationError names each bad field.

    A caller validating many orders at once (the bulk upload) passes the leaf categories it
    read in one query (``leaf_category_ids``), and ``relations_checked`` when it has read the
    seller, category and sample rows itself, so that nothing is queried per order."""
    errors: dict[str, str] = {}
    if not 1 <= order.quantity <= MAX_ORDER_QUANTITY:
        errors["quantity"] = _("Quantity must be between 1 and %(max)s.") % {
            "max": f"{MAX_ORDER_QUANTITY:,}"
        }
    if order.max_unit_price is None or Decimal(order.max_unit_price) <= 0:
        errors["max_unit_price"] = _("The maximum unit price must be greater than 0.")
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    horizon = timezone.localdate() + dt.timedelta(days=settings.PLANNING_HORIZON_DAYS)
    if order.due_date < tomorrow:
        errors["due_date"] = _("The due date must be %(date)s or later.") % {
            "date": tomorrow.isoformat()
        }
    elif order.due_date > horizon:
        errors["due_date"] = _("The due date can be at most %(date)s.") % {
            "date": horizon.isoformat()
        }
    is_leaf = (
        category_is_leaf(order.category)
        if leaf_category_ids is None
        else order.category_id in leaf_category_ids
    )
    if not is_leaf:
        errors["category"] = _("“%(category)s” is a group; choose one of its leaf categories.") % {
            "category": order.category
        }
    if order.min_lot_quantity < 1 or order.min_lot_quantity > order.quantity:
        errors["min_lot_quantity"] = _("The minimum lot must be between 1 and the order quantity.")
    if order.priority not in OrderPriority.values:
        errors["priority"] = _("Priority must be normal or rush.")
    errors.update(_sample_errors(order))
    if order.bulk_quantity_expected is not None and (
        order.kind != OrderKind.SAMPLE
        or not 1 <= order.bulk_quantity_expected <= MAX_ORDER_QUANTITY
    ):
        errors["bulk_quantity_expected"] = (
            _("Only a sample order holds a bulk quantity.")
            if order.kind != OrderKind.SAMPLE
            else _("The expected bulk quantity must be between 1 and %(max)s.")
            % {"max": f"{MAX_ORDER_QUANTITY:,}"}
        )
    if errors:
        raise ValidationError(errors)
    exclude = ("seller", "category", "sample") if relations_checked else None
    order.full_clean(exclude=exclude, validate_constraints=False)


def _sample_errors(order: Order) -> dict[str, str]:
    """A bulk order may be made like an approved sample, or like a delivered bulk order of
    the same seller and category (a reorder): the factory that made it is preferred (or
    required)."""
    if order.kind not in OrderKind.values:
        return {"kind": _("Kind must be sample or bulk.")}
    sample = order.sample
    if sample is None:
        if order.sample_factory_required:
            return {"sample_factory_required": _("Name the approved sample whose factory to use.")}
        return {}
    if order.kind != OrderKind.BULK:
        return {"sample": _("Only a bulk order can be made from a sample.")}
    if sample.seller_id != order.seller_id:
        return {"sample": _("Choose one of your own sample orders.")}
    if sample.pk == order.pk:
        return {"sample": _("Order #%(id)s is not a sample order.") % {"id": sample.pk}}
    if sample.category_id != order.category_id:
        return {"sample": _("The sample must be of the same category.")}
    if sample.kind == OrderKind.BULK:
        if sample.status != OrderStatus.DELIVERED:
            return {"sample": _("Order #%(id)s is not delivered yet.") % {"id": sample.pk}}
        return {}
    if sample.sample_decision != SampleDecision.APPROVED:
        return {"sample": _("Sample #%(id)s has not been approved yet.") % {"id": sample.pk}}
    return {}


@transaction.atomic
def order_create(
    *,
    seller: User,
    title: str,
    category: ProductCategory,
    quantity: int,
    max_unit_price: Decimal,
    due_date: dt.date,
    ship_to_city: str,
    ship_to_latitude: float,
    ship_to_longitude: float,
    notes: str = "",
    priority: str = OrderPriority.NORMAL,
    allow_split: bool = False,
    min_lot_quantity: int = 1,
    allows_pooling: bool = False,
    kind: str = OrderKind.BULK,
    sample: Order | None = None,
    sample_factory_required: bool = False,
    bulk_quantity_expected: int | None = None,
    draft: bool = False,
    request_match: bool = True,
    created_params: dict[str, Any] | None = None,
) -> Order:
    if seller.role != Role.SELLER and not seller.is_marketplace_staff:
        raise ValidationError({"seller": _("Only sellers can post orders.")})
    order = Order(
        seller=seller,
        title=title,
        category=category,
        quantity=quantity,
        max_unit_price=max_unit_price,
        due_date=due_date,
        ship_to_city=ship_to_city,
        ship_to_latitude=ship_to_latitude,
        ship_to_longitude=ship_to_longitude,
        notes=notes,
        priority=priority,
        allow_split=allow_split,
        min_lot_quantity=min_lot_quantity,
        allows_pooling=allows_pooling,
        kind=kind,
        sample=sample,
        sample_factory_required=sample_factory_required,
        bulk_quantity_expected=bulk_quantity_expected,
        status=OrderStatus.DRAFT if draft else OrderStatus.OPEN,
    )
    order_validate(order)
    order.save()
    params = {"draft": draft} | (created_params or {})
    order_event_record(order=order, action="create", actor=seller, params=params)
    if request_match and order.status == OrderStatus.OPEN:
        _request_match()
    return order


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update(no_key=True, of=("self",)).get(pk=order.pk)


@transaction.atomic
def order_update(*, order: Order, data: dict[str, Any], actor: User | None = None) -> Order:
    order = _lock(order)
    require_action(order, "edit", pgettext_lazy("order cannot be", "edited"))
    order_changing.send(sender=Order, order=order)  # matching refuses once parts are accepted
    for field, value in data.items():
        if field not in ORDER_EDITABLE_FIELDS:
            raise ValidationError({field: _("This field cannot be changed.")})
        setattr(order, field, value)
    order.unmatched_reason = ""
    order.relax_suggestion = {}
    order_validate(order)
    order.save()
    order_event_record(order=order, action="edit", actor=actor, params={"fields": sorted(data)})
    if order.status == OrderStatus.OPEN:
        _request_match()
    return order


@transaction.atomic
def order_reorder(
    *,
    order: Order,
    actor: User,
    quantity: int,
    due_date: dt.date,
    factory_required: bool = False,
    draft: bool = False,
) -> Order:
    """A new order with the same specification (返单) as a delivered bulk order or an
    approved sample: category, title, notes, price, ship-to, priority and splitting; a new
    quantity and due date. The factory that made it is preferred, or required."""
    order = _lock(order)
    require_action(order, "reorder", pgettext_lazy("order cannot be", "reordered"))
    repeat = order_create(
        seller=order.seller,
        title=order.title,
        category=order.category,
        quantity=quantity,
        max_unit_price=order.max_unit_price,
        due_date=due_date,
        ship_to_city=order.ship_to_city,
        ship_to_latitude=order.ship_to_latitude,
        ship_to_longitude=order.ship_to_longitude,
        notes=order.notes,
        priority=order.priority,
        allow_split=order.allow_split,
        min_lot_quantity=min(order.min_lot_quantity, quantity),
        allows_pooling=order.allows_pooling,
        kind=OrderKind.BULK,
        sample=order,
        sample_factory_required=factory_required,
        draft=draft,
        created_params={"reorder_of": order.pk},
    )
    order_event_record(order=order, action="reorder", actor=actor, params={"order": repeat.pk})
    return repeat


@transaction.atomic
def order_open(*, order: Order, actor: User | None = None) -> Order:
    """Publish a draft so the next match run considers it."""
    order = _lock(order)
    require_action(order, "open", pgettext_lazy("order cannot be", "opened"))
    order_validate(order)
    order_transition(order=order, action="open", actor=actor)
    _request_match()
    return order


@transaction.atomic
def order_delete(*, order: Order) -> None:
    """Only drafts are deleted; anything a run may have seen is cancelled instead."""
    order = _lock(order)
    require_action(order, "delete", pgettext_lazy("order cannot be", "deleted"))
    order.delete()


@transaction.atomic
def order_cancel(*, order: Order, actor: User | None = None, note: str = "") -> Order:
    """Cancel an order: its offers and accepted parts are withdrawn and their capacity
    freed, and the factories are told. Cancelling work a factory accepted counts against
    the seller's reliability, unless it answers a delay the factory reported."""
    order = _lock(order)
    require_action(order, "cancel", pgettext_lazy("order cannot be", "cancelled"))
    # matching withdraws the order's offers and parts, production answers its pending
    # delays (in this transaction)
    effects = order_cancelled_send(order=order)
    told = effects.told
    action = "cancel_after_delay" if effects.answered_delay else "cancel"
    order_transition(order=order, action=action, actor=actor, params={"note": note})
    notification_create(
        recipients=told,
        kind="order_cancelled",
        params={
            "order": order.pk,
            "title": order.title,
            "note": note,
            "after_delay": action == "cancel_after_delay",
        },
        order_id=order.pk,
        exclude=actor,
    )
    if told:
        _request_match()  # the freed capacity may fit an order that waits
    return order

"""Writes for production orders."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from marketplace.errors import Conflict
from marketplace.models import ProductCategory, Role, User
from marketplace.selectors import category_is_leaf
from orders.models import MAX_ORDER_QUANTITY, Order, OrderPriority, OrderStatus

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
)


def _request_match() -> None:
    from matching.services import match_run_request_on_change

    match_run_request_on_change()


def _validate(order: Order) -> None:
    errors: dict[str, str] = {}
    if not 1 <= order.quantity <= MAX_ORDER_QUANTITY:
        errors["quantity"] = f"Quantity must be between 1 and {MAX_ORDER_QUANTITY:,}."
    if order.max_unit_price is None or Decimal(order.max_unit_price) <= 0:
        errors["max_unit_price"] = "The maximum unit price must be greater than 0."
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    horizon = timezone.localdate() + dt.timedelta(days=settings.PLANNING_HORIZON_DAYS)
    if order.due_date < tomorrow:
        errors["due_date"] = f"The due date must be {tomorrow.isoformat()} or later."
    elif order.due_date > horizon:
        errors["due_date"] = f"The due date can be at most {horizon.isoformat()}."
    if not category_is_leaf(order.category):
        errors["category"] = f"“{order.category}” is a group; choose one of its leaf categories."
    if order.min_lot_quantity < 1 or order.min_lot_quantity > order.quantity:
        errors["min_lot_quantity"] = "The minimum lot must be between 1 and the order quantity."
    if order.priority not in OrderPriority.values:
        errors["priority"] = "Priority must be normal or rush."
    if errors:
        raise ValidationError(errors)
    order.full_clean(validate_constraints=False)


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
    draft: bool = False,
    request_match: bool = True,
) -> Order:
    if seller.role != Role.SELLER and not seller.is_marketplace_staff:
        raise ValidationError({"seller": "Only sellers can post orders."})
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
        status=OrderStatus.DRAFT if draft else OrderStatus.OPEN,
    )
    _validate(order)
    order.save()
    if request_match and order.status == OrderStatus.OPEN:
        _request_match()
    return order


def _lock(order: Order) -> Order:
    return Order.objects.select_for_update().get(pk=order.pk)


def _not_allowed(order: Order, action: str) -> Conflict:
    return Conflict(
        f"This order is {order.get_status_display().lower()}, so it cannot be {action}; "
        f"allowed now: {', '.join(order.allowed_actions) or 'nothing'}.",
        current=order.status,
        allowed=order.allowed_actions,
    )


@transaction.atomic
def order_update(*, order: Order, data: dict[str, Any]) -> Order:
    order = _lock(order)
    if not order.is_editable:
        raise _not_allowed(order, "edited")
    for field, value in data.items():
        if field not in ORDER_EDITABLE_FIELDS:
            raise ValidationError({field: "This field cannot be changed."})
        setattr(order, field, value)
    order.unmatched_reason = ""
    order.relax_suggestion = {}
    _validate(order)
    order.save()
    if order.status == OrderStatus.OPEN:
        _request_match()
    return order


@transaction.atomic
def order_open(*, order: Order) -> Order:
    """Publish a draft so the next match run considers it."""
    order = _lock(order)
    if order.status != OrderStatus.DRAFT:
        raise _not_allowed(order, "opened")
    _validate(order)
    order.status = OrderStatus.OPEN
    order.save(update_fields=["status", "updated_at"])
    _request_match()
    return order


@transaction.atomic
def order_delete(*, order: Order) -> None:
    """Only drafts are deleted; anything a run may have seen is cancelled instead."""
    order = _lock(order)
    if order.status != OrderStatus.DRAFT:
        raise _not_allowed(order, "deleted")
    order.delete()


@transaction.atomic
def order_cancel(*, order: Order) -> Order:
    """Cancel an order; an outstanding offer is withdrawn and its capacity freed."""
    from matching.services import assignment_withdraw_for_order

    order = _lock(order)
    if not order.is_cancellable:
        raise _not_allowed(order, "cancelled")
    was_offered = order.status == OrderStatus.OFFERED
    if was_offered:
        assignment_withdraw_for_order(order=order)
    order.status = OrderStatus.CANCELLED
    order.save(update_fields=["status", "updated_at"])
    if was_offered:
        _request_match()  # the freed capacity may fit an order that waits
    return order

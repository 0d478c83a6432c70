"""Instant quotes (available-to-promise) at order entry: what the current free capacity says
about an order before it is saved, without a match run.

The answer is the solver's own eligibility applied to the order alone: a window can take it
exactly when ``candidates.candidates_for_order`` keeps the pair (active, verified, capable
factory; price; quantity range; a usable day before the latest finish; room alone in the
window's free units and remaining units), so a quote that says "fits" is a match run of that
order alone that matches it, and one that says "does not fit" is one that leaves it unmatched
with the same reason. A splittable order fits when its parts (each within the pair's smallest
and largest part, and the window's room) can add up to the whole quantity, as the model
requires. "Free capacity" is what a window has left after every live assignment (offers
waiting and accepted parts) on their planned days: the orders already offered keep their
room, as the next run would see it if nothing moved.

The lowest price and the earliest due date are found by bisection over the order's own
eligibility (both are monotone: a higher price or a later date only adds windows or room);
the smaller quantity is checked window by window and confirmed with the same test.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from marketplace.models import ProductCategory, User
from marketplace.money import from_fen, to_fen
from matching.selectors import (
    capability_lead_times,
    category_capacity_load,
    transport_params,
)
from matching.solver.candidates import (
    CapableWindow,
    candidates_for_order,
    capable_windows_by_category,
    part_range,
    slip_days,
)
from matching.solver.geo import haversine_km, transport_for
from matching.solver.problem import (
    MatchingProblem,
    OrderData,
    Priority,
    SolverParams,
    UnmatchedReason,
)
from matching.solver.schedule import free_until, usable_days
from orders.models import Order, OrderKind
from orders.models import UnmatchedReason as UnmatchedLabel
from orders.services import order_validate

UNMATCHED_LABELS = dict(UnmatchedLabel.choices)

# the id the quoted (unsaved) order has in its one-order problem
QUOTE_ORDER_ID = 0
# a splittable order's reachable totals are kept as a Pareto front of at most this many
# (smallest, largest) pairs; beyond it the quote says the order does not fit by splitting
SPLIT_FRONT_LIMIT = 4096


@dataclass(frozen=True)
class Quote:
    """What the free capacity says about one order (money in fen)."""

    fits: bool
    # the filter that removed the order's last window (``UnmatchedReason``), when it fits nowhere
    reason: UnmatchedReason | None
    # active, verified factories that make the category in this quantity (any price or date)
    factories_capable: int
    # of those, the ones with a window that takes the order as it is
    factories_available: int
    # the lowest maximum unit price at which it fits by its due date (None: at no price)
    lowest_unit_price_fen: int | None
    # the earliest due date at which it fits at the seller's price (None: on no date)
    earliest_due_date: dt.date | None
    # the unit prices of the capable factories, cheapest and dearest
    price_min_fen: int | None
    price_max_fen: int | None
    # when it does not fit: the largest smaller quantity that fits as it is otherwise
    smaller_quantity: int | None = None
    # when it does not fit whole: splitting it (lots of its minimum) would make it fit
    split_fits: bool = False
    # the factories with room for it as it is (ids), and the middle of their learned lead
    # times from acceptance to shipping at P50 and P90 (production/track_record.py)
    available_factory_ids: frozenset[int] = frozenset()
    lead_p50_days: int | None = None
    lead_p90_days: int | None = None
    # when it does not fit alone: factories that could make it in a pool (拼单) with other
    # sellers' small orders (it is below their minimum), and the smallest of those minimums
    pool_factories: int = 0
    pool_minimum: int | None = None
    # the order already allows pooling (else pooling is a change that would help)
    pooling_allowed: bool = False

    @property
    def higher_price_fen(self) -> int | None:
        """The price to raise the maximum to, when only a higher price makes it fit."""
        return None if self.fits else self.lowest_unit_price_fen

    @property
    def later_due_date(self) -> dt.date | None:
        """The due date to move to, when only a later date makes it fit."""
        return None if self.fits else self.earliest_due_date

    @property
    def allow_pooling_helps(self) -> bool:
        """Allowing pooling is a change that would let factories make it (in a pool)."""
        return self.pool_factories > 0 and not self.pooling_allowed


def split_reachable(parts: list[tuple[int, int]], quantity: int) -> bool:
    """Whether some windows' parts, each between its smallest and largest, add up to
    ``quantity``: a subset whose smallest parts sum to at most it and largest to at least
    it. The front keeps, for each sum of smallest parts, the largest sum of largest parts."""
    front: list[tuple[int, int]] = [(0, 0)]
    for smallest, largest in parts:
        grown = [
            (low + smallest, min(high + largest, quantity))
            for low, high in front
            if low + smallest <= quantity
        ]
        if any(high >= quantity for _low, high in grown):
            return True
        merged: list[tuple[int, int]] = []
        for low, high in sorted(front + grown, key=lambda pair: (pair[0], -pair[1])):
            if not merged or high > merged[-1][1]:
                merged.append((low, high))
        front = merged[:SPLIT_FRONT_LIMIT]
    return False


def order_fits(
    problem: MatchingProblem, order: OrderData, capable: list[CapableWindow]
) -> tuple[bool, UnmatchedReason | None, set[int]]:
    """Whether a match run of this order alone would match it, the reason if not, and the
    factories of the windows that may take it (or a part of it)."""
    candidates, reason = candidates_for_order(problem, order, capable)
    factories = {candidate.factory.id for candidate in candidates}
    if reason is not None:
        return False, reason, factories
    if not order.allow_split:
        return True, None, factories
    parts = []
    for candidate in candidates:
        smallest, largest = part_range(order, candidate.factory)
        room = free_until(candidate.window, problem.first_production_date, candidate.latest_finish)
        parts.append((smallest, min(largest, room, candidate.window.remaining_units)))
    if split_reachable(sorted(parts, key=lambda part: -part[1]), order.quantity):
        return True, None, factories
    return False, UnmatchedReason.CAPACITY_FULL, factories


def _in_range(order: OrderData, option: CapableWindow) -> bool:
    smallest, largest = part_range(order, option.factory)
    return smallest <= largest


def _lowest(values: list[int], fits: Callable[[int], bool]) -> int | None:
    """The first of the sorted ``values`` for which the monotone ``fits`` holds."""
    low, high = 0, len(values)
    while low < high:
        middle = (low + high) // 2
        if fits(values[middle]):
            high = middle
        else:
            low = middle + 1
    return values[low] if low < len(values) else None


def _smaller_quantities(
    problem: MatchingProblem, order: OrderData, capable: list[CapableWindow]
) -> list[int]:
    """Largest quantities below the order's that one window within its price and due date
    could take whole, largest first (to be confirmed with ``order_fits``)."""
    found = set()
    for option in capable:
        factory = option.factory
        if option.unit_price_fen > order.max_unit_price_fen:
            continue
        distance = haversine_km(
            factory.latitude, factory.longitude, order.latitude, order.longitude
        )
        days, _cost = transport_for(distance, problem.transport)
        latest = order.due_date - dt.timedelta(days=days + slip_days(problem, order, option))
        if usable_days(option.window, problem.first_production_date, latest) <= 0:
            continue
        room = free_until(option.window, problem.first_production_date, latest)
        most = min(room, option.window.remaining_units, factory.max_order_quantity)
        most = min(most, order.quantity - 1)
        if most >= max(factory.min_order_quantity, 1):
            found.add(most)
    return sorted(found, reverse=True)


def pool_options(
    problem: MatchingProblem, order: OrderData, capable: list[CapableWindow]
) -> tuple[int, int | None]:
    """The factories that could make the whole order in a pool (拼单): every filter passed,
    the order below their minimum (so only a pool reaching it makes it there), and the
    smallest such minimum. A quote of the order alone never counts on a pool: whether other
    sellers' orders join it is for the match run to find."""
    if order.allow_split or not problem.solver.pooling:
        return 0, None
    candidates, _reason = candidates_for_order(
        problem, dataclasses.replace(order, allows_pooling=True), capable
    )
    pooled = [candidate for candidate in candidates if candidate.pooled]
    if not pooled:
        return 0, None
    factories = {candidate.factory.id for candidate in pooled}
    return len(factories), min(candidate.factory.min_order_quantity for candidate in pooled)


def quote_problem(problem: MatchingProblem, order: OrderData, *, last_due_date: dt.date) -> Quote:
    """The quote of ``order`` on the free capacity of ``problem`` (its windows and factories;
    its own orders are not used). Pure: no database. Pooling is left out of the verdict (a
    pool needs other orders) and reported apart (``pool_options``)."""
    capable = capable_windows_by_category(problem).get(order.category_id, [])
    pooling_allowed = order.allows_pooling
    order = dataclasses.replace(order, allows_pooling=False)

    def fits(changed: OrderData) -> bool:
        return order_fits(problem, changed, capable)[0]

    ok, reason, available = order_fits(problem, order, capable)
    in_range = [option for option in capable if _in_range(order, option)]
    prices = sorted({option.unit_price_fen for option in in_range})
    lowest = _lowest(prices, lambda fen: fits(dataclasses.replace(order, max_unit_price_fen=fen)))
    first = problem.first_production_date
    dates = [first + dt.timedelta(days=n) for n in range((last_due_date - first).days + 1)]
    ordinals = [date.toordinal() for date in dates]
    earliest_ordinal = _lowest(
        ordinals,
        lambda ordinal: fits(dataclasses.replace(order, due_date=dt.date.fromordinal(ordinal))),
    )
    smaller, split = None, False
    pool_factories, pool_minimum = 0, None
    if not ok:
        pool_factories, pool_minimum = pool_options(problem, order, capable)
        if pooling_allowed and pool_factories and not available:
            # as a run says of an order whose every pair is pooled and that gets nothing
            reason = UnmatchedReason.POOL_TOO_SMALL
        for quantity in _smaller_quantities(problem, order, capable):
            lot = min(order.min_lot_quantity, quantity)
            if fits(dataclasses.replace(order, quantity=quantity, min_lot_quantity=lot)):
                smaller = quantity
                break
        split = not order.allow_split and fits(dataclasses.replace(order, allow_split=True))
    return Quote(
        fits=ok,
        reason=reason,
        factories_capable=len({option.factory.id for option in in_range}),
        factories_available=len(available) if ok else 0,
        lowest_unit_price_fen=lowest,
        earliest_due_date=dt.date.fromordinal(earliest_ordinal) if earliest_ordinal else None,
        price_min_fen=prices[0] if prices else None,
        price_max_fen=prices[-1] if prices else None,
        smaller_quantity=smaller,
        split_fits=split,
        available_factory_ids=frozenset(available) if ok else frozenset(),
        pool_factories=pool_factories,
        pool_minimum=pool_minimum,
        pooling_allowed=pooling_allowed,
    )


# ---------------------------------------------------------------------------- the service


def quote_compute(
    *,
    category: ProductCategory,
    quantity: int,
    max_unit_price: Decimal,
    due_date: dt.date,
    latitude: float,
    longitude: float,
    allow_split: bool = False,
    min_lot_quantity: int = 1,
    priority: str = Priority.NORMAL,
    allows_pooling: bool = False,
) -> Quote:
    """The quote of an order that is not saved, on the capacity free now (every live offer
    and accepted part booked). Reads only; the caller has validated the order's fields."""
    first_day = timezone.localdate() + dt.timedelta(days=settings.MATCHING_LEAD_DAYS)
    factories, windows = category_capacity_load(category_ids={category.pk}, first_day=first_day)
    order = OrderData(
        id=QUOTE_ORDER_ID,
        category_id=category.pk,
        quantity=quantity,
        max_unit_price_fen=to_fen(max_unit_price),
        due_date=due_date,
        latitude=latitude,
        longitude=longitude,
        priority=Priority(priority),
        allow_split=allow_split,
        min_lot_quantity=min(max(min_lot_quantity, 1), quantity),
        allows_pooling=allows_pooling,
    )
    problem = MatchingProblem(
        first_production_date=first_day,
        orders=(order,),
        factories=factories,
        windows=windows,
        transport=transport_params(),
        solver=SolverParams(
            rush_plans_p90=settings.MATCHING_RUSH_PLANS_P90, pooling=settings.MATCHING_POOLING
        ),
    )
    last = timezone.localdate() + dt.timedelta(days=settings.PLANNING_HORIZON_DAYS)
    quote = quote_problem(problem, order, last_due_date=last)
    p50, p90 = capability_lead_times(
        factory_ids=quote.available_factory_ids, category_id=category.pk
    )
    return dataclasses.replace(quote, lead_p50_days=p50, lead_p90_days=p90)


def quote_order_validate(
    *,
    seller: User,
    category: ProductCategory,
    quantity: int,
    max_unit_price: Decimal,
    due_date: dt.date,
    allow_split: bool = False,
    min_lot_quantity: int = 1,
    priority: str = Priority.NORMAL,
    allows_pooling: bool = False,
) -> None:
    """The order rules (``order_validate``) on the fields a quote reads: a ValidationError
    names each bad one with the order form's own message. Nothing is saved."""
    order = Order(
        seller=seller,
        title="-",
        category=category,
        quantity=quantity,
        max_unit_price=max_unit_price,
        due_date=due_date,
        ship_to_city="-",
        ship_to_latitude=0.0,
        ship_to_longitude=0.0,
        allow_split=allow_split,
        min_lot_quantity=min_lot_quantity,
        allows_pooling=allows_pooling,
        priority=priority,
        kind=OrderKind.BULK,
    )
    order_validate(order)


def _cny(fen: int) -> str:
    return number_format(from_fen(fen), decimal_pos=2, force_grouping=True)


def _date(date: dt.date) -> str:
    return date_format(date, "SHORT_DATE_FORMAT")


def quote_lines(quote: Quote) -> list[str]:
    """The quote in words, in the active language: what fits, or what would."""
    lines = []
    if quote.fits:
        lines.append(
            ngettext(
                "%(count)s verified factory has room for this order at your price by your "
                "due date.",
                "%(count)s verified factories have room for this order at your price by your "
                "due date.",
                quote.factories_available,
            )
            % {"count": quote.factories_available}
        )
    else:
        reason = UNMATCHED_LABELS.get(quote.reason or "", quote.reason or "")
        lines.append(
            _("No factory can take this order as it stands (%(reason)s).") % {"reason": reason}
        )
        changes = quote_changes(quote)
        if changes:
            lines.append(_("It would fit with: %(changes)s.") % {"changes": "; ".join(changes)})
        if quote.pool_factories and quote.pooling_allowed:
            lines.append(pool_line(quote))
        elif not changes:
            lines.append(_("No single change of price, due date, quantity or splitting helps now."))
    # when it does not fit, the lowest price and earliest date are the changes named above
    if quote.fits and quote.lowest_unit_price_fen is not None:
        lines.append(
            _("Lowest unit price with room by your due date: %(price)s CNY.")
            % {"price": _cny(quote.lowest_unit_price_fen)}
        )
    if quote.fits and quote.earliest_due_date is not None:
        lines.append(
            _("Earliest due date at your price: %(date)s.")
            % {"date": _date(quote.earliest_due_date)}
        )
    if quote.lead_p50_days is not None and quote.lead_p90_days is not None:
        lines.append(
            _(
                "By their record, factories with room ship %(p50)s days after accepting, "
                "nine in ten within %(p90)s days."
            )
            % {"p50": quote.lead_p50_days, "p90": quote.lead_p90_days}
        )
    if quote.price_min_fen is not None and quote.price_max_fen is not None:
        lines.append(
            ngettext(
                "%(count)s verified factory makes this category in this quantity, at "
                "%(low)s–%(high)s CNY a unit.",
                "%(count)s verified factories make this category in this quantity, at "
                "%(low)s–%(high)s CNY a unit.",
                quote.factories_capable,
            )
            % {
                "count": quote.factories_capable,
                "low": _cny(quote.price_min_fen),
                "high": _cny(quote.price_max_fen),
            }
        )
    return lines


def quote_changes(quote: Quote) -> list[str]:
    """Each single change that would make an order that does not fit fit, in words."""
    changes = []
    if quote.higher_price_fen is not None:
        price = _cny(quote.higher_price_fen)
        changes.append(_("a maximum unit price of %(price)s CNY") % {"price": price})
    if quote.later_due_date is not None:
        changes.append(_("a due date of %(date)s") % {"date": _date(quote.later_due_date)})
    if quote.smaller_quantity is not None:
        quantity = number_format(quote.smaller_quantity, force_grouping=True)
        changes.append(_("a quantity of %(quantity)s") % {"quantity": quantity})
    if quote.split_fits:
        changes.append(_("several factories allowed to make it"))
    if quote.allow_pooling_helps:
        changes.append(
            ngettext(
                "pooling allowed: %(count)s factory could make it in one lot with other "
                "sellers' small orders",
                "pooling allowed: %(count)s factories could make it in one lot with other "
                "sellers' small orders",
                quote.pool_factories,
            )
            % {"count": quote.pool_factories}
        )
    return changes


def pool_line(quote: Quote) -> str:
    """What pooling offers an order that allows it and fits nowhere alone."""
    minimum = number_format(quote.pool_minimum or 0, force_grouping=True)
    return ngettext(
        "%(count)s factory could make it in a pool once other sellers' small orders "
        "bring the lot to its minimum of %(minimum)s units; the next match run looks for them.",
        "%(count)s factories could make it in a pool once other sellers' small orders "
        "bring the lot to their minimum (from %(minimum)s units); the next match run looks "
        "for them.",
        quote.pool_factories,
    ) % {"count": quote.pool_factories, "minimum": minimum}


def quote_as_data(quote: Quote) -> dict[str, Any]:
    """The quote as the API answers it (money in CNY)."""

    def cny(fen: int | None) -> Decimal | None:
        return None if fen is None else from_fen(fen)

    price_range = None
    if quote.price_min_fen is not None and quote.price_max_fen is not None:
        price_range = {"min": cny(quote.price_min_fen), "max": cny(quote.price_max_fen)}
    return {
        "fits": quote.fits,
        "reason": quote.reason.value if quote.reason else None,
        "factories_capable": quote.factories_capable,
        "factories_available": quote.factories_available,
        "lowest_unit_price": cny(quote.lowest_unit_price_fen),
        "earliest_due_date": quote.earliest_due_date,
        "price_range": price_range,
        "lead_time": {"p50_days": quote.lead_p50_days, "p90_days": quote.lead_p90_days},
        "pool": {"factories": quote.pool_factories, "minimum": quote.pool_minimum},
        "suggestions": {
            "max_unit_price": cny(quote.higher_price_fen),
            "due_date": quote.later_due_date,
            "quantity": quote.smaller_quantity,
            "allow_split": quote.split_fits,
            "allows_pooling": quote.allow_pooling_helps,
        },
        "message": quote_lines(quote),
    }

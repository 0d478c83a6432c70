"""Test-data builders: real rows made through the services, with sensible defaults."""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.utils import timezone

from factories.models import CapacityWindow, Factory, FactoryCapability
from factories.services import capability_create, capacity_window_create, factory_create
from marketplace.models import ProductCategory, Role, User
from marketplace.services import user_create
from matching.models import (
    Assignment,
    AssignmentStatus,
    MatchRun,
    MatchRunStatus,
    MatchRunTrigger,
)
from matching.runs import match_run_request
from matching.solve import match_run_execute
from orders.models import Order, OrderStatus
from orders.services import order_create

_serial = itertools.count(1)
PASSWORD = "a-Long-test-passw0rd"

# Dongguan and Shanghai: about 1,200 km apart
DONGGUAN = (23.0207, 113.7518)
SHANGHAI = (31.2304, 121.4737)


def today() -> dt.date:
    return timezone.localdate()


def days(n: int) -> dt.date:
    return today() + dt.timedelta(days=n)


def category(slug: str = "t-shirts") -> ProductCategory:
    return ProductCategory.objects.get(slug=slug)


def make_user(role: str = Role.SELLER, **kwargs: Any) -> User:
    n = next(_serial)
    defaults: dict[str, Any] = {"username": f"{role}-{n}", "password": PASSWORD, "role": role}
    return user_create(**(defaults | kwargs))


def make_factory(owner: User | None = None, *, verified: bool = True, **kwargs: Any) -> Factory:
    owner = owner or make_user(Role.FACTORY_OWNER)
    defaults: dict[str, Any] = {
        "name": f"Factory {next(_serial)}",
        "city": "Dongguan",
        "province": "Guangdong",
        "latitude": DONGGUAN[0],
        "longitude": DONGGUAN[1],
        "min_order_quantity": 1,
        "max_order_quantity": 100_000,
    }
    factory = factory_create(owner=owner, **(defaults | kwargs))
    if verified:
        Factory.objects.filter(pk=factory.pk).update(verified=True)
        factory.refresh_from_db()
    return factory


def make_capability(
    factory: Factory,
    cat: ProductCategory | None = None,
    *,
    unit_price: str = "10.00",
    daily_output: int = 1000,
) -> FactoryCapability:
    return capability_create(
        factory=factory,
        category=cat or category(),
        unit_price=Decimal(unit_price),
        daily_output=daily_output,
    )


def make_window(
    factory: Factory,
    cat: ProductCategory | None = None,
    *,
    start: int = 1,
    end: int = 20,
    units_per_day: int = 100,
) -> CapacityWindow:
    cat = cat or category()
    if not factory.capabilities.filter(category=cat).exists():
        make_capability(factory, cat, daily_output=max(units_per_day, 1000))
    return capacity_window_create(
        factory=factory,
        category=cat,
        start_date=days(start),
        end_date=days(end),
        units_per_day=units_per_day,
        request_match=False,
    )


def make_order(seller: User | None = None, **kwargs: Any) -> Order:
    defaults: dict[str, Any] = {
        "seller": seller or make_user(Role.SELLER),
        "title": f"Order {next(_serial)}",
        "category": category(),
        "quantity": 500,
        "max_unit_price": Decimal("12.00"),
        "due_date": days(30),
        "ship_to_city": "Shanghai",
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
        "request_match": False,
    }
    return order_create(**(defaults | kwargs))


def make_run(**kwargs: Any) -> MatchRun:
    """A finished match run row (no solver), to hang hand-made assignments on."""
    defaults: dict[str, Any] = {
        "trigger": MatchRunTrigger.MANUAL,
        "status": MatchRunStatus.SUCCEEDED,
    }
    return MatchRun.objects.create(**(defaults | kwargs))


def make_assignment(
    order: Order | None = None,
    window: CapacityWindow | None = None,
    *,
    run: MatchRun | None = None,
    status: str = AssignmentStatus.PROPOSED,
    quantity: int | None = None,
) -> Assignment:
    """An offer written straight to the database, holding its units like a run would (an
    accepted one books them, and its order is accepted)."""
    order = order or make_order()
    window = window or make_window(make_factory(), order.category)
    quantity = quantity or order.quantity
    assignment = Assignment.objects.create(
        run=run or make_run(),
        order=order,
        factory=window.factory,
        window=window,
        quantity=quantity,
        unit_price=Decimal("10.00"),
        distance_km=1200.0,
        transport_days=4,
        transport_cost=Decimal("100.00"),
        planned_start=window.start_date,
        # made at full speed from the window's first day, as a run would plan it
        planned_finish=min(
            window.end_date,
            window.start_date + dt.timedelta(days=-(-quantity // window.units_per_day) - 1),
        ),
        status=status,
        expires_at=timezone.now() + dt.timedelta(hours=24),
    )
    if status == AssignmentStatus.PROPOSED:
        CapacityWindow.objects.filter(pk=window.pk).update(
            offered_units=F("offered_units") + quantity
        )
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.OFFERED)
    elif status == AssignmentStatus.ACCEPTED:
        CapacityWindow.objects.filter(pk=window.pk).update(
            booked_units=F("booked_units") + quantity
        )
        Assignment.objects.filter(pk=assignment.pk).update(
            promised_finish=assignment.planned_finish
        )
        assignment.promised_finish = assignment.planned_finish
        Order.objects.filter(pk=order.pk).update(status=OrderStatus.ACCEPTED)
    return assignment


def run_matching() -> MatchRun:
    """Queue a run and execute it right here with the real solver (no Celery)."""
    run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
    executed = match_run_execute(run_id=run.pk, task_id="t")
    assert executed is not None, "the match run was not executed"
    return executed


@dataclass(frozen=True)
class Marketplace:
    owner: User
    seller: User
    staff: User


def make_marketplace() -> Marketplace:
    """A small marketplace with every kind of page filled, made through the services: a
    real match run (report, offers, an unmatched order), offers waiting, declined and
    accepted, parts in production with a pending delay, a delivered and rated order with an
    answered dispute, a draft, a cancelled order, a factory waiting for verification,
    notifications."""
    from matching.offers import offer_accept, offer_decline
    from orders.models import MilestoneKind
    from orders.services import order_cancel
    from production.disputes import dispute_answer, dispute_open
    from production.services import delay_report, delivery_confirm, milestone_post, order_rate

    owner = make_user(Role.FACTORY_OWNER)
    seller = make_user(Role.SELLER)
    staff = make_user(Role.STAFF, is_superuser=True)
    factory = make_factory(owner)
    make_factory(owner, verified=False)
    make_window(factory, start=2, end=40, units_per_day=400)
    fitting = [make_order(seller, quantity=500) for _ in range(4)]
    make_order(seller, max_unit_price=Decimal("1.00"))  # too cheap: unmatched, what to relax
    make_order(seller, max_unit_price=Decimal("9.50"))  # just below: the owner's price guidance
    make_order(seller, draft=True)
    order_cancel(order=make_order(seller), actor=seller, note="Not needed any more.")
    run_matching()
    delivered, delayed, declined, _waiting = (
        Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED) for order in fitting
    )
    offer_decline(offer=declined, actor=owner, reason="no_capacity")
    for part in (delivered, delayed):
        offer_accept(offer=part, actor=owner)
    for kind in MilestoneKind:
        shipping: dict[str, Any] = {"carrier": "SF Express", "tracking_number": "SF123456789012"}
        milestone_post(
            part=delivered, actor=owner, kind=kind, **(shipping if kind == "shipped" else {})
        )
    order_rate(
        order=delivery_confirm(order=delivered.order, actor=seller),
        actor=seller,
        quality=4,
        part=delivered,
    )
    dispute = dispute_open(
        order=delivered.order, actor=seller, reason="defects", text="Some seams are open."
    )
    dispute_answer(dispute=dispute, actor=owner, answer="We will resew them.")
    milestone_post(part=delayed, actor=owner, kind=MilestoneKind.MATERIALS_READY)
    delay_report(
        part=delayed,
        actor=owner,
        new_finish=delayed.planned_finish + dt.timedelta(days=3),
        reason="A dyeing machine is being repaired.",
    )
    return Marketplace(owner=owner, seller=seller, staff=staff)

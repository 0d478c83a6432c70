"""Writes that lock several kinds of row take them in the global order of marketplace/locks.py,
so that two of them never wait for each other in a cycle: each write's locks are recorded
and checked against the order, and all of them run at once on one window (PostgreSQL)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps
from django.db import connection, connections, transaction
from django.utils import timezone

from factories.models import CapacityWindow
from factories.services import capacity_window_update
from marketplace.errors import Conflict
from marketplace.locks import LOCK_ORDER
from marketplace.models import Role, User
from matching.counters import counter_accept, counter_create, counter_expire, counter_reject
from matching.models import (
    WAITING_ASSIGNMENT_STATUSES,
    Assignment,
    AssignmentStatus,
    DeclineReason,
)
from matching.offers import offer_accept, offer_decline, offer_expire
from orders.models import Order, OrderStatus
from orders.services import order_cancel
from production.disputes import dispute_answer, dispute_open, dispute_resolve
from production.models import Delay, Dispute, StandbySwitch
from production.services import delay_accept, delay_report, delivery_confirm
from production.standby import standby_switch_accept, standby_switch_decline
from tests.builders import days, make_assignment, make_factory, make_order, make_user, make_window
from tests.builders import run_matching as run_matching_here

pytestmark = pytest.mark.django_db(transaction=True)

TABLES = [apps.get_model(label)._meta.db_table for label in LOCK_ORDER]
RANK = {table: rank for rank, table in enumerate(TABLES)}
LOCKING = re.compile(r"FOR (?:NO KEY )?UPDATE(?: OF (.*))?$")
LOCKED_TABLES = re.compile(r'(?:FROM|JOIN) "(\w+)"')
QUOTED = re.compile(r'"(\w+)"')
UPDATED_TABLE = re.compile(r'^UPDATE "(\w+)"')


@dataclasses.dataclass
class Transaction:
    """The tables one transaction locked, in the order it locked them."""

    tables: list[str] = dataclasses.field(default_factory=list)


class LockRecorder:
    """Records the tables each transaction locks: SELECT ... FOR [NO KEY] UPDATE [OF ...]
    (the tables after OF, else every table of the statement: PostgreSQL locks the joined
    rows too) and UPDATE."""

    def __init__(self) -> None:
        self.transactions: dict[int, Transaction] = {}
        self._blocks: list[object] = []  # keeps each outermost atomic block alive

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any) -> Any:
        blocks = connection.atomic_blocks
        if blocks:  # statements outside a transaction lock for themselves only
            outermost = blocks[0]
            if outermost not in self._blocks:
                self._blocks.append(outermost)
            tables = self.transactions.setdefault(id(outermost), Transaction()).tables
            if locking := LOCKING.search(sql):
                of = locking.group(1)
                tables.extend(
                    QUOTED.findall(of) if of else LOCKED_TABLES.findall(sql.split(" WHERE ")[0])
                )
            elif match := UPDATED_TABLE.match(sql):
                tables.append(match.group(1))
        return execute(sql, params, many, context)


@contextmanager
def recorded_locks() -> Iterator[LockRecorder]:
    recorder = LockRecorder()
    with connection.execute_wrapper(recorder):
        yield recorder


def out_of_order(tables: list[str]) -> list[str]:
    """Tables first locked after a table later in the global order."""
    seen: set[str] = set()
    highest, wrong = -1, []
    for table in tables:
        rank = RANK.get(table)
        if rank is None:
            continue
        if rank < highest and table not in seen:
            wrong.append(f"{table} after {TABLES[highest]}")
        seen.add(table)
        highest = max(highest, rank)
    return wrong


@dataclasses.dataclass
class Scene:
    """One factory's window holding an offer, a second offer, an accepted part with a
    pending delay, and an accepted part, a shipped part and a delivered, disputed part; plus
    an open order the next run can place."""

    owner: User
    seller: User
    window: CapacityWindow
    offer: Assignment
    other_offer: Assignment
    delayed: Delay
    accepted: Assignment
    countered: Assignment  # an offer the factory countered, waiting for the seller
    shipped: Assignment
    dispute: Dispute
    standby: StandbySwitch | None = None  # the delayed part's standby, another factory's window


def _shipped(seller: User, window: CapacityWindow) -> Assignment:
    part = make_assignment(
        make_order(seller, quantity=100), window, status=AssignmentStatus.ACCEPTED
    )
    Assignment.objects.filter(pk=part.pk).update(shipped_on=days(0))
    Order.objects.filter(pk=part.order_id).update(status=OrderStatus.SHIPPED)
    return part


def make_scene() -> Scene:
    owner, seller = make_user(Role.FACTORY_OWNER), make_user(Role.SELLER)
    window = make_window(make_factory(owner), units_per_day=1000, start=1, end=30)
    offer = make_assignment(make_order(seller, quantity=300), window)
    other_offer = make_assignment(make_order(seller, quantity=300), window)
    late = make_assignment(
        make_order(seller, quantity=300), window, status=AssignmentStatus.ACCEPTED
    )
    delayed = delay_report(part=late, actor=owner, new_finish=days(12), reason="Dye lot late")
    accepted = make_assignment(
        make_order(seller, quantity=300), window, status=AssignmentStatus.ACCEPTED
    )
    countered = make_assignment(make_order(seller, quantity=100), window)
    counter_create(offer=countered, actor=owner, unit_price=Decimal("10.50"))
    shipped = _shipped(seller, window)
    delivered = _shipped(seller, window)
    delivery_confirm(order=delivered.order, actor=seller)
    dispute = dispute_open(order=delivered.order, actor=seller, reason="defects", text="Holes")
    make_order(seller, quantity=400, due_date=days(40))  # open: the next run places it
    standby_window = make_window(make_factory(), units_per_day=1000, start=1, end=30)
    standby = StandbySwitch.objects.create(
        part=late,
        trigger="delay_past_due",
        trigger_date=days(12),
        window=standby_window,
        factory=standby_window.factory,
        quantity=late.quantity,
        unit_price=Decimal("10.00"),
        planned_finish=days(5),
    )
    return Scene(
        owner,
        seller,
        window,
        offer,
        other_offer,
        delayed,
        accepted,
        countered,
        shipped,
        dispute,
        standby,
    )


def writes(scene: Scene) -> dict[str, Callable[[], object]]:
    """Every write that locks several kinds of row, each aimed at the scene."""
    return {
        "accept an offer": lambda: offer_accept(offer=scene.offer, actor=scene.owner),
        "decline an offer": lambda: offer_decline(
            offer=scene.other_offer, actor=scene.owner, reason=DeclineReason.NO_CAPACITY
        ),
        "expire an offer": lambda: offer_expire(
            offer_id=scene.other_offer.pk, now=timezone.now() + dt.timedelta(days=2)
        ),
        "cancel an order with a delay": lambda: order_cancel(
            order=scene.delayed.assignment.order, actor=scene.seller
        ),
        "accept a delay": lambda: delay_accept(delay=scene.delayed, actor=scene.seller),
        "cancel an accepted order": lambda: order_cancel(
            order=scene.accepted.order, actor=scene.seller
        ),
        "edit the window": lambda: capacity_window_update(window=scene.window, end_date=days(31)),
        "confirm delivery": lambda: delivery_confirm(order=scene.shipped.order, actor=scene.seller),
        "answer a dispute": lambda: dispute_answer(
            dispute=scene.dispute, actor=scene.owner, answer="We resew them"
        ),
        "resolve a dispute": lambda: dispute_resolve(
            dispute=scene.dispute, actor=None, resolution="upheld", refund_percent=30
        ),
        "run matching": run_matching_here,
        "counter an offer": lambda: counter_create(
            offer=scene.offer, actor=scene.owner, unit_price=Decimal("10.50")
        ),
        "accept a counter": lambda: counter_accept(assignment=scene.countered, actor=scene.seller),
        "reject a counter": lambda: counter_reject(assignment=scene.countered, actor=scene.seller),
        "expire a counter": lambda: counter_expire(
            assignment_id=scene.countered.pk, now=timezone.now() + dt.timedelta(days=2)
        ),
        "move a part to its standby": lambda: standby_switch_accept(
            switch=_standby(scene), actor=scene.seller
        ),
        "keep a part rather than its standby": lambda: standby_switch_decline(
            switch=_standby(scene), actor=scene.seller
        ),
    }


def _standby(scene: Scene) -> StandbySwitch:
    assert scene.standby is not None
    return scene.standby


WRITES = [
    "accept an offer",
    "decline an offer",
    "expire an offer",
    "cancel an order with a delay",
    "accept a delay",
    "cancel an accepted order",
    "edit the window",
    "confirm delivery",
    "answer a dispute",
    "resolve a dispute",
    "run matching",
    "counter an offer",
    "accept a counter",
    "reject a counter",
    "expire a counter",
    "move a part to its standby",
    "keep a part rather than its standby",
]


@pytest.mark.parametrize("write", WRITES)
def test_each_write_locks_rows_in_the_global_order(category_tree: None, write: str) -> None:
    scene = make_scene()

    with recorded_locks() as recorder:
        writes(scene)[write]()

    locking = [t.tables for t in recorder.transactions.values() if t.tables]
    assert locking, "the write locked nothing"
    for tables in locking:
        assert out_of_order(tables) == [], tables


def test_the_check_finds_a_write_that_locks_out_of_order(category_tree: None) -> None:
    scene = make_scene()

    with recorded_locks() as recorder:
        with transaction.atomic():
            list(Assignment.objects.select_for_update().filter(pk=scene.offer.pk))
            list(
                type(scene.offer.order).objects.select_for_update().filter(pk=scene.offer.order_id)
            )

    (tables,) = [t.tables for t in recorder.transactions.values()]
    assert out_of_order(tables) == ["orders_order after matching_assignment"]


ROUNDS = 4


def test_all_writes_at_once_never_deadlock(category_tree: None) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("This test needs DATABASE_URL pointing at PostgreSQL")
    failures: list[str] = []
    for _ in range(ROUNDS):
        scene = make_scene()
        chosen = writes(scene)
        del chosen["expire an offer"]  # the decline answers the same offer
        del chosen["cancel an order with a delay"]  # the delay's answer races it instead
        del chosen["counter an offer"]  # the accept answers the same offer
        del chosen["reject a counter"]  # the counter's accept races it instead
        del chosen["expire a counter"]
        del chosen["keep a part rather than its standby"]  # the move races it instead
        barrier = threading.Barrier(len(chosen))

        def run(name: str, write: Callable[[], object], barrier: threading.Barrier) -> None:
            try:
                barrier.wait()
                write()
            except Conflict:
                pass  # the state moved under it: a clear answer, not a deadlock
            except Exception as error:  # every other failure is reported
                failures.append(f"{name}: {type(error).__name__}: {error}")
            finally:
                connections.close_all()

        threads = [
            threading.Thread(target=run, args=(name, write, barrier))
            for name, write in chosen.items()
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert failures == []
    for window in CapacityWindow.objects.all():  # units held add up after it all
        live = Assignment.objects.filter(window=window)
        booked = sum(a.quantity for a in live.filter(status=AssignmentStatus.ACCEPTED))
        offered = sum(a.quantity for a in live.filter(status__in=WAITING_ASSIGNMENT_STATUSES))
        assert (window.booked_units, window.offered_units) == (booked, offered)

"""A counter-offer accepted while a match run writes, on PostgreSQL: the run's write re-checks
every planned part against the locked rows as it does for accepted offers, so no window is
over-booked, a part the seller accepted is never moved, and the units held add up."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection, connections

from factories.models import CapacityWindow
from marketplace.errors import Conflict
from marketplace.models import Role, User
from matching.counters import counter_accept, counter_create
from matching.models import Assignment, AssignmentStatus, MatchRunTrigger
from matching.runs import match_run_prepare, match_run_request
from matching.solver.shards import solve_shard
from matching.write import match_run_write
from orders.models import Order, OrderStatus
from tests.builders import (
    days,
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_user,
    make_window,
)
from tests.builders import run_matching as run_matching_here

pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Scene:
    seller: User
    owner: User
    window: CapacityWindow  # 1,000 units at 11.50 CNY a unit
    cheap: CapacityWindow  # 600 units at 5.00 CNY a unit, another factory
    offer: Assignment  # 600 units offered in ``window``
    waiting: Order  # 500 units, open


def make_scene() -> Scene:
    """The run would move the offer to the cheap window and put the waiting order in its
    place (both fit only that way), unless the offer is accepted meanwhile."""
    seller, owner = make_user(Role.SELLER), make_user(Role.FACTORY_OWNER)
    dear = make_factory(owner)
    make_capability(dear, unit_price="11.50")
    window = make_window(dear, units_per_day=100, start=2, end=11)
    cheap_factory = make_factory()
    make_capability(cheap_factory, unit_price="5.00")
    cheap = make_window(cheap_factory, units_per_day=100, start=2, end=7)
    offer = make_assignment(make_order(seller, quantity=600, due_date=days(40)), window)
    waiting = make_order(seller, quantity=500, due_date=days(40))
    return Scene(seller, owner, window, cheap, offer, waiting)


def countered(scene: Scene) -> Assignment:
    counter_create(offer=scene.offer, actor=scene.owner, unit_price=Decimal("12.00"))
    return Assignment.objects.get(pk=scene.offer.pk)


def held_units_add_up() -> None:
    """Every window holds exactly its live assignments' units, never more than it has."""
    for window in CapacityWindow.objects.all():
        live = Assignment.objects.filter(window=window)
        booked = sum(a.quantity for a in live.filter(status=AssignmentStatus.ACCEPTED))
        offered = sum(
            a.quantity
            for a in live.filter(status__in=(AssignmentStatus.PROPOSED, AssignmentStatus.COUNTERED))
        )
        assert (window.booked_units, window.offered_units) == (booked, offered), window
        assert booked + offered <= window.total_units, window


def needs_postgresql() -> None:
    if connection.vendor != "postgresql":
        pytest.fail("This test needs DATABASE_URL pointing at PostgreSQL")


def test_a_run_solved_before_the_counter_was_accepted_writes_only_what_still_fits(
    category_tree: None,
) -> None:
    needs_postgresql()
    scene = make_scene()
    run, _created = match_run_request(trigger=MatchRunTrigger.MANUAL)
    prepared = match_run_prepare(run_id=run.pk, task_id="t")
    assert prepared is not None
    results = [solve_shard(shard, index=i, worker="w") for i, shard in enumerate(prepared.shards)]
    planned = {(a.order_id, a.window_id) for r in results for a in r.solution.assignments}
    # the solver moved the (then unanswered) offer and gave its units to the waiting order
    assert planned == {(scene.offer.order_id, scene.cheap.pk), (scene.waiting.pk, scene.window.pk)}

    # meanwhile the factory counters and the seller accepts: 600 units booked in the window
    counter_accept(assignment=countered(scene), actor=scene.seller)
    written = match_run_write(snapshot=prepared.snapshot, results=results)

    assert written is not None
    offer = Assignment.objects.get(pk=scene.offer.pk)
    assert (offer.status, offer.window_id, offer.unit_price) == (
        AssignmentStatus.ACCEPTED,
        scene.window.pk,
        Decimal("12.00"),
    )
    # the waiting order's plan needed 500 of the 400 units left: not written
    assert not Assignment.objects.filter(order=scene.waiting, window=scene.window).exists()
    assert Order.objects.get(pk=scene.waiting.pk).status == OrderStatus.OPEN
    assert written.matched_orders == 0
    held_units_add_up()


ROUNDS = 4


def test_a_counter_accepted_at_the_moment_a_run_writes_never_over_books(
    category_tree: None,
) -> None:
    needs_postgresql()
    failures: list[str] = []
    for _ in range(ROUNDS):
        scene = make_scene()
        part = countered(scene)
        barrier = threading.Barrier(2)

        def run(name: str, write: object, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                write()  # type: ignore[operator]
            except Conflict:
                pass  # the state moved under it: a clear answer
            except Exception as error:  # deadlocks and everything else are reported
                failures.append(f"{name}: {type(error).__name__}: {error}")
            finally:
                connections.close_all()

        writes = {
            "accept the counter": lambda part=part, scene=scene: counter_accept(
                assignment=part, actor=scene.seller
            ),
            "run matching": run_matching_here,
        }
        threads = [threading.Thread(target=run, args=item) for item in writes.items()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED
        held_units_add_up()
        Order.objects.filter(status__in=(OrderStatus.OPEN, OrderStatus.OFFERED)).update(
            status=OrderStatus.DRAFT
        )  # the next round's run sees only its own scene

    assert failures == []

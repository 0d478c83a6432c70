"""Many factory-side accepts racing for the last units of one window, on PostgreSQL:
exactly the ones that fit win, the others get 409, and booked units never exceed the
window."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from factories.models import CapacityWindow
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 12


def test_only_the_offers_that_fit_are_accepted(category_tree: None, owner: User) -> None:
    if connection.vendor != "postgresql":
        pytest.fail("This test needs DATABASE_URL pointing at PostgreSQL")
    # 1,000 units; 600 booked by an accepted order; 12 offers of 100 units wait for the
    # last 400 (the owner shrank the window after they were made)
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    make_assignment(make_order(quantity=600), window, status=AssignmentStatus.ACCEPTED)
    offers = [make_assignment(make_order(quantity=100), window) for _ in range(THREADS)]
    assert CapacityWindow.objects.get(pk=window.pk).offered_units == 100 * THREADS

    barrier = threading.Barrier(THREADS)
    codes: dict[int, int] = {}

    def accept(offer: Assignment) -> None:
        client = client_for(owner)
        try:
            barrier.wait()
            codes[offer.pk] = client.post(f"/api/offers/{offer.pk}/accept/").status_code
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(offer,)) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(codes.values()) == [200] * 4 + [409] * (THREADS - 4)
    window.refresh_from_db()
    assert window.booked_units == window.total_units == 1000
    # the losers still hold their (now unbookable) units as offers; nothing else moved
    assert window.offered_units == 100 * (THREADS - 4)
    winners = [pk for pk, code in codes.items() if code == 200]
    accepted = Assignment.objects.filter(pk__in=[o.pk for o in offers], status="accepted")
    assert sorted(accepted.values_list("pk", flat=True)) == sorted(winners)
    orders = Order.objects.filter(assignments__in=[o.pk for o in offers])
    assert orders.filter(status=OrderStatus.ACCEPTED).count() == 4
    assert orders.filter(status=OrderStatus.OFFERED).count() == THREADS - 4

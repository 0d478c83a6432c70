"""Scenario 5: fifty factory owners' accepts race for the last units of one window, through
the API: exactly the offers that fit are accepted, every other answer is 409, none is a
server error and no IntegrityError reaches a client."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from factories.models import CapacityWindow
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import make_assignment, make_factory, make_order, make_window
from tests.conftest import client_for

OFFERS = 50
OFFER_UNITS = 20
FREE_UNITS = 400  # 20 offers fit


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_fifty_concurrent_accepts_exactly_the_ones_that_fit_win_the_rest_get_409(
    owner: User,
) -> None:
    # 1,000 units, 600 booked by an accepted order; 50 offers of 20 units wait for the last
    # 400 (the owner shrank the window after they were made)
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    make_assignment(make_order(quantity=600), window, status=AssignmentStatus.ACCEPTED)
    offers = [make_assignment(make_order(quantity=OFFER_UNITS), window) for _ in range(OFFERS)]

    barrier = threading.Barrier(OFFERS)
    answers: dict[int, tuple[int, str]] = {}
    raised: list[BaseException] = []

    def accept(offer: Assignment) -> None:
        client = client_for(owner)
        try:
            barrier.wait()
            response = client.post(f"/api/offers/{offer.pk}/accept/")
            answers[offer.pk] = (response.status_code, response.content.decode())
        except BaseException as exc:  # the test client re-raises what the view raised
            raised.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=accept, args=(offer,)) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert raised == []
    codes = sorted(code for code, _body in answers.values())
    winners = FREE_UNITS // OFFER_UNITS
    assert codes == [200] * winners + [409] * (OFFERS - winners)
    assert not any("IntegrityError" in body for _code, body in answers.values())
    window = CapacityWindow.objects.get(pk=window.pk)
    assert window.booked_units == window.total_units == 1000
    assert window.offered_units == OFFER_UNITS * (OFFERS - winners)
    accepted = {pk for pk, (code, _body) in answers.items() if code == 200}
    assert (
        set(
            Assignment.objects.filter(
                pk__in=[o.pk for o in offers], status=AssignmentStatus.ACCEPTED
            ).values_list("pk", flat=True)
        )
        == accepted
    )
    orders = Order.objects.filter(assignments__in=[o.pk for o in offers])
    assert orders.filter(status=OrderStatus.ACCEPTED).count() == winners
    assert orders.filter(status=OrderStatus.OFFERED).count() == OFFERS - winners

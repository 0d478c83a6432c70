"""Staff read counter-offers in the admin: their own list (terms beside the offer's, where
each is) and under their assignment, in both languages; nobody adds or edits one there."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client

from marketplace.models import Role
from matching.counters import counter_accept, counter_create
from matching.models import Assignment, Counter
from tests.admin_pages import listed, pks
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window

pytestmark = pytest.mark.django_db

COUNTERS = "/admin/matching/counter/"


def a_counter(*, accepted: bool = False) -> Counter:
    owner = make_user(Role.FACTORY_OWNER)
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    offer = make_assignment(make_order(quantity=500), window)
    counter = counter_create(offer=offer, actor=owner, unit_price=Decimal("11.40"), note="Dye")
    if accepted:
        counter_accept(assignment=offer, actor=offer.order.seller)
    return counter


@pytest.mark.parametrize(
    ("language", "words"),
    [("en", ["Counter-offers", "Waiting for the seller", "Accepted"]), ("zh-hans", ["还价"])],
)
def test_the_list_shows_every_counter_with_its_state(
    staff_client: Client, language: str, words: list[str]
) -> None:
    waiting, accepted = a_counter(), a_counter(accepted=True)

    response = staff_client.get(COUNTERS, HTTP_ACCEPT_LANGUAGE=language)

    assert listed(response) == pks(waiting, accepted)
    text = response.content.decode()
    for word in words:
        assert word in text
    assert "11.40" in text


def test_the_list_filters_by_the_assignments_status(staff_client: Client) -> None:
    waiting, accepted = a_counter(), a_counter(accepted=True)

    assert listed(staff_client.get(COUNTERS, {"assignment__status": "countered"})) == pks(waiting)
    assert listed(staff_client.get(COUNTERS, {"assignment__status": "accepted"})) == pks(accepted)


def test_a_counter_is_shown_under_its_assignment_and_on_its_own_page(
    staff_client: Client,
) -> None:
    counter = a_counter()

    assignment_page = staff_client.get(
        f"/admin/matching/assignment/{counter.assignment_id}/change/"
    )
    own_page = staff_client.get(f"{COUNTERS}{counter.pk}/change/")

    assert assignment_page.status_code == own_page.status_code == 200
    assert "11.40" in assignment_page.content.decode()
    assert "Dye" in own_page.content.decode()


def test_nobody_adds_changes_or_deletes_a_counter_in_the_admin(staff_client: Client) -> None:
    counter = a_counter()

    assert staff_client.get(f"{COUNTERS}add/").status_code == 403
    staff_client.post(f"{COUNTERS}{counter.pk}/change/", {"note": "changed"})
    staff_client.post(f"{COUNTERS}{counter.pk}/delete/", {"post": "yes"})

    assert Counter.objects.get(pk=counter.pk).note == "Dye"
    assert Assignment.objects.filter(pk=counter.assignment_id).exists()

"""Pooling (拼单) through a match run: orders below a factory's minimum share one lot; the
run writes the pool on each offer, both sides see it (never the other sellers), and each
order keeps its own price, ship-to and history."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django import Settings

from factories.models import CapacityWindow
from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus, MatchRun
from matching.offers import offer_decline
from matching.solve import match_run_execute
from matching.solver import MatchingProblem, MatchingSolution, shards, solve
from orders.models import Order, OrderEvent, OrderStatus
from orders.services import order_update
from tests.builders import make_factory, make_order, make_user, make_window, run_matching
from tests.conftest import client_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db


@pytest.fixture
def window(owner: User) -> CapacityWindow:
    # 2,000 units over 20 days; the factory makes lots of 1,000 to 5,000
    factory = make_factory(owner, min_order_quantity=1000, max_order_quantity=5000)
    return make_window(factory, units_per_day=100, start=1, end=20)


def pooling_order(seller: User | None = None, quantity: int = 600, **kwargs: object) -> Order:
    return make_order(seller, quantity=quantity, allows_pooling=True, **kwargs)


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_two_sellers_orders_below_the_minimum_are_offered_as_one_pool(
    window: CapacityWindow,
) -> None:
    first, second = pooling_order(quantity=600), pooling_order(quantity=500)

    run = run_matching()

    offers = {a.order_id: a for a in Assignment.objects.all()}
    assert set(offers) == {first.pk, second.pk}
    assert {a.pool_key for a in offers.values()} == {f"{run.pk}-{window.pk}"}
    assert {a.quantity for a in offers.values()} == {600, 500}
    window.refresh_from_db()
    assert window.offered_units == 1100
    for order in (first, second):
        order.refresh_from_db()
        assert order.status == OrderStatus.OFFERED
        event = OrderEvent.objects.get(order=order, action="pooled")
        assert event.params == {"run": run.pk, "orders": 2, "units": 1100}
        with translation.override("zh-hans"):
            assert "拼单" in event.note
        with translation.override("en"):
            assert "pooled, 2 orders, 1100 units together" in event.note


def test_a_pooling_order_alone_waits_with_pool_too_small_and_what_its_pool_needs(
    window: CapacityWindow,
) -> None:
    order = pooling_order(quantity=600)

    run_matching()

    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.unmatched_reason == "pool_too_small"
    assert order.relax_suggestion["pool_units_needed"] == 400
    assert order.relax_suggestion["pool_factory"] == window.factory_id
    with translation.override("en"):
        assert "Its pool needs 400 more units." in order.relax_suggestion_text
    with translation.override("zh-hans"):
        assert "400" in order.relax_suggestion_text and "拼单" in order.relax_suggestion_text


def test_an_order_that_does_not_allow_pooling_is_told_to_allow_it(
    window: CapacityWindow,
) -> None:
    pooling_order(quantity=600)
    other = make_order(quantity=500)

    run_matching()

    other.refresh_from_db()
    assert other.unmatched_reason == "quantity_out_of_range"
    assert other.relax_suggestion["allow_pooling"] is True
    with translation.override("en"):
        assert "pooling allowed" in other.relax_suggestion_text


def test_with_pooling_switched_off_no_order_below_the_minimum_is_offered(
    window: CapacityWindow, settings: Settings
) -> None:
    settings.MATCHING_POOLING = False
    orders = [pooling_order(quantity=600), pooling_order(quantity=500)]

    run_matching()

    assert not Assignment.objects.exists()
    for order in orders:
        order.refresh_from_db()
        assert order.unmatched_reason == "quantity_out_of_range"
        assert "pool_units_needed" not in order.relax_suggestion


def test_a_pool_is_written_whole_or_not_at_all(
    window: CapacityWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = pooling_order(quantity=600), pooling_order(quantity=500)

    def edit_then_solve(problem: MatchingProblem) -> MatchingSolution:
        order_update(order=Order.objects.get(pk=first.pk), data={"title": "Changed"})
        return solve(problem)

    monkeypatch.setattr(shards, "solve", edit_then_solve)
    from matching.runs import match_run_request

    run, _ = match_run_request(trigger="manual")
    assert match_run_execute(run_id=run.pk, task_id="t") is not None

    # the first order changed while the solver ran: the second alone would be below 1,000
    assert not Assignment.objects.exists()
    window.refresh_from_db()
    assert window.offered_units == 0
    second.refresh_from_db()
    assert second.status == OrderStatus.OPEN


def test_a_factory_that_declines_one_order_of_a_pool_may_accept_the_other(
    window: CapacityWindow, owner: User
) -> None:
    first, second = pooling_order(quantity=600), pooling_order(quantity=500)
    run_matching()
    offers = {a.order_id: a for a in Assignment.objects.all()}

    offer_decline(offer=offers[first.pk], actor=owner, reason="no_capacity")

    kept = Assignment.objects.get(pk=offers[second.pk].pk)
    assert kept.status == AssignmentStatus.PROPOSED
    response = client_for(owner).post(f"/api/offers/{kept.pk}/accept/")
    assert response.status_code == 200, response.content
    assert Assignment.objects.get(pk=kept.pk).status == AssignmentStatus.ACCEPTED


def test_the_offer_api_shows_the_pool_to_the_factory_and_to_each_seller(
    window: CapacityWindow, owner: User
) -> None:
    seller_a, seller_b = make_user(Role.SELLER), make_user(Role.SELLER)
    first = pooling_order(seller_a, quantity=600)
    pooling_order(seller_b, quantity=500)
    run_matching()
    offer = Assignment.objects.get(order=first)

    as_owner = client_for(owner).get(f"/api/offers/{offer.pk}/").json()
    as_seller = client_for(seller_a).get(f"/api/order-assignments/?order={first.pk}").json()

    assert as_owner["pool"] == {"orders": 2, "units": 1100}
    assert as_seller["results"][0]["pool"] == {"orders": 2, "units": 1100}
    # the other seller cannot read this order's parts
    foreign = client_for(seller_b).get(f"/api/order-assignments/{offer.pk}/")
    assert foreign.status_code == 404


def test_an_offer_made_on_its_own_has_no_pool(owner: User) -> None:
    make_window(make_factory(owner), units_per_day=100)
    order = make_order(quantity=500)
    run_matching()

    offer = Assignment.objects.get(order=order)
    assert offer.pool_key == ""
    assert client_for(owner).get(f"/api/offers/{offer.pk}/").json()["pool"] is None


@pytest.mark.parametrize(
    ("language", "pooled", "own_page"),
    [
        ("en", "Pooled: 2 orders, 1,100 units together in one lot.", "Allowed below"),
        ("zh-hans", "拼单：共 2 个订单，合计 1100 件同批生产。", "低于起订量时允许"),
    ],
)
def test_the_pages_show_the_pool_without_the_other_seller(
    window: CapacityWindow, owner: User, language: str, pooled: str, own_page: str
) -> None:
    seller_a = make_user(Role.SELLER, company_name="Alpha Apparel")
    seller_b = make_user(Role.SELLER, company_name="Beta Brands")
    first = pooling_order(seller_a, quantity=600, title="Alpha tees")
    second = pooling_order(seller_b, quantity=500, title="Beta tees")
    run_matching()
    offer = Assignment.objects.get(order=first)

    def page(user: User, name: str, pk: int | None = None) -> TestResponse:
        url = reverse(name, args=[] if pk is None else [pk])
        return page_client(user).get(url, HTTP_ACCEPT_LANGUAGE=language)

    inbox = page(owner, "factory-offers").content.decode()
    detail = page(owner, "factory-offer", offer.pk).content.decode()
    order_page = page(seller_a, "seller-order", first.pk).content.decode()

    assert pooled in inbox
    assert pooled in detail
    assert ("拼单：共 2 个订单" if language == "zh-hans" else "pooled: 2 orders") in order_page
    assert own_page in order_page
    # the seller never sees the other seller's order, name or price
    assert "Beta tees" not in order_page and "Beta Brands" not in order_page
    foreign = page(seller_a, "seller-order", second.pk)
    assert foreign.status_code == 404


def test_a_run_keeps_the_pool_of_offers_that_still_stand(window: CapacityWindow) -> None:
    pooling_order(quantity=600), pooling_order(quantity=500)
    first_run = run_matching()

    run_matching()

    offers = Assignment.objects.filter(status=AssignmentStatus.PROPOSED)
    assert set(offers.values_list("pool_key", flat=True)) == {f"{first_run.pk}-{window.pk}"}
    assert offers.count() == 2
    assert MatchRun.objects.count() == 2


@pytest.mark.parametrize(
    ("language", "needs"),
    [("en", "Its pool needs 400 more units."), ("zh-hans", "拼单还差 400 件。")],
)
def test_the_order_page_says_what_a_waiting_pooling_order_needs(
    window: CapacityWindow, seller: User, language: str, needs: str
) -> None:
    order = pooling_order(seller, quantity=600)
    run_matching()

    page = page_client(seller).get(
        reverse("seller-order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE=language
    )

    body = page.content.decode()
    assert needs in body
    assert ("拼单未达工厂起订量" if language == "zh-hans" else "Pool below the factory") in body


def test_a_pool_part_of_which_the_factory_accepted_stands_in_the_next_run(
    window: CapacityWindow, owner: User
) -> None:
    first, second = pooling_order(quantity=600), pooling_order(quantity=500)
    run_matching()
    offers = {a.order_id: a for a in Assignment.objects.all()}
    client_for(owner).post(f"/api/offers/{offers[first.pk].pk}/accept/")

    run_matching()

    # the accepted 600 units still count toward the lot: the other offer is kept, in the
    # same pool, and a third pooling order posted now joins it
    waiting = Assignment.objects.get(pk=offers[second.pk].pk)
    assert waiting.status == AssignmentStatus.PROPOSED
    assert waiting.pool_key == offers[first.pk].pool_key
    second.refresh_from_db()
    assert second.status == OrderStatus.OFFERED
    third = pooling_order(quantity=300)
    run_matching()
    joined = Assignment.objects.get(order=third)
    assert joined.pool_key == offers[first.pk].pool_key
    event = OrderEvent.objects.get(order=third, action="pooled")
    assert (event.params["orders"], event.params["units"]) == (3, 1400)
    api = client_for(owner).get(f"/api/offers/{joined.pk}/").json()
    assert api["pool"] == {"orders": 3, "units": 1400}


def test_another_factory_owner_cannot_read_a_pooled_offer(window: CapacityWindow) -> None:
    pooling_order(quantity=600), pooling_order(quantity=500)
    run_matching()
    offer = Assignment.objects.first()
    assert offer is not None
    stranger = make_user(Role.FACTORY_OWNER)

    assert client_for(stranger).get(f"/api/offers/{offer.pk}/").status_code == 404
    page = page_client(stranger).get(reverse("factory-offer", args=[offer.pk]))
    assert page.status_code == 404

"""Offers expire after OFFER_EXPIRY_HOURS; a factory that lets several expire in a row is
paused until its owner resumes (controlled time with time-machine)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from pytest_django import Settings
from rest_framework.test import APIClient

from factories.models import CapacityWindow, Factory
from marketplace.models import Notification, User
from matching.models import Assignment, AssignmentStatus
from matching.offers import offers_expire
from matching.tasks import offers_expire_task
from orders.models import Order, OrderEvent, OrderStatus
from tests.builders import make_factory, make_order, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def offer_from_a_run(factory: Factory, quantity: int = 300) -> Assignment:
    order = make_order(quantity=quantity)
    if not factory.windows.exists():
        make_window(factory, order.category)
    run_matching()
    return Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)


@pytest.fixture
def factory(owner: User) -> Factory:
    return make_factory(owner)


def test_a_run_gives_each_offer_24_hours(factory: Factory) -> None:
    with time_machine.travel(START, tick=False):
        offer = offer_from_a_run(factory)

    assert offer.expires_at == START + dt.timedelta(hours=24)


def test_an_offer_is_not_expired_before_its_time(factory: Factory) -> None:
    with time_machine.travel(START, tick=False):
        offer = offer_from_a_run(factory)
    with time_machine.travel(START + dt.timedelta(hours=23, minutes=59), tick=False):
        assert offers_expire() == 0

    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_an_unanswered_offer_expires_frees_its_units_and_reopens_the_order(
    factory: Factory,
) -> None:
    with time_machine.travel(START, tick=False):
        offer = offer_from_a_run(factory)
    with time_machine.travel(START + dt.timedelta(hours=24, seconds=1), tick=False):
        assert offers_expire_task() == 1
        assert offers_expire_task() == 0  # running twice is harmless

    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.EXPIRED
    assert CapacityWindow.objects.get(pk=offer.window_id).offered_units == 0
    order = Order.objects.get(pk=offer.order_id)
    assert order.status == OrderStatus.OPEN
    event = OrderEvent.objects.filter(order=order).last()
    assert event is not None
    assert (event.action, event.actor) == ("reopen", None)
    assert "expired" in event.note
    factory.refresh_from_db()
    assert factory.expired_offers_in_a_row == 1
    assert Notification.objects.filter(recipient=factory.owner, kind="offer_expired").exists()
    # the factory is not offered the same order again
    run_matching()
    assert not Assignment.objects.filter(
        order=order, status=AssignmentStatus.PROPOSED, factory=factory
    ).exists()


def test_the_expiry_time_is_a_setting(factory: Factory, settings: Settings) -> None:
    settings.OFFER_EXPIRY_HOURS = 2
    with time_machine.travel(START, tick=False):
        offer = offer_from_a_run(factory)
    with time_machine.travel(START + dt.timedelta(hours=2, seconds=1), tick=False):
        assert offers_expire() == 1

    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.EXPIRED


def let_offers_expire(factory: Factory, count: int) -> dt.datetime:
    now = START
    for _ in range(count):
        with time_machine.travel(now, tick=False):
            offer_from_a_run(factory)
        now += dt.timedelta(hours=25)
        with time_machine.travel(now, tick=False):
            offers_expire()
    return now


def test_three_expired_offers_in_a_row_pause_the_factory(factory: Factory) -> None:
    now = let_offers_expire(factory, 3)

    factory.refresh_from_db()
    assert factory.is_paused and factory.expired_offers_in_a_row == 3
    assert "3 offers in a row expired" in factory.pause_reason
    told = Notification.objects.get(recipient=factory.owner, kind="factory_paused")
    assert told.message == factory.pause_reason
    # a paused factory receives no new offers
    with time_machine.travel(now, tick=False):
        order = make_order(quantity=100)
        run = run_matching()
    assert run.matched_orders == 0
    assert Order.objects.get(pk=order.pk).unmatched_reason == "no_capable_factory"


def test_two_expired_offers_do_not_pause_it(factory: Factory) -> None:
    let_offers_expire(factory, 2)

    factory.refresh_from_db()
    assert not factory.is_paused and factory.expired_offers_in_a_row == 2


def test_the_pause_threshold_is_a_setting(factory: Factory, settings: Settings) -> None:
    settings.FACTORY_AUTO_PAUSE_AFTER_EXPIRED = 1
    let_offers_expire(factory, 1)

    factory.refresh_from_db()
    assert factory.is_paused


def test_the_owner_resumes_and_offers_come_again(factory: Factory, owner_api: APIClient) -> None:
    now = let_offers_expire(factory, 3)
    response = owner_api.get(f"/api/factories/{factory.pk}/")
    assert response.json()["is_paused"] is True
    assert response.json()["allowed_actions"] == ["resume"]

    response = owner_api.post(f"/api/factories/{factory.pk}/resume/")

    assert response.status_code == 200
    assert response.json()["is_paused"] is False
    assert response.json()["expired_offers_in_a_row"] == 0
    with time_machine.travel(now, tick=False):
        order = make_order(quantity=100)
        run_matching()
    assert Assignment.objects.get(order=order).factory_id == factory.pk


def test_resuming_a_factory_that_is_not_paused_is_409(
    factory: Factory, owner_api: APIClient
) -> None:
    response = owner_api.post(f"/api/factories/{factory.pk}/resume/")

    assert response.status_code == 409
    assert "not paused" in response.json()["detail"]


def test_another_owner_cannot_resume_the_factory(factory: Factory) -> None:
    let_offers_expire(factory, 3)
    stranger = client_for(make_factory().owner)

    assert stranger.post(f"/api/factories/{factory.pk}/resume/").status_code == 404
    factory.refresh_from_db()
    assert factory.is_paused


def test_an_answer_between_expiries_starts_the_count_again(
    factory: Factory, owner_api: APIClient
) -> None:
    now = let_offers_expire(factory, 2)
    with time_machine.travel(now, tick=False):
        offer = offer_from_a_run(factory)
        response = owner_api.post(f"/api/offers/{offer.pk}/decline/", {"reason": "no_capacity"})
        assert response.status_code == 200
    let_offers_expire(factory, 1)

    factory.refresh_from_db()
    assert not factory.is_paused and factory.expired_offers_in_a_row == 1

"""Standby factories on the seller's order page, in both languages: the proposal for a late
part is shown with its two answers; moving the part offers it to the standby factory, keeping
it leaves it; an answered proposal shows the service's refusal; another seller's order or a
proposal of another order is a 404."""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client

from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from production.models import StandbySwitch, StandbySwitchStatus
from tests.builders import make_order, make_user
from tests.marketplace.test_translations import HAN, LATIN_WORD, _VisibleText
from tests.production.test_standby_switches import (
    accepted_part,
    after,
    proposed_when_late,
    standby_window,
    window_units,
)

pytestmark = pytest.mark.django_db


def logged_in(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(language=language)
    return client


def section_words(page: str, language: str, *names: str) -> list[str]:
    """Words of the other language in the page's standby section (names as given aside)."""
    start = page.index('<section aria-labelledby="standby-waiting"')
    parser = _VisibleText()
    parser.feed(page[start : page.index("</section>", start)] + "</section>")
    text = " ".join(parser.texts)
    for name in names:
        text = text.replace(name, " ")
    return HAN.findall(text) if language == "en" else LATIN_WORD.findall(text)


def url(switch: StandbySwitch, verb: str, order_id: int | None = None) -> str:
    order = order_id or switch.part.order_id
    return f"/seller/orders/{order}/standby/{switch.pk}/{verb}/"


@pytest.mark.parametrize(
    ("language", "heading", "move", "moved"),
    [
        ("en", "A standby factory can take over a late part", "Move the part", "The part is moved"),
        ("zh-hans", "备用工厂可以接手一个延误的部分", "把这部分转给备用工厂", "已转移"),
    ],
)
def test_the_seller_moves_a_late_part_to_its_standby_from_the_order_page(
    language: str, heading: str, move: str, moved: str
) -> None:
    seller = make_user()
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)
    client = logged_in(seller, language)

    page = client.get(f"/seller/orders/{part.order_id}/").content.decode()
    assert heading in page
    assert move in page
    assert window.factory.name in page
    assert section_words(page, language, window.factory.name, part.factory.name) == []

    with time_machine.travel(after(part.planned_start, 2), tick=False):
        response = client.post(url(switch, "accept"))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert moved in page
    assert heading not in page
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.SWITCHED
    assert Assignment.objects.get(factory=window.factory).status == AssignmentStatus.PROPOSED


@pytest.mark.parametrize(
    ("language", "kept"),
    [("en", "The part stays with its factory."), ("zh-hans", "这部分仍由原工厂生产。")],
)
def test_the_seller_keeps_the_part_from_the_order_page(language: str, kept: str) -> None:
    seller = make_user()
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)
    client = logged_in(seller, language)

    response = client.post(url(switch, "decline"))

    assert response.status_code == 302
    assert kept in client.get(response["Location"]).content.decode()
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.DECLINED
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED


def test_an_answered_proposal_shows_the_refusal_and_changes_nothing() -> None:
    seller = make_user()
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)
    client = logged_in(seller)
    client.post(url(switch, "decline"))

    response = client.post(url(switch, "accept"))

    assert response.status_code == 302
    assert "answered already" in client.get(response["Location"]).content.decode()
    assert Assignment.objects.get(pk=part.pk).status == AssignmentStatus.ACCEPTED


@pytest.mark.parametrize("verb", ["accept", "decline"])
def test_another_sellers_proposal_is_a_404_and_nothing_changes(verb: str) -> None:
    part = accepted_part()
    standby_window()
    switch = proposed_when_late(part)
    stranger = make_user()
    client = logged_in(stranger)

    assert client.post(url(switch, verb)).status_code == 404
    # the stranger's own order does not reach it either
    own = make_order(stranger)
    assert client.post(url(switch, verb, own.pk)).status_code == 404
    assert client.get(f"/seller/orders/{part.order_id}/").status_code == 404
    assert StandbySwitch.objects.get().status == StandbySwitchStatus.PENDING


def test_answers_are_posted_only() -> None:
    seller = make_user()
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)

    assert logged_in(seller).get(url(switch, "accept")).status_code == 405


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_dashboard_lists_an_order_whose_part_has_a_standby_waiting(language: str) -> None:
    seller = make_user()
    part = accepted_part(seller)
    standby_window()
    switch = proposed_when_late(part)
    client = logged_in(seller, language)
    heading = "A standby factory can take over a late part" if language == "en" else "备用工厂"

    page = client.get("/seller/").content.decode()
    assert heading in page
    assert f'href="/seller/orders/{part.order_id}/"' in page

    client.post(url(switch, "decline"))
    assert 'id="needs-standby"' not in client.get("/seller/").content.decode()


@pytest.mark.parametrize(
    ("language", "moved", "history"),
    [
        ("en", "Moved to a standby factory", "The seller moved 500 units from"),
        ("zh-hans", "已转给备用工厂", "卖家已将 500 件从"),
    ],
)
def test_after_the_switch_both_factories_and_the_seller_see_where_the_part_is(
    language: str, moved: str, history: str
) -> None:
    seller = make_user()
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)
    with time_machine.travel(after(part.planned_start, 2), tick=False):
        logged_in(seller, language).post(url(switch, "accept"))
    offer = Assignment.objects.get(factory=window.factory)

    order_page = logged_in(seller, language).get(f"/seller/orders/{part.order_id}/")
    first = logged_in(part.factory.owner, language).get(f"/factory/offers/{part.pk}/")
    inbox = logged_in(window.factory.owner, language).get("/factory/offers/")
    offer_page = logged_in(window.factory.owner, language).get(f"/factory/offers/{offer.pk}/")

    assert moved in order_page.content.decode()
    assert history in order_page.content.decode()
    assert first.status_code == 200
    assert moved in first.content.decode()
    assert f"/factory/offers/{offer.pk}/" in inbox.content.decode()
    assert offer_page.status_code == 200
    # the first factory's owner cannot reach the standby's offer, nor the standby the first part
    assert logged_in(part.factory.owner).get(f"/factory/offers/{offer.pk}/").status_code == 404
    assert logged_in(window.factory.owner).get(f"/factory/offers/{part.pk}/").status_code == 404


def test_the_standby_factory_accepts_the_offer_on_its_page() -> None:
    seller = make_user()
    part = accepted_part(seller)
    window = standby_window()
    switch = proposed_when_late(part)
    with time_machine.travel(after(part.planned_start, 2), tick=False):
        logged_in(seller).post(url(switch, "accept"))
    offer = Assignment.objects.get(factory=window.factory)
    client = logged_in(window.factory.owner)

    page = client.get(f"/factory/offers/{offer.pk}/").content.decode()
    assert f'action="/factory/offers/{offer.pk}/accept/"' in page
    response = client.post(f"/factory/offers/{offer.pk}/accept/")

    assert response.status_code == 302
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.ACCEPTED
    assert window_units(window.pk) == (2500, 500, 0)


def test_a_proposal_for_a_part_that_shipped_meanwhile_is_no_longer_shown() -> None:
    seller = make_user()
    part = accepted_part(seller)
    standby_window()
    proposed_when_late(part)
    Assignment.objects.filter(pk=part.pk).update(shipped_on=part.planned_finish)
    client = logged_in(seller)

    assert (
        'id="standby-waiting"'
        not in client.get(f"/seller/orders/{part.order_id}/").content.decode()
    )
    assert 'id="needs-standby"' not in client.get("/seller/").content.decode()

"""The offer's page sends a counter-offer: the form starts from the offer's terms and says
the limits and that the capability's price stays; bad terms come back on the form with
nothing saved; the inbox, the offer's page and the calendar then show the counter-offer, in
both languages."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client

from factories.models import FactoryCapability
from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus, Counter
from tests.builders import make_assignment, make_factory, make_order, make_user, make_window

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def offer_to(owner: User) -> Assignment:
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=10)
    return make_assignment(make_order(quantity=500, title="Polo shirts"), window)


def send(client: Client, offer: Assignment, language: str = "en", **data: Any) -> Any:
    terms = {
        "form": "counter",
        "unit_price": "11.00",
        "planned_finish": offer.planned_finish.isoformat(),
        "note": "",
    }
    return client.post(
        f"/factory/offers/{offer.pk}/", terms | data, HTTP_ACCEPT_LANGUAGE=language, follow=True
    )


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", ["Counter-offer…", "Update your price", "up to 12.00 CNY a unit"]),
        ("zh-hans", ["还价…", "更新您的价格", "12.00"]),
    ],
)
def test_the_offer_page_has_the_counter_form_with_its_limits(
    owner_client: Client, owner: User, language: str, words: list[str]
) -> None:
    offer = offer_to(owner)

    body = owner_client.get(f"/factory/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE=language)

    text = body.content.decode()
    for word in words:
        assert word in text
    assert 'value="10.00"' in text


@pytest.mark.parametrize(
    ("language", "sent", "waiting"),
    [
        ("en", "Counter-offer sent", "Your counter-offer"),
        ("zh-hans", "还价已发送", "您的还价"),
    ],
)
def test_a_counter_sent_from_the_page_shows_on_the_offer_inbox_and_calendar(
    owner_client: Client, owner: User, language: str, sent: str, waiting: str
) -> None:
    offer = offer_to(owner)
    capability = FactoryCapability.objects.get(factory=offer.factory)

    response = send(owner_client, offer, language, note="Cotton went up")

    page = response.content.decode()
    assert sent in page and waiting in page and "Cotton went up" in page
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.COUNTERED
    assert FactoryCapability.objects.get(pk=capability.pk).unit_price == capability.unit_price
    inbox = owner_client.get("/factory/offers/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert f'data-offer="{offer.pk}"' in inbox and "11.00" in inbox
    calendar = owner_client.get("/factory/calendar/", HTTP_ACCEPT_LANGUAGE=language)
    assert f"#{offer.order_id} Polo shirts" in calendar.content.decode()


@pytest.mark.parametrize(
    ("data", "field_message"),
    [
        ({"unit_price": "9.00"}, "cannot ask less"),
        ({"unit_price": "13.00"}, "At most 12.00"),
        ({"unit_price": "10.00"}, "Ask a higher unit price"),
        ({"unit_price": "1e30"}, "Ensure that there are no more than"),
        ({"unit_price": "abc"}, "Enter a number"),
        ({"planned_finish": "2020-01-01"}, "cannot finish before"),
        ({"planned_finish": "not a date"}, "Enter a valid date"),
        ({"note": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_terms_come_back_on_the_form_and_nothing_is_saved(
    owner_client: Client, owner: User, data: dict[str, str], field_message: str
) -> None:
    offer = offer_to(owner)

    response = send(owner_client, offer, **data)

    assert response.status_code == 200
    assert field_message in response.content.decode()
    assert not Counter.objects.exists()
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_a_counter_twice_is_refused_on_the_form(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner)
    send(owner_client, offer)

    response = send(owner_client, offer, unit_price="11.50")

    assert "Counter-offer…" not in response.content.decode()  # no form: nothing to counter
    assert Counter.objects.get().unit_price == 11


def test_another_owners_offer_page_is_a_404(owner_client: Client) -> None:
    offer = offer_to(make_user(Role.FACTORY_OWNER))

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/",
        {"form": "counter", "unit_price": "11.00", "planned_finish": dt.date.today()},
    )

    assert response.status_code == 404
    assert not Counter.objects.exists()

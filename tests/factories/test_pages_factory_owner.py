"""The factory owner's pages: dashboard, profile and capabilities, windows, calendar, offers,
the page of one offer. Other users get 403 (wrong role) or 404 (someone else's object)."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from PIL import Image

from factories.models import CapacityWindow, Factory, FactoryCapability
from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from production.models import Milestone
from tests.builders import (
    category,
    days,
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owner_client(client: Client, owner: User) -> Client:
    client.force_login(owner)
    return client


def offer_to(owner: User, **kwargs: Any) -> Assignment:
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=20)
    return make_assignment(make_order(quantity=500, due_date=days(30)), window, **kwargs)


PAGES = [
    "/factory/",
    "/factory/factories/",
    "/factory/factories/new/",
    "/factory/windows/",
    "/factory/calendar/",
    "/factory/offers/",
]


@pytest.mark.parametrize("url", PAGES)
def test_each_page_renders_for_an_owner_and_is_403_for_a_seller(
    client: Client, owner: User, url: str
) -> None:
    offer_to(owner)
    client.force_login(owner)
    assert client.get(url).status_code == 200
    client.force_login(make_user(Role.SELLER))
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", PAGES)
def test_each_page_renders_in_chinese(owner_client: Client, owner: User, url: str) -> None:
    offer_to(owner)

    response = owner_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 200
    assert '<html lang="zh-hans">' in response.content.decode()


def test_logged_out_visitors_are_sent_to_log_in(client: Client) -> None:
    response = client.get("/factory/calendar/")

    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=/factory/calendar/")


def test_the_dashboard_shows_waiting_offers_and_this_months_utilisation(
    owner_client: Client, owner: User
) -> None:
    offer = offer_to(owner)

    body = owner_client.get("/factory/").content.decode()

    assert f"#{offer.order_id} {offer.order.title}" in body
    assert "data-countdown" in body


def test_an_owner_registers_a_factory_and_adds_a_capability(
    owner_client: Client, owner: User
) -> None:
    response = owner_client.post(
        "/factory/factories/new/",
        {"name": "Ningbo Knit", "city": "Ningbo", "province": "Zhejiang", "latitude": "29.87",
         "longitude": "121.55", "min_order_quantity": "50", "max_order_quantity": "20000",
         "certifications": "ISO 9001, BSCI", "active": "on"},
    )  # fmt: skip

    factory = Factory.objects.get(owner=owner)
    assert (
        response.status_code == 302 and response["Location"] == f"/factory/factories/{factory.pk}/"
    )
    assert factory.certifications == ["ISO 9001", "BSCI"]
    response = owner_client.post(
        f"/factory/factories/{factory.pk}/capabilities/",
        {"category": category("t-shirts").pk, "unit_price": "7.20", "daily_output": "800"},
    )
    assert response.status_code == 302
    assert FactoryCapability.objects.get(factory=factory).daily_output == 800


def test_a_bad_factory_form_shows_the_services_message_on_its_field(
    owner_client: Client,
) -> None:
    response = owner_client.post(
        "/factory/factories/new/",
        {"name": "Tiny", "city": "Ningbo", "province": "Zhejiang", "latitude": "29.87",
         "longitude": "121.55", "min_order_quantity": "500", "max_order_quantity": "100"},
    )  # fmt: skip

    assert response.status_code == 200
    assert "The maximum order quantity cannot be below the minimum." in response.content.decode()
    assert not Factory.objects.exists()


def test_an_owner_posts_a_window_and_an_overlap_is_refused(
    owner_client: Client, owner: User
) -> None:
    factory = make_factory(owner)
    make_window(factory, category("t-shirts"), start=1, end=10)
    data = {"factory": factory.pk, "category": category("t-shirts").pk,
            "start_date": days(5).isoformat(), "end_date": days(15).isoformat(),
            "units_per_day": "100"}  # fmt: skip

    response = owner_client.post("/factory/windows/", data)

    assert response.status_code == 200
    assert "Overlaps the window" in response.content.decode()
    data |= {"start_date": days(11).isoformat()}
    assert owner_client.post("/factory/windows/", data).status_code == 302
    assert CapacityWindow.objects.filter(factory=factory).count() == 2


def test_another_owners_factory_is_not_offered_in_the_window_form(
    owner_client: Client, owner: User
) -> None:
    foreign = make_factory()
    data = {"factory": foreign.pk, "category": category("t-shirts").pk,
            "start_date": days(1).isoformat(), "end_date": days(5).isoformat(),
            "units_per_day": "100"}  # fmt: skip

    response = owner_client.post("/factory/windows/", data)

    assert response.status_code == 200
    assert not CapacityWindow.objects.filter(factory=foreign).exists()


def test_the_calendar_draws_windows_booked_orders_and_waiting_offers(
    owner_client: Client, owner: User
) -> None:
    offer = offer_to(owner)
    booked = make_assignment(
        make_order(quantity=400, due_date=days(30)), offer.window, status=AssignmentStatus.ACCEPTED
    )

    body = owner_client.get("/factory/calendar/").content.decode()

    assert f'data-window="{offer.window_id}"' in body
    assert f"#{booked.order_id}" in body  # the hatched booked segment's title
    assert "offered-mark" in body and f'data-offer="{offer.pk}"' in body
    # 900 of 2,000 units booked or offered: 45%, the "under 70%" colour
    assert "bar util-2" in body and ">45%<" in body


def test_an_owner_accepts_an_offer_on_the_calendar_page(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner)

    response = owner_client.post(f"/factory/offers/{offer.pk}/accept/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="calendar"' in body and "is booked in your window" in body
    offer.refresh_from_db()
    assert offer.status == AssignmentStatus.ACCEPTED
    assert CapacityWindow.objects.get(pk=offer.window_id).booked_units == 500


def test_an_owner_declines_from_the_inbox_with_a_reason(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner)

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/decline/",
        {"reason": "price_too_low", "note": "", "next": "/factory/offers/"},
    )

    assert response.status_code == 302 and response["Location"] == "/factory/offers/"
    offer.refresh_from_db()
    assert (offer.status, offer.decline_reason) == (AssignmentStatus.DECLINED, "price_too_low")
    assert Order.objects.get(pk=offer.order_id).status == OrderStatus.OPEN


def test_a_refused_accept_shows_the_reason(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner)
    CapacityWindow.objects.filter(pk=offer.window_id).update(total_units=100)

    response = owner_client.post(f"/factory/offers/{offer.pk}/accept/", follow=True)

    assert "unbooked units left" in response.content.decode()
    assert Assignment.objects.get(pk=offer.pk).status == AssignmentStatus.PROPOSED


def test_an_external_next_url_is_ignored(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner)

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/accept/", {"next": "https://evil.example/"}
    )

    assert response["Location"] == "/factory/offers/"


def png(name: str = "cut.png") -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (30, 20), "teal").save(data, "PNG")
    data.seek(0)
    data.name = name
    return data


def test_an_owner_posts_a_milestone_with_a_photo(
    owner_client: Client, owner: User, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    offer = offer_to(owner, status=AssignmentStatus.ACCEPTED)

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/",
        {"kind": "materials_ready", "note": "Fabric in", "photo": png()},
    )

    assert response.status_code == 302
    milestone = Milestone.objects.get(assignment=offer)
    assert milestone.photo.name is not None and milestone.photo.name.endswith(".png")
    page = owner_client.get(f"/factory/offers/{offer.pk}/").content.decode()
    assert milestone.photo.url in page and "Fabric in" in page


def test_a_bad_photo_is_shown_on_the_form_and_nothing_is_saved(
    owner_client: Client, owner: User, settings: object, tmp_path: object
) -> None:
    settings.MEDIA_ROOT = tmp_path  # type: ignore[attr-defined]
    offer = offer_to(owner, status=AssignmentStatus.ACCEPTED)
    fake = io.BytesIO(b"<html>not an image</html>")
    fake.name = "photo.png"

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/", {"kind": "materials_ready", "photo": fake}
    )

    assert response.status_code == 200
    assert "this file is not one" in response.content.decode()
    assert not Milestone.objects.exists()


def test_an_owner_reports_a_delay(owner_client: Client, owner: User) -> None:
    offer = offer_to(owner, status=AssignmentStatus.ACCEPTED)
    later = offer.planned_finish.toordinal() + 3

    response = owner_client.post(
        f"/factory/offers/{offer.pk}/",
        {"new_finish": type(offer.planned_finish).fromordinal(later).isoformat(),
         "reason": "Dye lot failed"},
    )  # fmt: skip

    assert response.status_code == 302
    assert offer.delays.get().reason == "Dye lot failed"


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/factory/offers/{offer}/"),
        ("post", "/factory/offers/{offer}/accept/"),
        ("post", "/factory/offers/{offer}/decline/"),
        ("get", "/factory/factories/{factory}/"),
        ("post", "/factory/factories/{factory}/capabilities/"),
        ("post", "/factory/factories/{factory}/resume/"),
        ("get", "/factory/windows/{window}/"),
        ("post", "/factory/windows/{window}/delete/"),
    ],
)
def test_another_owners_objects_are_404(owner_client: Client, method: str, url: str) -> None:
    stranger_offer = offer_to(make_user(Role.FACTORY_OWNER))
    ids = {"offer": stranger_offer.pk, "factory": stranger_offer.factory_id,
           "window": stranger_offer.window_id}  # fmt: skip

    response = getattr(owner_client, method)(url.format(**ids), {"reason": "no_capacity"})

    assert response.status_code == 404
    stranger_offer.refresh_from_db()
    assert stranger_offer.status == AssignmentStatus.PROPOSED
    assert CapacityWindow.objects.filter(pk=stranger_offer.window_id).exists()

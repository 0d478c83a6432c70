"""Disputes on the API: the seller opens one about a delivered part
(``POST /api/orders/{id}/disputes/``, with photos), both sides read it, the factory's owner
answers (``POST /api/offers/{id}/answer-dispute/``); staff decide in the admin
(tests/production/test_admin_disputes.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from pytest_django import Settings
from rest_framework.test import APIClient

from marketplace.models import Notification, User
from matching.models import Assignment
from orders.models import OrderEvent
from production.disputes import dispute_open
from production.models import Dispute, DisputePhoto, DisputeStatus
from tests.builders import make_user
from tests.conftest import client_for
from tests.production.test_api_delivery_and_rating import delivered_part, noon, shipped_part
from tests.production.test_api_milestones import huge_png, image_file

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings: Settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def open_dispute(client: APIClient, disputed: Assignment, **data: Any) -> Any:
    body = {"reason": "defects", "text": "Half the seams are open."} | data
    return client.post(f"/api/orders/{disputed.order_id}/disputes/", body, format="multipart")


def answer(client: APIClient, part: Assignment, text: str = "We will look at them.") -> Any:
    return client.post(f"/api/offers/{part.pk}/answer-dispute/", {"answer": text}, format="json")


def nothing_saved() -> None:
    assert not Dispute.objects.exists()
    assert not DisputePhoto.objects.exists()
    assert not OrderEvent.objects.filter(action="dispute_opened").exists()


def test_the_seller_opens_a_dispute_with_photos_and_the_factory_is_told(
    seller_api: APIClient, seller: User, media: Path
) -> None:
    part = delivered_part(seller_api, seller)

    response = open_dispute(seller_api, part, photos=[image_file(), image_file("JPEG", "b.jpg")])

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "open"
    assert body["reason"] == "defects"
    assert body["part"] == part.pk
    assert len(body["photos"]) == 2
    assert body["photos"][0]["photo"].endswith(".png")
    assert len(list(media.rglob("*.*"))) == 2
    told = Notification.objects.get(recipient=part.factory.owner, kind="dispute_opened")
    assert "Half the seams are open." in told.texts[1]
    event = OrderEvent.objects.get(order_id=part.order_id, action="dispute_opened")
    assert "defective goods" in event.note


def test_both_sides_read_the_dispute(
    seller_api: APIClient, seller: User, owner: User, owner_api: APIClient
) -> None:
    part = delivered_part(seller_api, seller, owner)
    open_dispute(seller_api, part)

    by_seller = seller_api.get(f"/api/orders/{part.order_id}/disputes/")
    by_owner = owner_api.get(f"/api/offers/{part.pk}/disputes/")

    assert by_seller.status_code == by_owner.status_code == 200
    assert [d["part"] for d in by_seller.json()] == [part.pk]
    assert by_owner.json() == by_seller.json()


def test_the_owner_answers_once_and_the_seller_is_told(
    seller_api: APIClient, seller: User, owner: User, owner_api: APIClient
) -> None:
    part = delivered_part(seller_api, seller, owner)
    open_dispute(seller_api, part)

    response = answer(owner_api, part)

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "answered"
    assert response.json()["answer"] == "We will look at them."
    told = Notification.objects.get(recipient=seller, kind="dispute_answered")
    assert "We will look at them." in told.texts[1]
    again = answer(owner_api, part, "Changed my mind")
    assert again.status_code == 409
    assert Dispute.objects.get().answer == "We will look at them."


def test_an_empty_answer_is_a_400(
    seller_api: APIClient, seller: User, owner: User, owner_api: APIClient
) -> None:
    part = delivered_part(seller_api, seller, owner)
    open_dispute(seller_api, part)

    response = answer(owner_api, part, "   ")

    assert response.status_code == 400
    assert "answer" in response.json()
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_answering_a_part_nobody_disputes_is_a_409(
    seller_api: APIClient, seller: User, owner: User, owner_api: APIClient
) -> None:
    part = delivered_part(seller_api, seller, owner)

    assert answer(owner_api, part).status_code == 409


def test_a_dispute_after_the_days_allowed_is_a_409_and_saves_nothing(
    seller_api: APIClient, seller: User, settings: Settings
) -> None:
    settings.DISPUTE_WINDOW_DAYS = 7
    part = delivered_part(seller_api, seller)
    last_day = timezone.localdate() + dt.timedelta(days=7)

    with time_machine.travel(noon(last_day + dt.timedelta(days=1))):
        response = open_dispute(seller_api, part)

    assert response.status_code == 409, response.content
    assert last_day.isoformat() in response.json()["detail"]
    nothing_saved()


def test_a_dispute_on_the_last_day_allowed_is_accepted(
    seller_api: APIClient, seller: User, settings: Settings
) -> None:
    settings.DISPUTE_WINDOW_DAYS = 7
    part = delivered_part(seller_api, seller)

    with time_machine.travel(noon(timezone.localdate() + dt.timedelta(days=7))):
        response = open_dispute(seller_api, part)

    assert response.status_code == 201, response.content


def test_a_dispute_about_an_undelivered_part_is_a_409(seller_api: APIClient, seller: User) -> None:
    part = shipped_part(seller)

    response = open_dispute(seller_api, part)

    assert response.status_code == 409
    assert response.json()["status"] == "shipped"
    nothing_saved()


def test_a_second_dispute_about_the_same_part_is_a_409(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)
    assert open_dispute(seller_api, part).status_code == 201

    response = open_dispute(seller_api, part, text="Again")

    assert response.status_code == 409
    assert Dispute.objects.count() == 1


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"reason": "too_expensive"}, "reason"),
        ({"text": ""}, "text"),
        ({"text": "x" * 2001}, "text"),
        ({"part": 999_999}, "part"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    seller_api: APIClient, seller: User, data: dict[str, Any], field: str
) -> None:
    part = delivered_part(seller_api, seller)

    response = open_dispute(seller_api, part, **data)

    assert response.status_code == 400, response.content
    assert field in response.json()
    nothing_saved()


@pytest.mark.parametrize(
    "photo",
    [
        lambda: SimpleUploadedFile("photo.png", b"%PDF-1.4 not an image", "image/png"),
        lambda: image_file("GIF", "anim.gif"),
        huge_png,  # a decompression bomb: 900 million pixels declared
    ],
)
def test_a_bad_photo_is_a_400_and_saves_nothing(
    seller_api: APIClient, seller: User, media: Path, photo: Any
) -> None:
    part = delivered_part(seller_api, seller)

    response = open_dispute(seller_api, part, photos=[image_file(), photo()])

    assert response.status_code == 400, response.content
    assert "photos" in response.json()
    nothing_saved()
    assert not list(media.rglob("*.*"))


def test_more_than_five_photos_is_a_400(seller_api: APIClient, seller: User, media: Path) -> None:
    part = delivered_part(seller_api, seller)

    response = open_dispute(seller_api, part, photos=[image_file() for _ in range(6)])

    assert response.status_code == 400
    assert "photos" in response.json()
    nothing_saved()


def test_another_seller_gets_404(seller_api: APIClient, seller: User) -> None:
    part = delivered_part(seller_api, seller)
    stranger = client_for(make_user())

    assert open_dispute(stranger, part).status_code == 404
    assert stranger.get(f"/api/orders/{part.order_id}/disputes/").status_code == 404
    nothing_saved()


def test_another_owner_gets_404(seller_api: APIClient, seller: User, owner: User) -> None:
    part = delivered_part(seller_api, seller, owner)
    dispute_open(order=part.order, actor=seller, reason="defects", text="Holes")
    stranger = client_for(make_user("factory_owner"))

    assert answer(stranger, part).status_code == 404
    assert stranger.get(f"/api/offers/{part.pk}/disputes/").status_code == 404
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_the_order_offers_opening_a_dispute_only_while_the_days_last(
    seller_api: APIClient, seller: User, settings: Settings
) -> None:
    settings.DISPUTE_WINDOW_DAYS = 3
    part = delivered_part(seller_api, seller)

    assert (
        "open_dispute" in seller_api.get(f"/api/orders/{part.order_id}/").json()["allowed_actions"]
    )
    with time_machine.travel(noon(timezone.localdate() + dt.timedelta(days=4))):
        later = seller_api.get(f"/api/orders/{part.order_id}/").json()
    assert "open_dispute" not in later["allowed_actions"]

"""Disputes on the pages, in both languages: the seller opens one from the order page (a form
per delivered part, while the days last), the factory's owner reads and answers it on the
offer's page; refused input shows the service's message and saves nothing; another user's
order or offer is a 404."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image
from pytest_django import Settings

from marketplace.models import User
from matching.models import Assignment
from production.disputes import dispute_open
from production.models import Dispute, DisputeStatus
from tests.builders import make_user
from tests.conftest import client_for
from tests.production.test_api_delivery_and_rating import delivered_part, shipped_part

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("seam.png", buffer.getvalue(), content_type="image/png")


def logged_in(user: User, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    User.objects.filter(pk=user.pk).update(language=language)
    return client


def dispute_data(part: Assignment, **fields: Any) -> dict[str, Any]:
    values = {"reason": "defects", "text": "Seams open"} | fields
    return {f"dispute-{part.pk}-{name}": value for name, value in values.items()}


def order_page(client: Client, part: Assignment) -> str:
    return client.get(f"/seller/orders/{part.order_id}/").content.decode()


def open_on_page(client: Client, part: Assignment, **fields: Any) -> str:
    url = f"/seller/orders/{part.order_id}/parts/{part.pk}/dispute/"
    response = client.post(url, dispute_data(part, **fields))
    assert response.status_code == 302, response.content
    return client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("language", "form_title", "done"),
    [
        ("en", "goods? Open a dispute", "Dispute opened"),
        ("zh-hans", "的货物有问题？提出争议", "争议已提出"),
    ],
)
def test_the_seller_opens_a_dispute_from_the_order_page(
    seller: User, language: str, form_title: str, done: str, settings: Settings, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path
    part = delivered_part(client_for(seller), seller)
    client = logged_in(seller, language)
    before = order_page(client, part)
    assert form_title in before
    assert ("until" if language == "en" else "之前提出争议") in before

    page = open_on_page(client, part, photos=[png()])

    assert done in page
    assert "Seams open" in page
    assert form_title not in page
    dispute = Dispute.objects.get()
    assert dispute.photos.count() == 1


def test_the_form_is_not_offered_before_delivery_or_after_the_days(
    seller: User, settings: Settings
) -> None:
    client = logged_in(seller)
    shipped = shipped_part(seller)
    assert "Open a dispute" not in order_page(client, shipped)
    settings.DISPUTE_WINDOW_DAYS = -1  # the days ran out
    delivered = delivered_part(client_for(seller), seller)
    assert "Open a dispute" not in order_page(client, delivered)


def test_a_refused_dispute_shows_why_and_saves_nothing(seller: User) -> None:
    part = delivered_part(client_for(seller), seller)
    client = logged_in(seller)

    empty = open_on_page(client, part, text="")
    bad_photo = open_on_page(
        client, part, photos=[SimpleUploadedFile("x.png", b"not an image", "image/png")]
    )

    assert "This field is required." in empty
    assert "this file is not one" in bad_photo
    assert not Dispute.objects.exists()


def test_another_seller_gets_404(seller: User) -> None:
    part = delivered_part(client_for(seller), seller)
    stranger = logged_in(make_user())

    response = stranger.post(
        f"/seller/orders/{part.order_id}/parts/{part.pk}/dispute/", dispute_data(part)
    )

    assert response.status_code == 404
    assert not Dispute.objects.exists()


@pytest.mark.parametrize(
    ("language", "heading", "button", "done"),
    [
        ("en", "The seller's dispute", "Send the answer", "Answer sent"),
        ("zh-hans", "卖家的争议", "发送答复", "答复已发送"),
    ],
)
def test_the_owner_answers_on_the_offer_page(
    seller: User, owner: User, language: str, heading: str, button: str, done: str
) -> None:
    part = delivered_part(client_for(seller), seller, owner)
    dispute_open(order=part.order, actor=seller, reason="defects", text="Seams open")
    client = logged_in(owner, language)
    page = client.get(f"/factory/offers/{part.pk}/").content.decode()
    assert heading in page and button in page and "Seams open" in page

    response = client.post(f"/factory/offers/{part.pk}/", {"answer": "We resew them"}, follow=True)

    text = response.content.decode()
    assert done in text
    assert "We resew them" in text
    assert button not in text
    assert Dispute.objects.get().status == DisputeStatus.ANSWERED


def test_an_empty_answer_shows_the_form_again(seller: User, owner: User) -> None:
    part = delivered_part(client_for(seller), seller, owner)
    dispute_open(order=part.order, actor=seller, reason="defects", text="Seams open")

    response = logged_in(owner).post(f"/factory/offers/{part.pk}/", {"answer": ""})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_another_owner_gets_404(seller: User, owner: User) -> None:
    part = delivered_part(client_for(seller), seller, owner)
    dispute_open(order=part.order, actor=seller, reason="defects", text="Seams open")

    response = logged_in(make_user("factory_owner")).post(
        f"/factory/offers/{part.pk}/", {"answer": "Mine now"}
    )

    assert response.status_code == 404
    assert Dispute.objects.get().answer == ""

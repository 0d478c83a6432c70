"""One order's history and notifications, stored as kinds and parameters, read by an
English seller in English and by a Chinese factory owner in Chinese: through the API,
the pages and email."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import translation
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from marketplace.models import Notification, Role, User
from marketplace.notifications import notification_email_send
from matching.models import Assignment, AssignmentStatus
from orders.models import Order
from tests.builders import PASSWORD, make_factory, make_order, make_user, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Story:
    seller: User
    owner: User
    order: Order
    offer: Assignment

    @property
    def accepted_en(self) -> str:
        finish = self.offer.planned_finish.isoformat()
        return f"Wang Textiles accepted 300 units, to finish by {finish}."

    @property
    def accepted_zh(self) -> str:
        finish = self.offer.planned_finish.isoformat()
        return f"Wang Textiles 已接单 300 件，将于 {finish} 前完工。"


@pytest.fixture
def story() -> Story:
    """An English seller's order, accepted by a Chinese owner's factory, which posted its
    first milestone."""
    seller = make_user(Role.SELLER, language="en", email="ann@example.com")
    owner = make_user(Role.FACTORY_OWNER, language="zh-hans", email="wang@example.com")
    make_window(make_factory(owner, name="Wang Textiles"), start=1, end=20, units_per_day=100)
    order = make_order(seller, quantity=300)
    run_matching()
    offer = Assignment.objects.get(order=order, status=AssignmentStatus.PROPOSED)
    owner_api = client_for(owner)
    assert owner_api.post(f"/api/offers/{offer.pk}/accept/").status_code == 200
    milestone = {"kind": "materials_ready", "note": "Cotton is in."}
    assert owner_api.post(f"/api/offers/{offer.pk}/milestones/", milestone).status_code == 201
    return Story(seller=seller, owner=owner, order=order, offer=offer)


def token_client(user: User, **headers: str) -> APIClient:
    """A token client that sends no Accept-Language unless told."""
    client = APIClient()
    client.defaults.update(headers)
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0]}")
    return client


def notes(client: APIClient, order: Order) -> list[str]:
    response = client.get(f"/api/orders/{order.pk}/history/")
    assert response.status_code == 200, response.content
    return [event["note"] for event in response.json()]


def notifications(client: APIClient) -> list[dict[str, Any]]:
    response = client.get("/api/notifications/")
    assert response.status_code == 200, response.content
    return response.json()["results"]


def signed_in(user: User) -> Client:
    """Through the log-in page, which sets the language cookie from the account."""
    client = Client()
    response = client.post("/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    assert client.cookies["django_language"].value == user.language
    return client


def test_the_api_gives_the_history_in_the_users_language(story: Story) -> None:
    with translation.override("zh-hans"):  # whatever the server's language is now
        english = notes(token_client(story.seller), story.order)

    assert english[:3] == ["Posted.", f"Match run #{story.offer.run_id}.", story.accepted_en]
    assert english[3] == "Wang Textiles: materials ready. Cotton is in."

    story.seller.language = "zh-hans"
    story.seller.save()
    chinese = notes(token_client(story.seller), story.order)

    assert chinese[:3] == ["已发布。", f"撮合运行 #{story.offer.run_id}。", story.accepted_zh]
    assert chinese[3] == "Wang Textiles：备料完成。 Cotton is in."


def test_accept_language_overrides_the_users_language_in_the_api(story: Story) -> None:
    story.seller.language = "zh-hans"
    story.seller.save()

    english = notes(token_client(story.seller, HTTP_ACCEPT_LANGUAGE="en"), story.order)

    assert story.accepted_en in english


def test_the_api_gives_each_user_their_notifications_in_their_language(story: Story) -> None:
    seller_told = notifications(token_client(story.seller))
    owner_told = notifications(token_client(story.owner))

    accepted = next(n for n in seller_told if n["kind"] == "offer_accepted")
    assert accepted["title"] == f"Order #{story.order.pk} accepted by Wang Textiles"
    assert accepted["message"] == (
        f"{story.accepted_en} Follow its production on the order's page."
    )
    [offered] = owner_told
    assert offered["title"] == "1 个新订单邀约待您答复"
    assert f"#{story.order.pk}（300 件）" in offered["message"]


def test_the_pages_give_the_history_in_each_readers_language(story: Story) -> None:
    seller_page = signed_in(story.seller).get(f"/seller/orders/{story.order.pk}/")
    owner_page = signed_in(story.owner).get(f"/factory/offers/{story.offer.pk}/")

    assert story.accepted_en in seller_page.content.decode()
    assert story.accepted_zh not in seller_page.content.decode()
    assert story.accepted_zh in owner_page.content.decode()
    assert story.accepted_en not in owner_page.content.decode()


def test_the_notifications_page_is_in_the_readers_language(story: Story) -> None:
    seller_page = signed_in(story.seller).get("/notifications/").content.decode()
    owner_page = signed_in(story.owner).get("/notifications/").content.decode()

    assert f"Order #{story.order.pk}: materials ready" in seller_page
    assert f"订单 #{story.order.pk}：备料完成" not in seller_page
    assert "1 个新订单邀约待您答复" in owner_page
    assert "new offer(s) waiting" not in owner_page


def test_an_email_is_written_in_the_recipients_language(
    story: Story, mailoutbox: list[mail.EmailMessage]
) -> None:
    to_owner = Notification.objects.get(recipient=story.owner, kind="new_offers")
    to_seller = Notification.objects.get(recipient=story.seller, kind="offer_accepted")

    with translation.override("en"):
        assert notification_email_send(notification_id=to_owner.pk)
    with translation.override("zh-hans"):
        assert notification_email_send(notification_id=to_seller.pk)

    owner_email, seller_email = mailoutbox
    assert owner_email.to == ["wang@example.com"]
    assert owner_email.subject == "1 个新订单邀约待您答复"
    assert "未答复的邀约将转给其他工厂" in owner_email.body
    assert seller_email.subject == f"Order #{story.order.pk} accepted by Wang Textiles"
    assert seller_email.body.startswith(story.accepted_en)

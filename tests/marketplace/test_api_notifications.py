"""/api/notifications/: in-app notifications of what the other party did (list, unread
count, mark read), each also emailed once through Django's email framework."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from rest_framework.test import APIClient

from marketplace.models import Notification, Role, User
from marketplace.notifications import notification_create, notification_email_send
from marketplace.tasks import notification_email_send_task
from matching.models import Assignment
from tests.builders import make_factory, make_order, make_user, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/notifications/"


def notify(user: User, title: str = "Hello", **kwargs: Any) -> Notification:
    [notification] = notification_create(
        recipients=[user],
        kind=kwargs.pop("kind", "test"),
        params={"text_title": title, "text": "Body"},
        **kwargs,
    )
    return notification


def listed(client: APIClient, **params: str) -> list[dict[str, Any]]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def unread(client: APIClient) -> int:
    response = client.get(f"{URL}unread-count/")
    assert response.status_code == 200
    return response.json()["unread"]


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.get(URL).status_code == 401
    assert api.get(f"{URL}unread-count/").status_code == 401
    assert api.post(f"{URL}read-all/").status_code == 401


def test_a_runs_new_offer_notifies_the_factory_owner(owner_api: APIClient, owner: User) -> None:
    make_window(make_factory(owner))
    order = make_order()

    run_matching()

    offer = Assignment.objects.get(order=order)
    [row] = listed(owner_api)
    assert row["kind"] == "new_offers"
    assert row["order"] == order.pk
    assert f"#{order.pk} ({offer.quantity} units)" in row["message"]
    assert row["is_read"] is False
    assert row["read_at"] is None
    assert unread(owner_api) == 1
    # the seller did nothing the factory has to answer, and is not told of the offer
    assert not order.seller.notifications.exists()


def test_accepting_an_offer_notifies_the_seller_not_the_owner(
    owner_api: APIClient, owner: User
) -> None:
    make_window(make_factory(owner))
    order = make_order()
    run_matching()
    offer = Assignment.objects.get(order=order)

    assert owner_api.post(f"/api/offers/{offer.pk}/accept/").status_code == 200

    assert [n["kind"] for n in listed(client_for(order.seller))] == ["offer_accepted"]
    assert [n["kind"] for n in listed(owner_api)] == ["new_offers"]


def test_the_list_is_the_users_own_newest_first(seller_api: APIClient, seller: User) -> None:
    first = notify(seller, "First")
    second = notify(seller, "Second")
    notify(make_user(Role.SELLER), "Someone else's")

    assert [n["id"] for n in listed(seller_api)] == [second.pk, first.pk]
    assert [n["title"] for n in listed(seller_api)] == ["Second", "First"]
    assert unread(seller_api) == 2


def test_marking_one_read(seller_api: APIClient, seller: User) -> None:
    first = notify(seller, "First")
    notify(seller, "Second")

    response = seller_api.post(f"{URL}{first.pk}/read/")

    assert response.status_code == 200, response.content
    assert response.json()["is_read"] is True
    read_at = response.json()["read_at"]
    assert read_at is not None
    assert unread(seller_api) == 1
    # reading again keeps the first time
    again = seller_api.post(f"{URL}{first.pk}/read/")
    assert again.status_code == 200
    assert again.json()["read_at"] == read_at
    assert unread(seller_api) == 1


def test_only_unread_ones(seller_api: APIClient, seller: User) -> None:
    first = notify(seller, "First")
    second = notify(seller, "Second")
    seller_api.post(f"{URL}{first.pk}/read/")

    assert [n["id"] for n in listed(seller_api, unread="true")] == [second.pk]
    assert [n["id"] for n in listed(seller_api, unread="false")] == [second.pk, first.pk]
    assert [n["id"] for n in listed(seller_api)] == [second.pk, first.pk]


def test_marking_all_read(seller_api: APIClient, seller: User) -> None:
    notify(seller)
    notify(seller)
    others = notify(make_user(Role.SELLER))

    response = seller_api.post(f"{URL}read-all/")

    assert response.status_code == 200
    assert response.json() == {"unread": 0}
    assert unread(seller_api) == 0
    assert listed(seller_api, unread="true") == []
    assert Notification.objects.get(pk=others.pk).read_at is None


def test_another_users_notification_is_404(seller_api: APIClient) -> None:
    theirs = notify(make_user(Role.SELLER))

    assert seller_api.post(f"{URL}{theirs.pk}/read/").status_code == 404
    assert seller_api.get(f"{URL}{theirs.pk}/").status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None


def test_nobody_is_told_of_what_they_did_themselves() -> None:
    actor = make_user(Role.SELLER)
    other = make_user(Role.FACTORY_OWNER)

    created = notification_create(
        recipients=[actor, other, other, None],  # type: ignore[list-item]
        kind="test",
        params={"text_title": "t", "text": "m"},
        exclude=actor,
    )

    assert [n.recipient for n in created] == [other]


def test_an_email_is_sent_once(mailoutbox: list[mail.EmailMessage], settings: Any) -> None:
    user = make_user(Role.SELLER, email="ling@example.com")
    notification = notify(user, "Order #1 will be late")

    assert notification_email_send(notification_id=notification.pk) is True

    [email] = mailoutbox
    assert email.subject == "Order #1 will be late"
    assert email.body == "Body"
    assert email.to == ["ling@example.com"]
    assert email.from_email == settings.DEFAULT_FROM_EMAIL
    assert Notification.objects.get(pk=notification.pk).emailed_at is not None

    assert notification_email_send(notification_id=notification.pk) is False
    assert len(mailoutbox) == 1


def test_the_email_task_sends_it(mailoutbox: list[mail.EmailMessage]) -> None:
    notification = notify(make_user(Role.SELLER, email="wei@example.com"))

    notification_email_send_task(notification_id=notification.pk)
    notification_email_send_task(notification_id=notification.pk)

    assert [m.to for m in mailoutbox] == [["wei@example.com"]]


def test_a_missing_notification_sends_nothing(mailoutbox: list[mail.EmailMessage]) -> None:
    assert notification_email_send(notification_id=987654) is False
    assert mailoutbox == []


def test_the_email_task_is_queued_after_commit_for_users_with_an_address(
    django_capture_on_commit_callbacks: Any, mailoutbox: list[mail.EmailMessage]
) -> None:
    with_email = make_user(Role.SELLER, email="li@example.com")
    without = make_user(Role.SELLER)

    with django_capture_on_commit_callbacks() as callbacks:
        notify(with_email)
    assert len(callbacks) == 1

    with django_capture_on_commit_callbacks() as callbacks:
        notification = notify(without)
    assert callbacks == []
    assert notification_email_send(notification_id=notification.pk) is False
    assert mailoutbox == []
    assert Notification.objects.get(pk=notification.pk).emailed_at is None


def test_the_read_time_is_now(seller_api: APIClient, seller: User) -> None:
    notification = notify(seller)
    before = timezone.now()

    seller_api.post(f"{URL}{notification.pk}/read/")

    notification.refresh_from_db()
    assert notification.read_at is not None
    assert before <= notification.read_at <= timezone.now()

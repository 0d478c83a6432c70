"""The seller's pages: who may see them, another seller's order is a 404 for every page and
action (and nothing changes), and every page renders in Chinese."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from marketplace.models import Role, User
from matching.models import AssignmentStatus
from orders.models import Order, OrderEvent, OrderKind, OrderStatus
from production.models import Delay
from production.services import delay_report, milestone_post
from tests.builders import days, make_assignment, make_factory, make_order, make_user, make_window

pytestmark = pytest.mark.django_db


def pages(order: Order) -> list[str]:
    return [
        "/seller/",
        "/seller/orders/",
        "/seller/orders/new/",
        "/seller/upload/",
        "/seller/upload/template.csv",
        "/seller/upload/template.xlsx",
        f"/seller/orders/{order.pk}/",
        f"/seller/orders/{order.pk}/edit/",
    ]


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def test_every_page_renders_for_its_seller(seller_client: Client, seller: User) -> None:
    order = make_order(seller)

    for url in pages(order):
        response = seller_client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_a_factory_owner_is_refused_every_page(client: Client, seller: User) -> None:
    order = make_order(seller)
    client.force_login(make_user(Role.FACTORY_OWNER))

    for url in pages(order):
        assert client.get(url).status_code == 403, url
    assert client.post(f"/seller/orders/{order.pk}/cancel/").status_code == 403
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_logged_out_visitors_are_sent_to_the_login_page(client: Client, seller: User) -> None:
    order = make_order(seller)

    for url in pages(order):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/login/"), url


def _delivered_sample_with_delay_history(seller: User) -> tuple[Order, Delay]:
    """A foreign order that has something for every action: a pending delay on a part."""
    order = make_order(seller, kind=OrderKind.SAMPLE)
    part = make_assignment(order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)
    delay = delay_report(
        part=part, actor=part.factory.owner, new_finish=days(40), reason="Power cut."
    )
    return order, delay


def test_another_sellers_order_is_404_for_every_page_and_action(seller_client: Client) -> None:
    other = make_user(Role.SELLER)
    order, delay = _delivered_sample_with_delay_history(other)
    part = order.assignments.get()
    draft = make_order(other, draft=True)
    events_before = OrderEvent.objects.count()

    for url in (f"/seller/orders/{order.pk}/", f"/seller/orders/{order.pk}/edit/"):
        assert seller_client.get(url).status_code == 404, url
    posts = {
        f"/seller/orders/{draft.pk}/open/": {},
        f"/seller/orders/{draft.pk}/delete/": {},
        f"/seller/orders/{draft.pk}/edit/": {"title": "Mine now"},
        f"/seller/orders/{order.pk}/cancel/": {"note": "no"},
        f"/seller/orders/{order.pk}/delays/{delay.pk}/accept/": {},
        f"/seller/orders/{order.pk}/confirm-delivery/": {},
        f"/seller/orders/{order.pk}/parts/{part.pk}/rate/": {f"part-{part.pk}-quality": "1"},
        f"/seller/orders/{order.pk}/approve-sample/": {},
        f"/seller/orders/{order.pk}/reject-sample/": {},
    }
    for url, data in posts.items():
        assert seller_client.post(url, data).status_code == 404, url
    # the inline validation of the edit form is no way in either
    response = seller_client.post(
        f"/seller/orders/{draft.pk}/edit/",
        {"title": ""},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TRIGGER_NAME="title",
    )
    assert response.status_code == 404

    assert OrderEvent.objects.count() == events_before
    assert Order.objects.get(pk=draft.pk).status == OrderStatus.DRAFT
    assert Order.objects.get(pk=draft.pk).title == draft.title
    assert Order.objects.get(pk=order.pk).status == OrderStatus.ACCEPTED
    delay.refresh_from_db()
    assert delay.status == "pending"


def test_a_delay_or_part_of_another_order_is_404(seller_client: Client, seller: User) -> None:
    mine = make_order(seller)
    _foreign, delay = _delivered_sample_with_delay_history(make_user(Role.SELLER))
    part = delay.assignment

    assert (
        seller_client.post(f"/seller/orders/{mine.pk}/delays/{delay.pk}/accept/").status_code == 404
    )
    response = seller_client.post(
        f"/seller/orders/{mine.pk}/parts/{part.pk}/rate/", {f"part-{part.pk}-quality": "5"}
    )
    assert response.status_code == 404
    delay.refresh_from_db()
    assert delay.status == "pending"


def test_actions_answer_only_post(seller_client: Client, seller: User) -> None:
    order = make_order(seller)

    assert seller_client.get(f"/seller/orders/{order.pk}/cancel/").status_code == 405
    assert Order.objects.get(pk=order.pk).status == OrderStatus.OPEN


def test_every_page_renders_in_chinese(seller_client: Client, seller: User) -> None:
    order = make_order(seller, kind=OrderKind.SAMPLE)
    part = make_assignment(order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)
    milestone_post(part=part, actor=part.factory.owner, kind="materials_ready", note="布料到了")
    delay_report(part=part, actor=part.factory.owner, new_finish=days(40), reason="停电")
    draft = make_order(seller, draft=True)

    for url in [*pages(order)[:-1], f"/seller/orders/{draft.pk}/", *pages(draft)[-1:]]:
        response = seller_client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
        assert response.status_code == 200, url
    response = seller_client.get("/seller/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert '<html lang="zh-hans">' in response.content.decode()
    response = seller_client.post(
        "/seller/orders/new/", {"title": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 200
    response = seller_client.post(
        "/seller/upload/",
        {"file": _csv(f"{_HEADER}Shirts,t-shirts,0,12.50,2020-01-01,Shanghai,31.2,121.5\n")},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert response.status_code == 200
    assert len(response.context["errors"]) >= 2


_HEADER = (
    "title,category,quantity,max_unit_price,due_date,ship_to_city,ship_to_latitude,"
    "ship_to_longitude\n"
)


def _csv(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("orders.csv", text.encode(), content_type="text/csv")

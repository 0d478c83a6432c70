"""The page of one offer says which badge is the offer's status and which the order's: an
accepted offer's order is accepted too, and two bare "Accepted" badges read as a stutter."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from marketplace.models import User
from matching.models import AssignmentStatus
from tests.builders import days, make_assignment, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "offer_label", "order_label", "accepted"),
    [
        ("en", "Offer status:", "Order status:", "Accepted"),
        ("zh-hans", "邀约状态：", "订单状态：", "已接单"),
    ],
)
def test_the_offer_page_labels_the_offers_and_the_orders_status(
    client: Client, owner: User, language: str, offer_label: str, order_label: str, accepted: str
) -> None:
    window = make_window(make_factory(owner), units_per_day=100, start=1, end=20)
    offer = make_assignment(
        make_order(quantity=500, due_date=days(30)), window, status=AssignmentStatus.ACCEPTED
    )
    client.force_login(owner)

    body = client.get(f"/factory/offers/{offer.pk}/", HTTP_ACCEPT_LANGUAGE=language)

    badges = re.findall(r'([^>]*)<span class="status">([^<]*)</span>', body.content.decode())
    labelled = [(label.strip(" ·"), status) for label, status in badges[:2]]
    assert labelled == [(offer_label, accepted), (order_label, accepted)]

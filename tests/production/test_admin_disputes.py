"""Staff resolve disputes in the admin (the "Resolve selected disputes" action and its
form) and see and end factories' probation, under the services' rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone
from pytest_django import Settings

from factories.models import Factory
from marketplace.models import Notification, User
from matching.models import Assignment
from orders.models import OrderEvent
from production.disputes import dispute_open
from production.models import Dispute, DisputeStatus
from tests.admin_pages import messages_of
from tests.builders import make_factory, make_user
from tests.conftest import client_for
from tests.production.test_api_delivery_and_rating import delivered_part

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

DISPUTES = "/admin/production/dispute/"


def disputed_part() -> tuple[Assignment, Dispute]:
    seller = make_user()
    part = delivered_part(client_for(seller), seller)
    dispute = dispute_open(order=part.order, actor=seller, reason="defects", text="Holes")
    return part, dispute


def resolve(client: Client, *disputes: Dispute, **data: Any) -> TestResponse:
    body = {"action": "resolve", "_selected_action": [d.pk for d in disputes], "apply": "1"}
    return client.post(DISPUTES, body | data)


def test_the_resolve_action_asks_for_the_decision_first(staff_client: Client) -> None:
    _part, dispute = disputed_part()

    response = staff_client.post(DISPUTES, {"action": "resolve", "_selected_action": [dispute.pk]})

    assert response.status_code == 200
    assert b'name="refund_percent"' in response.content
    assert b"Holes" in response.content
    assert Dispute.objects.get().status == DisputeStatus.OPEN


def test_staff_uphold_a_dispute_with_a_refund_and_both_sides_are_told(
    staff_client: Client,
) -> None:
    part, dispute = disputed_part()

    response = resolve(
        staff_client, dispute, resolution="upheld", refund_percent="40", note="Photos convince"
    )

    assert messages_of(response) == ["1 dispute resolved."]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.refund_percent) == (DisputeStatus.UPHELD, 40)
    assert dispute.resolved_by is not None and dispute.resolved_at is not None
    told = Notification.objects.filter(kind="dispute_resolved")
    assert {n.recipient_id for n in told} == {part.order.seller_id, part.factory.owner_id}
    assert "40% of its price is refunded" in told[0].texts[1]
    event = OrderEvent.objects.get(order_id=part.order_id, action="dispute_resolved")
    assert "Photos convince" in event.note


@pytest.mark.parametrize("resolution", ["redo", "rejected"])
def test_staff_decide_redo_or_reject_without_a_refund(
    staff_client: Client, resolution: str
) -> None:
    _part, dispute = disputed_part()

    response = resolve(staff_client, dispute, resolution=resolution)

    assert messages_of(response) == ["1 dispute resolved."]
    dispute.refresh_from_db()
    assert (dispute.status, dispute.refund_percent) == (resolution, None)


@pytest.mark.parametrize(
    "data",
    [
        {"resolution": "upheld"},
        {"resolution": "upheld", "refund_percent": "101"},
        {"resolution": "upheld", "refund_percent": "-1"},
        {"resolution": "rejected", "refund_percent": "10"},
        {"resolution": "maybe"},
    ],
)
def test_a_bad_decision_shows_the_form_again_and_changes_nothing(
    staff_client: Client, data: dict[str, str]
) -> None:
    _part, dispute = disputed_part()

    response = resolve(staff_client, dispute, **data)

    assert response.status_code == 200
    assert b"errorlist" in response.content
    assert Dispute.objects.get().status == DisputeStatus.OPEN
    assert not Notification.objects.filter(kind="dispute_resolved").exists()


def test_a_decided_dispute_is_not_decided_again(staff_client: Client) -> None:
    _part, dispute = disputed_part()
    resolve(staff_client, dispute, resolution="rejected")

    response = resolve(staff_client, dispute, resolution="upheld", refund_percent="100")

    assert f"#{dispute.pk}: This dispute is rejected already." in messages_of(response)
    assert Dispute.objects.get().status == DisputeStatus.REJECTED


def test_the_dispute_pages_open(staff_client: Client) -> None:
    _part, dispute = disputed_part()

    assert staff_client.get(DISPUTES).status_code == 200
    assert staff_client.get(f"{DISPUTES}{dispute.pk}/change/").status_code == 200


def test_the_factory_admin_shows_probation_and_staff_end_it(
    staff_client: Client, settings: Settings
) -> None:
    settings.PROBATION_ORDERS = 3
    new = make_factory(name="Fresh Knits")
    ended = make_factory(name="Old Hands")
    Factory.objects.filter(pk=ended.pk).update(probation_ended_at=timezone.now())

    listing = staff_client.get("/admin/factories/factory/")
    page = staff_client.get(f"/admin/factories/factory/{new.pk}/change/")
    response = staff_client.post(
        "/admin/factories/factory/",
        {"action": "end_probation", "_selected_action": [new.pk, ended.pk]},
    )

    assert b"0 of 3 on-time deliveries" in listing.content
    assert b"0 of 3 on-time deliveries" in page.content
    assert messages_of(response)[0] == "1 factory taken off probation."
    assert "not on probation" in messages_of(response)[1]
    assert Factory.objects.get(pk=new.pk).probation_ended_at is not None


def test_a_seller_cannot_reach_the_dispute_admin(seller: User) -> None:
    client = Client()
    client.force_login(seller)

    assert client.get(DISPUTES).status_code == 302

"""The order page's buttons: only the allowed actions are shown, each one works through the
service and redirects back to the order, and a refused one shows the service's message."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from factories.models import Factory
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderEvent, OrderKind, OrderStatus
from production.models import Delay, DelayStatus
from production.services import delay_report, milestone_post
from tests.builders import days, make_assignment, make_factory, make_order, make_window

pytestmark = pytest.mark.django_db

MILESTONES = ("materials_ready", "production_started", "quality_passed", "shipped")


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile("fabric.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def accepted_part(seller: User, **order: Any) -> Assignment:
    return make_assignment(
        make_order(seller, **order), make_window(make_factory()), status=AssignmentStatus.ACCEPTED
    )


def shipped_part(seller: User, **order: Any) -> Assignment:
    part = accepted_part(seller, **order)
    for kind in MILESTONES:
        milestone_post(
            part=part,
            actor=part.factory.owner,
            kind=kind,
            carrier="SF Express",
            tracking_number="SF1",
        )
    assert Order.objects.get(pk=part.order_id).status == OrderStatus.SHIPPED
    return part


def post(client: Client, url: str, data: dict[str, Any] | None = None) -> tuple[Any, str]:
    """POST an action; it redirects back to the order page (PRG): the page and its text."""
    response = client.post(url, data or {})
    assert response.status_code == 302, response.content
    page = client.get(response["Location"])
    return response, page.content.decode()


def rating(part: Assignment, **fields: str) -> dict[str, str]:
    """The rating form's data for one part (each part's form has its own prefix)."""
    return {f"part-{part.pk}-{name}": value for name, value in fields.items()}


def status(order: Order | int) -> str:
    return Order.objects.get(pk=getattr(order, "pk", order)).status


# buttons


def test_a_draft_shows_open_edit_delete_and_cancel(seller_client: Client, seller: User) -> None:
    draft = make_order(seller, draft=True)

    body = seller_client.get(f"/seller/orders/{draft.pk}/").content.decode()

    assert f'action="/seller/orders/{draft.pk}/open/"' in body
    assert f'href="/seller/orders/{draft.pk}/edit/"' in body
    assert f'action="/seller/orders/{draft.pk}/delete/"' in body
    assert f'action="/seller/orders/{draft.pk}/cancel/"' in body
    assert "confirm-delivery" not in body and "approve-sample" not in body


def test_an_accepted_order_shows_only_cancel(seller_client: Client, seller: User) -> None:
    part = accepted_part(seller)

    body = seller_client.get(f"/seller/orders/{part.order_id}/").content.decode()

    assert f'action="/seller/orders/{part.order_id}/cancel/"' in body
    for action in ("/open/", "/edit/", "/delete/", "confirm-delivery", "/rate/", "sample/"):
        assert f"/seller/orders/{part.order_id}{action}" not in body, action
    # the factory's offer details
    assert part.factory.name in body and part.factory.city in body
    assert "10.00" in body  # unit price


def test_the_page_shows_the_timeline_milestones_photos_and_what_to_relax(
    seller_client: Client, seller: User, settings: Any, tmp_path: Path
) -> None:
    settings.MEDIA_ROOT = tmp_path
    part = accepted_part(seller)
    milestone = milestone_post(
        part=part,
        actor=part.factory.owner,
        kind="materials_ready",
        note="Fabric arrived",
        photo=png(),
    )
    unmatched = make_order(seller, title="Too cheap")
    Order.objects.filter(pk=unmatched.pk).update(
        unmatched_reason="price_below_market", relax_suggestion={"max_unit_price": "12.50"}
    )

    body = seller_client.get(f"/seller/orders/{part.order_id}/").content.decode()
    assert "Fabric arrived" in body
    assert f'src="{milestone.photo.url}"' in body
    assert "Materials ready" in body
    assert seller.username in body  # who created it, in the history

    body = seller_client.get(f"/seller/orders/{unmatched.pk}/").content.decode()
    assert "Price below market" in body
    assert "a maximum unit price of 12.50 CNY" in body


# open, cancel, delete


def test_open_a_draft_then_a_second_open_is_refused_with_the_services_message(
    seller_client: Client, seller: User
) -> None:
    draft = make_order(seller, draft=True)

    _response, body = post(seller_client, f"/seller/orders/{draft.pk}/open/")
    assert status(draft) == OrderStatus.OPEN
    assert "The order is open" in body

    _response, body = post(seller_client, f"/seller/orders/{draft.pk}/open/")
    assert "This order is open, so it cannot be opened; allowed now:" in body
    assert OrderEvent.objects.filter(order=draft, action="open").count() == 1


def test_cancel_with_a_note(seller_client: Client, seller: User) -> None:
    order = make_order(seller)

    response, body = post(
        seller_client, f"/seller/orders/{order.pk}/cancel/", {"note": "Client changed plans"}
    )

    assert response["Location"] == f"/seller/orders/{order.pk}/"
    assert status(order) == OrderStatus.CANCELLED
    assert "The order is cancelled." in body
    event = OrderEvent.objects.get(order=order, action="cancel")
    assert event.note == "Client changed plans" and event.actor == seller

    _response, body = post(seller_client, f"/seller/orders/{order.pk}/cancel/")
    assert "This order is cancelled, so it cannot be cancelled" in body


def test_delete_a_draft_but_not_an_open_order(seller_client: Client, seller: User) -> None:
    draft = make_order(seller, draft=True)
    order = make_order(seller)

    response = seller_client.post(f"/seller/orders/{draft.pk}/delete/")
    assert response["Location"] == "/seller/orders/"
    assert not Order.objects.filter(pk=draft.pk).exists()

    _response, body = post(seller_client, f"/seller/orders/{order.pk}/delete/")
    assert "so it cannot be deleted" in body
    assert Order.objects.filter(pk=order.pk).exists()


# delays


def test_accept_a_pending_delay(seller_client: Client, seller: User) -> None:
    part = accepted_part(seller)
    delay = delay_report(part=part, actor=part.factory.owner, new_finish=days(45), reason="Rain")
    url = f"/seller/orders/{part.order_id}/delays/{delay.pk}/accept/"

    body = seller_client.get(f"/seller/orders/{part.order_id}/").content.decode()
    assert f'action="{url}"' in body
    assert "Cancel the order without penalty" in body

    _response, body = post(seller_client, url)
    delay.refresh_from_db()
    part.refresh_from_db()
    assert delay.status == DelayStatus.ACCEPTED
    assert part.planned_finish == days(45)
    assert "The new finish date is accepted." in body
    assert f'action="{url}"' not in body

    _response, body = post(seller_client, url)
    assert "This delay is accepted by the seller already." in body


def test_cancel_while_a_delay_waits_is_without_penalty(seller_client: Client, seller: User) -> None:
    part = accepted_part(seller)
    delay_report(part=part, actor=part.factory.owner, new_finish=days(45), reason="Rain")

    post(seller_client, f"/seller/orders/{part.order_id}/cancel/")

    assert status(part.order_id) == OrderStatus.CANCELLED
    assert OrderEvent.objects.filter(order_id=part.order_id, action="cancel_after_delay").exists()
    assert Delay.objects.get(assignment=part).status == DelayStatus.DECLINED


# delivery and rating


def test_confirm_delivery_of_a_shipped_order(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller)
    url = f"/seller/orders/{part.order_id}/confirm-delivery/"
    assert (
        f'action="{url}"' in seller_client.get(f"/seller/orders/{part.order_id}/").content.decode()
    )

    _response, body = post(seller_client, url)

    assert status(part.order_id) == OrderStatus.DELIVERED
    assert "Delivery is confirmed." in body
    # now the rating form is shown for the part
    assert f'action="/seller/orders/{part.order_id}/parts/{part.pk}/rate/"' in body
    assert f'type="radio" name="part-{part.pk}-quality" value="5"' in body

    _response, body = post(seller_client, url)
    assert "This order is delivered, so it cannot be confirmed delivered" in body


def test_confirm_delivery_before_shipping_is_refused(seller_client: Client, seller: User) -> None:
    part = accepted_part(seller)

    _response, body = post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")

    assert "This order is accepted, so it cannot be confirmed delivered" in body
    assert status(part.order_id) == OrderStatus.ACCEPTED


def test_rate_a_delivered_part_once(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller)
    post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")
    url = f"/seller/orders/{part.order_id}/parts/{part.pk}/rate/"

    _response, body = post(seller_client, url, rating(part, quality="2", comment="Loose threads"))

    part.refresh_from_db()
    assert part.quality_rating == 2 and part.rating_comment == "Loose threads"
    assert "the rating is saved" in body
    assert "You rated 2/5." in body
    # the factory's score follows at once
    assert Factory.objects.get(pk=part.factory_id).quality_score < 4

    _response, body = post(seller_client, url, rating(part, quality="5"))
    assert "part is rated already" in body
    part.refresh_from_db()
    assert part.quality_rating == 2


def test_a_bad_rating_shows_the_error_and_saves_nothing(
    seller_client: Client, seller: User
) -> None:
    part = shipped_part(seller)
    post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")

    _response, body = post(
        seller_client,
        f"/seller/orders/{part.order_id}/parts/{part.pk}/rate/",
        rating(part, quality="7"),
    )

    assert "Select a valid choice." in body
    part.refresh_from_db()
    assert part.rated_at is None


def test_rating_before_delivery_is_refused(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller)

    _response, body = post(
        seller_client,
        f"/seller/orders/{part.order_id}/parts/{part.pk}/rate/",
        rating(part, quality="4"),
    )

    assert "This order is shipped, so it cannot be rated" in body
    part.refresh_from_db()
    assert part.rated_at is None


# samples


def test_approve_a_delivered_sample(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller, kind=OrderKind.SAMPLE)
    post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")
    body = seller_client.get(f"/seller/orders/{part.order_id}/").content.decode()
    assert f'action="/seller/orders/{part.order_id}/approve-sample/"' in body
    assert f'formaction="/seller/orders/{part.order_id}/reject-sample/"' in body

    _response, body = post(
        seller_client, f"/seller/orders/{part.order_id}/approve-sample/", {"note": "Great"}
    )

    order = Order.objects.get(pk=part.order_id)
    assert order.sample_decision == "approved"
    assert "The sample is approved." in body
    assert "approve-sample" not in body

    _response, body = post(seller_client, f"/seller/orders/{part.order_id}/reject-sample/")
    assert "so it cannot be rejected" in body
    assert Order.objects.get(pk=part.order_id).sample_decision == "approved"


def test_reject_a_delivered_sample(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller, kind=OrderKind.SAMPLE)
    post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")

    _response, body = post(seller_client, f"/seller/orders/{part.order_id}/reject-sample/")

    assert Order.objects.get(pk=part.order_id).sample_decision == "rejected"
    assert "The sample is rejected." in body


def test_a_bulk_order_cannot_be_approved_as_a_sample(seller_client: Client, seller: User) -> None:
    part = shipped_part(seller)
    post(seller_client, f"/seller/orders/{part.order_id}/confirm-delivery/")

    _response, body = post(seller_client, f"/seller/orders/{part.order_id}/approve-sample/")

    assert "Only sample orders are approved or rejected." in body
    assert Order.objects.get(pk=part.order_id).sample_decision == ""


def test_each_part_of_a_split_order_is_rated_on_its_own(
    seller_client: Client, seller: User
) -> None:
    order = make_order(seller, quantity=600, allow_split=True, min_lot_quantity=100)
    parts = [
        make_assignment(
            order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED, quantity=300
        )
        for _ in range(2)
    ]
    for part in parts:
        for kind in MILESTONES:
            milestone_post(
                part=part, actor=part.factory.owner, kind=kind, carrier="SF", tracking_number="1"
            )
    post(seller_client, f"/seller/orders/{order.pk}/confirm-delivery/")
    first, second = parts

    _response, body = post(
        seller_client,
        f"/seller/orders/{order.pk}/parts/{first.pk}/rate/",
        rating(first, quality="5"),
    )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.quality_rating == 5 and second.rated_at is None
    assert f"/parts/{first.pk}/rate/" not in body
    assert f'action="/seller/orders/{order.pk}/parts/{second.pk}/rate/"' in body
    assert f'name="part-{second.pk}-quality"' in body

"""The seller's order form: field errors with the service's messages, inline validation of
one field through htmx, creation (open or draft), samples, and the edit page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from marketplace.models import ProductCategory, Role, User
from matching.models import AssignmentStatus
from orders.models import Order, OrderEvent, OrderKind, OrderStatus, SampleDecision
from tests.builders import (
    SHANGHAI,
    category,
    days,
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
)

pytestmark = pytest.mark.django_db

NEW = "/seller/orders/new/"


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def valid_data(**changes: Any) -> dict[str, Any]:
    data = {
        "title": "Blue hoodies",
        "category": category().pk,
        "kind": "bulk",
        "quantity": "800",
        "max_unit_price": "25.50",
        "due_date": days(40).isoformat(),
        "ship_to_city": "Shanghai",
        "ship_to_latitude": str(SHANGHAI[0]),
        "ship_to_longitude": str(SHANGHAI[1]),
        "priority": "normal",
        "min_lot_quantity": "1",
        "notes": "",
    }
    return data | changes


def inline(client: Client, url: str, field: str, data: dict[str, Any]) -> Any:
    return client.post(url, data, HTTP_HX_REQUEST="true", HTTP_HX_TRIGGER_NAME=field)


def test_the_form_lists_leaf_categories_in_the_readers_language(seller_client: Client) -> None:
    body = seller_client.get(NEW).content.decode()

    shirts = category()
    assert f'<option value="{shirts.pk}">Apparel / T-shirts</option>' in body
    assert "T恤" not in body
    chinese = seller_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f'<option value="{shirts.pk}">服装 / T恤</option>' in chinese
    assert "T-shirts" not in chinese
    group = ProductCategory.objects.filter(children__isnull=False).first()
    assert group is not None
    assert f'<option value="{group.pk}"' not in body
    assert 'hx-post="/seller/orders/new/"' in body
    assert '<label for="id_title">' in body


def test_a_valid_post_creates_an_open_order_and_redirects_to_it(
    seller_client: Client, seller: User
) -> None:
    response = seller_client.post(NEW, valid_data(), follow=True)

    order = Order.objects.get(seller=seller)
    assert response.redirect_chain[-1][0] == f"/seller/orders/{order.pk}/"
    assert order.status == OrderStatus.OPEN
    assert order.title == "Blue hoodies" and order.quantity == 800
    assert f"Order #{order.pk} is posted" in response.content.decode()
    assert OrderEvent.objects.filter(order=order, action="create", actor=seller).exists()


def test_the_draft_box_saves_a_draft(seller_client: Client, seller: User) -> None:
    response = seller_client.post(NEW, valid_data(draft="on"), follow=True)

    order = Order.objects.get(seller=seller)
    assert order.status == OrderStatus.DRAFT
    assert "saved as a draft" in response.content.decode()


def test_field_errors_are_shown_with_the_services_messages_and_nothing_is_saved(
    seller_client: Client, seller: User
) -> None:
    response = seller_client.post(
        NEW,
        valid_data(quantity="0", due_date=days(-1).isoformat(), max_unit_price="0", title=""),
    )

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    body = response.content.decode()
    assert 'class="field invalid" id="field-title"' in body
    assert not Order.objects.filter(seller=seller).exists()

    response = seller_client.post(
        NEW, valid_data(quantity="0", due_date=days(-1).isoformat(), max_unit_price="0")
    )
    errors = response.context["form"].errors
    assert errors["quantity"] == ["Quantity must be between 1 and 10,000,000."]
    assert errors["max_unit_price"] == ["The maximum unit price must be greater than 0."]
    assert errors["due_date"] == [f"The due date must be {days(1).isoformat()} or later."]
    assert "Quantity must be between 1 and 10,000,000." in response.content.decode()
    assert not Order.objects.filter(seller=seller).exists()


def test_inline_validation_returns_only_that_fields_fragment_with_its_error(
    seller_client: Client,
) -> None:
    # the rest of the form is still empty: only the changed field is judged
    response = inline(seller_client, NEW, "due_date", {"due_date": days(-3).isoformat()})

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith('<div class="field invalid" id="field-due_date">')
    assert f"The due date must be {days(1).isoformat()} or later." in body
    assert "<html" not in body and 'id="field-title"' not in body

    response = inline(seller_client, NEW, "quantity", {"quantity": "20000000"})
    assert "Quantity must be between 1 and 10,000,000." in response.content.decode()

    response = inline(seller_client, NEW, "quantity", {"quantity": "many"})
    assert "Enter a whole number." in response.content.decode()

    response = inline(seller_client, NEW, "min_lot_quantity", valid_data(min_lot_quantity="900"))
    assert "The minimum lot must be between 1 and the order quantity." in (
        response.content.decode()
    )


def test_inline_validation_of_a_good_value_shows_no_error_and_saves_nothing(
    seller_client: Client, seller: User
) -> None:
    response = inline(seller_client, NEW, "due_date", {"due_date": days(30).isoformat()})
    assert response.content.decode().lstrip().startswith('<div class="field" id="field-due_date">')
    assert "errorlist" not in response.content.decode()

    response = inline(seller_client, NEW, "title", valid_data())
    assert "errorlist" not in response.content.decode()
    assert not Order.objects.filter(seller=seller).exists()


def test_inline_validation_of_an_unknown_field_is_404(seller_client: Client) -> None:
    assert inline(seller_client, NEW, "seller", {"seller": "1"}).status_code == 404


def _approved_sample(seller: User) -> Order:
    sample = make_order(seller, kind=OrderKind.SAMPLE)
    make_assignment(sample, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)
    Order.objects.filter(pk=sample.pk).update(
        status=OrderStatus.DELIVERED, sample_decision=SampleDecision.APPROVED
    )
    return sample


def test_the_sample_select_offers_only_the_sellers_approved_samples(
    seller_client: Client, seller: User
) -> None:
    approved = _approved_sample(seller)
    undecided = make_order(seller, kind=OrderKind.SAMPLE, title="Undecided sample")
    foreign = _approved_sample(make_user(Role.SELLER))

    choices = [str(c[0]) for c in response_choices(seller_client, "sample")]
    assert str(approved.pk) in choices
    assert str(undecided.pk) not in choices
    assert str(foreign.pk) not in choices

    # a bulk order made like the approved sample
    response = seller_client.post(
        NEW, valid_data(sample=approved.pk, sample_factory_required="on"), follow=True
    )
    order = Order.objects.get(seller=seller, sample=approved)
    assert order.sample_factory_required
    assert response.redirect_chain[-1][0] == f"/seller/orders/{order.pk}/"

    # another seller's sample is refused like any unknown choice
    response = seller_client.post(NEW, valid_data(sample=foreign.pk))
    assert "sample" in response.context["form"].errors


def test_a_sample_order_cannot_be_made_from_a_sample(seller_client: Client, seller: User) -> None:
    approved = _approved_sample(seller)

    response = seller_client.post(NEW, valid_data(kind="sample", sample=approved.pk))

    assert response.context["form"].errors["sample"] == [
        "Only a bulk order can be made from a sample."
    ]
    response = inline(seller_client, NEW, "sample", valid_data(kind="sample", sample=approved.pk))
    assert "Only a bulk order can be made from a sample." in response.content.decode()


def response_choices(client: Client, field: str) -> list[tuple[Any, str]]:
    form = client.get(NEW).context["form"]
    return [(str(value), text) for value, text in form.fields[field].choices if value != ""]


# edit


def test_the_edit_page_changes_an_open_order(seller_client: Client, seller: User) -> None:
    order = make_order(seller)

    page = seller_client.get(f"/seller/orders/{order.pk}/edit/")
    assert page.status_code == 200
    assert f'value="{order.title}"' in page.content.decode()
    assert "draft" not in page.context["form"].fields

    data = valid_data(title="Renamed", quantity=str(order.quantity))
    response = seller_client.post(f"/seller/orders/{order.pk}/edit/", data, follow=True)

    assert response.redirect_chain[-1][0] == f"/seller/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.title == "Renamed" and order.max_unit_price == 25.5
    event = OrderEvent.objects.filter(order=order, action="edit").get()
    assert "title" in event.note


def test_the_edit_page_shows_the_services_errors(seller_client: Client, seller: User) -> None:
    order = make_order(seller)

    response = seller_client.post(
        f"/seller/orders/{order.pk}/edit/", valid_data(due_date=days(-1).isoformat())
    )

    assert response.status_code == 200
    assert "due_date" in response.context["form"].errors
    order.refresh_from_db()
    assert order.title != "Blue hoodies"
    response = inline(
        seller_client, f"/seller/orders/{order.pk}/edit/", "quantity", {"quantity": "0"}
    )
    assert "Quantity must be between 1 and 10,000,000." in response.content.decode()


def test_an_accepted_order_cannot_be_edited(seller_client: Client, seller: User) -> None:
    order = make_order(seller)
    make_assignment(order, make_window(make_factory()), status=AssignmentStatus.ACCEPTED)

    response = seller_client.get(f"/seller/orders/{order.pk}/edit/", follow=True)
    assert response.redirect_chain[-1][0] == f"/seller/orders/{order.pk}/"
    assert "cannot be edited" in response.content.decode()

    response = seller_client.post(
        f"/seller/orders/{order.pk}/edit/", valid_data(title="Sneaky"), follow=True
    )
    assert "so it cannot be edited" in response.content.decode()
    order.refresh_from_db()
    assert order.title != "Sneaky"

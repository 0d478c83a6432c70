"""The admin for orders: list, search, filters, read-only system fields, and the actions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from marketplace.models import Role
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus, UnmatchedReason
from tests.admin_pages import assert_error_shown, form_data, listed, messages_of, pks
from tests.builders import (
    category,
    days,
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
    today,
)

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

pytestmark = pytest.mark.django_db

ORDERS = "/admin/orders/order/"


def act(client: Client, action: str, *orders: Order) -> TestResponse:
    return client.post(ORDERS, {"action": action, "_selected_action": [o.pk for o in orders]})


def offered_order() -> Order:
    """An order a real match run offered to a factory (its window books the units)."""
    window = make_window(make_factory(), start=1, end=20, units_per_day=100)
    order = make_order(quantity=500)
    run = run_matching()
    assert run.matched_orders == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.OFFERED
    window.refresh_from_db()
    assert window.offered_units == 500
    return order


# --- List and change page -------------------------------------------------------------


def test_the_order_list_shows_orders_of_every_status(staff_client: Client) -> None:
    open_order = make_order(title="Logo tees")
    draft = make_order(title="Hoodies", draft=True)

    response = staff_client.get(ORDERS)

    assert listed(response) == pks(open_order, draft)
    assert b"Logo tees" in response.content


def test_the_order_list_searches_titles_sellers_and_cities(staff_client: Client) -> None:
    seller = make_user(Role.SELLER, company_name="Hangzhou Trading")
    tees = make_order(seller, title="Logo tees")
    bags = make_order(title="Canvas bags", ship_to_city="Beijing")

    assert listed(staff_client.get(ORDERS, {"q": "logo"})) == pks(tees)
    assert listed(staff_client.get(ORDERS, {"q": "hangzhou"})) == pks(tees)
    assert listed(staff_client.get(ORDERS, {"q": "beijing"})) == pks(bags)


def test_the_order_list_filters_by_status_category_and_reason(staff_client: Client) -> None:
    open_order = make_order()
    draft = make_order(draft=True, category=category("backpacks"))
    Order.objects.filter(pk=open_order.pk).update(unmatched_reason=UnmatchedReason.CAPACITY_FULL)

    assert listed(staff_client.get(ORDERS, {"status__exact": "draft"})) == pks(draft)
    assert listed(staff_client.get(ORDERS, {"status__exact": "open"})) == pks(open_order)
    by_category = staff_client.get(ORDERS, {"category__id__exact": category("backpacks").pk})
    assert listed(by_category) == pks(draft)
    by_reason = staff_client.get(ORDERS, {"unmatched_reason__exact": "capacity_full"})
    assert listed(by_reason) == pks(open_order)


def test_the_order_list_filters_by_due_date(staff_client: Client) -> None:
    soon = make_order(due_date=days(5))
    month = make_order(due_date=days(20))
    later = make_order(due_date=days(60))

    assert listed(staff_client.get(ORDERS, {"due": "7"})) == pks(soon)
    assert listed(staff_client.get(ORDERS, {"due": "30"})) == pks(month)
    assert listed(staff_client.get(ORDERS, {"due": "later"})) == pks(later)


def test_an_offered_orders_page_shows_its_offer_read_only(staff_client: Client) -> None:
    order = offered_order()
    assignment = Assignment.objects.get(order=order)

    response = staff_client.get(f"{ORDERS}{order.pk}/change/")

    assert response.status_code == 200
    assert response.context["has_change_permission"] is False
    offers, history = response.context["inline_admin_formsets"]
    assert [form.instance.pk for form in offers.formset.forms] == [assignment.pk]
    assert [form.instance.action for form in history.formset.forms] == ["create", "offer"]


def test_an_offered_order_cannot_be_changed_through_the_admin(staff_client: Client) -> None:
    order = offered_order()

    response = staff_client.post(f"{ORDERS}{order.pk}/change/", {"title": "Changed"})

    assert response.status_code == 403
    order.refresh_from_db()
    assert order.title != "Changed"


# --- Adding and editing ---------------------------------------------------------------


def test_an_order_added_as_a_draft_through_the_admin_stays_a_draft(staff_client: Client) -> None:
    seller = make_user(Role.SELLER)

    response = staff_client.post(
        f"{ORDERS}add/",
        {
            "seller": seller.pk,
            "title": "Embroidered caps",
            "category": category("t-shirts").pk,
            "notes": "",
            "quantity": "800",
            "max_unit_price": "7.50",
            "due_date": days(40).isoformat(),
            "priority": "rush",
            "min_lot_quantity": "1",
            "kind": "bulk",
            "ship_to_city": "Shanghai",
            "ship_to_latitude": "31.2304",
            "ship_to_longitude": "121.4737",
            "draft": "on",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    order = Order.objects.get()
    assert (order.seller, order.title, order.quantity) == (seller, "Embroidered caps", 800)
    assert (order.status, order.priority) == (OrderStatus.DRAFT, "rush")


def test_an_order_due_today_shows_the_services_error(staff_client: Client) -> None:
    response = staff_client.post(
        f"{ORDERS}add/",
        {
            "seller": make_user(Role.SELLER).pk,
            "title": "Too late",
            "category": category("t-shirts").pk,
            "quantity": "800",
            "max_unit_price": "7.50",
            "due_date": today().isoformat(),
            "priority": "normal",
            "min_lot_quantity": "1",
            "kind": "bulk",
            "ship_to_city": "Shanghai",
            "ship_to_latitude": "31.2304",
            "ship_to_longitude": "121.4737",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    tomorrow = today() + dt.timedelta(days=1)
    assert_error_shown(response, f"The due date must be {tomorrow.isoformat()} or later.")
    assert not Order.objects.exists()


def test_status_and_unmatched_reason_are_read_only(staff_client: Client) -> None:
    order = make_order()
    Order.objects.filter(pk=order.pk).update(unmatched_reason=UnmatchedReason.PRICE_BELOW_MARKET)
    url = f"{ORDERS}{order.pk}/change/"
    page = staff_client.get(url)
    fields = page.context["adminform"].form.fields
    assert "status" not in fields
    assert "unmatched_reason" not in fields

    response = staff_client.post(
        url,
        form_data(page) | {"status": "cancelled", "unmatched_reason": "capacity_full"},
    )

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN
    assert order.unmatched_reason == UnmatchedReason.PRICE_BELOW_MARKET


def test_editing_an_order_goes_through_the_service(staff_client: Client) -> None:
    order = make_order(quantity=500)
    Order.objects.filter(pk=order.pk).update(unmatched_reason=UnmatchedReason.CAPACITY_FULL)
    url = f"{ORDERS}{order.pk}/change/"

    response = staff_client.post(url, form_data(staff_client.get(url)) | {"quantity": "250"})

    assert response.status_code == 302
    order.refresh_from_db()
    assert order.quantity == 250
    # the service clears the last run's verdict: the next run judges the changed order
    assert order.unmatched_reason == ""


# --- Actions --------------------------------------------------------------------------


def test_it_opens_the_selected_drafts(staff_client: Client) -> None:
    draft = make_order(draft=True)
    other_draft = make_order(draft=True)
    already_open = make_order()

    response = act(staff_client, "open_drafts", draft, already_open)

    assert response.status_code == 302
    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        draft.pk: OrderStatus.OPEN,
        other_draft.pk: OrderStatus.DRAFT,
        already_open.pk: OrderStatus.OPEN,
    }
    assert messages_of(response) == ["1 order opened."]


def test_opening_only_open_orders_says_none_could_be_opened(staff_client: Client) -> None:
    order = make_order()

    response = act(staff_client, "open_drafts", order)

    assert messages_of(response) == ["None of the selected orders could be opened."]


def test_a_stale_draft_is_not_opened_and_the_reason_is_shown(staff_client: Client) -> None:
    draft = make_order(draft=True)
    Order.objects.filter(pk=draft.pk).update(due_date=today())

    response = act(staff_client, "open_drafts", draft)

    draft.refresh_from_db()
    assert draft.status == OrderStatus.DRAFT
    tomorrow = today() + dt.timedelta(days=1)
    assert messages_of(response) == [
        f"#{draft.pk}: The due date must be {tomorrow.isoformat()} or later."
    ]


def test_it_cancels_the_selected_orders(staff_client: Client) -> None:
    draft = make_order(draft=True)
    open_order = make_order()
    untouched = make_order()

    response = act(staff_client, "cancel_orders", draft, open_order)

    statuses = dict(Order.objects.values_list("pk", "status"))
    assert statuses == {
        draft.pk: OrderStatus.CANCELLED,
        open_order.pk: OrderStatus.CANCELLED,
        untouched.pk: OrderStatus.OPEN,
    }
    assert messages_of(response) == ["2 orders cancelled."]


def test_cancelling_an_offered_order_withdraws_the_offer_and_frees_the_units(
    staff_client: Client,
) -> None:
    order = offered_order()
    assignment = Assignment.objects.get(order=order)

    response = act(staff_client, "cancel_orders", order)

    order.refresh_from_db()
    assignment.refresh_from_db()
    assignment.window.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert assignment.status == AssignmentStatus.WITHDRAWN
    assert assignment.window.offered_units == 0
    assert messages_of(response) == ["1 order cancelled."]


def test_a_delivered_order_is_not_cancelled_and_the_reason_is_shown(staff_client: Client) -> None:
    delivered = make_order()
    make_assignment(delivered, status=AssignmentStatus.ACCEPTED)
    Order.objects.filter(pk=delivered.pk).update(status=OrderStatus.DELIVERED)
    open_order = make_order()

    response = act(staff_client, "cancel_orders", delivered, open_order)

    delivered.refresh_from_db()
    open_order.refresh_from_db()
    assert delivered.status == OrderStatus.DELIVERED
    assert open_order.status == OrderStatus.CANCELLED
    assert messages_of(response)[0] == "1 order cancelled."
    assert messages_of(response)[1].startswith(f"#{delivered.pk}: ")
    assert "cannot be cancelled" in messages_of(response)[1]


# --- Deleting ---------------------------------------------------------------------------


def test_a_draft_can_be_deleted_but_an_open_order_cannot(staff_client: Client) -> None:
    draft = make_order(draft=True)
    open_order = make_order()

    deleted = staff_client.post(f"{ORDERS}{draft.pk}/delete/", {"post": "yes"})
    refused = staff_client.post(f"{ORDERS}{open_order.pk}/delete/", {"post": "yes"})

    assert deleted.status_code == 302
    assert refused.status_code == 403
    assert list(Order.objects.all()) == [open_order]

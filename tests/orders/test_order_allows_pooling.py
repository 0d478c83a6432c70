"""An order that allows pooling (拼单): below a factory's minimum it may share one lot with
other sellers' orders. The field in the API, the order form, the bulk upload and the order's
page, in both languages."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from marketplace.models import Role, User
from orders.bulk_upload import bulk_upload_create, bulk_upload_template_csv
from orders.models import Order
from tests.builders import make_order, make_user
from tests.conftest import client_for
from tests.orders.test_api_order_create import payload
from tests.orders.test_bulk_upload import HEADER, csv_bytes, good_row
from tests.orders.test_pages_seller_order_form import NEW, valid_data

pytestmark = pytest.mark.django_db

URL = "/api/orders/"
POOLING_HEADER = [*HEADER, "allows_pooling"]


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def test_the_api_creates_reads_and_edits_an_order_that_allows_pooling(
    seller_api: APIClient,
) -> None:
    response = seller_api.post(URL, payload(allows_pooling=True), format="json")

    assert response.status_code == 201, response.content
    order = Order.objects.get()
    assert order.allows_pooling is True
    assert seller_api.get(f"{URL}{order.pk}/").json()["allows_pooling"] is True
    edited = seller_api.patch(f"{URL}{order.pk}/", {"allows_pooling": False}, format="json")
    assert edited.status_code == 200, edited.content
    order.refresh_from_db()
    assert order.allows_pooling is False


def test_an_order_does_not_allow_pooling_unless_the_seller_says_so(seller_api: APIClient) -> None:
    response = seller_api.post(URL, payload(), format="json")

    assert response.json()["allows_pooling"] is False


def test_a_bad_pooling_value_is_a_400_on_the_field_and_nothing_is_saved(
    seller_api: APIClient,
) -> None:
    response = seller_api.post(URL, payload(allows_pooling="maybe"), format="json")

    assert response.status_code == 400
    assert "allows_pooling" in response.json()
    assert not Order.objects.exists()


def test_another_sellers_order_cannot_be_switched_to_pooling(seller: User) -> None:
    order = make_order(make_user(Role.SELLER))

    response = client_for(seller).patch(f"{URL}{order.pk}/", {"allows_pooling": True})

    assert response.status_code == 404
    order.refresh_from_db()
    assert order.allows_pooling is False


def test_the_order_form_saves_pooling_and_names_it_in_both_languages(
    seller_client: Client, seller: User
) -> None:
    assert "Allow pooling" in seller_client.get(NEW).content.decode()
    assert "允许拼单" in seller_client.get(NEW, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    response = seller_client.post(NEW, valid_data(allows_pooling="on"), follow=True)

    assert response.status_code == 200
    order = Order.objects.get(seller=seller)
    assert order.allows_pooling is True
    page = seller_client.get(f"/seller/orders/{order.pk}/").content.decode()
    assert "Allowed below a factory" in page
    chinese = seller_client.get(f"/seller/orders/{order.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "低于起订量时允许" in chinese.content.decode()


def test_the_edit_page_turns_pooling_off(seller_client: Client, seller: User) -> None:
    order = make_order(seller, allows_pooling=True)
    data: dict[str, Any] = valid_data()  # the checkbox left unticked

    seller_client.post(f"/seller/orders/{order.pk}/edit/", data, follow=True)

    order.refresh_from_db()
    assert order.allows_pooling is False


def test_the_bulk_upload_reads_the_pooling_column_in_both_languages(seller: User) -> None:
    rows = [
        [*good_row(1), "yes"],
        [*good_row(2), "否"],
        [*good_row(3), "1"],
        [*good_row(4), ""],
    ]

    result = bulk_upload_create(
        seller=seller, data=csv_bytes(rows, header=POOLING_HEADER), filename="pool.csv"
    )

    assert result.ok, result.report.errors
    assert [o.allows_pooling for o in sorted(result.created, key=lambda o: o.pk)] == [
        True,
        False,
        True,
        False,
    ]


def test_a_bad_pooling_cell_is_a_row_error_and_nothing_is_saved(seller: User) -> None:
    rows = [[*good_row(1), "yes"], [*good_row(2), "perhaps"]]

    with translation.override("en"):
        result = bulk_upload_create(
            seller=seller, data=csv_bytes(rows, header=POOLING_HEADER), filename="bad.csv"
        )

    assert not result.ok and result.created == []
    found = {(e.row, e.field): e.message for e in result.report.errors}
    assert found == {(3, "allows_pooling"): "“perhaps” is not yes or no."}
    assert not Order.objects.exists()


def test_the_templates_have_the_pooling_column() -> None:
    english = bulk_upload_template_csv().decode("utf-8-sig").splitlines()[0]
    chinese = bulk_upload_template_csv(language="zh").decode("utf-8-sig").splitlines()[0]

    assert "allows_pooling (yes/no)" in english
    assert "允许拼单（是/否）" in chinese

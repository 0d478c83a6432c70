"""The seller's shop pages: connect a shop, import its CSV export, add a SKU, count its stock,
check for SKUs about to run out and approve the drafted order; another seller's shop is a 404,
other roles 403; both languages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from marketplace.models import Role, User
from orders.models import Order, OrderStatus
from shops.models import Sale, ShopConnection, Sku
from shops.services import sku_create
from tests.builders import category, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def seller_client(client: Client, seller: User) -> Client:
    client.force_login(seller)
    return client


def export(days: int = 14, per_day: int = 10) -> bytes:
    now = timezone.localtime()
    lines = ["订单编号,商家编码,购买数量,订单创建时间"]
    for n in range(days):
        at = (now - dt.timedelta(days=n, hours=2)).strftime("%Y-%m-%d %H:%M:%S")
        lines.append(f"T{n},TEE-WHITE-M,{per_day},{at}")
    return "\n".join(lines).encode("gbk")


@pytest.mark.parametrize(("language", "heading"), [("en", "Shops"), ("zh-hans", "店铺")])
def test_the_shops_page_renders_in_both_languages(
    seller_client: Client, language: str, heading: str
) -> None:
    page = seller_client.get("/seller/shops/", HTTP_ACCEPT_LANGUAGE=language)
    assert page.status_code == 200
    assert f"<h1>{heading}</h1>" in page.content.decode()


def test_other_roles_get_403(client: Client) -> None:
    client.force_login(make_user(Role.FACTORY_OWNER))
    assert client.get("/seller/shops/").status_code == 403


def test_a_seller_connects_imports_adds_a_sku_and_approves_the_draft(
    seller_client: Client, seller: User
) -> None:
    created = seller_client.post("/seller/shops/", {"name": "淘宝店", "platform": "csv"})
    connection = ShopConnection.objects.get(seller=seller)
    assert created.status_code == 302 and created["Location"] == f"/seller/shops/{connection.pk}/"

    file = SimpleUploadedFile("orders.csv", export(), content_type="text/csv")
    imported = seller_client.post(f"/seller/shops/{connection.pk}/", {"file": file})
    assert imported.status_code == 302
    assert Sale.objects.filter(connection=connection).count() == 14

    added = seller_client.post(
        "/seller/shops/skus/new/",
        {
            "code": "TEE-WHITE-M",
            "title": "White tee",
            "category": category().pk,
            "max_unit_price": "12.00",
            "ship_to_place": "杭州",
            "lot_size": 50,
            "stock_on_hand": 150,
        },
    )
    assert added.status_code == 302, added.content.decode()[:2000]
    sku = Sku.objects.get(seller=seller)
    assert sku.ship_to_city in ("Hangzhou", "杭州")

    page = seller_client.get("/seller/shops/").content.decode()
    assert "TEE-WHITE-M" in page

    checked = seller_client.post("/seller/shops/check/", follow=True)
    assert "1 order drafted" in checked.content.decode()
    order = Order.objects.get(seller=seller)
    assert order.status == OrderStatus.DRAFT
    draft = sku.replenishments.get()
    approved = seller_client.post(f"/seller/shops/drafts/{draft.pk}/approve/")
    assert approved["Location"] == f"/seller/orders/{order.pk}/"
    order.refresh_from_db()
    assert order.status == OrderStatus.OPEN


def test_a_bad_export_lists_its_rows_and_stores_nothing(
    seller_client: Client, seller: User
) -> None:
    seller_client.post("/seller/shops/", {"name": "店", "platform": "csv"})
    connection = ShopConnection.objects.get(seller=seller)
    bad = "订单编号,商家编码,购买数量\nT1,,2\nT2,A,zero\n".encode()
    file = SimpleUploadedFile("orders.csv", bad, content_type="text/csv")
    page = seller_client.post(f"/seller/shops/{connection.pk}/", {"file": file})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Nothing was saved" in text and "quantity" in text
    assert not Sale.objects.exists()


def test_a_bad_sku_shows_the_field_and_saves_nothing(seller_client: Client) -> None:
    page = seller_client.post(
        "/seller/shops/skus/new/",
        {"code": "", "title": "x", "max_unit_price": "0", "ship_to_place": "Atlantis"},
    )
    assert page.status_code == 200
    assert not Sku.objects.exists()


def test_another_seller_s_shop_and_draft_are_404(seller_client: Client) -> None:
    other = make_user(Role.SELLER)
    connection = ShopConnection.objects.create(seller=other, name="theirs", platform="csv")
    assert seller_client.get(f"/seller/shops/{connection.pk}/").status_code == 404
    assert seller_client.post("/seller/shops/drafts/999999/approve/").status_code == 404
    assert seller_client.post("/seller/shops/skus/999999/stock/").status_code == 404


def test_counting_the_stock_is_saved(seller_client: Client, seller: User) -> None:
    sku = sku_create(
        seller=seller,
        code="A",
        title="A",
        category=category(),
        max_unit_price=Decimal("3.00"),
        ship_to_city="Hangzhou",
        ship_to_latitude=30.27,
        ship_to_longitude=120.15,
    )
    seller_client.post(f"/seller/shops/skus/{sku.pk}/stock/", {"stock_on_hand": 77})
    sku.refresh_from_db()
    assert sku.stock_on_hand == 77
    seller_client.post(f"/seller/shops/skus/{sku.pk}/stock/", {"stock_on_hand": -5})
    sku.refresh_from_db()
    assert sku.stock_on_hand == 77

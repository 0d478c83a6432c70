"""SKUs and the production orders drafted for them: demand from the sales, the stock-out day,
a draft order when the stock-out day less the P90 lead time is near, approved with one click."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from factories.models import FactoryCapability
from marketplace.models import Role, User
from orders.models import Order, OrderStatus
from shops.models import Platform, Replenishment, Sale, ShopConnection, Sku
from shops.selectors import sku_demand, sku_lead_p90_days
from shops.services import replenishments_propose, shop_connection_create, sku_create
from tests.builders import category, make_factory, make_user, make_window
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def sku_of(seller: User, *, stock: int = 300, lot: int = 50) -> Sku:
    return sku_create(
        seller=seller,
        code="TEE-WHITE-M",
        title="White tee, M",
        category=category(),
        max_unit_price=Decimal("12.00"),
        ship_to_city="Hangzhou",
        ship_to_latitude=30.27,
        ship_to_longitude=120.15,
        lot_size=lot,
        stock_on_hand=stock,
    )


def sold(connection: ShopConnection, units_a_day: int, days: int) -> None:
    now = timezone.now()
    Sale.objects.bulk_create(
        Sale(
            connection=connection,
            platform_order_id=f"T{n}",
            sku_code="TEE-WHITE-M",
            quantity=units_a_day,
            sold_at=now - dt.timedelta(days=n, hours=1),
        )
        for n in range(days)
    )


def test_demand_counts_recent_sales_and_the_stock_left(seller: User) -> None:
    sku = sku_of(seller, stock=300)
    Sku.objects.filter(pk=sku.pk).update(stock_counted_at=timezone.now() - dt.timedelta(days=30))
    sku.refresh_from_db()
    sold(shop_connection_create(seller=seller, name="s", platform=Platform.GENERIC), 10, 14)
    today = timezone.localdate()
    demand = sku_demand(sku=sku, today=today)
    assert demand.units_per_day == Decimal("10.00")
    assert demand.stock_left == 300 - 140
    assert demand.stock_out_on == today + dt.timedelta(days=16)


def test_without_sales_nothing_runs_out(seller: User) -> None:
    demand = sku_demand(sku=sku_of(seller), today=timezone.localdate())
    assert (demand.units_per_day, demand.stock_out_on) == (Decimal("0.00"), None)


def test_the_lead_time_is_the_category_s_learned_p90_or_the_default(seller: User) -> None:
    sku = sku_of(seller)
    assert sku_lead_p90_days(sku=sku) == 21
    for days in (8, 12, 30):
        factory = make_factory()
        make_window(factory)
        FactoryCapability.objects.filter(factory=factory).update(lead_p90_days=days)
    assert sku_lead_p90_days(sku=sku) == 12


def test_a_sku_about_to_run_out_gets_a_draft_order_once(seller: User) -> None:
    """10 a day, 160 left: out in 16 days; lead P90 21 days + 3 of buffer: draft now, for 30
    days of sales in lots of 50 (300), due when the stock runs out or after the lead time."""
    sku = sku_of(seller, stock=160)
    sold(shop_connection_create(seller=seller, name="s", platform=Platform.GENERIC), 10, 14)
    Sku.objects.filter(pk=sku.pk).update(stock_counted_at=timezone.now())
    assert replenishments_propose() == 1
    assert replenishments_propose() == 0  # the draft is under way
    replenishment = Replenishment.objects.get()
    order = replenishment.order
    assert (order.status, order.quantity, order.seller_id) == (OrderStatus.DRAFT, 300, seller.pk)
    assert order.due_date == timezone.localdate() + dt.timedelta(days=21)
    assert replenishment.lead_p90_days == 21


def test_a_sku_with_stock_for_months_is_left_alone(seller: User) -> None:
    sku_of(seller, stock=5000)
    sold(shop_connection_create(seller=seller, name="s", platform=Platform.GENERIC), 10, 14)
    assert replenishments_propose() == 0
    assert not Order.objects.exists()


def test_the_seller_approves_a_draft_with_one_click(seller_api: APIClient, seller: User) -> None:
    sku_of(seller, stock=100)
    sold(shop_connection_create(seller=seller, name="s", platform=Platform.GENERIC), 10, 14)
    replenishments_propose()
    (row,) = seller_api.get("/api/shops/replenishments/").json()["results"]
    assert row["order_status"] == "draft"
    approved = seller_api.post(f"/api/shops/replenishments/{row['id']}/approve/")
    assert approved.status_code == 200, approved.content
    assert approved.json()["status"] == "open"
    again = seller_api.post(f"/api/shops/replenishments/{row['id']}/approve/")
    assert again.status_code == 409
    stranger = client_for(make_user(Role.SELLER))
    assert stranger.post(f"/api/shops/replenishments/{row['id']}/approve/").status_code == 404


def test_a_seller_creates_a_sku_by_city_name_and_counts_stock(seller_api: APIClient) -> None:
    response = seller_api.post(
        "/api/shops/skus/",
        {
            "code": "HOODIE-GREY",
            "title": "Grey hoodie",
            "category": category().pk,
            "max_unit_price": "30.00",
            "ship_to_place": "杭州",
            "lot_size": 100,
            "stock_on_hand": 40,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["ship_to_city"] in ("杭州", "Hangzhou")
    assert body["demand"] == {"units_per_day": "0.00", "stock_left": 40, "stock_out_on": None}
    counted = seller_api.post(f"/api/shops/skus/{body['id']}/stock/", {"stock_on_hand": 500})
    assert counted.status_code == 200
    assert counted.json()["demand"]["stock_left"] == 500
    assert (
        seller_api.post(f"/api/shops/skus/{body['id']}/stock/", {"stock_on_hand": -1}).status_code
        == 400
    )


@pytest.mark.parametrize(
    "change",
    [
        {"code": ""},
        {"max_unit_price": "0"},
        {"lot_size": 0},
        {"ship_to_place": "Atlantis"},
        {"made_like": 10**30},
        {"category": "x"},
    ],
)
def test_a_bad_sku_is_a_400_with_nothing_saved(
    seller_api: APIClient, change: dict[str, object]
) -> None:
    body = {
        "code": "A",
        "title": "A",
        "category": category().pk,
        "max_unit_price": "3.00",
        "ship_to_place": "杭州",
    } | change
    response = seller_api.post("/api/shops/skus/", body, format="json")
    assert response.status_code == 400, response.content
    assert not Sku.objects.exists()


def test_the_same_code_twice_is_a_400(seller_api: APIClient, seller: User) -> None:
    sku_of(seller)
    response = seller_api.post(
        "/api/shops/skus/",
        {
            "code": "TEE-WHITE-M",
            "title": "again",
            "category": category().pk,
            "max_unit_price": "3.00",
            "ship_to_place": "杭州",
        },
        format="json",
    )
    assert response.status_code == 400
    assert "code" in response.json()


def test_another_seller_s_skus_and_sales_are_invisible(seller: User) -> None:
    sku = sku_of(seller)
    sold(shop_connection_create(seller=seller, name="s", platform=Platform.GENERIC), 1, 2)
    stranger = client_for(make_user(Role.SELLER))
    assert stranger.get(f"/api/shops/skus/{sku.pk}/").status_code == 404
    assert stranger.get("/api/shops/sales/").json()["count"] == 0

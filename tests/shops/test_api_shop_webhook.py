"""POST /api/shops/hooks/<token>/: a shop's orders arrive signed with the connection's secret;
bad or stale signatures are refused (401) with nothing stored, and every order is stored once
however often it is delivered."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import time
from typing import Any

import pytest
from rest_framework.test import APIClient

from marketplace.models import User
from shops.models import Platform, Sale, ShopConnection, WebhookDelivery
from shops.services import shop_connection_create

pytestmark = pytest.mark.django_db


def shop(seller: User, platform: str = Platform.GENERIC) -> ShopConnection:
    return shop_connection_create(seller=seller, name="Tmall store", platform=platform)


def order_body(order_id: Any = "T1001", **extra: Any) -> bytes:
    payload = {
        "id": order_id,
        "created_at": "2026-12-01T10:00:00+08:00",
        "line_items": [
            {"sku": "TEE-WHITE-M", "quantity": 2},
            {"sku": "TEE-BLACK-L", "quantity": 1},
        ],
    }
    return json.dumps(payload | extra).encode()


def signed(connection: ShopConnection, body: bytes, at: int | None = None) -> dict[str, str]:
    stamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(connection.secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    return {"HTTP_X_SHOP_TIMESTAMP": stamp, "HTTP_X_SHOP_SIGNATURE": f"sha256={digest.hexdigest()}"}


def deliver(connection: ShopConnection, body: bytes, headers: dict[str, str]) -> Any:
    extra: dict[str, Any] = dict(headers)
    return APIClient().post(
        f"/api/shops/hooks/{connection.token}/", body, content_type="application/json", **extra
    )


def test_a_signed_order_is_stored_line_by_line(seller: User) -> None:
    connection = shop(seller)
    body = order_body()
    response = deliver(connection, body, signed(connection, body))
    assert response.status_code == 200, response.content
    assert response.json() == {"stored_lines": 2, "duplicate": False}
    assert sorted(Sale.objects.values_list("sku_code", "quantity")) == [
        ("TEE-BLACK-L", 1),
        ("TEE-WHITE-M", 2),
    ]


def test_a_bad_signature_is_refused_and_nothing_is_stored(seller: User) -> None:
    connection = shop(seller)
    body = order_body()
    headers = signed(connection, body)
    tampered = order_body(line_items=[{"sku": "TEE-WHITE-M", "quantity": 200}])
    assert deliver(connection, tampered, headers).status_code == 401
    assert deliver(connection, body, {}).status_code == 401
    assert not Sale.objects.exists() and not WebhookDelivery.objects.exists()


def test_a_delivery_signed_with_another_shop_s_secret_is_refused(seller: User) -> None:
    mine, other = shop(seller), shop(seller)
    body = order_body()
    assert deliver(mine, body, signed(other, body)).status_code == 401
    assert not Sale.objects.exists()


def test_a_replay_of_an_old_delivery_is_refused(seller: User) -> None:
    connection = shop(seller)
    body = order_body()
    response = deliver(connection, body, signed(connection, body, at=int(time.time()) - 3600))
    assert response.status_code == 401
    assert "timestamp" in response.json()["detail"]
    assert not Sale.objects.exists()


def test_the_same_delivery_twice_is_stored_once(seller: User) -> None:
    connection = shop(seller)
    body = order_body()
    headers = signed(connection, body)
    assert deliver(connection, body, headers).json() == {"stored_lines": 2, "duplicate": False}
    assert deliver(connection, body, headers).json() == {"stored_lines": 0, "duplicate": True}
    assert Sale.objects.count() == 2


def test_the_same_order_delivered_again_later_is_stored_once(seller: User) -> None:
    connection = shop(seller)
    body = order_body()
    deliver(connection, body, signed(connection, body, at=int(time.time()) - 10))
    again = deliver(connection, body, signed(connection, body))
    assert again.json() == {"stored_lines": 0, "duplicate": True}
    assert Sale.objects.count() == 2


def test_shopify_orders_are_checked_with_its_base64_header(seller: User) -> None:
    connection = shop(seller, Platform.SHOPIFY)
    body = json.dumps(
        {
            "id": 820982911946154508,
            "created_at": "2026-12-01T10:00:00-05:00",
            "line_items": [
                {"id": 1, "sku": "HOODIE-GREY", "quantity": 3, "title": "Hoodie"},
                {"id": 2, "sku": None, "quantity": 1, "title": "Gift wrap"},
            ],
        }
    ).encode()
    digest = hmac.new(connection.secret.encode(), body, hashlib.sha256).digest()
    headers = {
        "HTTP_X_SHOPIFY_HMAC_SHA256": base64.b64encode(digest).decode(),
        "HTTP_X_SHOPIFY_TOPIC": "orders/create",
    }
    assert deliver(connection, body, headers).json() == {"stored_lines": 1, "duplicate": False}
    sale = Sale.objects.get()
    assert (sale.platform_order_id, sale.sku_code, sale.quantity) == (
        "820982911946154508",
        "HOODIE-GREY",
        3,
    )
    assert deliver(connection, body, {"HTTP_X_SHOPIFY_HMAC_SHA256": "AAAA"}).status_code == 401


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (b"not json", "body"),
        (b"[1, 2]", "body"),
        (order_body(order_id=None), "id"),
        (order_body(order_id=True), "id"),
        (order_body(order_id="x" * 101), "id"),
        (order_body(line_items=[]), "line_items"),
        (order_body(line_items=[{"sku": "A", "quantity": 0}]), "line_items"),
        (order_body(line_items=[{"sku": "A", "quantity": "2"}]), "line_items"),
        (order_body(line_items=[{"sku": "A", "quantity": 10**20}]), "line_items"),
        (order_body(line_items=[{"sku": ["A"], "quantity": 1}]), "line_items"),
        (order_body(created_at="yesterday"), "created_at"),
    ],
)
def test_a_signed_but_malformed_order_is_a_400_with_nothing_stored(
    seller: User, body: bytes, field: str
) -> None:
    connection = shop(seller)
    response = deliver(connection, body, signed(connection, body))
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Sale.objects.exists() and not WebhookDelivery.objects.exists()


def test_an_unknown_address_or_a_csv_only_shop_is_404(seller: User) -> None:
    body = order_body()
    csv_shop = shop(seller, Platform.CSV)
    assert deliver(csv_shop, body, signed(csv_shop, body)).status_code == 404
    response = APIClient().post("/api/shops/hooks/nope/", body, content_type="application/json")
    assert response.status_code == 404


def test_a_stream_with_duplicates_and_forgeries_stores_every_good_order_once(
    seller: User,
) -> None:
    """200 deliveries of 180 orders (10% sent twice, 5% with a bad signature): the figure of
    docs/shops.md at a fifth of its size."""
    connection = shop(seller)
    rng = random.Random(15)
    deliveries: list[tuple[bytes, dict[str, str], bool]] = []
    for n in range(180):
        body = order_body(order_id=f"D{n}")
        deliveries.append((body, signed(connection, body), True))
    for body, _headers, _good in rng.sample(deliveries, 20):
        deliveries.append((body, signed(connection, body, at=int(time.time()) - 5), True))
    for index in rng.sample(range(len(deliveries)), 10):
        body, headers, _good = deliveries[index]
        deliveries[index] = (body, headers | {"HTTP_X_SHOP_SIGNATURE": "sha256=" + "0" * 64}, False)
    rng.shuffle(deliveries)
    codes = [deliver(connection, body, headers).status_code for body, headers, _ in deliveries]
    assert all(code in (200, 401) for code in codes)
    assert codes.count(401) == 10
    good = {json.loads(body)["id"] for body, _h, ok in deliveries if ok}
    stored = set(Sale.objects.values_list("platform_order_id", flat=True))
    assert stored == good
    assert Sale.objects.count() == 2 * len(good)

"""POST /api/shops/connections/{id}/import/: a CSV export of a shop's orders from a Chinese
back end (GBK or UTF-8, Chinese headers): every row checked, all or nothing, each line once."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from marketplace.models import Role, User
from shops.models import Platform, Sale, ShopConnection
from shops.services import shop_connection_create
from tests.builders import make_user
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

EXPORT = (
    "订单编号,商家编码,购买数量,订单创建时间,收货人\n"
    "T1,TEE-WHITE-M,2,2026-12-01 10:00:00,张三\n"
    "T1,TEE-BLACK-L,1,2026-12-01 10:00:00,张三\n"
    "T2,TEE-WHITE-M,5,2026/12/02 11:30:00,李四\n"
)


def shop(seller: User) -> ShopConnection:
    return shop_connection_create(seller=seller, name="淘宝店", platform=Platform.CSV)


def upload(client: APIClient, connection: ShopConnection, text: str, encoding: str = "gbk") -> Any:
    file = SimpleUploadedFile("orders.csv", text.encode(encoding), content_type="text/csv")
    return client.post(
        f"/api/shops/connections/{connection.pk}/import/", {"file": file}, format="multipart"
    )


def test_a_gbk_export_with_chinese_headers_is_imported(seller_api: APIClient, seller: User) -> None:
    connection = shop(seller)
    response = upload(seller_api, connection, EXPORT)
    assert response.status_code == 200, response.content
    assert response.json() == {"orders": 2, "stored_lines": 3, "duplicate_lines": 0}
    assert Sale.objects.filter(sku_code="TEE-WHITE-M").count() == 2


def test_importing_the_same_export_again_stores_nothing_twice(
    seller_api: APIClient, seller: User
) -> None:
    connection = shop(seller)
    upload(seller_api, connection, EXPORT, encoding="utf-8-sig")
    again = upload(seller_api, connection, EXPORT, encoding="utf-8-sig")
    assert again.json() == {"orders": 2, "stored_lines": 0, "duplicate_lines": 3}
    assert Sale.objects.count() == 3


def test_bad_rows_are_listed_and_nothing_is_stored(seller_api: APIClient, seller: User) -> None:
    connection = shop(seller)
    text = EXPORT + "T3,,2,2026-12-03 09:00:00,王五\nT4,TEE-WHITE-M,two,someday,赵六\n"
    response = upload(seller_api, connection, text)
    assert response.status_code == 400
    rows = response.json()["rows"]
    assert {(r["row"], r["field"]) for r in rows} == {
        (5, "sku"),
        (6, "quantity"),
        (6, "sold_at"),
    }
    assert not Sale.objects.exists()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("", "empty"),
        ("收货人,备注\n张三,\n", "Missing columns"),
        ("订单编号,商家编码,购买数量\n", "no order rows"),
    ],
)
def test_an_unusable_file_is_a_400_naming_the_problem(
    seller_api: APIClient, seller: User, text: str, words: str
) -> None:
    response = upload(seller_api, shop(seller), text, encoding="utf-8")
    assert response.status_code == 400
    assert words in response.json()["file"][0]


def test_another_seller_s_shop_is_404(seller: User) -> None:
    connection = shop(seller)
    stranger = client_for(make_user(Role.SELLER))
    assert upload(stranger, connection, EXPORT).status_code == 404
    assert not Sale.objects.exists()


def test_a_factory_owner_cannot_connect_a_shop(owner: User) -> None:
    response = client_for(owner).post(
        "/api/shops/connections/", {"name": "x", "platform": "generic"}, format="json"
    )
    assert response.status_code == 403


def test_a_seller_connects_a_shop_and_reads_its_webhook_address(seller_api: APIClient) -> None:
    response = seller_api.post(
        "/api/shops/connections/", {"name": "抖店", "platform": "shopify"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["webhook_url"].startswith("http://testserver/api/shops/hooks/")
    assert len(body["secret"]) == 64
    bad = seller_api.post(
        "/api/shops/connections/", {"name": " ", "platform": "ebay"}, format="json"
    )
    assert bad.status_code == 400
    assert set(bad.json()) >= {"platform"}

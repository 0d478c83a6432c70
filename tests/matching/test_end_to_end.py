"""The whole path through the public API, with a real Celery worker on the real Redis broker."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import Factory
from factories.services import factory_verify
from marketplace.models import ProductCategory
from tests.builders import DONGGUAN, SHANGHAI, days, make_user
from tests.worker import celery_worker, wait_for


def _register(role: str, username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/auth/register/",
        {"username": username, "password": "a-Long-test-passw0rd", "role": role},
        format="json",
    )
    assert response.status_code == 201, response.json()
    token = client.post(
        "/api/auth/token/", {"username": username, "password": "a-Long-test-passw0rd"}
    ).json()["token"]
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _created(response: Any) -> dict:
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_posted_order_is_matched_by_the_worker_and_offered_to_the_factory() -> None:
    tshirts = ProductCategory.objects.get(slug="t-shirts").pk
    bags = ProductCategory.objects.get(slug="backpacks").pk

    owner = _register("factory_owner", "dongguan-owner")
    factory = _created(
        owner.post(
            "/api/factories/",
            {
                "name": "Dongguan Xinhui Garments",
                "city": "Dongguan",
                "province": "Guangdong",
                "latitude": DONGGUAN[0],
                "longitude": DONGGUAN[1],
                "min_order_quantity": 100,
                "max_order_quantity": 50_000,
            },
            format="json",
        )
    )
    factory_verify(factories=Factory.objects.filter(pk=factory["id"]))  # staff's admin action
    _created(
        owner.post(
            "/api/capabilities/",
            {"factory": factory["id"], "category": tshirts, "unit_price": "9.50",
             "daily_output": 500},
            format="json",
        )
    )  # fmt: skip
    window = _created(
        owner.post(
            "/api/capacity-windows/",
            {"factory": factory["id"], "category": tshirts, "start_date": str(days(1)),
             "end_date": str(days(10)), "units_per_day": 300},
            format="json",
        )
    )  # fmt: skip

    seller = _register("seller", "shanghai-seller")
    order_fields = {
        "ship_to_city": "Shanghai",
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
    }
    fits = _created(
        seller.post(
            "/api/orders/",
            {"title": "Logo tees", "category": tshirts, "quantity": 1200,
             "max_unit_price": "11.00", "due_date": str(days(14)), **order_fields},
            format="json",
        )
    )  # fmt: skip
    no_factory = _created(
        seller.post(
            "/api/orders/",
            {"title": "Backpacks", "category": bags, "quantity": 300,
             "max_unit_price": "40.00", "due_date": str(days(20)), **order_fields},
            format="json",
        )
    )  # fmt: skip

    staff = APIClient()
    staff.force_authenticate(make_user("staff"))
    with celery_worker():
        run = _created(staff.post("/api/match-runs/"))
        assert run["status"] == "queued"
        finished = wait_for(
            lambda: (
                body
                if (body := staff.get(f"/api/match-runs/{run['id']}/").json())["status"]
                in ("succeeded", "failed")
                else None
            )
        )

    assert finished["status"] == "succeeded", finished["error"]
    assert finished["open_orders"] == 2
    assert finished["matched_orders"] == 1
    assert finished["matched_units"] == 1200
    assert finished["solver_status"] == "OPTIMAL"

    offers = owner.get("/api/offers/").json()["results"]
    assert len(offers) == 1
    offer = offers[0]
    assert offer["order"] == fits["id"]
    assert offer["window"] == window["id"]
    assert offer["quantity"] == 1200
    assert offer["unit_price"] == "9.50"
    assert offer["status"] == "proposed"
    latest_finish = dt.date.fromisoformat(fits["due_date"]) - dt.timedelta(
        days=offer["transport_days"]
    )
    assert days(1) <= dt.date.fromisoformat(offer["planned_start"])
    assert dt.date.fromisoformat(offer["planned_finish"]) <= latest_finish
    # 1,200 units at 300 a day take four days
    assert (
        dt.date.fromisoformat(offer["planned_finish"])
        - dt.date.fromisoformat(offer["planned_start"])
    ).days == 3

    assert seller.get(f"/api/orders/{fits['id']}/").json()["status"] == "offered"
    unmatched = seller.get(f"/api/orders/{no_factory['id']}/").json()
    assert unmatched["status"] == "open"
    assert unmatched["unmatched_reason"] == "no_capable_factory"
    seller_view = seller.get("/api/order-assignments/").json()["results"]
    assert [a["factory_name"] for a in seller_view] == ["Dongguan Xinhui Garments"]
    booked = owner.get(f"/api/capacity-windows/{window['id']}/").json()
    assert booked["offered_units"] == 1200
    assert booked["remaining_units"] == 3000 - 1200

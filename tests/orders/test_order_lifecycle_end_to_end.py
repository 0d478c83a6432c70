"""One order through every state via the public API, with a real Celery worker on the real
Redis broker: posted, matched, offered, declined (and rematched to another factory),
accepted, milestones, delayed and accepted, shipped, delivered (late), rated; the
factory's scores change and the next match run sees them."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.utils import timezone
from PIL import Image
from pytest_django import Settings
from rest_framework.test import APIClient

from factories.models import Factory
from factories.services import factory_verify
from marketplace.models import ProductCategory, Role
from matching.selectors import matching_problem_load
from matching.solver import solve
from tests.builders import DONGGUAN, SHANGHAI, days, make_user
from tests.conftest import client_for
from tests.worker import celery_worker, wait_for

PASSWORD = "a-Long-test-passw0rd"


def register(role: str, username: str) -> APIClient:
    client = APIClient()
    response = client.post(
        "/api/auth/register/",
        {"username": username, "password": PASSWORD, "role": role,
         "email": f"{username}@example.com"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    token = client.post("/api/auth/token/", {"username": username, "password": PASSWORD})
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.json()['token']}")
    return client


def ok(response: Any, code: int = 200) -> Any:
    assert response.status_code == code, response.content
    return response.json()


def factory_with(owner: APIClient, name: str, prices: dict[int, str]) -> int:
    """A verified factory in Dongguan with a capability and a 20-day window per category."""
    factory = ok(
        owner.post(
            "/api/factories/",
            {"name": name, "city": "Dongguan", "province": "Guangdong",
             "latitude": DONGGUAN[0], "longitude": DONGGUAN[1]},
            format="json",
        ),
        201,
    )  # fmt: skip
    factory_verify(factories=Factory.objects.filter(pk=factory["id"]))  # staff's admin action
    for category, price in prices.items():
        ok(
            owner.post(
                "/api/capabilities/",
                {"factory": factory["id"], "category": category, "unit_price": price,
                 "daily_output": 500},
                format="json",
            ),
            201,
        )  # fmt: skip
        ok(
            owner.post(
                "/api/capacity-windows/",
                {"factory": factory["id"], "category": category, "start_date": str(days(1)),
                 "end_date": str(days(20)), "units_per_day": 200},
                format="json",
            ),
            201,
        )  # fmt: skip
    return factory["id"]


def post_order(seller: APIClient, category: int, quantity: int) -> int:
    order = ok(
        seller.post(
            "/api/orders/",
            {"title": f"{quantity} pieces", "category": category, "quantity": quantity,
             "max_unit_price": "12.00", "due_date": str(days(30)), "ship_to_city": "Shanghai",
             "ship_to_latitude": SHANGHAI[0], "ship_to_longitude": SHANGHAI[1]},
            format="json",
        ),
        201,
    )  # fmt: skip
    return order["id"]


def run_matching(staff: APIClient) -> dict:
    run = staff.post("/api/match-runs/")
    assert run.status_code in (200, 201), run.content
    run_id = run.json()["id"]

    def finished() -> dict | None:
        body = ok(staff.get(f"/api/match-runs/{run_id}/"))
        return body if body["status"] in ("succeeded", "failed") else None

    body = wait_for(finished, timeout=90)
    assert body["status"] == "succeeded", body["error"]
    return body


def the_offer(owner: APIClient, order_id: int, status: str = "proposed") -> dict:
    query: dict[str, Any] = {"order": order_id, "status": status}
    offers = ok(owner.get("/api/offers/", query))["results"]
    assert len(offers) == 1, offers
    return offers[0]


def png() -> io.BytesIO:
    data = io.BytesIO()
    Image.new("RGB", (40, 30), "navy").save(data, "PNG")
    data.seek(0)
    data.name = "cutting-room.png"
    return data


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_one_order_goes_through_every_state_and_its_rating_steers_the_next_run(
    tmp_path: Path, settings: Settings
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    emails = tmp_path / "emails"
    tees = ProductCategory.objects.get(slug="t-shirts").pk
    hoodies = ProductCategory.objects.get(slug="hoodies").pk
    staff = client_for(make_user(Role.STAFF))
    owner_a, owner_b, owner_c = (register("factory_owner", f"owner-{x}") for x in "abc")
    factory_a = factory_with(owner_a, "A Cheapest Tees", {tees: "8.00"})
    factory_b = factory_with(owner_b, "B Tees and Hoodies", {tees: "9.00", hoodies: "9.00"})
    factory_c = factory_with(owner_c, "C Hoodies", {hoodies: "9.05"})
    seller = register("seller", "shop-seller")
    order = post_order(seller, tees, 1000)
    assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "open"

    env = {"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
           "EMAIL_FILE_PATH": str(emails)}  # fmt: skip
    with celery_worker(env=env):
        # matched and offered to the cheapest factory, which declines
        assert run_matching(staff)["matched_orders"] == 1
        assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "offered"
        offer_a = the_offer(owner_a, order)
        assert offer_a["factory"] == factory_a
        assert offer_a["seller_reliability"]["percent"] is None  # no record yet
        ok(owner_a.post(f"/api/offers/{offer_a['id']}/decline/", {"reason": "no_capacity"}))
        assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "open"

        # rematched to the next factory, which accepts
        run_matching(staff)
        offer_b = the_offer(owner_b, order)
        assert offer_b["factory"] == factory_b
        assert not ok(owner_a.get("/api/offers/", {"status": "proposed"}))["results"]
        accepted = ok(owner_b.post(f"/api/offers/{offer_b['id']}/accept/"))
        assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "accepted"

        # production: milestones, one with a photo
        milestones = f"/api/offers/{offer_b['id']}/milestones/"
        ok(owner_b.post(milestones, {"kind": "materials_ready", "photo": png()}), 201)
        ok(owner_b.post(milestones, {"kind": "production_started"}), 201)
        assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "in_production"
        ok(owner_b.post(milestones, {"kind": "quality_passed", "note": "AQL 2.5"}), 201)

        # a delay, which the seller accepts
        planned = dt.date.fromisoformat(accepted["planned_finish"])
        later = planned + dt.timedelta(days=3)
        delay = ok(
            owner_b.post(
                f"/api/offers/{offer_b['id']}/delays/",
                {"new_finish": str(later), "reason": "Dye lot failed"},
                format="json",
            ),
            201,
        )
        ok(seller.post(f"/api/orders/{order}/accept-delay/", {"delay": delay["id"]}))
        (part,) = ok(seller.get(f"/api/orders/{order}/parts/"))
        assert part["planned_finish"] == str(later)
        assert part["promised_finish"] == str(planned)
        assert part["milestones"][0]["photo"].endswith(".png")

        # shipped, delivered after the promised date, rated
        shipped = {"kind": "shipped", "carrier": "SF Express", "tracking_number": "SF1234567"}
        ok(owner_b.post(milestones, shipped), 201)
        assert ok(seller.get(f"/api/orders/{order}/"))["status"] == "shipped"
        arrives = dt.datetime.combine(
            planned + dt.timedelta(days=accepted["transport_days"] + 3),
            dt.time(12),
            tzinfo=timezone.get_current_timezone(),
        )
        with time_machine.travel(arrives):
            delivered = ok(seller.post(f"/api/orders/{order}/confirm-delivery/"))
        assert delivered["status"] == "delivered"

        # before the rating factory B would win a hoodie order (9.00 against C's 9.05)
        hoodie_order = post_order(seller, hoodies, 500)
        preview = solve(matching_problem_load(time_limit_seconds=5).problem)
        assert [a.factory_id for a in preview.assignments] == [factory_b]

        rated = ok(seller.post(f"/api/orders/{order}/rate/", {"quality": 1, "comment": "Pilling"}))
        assert (rated["quality_rating"], rated["on_time"]) == (1, False)
        profile = ok(owner_b.get(f"/api/factories/{factory_b}/"))
        # smoothed towards the prior (4.0 stars, 90% on time, worth 5 orders)
        assert (profile["quality_score"], profile["on_time_rate"]) == ("3.50", "0.750")

        # the next run sees the new scores: the reliable factory gets the hoodies
        run_matching(staff)
        assert the_offer(owner_c, hoodie_order)["factory"] == factory_c

        history = ok(seller.get(f"/api/orders/{order}/history/"))
        transitions = [(e["from_status"], e["to_status"]) for e in history if
                       e["from_status"] != e["to_status"]]  # fmt: skip
        assert transitions == [
            ("open", "offered"),
            ("offered", "open"),
            ("open", "offered"),
            ("offered", "accepted"),
            ("accepted", "in_production"),
            ("in_production", "shipped"),
            ("shipped", "delivered"),
        ]
        actions = [e["action"] for e in history]
        for action in ("milestone_materials_ready", "delay_reported", "delay_accepted", "rate"):
            assert action in actions
        assert ok(seller.get("/api/notifications/unread-count/"))["unread"] >= 6

        # every notification is emailed by the worker through Django's email framework
        def emailed() -> str:
            sent = "".join(p.read_text() for p in emails.glob("*.log")) if emails.exists() else ""
            return sent if "accepted by B Tees and Hoodies" in sent and "rated 1/5" in sent else ""

        sent = wait_for(emailed, timeout=30)
        assert "To: shop-seller@example.com" in sent
        assert "To: owner-b@example.com" in sent

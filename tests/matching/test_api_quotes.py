"""POST /api/quotes/: a seller's instant quote on the capacity free now; nothing is saved.

A factory in Dongguan makes T-shirts at 10.00 CNY in a window from tomorrow (day 1) to day 20
at 100 units a day; the order ships to Shanghai, about 1,200 km away: 4 transport days.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from rest_framework.test import APIClient

from factories.models import Factory, FactoryCapability
from marketplace.models import User
from matching.models import Assignment, AssignmentStatus
from orders.models import Order, OrderStatus
from tests.builders import (
    SHANGHAI,
    category,
    days,
    make_assignment,
    make_capability,
    make_factory,
    make_order,
    make_window,
    run_matching,
)
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/quotes/"


def body(**changes: Any) -> dict[str, Any]:
    return {
        "category": category().pk,
        "quantity": 500,
        "max_unit_price": "12.00",
        "due_date": str(days(30)),
        "ship_to_latitude": SHANGHAI[0],
        "ship_to_longitude": SHANGHAI[1],
    } | changes


def quote(client: APIClient, **changes: Any) -> dict[str, Any]:
    response = client.post(URL, body(**changes), format="json")
    assert response.status_code == 200, response.content
    return dict(response.json())


@pytest.fixture
def factory() -> Factory:
    factory = make_factory()
    make_window(factory, start=1, end=20, units_per_day=100)
    return factory


def test_an_order_that_fits_gets_the_factories_lowest_price_and_earliest_date(
    seller_api: APIClient, factory: Factory
) -> None:
    answer = quote(seller_api)

    assert answer["fits"] is True
    assert answer["reason"] is None
    assert answer["factories_capable"] == answer["factories_available"] == 1
    assert answer["lowest_unit_price"] == "10.00"
    # 500 units at 100 a day: made on days 1-5, then 4 days on the road
    assert answer["earliest_due_date"] == str(days(9))
    assert answer["price_range"] == {"min": "10.00", "max": "10.00"}
    assert answer["suggestions"] == {
        "max_unit_price": None,
        "due_date": None,
        "quantity": None,
        "allow_split": False,
        "allows_pooling": False,
    }
    assert answer["pool"] == {"factories": 0, "minimum": None}
    assert answer["message"]
    assert not Order.objects.exists()
    assert not Assignment.objects.exists()


def test_a_price_below_the_factories_names_the_price_that_would_fit(
    seller_api: APIClient, factory: Factory
) -> None:
    answer = quote(seller_api, max_unit_price="8.00")

    assert answer["fits"] is False
    assert answer["reason"] == "price_below_market"
    assert answer["factories_available"] == 0
    assert answer["suggestions"]["max_unit_price"] == "10.00"
    assert answer["earliest_due_date"] is None


def test_a_due_date_too_soon_names_the_earliest_one(
    seller_api: APIClient, factory: Factory
) -> None:
    answer = quote(seller_api, due_date=str(days(6)))

    assert answer["fits"] is False
    assert answer["reason"] == "capacity_full"
    assert answer["suggestions"]["due_date"] == str(days(9))
    assert answer["suggestions"]["quantity"] == 200  # days 1 and 2 by the latest finish


def test_too_much_for_one_factory_names_a_smaller_quantity_and_splitting(
    seller_api: APIClient, factory: Factory
) -> None:
    other = make_factory()
    make_window(other, start=1, end=20, units_per_day=100)

    answer = quote(seller_api, quantity=3000)

    assert answer["fits"] is False
    assert answer["suggestions"]["quantity"] == 2000
    assert answer["suggestions"]["allow_split"] is True
    assert quote(seller_api, quantity=3000, allow_split=True)["fits"] is True


def test_units_already_offered_are_not_free(seller_api: APIClient, factory: Factory) -> None:
    window = factory.windows.get()
    make_assignment(make_order(quantity=1900), window)

    answer = quote(seller_api)

    assert answer["fits"] is False
    assert answer["reason"] == "capacity_full"
    assert answer["suggestions"]["quantity"] == 100


def test_unverified_factories_and_other_categories_do_not_count(
    seller_api: APIClient, factory: Factory
) -> None:
    make_window(make_factory(verified=False), start=1, end=20, units_per_day=100)
    hoodies = make_factory()
    make_capability(hoodies, category("hoodies"), unit_price="1.00")
    make_window(hoodies, category("hoodies"), start=1, end=20)

    answer = quote(seller_api)

    assert answer["factories_capable"] == 1
    assert answer["price_range"] == {"min": "10.00", "max": "10.00"}


def test_with_no_capable_factory_it_says_so(seller_api: APIClient) -> None:
    answer = quote(seller_api)

    assert answer["fits"] is False
    assert answer["reason"] == "no_capable_factory"
    assert answer["factories_capable"] == 0
    assert answer["price_range"] is None
    assert answer["lowest_unit_price"] is None


def test_a_city_by_name_fills_the_ship_to_point(seller_api: APIClient, factory: Factory) -> None:
    data = body(ship_to_place="上海")
    del data["ship_to_latitude"], data["ship_to_longitude"]

    response = seller_api.post(URL, data, format="json")

    assert response.status_code == 200, response.content
    assert response.json()["earliest_due_date"] == str(days(9))


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"quantity": 0}, "quantity"),
        ({"quantity": "many"}, "quantity"),
        ({"max_unit_price": "0"}, "max_unit_price"),
        ({"max_unit_price": "1e9"}, "max_unit_price"),
        ({"due_date": str(days(0))}, "due_date"),
        ({"due_date": str(days(5000))}, "due_date"),
        ({"due_date": "soon"}, "due_date"),
        ({"category": 10**12}, "category"),
        ({"category": None}, "category"),
        ({"min_lot_quantity": 900}, "min_lot_quantity"),
        ({"priority": "yesterday"}, "priority"),
        ({"ship_to_latitude": 91}, "ship_to_latitude"),
        ({"ship_to_place": "Atlantis"}, "ship_to_place"),
        ({"allows_pooling": "perhaps"}, "allows_pooling"),
        ({"allows_pooling": ""}, "allows_pooling"),
        ({"allows_pooling": [1]}, "allows_pooling"),
        ({"category": 2**64}, "category"),
        ({"category": ""}, "category"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_saves_nothing(
    seller_api: APIClient, factory: Factory, changes: dict[str, Any], field: str
) -> None:
    data = body(**changes)
    if "ship_to_place" in changes:
        del data["ship_to_latitude"], data["ship_to_longitude"]

    response = seller_api.post(URL, data, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not Order.objects.exists()


def test_a_group_category_is_a_400(seller_api: APIClient) -> None:
    parent = category().parent
    assert parent is not None

    response = seller_api.post(URL, body(category=parent.pk), format="json")

    assert response.status_code == 400
    assert "category" in response.json()


def test_without_a_place_or_coordinates_it_is_a_400(seller_api: APIClient) -> None:
    data = body()
    del data["ship_to_latitude"]

    response = seller_api.post(URL, data, format="json")

    assert response.status_code == 400
    assert {"ship_to_latitude", "ship_to_place"} <= set(response.json())


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.post(URL, body(), format="json").status_code == 401


def test_factory_owners_and_staff_may_not_ask(owner: User, staff: User) -> None:
    for user in (owner, staff):
        response = client_for(user).post(URL, body(), format="json")
        assert response.status_code == 403, response.content


def test_it_answers_in_the_request_language(seller_api: APIClient, factory: Factory) -> None:
    english = seller_api.post(URL, body(), format="json", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = seller_api.post(URL, body(), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans").json()

    assert "verified factory" in english["message"][0]
    assert "工厂" in chinese["message"][0]
    assert english["fits"] == chinese["fits"]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"max_unit_price": "9.00"},
        {"max_unit_price": "10.50"},
        {"due_date": str(days(7))},
        {"due_date": str(days(9))},
        {"quantity": 1500},
        {"quantity": 2600},
        {"quantity": 2600, "allow_split": True, "min_lot_quantity": 500},
        {"quantity": 300, "allows_pooling": True},
    ],
)
def test_a_match_run_of_the_order_then_posted_does_what_the_quote_said(
    seller_api: APIClient, seller: User, changes: dict[str, Any]
) -> None:
    """Two factories (10.00 and 10.50 CNY, one with an accepted part booked): the quote, then
    the order posted as quoted and a real match run over the database."""
    cheap = make_window(make_factory(min_order_quantity=400), start=1, end=20, units_per_day=100)
    dear = make_factory(min_order_quantity=400)
    make_capability(dear, unit_price="10.50")
    booked = make_window(dear, start=1, end=20, units_per_day=100)
    make_assignment(make_order(quantity=500), booked, status=AssignmentStatus.ACCEPTED)
    answer = quote(seller_api, **changes)
    data = body(**changes)

    order = make_order(
        seller,
        quantity=data["quantity"],
        max_unit_price=Decimal(data["max_unit_price"]),
        due_date=dt.date.fromisoformat(data["due_date"]),
        allow_split=data.get("allow_split", False),
        min_lot_quantity=data.get("min_lot_quantity", 1),
        allows_pooling=data.get("allows_pooling", False),
    )
    run_matching()

    order.refresh_from_db()
    parts = list(order.assignments.filter(status=AssignmentStatus.PROPOSED))
    assert answer["fits"] == (order.status == OrderStatus.OFFERED), (answer, order.status)
    if answer["fits"]:
        dearest = max(part.unit_price for part in parts)
        assert Decimal(answer["lowest_unit_price"]) <= dearest <= order.max_unit_price
        assert {part.window_id for part in parts} <= {cheap.pk, booked.pk}
    else:
        assert order.unmatched_reason == answer["reason"]


def test_the_quote_names_the_lead_times_of_the_factories_with_room(
    seller_api: APIClient,
) -> None:
    for p50, p90 in ((8, 12), (10, 20), (30, 40)):
        factory = make_factory()
        make_window(factory, start=1, end=30, units_per_day=200)
        FactoryCapability.objects.filter(factory=factory).update(
            lead_p50_days=p50, lead_p90_days=p90
        )
    answer = quote(seller_api)
    assert answer["fits"] is True, answer
    assert answer["lead_time"] == {"p50_days": 10, "p90_days": 20}
    assert any("nine in ten within 20 days" in line for line in answer["message"])


def pooling_factories() -> None:
    """Two factories whose minimum (1,000 and 2,000 units) is above the order's 300."""
    for minimum in (1000, 2000):
        make_window(make_factory(min_order_quantity=minimum), start=1, end=20, units_per_day=100)


def test_an_order_below_every_minimum_hears_that_allowing_pooling_would_help(
    seller_api: APIClient,
) -> None:
    pooling_factories()

    answer = quote(seller_api, quantity=300)

    assert answer["fits"] is False
    assert answer["reason"] == "quantity_out_of_range"
    assert answer["pool"] == {"factories": 2, "minimum": 1000}
    assert answer["suggestions"]["allows_pooling"] is True
    assert any("pooling allowed: 2 factories" in line for line in answer["message"])


def test_an_order_that_allows_pooling_is_told_the_pool_it_could_join_not_that_it_fits(
    seller_api: APIClient,
) -> None:
    """A pool needs other sellers' orders: the quote of one order never counts on it."""
    pooling_factories()

    answer = quote(seller_api, quantity=300, allows_pooling=True)

    assert answer["fits"] is False
    assert answer["reason"] == "pool_too_small"  # as a run of this order alone would say
    assert answer["pool"] == {"factories": 2, "minimum": 1000}
    assert answer["suggestions"]["allows_pooling"] is False
    assert any("minimum (from 1,000 units)" in line for line in answer["message"])
    chinese = seller_api.post(
        URL, body(quantity=300, allows_pooling=True), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans"
    ).json()
    assert any("拼单" in line for line in chinese["message"])


def test_with_pooling_turned_off_no_pool_is_offered(seller_api: APIClient, settings: Any) -> None:
    settings.MATCHING_POOLING = False
    pooling_factories()

    answer = quote(seller_api, quantity=300, allows_pooling=True)

    assert answer["pool"] == {"factories": 0, "minimum": None}
    assert answer["suggestions"]["allows_pooling"] is False


def test_a_splittable_order_is_not_offered_a_pool(seller_api: APIClient) -> None:
    pooling_factories()

    answer = quote(seller_api, quantity=300, allow_split=True)

    assert answer["pool"]["factories"] == 0

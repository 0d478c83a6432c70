"""The owner's dashboard and capacity calendar show the latest run's price guidance for the
owner's own windows, in both languages; another owner sees none of it."""

from __future__ import annotations

import pytest
from django.test import Client

from factories.models import CapacityWindow
from marketplace.models import User
from orders.models import Order
from tests.builders import make_factory, make_order, make_user, make_window, run_matching

pytestmark = pytest.mark.django_db


def page(owner: User, path: str, language: str) -> str:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    User.objects.filter(pk=owner.pk).update(language=language)
    client.force_login(owner)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def lost(owner: User) -> tuple[CapacityWindow, list[Order]]:
    window = make_window(make_factory(owner, name="Idle Knits"), units_per_day=100)  # 10.00
    orders = [
        make_order(quantity=1500, max_unit_price="9.50"),
        make_order(quantity=400, max_unit_price="8.80"),
    ]
    run_matching()
    return window, orders


@pytest.mark.parametrize("path", ["/factory/", "/factory/calendar/"])
@pytest.mark.parametrize(
    ("language", "texts"),
    [
        (
            "en",
            [
                "Prices that would fill your idle days",
                "your price 10.00 CNY, 2,000 units idle",
                "at 9.50 CNY you would have had 1 more order, 1,500 units",
                "at 8.80 CNY you would have had 2 more orders, 1,900 units",
            ],
        ),
        (
            "zh-hans",
            [
                "能填满空闲产能的价格",
                "您的单价 10.00 元，空闲 2000 件",
                "单价 9.50 元时，您本可多接 1 个订单，共 1500 件",
                "单价 8.80 元时，您本可多接 2 个订单，共 1900 件",
            ],
        ),
    ],
)
def test_the_owner_sees_the_prices_that_would_have_filled_the_window(
    owner: User,
    lost: tuple[CapacityWindow, list[Order]],
    path: str,
    language: str,
    texts: list[str],
) -> None:
    html = page(owner, path, language)

    for text in texts:
        assert text in html
    window, orders = lost
    assert f'data-guidance-window="{window.pk}"' in html
    assert all(f"#{order.pk}" in html for order in orders)


@pytest.mark.parametrize("path", ["/factory/", "/factory/calendar/"])
def test_another_owner_sees_none_of_it(lost: tuple[CapacityWindow, list[Order]], path: str) -> None:
    other = make_user("factory_owner")
    make_window(make_factory(other), units_per_day=1)  # 20 units: no order fits

    html = page(other, path, "en")

    window, _orders = lost
    assert "data-guidance-window" not in html
    assert "The last match run lost you no orders on price." in html


def test_the_calendar_shows_only_the_windows_in_its_weeks(
    owner: User, lost: tuple[CapacityWindow, list[Order]]
) -> None:
    html = page(owner, "/factory/calendar/?start=2000-01-03", "en")

    assert "data-guidance-window" not in html

"""``manage.py quote_bench``: times POST /api/quotes/ on the data at hand, or on a generated
market it loads and deletes again; prints JSON; leaves nothing behind."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from factories.models import Factory
from marketplace.models import User
from orders.models import Order
from tests.builders import make_factory, make_window

pytestmark = pytest.mark.django_db


def bench(**options: object) -> dict[str, Any]:
    out = StringIO()
    call_command("quote_bench", stdout=out, **options)
    return dict(json.loads(out.getvalue()))


def test_it_times_quotes_on_the_data_at_hand() -> None:
    make_window(make_factory(), start=1, end=30)
    users = User.objects.count()

    report = bench(requests=12, warm_up=2)

    assert report["requests"] == 12
    assert 0 < report["median_ms"] <= report["p95_ms"] <= report["max_ms"]
    assert 0 <= report["fits_share"] <= 1
    assert User.objects.count() == users  # the bench's seller is gone


def test_on_a_generated_market_it_quotes_there_and_deletes_it() -> None:
    mine = make_factory()

    report = bench(requests=5, warm_up=1, factories=20, orders=30, weeks=4)

    assert report["loaded"]["factories"] == 20
    assert report["requests"] == 5
    assert list(Factory.objects.all()) == [mine]
    assert not Order.objects.exists()


def test_without_any_capacity_it_says_so() -> None:
    with pytest.raises(CommandError, match="No category has capacity windows"):
        bench(requests=3)

"""The run report counts two different things as "matched": its cards count the orders the
run made new offers for, its shard table the orders the solver placed (an order whose
unanswered offer the run kept where it was is placed again, but gets no new offer). Each
is labelled for what it counts, and the page says how they differ."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from marketplace.models import Role
from tests.builders import make_factory, make_order, make_user, make_window, run_matching

pytestmark = pytest.mark.django_db


def cells(html: str, tag: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf"<{tag}[^>]*>(.*?)</{tag}>", html)
    ]


def test_the_cards_count_new_offers_and_the_shard_table_counts_placed_orders(
    client: Client,
) -> None:
    make_window(make_factory())
    make_order(quantity=500)
    run_matching()  # offers the first order
    make_order(quantity=500)
    run = run_matching()  # keeps that offer as it was, and offers the second order
    client.force_login(make_user(Role.STAFF))

    body = client.get(f"/staff/runs/{run.pk}/").content.decode()

    cards = dict(zip(cells(body, "dt"), cells(body, "dd"), strict=True))
    assert cards["Orders with new offers"].startswith("1 ")
    shards = body[body.index('id="shards"') :]
    header, row = cells(shards, "th"), cells(shards, "td")
    assert row[header.index("Placed")] == "2"
    assert "“Orders with new offers” above counts only the orders this run made new offers" in (
        body
    )
    # the runs list counts what the cards count, under the same name
    runs = client.get("/staff/runs/").content.decode()
    assert "Orders with new offers" in cells(runs, "th")

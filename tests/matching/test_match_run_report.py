"""The run report: matched vs unmatched, reasons, what to relax, costs, shards, fill rate by
category and utilisation by region and week, on small hand-built cases with exact numbers."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone, translation

from factories.models import CapacityWindow
from matching.models import MatchRun
from matching.reports import (
    CategoryFill,
    ReasonCount,
    RelaxExample,
    fill_rate_chart_svg,
    match_run_report,
    utilisation_by_region_and_week,
    utilisation_heatmap_svg,
)
from orders.models import Order, OrderStatus
from tests.builders import (
    category,
    make_assignment,
    make_factory,
    make_order,
    make_run,
    make_window,
    today,
)

pytestmark = pytest.mark.django_db

SHARD = {
    "shard": 0,
    "orders": 5,
    "windows": 3,
    "pairs": 7,
    "matched_orders": 2,
    "status": "FEASIBLE",
    "objective": 530000.0,
    "bound": 520000.0,
    "gap": 0.018868,
    "seconds": 0.25,
    "worker": "w1@host",
}


def _unmatched(title: str, quantity: int, reason: str, relax: dict, **kwargs: Any) -> Order:
    order = make_order(title=title, quantity=quantity, **kwargs)
    Order.objects.filter(pk=order.pk).update(unmatched_reason=reason, relax_suggestion=relax)
    return order


def _hand_built_run() -> tuple[MatchRun, dict[str, Order]]:
    shirts, hoodies = category("t-shirts"), category("hoodies")
    earlier_run = make_run()
    orders = {
        "a": make_order(title="A", category=shirts, quantity=500),
        "b": make_order(title="B", category=hoodies, quantity=400, allow_split=True),
        "c": _unmatched("C <big>", 1000, "capacity_full", {"quantity": 600, "quantity_factory": 1}),
        "d": _unmatched(
            "D",
            200,
            "price_below_market",
            {"max_unit_price": "13.50", "due_date": "2030-01-15"},
            max_unit_price=Decimal("12.00"),
        ),
        "e": _unmatched("E", 100, "no_capable_factory", {}, category=hoodies),
        # never looked at by a run (no reason), and cancelled since: not this run's
        "g": make_order(title="G"),
        "h": _unmatched("H", 50, "capacity_full", {"quantity": 10}),
    }
    Order.objects.filter(pk=orders["h"].pk).update(status=OrderStatus.CANCELLED)
    run = make_run(
        started_at=timezone.now(),
        open_orders=5,
        production_cost=Decimal("5000.00"),
        transport_cost=Decimal("300.00"),
        objective=530000.0,
        best_bound=520000.0,
        gap=0.018868,
        solver_status="FEASIBLE",
        shard_stats=[SHARD],
    )
    # posted after the run loaded its data: a later run's business
    orders["f"] = _unmatched("F", 70, "capacity_full", {})
    guangdong = make_factory(province="Guangdong")
    make_assignment(orders["a"], make_window(guangdong, shirts), run=run)
    make_assignment(orders["b"], make_window(guangdong, hoodies), run=run, quantity=250)
    other = make_window(make_factory(province="Zhejiang", city="Ningbo"), hoodies)
    make_assignment(orders["b"], other, run=run, quantity=150)
    make_assignment(make_order(title="elsewhere"), run=earlier_run)  # another run's offer
    return run, orders


def test_the_report_counts_matched_and_unmatched_orders_with_reasons_and_what_to_relax() -> None:
    run, orders = _hand_built_run()

    report = match_run_report(run=run)

    assert report.run_id == run.pk and report.is_latest_run
    assert (report.considered_orders, report.open_orders) == (5, 5)
    assert (report.matched_orders, report.matched_units) == (2, 900)
    assert (report.unmatched_orders, report.unmatched_units) == (3, 1300)
    assert report.match_rate == pytest.approx(0.4)
    assert report.unmatched_by_reason == (
        ReasonCount(reason="capacity_full", label="Capacity full", orders=1, units=1000),
        ReasonCount(reason="no_capable_factory", label="No capable factory", orders=1, units=100),
        ReasonCount(reason="price_below_market", label="Price below market", orders=1, units=200),
    )
    relax = {kind.kind: kind for kind in report.relax}
    assert [kind.kind for kind in report.relax] == ["max_unit_price", "due_date", "quantity"]
    assert {kind: r.orders for kind, r in relax.items()} == {
        "max_unit_price": 1,
        "due_date": 1,
        "quantity": 1,
    }
    d, c = orders["d"], orders["c"]
    assert relax["max_unit_price"].examples == (
        RelaxExample(order_id=d.pk, title="D", current="12.00", suggested="13.50"),
    )
    assert relax["due_date"].examples == (
        RelaxExample(
            order_id=d.pk, title="D", current=d.due_date.isoformat(), suggested="2030-01-15"
        ),
    )
    assert relax["quantity"].examples == (
        RelaxExample(order_id=c.pk, title="C <big>", current="1000", suggested="600"),
    )
    assert report.unmatched_without_suggestion == 1


def test_the_report_splits_costs_and_shows_the_gap_and_the_shards() -> None:
    run, _orders = _hand_built_run()

    report = match_run_report(run=run)

    costs = report.costs
    assert (costs.production, costs.transport, costs.total) == (
        Decimal("5000.00"),
        Decimal("300.00"),
        Decimal("5300.00"),
    )
    assert costs.production_share == pytest.approx(5000 / 5300)
    assert (report.objective, report.best_bound, report.gap) == (530000.0, 520000.0, 0.018868)
    assert report.solver_status == "FEASIBLE"
    [shard] = report.shards
    assert (shard.index, shard.orders, shard.windows, shard.pairs) == (0, 5, 3, 7)
    assert (shard.matched_orders, shard.status, shard.worker) == (2, "FEASIBLE", "w1@host")
    assert (shard.objective, shard.bound, shard.gap, shard.seconds) == (
        530000.0,
        520000.0,
        0.018868,
        0.25,
    )


def test_the_fill_rate_of_a_category_is_units_matched_over_units_ordered() -> None:
    run, _orders = _hand_built_run()

    report = match_run_report(run=run)

    hoodies, shirts = category("hoodies"), category("t-shirts")
    assert report.fill_by_category == (
        CategoryFill(
            category_id=hoodies.pk,
            name="Hoodies and sweatshirts",
            name_zh="卫衣",
            orders=2,
            matched_orders=1,
            units_ordered=500,
            units_matched=400,
        ),
        CategoryFill(
            category_id=shirts.pk,
            name="T-shirts",
            name_zh="T恤",
            orders=3,
            matched_orders=1,
            units_ordered=1700,
            units_matched=500,
        ),
    )
    assert [fill.fill_rate for fill in report.fill_by_category] == [0.8, pytest.approx(5 / 17)]


def test_an_older_run_is_marked_as_not_the_latest() -> None:
    run, _orders = _hand_built_run()
    make_run()

    assert not match_run_report(run=run).is_latest_run


def test_the_report_takes_the_same_few_queries_for_many_orders(
    django_assert_max_num_queries: object,
) -> None:
    run, _orders = _hand_built_run()
    for n in range(30):
        _unmatched(f"more {n}", 10 + n, "capacity_full", {"quantity": 5})
    MatchRun.objects.filter(pk=run.pk).update(started_at=timezone.now())
    run.refresh_from_db()

    with django_assert_max_num_queries(4):  # type: ignore[operator]
        report = match_run_report(run=run)

    assert report.unmatched_orders == 34  # with F, now posted before the (later) start
    assert len(report.relax[2].examples) == 3


def _monday_in(weeks: int) -> int:
    """Days from today to the Monday ``weeks`` ISO weeks after this one."""
    return 7 * weeks - today().weekday()


def test_utilisation_is_booked_and_offered_over_capacity_per_region_and_iso_week() -> None:
    guangdong = make_factory(province="广东")
    zhejiang = make_factory(province="浙江", city="宁波")
    week1 = _monday_in(1)
    # all of week 1: 700 units, 200 booked and 150 offered
    a = make_window(guangdong, start=week1, end=week1 + 6, units_per_day=100)
    # week 2 (7 days) and 3 days of week 3: 100 units, half booked
    b = make_window(zhejiang, start=week1 + 7, end=week1 + 16, units_per_day=10)
    # all of week 3, fully booked: 70 units
    c = make_window(
        zhejiang, category("hoodies"), start=week1 + 14, end=week1 + 20, units_per_day=10
    )
    CapacityWindow.objects.filter(pk=a.pk).update(booked_units=200, offered_units=150)
    CapacityWindow.objects.filter(pk=b.pk).update(booked_units=50)
    CapacityWindow.objects.filter(pk=c.pk).update(booked_units=70)

    data = utilisation_by_region_and_week(weeks=4, today=today())

    monday = today() - dt.timedelta(days=today().weekday())
    assert data.week_starts == tuple(monday + dt.timedelta(weeks=n) for n in range(4))
    year, week, _ = monday.isocalendar()
    assert data.weeks[0] == f"{year}-W{week:02d}"
    assert data.regions == ("广东", "浙江")
    assert data.values == (
        (None, 0.5, None, None),
        (None, None, 0.5, pytest.approx((15 + 70) / (30 + 70))),
    )


def test_the_report_charts_are_svg_with_the_categories_and_regions() -> None:
    run, _orders = _hand_built_run()
    report = match_run_report(run=run)

    with translation.override("zh-hans"):
        fill = ET.fromstring(fill_rate_chart_svg(report))
    heat = ET.fromstring(utilisation_heatmap_svg(report))

    ns = "{http://www.w3.org/2000/svg}"
    assert [t.text for t in fill.iter(f"{ns}text")][1:5] == ["卫衣", "80%", "T恤", "29.4%"]
    assert heat.attrib["role"] == "img"
    assert "Guangdong" in "".join(heat.itertext())

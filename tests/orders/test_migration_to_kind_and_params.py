"""The migrations that store history lines and notifications as kinds and parameters turn
the texts written before (in English or Chinese) into parameters where they can, keep the
rest as written, and give every existing account the site's language."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import translation

from marketplace.models import Notification, User
from orders.models import OrderEvent

BEFORE = [("marketplace", "0006_superusers_have_the_staff_role"), ("orders", "0006_verbose_names")]

OLD_NOTES = [
    ("create", "已存为草稿。"),
    ("accept", "Wang Textiles accepted 300 units, to finish by 2026-05-01."),
    ("accept_part", "Wang Textiles 已接单 300 件，将于 2026-05-01 前完工。"),
    ("offer", "Match run #7."),
    ("offer_lost", "Wang Textiles declined (price too low): Cotton went up."),
    ("milestone_shipped", "Wang Textiles: shipped with SF, tracking number SF1. Boxed."),
    ("rate", "Wang Textiles rated 4/5."),
    ("edit", "due_date, quantity"),
    ("cancel", "Client changed plans"),
    ("delay_reported", "Something nobody wrote by template"),
]


def _old_notifications(order_id: int) -> list[tuple[str, str, str]]:
    return [
        (
            "offer_accepted",
            f"订单 #{order_id} 已被 Wang Textiles 接单",
            "Wang Textiles 已接单 300 件，将于 2026-05-01 前完工。 可在订单页面跟踪生产进度。",
        ),
        (
            "order_cancelled",
            f"Order #{order_id} was cancelled",
            f"The seller cancelled order #{order_id} (Mugs); its units in your window are free "
            "again. Note: Cancelled instead of accepting the factory's delay (no penalty).",
        ),
        (
            "reminder_shipped_12",
            f"Order #{order_id}: “Shipped” is late",
            "It was due on 2026-05-01. Post the milestone, or report a delay so the seller "
            "can plan.",
        ),
        (
            "new_offers",
            "2 new offer(s) waiting for your answer",
            "Orders #1 (5 units), #2 (6 units).",
        ),
    ]


def _old_rows(apps: Any) -> int:
    user_model = apps.get_model("marketplace", "User")
    seller = user_model.objects.create(username="old-seller", role="seller")
    category = apps.get_model("marketplace", "ProductCategory").objects.create(
        name="Mugs", name_zh="马克杯", slug="old-mugs"
    )
    order = apps.get_model("orders", "Order").objects.create(
        seller=seller,
        title="Mugs",
        category=category,
        quantity=300,
        max_unit_price="12.00",
        due_date=dt.date(2026, 6, 1),
        ship_to_city="Shanghai",
        ship_to_latitude=31.2,
        ship_to_longitude=121.5,
        status="open",
    )
    event_model = apps.get_model("orders", "OrderEvent")
    for action, note in OLD_NOTES:
        event_model.objects.create(
            order=order, action=action, from_status="open", to_status="open", note=note
        )
    for kind, title, message in _old_notifications(order.pk):
        apps.get_model("marketplace", "Notification").objects.create(
            recipient=seller, order=order, kind=kind, title=title, message=message
        )
    return order.pk


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_old_history_notes_and_notifications_are_migrated() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    try:
        order_id = _old_rows(executor.loader.project_state(BEFORE).apps)
    finally:
        _migrate_to_latest()

    params = [event.params for event in OrderEvent.objects.order_by("pk")]
    assert params == [
        {"draft": True},
        {"factory": "Wang Textiles", "quantity": 300, "date": "2026-05-01"},
        {"factory": "Wang Textiles", "quantity": 300, "date": "2026-05-01"},
        {"run": 7},
        {"factory": "Wang Textiles", "reason": "price_too_low", "note": "Cotton went up"},
        {
            "factory": "Wang Textiles",
            "milestone": "shipped",
            "carrier": "SF",
            "number": "SF1",
            "note": "Boxed.",
        },
        {"factory": "Wang Textiles", "quality": 4},
        {"fields": ["due_date", "quantity"]},
        {"note": "Client changed plans"},
        {"text": "Something nobody wrote by template"},
    ]
    with translation.override("en"):
        english = [event.note for event in OrderEvent.objects.order_by("pk")]
    with translation.override("zh-hans"):
        chinese = [event.note for event in OrderEvent.objects.order_by("pk")]
    assert english[:3] == [
        "Saved as a draft.",
        "Wang Textiles accepted 300 units, to finish by 2026-05-01.",
        "Wang Textiles accepted 300 units, to finish by 2026-05-01.",
    ]
    assert chinese[1] == "Wang Textiles 已接单 300 件，将于 2026-05-01 前完工。"
    assert english[4] == "Wang Textiles declined (price too low): Cotton went up."
    assert english[-1] == chinese[-1] == "Something nobody wrote by template"

    notifications = list(Notification.objects.order_by("pk"))
    assert [n.params for n in notifications] == [
        {"order": order_id, "factory": "Wang Textiles", "quantity": 300, "date": "2026-05-01"},
        {"order": order_id, "title": "Mugs", "note": "", "after_delay": True},
        {"order": order_id, "milestone": "shipped", "date": "2026-05-01"},
        {
            "text_title": "2 new offer(s) waiting for your answer",
            "text": "Orders #1 (5 units), #2 (6 units).",
        },
    ]
    with translation.override("en"):
        assert notifications[0].title == f"Order #{order_id} accepted by Wang Textiles"
        assert notifications[1].message.endswith(
            "Note: Cancelled instead of accepting the factory's delay (no penalty)."
        )
        assert notifications[2].title == f"Order #{order_id}: “Shipped” is late"
    with translation.override("zh-hans"):
        assert notifications[0].title == f"订单 #{order_id} 已被 Wang Textiles 接单"
        assert notifications[3].title == "2 new offer(s) waiting for your answer"  # as written
    assert User.objects.get(username="old-seller").language == settings.LANGUAGE_CODE

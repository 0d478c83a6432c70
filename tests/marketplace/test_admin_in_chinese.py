"""The admin speaks Chinese to Chinese-speaking staff: the changelist, the change, history,
delete and add pages of every registered model, and an action's page, show no interface text
in English.

Text a person reads on a page (text nodes, titles, labels of buttons) is split into Latin
words; each must be user data (a value stored in the database: usernames, factory names,
codes, stored notes), a unit or code that Chinese text writes in Latin letters too, or a
name. Anything else is an untranslated label.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import time
from collections.abc import Iterator
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.db import models
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from marketplace.models import Role, User
from matching.counters import counter_create
from matching.models import Assignment, AssignmentStatus, DeclineReason, WhatIfKind
from matching.offers import offer_accept, offer_decline
from matching.whatif import what_if_execute, what_if_request
from orders.models import MilestoneKind, Order
from production.disputes import dispute_answer, dispute_open
from production.models import Dispute, StandbySwitch, StandbyTrigger
from production.services import delay_report, delivery_confirm, milestone_post
from shops.models import Platform, Sale
from shops.services import shop_connection_create, sku_create, sku_replenish, webhook_receive
from shops.signatures import generic_signature
from tests.builders import (
    make_assignment,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
)

pytestmark = pytest.mark.django_db

ZH: dict[str, Any] = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")
# written in Latin letters in Chinese text too: units, codes, names of products and formats
NOT_TRANSLATED = {
    "CNY",  # the currency code
    "km",
    "ID",
    "API",
    "URL",
    "HTML",
    "CSV",
    "XLSX",
    "JSON",
    "LDAP",  # Django's own Chinese texts name these
    "Control",
    "Command",
    "Mac",
    "Shopify",  # a shop platform's name (a choice of ShopConnection.platform)
    "English",  # a language is named in itself (settings.LANGUAGES: User.language, the switcher)
}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
SKIPPED_TAGS = {"script", "style", "template"}
# Django writes these icons' alt texts in English in code (the search icon's "Search", the
# boolean icons' "True", "False", "None"): not translatable from here
DJANGO_ICONS = re.compile(r"/admin/img/(search|icon-yes|icon-no|icon-unknown)\.svg$")
# a password hash is shown masked: "md5 ******" or its first characters and asterisks
MASKED = re.compile(r"\w*\*{3,}")
# fields that store codes (their labels are shown, so the codes are not data)
CODE_FIELDS = {
    "notification.kind",
    "matchrun.solver_status",
    # a what-if's scenario and result: keys and codes (the names in them are other rows' data)
    "whatif.parameters",
    "whatif.result",
}


class VisibleText(HTMLParser):
    """The texts of a page a person reads or hears (not scripts, not hidden values)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIPPED_TAGS:
            self._skipping += 1
        values = dict(attrs)
        if tag == "img" and DJANGO_ICONS.search(values.get("src") or ""):
            values.pop("alt", None)
        self.texts.extend(v for name, v in values.items() if name in VISIBLE_ATTRIBUTES and v)
        if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
            self.texts.append(values["value"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED_TAGS and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping and data.strip():
            self.texts.append(MASKED.sub("", data).strip())


def visible_texts(html: str) -> list[str]:
    parser = VisibleText()
    parser.feed(html)
    return parser.texts


def _stored_values(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict | list):
        yield json.dumps(value, ensure_ascii=False, default=str)


def data_words() -> set[str]:
    """Latin words of everything people entered: user data is shown as it was entered (not
    codes: fields with choices, or whose values the system writes and the admin labels)."""
    words: set[str] = set()
    for model in admin.site._registry:
        text_fields = [
            f.attname
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField | models.JSONField)
            and not f.choices
            and f"{model._meta.model_name}.{f.name}" not in CODE_FIELDS
        ]
        for row in model._default_manager.values_list(*text_fields):
            for value in row:
                for text in _stored_values(value):
                    words |= set(LATIN_WORD.findall(text))
    return words


def english_on(html: str, allowed: set[str]) -> list[str]:
    """The texts of the page that hold a Latin word that is neither data nor a code."""
    return [
        text
        for text in visible_texts(html)
        if any(word not in allowed for word in LATIN_WORD.findall(text))
    ]


@pytest.fixture
def marketplace_in_use(settings: Any, staff_user: User) -> None:
    """A row of every model the admin shows: an order matched, declined, matched again,
    accepted, in production, and late; the notifications these sent; a group and a token."""
    settings.LANGUAGE_CODE = "zh-hans"  # stored notes and notifications, as in production
    owner = make_user(Role.FACTORY_OWNER, username="wang", company_name="Xinhui Garments")
    make_window(make_factory(owner, name="Xinhui Garments"), units_per_day=100)
    make_window(make_factory(name="Ningbo Knitwear"), units_per_day=100)
    order = make_order(make_user(Role.SELLER, username="li"), title="Logo tees", quantity=500)
    make_order(title="Canvas totes", max_unit_price=Decimal("3.00"))  # too cheap: unmatched
    # just below the factories' 10.00: unmatched, and price guidance for their windows
    make_order(title="Knit caps", max_unit_price=Decimal("9.50"), quantity=300)
    run_matching()
    declined = Assignment.objects.get(order=order)
    offer_decline(offer=declined, actor=declined.factory.owner, reason=DeclineReason.NO_CAPACITY)
    run_matching()
    part = offer_accept(offer=Assignment.objects.get(order=order, status="proposed"), actor=None)
    milestone_post(part=part, actor=part.factory.owner, kind=MilestoneKind.MATERIALS_READY)
    delay_report(
        part=part,
        actor=part.factory.owner,
        new_finish=part.planned_finish + dt.timedelta(days=3),
        reason="面料晚到",
    )
    # a standby factory proposed for the late part (production/standby.py)
    standby = make_window(make_factory(name="Shaoxing Textiles"), units_per_day=100)
    StandbySwitch.objects.create(
        part=part,
        trigger=StandbyTrigger.DELAY_PAST_DUE,
        trigger_date=part.planned_finish + dt.timedelta(days=3),
        window=standby,
        factory=standby.factory,
        quantity=part.quantity,
        unit_price=Decimal("10.00"),
        planned_finish=part.planned_finish,
    )
    # a delivered part with a dispute the factory answered
    made = make_assignment(
        make_order(title="Canvas bags", quantity=50),
        make_window(make_factory(name="Hangzhou Bags")),
        status=AssignmentStatus.ACCEPTED,
    )
    for kind in MilestoneKind:
        milestone_post(part=made, actor=None, kind=kind, carrier="顺丰", tracking_number="SF1")
    delivery_confirm(order=made.order, actor=None)
    dispute = dispute_open(order=made.order, actor=None, reason="defects", text="缝线开裂")
    dispute_answer(dispute=dispute, actor=None, answer="我们会返修")
    # a counter-offer waiting for the seller
    countered = make_assignment(
        make_order(title="Tote bags", quantity=200),
        make_window(make_factory(name="Wuxi Bags"), units_per_day=100),
    )
    counter_create(
        offer=countered, actor=countered.factory.owner, unit_price=Decimal("10.80"), note="棉价上涨"
    )
    # a shop whose order arrived by webhook, its SKU about to run out and the order drafted
    shop = shop_connection_create(seller=order.seller, name="天猫店", platform=Platform.GENERIC)
    body = json.dumps({"id": "T1", "line_items": [{"sku": "TEE", "quantity": 90}]}).encode()
    stamp = str(int(time.time()))
    headers = {
        "X-Shop-Timestamp": stamp,
        "X-Shop-Signature": generic_signature(shop.secret, stamp, body),
    }
    webhook_receive(connection=shop, body=body, headers=headers)
    sku = sku_create(
        seller=order.seller,
        code="TEE",
        title="白色T恤",
        category=order.category,
        max_unit_price=Decimal("12.00"),
        ship_to_city="杭州",
        ship_to_latitude=30.27,
        ship_to_longitude=120.15,
        stock_on_hand=100,
    )
    Sale.objects.update(sold_at=timezone.now() - dt.timedelta(days=1))
    sku.stock_counted_at = timezone.now() - dt.timedelta(days=2)
    sku.save()
    assert sku_replenish(sku=sku, today=dt.date.today()) is not None
    Group.objects.create(name="客服")
    Token.objects.create(user=staff_user)
    # a what-if solved, with every table of its result filled
    dropped = what_if_request(
        kind=WhatIfKind.FACTORY_DROP,
        values={"factory": part.factory_id, "date_from": dt.date.today()},
        requested_by=staff_user,
    )
    assert what_if_execute(what_if_id=dropped.pk, task_id="t") is not None


def admin_pages(staff: User) -> Iterator[tuple[str, str]]:
    """(name, url) of the changelist, the change, history and delete pages of the first and
    the last row and the add page of every model."""
    request = RequestFactory().get("/admin/")
    request.user = staff
    for model, model_admin in admin.site._registry.items():
        info, name = (model._meta.app_label, model._meta.model_name), model.__name__
        rows = model._default_manager.order_by("pk")
        first, last = rows.first(), rows.last()
        assert first is not None and last is not None, f"no {name} to show"
        yield f"{name} list", reverse("admin:{}_{}_changelist".format(*info))
        for row in {first, last}:
            yield f"{name} #{row.pk}", reverse("admin:{}_{}_change".format(*info), args=[row.pk])
            history = reverse("admin:{}_{}_history".format(*info), args=[row.pk])
            yield f"{name} #{row.pk} history", history
            if model_admin.has_delete_permission(request, row):
                delete = reverse("admin:{}_{}_delete".format(*info), args=[row.pk])
                yield f"{name} #{row.pk} delete", delete
        if model_admin.has_add_permission(request):
            yield f"{name} add", reverse("admin:{}_{}_add".format(*info))


@pytest.mark.usefixtures("marketplace_in_use")
def test_every_admin_page_of_every_model_is_chinese(staff_client: Client, staff_user: User) -> None:
    allowed = NOT_TRANSLATED | data_words()
    english: dict[str, list[str]] = {}
    pages = [("index", "/admin/"), *admin_pages(staff_user)]

    for name, url in pages:
        response = staff_client.get(url, **ZH)
        assert response.status_code == 200, (name, url, response.status_code)
        if "cl" in (response.context or {}):
            assert response.context["cl"].result_count > 0, f"{name}: no row listed"
        found = english_on(response.content.decode(), allowed)
        if found:
            english[name] = found

    assert len(pages) > 25
    assert english == {}


@pytest.mark.usefixtures("marketplace_in_use")
def test_the_post_milestone_action_page_is_chinese(staff_client: Client) -> None:
    part = Assignment.objects.get(status="accepted", delivered_on__isnull=True)
    action = {"action": "post_next_milestone", "_selected_action": [part.pk]}

    response = staff_client.post("/admin/matching/assignment/", action, **ZH)

    assert response.status_code == 200
    assert english_on(response.content.decode(), NOT_TRANSLATED | data_words()) == []
    texts = visible_texts(response.content.decode())
    assert "提交下一个生产节点 | 平台管理后台" in texts  # the page's title
    assert "物流单号:" in texts


@pytest.mark.usefixtures("marketplace_in_use")
def test_the_resolve_dispute_action_page_is_chinese(staff_client: Client) -> None:
    dispute = Dispute.objects.get()
    action = {"action": "resolve", "_selected_action": [dispute.pk]}

    response = staff_client.post("/admin/production/dispute/", action, **ZH)

    assert response.status_code == 200
    assert english_on(response.content.decode(), NOT_TRANSLATED | data_words()) == []
    texts = visible_texts(response.content.decode())
    assert "裁定争议 | 平台管理后台" in texts
    assert "退款比例（%）:" in texts


@pytest.mark.usefixtures("marketplace_in_use")
def test_the_order_history_names_each_action_in_chinese(staff_client: Client) -> None:
    order = Order.objects.get(title="Logo tees")

    response = staff_client.get(f"/admin/orders/order/{order.pk}/change/", **ZH)

    texts = visible_texts(response.content.decode())
    for label in ("已创建", "已派单给工厂", "重新等待匹配", "工厂已接单"):
        assert label in texts
    assert not {"create", "offer", "reopen", "accept"} & set(texts)


@pytest.mark.usefixtures("marketplace_in_use")
def test_what_to_relax_and_the_unmatched_reason_are_chinese(staff_client: Client) -> None:
    order = Order.objects.get(title="Canvas totes")

    response = staff_client.get(f"/admin/orders/order/{order.pk}/change/", **ZH)

    texts = visible_texts(response.content.decode())
    assert "价格低于市场价" in texts
    assert [t for t in texts if t.startswith("若改为最高单价")] != []


def test_the_check_finds_english_labels_and_passes_data() -> None:
    html = (
        '<h1>选择 order 来修改</h1><a href="/x" title="Edit">Xinhui Garments</a>'
        "<script>var label = 'Save';</script><td>500 CNY</td>"
    )

    assert english_on(html, NOT_TRANSLATED | {"Xinhui", "Garments"}) == [
        "选择 order 来修改",
        "Edit",
    ]

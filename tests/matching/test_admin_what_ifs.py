"""The what-if admin: the list, the add form (checked like the API), the result page with
the difference, who may see it, and a what-if run by a real worker that writes nothing live."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django.utils import translation
from django.utils.html import escape
from kombu.exceptions import OperationalError as BrokerError
from pytest_django import DjangoCaptureOnCommitCallbacks

from marketplace.models import Role, User
from matching.models import WhatIf, WhatIfKind, WhatIfStatus
from matching.tasks import what_if_execute_task
from matching.whatif import what_if_execute, what_if_request
from orders.models import UnmatchedReason
from tests.admin_pages import listed, messages_of, pks, readonly_values
from tests.builders import (
    category,
    days,
    make_factory,
    make_order,
    make_user,
    make_window,
    run_matching,
)
from tests.matching.live_state import live_state
from tests.worker import celery_worker, wait_for

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as TestResponse

WHAT_IFS = "/admin/matching/whatif/"
ADD = "/admin/matching/whatif/add/"


def _queued(**values: object) -> WhatIf:
    kind = str(values.pop("kind", WhatIfKind.PRICE_CHANGE))
    return what_if_request(kind=kind, values=values, requested_by=None)


def _error_shown(response: TestResponse, field: str, text: str) -> None:
    """The form came back (nothing queued) with ``text`` on ``field``, on the page."""
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [text]
    assert escape(text) in response.content.decode()


# --- who may ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SELLER, Role.FACTORY_OWNER])
def test_other_roles_are_sent_to_the_admin_login(client: Client, role: str) -> None:
    what_if = _queued(category=category().pk, percent=5)
    client.force_login(make_user(role))

    for url in (WHAT_IFS, ADD, f"{WHAT_IFS}{what_if.pk}/change/"):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
    response = client.post(ADD, {"kind": "price_change", "category": category().pk, "percent": 5})
    assert response.status_code == 302
    assert WhatIf.objects.count() == 1


@pytest.mark.django_db
def test_staff_without_the_permission_get_403(client: Client) -> None:
    what_if = _queued(category=category().pk, percent=5)
    client.force_login(make_user(Role.STAFF, is_staff=True))

    assert client.get(WHAT_IFS).status_code == 403
    assert client.get(ADD).status_code == 403
    assert client.get(f"{WHAT_IFS}{what_if.pk}/change/").status_code == 403
    assert client.post(ADD, {"kind": "price_change", "percent": 5}).status_code == 403
    assert WhatIf.objects.count() == 1


# --- list, add, result ----------------------------------------------------------------------


@pytest.mark.django_db
def test_the_list_shows_what_ifs_in_words_and_filters_by_status(
    staff_client: Client,
) -> None:
    factory = make_factory(name="Xinhui Garments")
    dropping = _queued(kind=WhatIfKind.FACTORY_DROP, factory=factory.pk, date_from=days(3))
    pricing = _queued(category=category().pk, percent=-10)
    WhatIf.objects.filter(pk=pricing.pk).update(status=WhatIfStatus.FAILED)

    response = staff_client.get(WHAT_IFS)

    assert listed(response) == pks(dropping, pricing)
    page = response.content.decode()
    assert f"Xinhui Garments (#{factory.pk}) drops out from {days(3).isoformat()}" in page
    assert "Unit prices for" in page and "change by -10%" in page
    assert ADD in page  # the add button
    assert listed(staff_client.get(WHAT_IFS, {"status__exact": "failed"})) == pks(pricing)


@pytest.mark.django_db
def test_the_add_form_queues_a_what_if_and_shows_its_page(
    staff_client: Client,
    staff_user: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    factory = make_factory()
    make_window(factory)
    form = staff_client.get(ADD)
    assert form.status_code == 200
    assert "Try a what-if" in form.content.decode()

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_client.post(
            ADD,
            {
                "kind": "new_capacity",
                "factory": factory.pk,
                "category": category().pk,
                "units_per_day": 50,
                "date_from": days(1).isoformat(),
                "date_to": days(10).isoformat(),
            },
            follow=True,
        )

    what_if = WhatIf.objects.get()
    assert response.redirect_chain == [(f"{WHAT_IFS}{what_if.pk}/change/", 302)]
    assert messages_of(response) == [
        f"What-if #{what_if.pk} queued; its result shows here once solved."
    ]
    assert len(callbacks) == 1
    assert (what_if.status, what_if.requested_by) == (WhatIfStatus.QUEUED, staff_user)
    assert what_if.parameters == {
        "factory": factory.pk,
        "category": category().pk,
        "units_per_day": 50,
        "date_from": days(1).isoformat(),
        "date_to": days(10).isoformat(),
    }


@pytest.mark.django_db
def test_the_add_form_shows_the_services_errors_on_its_fields(staff_client: Client) -> None:
    response = staff_client.post(
        ADD, {"kind": "factory_drop", "province": "Atlantis", "date_from": days(1).isoformat()}
    )
    _error_shown(response, "province", "No factory is in this province.")

    response = staff_client.post(
        ADD,
        {
            "kind": "demand_up",
            "category": category().pk,
            "percent": 10,
            "date_from": days(9).isoformat(),
            "date_to": days(1).isoformat(),
        },
    )
    _error_shown(response, "date_to", "The last day is before the first day.")

    response = staff_client.post(ADD, {"kind": "factory_drop", "date_from": "31/31/2026"})
    assert response.status_code == 200
    assert response.context["form"].errors["date_from"]
    assert not WhatIf.objects.exists()


@pytest.mark.django_db
def test_the_result_page_shows_the_difference(staff_client: Client) -> None:
    near = make_factory(name="Near")
    far = make_factory(name="Far")
    make_window(near)
    make_window(far)
    far.capabilities.update(unit_price=Decimal("11.00"))
    moving = make_order(title="Logo tees", quantity=400)
    stuck = make_order(title="Cheap caps", quantity=300, max_unit_price=Decimal("10.50"))
    run_matching()
    what_if = _queued(kind=WhatIfKind.FACTORY_DROP, factory=near.pk, date_from=days(0))
    done = what_if_execute(what_if_id=what_if.pk, task_id="t")
    assert done is not None and done.status == WhatIfStatus.SUCCEEDED

    shown = readonly_values(staff_client.get(f"{WHAT_IFS}{what_if.pk}/change/"))

    assert shown["status"] == "Succeeded"
    assert f"Near (#{near.pk}) drops out from" in shown["scenario"]
    assert "Logo tees" in shown["losing_table"] and f"Far (#{far.pk})" in shown["losing_table"]
    assert "Cheap caps" in shown["losing_table"]
    assert "Cheap caps" in shown["unmatched_table"]
    assert str(UnmatchedReason.PRICE_BELOW_MARKET.label) in shown["unmatched_table"]
    assert "Logo tees" in shown["moved_table"]
    totals = shown["totals_table"]
    assert "orders matched" in totals and "-1" in totals
    # 400 units a CNY dearer at the far factory, 300 units at 10 CNY no longer made
    assert done.result["change"]["production_cost_fen"] == 400 * 100 - 300 * 1000
    assert "<td>-2,600.00</td>" in totals
    assert shown["newly_matched_list"] == "-"
    assert stuck.pk in {row["order"] for row in done.result["new_unmatched"]}
    assert moving.pk in {row["order"] for row in done.result["moved_offers"]}


@pytest.mark.django_db
def test_the_result_page_is_in_chinese_for_a_chinese_reader(staff_client: Client) -> None:
    make_window(make_factory())
    make_order(quantity=300)
    what_if = _queued(category=category().pk, percent=20)
    what_if_execute(what_if_id=what_if.pk, task_id="t")

    # the request activates Chinese in this thread: put the language back afterwards
    with translation.override(translation.get_language()):
        page = staff_client.get(
            f"{WHAT_IFS}{what_if.pk}/change/", HTTP_ACCEPT_LANGUAGE="zh-hans"
        ).content.decode()

    assert "当前计划" in page and "成本与利用率" in page


# --- run by a real worker -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_what_if_asked_in_the_admin_is_solved_by_the_worker_and_writes_nothing(
    client: Client,
) -> None:
    factory = make_factory(name="Only", province="Fujian")
    make_window(factory)
    order = make_order(title="Sports socks", quantity=500)
    run_matching()
    client.force_login(make_user(Role.STAFF, is_superuser=True))
    before = live_state()

    with celery_worker():
        response = client.post(
            ADD,
            {"kind": "factory_drop", "province": "Fujian", "date_from": days(0).isoformat()},
        )
        assert response.status_code == 302
        what_if = WhatIf.objects.get()
        done = wait_for(
            lambda: WhatIf.objects.filter(
                pk=what_if.pk, status__in=(WhatIfStatus.SUCCEEDED, WhatIfStatus.FAILED)
            ).first(),
            timeout=60,
        )

    assert done.status == WhatIfStatus.SUCCEEDED, done.error
    assert live_state() == before
    assert done.result["new_unmatched"] == [{"order": order.pk, "reason": "no_capable_factory"}]
    shown = readonly_values(client.get(f"{WHAT_IFS}{what_if.pk}/change/"))
    assert "Sports socks" in shown["unmatched_table"]
    assert "Every factory in Fujian drops out from" in shown["scenario"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_the_add_form_warns_when_the_task_cannot_reach_the_broker(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(make_user(Role.STAFF, is_superuser=True))

    def broker_down(*args: object, **kwargs: object) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(what_if_execute_task, "apply_async", broker_down)

    response = client.post(
        ADD, {"kind": "price_change", "category": category().pk, "percent": 5}, follow=True
    )

    assert response.redirect_chain == [(WHAT_IFS, 302)]
    assert WhatIf.objects.get().status == WhatIfStatus.QUEUED  # the sweep sends it again
    (message,) = messages_of(response)
    assert "could not be sent to the Celery worker" in message
    assert "Celery beat sends it again" in message

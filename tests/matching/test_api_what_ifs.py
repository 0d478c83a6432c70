"""POST/GET /api/what-ifs/: staff only, every field checked (400 with the field's message,
never a 500), and a what-if run by a real worker that leaves the live rows as they were."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation
from kombu.exceptions import OperationalError as BrokerError
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from marketplace.models import ProductCategory, Role
from matching.models import WhatIf, WhatIfKind, WhatIfStatus
from matching.tasks import what_if_execute_task
from tests.builders import category, days, make_factory, make_order, make_user, make_window
from tests.conftest import client_for
from tests.matching.live_state import live_state
from tests.worker import celery_worker, wait_for

URL = "/api/what-ifs/"


def _drop(factory_id: int, **extra: Any) -> dict[str, Any]:
    return {"kind": "factory_drop", "factory": factory_id, "date_from": str(days(3))} | extra


# --- who may ------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SELLER, Role.FACTORY_OWNER])
def test_other_roles_get_403_and_nothing_is_queued(role: str) -> None:
    client = client_for(make_user(role))
    factory = make_factory()
    what_if = WhatIf.objects.create(kind=WhatIfKind.PRICE_CHANGE, parameters={"percent": 5})

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{what_if.pk}/").status_code == 403
    assert client.post(URL, _drop(factory.pk), format="json").status_code == 403
    assert WhatIf.objects.count() == 1


@pytest.mark.django_db
def test_anonymous_requests_are_refused(api: APIClient) -> None:
    assert api.get(URL).status_code in (401, 403)
    assert api.post(URL, _drop(1), format="json").status_code in (401, 403)


@pytest.mark.django_db
def test_staff_queue_a_what_if_and_read_it_back(
    staff_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    factory = make_factory()

    with django_capture_on_commit_callbacks() as callbacks:
        response = staff_api.post(URL, _drop(factory.pk, category=123), format="json")

    assert response.status_code == 202, response.content
    body = response.json()
    assert body["status"] == "queued" and body["kind"] == "factory_drop"
    # only the scenario's own fields are kept
    assert body["parameters"] == {"factory": factory.pk, "date_from": str(days(3))}
    assert len(callbacks) == 1  # the task is sent once the request commits
    assert staff_api.get(f"{URL}{body['id']}/").json()["id"] == body["id"]
    listed = staff_api.get(URL, {"status": "queued"}).json()["results"]
    assert [row["id"] for row in listed] == [body["id"]]


# --- every field checked ------------------------------------------------------------------


def _refused(client: APIClient, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(URL, body, format="json")
    assert response.status_code == 400, response.content
    return response.json()


@pytest.mark.django_db
def test_unknown_factory_category_and_province_are_400_on_their_field(
    staff_api: APIClient,
) -> None:
    factory = make_factory(province="Guangdong")
    leaf = category()
    group = ProductCategory.objects.filter(children__isnull=False).first()
    assert group is not None

    assert _refused(staff_api, _drop(10**12)) == {"factory": ["No factory has this id."]}
    assert "factory" in _refused(staff_api, _drop(2**64))  # beyond the ids: 400, not 500
    assert _refused(
        staff_api, {"kind": "factory_drop", "province": "Atlantis", "date_from": str(days(1))}
    ) == {"province": ["No factory is in this province."]}
    assert _refused(staff_api, _drop(factory.pk, province="Guangdong")) == {
        "factory": ["Name either a factory or a province."]
    }
    demand = {"kind": "demand_up", "percent": 10, "date_from": str(days(1))}
    demand["date_to"] = str(days(20))
    assert _refused(staff_api, demand | {"category": 10**12}) == {
        "category": ["No category has this id."]
    }
    assert _refused(staff_api, demand | {"category": group.pk}) == {
        "category": ["Choose a category without subcategories."]
    }
    capacity = {
        "kind": "new_capacity",
        "factory": factory.pk,
        "category": leaf.pk,
        "units_per_day": 100,
        "date_from": str(days(1)),
        "date_to": str(days(10)),
    }
    assert _refused(staff_api, capacity) == {
        "category": ["The factory does not make this category."]
    }
    assert _refused(staff_api, {"kind": "price_change", "percent": 5}) == {
        "factory": ["Name a factory, a category or both."]
    }
    assert "kind" in _refused(staff_api, {"kind": "meteor"})
    assert not WhatIf.objects.exists()


@pytest.mark.django_db
def test_bad_dates_and_numbers_are_400_on_their_field(staff_api: APIClient) -> None:
    factory = make_factory()
    make_window(factory)
    demand = {"kind": "demand_up", "category": category().pk, "percent": 10}

    assert "date_from" in _refused(staff_api, _drop(factory.pk, date_from="2026-02-30"))
    assert "date_from" in _refused(staff_api, _drop(factory.pk, date_from="tomorrow"))
    assert _refused(staff_api, _drop(factory.pk, date_from="9999-12-31")) == {
        "date_from": ["Give a date from 2000-01-01 to 2100-12-31."]
    }
    assert _refused(staff_api, demand | {"date_from": str(days(10)), "date_to": str(days(1))}) == {
        "date_to": ["The last day is before the first day."]
    }
    assert _refused(staff_api, demand | {"date_from": str(days(1))}) == {
        "date_to": ["This scenario needs this field."]
    }
    assert _refused(
        staff_api,
        demand | {"percent": 0, "date_from": str(days(1)), "date_to": str(days(9))},
    ) == {"percent": ["Give a percentage from 1 to 1000, other than 0."]}
    assert "percent" in _refused(staff_api, demand | {"percent": "ten"})
    capacity = {
        "kind": "new_capacity",
        "factory": factory.pk,
        "category": category().pk,
        "units_per_day": 100,
        "date_from": str(days(1)),
        "date_to": str(days(400)),
    }
    assert _refused(staff_api, capacity) == {"date_to": ["New capacity may span at most 366 days."]}
    assert "units_per_day" in _refused(staff_api, capacity | {"units_per_day": 0})
    assert not WhatIf.objects.exists()


@pytest.mark.django_db
def test_messages_are_in_chinese_for_a_chinese_reader(staff_api: APIClient) -> None:
    # the request activates Chinese in this thread: put the language back afterwards
    with translation.override(translation.get_language()):
        response = staff_api.post(URL, _drop(10**12), format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")

    assert response.status_code == 400
    assert response.json() == {"factory": ["没有这个编号的工厂。"]}


# --- run by a real worker: the live rows stay as they were ------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_what_if_run_by_the_worker_shows_the_difference_and_writes_nothing() -> None:
    from tests.builders import run_matching

    near = make_factory(name="Near")
    far = make_factory(name="Far")
    make_window(near, units_per_day=100)
    make_window(far, units_per_day=100)
    far.capabilities.update(unit_price="11.00")
    order = make_order(title="Logo tees", quantity=400)
    run_matching()
    assert order.assignments.get().factory == near
    staff = client_for(make_user(Role.STAFF))
    before = live_state()

    with celery_worker():
        response = staff.post(
            URL, {"kind": "factory_drop", "factory": near.pk, "date_from": str(days(0))}
        )
        assert response.status_code == 202, response.content
        what_if_id = response.json()["id"]
        done = wait_for(
            lambda: WhatIf.objects.filter(
                pk=what_if_id, status__in=(WhatIfStatus.SUCCEEDED, WhatIfStatus.FAILED)
            ).first(),
            timeout=60,
        )

    assert done.status == WhatIfStatus.SUCCEEDED, done.error
    assert live_state() == before
    result = staff.get(f"{URL}{what_if_id}/").json()["result"]
    assert result["orders_losing_factory"] == [
        {"order": order.pk, "from": [near.pk], "to": [far.pk], "reason": ""}
    ]
    assert [row["order"] for row in result["moved_offers"]] == [order.pk]
    assert result["change"]["production_cost_fen"] == 400 * 100
    assert result["order_titles"] == {str(order.pk): "Logo tees"}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_it_answers_503_and_keeps_the_what_if_queued_when_redis_is_unreachable(
    staff_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(what_if_execute_task, "apply_async", broker_down)

    response = staff_api.post(
        URL, {"kind": "price_change", "category": category().pk, "percent": 5}, format="json"
    )

    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]
    assert WhatIf.objects.get().status == WhatIfStatus.QUEUED  # the sweep sends it again

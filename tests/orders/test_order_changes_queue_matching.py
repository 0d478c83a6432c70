"""With MATCHING_AUTO_RUN_ON_CHANGE on, order changes queue one event-triggered match run."""

from __future__ import annotations

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks, Settings
from rest_framework.test import APIClient

from marketplace.models import User
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from tests.builders import SHANGHAI, category, days, make_assignment, make_order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def auto_run(settings: Settings) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = True


def post_order(client: APIClient, *, draft: bool = False) -> int:
    response = client.post(
        "/api/orders/",
        {
            "title": "Tees",
            "category": category("t-shirts").pk,
            "quantity": 100,
            "max_unit_price": "12.00",
            "due_date": days(20).isoformat(),
            "ship_to_city": "Shanghai",
            "ship_to_latitude": SHANGHAI[0],
            "ship_to_longitude": SHANGHAI[1],
            "draft": draft,
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    return response.json()["id"]


def test_posting_an_open_order_queues_a_run(
    seller_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_order(seller_api)

    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.QUEUED
    assert run.trigger == MatchRunTrigger.EVENT
    assert run.requested_by is None
    assert len(callbacks) == 1


def test_a_second_change_reuses_the_queued_run(
    seller_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        order_id = post_order(seller_api)
        first = MatchRun.objects.get()
        response = seller_api.patch(f"/api/orders/{order_id}/", {"quantity": 200}, format="json")
        assert response.status_code == 200

    assert list(MatchRun.objects.values_list("pk", flat=True)) == [first.pk]
    assert len(callbacks) == 1


def test_posting_a_draft_queues_nothing(
    seller_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_order(seller_api, draft=True)

    assert not MatchRun.objects.exists()
    assert callbacks == []


def test_editing_a_draft_queues_nothing_but_opening_it_does(
    seller_api: APIClient,
    seller: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    order = make_order(seller, draft=True)

    seller_api.patch(f"/api/orders/{order.pk}/", {"quantity": 200}, format="json")
    assert not MatchRun.objects.exists()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = seller_api.post(f"/api/orders/{order.pk}/open/")

    assert response.status_code == 200
    assert MatchRun.objects.get().trigger == MatchRunTrigger.EVENT
    assert len(callbacks) == 1


def test_nothing_is_queued_when_the_setting_is_off(
    settings: Settings,
    seller_api: APIClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    settings.MATCHING_AUTO_RUN_ON_CHANGE = False

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        post_order(seller_api)

    assert not MatchRun.objects.exists()
    assert callbacks == []


def test_a_refused_order_queues_nothing(
    seller_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = seller_api.post(
            "/api/orders/",
            {
                "title": "Tees",
                "category": category("apparel").pk,
                "quantity": 100,
                "max_unit_price": "12.00",
                "due_date": days(20).isoformat(),
                "ship_to_city": "Shanghai",
                "ship_to_latitude": SHANGHAI[0],
                "ship_to_longitude": SHANGHAI[1],
            },
            format="json",
        )

    assert response.status_code == 400
    assert not MatchRun.objects.exists()
    assert callbacks == []


def test_cancelling_an_offered_order_queues_a_run_for_the_freed_capacity(
    seller: User,
    seller_api: APIClient,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    order = make_assignment(make_order(seller)).order
    MatchRun.objects.filter(status=MatchRunStatus.QUEUED).delete()  # the window queued one

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = seller_api.post(f"/api/orders/{order.pk}/cancel/")

    assert response.status_code == 200
    assert MatchRun.objects.filter(status=MatchRunStatus.QUEUED, trigger="event").count() == 1
    # the run's task (the factory owner has no email address, so no email task)
    assert len(callbacks) == 1

"""/api/match-runs/: staff queue a match run and read the runs' statistics."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from pytest_django import DjangoCaptureOnCommitCallbacks
from rest_framework.test import APIClient

from marketplace.models import Role, User
from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from matching.tasks import match_run_execute_task
from tests.builders import make_factory, make_order, make_run, make_user, make_window, run_matching
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

URL = "/api/match-runs/"
STATS_FIELDS = {
    "open_orders",
    "candidate_pairs",
    "matched_orders",
    "matched_units",
    "production_cost",
    "transport_cost",
    "objective",
    "best_bound",
    "gap",
    "solver_status",
    "load_seconds",
    "build_seconds",
    "solve_seconds",
    "write_seconds",
    "duration_seconds",
    "error",
}


def test_staff_queue_a_run(
    staff_api: APIClient,
    staff: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(match_run_execute_task, "apply_async", lambda **kw: sent.append(kw))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_api.post(URL)

    assert response.status_code == 201, response.content
    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.QUEUED
    assert run.trigger == MatchRunTrigger.MANUAL
    assert run.requested_by == staff
    body = response.json()
    assert body["id"] == run.pk
    assert body["status"] == "queued"
    assert body["requested_by"] == staff.username
    # the task is sent only once the request's transaction commits
    assert len(callbacks) == 1
    assert sent == []
    callbacks[0]()
    assert sent == [{"args": (run.pk,), "countdown": 0}]


def test_a_second_request_returns_the_queued_run(
    staff_api: APIClient, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first = staff_api.post(URL)
        second = staff_api.post(URL)

    assert first.status_code == 201
    assert second.status_code == 200
    assert second.json()["id"] == first.json()["id"]
    assert MatchRun.objects.count() == 1
    assert len(callbacks) == 1


def test_a_request_while_a_run_executes_queues_a_new_one(staff_api: APIClient) -> None:
    running = make_run(status=MatchRunStatus.RUNNING)

    response = staff_api.post(URL)

    assert response.status_code == 201
    assert response.json()["id"] != running.pk
    assert MatchRun.objects.filter(status=MatchRunStatus.QUEUED).count() == 1


@pytest.mark.parametrize("role", [Role.SELLER, Role.FACTORY_OWNER])
def test_only_staff_may_use_match_runs(role: str) -> None:
    client = client_for(make_user(role))
    run = make_run()

    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}{run.pk}/").status_code == 403
    assert client.post(URL).status_code == 403
    assert MatchRun.objects.count() == 1


def test_it_needs_authentication(api: APIClient) -> None:
    assert api.get(URL).status_code == 401
    assert api.post(URL).status_code == 401
    assert not MatchRun.objects.exists()


def test_staff_list_runs_with_their_statistics(staff_api: APIClient) -> None:
    older = make_run(matched_orders=3, solver_status="OPTIMAL")
    newer = make_run(status=MatchRunStatus.FAILED, error="boom")

    response = staff_api.get(URL)

    assert response.status_code == 200
    rows = response.json()["results"]
    assert [row["id"] for row in rows] == [newer.pk, older.pk]
    assert STATS_FIELDS <= set(rows[0])
    assert rows[0]["error"] == "boom"
    assert rows[1]["matched_orders"] == 3


def test_staff_filter_runs_by_status_and_trigger(staff_api: APIClient) -> None:
    failed = make_run(status=MatchRunStatus.FAILED)
    scheduled = make_run(trigger=MatchRunTrigger.SCHEDULE)

    def ids(**params: str) -> list[int]:
        return [row["id"] for row in staff_api.get(URL, params).json()["results"]]

    assert ids(status="failed") == [failed.pk]
    assert ids(trigger="schedule") == [scheduled.pk]


def test_staff_read_an_executed_run(staff_api: APIClient) -> None:
    make_window(make_factory(verified=True), start=1, end=20, units_per_day=100)
    make_order(quantity=500)
    make_order(quantity=100, max_unit_price=Decimal("1.00"))
    run = run_matching()

    response = staff_api.get(f"{URL}{run.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "succeeded"
    assert body["open_orders"] == 2
    assert body["matched_orders"] == 1
    assert body["matched_units"] == 500
    assert body["production_cost"] == "5000.00"
    assert body["solver_status"] == "OPTIMAL"
    assert body["attempts"] == 1
    assert body["duration_seconds"] is not None
    assert body["duration_seconds"] >= 0


def test_runs_cannot_be_edited_or_deleted(staff_api: APIClient) -> None:
    run = make_run()

    assert staff_api.patch(f"{URL}{run.pk}/", {"status": "failed"}).status_code == 405
    assert staff_api.delete(f"{URL}{run.pk}/").status_code == 405
    run.refresh_from_db()
    assert run.status == MatchRunStatus.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_it_answers_503_and_keeps_the_run_queued_when_redis_is_unreachable(
    staff_api: APIClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from kombu.exceptions import OperationalError as BrokerError

    def broker_down(*args: Any, **kwargs: Any) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(match_run_execute_task, "apply_async", broker_down)

    response = staff_api.post(URL)

    assert response.status_code == 503
    assert "unreachable" in response.json()["detail"]
    assert MatchRun.objects.get().status == MatchRunStatus.QUEUED

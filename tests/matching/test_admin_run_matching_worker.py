"""The admin's "Run matching now" outside a test transaction, as a deployment runs it.

These tests commit: the admin's run-now view sends the Celery task on commit, which only
happens outside the test's rollback transaction. The first test has a real Celery worker
(tests/worker.py) on the real Redis broker and the test database.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from kombu.exceptions import OperationalError as BrokerError

from demo.data import STAFF_USERNAME
from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.tasks import match_run_execute_task
from orders.models import Order, OrderStatus
from tests.admin_pages import messages_of, readonly_values
from tests.builders import make_user
from tests.worker import celery_worker, wait_for

RUNS = "/admin/matching/matchrun/"
RUN_NOW = "/admin/matching/matchrun/run-now/"
ASSIGNMENTS = "/admin/matching/assignment/"


def finished(run_id: int) -> MatchRun | None:
    return MatchRun.objects.filter(
        pk=run_id, status__in=(MatchRunStatus.SUCCEEDED, MatchRunStatus.FAILED)
    ).first()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_run_matching_now_produces_a_succeeded_run_with_offers(client: Client) -> None:
    call_command("seed_demo", verbosity=0)
    staff = User.objects.get(username=STAFF_USERNAME)
    open_orders = Order.objects.filter(status=OrderStatus.OPEN).count()
    client.force_login(staff)

    with celery_worker():
        pressed = client.post(RUN_NOW, follow=True)
        run = MatchRun.objects.latest("pk")  # after the demo's past jobs' run
        done = wait_for(lambda: finished(run.pk), timeout=30)
        assert done is not None

    assert pressed.redirect_chain == [(RUNS, 302)]
    assert messages_of(pressed) == [f"Match run #{run.pk} queued"]
    assert done.status == MatchRunStatus.SUCCEEDED, done.error
    assert (done.trigger, done.requested_by) == (MatchRunTrigger.ADMIN, staff)

    offers = client.get(ASSIGNMENTS, {"run__id__exact": run.pk})
    changelist: Any = offers.context["cl"]
    parts = Assignment.objects.filter(run=run)
    assert changelist.result_count == parts.count() > 0
    assert parts.values("order").distinct().count() == done.matched_orders
    assert {a.status for a in changelist.result_list} == {AssignmentStatus.PROPOSED}
    assert {a.pk for a in changelist.result_list} <= set(
        Assignment.objects.filter(run=run).values_list("pk", flat=True)
    )

    shown = readonly_values(client.get(f"{RUNS}{run.pk}/change/"))
    assert shown["status"] == "Succeeded"
    assert int(shown["open_orders"]) == open_orders
    assert int(shown["matched_orders"]) == done.matched_orders > 0
    assert shown["solver_status"] == done.get_solver_status_display()
    assert done.solver_status in ("OPTIMAL", "FEASIBLE")
    assert f">{parts.count()} assignments<" in shown["assignment_list"]


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_run_matching_now_warns_when_the_task_cannot_reach_the_broker(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.force_login(make_user(Role.STAFF, is_superuser=True))

    def broker_down(*args: object, **kwargs: object) -> None:
        raise BrokerError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(match_run_execute_task, "apply_async", broker_down)

    response = client.post(RUN_NOW, follow=True)

    run = MatchRun.objects.get()
    assert run.status == MatchRunStatus.QUEUED  # the sweeper sends it once Redis is back
    (message,) = messages_of(response)
    assert "could not be sent to the Celery worker" in message

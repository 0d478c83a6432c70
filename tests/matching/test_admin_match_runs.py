"""The admin for match runs and assignments: read-only records, and "Run matching now"."""

from __future__ import annotations

import pytest
from django.test import Client
from pytest_django import DjangoCaptureOnCommitCallbacks

from marketplace.models import Role, User
from matching.models import Assignment, AssignmentStatus, MatchRun, MatchRunStatus, MatchRunTrigger
from tests.admin_pages import listed, messages_of, pks, readonly_values
from tests.builders import (
    make_assignment,
    make_factory,
    make_order,
    make_run,
    make_user,
    make_window,
    run_matching,
)

pytestmark = pytest.mark.django_db

RUNS = "/admin/matching/matchrun/"
RUN_NOW = "/admin/matching/matchrun/run-now/"
ASSIGNMENTS = "/admin/matching/assignment/"


@pytest.fixture
def matched() -> Assignment:
    """One offer written by a real match run (the solver, without Celery)."""
    window = make_window(make_factory(name="Xinhui Garments"), units_per_day=100)
    make_order(title="Logo tees", quantity=500)
    run = run_matching()
    assert run.matched_orders == 1
    assignment = Assignment.objects.get()
    assert assignment.window == window
    return assignment


# --- Match runs: list, filters, change page ----------------------------------------------


def test_the_run_list_shows_runs_with_their_results(
    staff_client: Client, matched: Assignment
) -> None:
    failed = make_run(status=MatchRunStatus.FAILED, error="boom")

    response = staff_client.get(RUNS)

    assert listed(response) == pks(matched.run, failed)
    assert b"Run matching now" in response.content
    assert RUN_NOW.encode() in response.content


def test_the_run_list_searches_by_number_user_and_error(
    staff_client: Client, staff_user: User, matched: Assignment
) -> None:
    asked = make_run(requested_by=staff_user)
    failed = make_run(status=MatchRunStatus.FAILED, error="Broker unreachable")

    assert listed(staff_client.get(RUNS, {"q": str(asked.pk)})) == pks(asked)
    assert listed(staff_client.get(RUNS, {"q": staff_user.username})) == pks(asked)
    assert listed(staff_client.get(RUNS, {"q": "broker"})) == pks(failed)
    assert listed(staff_client.get(RUNS, {"q": "no such run"})) == set()


def test_the_run_list_filters_by_status_and_trigger(
    staff_client: Client, matched: Assignment
) -> None:
    failed = make_run(status=MatchRunStatus.FAILED, trigger=MatchRunTrigger.SCHEDULE)

    assert listed(staff_client.get(RUNS, {"status__exact": "failed"})) == pks(failed)
    assert listed(staff_client.get(RUNS, {"status__exact": "succeeded"})) == pks(matched.run)
    assert listed(staff_client.get(RUNS, {"trigger__exact": "schedule"})) == pks(failed)


def test_the_run_change_page_shows_the_results_and_the_offers(
    staff_client: Client, matched: Assignment
) -> None:
    run = matched.run

    response = staff_client.get(f"{RUNS}{run.pk}/change/")

    shown = readonly_values(response)
    assert shown["status"] == "Succeeded"
    assert (shown["open_orders"], shown["matched_orders"], shown["matched_units"]) == (
        "1",
        "1",
        "500",
    )
    assert run.solver_status == "OPTIMAL"
    assert shown["solver_status"] == "Optimal"
    assert f"?run__id__exact={run.pk}" in shown["assignment_list"]
    assert ">1 assignment<" in shown["assignment_list"]
    (inline,) = response.context["inline_admin_formsets"]
    assert [form.instance.pk for form in inline.formset.forms] == [matched.pk]


# --- Match runs: read only -------------------------------------------------------------------


def test_runs_cannot_be_added_changed_or_deleted(staff_client: Client, matched: Assignment) -> None:
    run = matched.run

    assert staff_client.get(f"{RUNS}add/").status_code == 403
    assert staff_client.post(f"{RUNS}add/", {"trigger": "manual"}).status_code == 403
    assert staff_client.post(f"{RUNS}{run.pk}/change/", {"error": "x"}).status_code == 403
    assert staff_client.post(f"{RUNS}{run.pk}/delete/", {"post": "yes"}).status_code == 403
    assert list(MatchRun.objects.all()) == [run]
    run.refresh_from_db()
    assert run.error == ""


def test_the_run_list_offers_only_run_matching_now(staff_client: Client) -> None:
    make_run()

    response = staff_client.get(RUNS)

    choices = [name for name, _ in response.context["action_form"].fields["action"].choices]
    assert [name for name in choices if name] == ["run_matching_now"]


# --- Run matching now --------------------------------------------------------------------------


def test_run_matching_now_queues_an_admin_run(
    staff_client: Client,
    staff_user: User,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(RUN_NOW, follow=True)

    run = MatchRun.objects.get()
    assert (run.status, run.trigger, run.requested_by) == (
        MatchRunStatus.QUEUED,
        MatchRunTrigger.ADMIN,
        staff_user,
    )
    assert response.redirect_chain == [(RUNS, 302)]
    assert messages_of(response) == [f"Match run #{run.pk} queued"]
    assert len(callbacks) == 1  # the task is sent to Celery once the run is committed


def test_pressing_run_matching_now_again_reports_the_queued_run(
    staff_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    staff_client.post(RUN_NOW, follow=True)
    queued = MatchRun.objects.get()

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(RUN_NOW, follow=True)

    assert list(MatchRun.objects.all()) == [queued]
    assert messages_of(response) == [f"Match run #{queued.pk} is already queued"]
    assert callbacks == []


def test_run_matching_now_sends_a_waiting_event_run_at_once(
    staff_client: Client, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    waiting = make_run(status=MatchRunStatus.QUEUED, trigger=MatchRunTrigger.EVENT)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = staff_client.post(RUN_NOW, follow=True)

    assert list(MatchRun.objects.all()) == [waiting]
    assert messages_of(response) == [
        f"Match run #{waiting.pk} was queued automatically; it was started now"
    ]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert len(callbacks) == 1  # its task is sent again, without the event delay


@pytest.mark.parametrize(
    ("waiting", "said"),
    [
        (None, "撮合运行 #{run} 已排队"),
        (MatchRunTrigger.EVENT, "撮合运行 #{run} 已自动排队，现已立即开始"),
        (MatchRunTrigger.SCHEDULE, "撮合运行 #{run} 已在排队中"),
    ],
)
def test_run_matching_now_says_in_chinese_what_it_did(
    staff_client: Client, waiting: str | None, said: str
) -> None:
    if waiting is not None:
        make_run(status=MatchRunStatus.QUEUED, trigger=waiting)

    response = staff_client.post(RUN_NOW, follow=True, HTTP_ACCEPT_LANGUAGE="zh-hans")

    run = MatchRun.objects.get(status=MatchRunStatus.QUEUED)
    assert messages_of(response) == [said.format(run=run.pk)]


def test_run_matching_now_does_not_count_a_finished_run_as_queued(
    staff_client: Client, staff_user: User
) -> None:
    finished = make_run(status=MatchRunStatus.SUCCEEDED)

    response = staff_client.post(RUN_NOW, follow=True)

    new = MatchRun.objects.exclude(pk=finished.pk).get()
    assert (new.status, new.requested_by) == (MatchRunStatus.QUEUED, staff_user)
    assert messages_of(response) == [f"Match run #{new.pk} queued"]


def test_a_get_on_the_run_now_url_is_refused_and_queues_nothing(staff_client: Client) -> None:
    response = staff_client.get(RUN_NOW)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert not MatchRun.objects.exists()


def test_the_run_now_url_sends_anonymous_users_to_the_login(client: Client) -> None:
    response = client.post(RUN_NOW)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")
    assert not MatchRun.objects.exists()


def test_the_run_now_url_refuses_staff_without_permission(client: Client) -> None:
    client.force_login(make_user(Role.STAFF))

    response = client.post(RUN_NOW)

    assert response.status_code == 403
    assert not MatchRun.objects.exists()


def test_the_run_matching_now_action_queues_an_admin_run(
    staff_client: Client, staff_user: User
) -> None:
    finished = make_run()

    response = staff_client.post(
        RUNS, {"action": "run_matching_now", "_selected_action": [finished.pk]}, follow=True
    )

    run = MatchRun.objects.exclude(pk=finished.pk).get()
    assert (run.status, run.trigger, run.requested_by) == (
        MatchRunStatus.QUEUED,
        MatchRunTrigger.ADMIN,
        staff_user,
    )
    assert messages_of(response) == [f"Match run #{run.pk} queued"]


def test_the_run_matching_now_action_reports_the_queued_run(staff_client: Client) -> None:
    finished = make_run()
    data = {"action": "run_matching_now", "_selected_action": [finished.pk]}
    staff_client.post(RUNS, data, follow=True)
    queued = MatchRun.objects.get(status=MatchRunStatus.QUEUED)

    response = staff_client.post(RUNS, data | {"_selected_action": [queued.pk]}, follow=True)

    assert MatchRun.objects.count() == 2
    assert messages_of(response) == [f"Match run #{queued.pk} is already queued"]


# --- Assignments ------------------------------------------------------------------------------


def test_the_assignment_list_shows_the_offers(staff_client: Client, matched: Assignment) -> None:
    response = staff_client.get(ASSIGNMENTS)

    assert listed(response) == pks(matched)
    assert b"Xinhui Garments" in response.content
    assert b"Logo tees" in response.content


def test_the_assignment_list_searches_orders_and_factories(
    staff_client: Client, matched: Assignment
) -> None:
    other = make_assignment(
        make_order(title="Canvas totes"), make_window(make_factory(name="Ningbo Bags"))
    )

    assert listed(staff_client.get(ASSIGNMENTS, {"q": "logo"})) == pks(matched)
    assert listed(staff_client.get(ASSIGNMENTS, {"q": "ningbo"})) == pks(other)


def test_the_assignment_list_filters_by_status_and_run(
    staff_client: Client, matched: Assignment
) -> None:
    withdrawn = make_assignment(status=AssignmentStatus.WITHDRAWN)

    by_status = staff_client.get(ASSIGNMENTS, {"status__exact": "withdrawn"})
    by_run = staff_client.get(ASSIGNMENTS, {"run__id__exact": matched.run_id})

    assert listed(by_status) == pks(withdrawn)
    assert listed(by_run) == pks(matched)
    changelist = by_run.context["cl"]
    (run_filter,) = [f for f in changelist.filter_specs if f.title == "match run"]
    offered_runs = {choice["display"] for choice in run_filter.choices(changelist)}
    assert {f"#{matched.run_id}", f"#{withdrawn.run_id}"} <= offered_runs


def test_the_assignment_change_page_shows_the_plan(
    staff_client: Client, matched: Assignment
) -> None:
    response = staff_client.get(f"{ASSIGNMENTS}{matched.pk}/change/")

    shown = readonly_values(response)
    assert shown["quantity"] == "500"
    assert shown["status"] == "Proposed"
    assert shown["production_cost_display"] == f"{matched.production_cost:,.2f}"
    assert "Xinhui Garments" in shown["factory"]


def test_assignments_cannot_be_added_changed_or_deleted(
    staff_client: Client, matched: Assignment
) -> None:
    url = f"{ASSIGNMENTS}{matched.pk}"

    assert staff_client.get(f"{ASSIGNMENTS}add/").status_code == 403
    assert staff_client.post(f"{url}/change/", {"quantity": "1"}).status_code == 403
    assert staff_client.post(f"{url}/delete/", {"post": "yes"}).status_code == 403
    matched.refresh_from_db()
    assert matched.quantity == 500


def test_the_run_page_shows_each_shard_and_the_worker_that_solved_it(
    staff_client: Client, matched: Assignment
) -> None:
    run = matched.run
    (shard,) = run.shard_stats

    response = staff_client.get(f"{RUNS}{run.pk}/change/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "Per shard" in page
    assert f"<td>{shard['worker']}</td>" in page
    assert shard["status"] == "OPTIMAL"
    assert "<td>Optimal</td>" in page

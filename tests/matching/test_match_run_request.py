"""Queuing runs: at most one waits; the task is sent on commit; the schedule and sweeper."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from pytest_django import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings

from marketplace.models import User
from matching.models import MatchRun, MatchRunStatus
from matching.runs import match_run_request, match_run_schedule
from matching.solve import match_run_execute
from tests.builders import make_order

pytestmark = pytest.mark.django_db


def test_it_queues_one_run_and_sends_its_task_on_commit(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks, staff: User
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, created = match_run_request(trigger="manual", requested_by=staff)

    assert created
    assert (run.status, run.trigger, run.requested_by) == ("queued", "manual", staff)
    assert run.time_limit_seconds == 5.0
    assert len(callbacks) == 1


def test_a_request_while_one_is_queued_returns_that_one(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    first, _ = match_run_request(trigger="manual")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second, created = match_run_request(trigger="event")

    assert (second.pk, created) == (first.pk, False)
    assert callbacks == []
    assert MatchRun.objects.count() == 1


def test_a_new_run_can_queue_while_another_runs() -> None:
    running, _ = match_run_request(trigger="manual")
    MatchRun.objects.filter(pk=running.pk).update(status=MatchRunStatus.RUNNING)

    queued, created = match_run_request(trigger="manual")

    assert created and queued.pk != running.pk


def test_the_schedule_queues_nothing_when_no_order_waits() -> None:
    assert match_run_schedule() is None
    assert MatchRun.objects.count() == 0


def test_the_schedule_queues_a_run_when_orders_wait() -> None:
    make_order()

    run = match_run_schedule()

    assert run is not None and run.trigger == "schedule" and run.status == "queued"


def test_the_schedule_resends_a_run_stuck_in_the_queue(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    stuck, _ = match_run_request(trigger="manual")
    MatchRun.objects.filter(pk=stuck.pk).update(created_at=timezone.now() - dt.timedelta(hours=2))

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        match_run_schedule()

    assert len(callbacks) == 1
    assert MatchRun.objects.get().pk == stuck.pk


def test_asking_now_sends_a_waiting_event_run_at_once(
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    waiting, _ = match_run_request(trigger="event", countdown=30)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        run, created = match_run_request(trigger="manual")

    assert (run.pk, created) == (waiting.pk, False)
    assert len(callbacks) == 1
    assert MatchRun.objects.count() == 1


def test_the_schedule_fails_a_run_whose_worker_was_lost(settings: Settings) -> None:
    lost, _ = match_run_request(trigger="manual")
    long_ago = timezone.now() - dt.timedelta(seconds=settings.MATCHING_LOST_RUN_AFTER_SECONDS + 1)
    MatchRun.objects.filter(pk=lost.pk).update(
        status=MatchRunStatus.RUNNING, started_at=long_ago, progress_updated_at=long_ago
    )
    waiting, _ = match_run_request(trigger="manual")

    match_run_schedule()

    lost.refresh_from_db()
    assert lost.status == MatchRunStatus.FAILED
    assert "worker running it was lost" in lost.error
    # the next run is no longer blocked behind it
    resumed = match_run_execute(run_id=waiting.pk, task_id="t")
    assert resumed is not None and resumed.status == MatchRunStatus.SUCCEEDED


def test_the_schedule_leaves_a_killed_workers_run_alone_until_its_task_is_redelivered(
    settings: Settings,
) -> None:
    # past the hard time limit, but Redis gives a killed worker's message to another worker
    # only after the visibility timeout: the run is about to resume, not lost
    killed, _ = match_run_request(trigger="manual")
    visibility = settings.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"]
    claimed = timezone.now() - dt.timedelta(seconds=visibility)
    MatchRun.objects.filter(pk=killed.pk).update(
        status=MatchRunStatus.RUNNING, started_at=claimed, progress_updated_at=claimed
    )

    match_run_schedule()

    assert MatchRun.objects.get(pk=killed.pk).status == MatchRunStatus.RUNNING
    assert settings.MATCHING_LOST_RUN_AFTER_SECONDS > visibility + settings.CELERY_TASK_TIME_LIMIT


def test_the_schedule_leaves_a_run_that_is_still_within_its_limits_alone() -> None:
    running, _ = match_run_request(trigger="manual")
    MatchRun.objects.filter(pk=running.pk).update(
        status=MatchRunStatus.RUNNING, started_at=timezone.now()
    )

    match_run_schedule()

    assert MatchRun.objects.get(pk=running.pk).status == MatchRunStatus.RUNNING

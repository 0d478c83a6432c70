"""The Celery task's body and failure hook (eager apply: a unit test of the task)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db import OperationalError

from matching.models import MatchRun, MatchRunStatus
from matching.runs import match_run_request
from matching.solver import MatchingProblem, shards
from matching.tasks import match_run_execute_task
from tests.builders import make_factory, make_order, make_window

pytestmark = pytest.mark.django_db


def _failing_solve(exc: Exception, calls: list[int]) -> Callable[[MatchingProblem], None]:
    def solve(problem: MatchingProblem) -> None:
        calls.append(1)
        raise exc

    return solve


def test_the_failure_hook_marks_the_run_failed_with_its_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_window(make_factory())
    make_order()
    calls: list[int] = []
    monkeypatch.setattr(shards, "solve", _failing_solve(ValueError("bad input"), calls))
    run, _ = match_run_request(trigger="manual")

    result = match_run_execute_task.apply(args=(run.pk,))

    assert result.failed()
    run.refresh_from_db()
    assert run.status == MatchRunStatus.FAILED
    assert run.error == "ValueError: bad input"
    assert run.finished_at is not None
    assert len(calls) == 1  # a programming error is not retried


def test_database_errors_are_retried_a_bounded_number_of_times(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    make_window(make_factory())
    make_order()
    calls: list[int] = []
    monkeypatch.setattr(shards, "solve", _failing_solve(OperationalError("db gone"), calls))
    run, _ = match_run_request(trigger="manual")

    match_run_execute_task.apply(args=(run.pk,))

    run.refresh_from_db()
    assert match_run_execute_task.max_retries is not None
    assert len(calls) == 1 + match_run_execute_task.max_retries
    assert run.status == MatchRunStatus.FAILED
    assert run.attempts == len(calls)  # each retry resumed the same run
    assert "OperationalError: db gone" in run.error


def test_a_run_blocked_by_a_running_one_gives_up_after_bounded_retries() -> None:
    running, _ = match_run_request(trigger="manual")
    MatchRun.objects.filter(pk=running.pk).update(status=MatchRunStatus.RUNNING, task_id="x")
    waiting, _ = match_run_request(trigger="manual")

    match_run_execute_task.apply(args=(waiting.pk,))

    waiting.refresh_from_db()
    assert waiting.status == MatchRunStatus.FAILED
    assert "MatchRunBusy" in waiting.error
    assert MatchRun.objects.get(pk=running.pk).status == MatchRunStatus.RUNNING


def test_a_task_for_a_finished_run_does_nothing() -> None:
    run, _ = match_run_request(trigger="manual")
    MatchRun.objects.filter(pk=run.pk).update(status=MatchRunStatus.SUCCEEDED)

    result = match_run_execute_task.apply(args=(run.pk,))

    assert result.successful()
    run.refresh_from_db()
    assert run.status == MatchRunStatus.SUCCEEDED and run.attempts == 0

"""Scenario 3: a solve that overruns the time limits ends in a recorded status, and the
limits leave no room for a second delivery of a task that is still running."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from matching.models import Assignment, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from orders.models import Order, OrderStatus
from tests.reliability.conftest import contested_market, limits
from tests.worker import (
    queue_length,
    unacked_messages,
    wait_for,
    wait_for_finished_run,
    wait_for_solving,
    worker_process,
)

REPO = Path(__file__).resolve().parents[2]
SOFT, HARD, VISIBILITY = 3, 5, 7


def _received_count(log: str, task_id: str) -> int:
    return sum(1 for line in log.splitlines() if task_id in line and "received" in line)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_solve_past_the_soft_time_limit_ends_failed_with_the_limit_in_its_error() -> None:
    orders = contested_market(orders=3)
    env = limits(soft=SOFT, hard=HARD, visibility=VISIBILITY, delay=SOFT + 1)

    with worker_process(env=env) as worker:
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        started = time.monotonic()
        finished = wait_for_finished_run(run.pk, timeout=30)
        took = time.monotonic() - started
        wait_for(lambda: queue_length() == 0 and unacked_messages() == [], timeout=5)
        log = worker.log()

    assert finished.status == MatchRunStatus.FAILED
    assert finished.error.startswith("SoftTimeLimitExceeded: stopped at the soft time limit")
    assert f"{SOFT} s" in finished.error
    assert finished.finished_at is not None and finished.attempts == 1
    assert took < HARD + 2  # the soft limit, not the hard one, ended it
    assert "Hard time limit" not in log
    assert not Assignment.objects.filter(run=finished).exists()
    assert set(
        Order.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", flat=True)
    ) == {OrderStatus.OPEN}


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_solve_past_the_hard_time_limit_is_killed_recorded_failed_and_never_redelivered() -> None:
    contested_market(orders=3)
    # the delay holds the soft limit's signal back (a solver busy in native code), so only
    # the hard limit stops it: the pool process is killed
    env = limits(soft=SOFT, hard=HARD, visibility=VISIBILITY, delay=HARD + 10)

    with worker_process(env=env) as worker:
        worker.warm_up()  # the soft limit must not fire before the solve phase holds it back
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        claimed = wait_for_solving(run.pk, timeout=30)
        delivered_at = time.monotonic()
        finished = wait_for_finished_run(run.pk, timeout=HARD + 10)
        killed_after = time.monotonic() - delivered_at
        # the message is acknowledged right after the run is recorded failed: nothing is
        # left to redeliver, and nothing is redelivered after the visibility timeout either
        wait_for(lambda: unacked_messages() == [], timeout=5)
        assert queue_length() == 0
        time.sleep(max(0.0, VISIBILITY + 2 - (time.monotonic() - delivered_at)))
        log = worker.log()
        assert worker.alive()

    assert finished.status == MatchRunStatus.FAILED
    assert finished.error.startswith("TimeLimitExceeded: the worker process was killed")
    assert f"{HARD} s" in finished.error
    assert killed_after < HARD + 2
    assert "Hard time limit" in log
    assert _received_count(log, claimed.task_id) == 1
    refreshed = MatchRun.objects.get(pk=run.pk)
    assert (refreshed.status, refreshed.attempts) == (MatchRunStatus.FAILED, 1)
    assert not Assignment.objects.filter(run=refreshed).exists()


def _import_settings(**env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import marketplace.settings"],
        cwd=REPO,
        env=os.environ | env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize(
    "env",
    [
        # a running task could be delivered again before its hard limit kills it
        {"CELERY_TASK_TIME_LIMIT": "8", "CELERY_VISIBILITY_TIMEOUT": "8"},
        {"CELERY_TASK_TIME_LIMIT": "8", "CELERY_VISIBILITY_TIMEOUT": "5"},
        # the soft limit must come first, after the solver's own limit
        {"CELERY_TASK_SOFT_TIME_LIMIT": "9", "CELERY_TASK_TIME_LIMIT": "8"},
        {"MATCHING_TIME_LIMIT_SECONDS": "7", "CELERY_TASK_SOFT_TIME_LIMIT": "6"},
    ],
)
def test_settings_refuse_limits_that_would_allow_a_second_concurrent_delivery(
    env: dict[str, str],
) -> None:
    """The same check as tests/marketplace/test_settings.py, for every link of the chain."""
    base = {
        "MATCHING_TIME_LIMIT_SECONDS": "2",
        "CELERY_TASK_SOFT_TIME_LIMIT": "6",
        "CELERY_TASK_TIME_LIMIT": "8",
        "CELERY_VISIBILITY_TIMEOUT": "10",
    }
    assert _import_settings(**base).returncode == 0
    result = _import_settings(**(base | env))
    assert result.returncode != 0
    assert "CELERY_VISIBILITY_TIMEOUT" in result.stderr

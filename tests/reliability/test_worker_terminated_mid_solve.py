"""Scenario 9: the worker gets SIGTERM (a deploy, a scale-down) in the middle of a solve: the
task goes back to the queue at once and another worker takes it, long before the visibility
timeout would have brought it back.

SIGTERM is a cold shutdown with REMAP_SIGTERM=SIGQUIT in the worker's environment (as the
deployment sets it); the soft shutdown (CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT) lets short
tasks finish first, then cancels the rest and requeues their messages."""

from __future__ import annotations

import signal
import time

import pytest

from matching.models import Assignment, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from tests.reliability.conftest import (
    assert_nothing_overbooked_or_duplicated,
    contested_market,
    limits,
)
from tests.worker import (
    queue_length,
    unacked_messages,
    wait_for,
    wait_for_finished_run,
    wait_for_solving,
    worker_processes,
)

VISIBILITY = 60
SOFT_SHUTDOWN = 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_sigterm_mid_solve_requeues_the_run_at_once_for_another_worker() -> None:
    contested_market()
    env = limits(
        soft=20,
        hard=25,
        visibility=VISIBILITY,
        delay=4,
        REMAP_SIGTERM="SIGQUIT",
        CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT=str(SOFT_SHUTDOWN),
    )
    with worker_processes(2, env=env) as workers:
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        claimed = wait_for_solving(run.pk, timeout=30)
        holder = wait_for(
            lambda: next((w for w in workers if claimed.task_id in w.active_task_ids()), None),
            timeout=10,
        )
        assert holder is not None
        other = next(w for w in workers if w is not holder)
        assert other is not None

        holder.send_signal(signal.SIGTERM)
        terminated_at = time.monotonic()
        holder.wait_exit(timeout=15)
        stopped_after = time.monotonic() - terminated_at
        taken_over = wait_for(
            lambda: MatchRun.objects.filter(pk=run.pk, attempts=2).first(), timeout=30
        )
        assert taken_over is not None
        taken_over_after = time.monotonic() - terminated_at
        finished = wait_for_finished_run(run.pk, timeout=30)
        # acknowledged once done: nothing left to deliver again
        wait_for(lambda: unacked_messages() == [] and queue_length() == 0, timeout=10)
        other_log, holder_log = other.log(), holder.log()

    assert stopped_after < SOFT_SHUTDOWN + 5
    # a cold shutdown that put the unacknowledged message back
    assert "Cold shutdown" in holder_log
    assert "Restoring 1 unacknowledged message(s)" in holder_log
    # requeued at once: far sooner than the visibility timeout
    assert taken_over_after < SOFT_SHUTDOWN + 8 < VISIBILITY
    assert taken_over.task_id == claimed.task_id  # the same message, back in the queue
    assert claimed.task_id in other_log
    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    assert finished.attempts == 2
    written = Assignment.objects.filter(run=finished)
    assert finished.matched_orders is not None
    assert written.count() == finished.matched_orders > 0
    assert_nothing_overbooked_or_duplicated()

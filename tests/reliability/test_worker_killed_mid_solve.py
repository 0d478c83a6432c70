"""Scenario 1: the worker dies (SIGKILL, pool processes included) in the middle of a solve,
with and without beat sweeping for lost runs meanwhile."""

from __future__ import annotations

import time
from contextlib import ExitStack

import pytest

from matching.models import Assignment, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from tests.reliability.conftest import (
    assert_nothing_overbooked_or_duplicated,
    contested_market,
    limits,
)
from tests.worker import (
    beat_process,
    queue_length,
    unacked_messages,
    wait_for,
    wait_for_finished_run,
    wait_for_solving,
    worker_process,
)

VISIBILITY = 10


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_run_whose_worker_is_killed_mid_solve_is_redelivered_and_written_exactly_once() -> None:
    orders = contested_market()
    env = limits(soft=6, hard=8, visibility=VISIBILITY, delay=2)

    with worker_process(env=env, name="doomed") as doomed:
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        claimed = wait_for_solving(run.pk, timeout=30)
        delivered_at = time.monotonic()
        doomed.kill_everything()
    # nothing was written; the message waits, unacknowledged, for the visibility timeout
    killed = MatchRun.objects.get(pk=run.pk)
    assert (killed.status, killed.attempts) == (MatchRunStatus.RUNNING, 1)
    assert not Assignment.objects.filter(run=killed).exists()
    assert [m["headers"]["id"] for m in unacked_messages()] == [claimed.task_id]

    with worker_process(env=env, name="rescuer", purge=False):
        finished = wait_for_finished_run(run.pk, timeout=60)
        redelivered_after = time.monotonic() - delivered_at
        # acknowledged once done: nothing left to deliver again
        wait_for(lambda: unacked_messages() == [] and queue_length() == 0, timeout=10)

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    # the same message came back (the claim resumed the run it had started) once
    assert finished.task_id == claimed.task_id
    assert finished.attempts == 2
    assert redelivered_after >= VISIBILITY - 1
    assert list(MatchRun.objects.filter(attempts__gt=0)) == [finished]  # no other run
    written = Assignment.objects.filter(run=finished)
    assert finished.matched_orders is not None
    assert written.count() == finished.matched_orders > 0
    assert len({a.order_id for a in written}) == written.count()  # no order placed twice
    assert set(written.values_list("order_id", flat=True)) <= {o.pk for o in orders}
    assert_nothing_overbooked_or_duplicated()


# The sweeper fails a run that shows no sign of life for a while; before the fix it did so 60 s
# after the hard limit, while Redis gives the killed worker's message back only after the
# visibility timeout. These limits put the visibility timeout past that old deadline.
SWEPT_HARD, SWEPT_VISIBILITY = 5, 68


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_killed_workers_run_is_resumed_not_failed_while_beat_sweeps_for_lost_runs() -> None:
    contested_market()
    env = limits(soft=4, hard=SWEPT_HARD, visibility=SWEPT_VISIBILITY, delay=1)
    # beat sends the sweeper (match_run_schedule_task) every second
    beat_env = env | {"MATCHING_SCHEDULE_SECONDS": "1"}

    with ExitStack() as stack:
        doomed = stack.enter_context(worker_process(env=env, name="doomed"))
        stack.enter_context(beat_process(env=beat_env))
        # the run beat's sweeper has queued meanwhile, or a new one
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        claimed = wait_for_solving(run.pk, timeout=30)
        killed_at = time.monotonic()
        doomed.kill_everything()
        rescuer = stack.enter_context(worker_process(env=env, name="rescuer", purge=False))

        finished = wait_for_finished_run(run.pk, timeout=SWEPT_VISIBILITY + 90)
        resumed_after = time.monotonic() - killed_at
        sweeps = rescuer.log().count("match_run_schedule_task") // 2  # received, succeeded

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    assert (finished.task_id, finished.attempts) == (claimed.task_id, 2)  # the same message
    # the sweeper ran all along, past the moment it used to fail the run (hard limit + 60 s)
    assert resumed_after > SWEPT_HARD + 60
    assert sweeps > SWEPT_HARD + 60 - 10
    assert finished.matched_orders is not None
    assert Assignment.objects.filter(run=finished).count() == finished.matched_orders > 0
    assert_nothing_overbooked_or_duplicated()

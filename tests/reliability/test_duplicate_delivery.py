"""Scenario 2: the same run's task is sent twice and each message goes to another worker."""

from __future__ import annotations

import pytest

from matching.models import Assignment, MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request
from matching.tasks import match_run_execute_task
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

NOTHING_TO_DO = "already claimed or finished; nothing to do"


def _received(log: str, task_id: str) -> bool:
    return any(task_id in line and "received" in line for line in log.splitlines())


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_a_run_delivered_to_two_workers_is_solved_once_and_the_second_delivery_does_nothing() -> (
    None
):
    contested_market()
    with worker_processes(2, env=limits(delay=2)) as workers:
        run, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
        claimed = wait_for_solving(run.pk, timeout=30)
        # the run is being solved; a second message for it (another task id), as a re-send
        # by the sweeper or a second request would make, goes to the idle worker
        duplicate = match_run_execute_task.apply_async(args=(run.pk,))
        assert duplicate.id != claimed.task_id
        wait_for(lambda: any(NOTHING_TO_DO in w.log() for w in workers), timeout=20)
        finished = wait_for_finished_run(run.pk, timeout=30)
        wait_for(lambda: queue_length() == 0 and unacked_messages() == [], timeout=10)
        logs = {w.hostname: w.log() for w in workers}

    assert finished.status == MatchRunStatus.SUCCEEDED, finished.error
    # one solve: one claim, by the first message, one shard solved by one worker
    assert (finished.attempts, finished.task_id) == (1, claimed.task_id)
    assert len(finished.shard_stats) == 1
    # each worker got one of the two messages; the one that got the duplicate did nothing
    solver = next(h for h, log in logs.items() if _received(log, claimed.task_id))
    other = next(h for h in logs if h != solver)
    assert _received(logs[other], duplicate.id)
    assert NOTHING_TO_DO in logs[other] and NOTHING_TO_DO not in logs[solver]
    written = Assignment.objects.filter(run=finished)
    assert finished.matched_orders is not None
    assert written.count() == finished.matched_orders > 0
    assert list(MatchRun.objects.filter(attempts__gt=0)) == [finished]
    assert_nothing_overbooked_or_duplicated()

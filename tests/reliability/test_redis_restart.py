"""Scenario 6: Redis restarts (without persistence, as deployed) while a run is being solved
and another waits in the queue: the worker reconnects and consumes again, and the periodic
sweeper sends the lost run again, so no run is lost."""

from __future__ import annotations

import time

import pytest
from pytest_django.fixtures import Settings

from matching.models import MatchRun, MatchRunStatus, MatchRunTrigger
from matching.runs import match_run_request, match_run_schedule
from tests.reliability.conftest import (
    assert_nothing_overbooked_or_duplicated,
    contested_market,
    limits,
)
from tests.worker import (
    RedisServer,
    answers_ping,
    queue_length,
    use_broker,
    wait_for,
    wait_for_finished_run,
    wait_for_solving,
    worker_process,
)


def _received(log: str) -> int:
    return sum(1 for line in log.splitlines() if "received" in line)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("category_tree")
def test_after_a_redis_restart_the_worker_consumes_again_and_the_sweeper_resends_the_lost_run(
    settings: Settings,
) -> None:
    contested_market()
    settings.MATCHING_RESEND_QUEUED_AFTER_SECONDS = 1  # the sweeper's patience, shortened

    with RedisServer() as redis_server, use_broker(redis_server.url):
        with worker_process(env=limits(delay=3)) as worker:
            first, _ = match_run_request(trigger=MatchRunTrigger.MANUAL)
            wait_for_solving(first.pk, timeout=30)
            # the worker (one process) is busy: the next run's message waits in Redis
            second, created = match_run_request(trigger=MatchRunTrigger.MANUAL)
            assert created and queue_length() == 1

            # Redis goes down (the worker notices) and comes back empty: what was queued
            # is gone
            redis_server.stop()
            wait_for(lambda: "Cannot connect to redis" in worker.log(), timeout=20)
            redis_server.start()
            assert queue_length() == 0
            # the worker reconnects and answers again; the first run, in the pool process,
            # was not disturbed
            wait_for(lambda: answers_ping(worker.hostname), timeout=20)
            first = wait_for_finished_run(first.pk, timeout=30)
            assert first.status == MatchRunStatus.SUCCEEDED, first.error
            # the second run's message was lost: it stays queued...
            time.sleep(1.5)
            assert MatchRun.objects.get(pk=second.pk).status == MatchRunStatus.QUEUED
            received_before = _received(worker.log())

            # ...until the periodic sweeper sends it again
            match_run_schedule()
            second = wait_for_finished_run(second.pk, timeout=30)
            log = worker.log()

    assert second.status == MatchRunStatus.SUCCEEDED, second.error
    assert second.attempts == 1
    assert _received(log) == received_before + 1  # consumed after the restart
    assert "Connection to broker lost" in log
    assert not MatchRun.objects.filter(
        status__in=(MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
    ).exists()
    assert_nothing_overbooked_or_duplicated()
